#!/usr/bin/env bash
# Install the Docker Compose CLI plugin if none answers, for make bench's side-by-side numbers
# with `docker compose watch`. Debian's docker.io has no compose v2 and no registry of release
# binaries is reachable here, so it is built from its source, which the Go module proxy serves.
# devenv itself never runs compose: only the benchmark does, to compare.
set -euo pipefail
version=${COMPOSE_VERSION:-v5.6.0}
if docker compose version >/dev/null 2>&1; then
  exit 0
fi
plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
echo "compose: building docker compose $version from source into $plugins" >&2
dir=$(go mod download -json "github.com/docker/compose/v5@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "compose: the Go module proxy did not give github.com/docker/compose/v5@$version" >&2; exit 1; }
# The module cache is read-only and compose's go.mod has exclude directives, which go install
# pkg@version refuses: build a writable copy as its own main module.
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
cp -r "$dir/." "$src"
chmod -R u+w "$src"
mkdir -p "$plugins"
(cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v5/internal.Version=$version" -o "$plugins/docker-compose" ./cmd)
docker compose version
