#!/usr/bin/env bash
# `make run`: a private Redis (AOF, appendfsync everysec, noeviction) in build/run/redis, and
# accordd on it with the shipped workflows. Ctrl-C stops both; the data stays for the next run.
set -euo pipefail
build=${1:-build/release}
cd "$(dirname "$0")/.."
port=${ACCORD_REDIS_PORT:-6399}
dir=build/run/redis
mkdir -p "$dir"

if redis-cli -p "$port" ping >/dev/null 2>&1; then
  echo "run: port $port already answers; set ACCORD_REDIS_PORT to another port" >&2
  exit 1
fi
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --daemonize no \
  --appendonly yes --appendfsync everysec --save '' --maxmemory-policy noeviction \
  --logfile redis.log &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.05
done

echo "run: Redis on 127.0.0.1:$port (AOF everysec, noeviction), data in $dir"
echo "run: accordd --redis redis://127.0.0.1:$port/0 --workflows workflows  (Ctrl-C stops)"
"$build/apps/accordd/accordd" --redis "redis://127.0.0.1:$port/0" --workflows workflows
