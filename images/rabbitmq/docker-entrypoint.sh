#!/usr/bin/env bash
# Entry point compatible with the official rabbitmq image: the broker runs in the foreground as
# PID 1, as the rabbitmq user, logging to stdout, with a per-volume Erlang cookie.
#
# Node name: the broker is rabbit@<container hostname> (or RABBITMQ_NODENAME, which the server
# and the CLI read themselves), and its data lives under /var/lib/rabbitmq/mnesia/<node name>.
# A container re-created with a new hostname on the same volume therefore starts an empty broker.
# devenv gives dependency containers a stable hostname (the service name) for this reason; set
# RABBITMQ_NODENAME (e.g. rabbit@localhost) when the hostname cannot be kept.
set -euo pipefail

data_dir=/var/lib/rabbitmq
cookie_file=$data_dir/.erlang.cookie

# This runs before anything else: a `docker exec rabbitmq-diagnostics ...` (or a healthcheck)
# racing the start-up would otherwise let Erlang create the cookie as root, and the broker,
# running as rabbitmq, could not read it. The cookie lives in the volume so that it follows the
# data, and it is random because it is the only secret guarding the Erlang distribution port.
ensure_cookie() {
	if [ ! -s "$cookie_file" ]; then
		local cookie tmp
		# od reads exactly 20 bytes itself: `tr </dev/urandom | head -c` would kill tr with
		# SIGPIPE, which pipefail turns into a failed start.
		cookie=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n' | tr 'a-f' 'A-F')
		tmp=$(mktemp "$data_dir/.erlang.cookie.XXXXXX")
		printf '%s' "$cookie" >"$tmp"
		chmod 400 "$tmp"
		mv -f "$tmp" "$cookie_file"
	fi
	if [ "$(id -u)" = 0 ]; then
		chown rabbitmq:rabbitmq "$cookie_file"
		# For a `docker exec` that resets HOME to /root.
		install -m 400 -o root -g root "$cookie_file" /root/.erlang.cookie
	fi
}

# `docker run rabbitmq:3 -some-flag` is not supported by the official image either, so only the
# server itself is special: other commands (bash, rabbitmqctl, ...) run unchanged.
if [ "${1:-}" = rabbitmq-server ]; then
	ensure_cookie
	if [ "$(id -u)" = 0 ]; then
		# A volume created by another image or by root must become the broker's. /etc/rabbitmq is
		# left alone: users bind-mount config and definitions there read-only.
		find "$data_dir" \! -user rabbitmq -exec chown rabbitmq:rabbitmq '{}' +
		exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups -- "$0" "$@"
	fi
	# Without this, the upstream script stays PID 1 as a /bin/sh that runs erl in the background
	# and forwards signals, and it exits 0 even when the broker fails to boot (`wait || true`),
	# so a bad config would look like a clean stop. With it, the script execs erl: the VM is
	# PID 1, stops cleanly on SIGTERM by itself and exits non-zero on a failed boot. (SIGINT, e.g.
	# Ctrl-C on `docker run`, then reaches Erlang's break handler, which halts without the
	# graceful stop; orchestrators and `docker stop` send SIGTERM.)
	export RUNNING_UNDER_SYSTEMD=true
fi

exec "$@"
