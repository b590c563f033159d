# Sourced by the shell tests: a scratch directory removed on exit (with the redis-server that
# start_redis started, if any), check NAME CODE to count failures, and start_redis to run a
# redis-server of the test's own on a free loopback port.
tmp=$(mktemp -d)
redis_pid=
trap '[ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid"; rm -rf "$tmp"' EXIT
failures=0

check() {  # check NAME CONDITION-EXIT-CODE
  if [ "$2" -ne 0 ]; then echo "FAIL: $1"; failures=$((failures + 1)); else echo "ok: $1"; fi
}

# start_redis [redis-server options...]: sets port and redis_pid; no persistence, files in $tmp.
start_redis() {
  port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  /usr/bin/redis-server --port "$port" --bind 127.0.0.1 --dir "$tmp" --save '' --appendonly no \
    --logfile "$tmp/redis.log" "$@" &
  redis_pid=$!
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.05
  done
}
