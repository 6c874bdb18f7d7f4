#!/usr/bin/env bash
# Rasa's lock store (several Rasa processes) uses the Redis on 127.0.0.1:6379. Start the
# local one if it is installed but stopped; otherwise say what is missing.
set -uo pipefail
host="${REDIS_HOST:-127.0.0.1}" port="${REDIS_PORT:-6379}"
up() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
up && exit 0
if command -v redis-server >/dev/null 2>&1; then
  echo "Redis is not running on $host:$port: starting it (nothing kept on disk)..." >&2
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir /tmp >&2 || true
  for _ in $(seq 1 30); do up && exit 0; sleep 1; done
fi
echo "ERROR: no Redis on $host:$port. The scaled topology test needs one (apt-get install" >&2
echo "redis-server, or set REDIS_HOST/REDIS_PORT)." >&2
exit 1
