#!/usr/bin/env bash
# Install the programs the end-to-end tests drive besides devenv itself: tmux gives the tests a
# real terminal (for what devenv shows and asks only on a terminal), git tags built images.
set -euo pipefail
missing=()
for tool in tmux git; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
echo "tools: installing ${missing[*]}" >&2
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
