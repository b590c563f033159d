#!/usr/bin/env bash
# `make run`: a private Redis (AOF, appendfsync everysec, noeviction) in build/run/redis, accordd on
# it with the shipped workflows serving the web application, and the demo (examples/demo): its
# units and people, and on a fresh keyspace agreements at different stages. Prints the address and
# the people with their password. Ctrl-C stops both; the data stays for the next run.
# ACCORD_LISTEN, ACCORD_REDIS_PORT and ACCORD_RUN_DIR move it; extra arguments go to accordd.
set -euo pipefail
build=${1:-build/release}
shift || true
cd "$(dirname "$0")/.."
port=${ACCORD_REDIS_PORT:-6399}
dir=${ACCORD_RUN_DIR:-build/run}/redis
listen=${ACCORD_LISTEN:-127.0.0.1:8080}
demo_password=${ACCORD_DEMO_PASSWORD:-"olive grove in spring"}
mkdir -p "$dir"

if redis-cli -p "$port" ping >/dev/null 2>&1; then
  echo "run: port $port already answers; set ACCORD_REDIS_PORT to another port" >&2
  exit 1
fi
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --daemonize no \
  --appendonly yes --appendfsync everysec --save '' --maxmemory-policy noeviction \
  --stream-node-max-bytes 1024 --logfile redis.log &
redis_pid=$!
accordd_pid=
trap 'kill $accordd_pid "$redis_pid" 2>/dev/null; wait 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
for _ in $(seq 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.05
done
echo "run: Redis on 127.0.0.1:$port (AOF everysec, noeviction), data in $dir"

ctl="$build/apps/accordctl/accordctl"
redis_url="redis://127.0.0.1:$port/0"
# The administrator's token for the demo's set-up (tokens are shown once: a later run gets another).
admin_token=$("$ctl" user add admin --role admin --redis "$redis_url" 2>/dev/null ||
              "$ctl" user token admin --redis "$redis_url")

"$build/apps/accordd/accordd" --redis "$redis_url" --workflows workflows \
  --calendar examples/calendar-palestine.json --listen "$listen" "$@" &
accordd_pid=$!
for _ in $(seq 200); do
  curl -fs "http://$listen/readyz" >/dev/null 2>&1 && break
  kill -0 "$accordd_pid" 2>/dev/null || { echo "run: accordd stopped" >&2; exit 1; }
  sleep 0.05
done

node examples/demo/seed.mjs --url "http://$listen" --token "$admin_token" --password "$demo_password"
echo
echo "run: Accord is at http://$listen/ (the API: /api/v1, OpenAPI: /api/v1/openapi.json)"
echo "run: the demo people, each signing in with the password \"$demo_password\":"
node -e '
const d = require("./examples/demo/people.json");
const unit = Object.fromEntries(d.units.map((u) => [u.id, u.name.en + " / " + u.name.ar]));
for (const p of d.people)
  console.log("  " + p.name.padEnd(8) + (p.display_name + " (" + p.language + ")").padEnd(24) +
              p.roles.join(", ").padEnd(20) + p.units.map((u) => unit[u]).join(", "));'
echo "run: Ctrl-C stops"
wait "$accordd_pid"
