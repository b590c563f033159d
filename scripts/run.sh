#!/usr/bin/env bash
# `make run`: a private Redis (AOF, appendfsync everysec, noeviction) in build/run/redis, and
# accordd on it with the shipped workflows. Ctrl-C stops both; the data stays for the next run.
set -euo pipefail
build=${1:-build/release}
shift || true
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
  --stream-node-max-bytes 1024 --logfile redis.log &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.05
done

echo "run: Redis on 127.0.0.1:$port (AOF everysec, noeviction), data in $dir"
ctl="$build/apps/accordctl/accordctl"
redis_url="redis://127.0.0.1:$port/0"
listen=${ACCORD_LISTEN:-127.0.0.1:8080}
# A demo user per role, each signing in with the demo password (POST /api/v1/session). Tokens
# are shown once (Redis keeps their hashes), so a user made by an earlier run gets a fresh one.
demo_password=${ACCORD_DEMO_PASSWORD:-"olive grove in spring"}
echo "run: demo users, their password \"$demo_password\" and tokens (Authorization: Bearer TOKEN):"
for spec in olga:officer dmitri:dean irene:ir_director lena:legal lars:legal_lead \
            sam:signatory sofia:signatory audrey:auditor admin:admin; do
  name=${spec%%:*} role=${spec#*:}
  token=$("$ctl" user add "$name" --role "$role" --redis "$redis_url" 2>/dev/null ||
          "$ctl" user token "$name" --redis "$redis_url" 2>/dev/null)
  echo "$demo_password" | "$ctl" user passwd "$name" --redis "$redis_url" 2>/dev/null
  printf '  %-7s %-12s %s\n' "$name" "$role" "$token"
done
echo "run: API on http://$listen/api/v1 (OpenAPI: /api/v1/openapi.json); Ctrl-C stops"
"$build/apps/accordd/accordd" --redis "$redis_url" --workflows workflows \
  --calendar examples/calendar-palestine.json --listen "$listen" "$@"
