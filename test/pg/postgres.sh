#!/usr/bin/env bash
# Starts a throw-away PostgreSQL on 127.0.0.1 for the storage contract suite and prints its URL.
# Usage: eval "$(bash test/pg/postgres.sh start)"   ...   bash test/pg/postgres.sh stop
# NLL_PG_PORT and NLL_PG_DIR choose the port and the state folder (defaults 55432 and /tmp/nll-test-pg), so that two
# checkouts on one machine can each run their own server; NLL_TEST_PG_PORT is the older name of NLL_PG_PORT.
set -euo pipefail
PORT="${NLL_PG_PORT:-${NLL_TEST_PG_PORT:-55432}}"
STATE="${NLL_PG_DIR:-/tmp/nll-test-pg}"
case "${1:-start}" in
  start)
    if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
      echo "installing Debian's postgresql…" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
    fi
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    if [ -f "$STATE/data/postmaster.pid" ]; then
      su postgres -c "$PGBIN/pg_ctl -D $STATE/data -m immediate stop" >&2 || true
    fi
    rm -rf "$STATE" && mkdir -p "$STATE" && chown postgres "$STATE"
    su postgres -c "$PGBIN/initdb -D $STATE/data -A trust -U postgres --no-sync" >/dev/null
    su postgres -c "$PGBIN/pg_ctl -D $STATE/data -o '-c listen_addresses=127.0.0.1 -p $PORT -k $STATE -c fsync=off' -l $STATE/log -w start" >&2
    echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    [ -f "$STATE/data/postmaster.pid" ] && su postgres -c "$PGBIN/pg_ctl -D $STATE/data -m fast stop" >&2 || true
    ;;
esac
