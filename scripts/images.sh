#!/usr/bin/env bash
# Build the offline images devenv's tests (and air-gapped users) need, from Debian packages only,
# and push them to the local registry under the names a pull-through mirror of Docker Hub uses.
#
#   scripts/images.sh [NAME...]     NAME is a folder under images/ (default: all of them; `base`
#                                   alone builds only the Debian base the others start from)
#
# Each image is labelled with the hash of its recipe; an image whose recipe has not changed is not
# rebuilt, so a second run (or a fresh clone on a machine that already has the images) is quick.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
images_dir="$root/images"
REGISTRY=${DEVENV_REGISTRY:-127.0.0.1:5000}
SUITE=${DEBIAN_SUITE:-bookworm}
BASE_TAG=devenv/debian:$SUITE
HASH_LABEL=dev.devenv.recipe-hash
export DOCKER_BUILDKIT=0 # the engine here is 20.10 with no buildx; the classic builder needs no pulls

log() { printf 'images: %s\n' "$*" >&2; }
die() { printf 'images: error: %s\n' "$*" >&2; exit 1; }

# The Debian mirror comes from this machine's own apt configuration (or DEBIAN_MIRROR), so the
# same recipe works behind a corporate mirror or an air-gapped one.
debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Created-By: Packages' 2>/dev/null |
    awk -v suite="$SUITE" '$2 == suite && $3 == "main" { print $1; exit }')
  [ -n "$uri" ] || die "no apt source for Debian '$SUITE' main on this machine; set DEBIAN_MIRROR=<mirror URL> (run apt-get update first if this is a fresh machine)"
  echo "${uri%/}"
}

security_mirror() {
  apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null |
    awk -v suite="$SUITE-security" '$2 == suite { print $1; exit }' | sed 's:/$::'
}

# hash_of FILE_OR_DIR... prints one sha256 over the names and contents of every file given.
hash_of() {
  (cd "$root" && find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

# Certificates the host trusts beyond Debian's own set (a corporate or sandbox TLS-intercepting
# proxy's CA): without them, `go mod download` or `npm install` inside an image build fails with
# "certificate signed by unknown authority" on exactly the machines that need a proxy.
# certs_of BUNDLE prints each certificate of a PEM bundle as one line, sorted.
certs_of() {
  [ -f "$1" ] || return 0
  awk '/-----BEGIN CERTIFICATE-----/ { c = "" } { c = c $0 "|" } /-----END CERTIFICATE-----/ { print c }' "$1" | LC_ALL=C sort -u
}

HOST_CA_BUNDLE=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

# extra_host_cas ROOTFS prints the host's certificates that ROOTFS's bundle lacks, one per line.
extra_host_cas() {
  LC_ALL=C comm -23 <(certs_of "$HOST_CA_BUNDLE") <(certs_of "$1/etc/ssl/certs/ca-certificates.crt")
}

image_hash() { docker image inspect -f "{{index .Config.Labels \"$HASH_LABEL\"}}" "$1" 2>/dev/null || true; }

build_base() {
  local hash mirror security rootfs
  mirror=$(debian_mirror)
  security=$(security_mirror)
  hash=$(printf '%s\n%s\n%s\n%s\n' "$(hash_of images/base scripts/images.sh)" "$mirror" "$SUITE" "$(certs_of "$HOST_CA_BUNDLE" | sha256sum)" | sha256sum | cut -c1-16)
  if [ "$(image_hash "$BASE_TAG")" = "$hash" ]; then
    log "$BASE_TAG is up to date ($hash)"
    return
  fi
  command -v debootstrap >/dev/null || { log "installing debootstrap"; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  rootfs=$(mktemp -d /tmp/devenv-rootfs.XXXXXX)
  # shellcheck disable=SC2064 # expand now: the trap must remove this run's folder
  trap "rm -rf '$rootfs'" RETURN
  local include
  include=$(grep -v '^#' "$images_dir/base/packages" | xargs | tr ' ' ',')
  log "debootstrap $SUITE from $mirror into $rootfs"
  debootstrap --variant=minbase ${include:+--include="$include"} "$SUITE" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
    { tail -n 20 "$rootfs.log" >&2; die "debootstrap failed (full log: $rootfs.log)"; }
  rm -f "$rootfs.log"
  local n=0
  while IFS= read -r cert; do
    n=$((n + 1))
    mkdir -p "$rootfs/usr/local/share/ca-certificates"
    printf '%s' "$cert" | tr '|' '\n' >"$rootfs/usr/local/share/ca-certificates/devenv-host-$n.crt"
  done < <(extra_host_cas "$rootfs")
  if [ "$n" -gt 0 ]; then
    log "adding $n CA certificate(s) this machine trusts beyond Debian's set"
    chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the base rootfs"
  fi
  # Sources for apt-get inside image builds: the same mirror, plus updates and security fixes.
  {
    echo "deb $mirror $SUITE main"
    echo "deb $mirror $SUITE-updates main"
    [ -z "$security" ] || echo "deb $security $SUITE-security main"
  } >"$rootfs/etc/apt/sources.list"
  # Keep images small the way Debian's official images do: no docs, no package cache.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/devenv-nodoc" <<'CFG'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG
  echo 'APT::Install-Recommends "false";' >"$rootfs/etc/apt/apt.conf.d/99devenv-norecommends"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  log "importing $BASE_TAG"
  tar -C "$rootfs" -c . | docker import \
    --change "LABEL $HASH_LABEL=$hash" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    - "$BASE_TAG" >/dev/null
}

# A recipe may need files from the host (a toolchain). Its optional `context.sh` prints extra
# paths to copy into the build context and their hash inputs; everything else is the folder itself.
build_recipe() {
  local name=$1 dir="$images_dir/$1" ctx hash extra tags first
  [ -f "$dir/Dockerfile" ] || die "images/$name has no Dockerfile"
  [ -f "$dir/tags" ] || die "images/$name has no tags file (one image reference per line, e.g. mysql:8.4)"
  mapfile -t tags < <(grep -v '^#' "$dir/tags" | sed '/^$/d')
  [ "${#tags[@]}" -gt 0 ] || die "images/$name/tags lists no tag"
  extra=""
  if [ -x "$dir/context.sh" ]; then extra=$("$dir/context.sh" fingerprint); fi
  hash=$(printf '%s\n%s\n%s\n' "$(hash_of "images/$name")" "$(image_hash "$BASE_TAG")" "$extra" | sha256sum | cut -c1-16)
  first="$REGISTRY/library/${tags[0]}"
  if [ "$(image_hash "$first")" = "$hash" ]; then
    log "$name is up to date ($hash)"
  else
    ctx=$(mktemp -d /tmp/devenv-ctx.XXXXXX)
    cp -a "$dir/." "$ctx/"
    if [ -x "$dir/context.sh" ]; then "$dir/context.sh" copy "$ctx"; fi
    log "building $name"
    local args=(build --quiet --label "$HASH_LABEL=$hash" --build-arg "BASE=$BASE_TAG")
    for t in "${tags[@]}"; do args+=(-t "$REGISTRY/library/$t"); done
    local started=$SECONDS
    if ! docker "${args[@]}" "$ctx" >"$ctx.log" 2>&1; then
      tail -n 40 "$ctx.log" >&2
      rm -rf "$ctx"
      die "building images/$name failed (full log: $ctx.log)"
    fi
    rm -rf "$ctx" "$ctx.log"
    log "built $name in $((SECONDS - started))s"
  fi
  for t in "${tags[@]}"; do
    docker push --quiet "$REGISTRY/library/$t" >/dev/null || die "pushing $REGISTRY/library/$t failed; is the registry up? (make registry)"
  done
  log "$name: ${tags[*]} in $REGISTRY/library"
}

main() {
  local names=("$@")
  if [ "${#names[@]}" -eq 0 ]; then
    for d in "$images_dir"/*/; do
      d=${d%/}; d=${d##*/}
      [ "$d" = base ] || names+=("$d")
    done
  fi
  build_base
  for n in "${names[@]}"; do
    [ "$n" = base ] || build_recipe "$n"
  done
}

main "$@"
