#!/usr/bin/env bash
# Make sure a local image registry answers on 127.0.0.1:5000 (Debian's docker-registry package).
#
# It plays the part of a pull-through mirror of Docker Hub: scripts/images.sh pushes the offline
# images to it as 127.0.0.1:5000/library/<name>:<tag>, and devenv pulls them through its
# images.mirror setting exactly as a laptop pulls from Docker Hub. Engines treat 127.0.0.0/8
# registries as insecure by default, so no daemon configuration is needed.
set -euo pipefail

ADDR=${DEVENV_REGISTRY:-127.0.0.1:5000}
DATA=${DEVENV_REGISTRY_DATA:-/var/lib/devenv-registry}
LOG=${DEVENV_REGISTRY_LOG:-/var/log/devenv-registry.log}
CONFIG=${DEVENV_REGISTRY_CONFIG:-/etc/devenv/registry.yml}
WAIT_SECONDS=${REGISTRY_WAIT_SECONDS:-30}

log() { printf 'registry: %s\n' "$*" >&2; }

answers() { curl -fsS --max-time 2 "http://$ADDR/v2/" >/dev/null 2>&1; }

if answers; then
  log "registry already answers on $ADDR; leaving it alone"
  exit 0
fi

case "$ADDR" in
  127.*:*|localhost:*) ;;
  *) echo "registry: DEVENV_REGISTRY=$ADDR does not answer and is not a loopback address this script may start a registry on." >&2
     echo "registry: fix: start that registry, or unset DEVENV_REGISTRY to use 127.0.0.1:5000." >&2
     exit 1 ;;
esac

if ! command -v docker-registry >/dev/null 2>&1; then
  log "installing Debian's docker-registry"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null
fi

# Debian's own config listens on every interface and asks for htpasswd auth; ours listens on
# loopback only (a dev registry must not be reachable from the LAN) and needs no login.
mkdir -p "$DATA" "$(dirname "$CONFIG")" "$(dirname "$LOG")"
cat >"$CONFIG" <<CFG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DATA
  delete:
    enabled: true
http:
  addr: $ADDR
CFG

if pgrep -f "docker-registry serve $CONFIG" >/dev/null 2>&1; then
  log "a registry with $CONFIG is starting; waiting for it"
else
  log "starting docker-registry on $ADDR (data: $DATA, log: $LOG)"
  setsid docker-registry serve "$CONFIG" >>"$LOG" 2>&1 </dev/null &
fi

deadline=$((SECONDS + WAIT_SECONDS))
until answers; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "registry: no answer on http://$ADDR/v2/ within ${WAIT_SECONDS}s. Last lines of $LOG:" >&2
    tail -n 20 "$LOG" >&2 || true
    echo "registry: fix: if another program holds $ADDR, stop it or set DEVENV_REGISTRY=127.0.0.1:<port>." >&2
    exit 1
  fi
  sleep 0.1
done
log "registry ready on $ADDR"
