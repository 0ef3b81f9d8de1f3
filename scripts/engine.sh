#!/usr/bin/env bash
# Make sure a Docker Engine answers on this machine, installing and starting one if needed.
#
# A daemon that already answers is left exactly as it is: developers may run their own, tuned
# engine, and restarting it would kill their containers. Only when nothing answers do we install
# Debian's docker.io and start dockerd in the background (these machines have no systemd).
set -euo pipefail

ENGINE_WAIT_SECONDS=${ENGINE_WAIT_SECONDS:-60}
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/devenv-dockerd.log}

log() { printf 'engine: %s\n' "$*" >&2; }

# Debian's 20.10 client talks to any engine we start; the newer client some images ship in
# /usr/local/bin is fine too, but we only need one that answers `info`.
engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_answers; then
  log "engine already running ($(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null)); leaving it alone"
  exit 0
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing Debian's docker.io"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

if [ -n "${DOCKER_HOST:-}" ] && [[ "${DOCKER_HOST}" != unix://* ]]; then
  echo "engine: DOCKER_HOST=${DOCKER_HOST} does not answer, and it is not a local socket this script can start a daemon for." >&2
  echo "engine: fix: start that engine, or unset DOCKER_HOST to use a local one." >&2
  exit 1
fi

# A dockerd that is running but not answering yet (still starting) must not be started twice:
# two daemons on one data root corrupt it.
if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd (log: ${DOCKERD_LOG})"
  as_root mkdir -p "$(dirname "$DOCKERD_LOG")"
  # setsid detaches the daemon from this shell's job control, so make's exit doesn't end it.
  as_root setsid dockerd >>"$DOCKERD_LOG" 2>&1 < /dev/null &
else
  log "dockerd is running but does not answer yet; waiting for it"
fi

deadline=$((SECONDS + ENGINE_WAIT_SECONDS))
until engine_answers; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "engine: dockerd did not answer within ${ENGINE_WAIT_SECONDS}s. Last lines of ${DOCKERD_LOG}:" >&2
    tail -n 30 "$DOCKERD_LOG" >&2 2>/dev/null || true
    echo "engine: fix: read the log above; ENGINE_WAIT_SECONDS raises the wait on a slow machine." >&2
    exit 1
  fi
  sleep 0.2
done
log "engine ready after ${SECONDS}s: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
