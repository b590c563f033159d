#!/usr/bin/env bash
# The benchmarks run, briefly, so that one that no longer works shows in `make test` and not at
# the next measurement: core_bench, and redis_bench's throughput and memory modes against a
# redis-server of its own on a free loopback port. redis_bench checks what it measured (every
# input committed, commit counts equal, instances read back with their history chain intact)
# and exits non-zero otherwise; here each must also print its RESULT line.
set -uo pipefail
core_bench=$1
redis_bench=$2
source "$(dirname "$0")/support/checks.sh"
ran() {  # ran NAME EXIT-CODE OUTPUT: checks the exit code, showing the output's end if it failed
  check "$1 exits 0" "$2"
  [ "$2" -eq 0 ] || tail -5 <<<"$3"
}
# result FIELD OUTPUT: FIELD of the RESULT line's JSON, or nothing.
result() {
  sed -n 's/^RESULT //p' <<<"$2" | /usr/bin/python3 -c \
    'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1" 2>/dev/null
}

out=$("$core_bench" 20000 2>&1); code=$?
ran core_bench "$code" "$out"
rate=$(result transPerSCopy "$out")
check "core_bench measured transitions ($rate/s)" $([ "${rate:-0}" -gt 0 ]; echo $?)

start_redis --maxmemory-policy noeviction
url="redis://127.0.0.1:$port/0"

out=$("$redis_bench" throughput "$url" smoke 16 1 2>&1); code=$?
ran "redis_bench throughput" "$code" "$out"
commits=$(result commits "$out")
check "redis_bench throughput committed inputs ($commits)" $([ "${commits:-0}" -gt 0 ]; echo $?)
check "redis_bench throughput counted no error" $([ "$(result errors "$out")" = 0 ]; echo $?)

out=$("$redis_bench" memory "$url" smoke_memory 16 200 2>&1); code=$?
ran "redis_bench memory" "$code" "$out"
check "redis_bench memory parked 200 instances" $([ "$(result instances "$out")" = 200 ]; echo $?)

[ "$failures" -eq 0 ] || { echo "$failures failed"; exit 1; }
