#!/usr/bin/env bash
# shellcheck disable=SC2119 # docker_process_sql takes optional args; the SQL comes on stdin
# Entrypoint with the interface of Docker Hub's official `mysql` image (MYSQL_* variables,
# /docker-entrypoint-initdb.d, "-flags mean server flags"), driving Debian's MariaDB, so compose
# files and templates written for `mysql` work offline unchanged.
set -Eeo pipefail
shopt -s nullglob

log() { printf '%s [Entrypoint]: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*"; }
warn() { log "Warning: $*" >&2; }
die() {
  log "ERROR: $*" >&2
  exit 1
}

# Official convention: `docker run mysql --some-flag` means "run the server with --some-flag".
if [ "${1:0:1}" = '-' ]; then
  set -- mariadbd "$@"
fi

# Anything that is not the server (a shell, the client, mysqladmin...) runs untouched, so the
# image doubles as a client image.
case "$1" in
  mariadbd | mysqld | */mariadbd | */mysqld) ;;
  *) exec "$@" ;;
esac

# Help/version requests must not initialise (and thus write to) a datadir.
for arg; do
  case "$arg" in
    -'?' | --help | -V | --version) exec "$@" ;;
  esac
done

# server_option NAME SERVER-ARGS... prints the effective value of a server option. It reads the
# option files with my_print_defaults (milliseconds) rather than `mariadbd --verbose --help`
# (a full server start-up), because this runs before every start and delays readiness.
server_option() {
  local name=$1 line value=
  shift
  while IFS= read -r line; do
    case "$line" in
      --"$name"=*) value=${line#*=} ;;
    esac
  done < <(my_print_defaults --mysqld; printf '%s\n' "$@")
  printf '%s' "$value"
}

DATADIR=$(server_option datadir "${@:2}")
DATADIR=${DATADIR:-/var/lib/mysql}

# Started as root (the default): fix ownership of what volumes may have hidden, then re-run this
# script as mysql so that the datadir files and the server (PID 1) never belong to root.
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$DATADIR" /run/mysqld
  # Only files not owned by mysql: a recursive chown of a big existing datadir would delay
  # every restart.
  find "$DATADIR" /run/mysqld \! -user mysql -exec chown mysql:mysql '{}' +
  exec setpriv --reuid=mysql --regid=mysql --init-groups "${BASH_SOURCE[0]}" "$@"
fi

# env_var TARGET NAME [DEFAULT] sets $TARGET from MYSQL_NAME, else MARIADB_NAME, each of which may
# also come from a file named by *_FILE (Docker secrets). MYSQL_ wins: this image poses as mysql.
env_var() {
  local target=$1 name=$2 value=${3:-} var file
  for var in "MYSQL_$name" "MARIADB_$name"; do
    file=${var}_FILE
    if [ -n "${!var:-}" ] && [ -n "${!file:-}" ]; then
      die "both $var and $file are set; they are exclusive"
    fi
    if [ -n "${!var:-}" ]; then
      value=${!var}
      break
    fi
    if [ -n "${!file:-}" ]; then
      value=$(<"${!file}")
      break
    fi
  done
  printf -v "$target" '%s' "$value"
}

# Values are spliced into SQL string literals and identifiers; escape rather than trust them.
sql_string() {
  local s=${1//\\/\\\\}
  printf '%s' "${s//\'/\\\'}"
}
sql_ident() { printf '%s' "${1//\`/\`\`}"; }

# The client reads the root password from an option file on a pipe, never from argv (visible in
# ps) or from disk.
client_options() {
  local pw=${ROOT_PASSWORD_SET:+$ROOT_PASSWORD}
  pw=${pw//\\/\\\\}
  printf '[client]\npassword="%s"\n' "${pw//\"/\\\"}"
}

# docker_process_sql [client args]: runs SQL from stdin as root on the temporary server, in
# $DATABASE. Named like the official image's helper because sourced initdb scripts call it.
# shellcheck disable=SC2120 # the arguments are for those scripts
docker_process_sql() {
  local db=()
  if [ -n "$DATABASE" ]; then db=(--database="$DATABASE"); fi
  mariadb --defaults-extra-file=<(client_options) --protocol=socket --socket="$SOCKET" -uroot \
    --comments "${db[@]}" "$@"
}

temp_server_start() {
  # --skip-networking and a private socket: nothing (a healthcheck, a dependent container) can
  # reach the server before users and initdb scripts are in place, so "reachable" means "ready".
  "$@" --skip-networking --socket="$SOCKET" --pid-file="$INIT_DIR/mysqld.pid" \
    --default-time-zone=SYSTEM --skip-log-bin --skip-slave-start --loose-wsrep-on=OFF \
    --loose-innodb-buffer-pool-load-at-startup=0 --loose-innodb-buffer-pool-dump-at-shutdown=0 &
  TEMP_PID=$!
  local deadline=$((SECONDS + 60))
  until [ -S "$SOCKET" ] && mariadb --protocol=socket --socket="$SOCKET" -uroot \
    -e 'SELECT 1' >/dev/null 2>&1; do
    kill -0 "$TEMP_PID" 2>/dev/null || die "the temporary server exited during start-up (see its log above)"
    [ "$SECONDS" -lt "$deadline" ] || die "the temporary server did not come up within 60s"
    sleep 0.05
  done
}

temp_server_stop() {
  # SIGTERM is mariadbd's clean shutdown; waiting makes sure InnoDB is flushed and the datadir
  # unlocked before the real server opens it.
  kill "$TEMP_PID"
  wait "$TEMP_PID" || die "the temporary server did not shut down cleanly"
  TEMP_PID=
}

# A failing init step must not leave the temporary server holding the datadir while bash exits.
on_init_exit() {
  if [ -n "${TEMP_PID:-}" ]; then
    kill "$TEMP_PID" 2>/dev/null || true
    wait "$TEMP_PID" 2>/dev/null || true
  fi
  log "ERROR: database initialisation failed; $DATADIR is incomplete, remove it (the volume) before retrying" >&2
}

random_password() {
  # Only cut reads the pipe to its end, and head reads a file, so no writer gets SIGPIPE (which
  # pipefail would turn into a failure, as `tr </dev/urandom | head -c N` does).
  head -c 48 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | cut -c1-32
}

init_database() {
  env_var ROOT_PASSWORD ROOT_PASSWORD
  env_var ALLOW_EMPTY_PASSWORD ALLOW_EMPTY_PASSWORD
  # MariaDB's image spells it MARIADB_ALLOW_EMPTY_ROOT_PASSWORD.
  [ -n "$ALLOW_EMPTY_PASSWORD" ] || env_var ALLOW_EMPTY_PASSWORD ALLOW_EMPTY_ROOT_PASSWORD
  env_var RANDOM_ROOT_PASSWORD RANDOM_ROOT_PASSWORD
  env_var ROOT_HOST ROOT_HOST %
  env_var DATABASE DATABASE
  # DB_ prefix: USER and PASSWORD would clobber variables the shell and its children rely on.
  env_var DB_USER USER
  env_var DB_PASSWORD PASSWORD
  env_var ONETIME_PASSWORD ONETIME_PASSWORD

  if [ -z "$ROOT_PASSWORD" ] && [ -z "$ALLOW_EMPTY_PASSWORD" ] && [ -z "$RANDOM_ROOT_PASSWORD" ]; then
    die "Database is uninitialized and password option is not specified
    You need to specify one of the following as an environment variable:
    - MYSQL_ROOT_PASSWORD
    - MYSQL_ALLOW_EMPTY_PASSWORD
    - MYSQL_RANDOM_ROOT_PASSWORD"
  fi
  if [ "$DB_USER" = root ]; then
    die "MYSQL_USER=\"root\": MYSQL_USER and MYSQL_PASSWORD are for configuring a regular user and cannot be used for the root user
    Remove MYSQL_USER=\"root\" and use one of the following to control the root user password:
    - MYSQL_ROOT_PASSWORD
    - MYSQL_ALLOW_EMPTY_PASSWORD
    - MYSQL_RANDOM_ROOT_PASSWORD"
  fi
  if [ -n "$DB_USER" ] && [ -z "$DB_PASSWORD" ]; then
    warn "MYSQL_USER specified, but missing MYSQL_PASSWORD; MYSQL_USER will not be created"
  elif [ -z "$DB_USER" ] && [ -n "$DB_PASSWORD" ]; then
    warn "MYSQL_PASSWORD specified, but missing MYSQL_USER; MYSQL_PASSWORD will be ignored"
  fi
  if [ -n "$RANDOM_ROOT_PASSWORD" ] && [ -z "$ROOT_PASSWORD" ]; then
    ROOT_PASSWORD=$(random_password)
    log "GENERATED ROOT PASSWORD: $ROOT_PASSWORD"
  fi

  trap on_init_exit EXIT
  # Private to this start-up and to the mysql user; holds the temporary server's socket.
  INIT_DIR=$(mktemp -d /tmp/mysql-init.XXXXXX)
  SOCKET=$INIT_DIR/mysqld.sock
  # Executed initdb scripts that run a bare `mariadb`/`mysql` must find the temporary server.
  # MYSQL_UNIX_PORT is not enough: Debian's client config sets socket= and wins over it, but
  # $MYSQL_HOME/my.cnf is read after /etc/mysql, so it wins over Debian's.
  printf '[client]\nsocket=%s\n' "$SOCKET" >"$INIT_DIR/my.cnf"
  export MYSQL_HOME=$INIT_DIR MARIADB_HOME=$INIT_DIR MYSQL_UNIX_PORT=$SOCKET

  log "Initializing database files in $DATADIR"
  local out
  # normal root authentication: root logs in by password, as with MySQL, not by unix socket;
  # --skip-name-resolve: grants use IP addresses, matching the server's skip-name-resolve.
  if ! out=$(mariadb-install-db "${@:2}" --datadir="$DATADIR" --rpm --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve --default-time-zone=SYSTEM --skip-log-bin \
    --loose-innodb-buffer-pool-load-at-startup=0 --loose-innodb-buffer-pool-dump-at-shutdown=0 2>&1); then
    printf '%s\n' "$out" >&2
    false
  fi

  log "Starting temporary server"
  temp_server_start "$@"

  local root_pw
  root_pw=$(sql_string "$ROOT_PASSWORD")
  local sql="SET @@SESSION.SQL_LOG_BIN=0;
SET @@SESSION.SQL_MODE=REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '');
DROP USER IF EXISTS ''@'localhost', root@'127.0.0.1', root@'::1';
EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS \'\'@\'', @@hostname, '\', root@\'', @@hostname, '\'');
ALTER USER 'root'@'localhost' IDENTIFIED BY '$root_pw';"
  if [ "$ROOT_HOST" != localhost ]; then
    local host
    host=$(sql_string "$ROOT_HOST")
    sql+="
CREATE USER 'root'@'$host' IDENTIFIED BY '$root_pw';
GRANT ALL ON *.* TO 'root'@'$host' WITH GRANT OPTION;
GRANT PROXY ON ''@'%' TO 'root'@'$host' WITH GRANT OPTION;"
    if [ -n "$ONETIME_PASSWORD" ]; then
      sql+="
ALTER USER 'root'@'$host' PASSWORD EXPIRE;"
    fi
  fi
  if [ -n "$DATABASE" ]; then
    log "Creating database $DATABASE"
    sql+="
CREATE DATABASE IF NOT EXISTS \`$(sql_ident "$DATABASE")\`;"
  fi
  if [ -n "$DB_USER" ] && [ -n "$DB_PASSWORD" ]; then
    log "Creating user $DB_USER"
    local user
    user=$(sql_string "$DB_USER")
    sql+="
CREATE USER '$user'@'%' IDENTIFIED BY '$(sql_string "$DB_PASSWORD")';"
    if [ -n "$DATABASE" ]; then
      sql+="
GRANT ALL ON \`$(sql_ident "$DATABASE")\`.* TO '$user'@'%';"
    fi
  fi
  # Users are set up before $DATABASE may be selected (it does not exist yet).
  DATABASE='' docker_process_sql <<<"$sql"
  ROOT_PASSWORD_SET=1

  # Sourced scripts written for the official image run "${mysql[@]}" as their client.
  # shellcheck disable=SC2034 # used by sourced scripts
  mysql=(docker_process_sql)
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          log "$0: running $f"
          "$f"
        else
          log "$0: sourcing $f"
          # shellcheck disable=SC1090 # user-provided
          . "$f"
        fi
        ;;
      *.sql) log "$0: running $f"; docker_process_sql <"$f" ;;
      *.sql.gz) log "$0: running $f"; gzip -dc "$f" | docker_process_sql ;;
      *.sql.xz) log "$0: running $f"; xz -dc "$f" | docker_process_sql ;;
      *.sql.zst) log "$0: running $f"; zstd -dcq "$f" | docker_process_sql ;;
      *) log "$0: ignoring $f" ;;
    esac
  done

  log "Stopping temporary server"
  temp_server_stop
  rm -rf "$INIT_DIR"
  unset MYSQL_HOME MARIADB_HOME MYSQL_UNIX_PORT
  trap - EXIT
  log "MySQL init process done. Ready for start up."
}

# An existing datadir (from a previous start or another image) is used as is: the MYSQL_*
# variables only describe a new database, as in the official image.
if [ ! -d "$DATADIR/mysql" ]; then
  init_database "$@"
fi

# exec: the server becomes PID 1 and receives docker stop's SIGTERM directly.
exec "$@"
