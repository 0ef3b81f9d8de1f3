#!/usr/bin/env bash
# Entry point compatible with the official redis image: flags and config files go to
# redis-server, the server runs as the redis user, and other containers can connect without a
# password.
set -euo pipefail

# `docker run redis --appendonly yes` and `docker run redis /etc/redis.conf` mean redis-server.
if [ "${1#-}" != "${1:-}" ] || [ "${1%.conf}" != "${1:-}" ]; then
	set -- redis-server "$@"
fi

# Debian compiles redis with protected mode on, which refuses every non-loopback client of a
# password-less server: the official image builds it off, so we pass it on every redis-server
# command line (not only the default CMD, since users often override it). We stay out of the way
# when the user decides it themselves, and for the one-shot modes that only accept a single
# argument after the binary.
wants_protected_mode_default() {
	[ "$1" = redis-server ] || return 1
	case "${2:-}" in
	-v | --version | -h | --help | --test-memory | --check-system) return 1 ;;
	esac
	local arg
	for arg in "${@:2}"; do
		[ "$arg" != --protected-mode ] || return 1
	done
	# A config file given first that sets protected-mode itself wins, as with the official image.
	if [ -n "${2:-}" ] && [ "${2#-}" = "$2" ] && [ -f "$2" ] &&
		grep -qiE '^[[:space:]]*protected-mode[[:space:]]' "$2"; then
		return 1
	fi
	return 0
}
if wants_protected_mode_default "$@"; then
	set -- "$@" --protected-mode no
fi

# Started as root (the default): fix ownership of a volume created by someone else, then re-run
# this script as redis so the server never runs as root. `--user` skips this.
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec setpriv --reuid=redis --regid=redis --init-groups -- "$0" "$@"
fi

# Dumps and AOF files may hold secrets: keep them private unless the user chose a umask.
if [ "$(umask)" = 0022 ]; then
	umask 0077
fi

exec "$@"
