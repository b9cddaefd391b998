#!/usr/bin/env bash
# Real servers for the connector tests (and later the scale-out tests): PostgreSQL 15, Redis 7 and
# Mosquitto from Debian, each on a free loopback port in one temporary directory, each with a
# password so tests can also try bad credentials.
#
#   source scripts/servers.sh
#   servers_start            # starts all three, exports FLOWBENCH_TEST_{PG,REDIS,MQTT}_URL
#   servers_stop             # stops them and removes the directory (also registered on EXIT)
#
# Or as a command: `bash scripts/servers.sh start` prints `export …` lines and leaves the servers
# running; `bash scripts/servers.sh stop <dir>` stops them.
#
# Works as root (PostgreSQL then runs as the `postgres` user, Mosquitto stays root so it can
# read its files) and as an ordinary user.

FLOWBENCH_TEST_USER=flowbench
# A fixed test password: these servers listen on 127.0.0.1 only and live for one test run.
FLOWBENCH_TEST_PASSWORD=flowbench-test-pw

_servers_free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

_servers_wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 100); do
    if node -e "const c=require('net').connect($port,'127.0.0.1');c.on('connect',()=>process.exit(0));c.on('error',()=>process.exit(1))" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "servers.sh: $name did not listen on 127.0.0.1:$port within 10 s" >&2
  return 1
}

_servers_as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

servers_start_postgres() {
  local bin=/usr/lib/postgresql/15/bin
  [ -x "$bin/initdb" ] || { echo "servers.sh: PostgreSQL 15 is not installed ($bin/initdb)" >&2; return 1; }
  local dir="$FLOWBENCH_SERVERS_DIR/pg" port
  port=$(_servers_free_port)
  mkdir -p "$dir"
  printf '%s\n' "$FLOWBENCH_TEST_PASSWORD" > "$FLOWBENCH_SERVERS_DIR/pg-pw"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$dir" "$FLOWBENCH_SERVERS_DIR/pg-pw"; fi
  _servers_as_postgres "$bin/initdb" -D "$dir/data" -U "$FLOWBENCH_TEST_USER" --auth=scram-sha-256 \
    --pwfile="$FLOWBENCH_SERVERS_DIR/pg-pw" -E UTF8 --locale=C.UTF-8 > "$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; return 1; }
  _servers_as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start > /dev/null ||
    { cat "$dir/server.log" >&2; return 1; }
  PGPASSWORD=$FLOWBENCH_TEST_PASSWORD _servers_as_postgres env PGPASSWORD="$FLOWBENCH_TEST_PASSWORD" \
    "$bin/psql" -h 127.0.0.1 -p "$port" -U "$FLOWBENCH_TEST_USER" -d postgres -qc "CREATE DATABASE flowbench" > /dev/null
  export FLOWBENCH_TEST_PG_URL="postgres://$FLOWBENCH_TEST_USER:$FLOWBENCH_TEST_PASSWORD@127.0.0.1:$port/flowbench"
}

servers_start_redis() {
  command -v redis-server > /dev/null || { echo "servers.sh: redis-server is not installed" >&2; return 1; }
  local dir="$FLOWBENCH_SERVERS_DIR/redis" port
  port=$(_servers_free_port)
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save '' --appendonly no \
    --requirepass "$FLOWBENCH_TEST_PASSWORD" > /dev/null
  _servers_wait_port "$port" redis || return 1
  export FLOWBENCH_TEST_REDIS_URL="redis://:$FLOWBENCH_TEST_PASSWORD@127.0.0.1:$port"
}

servers_start_mqtt() {
  command -v mosquitto > /dev/null || { echo "servers.sh: mosquitto is not installed" >&2; return 1; }
  local dir="$FLOWBENCH_SERVERS_DIR/mqtt" port
  port=$(_servers_free_port)
  mkdir -p "$dir"
  : > "$dir/passwd"
  chmod 600 "$dir/passwd"
  mosquitto_passwd -b "$dir/passwd" "$FLOWBENCH_TEST_USER" "$FLOWBENCH_TEST_PASSWORD" 2> /dev/null
  {
    echo "listener $port 127.0.0.1"
    echo "allow_anonymous false"
    echo "password_file $dir/passwd"
    echo "persistence false"
    echo "pid_file $dir/mosquitto.pid"
    echo "log_dest file $dir/mosquitto.log"
    # As root Mosquitto would switch to its own user, who cannot read this directory.
    if [ "$(id -u)" -eq 0 ]; then echo "user root"; fi
  } > "$dir/mosquitto.conf"
  mosquitto -c "$dir/mosquitto.conf" -d 2> /dev/null
  _servers_wait_port "$port" mosquitto || return 1
  export FLOWBENCH_TEST_MQTT_URL="mqtt://$FLOWBENCH_TEST_USER:$FLOWBENCH_TEST_PASSWORD@127.0.0.1:$port"
}

servers_stop() {
  local dir=${1:-${FLOWBENCH_SERVERS_DIR:-}}
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  if [ -f "$dir/pg/data/postmaster.pid" ]; then
    _servers_as_postgres /usr/lib/postgresql/15/bin/pg_ctl -D "$dir/pg/data" -m fast -w stop > /dev/null 2>&1 || true
  fi
  local pidfile
  for pidfile in "$dir/redis/redis.pid" "$dir/mqtt/mosquitto.pid"; do
    if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" 2> /dev/null || true; fi
  done
  rm -rf "$dir"
}

servers_start() {
  FLOWBENCH_SERVERS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/flowbench-servers.XXXXXX")
  chmod 755 "$FLOWBENCH_SERVERS_DIR"
  export FLOWBENCH_SERVERS_DIR
  trap 'servers_stop' EXIT
  servers_start_postgres && servers_start_redis && servers_start_mqtt
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start)
      servers_start
      trap - EXIT
      echo "export FLOWBENCH_SERVERS_DIR='$FLOWBENCH_SERVERS_DIR'"
      echo "export FLOWBENCH_TEST_PG_URL='$FLOWBENCH_TEST_PG_URL'"
      echo "export FLOWBENCH_TEST_REDIS_URL='$FLOWBENCH_TEST_REDIS_URL'"
      echo "export FLOWBENCH_TEST_MQTT_URL='$FLOWBENCH_TEST_MQTT_URL'"
      ;;
    stop) servers_stop "${2:-}" ;;
    *) echo "usage: scripts/servers.sh start | stop <dir>" >&2; exit 2 ;;
  esac
fi
