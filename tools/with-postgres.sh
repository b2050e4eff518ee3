#!/usr/bin/env bash
# with-postgres.sh COMMAND...: run COMMAND with TEST_DATABASE_URL pointing at a
# throw-away PostgreSQL cluster (installed from Debian when missing), started as
# an unprivileged user on a free local port, and removed afterwards.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/ensure-debian-package.sh" postgresql '/usr/lib/postgresql/*/bin/pg_ctl'
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [ -z "$bindir" ]; then
  echo "== PostgreSQL is not available: skipping the PostgreSQL run" >&2
  exit 0
fi

data="$(mktemp -d /tmp/sothuvien-pg.XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root.
  chown nobody "$data"
  as_pg() { runuser -u nobody -- "$@"; }
else
  as_pg() { "$@"; }
fi
cleanup() {
  as_pg "$bindir/pg_ctl" -D "$data/db" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT

as_pg "$bindir/initdb" -D "$data/db" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 > "$data/initdb.log" 2>&1 \
  || { cat "$data/initdb.log" >&2; exit 1; }
as_pg "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w \
  -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start > /dev/null \
  || { cat "$data/server.log" >&2; exit 1; }
as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres sothuvien_test

echo "== PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/sothuvien_test"
"$@"
