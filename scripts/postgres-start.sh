#!/usr/bin/env bash
# Starts a throw-away PostgreSQL (Debian packages) for the test suite, as the `postgres` user, and
# prints the URL to export as RAMPART_TEST_DATABASE_URL (a stopped cluster on that port is started
# again with its data). Usage: scripts/postgres-start.sh [port]
set -euo pipefail
port="${1:-55432}"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
dir="/tmp/rampart-pg-${port}"
if ! runuser -u postgres -- "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  # A cluster stopped by its owner (a test's outage probe) starts again with its data; anything else is made anew.
  if ! [ -f "$dir/PG_VERSION" ]; then
    rm -rf "$dir"
    install -d -o postgres -g postgres "$dir"
    runuser -u postgres -- "$bin/initdb" -D "$dir" -A trust -U postgres --no-sync >/dev/null
  fi
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
fi
runuser -u postgres -- psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='rampart_test'" | grep -q 1 \
  || runuser -u postgres -- createdb -h 127.0.0.1 -p "$port" -U postgres rampart_test
echo "postgres://postgres@127.0.0.1:${port}/rampart_test"
