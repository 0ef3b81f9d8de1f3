#!/usr/bin/env bash
# Node.js comes from this machine: Debian bookworm ships Node 18 (end of life), and no runtime can
# be downloaded here. The tag promises Node 20, so refuse any other host version.
set -euo pipefail
want=v20
node=$(command -v node) || { echo "images/node: no node on this machine (needs $want)" >&2; exit 1; }
version=$(node --version)
case "$version" in
  "$want".*) ;;
  *) echo "images/node: this machine has node $version but the tags promise $want; install node 20 or edit images/node/tags" >&2; exit 1 ;;
esac
modules=$(dirname "$(readlink -f "$(command -v npm)")")/../..
case "${1:-}" in
  fingerprint) echo "$version npm $(npm --version)" ;;
  copy)
    mkdir -p "$2/node/bin" "$2/node/lib/node_modules"
    cp "$(readlink -f "$node")" "$2/node/bin/node"
    for m in npm corepack; do
      [ -d "$modules/$m" ] && cp -a "$modules/$m" "$2/node/lib/node_modules/"
    done
    ;;
  *) echo "usage: $0 fingerprint | copy DIR" >&2; exit 2 ;;
esac
