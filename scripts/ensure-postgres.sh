#!/usr/bin/env bash
# The tests use the PostgreSQL on 127.0.0.1:5432 (database "test"). Start the local cluster
# if it is installed but stopped; otherwise say what is missing.
set -uo pipefail
host="${TEST_POSTGRES_HOST:-127.0.0.1}" port="${TEST_POSTGRES_PORT:-5432}"
up() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
up && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "PostgreSQL is not running on $host:$port: starting the local cluster..." >&2
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  done
  for _ in $(seq 1 30); do up && exit 0; sleep 1; done
fi
echo "ERROR: no PostgreSQL on $host:$port. The database tests run on SQLite and PostgreSQL;" >&2
echo "start one with a database named 'test' (or set TEST_POSTGRES_URL)." >&2
exit 1
