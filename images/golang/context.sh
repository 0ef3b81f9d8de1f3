#!/usr/bin/env bash
# The Go toolchain comes from this machine: Debian's golang package (1.19) is far older than the
# templates need, and no toolchain can be downloaded here. The tag promises 1.26, so refuse any
# other host version rather than publish a mislabelled image.
set -euo pipefail
want=go1.26
goroot=$(go env GOROOT 2>/dev/null) || { echo "images/golang: no Go toolchain on this machine (needs $want)" >&2; exit 1; }
version=$(go env GOVERSION)
case "$version" in
  "$want"|"$want".*) ;;
  *) echo "images/golang: this machine has $version but the tags promise $want; install $want or edit images/golang/tags" >&2; exit 1 ;;
esac
case "${1:-}" in
  fingerprint) echo "$version" ;;
  # test/ and the API/doc files are not needed to build programs; leaving them out saves ~70 MB.
  copy) mkdir -p "$2/go" && tar -C "$goroot" --exclude=./test --exclude=./api --exclude=./doc -c . | tar -C "$2/go" -x ;;
  *) echo "usage: $0 fingerprint | copy DIR" >&2; exit 2 ;;
esac
