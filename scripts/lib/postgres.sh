# Sourced by scripts/test and scripts/bench: installs PostgreSQL from the system packages when
# missing and starts a throwaway cluster on a free loopback port. Sets PG_URL; stops and removes
# the cluster on exit. Fails loudly when PostgreSQL cannot be had.
# PG_DURABLE=1 keeps fsync on (benchmarks); tests turn durability off for speed.

pg_fail() { echo "postgres: $*" >&2; exit 1; }

PG_DIR="$(mktemp -d /tmp/bazaar-pg.XXXXXX)"

# The first free port from 54329 up, so two runs on one machine do not collide.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PG_PORT="${BAZAAR_TEST_PG_PORT:-54329}"
while port_in_use "$PG_PORT"; do PG_PORT=$((PG_PORT + 1)); done

find_pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

PG_BIN="$(find_pg_bin || true)"
if [ -z "$PG_BIN" ]; then
  echo "postgres: installing PostgreSQL from the system packages"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || pg_fail "apt-get update failed; cannot install PostgreSQL"
  $SUDO apt-get install -y -qq postgresql >/dev/null || pg_fail "could not install PostgreSQL (apt-get install postgresql)"
  PG_BIN="$(find_pg_bin || true)"
  [ -n "$PG_BIN" ] || pg_fail "PostgreSQL installed but initdb was not found under /usr/lib/postgresql"
fi

# initdb refuses to run as root: run the throwaway cluster as the postgres system user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home "$PG_DIR" postgres
    chown -R postgres "$PG_DIR"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cleanup() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  [ -n "${PG_KEEP_LOG:-}" ] && cp "$PG_DIR/server.log" "$PG_KEEP_LOG" 2>/dev/null
  rm -rf "$PG_DIR"
}
trap cleanup EXIT

if [ "${PG_DURABLE:-0}" = "1" ]; then
  PG_TUNING=""
else
  PG_TUNING="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi

as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null || pg_fail "initdb failed"
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=1000 $PG_TUNING" \
  start >/dev/null || { cat "$PG_DIR/server.log" >&2 || true; pg_fail "PostgreSQL did not start"; }
"$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" >/dev/null || pg_fail "PostgreSQL is not accepting connections on 127.0.0.1:$PG_PORT"
echo "postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"

PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
