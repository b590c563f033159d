#!/usr/bin/env bash
# Runs the benchmarks and their peers in one run, on this machine, and prints the tables.
#   bench/run.sh [BUILD_DIR] [core|redis|api|idle|timers|notices|web|all]  (make bench: all)
#     core   the interpreter against xstate                    (REPS, default 5)
#     redis  the durable runtime on Redis against BullMQ and the Redis ceiling, on private
#            redis-servers this script starts on free ports   (REDIS_REPS, default 3;
#            REDIS_KEEP=1 keeps their directories and logs in /tmp/accord-bench-redis.*)
#     api    accordd's REST API against the in-process runtime, and its feed's latency, on a
#            private redis-server and accordd   (API_REPS and FEED_REPS, default 3;
#            FEED_SUBSCRIBERS and FEED_RATE, default 1000 each; API_PERF=DIR: perf profiles of
#            accordd kept there, API_PERF_CALLS=1 with their callers)
#     idle   Redis commands a second of idle accordd nodes: one node with 0, 5 and 100 feed
#            sockets, three nodes with 0, 6 and 100   (IDLE_SECONDS, default 20)
#     notices one notice to 10,000 readers e-mailed and sent to a webhook, alone and beside the
#            REST bench   (NOTICE_PEOPLE, NOTICE_SECONDS, NOTICE_REPS: 10000, 10, 3)
#     timers the lag of 10,000 timers due at once, fired by three nodes   (TIMER_INSTANCES,
#            TIMER_REPS, default 10000 and 3)
#     web    the web application in Chromium headless (bench/web/inbox_bench.mjs): the inbox's
#            load with 500 open tasks, another person's changes shown in it, its JavaScript, on
#            a private redis-server and accordd   (WEB_TASKS, WEB_LOADS, WEB_CHANGES: 500, 10,
#            100; ACCORD_WEB_DIST, default BUILD_DIR/web/dist; playwright-core from
#            tests/web/node_modules or PLAYWRIGHT_CORE_DIR; make bench-web)
# Peers come from ../shared/peers: copied to build/peers and installed there with `npm ci`
# (the npm registry is the one download this needs; nothing is fetched at build or test time).
set -euo pipefail
build=build/release
part=all
for arg in "$@"; do
  case "$arg" in
    core | redis | api | signin | idle | timers | notices | web | all) part=$arg ;;
    *) build=$arg ;;
  esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
peers_src="$here/../shared/peers"
peers="$here/build/peers"
reps=${REPS:-5}

if [ -d "$peers_src" ]; then
  if [ ! -d "$peers/node_modules" ]; then
    mkdir -p "$peers"
    cp -r "$peers_src"/. "$peers"/
    chmod -R u+w "$peers"
    # The shared lock file lacks optional platform packages that npm 11 wants listed: fall back
    # to `npm install`, which keeps the exact versions package.json pins.
    (cd "$peers" && { npm ci --no-audit --no-fund --silent 2>/dev/null || npm install --no-audit --no-fund --silent; })
  fi
else
  echo "bench: $peers_src not found; peers are skipped" >&2
fi

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

core_part() {
echo "== bench/core: interpreter transitions/s vs xstate (same machine, same run, ${reps} runs each)"
# Interleaved, so that a slow spell of the shared machine hits both sides alike.
core_runs=()
xstate_runs=()
for i in $(seq "$reps"); do
  core_runs+=("$("$build/bench/core_bench" | sed -n 's/^RESULT //p')")
  if [ -d "$peers/node_modules/xstate" ]; then
    xstate_runs+=("$(cd "$peers" && node --expose-gc xstate-bench.js | sed -n 's/^RESULT //p')")
  fi
done
python3 - "$reps" "${core_runs[@]}" -- "${xstate_runs[@]}" <<'PY'
import json, statistics, sys
args = sys.argv[2:]
cut = args.index("--")
core = [json.loads(x) for x in args[:cut]]
xs = [json.loads(x) for x in args[cut + 1:]]
med = lambda runs, k: statistics.median(r[k] for r in runs)
rows = [
    ("one agreement cycling (8 transitions/cycle, guard + data updates)", "transPerSCopy", "transPerSConsume", "actorTransPerS"),
    ("agreement lifecycles, start to final (transitions/s)", "lifecycleTransPerSCopy", "lifecycleTransPerSConsume", "lifecycleTransPerS"),
    ("agreement lifecycles (instances/s)", "lifecycleInstPerSCopy", "lifecycleInstPerSConsume", "lifecycleInstPerS"),
]
print("| figure | Accord, pure step (copy) | Accord, step in place (consume) | xstate 5 | ratio (pure / xstate) | ratio (in place / xstate) |")
print("|---|---:|---:|---:|---:|---:|")
for name, a, b, x in rows:
    va, vb = med(core, a), med(core, b)
    vx = med(xs, x) if xs else None
    ratio = lambda v: f"{v / vx:.1f}×" if vx else "n/a"
    print(f"| {name} | {va:,.0f} | {vb:,.0f} | {f'{vx:,.0f}' if vx else 'n/a'} | {ratio(va)} | {ratio(vb)} |")
if xs:
    print(f"| xstate pure `transition()` (transitions/s) | | | {med(xs, 'pureTransitionTransPerS'):,.0f} | {med(core, 'transPerSCopy') / med(xs, 'pureTransitionTransPerS'):.1f}× | |")
    print(f"| xstate actor with subscribe() observer | | | {med(xs, 'actorObservedTransPerS'):,.0f} | {med(core, 'transPerSCopy') / med(xs, 'actorObservedTransPerS'):.1f}× | |")
print(f"\nmedians of {len(core)} Accord runs and {len(xs)} xstate runs")
PY
}

# ---- bench/redis ------------------------------------------------------------------------------
# Servers: for each persistence mode, one redis-server for Accord and the redis-benchmark ceiling;
# one more for BullMQ (its bench FLUSHALLs its server), with AOF only, as a run of it takes 17 s.
# All private, on free loopback ports, with their data in a temporary directory that goes when
# the script ends.
redis_reps=${REDIS_REPS:-3}
redis_seconds=${REDIS_SECONDS:-4}          # per Accord throughput run
redis_instances=${REDIS_INSTANCES:-20000}  # parked for the memory figure
redis_tmp=

stop_redis() {
  [ -n "$redis_tmp" ] || return 0
  local pidfile pid pids=()
  for pidfile in "$redis_tmp"/*/redis.pid; do
    [ -f "$pidfile" ] && pids+=("$(cat "$pidfile")")
  done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Gone before their directories are: a server still shutting down writes its AOF there.
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  done
  [ -n "${REDIS_KEEP:-}" ] || rm -rf "$redis_tmp"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_redis NAME aof|nopersist: prints the port. The server that answers must be the one started
# here (its process id), not another one that took the port meanwhile: BullMQ flushes it.
start_redis() {
  local name=$1 mode=$2 port dir pid attempt
  dir="$redis_tmp/$name"
  mkdir -p "$dir"
  local persistence=(--appendonly no)
  [ "$mode" = aof ] && persistence=(--appendonly yes --appendfsync everysec)
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    redis-server --bind 127.0.0.1 --port "$port" --save '' "${persistence[@]}" \
      --maxmemory-policy noeviction --dir "$dir" --daemonize yes \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 50); do
      [ -s "$dir/redis.pid" ] && redis-cli -p "$port" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    pid=$(redis-cli -p "$port" info server 2>/dev/null | tr -d '\r' | sed -n 's/^process_id://p')
    if [ -s "$dir/redis.pid" ] && [ "$pid" = "$(cat "$dir/redis.pid")" ]; then
      echo "$port"
      return 0
    fi
    [ -s "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
    rm -f "$dir/redis.pid"
  done
  echo "bench: could not start redis-server $name (see $dir/redis.log)" >&2
  return 1
}

# The ceiling: ../shared/peers/redis/bench-redis.sh's EVALSHA of transition.lua (HSET + ZADD +
# XADD), at one pipelining depth, on a flushed server. Prints requests/s.
evalsha_ceiling() {
  local port=$1 depth=$2 sha
  redis-cli -p "$port" flushall >/dev/null
  sha=$(redis-cli -p "$port" script load "$(cat "$peers_src/redis/transition.lua")")
  redis-benchmark -p "$port" -c 50 -n 200000 -r 100000 -P "$depth" --csv \
    EVALSHA "$sha" 3 inst:__rand_int__ bench:tasks bench:events2 legal_review __rand_int__ __rand_int__ \
    2>/dev/null | tail -n 1 | tr -d '"' | cut -d, -f2
}

redis_part() {
  for tool in redis-server redis-cli redis-benchmark; do
    command -v "$tool" >/dev/null || { echo "bench: $tool not found (apt-get install redis-server redis-tools)" >&2; exit 1; }
  done
  [ -n "$redis_tmp" ] || redis_tmp=$(mktemp -d /tmp/accord-bench-redis.XXXXXX)
  local modes=(aof nopersist) results="$redis_tmp/results" mode
  declare -A ours
  for mode in "${modes[@]}"; do
    ours[$mode]=$(start_redis "ours-$mode" "$mode")
  done
  local bullmq=
  if [ -d "$peers/node_modules/bullmq" ]; then bullmq=$(start_redis bullmq-aof aof); fi
  echo "== bench/redis: durable commits/s vs BullMQ and the Redis ceiling (same machine, same run, ${redis_reps} runs each)"
  echo "bench/run.sh redis, $(date -u +%F), $(redis-server --version | cut -d' ' -f1-3), node $(node --version 2>/dev/null || echo none)"
  : >"$results"
  # record MODE WHAT COMMAND...: appends the command's figure, or ends the run if it has none.
  record() {
    local mode=$1 what=$2 value
    shift 2
    value=$("$@")
    [ -n "$value" ] || { echo "bench: no figure from $*" >&2; exit 1; }
    echo "$mode $what $value" >>"$results"
  }
  accord() { "$build/bench/redis_bench" "$@" | sed -n 's/^RESULT //p'; }
  bullmq_e2e() { (cd "$peers" && REDIS_PORT=$1 node --expose-gc bullmq-bench.js | sed -n 's/^RESULT //p'); }
  # Interleaved, so that a slow spell of the shared machine hits every side alike.
  for rep in $(seq "$redis_reps"); do
    for mode in "${modes[@]}"; do
      local port=${ours[$mode]}
      for depth in 16 50; do
        redis-cli -p "$port" flushall >/dev/null
        record "$mode" "accord$depth" accord throughput "redis://127.0.0.1:$port" "bench$rep" \
          "$depth" "$redis_seconds"
      done
      if [ -f "$peers_src/redis/transition.lua" ]; then
        for depth in 16 1; do record "$mode" "evalsha$depth" evalsha_ceiling "$port" "$depth"; done
      fi
    done
    if [ -n "$bullmq" ]; then record aof bullmq bullmq_e2e "$bullmq"; fi
  done
  redis-cli -p "${ours[aof]}" flushall >/dev/null
  record aof memory accord memory "redis://127.0.0.1:${ours[aof]}" mem 50 "$redis_instances"

  python3 - "$results" "$redis_reps" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    mode, what, value = line.rstrip("\n").split(" ", 2)
    runs.setdefault((mode, what), []).append(json.loads(value) if value.startswith("{") else float(value))
modes = ["aof", "nopersist"]
def values(mode, what, key=None):
    return [r[key] if key else r for r in runs.get((mode, what), [])]
def med(mode, what, key=None):
    v = values(mode, what, key)
    return statistics.median(v) if v else None
def spread(mode, what, key=None):
    v = values(mode, what, key)
    if not v:
        return "—"
    return f"{statistics.median(v):,.0f} [{min(v):,.0f}–{max(v):,.0f}]"
def ratio(a, b, percent=False):
    if a is None or b is None:
        return "—"
    return f"{100 * a / b:.0f}%" if percent else f"{a / b:.2f}×"
def latency(mode, depth):
    return f"{med(mode, f'accord{depth}', 'p50Ms'):.1f} / {med(mode, f'accord{depth}', 'p99Ms'):.1f}"

print("| figure | AOF everysec | no persistence |")
print("|---|---:|---:|")
row = lambda name, f: print(f"| {name} | " + " | ".join(f(m) for m in modes) + " |")
for depth in (16, 50):
    row(f"Accord durable commits/s, {depth} in flight, one connection", lambda m: spread(m, f"accord{depth}", "commitsPerS"))
    row(f"… commit latency p50 / p99, ms ({depth} in flight)", lambda m: latency(m, depth))
row("Redis ceiling: EVALSHA transition.lua, `-c 50 -P 16` (800 in flight)", lambda m: spread(m, "evalsha16"))
row("Redis ceiling: EVALSHA transition.lua, `-c 50 -P 1` (50 in flight)", lambda m: spread(m, "evalsha1"))
row("BullMQ end-to-end jobs/s (worker concurrency 50)", lambda m: spread(m, "bullmq", "e2eJobsPerS"))
row("**Accord 50 in flight / BullMQ e2e** (goal ≥ 3×)", lambda m: ratio(med(m, "accord50", "commitsPerS"), med(m, "bullmq", "e2eJobsPerS")))
row("**Accord 16 in flight / EVALSHA `-P 16`** (goal ≥ 50%)", lambda m: ratio(med(m, "accord16", "commitsPerS"), med(m, "evalsha16"), True))
row("**Accord 50 in flight / EVALSHA `-P 1`** (goal ≥ 50%)", lambda m: ratio(med(m, "accord50", "commitsPerS"), med(m, "evalsha1"), True))
# The same ratios run by run (each run's Accord figure against the peer run next to it),
# median [min–max]: a slow minute of the shared machine then sways both sides of a ratio.
def paired(mode, ours, theirs, key=None, percent=False):
    a = values(mode, ours, "commitsPerS")
    b = values(mode, theirs, key)
    r = [x / y for x, y in zip(a, b) if y]
    if not r:
        return "—"
    f = (lambda v: f"{100 * v:.0f}%") if percent else (lambda v: f"{v:.2f}×")
    return f"{f(statistics.median(r))} [{f(min(r))}–{f(max(r))}]"
row("… the same, run by run: Accord 50 in flight / BullMQ e2e", lambda m: paired(m, "accord50", "bullmq", "e2eJobsPerS"))
row("… the same, run by run: Accord 16 in flight / EVALSHA `-P 16`", lambda m: paired(m, "accord16", "evalsha16", None, True))
row("… the same, run by run: Accord 50 in flight / EVALSHA `-P 1`", lambda m: paired(m, "accord50", "evalsha1", None, True))
row("engine CPU per commit, µs (16 in flight)", lambda m: f"{med(m, 'accord16', 'engineCpuUsPerCommit'):.0f}")
row("redis-server CPU per commit, µs, AOF rewrites included (16 in flight)", lambda m: f"{med(m, 'accord16', 'redisCpuUsPerCommit'):.0f}")
row("… the most commits/s one redis-server core could take at that cost", lambda m: f"{1e6 / med(m, 'accord16', 'redisCpuUsPerCommit'):,.0f}")
row("bytes sent to Redis per commit", lambda m: f"{med(m, 'accord16', 'redisBytesInPerCommit'):,.0f}")
ours = [r for m in modes for d in (16, 50) for r in runs.get((m, f"accord{d}"), [])]
print(f"\nmedians [min–max] of {len(runs[('aof', 'accord16')])} runs each; {sum(r['commits'] for r in ours):,} Accord "
      f"commits in all, {sum(r['errors'] for r in ours)} errors, {sum(r['staleRetries'] for r in ours)} stale retries")

mem = runs[("aof", "memory")][0]
u = mem["usage"]
n = mem["instances"]
print(f"\n| Redis memory, {n:,} mou_proposal instances waiting on the dean's task (AOF server) | bytes per instance |")
print("|---|---:|")
print(f"| used_memory delta, everything | {mem['perInstance']:,.0f} |")
print(f"| **used_memory delta, history excluded** (history streams and their closed-task index `ct:` deleted, measured again; goal ≤ 1,024) | **{mem['perInstanceNoHistory']:,.0f}** |")
print(f"| used_memory delta, history excluded, feed excluded too | {mem['perInstanceNoHistory'] - u['feed']:,.0f} |")
print(f"| … instance string `i:` (revision, head, document) | {u['instance']:,.0f} |")
print(f"| … feed streams `feed` (capped at ~10,000 entries per shard) | {u['feed']:,.0f} |")
print(f"| … timer zsets `timers` (task due + 2 reminders) | {u['timers']:,.0f} |")
print(f"| … role queues `role:` | {u['roleQueues']:,.0f} |")
print(f"| … workflow index `wf:` | {u['workflowIndex']:,.0f} |")
print(f"| history streams `h:` (2 entries) and `ct:`, by used_memory / `h:` by MEMORY USAGE | {mem['historyPerInstance']:,.0f} / {u['history']:,.0f} |")
if "closedTaskIndex" in u:
    print(f"| closed-task index `ct:` (one task closed), by MEMORY USAGE (in the used_memory figure above) | {u['closedTaskIndex']:,.0f} |")
rss = mem["rssKiB"]
marks = ", ".join(f"{int(k):,}: {v / 1024:.1f} MiB" for k, v in rss.items())
print(f"\nEngine process RSS by instances stored (instance cache 4,096): {marks}")
PY
}

# ---- bench/api --------------------------------------------------------------------------------
# One private redis-server (AOF everysec, as the redis part's) serves, in turn, the in-process
# runtime (redis_bench throughput) and accordd driven over HTTP by api_bench, flushed before
# each run; then accordd again for the feed. accordd listens on a free port (its log says which),
# without a rate limit. api_bench makes the users (UserStore) before accordd starts.
api_reps=${API_REPS:-3}
api_seconds=${API_SECONDS:-4}           # per run, both sides; api_bench warms up 1 s before
api_connections=${API_CONNECTIONS:-50}  # REST keep-alive connections; in-process: in flight
feed_subscribers=${FEED_SUBSCRIBERS:-1000}
feed_rate=${FEED_RATE:-1000}
feed_seconds=${FEED_SECONDS:-10}
feed_reps=${FEED_REPS:-3}               # runs of the feed, one after another on one accordd
accordd_pid=
accordd_port=
perf_pid=

stop_accordd() {
  [ -n "$accordd_pid" ] || return 0
  kill -TERM "$accordd_pid" 2>/dev/null || true
  for _ in $(seq 60); do
    kill -0 "$accordd_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$accordd_pid" 2>/dev/null || true
  { wait "$accordd_pid"; } 2>/dev/null || true
  accordd_pid=
}

# start_accordd REDIS_PORT LOG: sets accordd_pid and accordd_port.
start_accordd() {
  local redis_port=$1 log=$2
  : >"$log"
  "$build/apps/accordd/accordd" --listen 127.0.0.1:0 --redis "redis://127.0.0.1:$redis_port" \
    --prefix api --workflows workflows --rate 0 --max-feed-sockets 2000 2>"$log" &
  accordd_pid=$!
  for _ in $(seq 100); do
    accordd_port=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/api/v1.*|\1|p' "$log" || true)
    [ -n "$accordd_port" ] && return 0
    kill -0 "$accordd_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: accordd did not start:" >&2
  cat "$log" >&2
  return 1
}

# profile NAME SECONDS: with API_PERF set, samples accordd for that long (in the background);
# the flat profile goes to $API_PERF/NAME.txt. (Its coroutines defeat frame-pointer call graphs:
# for callers, record with --call-graph dwarf, as bench/RESULTS.md says.)
profile() {
  [ -n "${API_PERF:-}" ] || return 0
  mkdir -p "$API_PERF"
  # API_PERF_CALLS=1: with callers (DWARF unwinding; larger files, and perf slows accordd).
  perf record -q -e cpu-clock -F 999 ${API_PERF_CALLS:+--call-graph dwarf,16384} \
    -p "$accordd_pid" -o "$API_PERF/$1.data" -- sleep "$2" \
    >/dev/null 2>&1 &
  perf_pid=$!
}

wait_profile() {
  [ -n "$perf_pid" ] || return 0
  wait "$perf_pid" 2>/dev/null || true
  perf_pid=
}

api_part() {
  for tool in redis-server redis-cli; do
    command -v "$tool" >/dev/null || { echo "bench: $tool not found (apt-get install redis-server redis-tools)" >&2; exit 1; }
  done
  for exe in apps/accordd/accordd bench/api_bench bench/redis_bench; do
    [ -x "$build/$exe" ] || { echo "bench: $build/$exe is not built (make bench builds it)" >&2; exit 1; }
  done
  [ -n "$redis_tmp" ] || redis_tmp=$(mktemp -d /tmp/accord-bench-redis.XXXXXX)
  local port dir results tokens url rep side value admin
  port=$(start_redis api aof)
  url="redis://127.0.0.1:$port"
  dir="$redis_tmp/api"
  results="$dir/results"
  tokens="$dir/tokens"
  : >"$results"
  echo "== bench/api: REST completions/s vs the in-process durable runtime, and the feed's latency (same machine, same run, ${api_reps} runs each)"
  echo "bench/run.sh api, $(date -u '+%F %H:%M UTC'), commit $(git describe --always --dirty 2>/dev/null || echo '?'), $(redis-server --version | cut -d' ' -f1-3)"
  # Interleaved, the side that goes first alternating, so that a slow spell hits both alike.
  for rep in $(seq "$api_reps"); do
    local order="inproc rest lifecycles"
    [ $((rep % 2)) = 0 ] && order="lifecycles rest inproc"
    for side in $order; do
      redis-cli -p "$port" flushall >/dev/null
      if [ "$side" = inproc ]; then
        value=$("$build/bench/redis_bench" throughput "$url" inproc "$api_connections" "$api_seconds" |
          sed -n 's/^RESULT //p') || { echo "bench: redis_bench throughput failed" >&2; exit 1; }
      else
        # lifecycles: starts and completions in the window, as on the in-process side (the goal);
        # rest: the window only completes tasks, of instances started in the warm-up.
        local load=completions
        [ "$side" = lifecycles ] && load=lifecycles
        "$build/bench/api_bench" users "$url" api "$tokens" 0 >/dev/null
        start_accordd "$port" "$dir/accordd-$side$rep.log"
        [ "$rep" = "$api_reps" ] && [ "$side" = rest ] && profile rest "$((api_seconds + 1))"
        value=$(API_BENCH_SERVER_PID=$accordd_pid API_BENCH_REDIS=$url "$build/bench/api_bench" rest \
          "$accordd_port" "$tokens" "$api_connections" "$api_seconds" "$load" |
          sed -n 's/^RESULT //p') ||
          { echo "bench: REST run $rep ($load) had errors (the first are above): $value" >&2; exit 1; }
        wait_profile
        stop_accordd
      fi
      [ -n "$value" ] || { echo "bench: no figure from the $side run" >&2; exit 1; }
      echo "$side $value" >>"$results"
    done
  done

  redis-cli -p "$port" flushall >/dev/null
  "$build/bench/api_bench" users "$url" api "$tokens" "$feed_subscribers" >/dev/null
  admin=$(awk '$1 == "admin" { print $2 }' "$tokens")
  start_accordd "$port" "$dir/accordd-feed.log"
  for rep in $(seq "$feed_reps"); do
    [ "$rep" = "$feed_reps" ] && profile feed "$((feed_seconds + 3))"
    value=$(API_BENCH_SERVER_PID=$accordd_pid API_BENCH_REDIS=$url "$build/bench/api_bench" feed \
      "$accordd_port" "$admin" "$tokens" "$feed_subscribers" "$feed_rate" "$feed_seconds" |
      sed -n 's/^RESULT //p') ||
      { echo "bench: feed run $rep failed (errors or lost changes): $value" >&2; exit 1; }
    wait_profile
    echo "feed $value" >>"$results"
  done
  stop_accordd

  python3 - "$results" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    side, value = line.rstrip("\n").split(" ", 1)
    runs.setdefault(side, []).append(json.loads(value))
rest, inproc, feeds = runs["rest"], runs["inproc"], runs["feed"]
cycles = runs["lifecycles"]
med = lambda rs, k: statistics.median(r[k] for r in rs)
def spread(rs, k):
    v = [r[k] for r in rs]
    return f"{statistics.median(v):,.0f} [{min(v):,.0f}–{max(v):,.0f}]"
def us(rs, k):
    v = [r[k] for r in rs if r.get(k) is not None]
    return f"{statistics.median(v):.0f}" if v else "—"
# Runs are paired by rep: the two sides of one rep ran next to each other.
paired = [a["completionsPerS"] / b["commitsPerS"] for a, b in zip(rest, inproc)]
paired_commits = [a["requestsPerS"] / b["commitsPerS"] for a, b in zip(cycles, inproc)]
pct = lambda v: f"{100 * statistics.median(v):.0f}% [{100 * min(v):.0f}–{100 * max(v):.0f}%]"
conns = rest[0]["connections"]
print("| figure | median [min–max] |")
print("|---|---:|")
print(f"| REST task completions/s ({conns} keep-alive connections; lifecycles of 1 start + 7 completions, as in-process) | {spread(cycles, 'completionsPerS')} |")
print(f"| REST requests/s (starts and completions: each one commit) | {spread(cycles, 'requestsPerS')} |")
print(f"| in-process durable commits/s (redis_bench throughput, {inproc[0]['inFlight']} in flight, the same lifecycles) | {spread(inproc, 'commitsPerS')} |")
print(f"| **REST / in-process, the same lifecycles on both sides: completions/s ÷ completions/s (= commits/s ÷ commits/s)** (goal ≥ 50%) | **{pct(paired_commits)}** |")
print(f"| REST task completions/s with only completions in the window (instances started in the warm-up, most of them outside the node's instance cache of 4,096) | {spread(rest, 'completionsPerS')} |")
print(f"| … as a share of the in-process commits/s | {pct(paired)} |")
print(f"| REST request latency p50 / p99, ms (lifecycles; completions only) | {med(cycles, 'p50Ms'):.1f} / {med(cycles, 'p99Ms'):.1f}; {med(rest, 'p50Ms'):.1f} / {med(rest, 'p99Ms'):.1f} |")
print(f"| in-process commit latency p50 / p99, ms | {med(inproc, 'p50Ms'):.1f} / {med(inproc, 'p99Ms'):.1f} |")
print(f"| CPU per REST request, lifecycles, µs: accordd / redis-server / api_bench | {us(cycles, 'serverCpuUsPerRequest')} / {us(cycles, 'redisCpuUsPerRequest')} / {us(cycles, 'clientCpuUsPerRequest')} |")
print(f"| CPU per REST completion, completions only, µs: accordd / redis-server / api_bench | {us(rest, 'serverCpuUsPerRequest')} / {us(rest, 'redisCpuUsPerRequest')} / {us(rest, 'clientCpuUsPerRequest')} |")
print(f"| CPU per in-process commit, µs: redis_bench / redis-server | {us(inproc, 'engineCpuUsPerCommit')} / {us(inproc, 'redisCpuUsPerCommit')} |")
print(f"\nmedians [min–max] of {len(rest)} runs each, ratios paired by rep; "
      f"{sum(r['requests'] for r in rest + cycles):,} REST requests in all, {sum(r['errors'] for r in rest + cycles)} errors")
f = feeds[0]
def fmed(k, digits=1):
    v = [r[k] for r in feeds if r.get(k) is not None]
    return f"{statistics.median(v):.{digits}f}" if v else "—"
def fspread(k, digits=1):
    v = [r[k] for r in feeds]
    return f"{statistics.median(v):.{digits}f} [{min(v):.{digits}f}–{max(v):.{digits}f}]"
total = lambda k: sum(r[k] for r in feeds)
print(f"\n| feed: {f['subscribers']:,} subscribers, {f['rate']:,.0f} changes/s for {f['seconds']:.0f} s ({f['changes']:,} changes a run; {len(feeds)} runs) | p50 | p99 | max |")
print("|---|---:|---:|---:|")
print(f"| **start request sent → task.opened received at its subscriber, ms** (goal p99 ≤ 20) | {fmed('p50Ms')} | **{fspread('p99Ms')}** | {fmed('maxMs')} |")
print(f"| event's `at` (commit time, whole ms) → received, ms | {fmed('atP50Ms', 0)} | {fspread('atP99Ms', 0)} | {fmed('atMaxMs', 0)} |")
print(f"| start request's answer, ms | {fmed('startP50Ms')} | {fmed('startP99Ms')} | |")
print(f"\nmedians [min–max] of {len(feeds)} runs; lost (not received within 2 s): **{total('lost')}** of {total('changes'):,}; "
      f"duplicates {total('duplicates')}, at the wrong subscriber {total('wrongRecipient')}, resyncs {total('resyncs')}, "
      f"other messages {total('otherMessages')}; starts sent late by up to {max(r['sendLagMaxMs'] for r in feeds):.1f} ms "
      f"(p99 {fmed('sendLagP99Ms')}); {f['connected']:,} sockets open and every snapshot in after {fmed('snapshotsS')} s")
busy = "—" if f.get("serverBusy") is None else f"{100 * statistics.median(r['serverBusy'] for r in feeds):.0f}%"
print(f"CPU per change, µs: accordd {fmed('serverCpuUsPerChange', 0)} ({busy} of a core), redis-server "
      f"{fmed('redisCpuUsPerChange', 0)}, api_bench {fmed('clientCpuUsPerChange', 0)}")
PY
  if [ -n "${API_PERF:-}" ]; then
    for name in rest feed; do
      [ -f "$API_PERF/$name.data" ] || continue
      perf report -i "$API_PERF/$name.data" --stdio --sort symbol --percent-limit 0.5 2>/dev/null |
        grep -v '^#' | grep -v '^$' | cut -c1-200 >"$API_PERF/$name.txt" || true
    done
    echo "perf profiles of accordd in $API_PERF (rest.txt, feed.txt)"
  fi
}

# ---- sign-ins --------------------------------------------------------------------------------
# Whether sign-ins slow the API: REST task completions/s (as the api part's "rest" side) with
# SIGNIN_RATE sign-ins a second going on (bench/api/sign_ins.py, each an Argon2id check on the
# node's password thread), against without, interleaved on one redis-server. Goal: ≥ 90%.
signin_rate=${SIGNIN_RATE:-10}
signin_reps=${SIGNIN_REPS:-3}

signin_part() {
  for exe in apps/accordd/accordd apps/accordctl/accordctl bench/api_bench; do
    [ -x "$build/$exe" ] || { echo "bench: $build/$exe is not built (make bench builds it)" >&2; exit 1; }
  done
  [ -n "$redis_tmp" ] || redis_tmp=$(mktemp -d /tmp/accord-bench-redis.XXXXXX)
  local port dir results tokens url rep side value signer_out
  port=$(start_redis signin aof)
  url="redis://127.0.0.1:$port"
  dir="$redis_tmp/signin"
  results="$dir/results"
  tokens="$dir/tokens"
  : >"$results"
  echo "== bench/signin: REST completions/s with ${signin_rate} sign-ins a second going on, against without (same run, ${signin_reps} runs each, interleaved)"
  echo "bench/run.sh signin, $(date -u '+%F %H:%M UTC'), commit $(git describe --always --dirty 2>/dev/null || echo '?')"
  for rep in $(seq "$signin_reps"); do
    local order="plain signins"
    [ $((rep % 2)) = 0 ] && order="signins plain"
    for side in $order; do
      redis-cli -p "$port" flushall >/dev/null
      "$build/bench/api_bench" users "$url" api "$tokens" 0 >/dev/null
      echo "olive grove in spring" |
        "$build/apps/accordctl/accordctl" user passwd admin --redis "$url" --prefix api 2>/dev/null
      start_accordd "$port" "$dir/accordd-$side$rep.log"
      signer_out="$dir/signer-$rep"
      if [ "$side" = signins ]; then
        python3 bench/api/sign_ins.py "$accordd_port" admin "olive grove in spring" "$signin_rate" \
          "$((api_seconds + 1))" >"$signer_out" &
      fi
      value=$(API_BENCH_SERVER_PID=$accordd_pid API_BENCH_REDIS=$url "$build/bench/api_bench" rest \
        "$accordd_port" "$tokens" "$api_connections" "$api_seconds" completions |
        sed -n 's/^RESULT //p') || { echo "bench: REST run $rep ($side) had errors: $value" >&2; exit 1; }
      if [ "$side" = signins ]; then
        wait $! || { echo "bench: sign-ins failed: $(cat "$signer_out")" >&2; exit 1; }
        echo "signer $(sed -n 's/^RESULT //p' "$signer_out")" >>"$results"
      fi
      stop_accordd
      echo "$side $value" >>"$results"
    done
  done
  python3 - "$results" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    side, value = line.rstrip("\n").split(" ", 1)
    runs.setdefault(side, []).append(json.loads(value))
plain, busy, signer = runs["plain"], runs["signins"], runs["signer"]
spread = lambda rs, k: (lambda v: f"{statistics.median(v):,.0f} [{min(v):,.0f}–{max(v):,.0f}]")([r[k] for r in rs])
ratio = [b["completionsPerS"] / p["completionsPerS"] for p, b in zip(plain, busy)]
print("| figure | median [min–max] |")
print("|---|---:|")
print(f"| REST task completions/s, no sign-ins | {spread(plain, 'completionsPerS')} |")
print(f"| REST task completions/s, {signer[0]['rate']:.0f} sign-ins/s going on | {spread(busy, 'completionsPerS')} |")
print(f"| **with ÷ without, paired by rep** (goal ≥ 90%) | **{100 * statistics.median(ratio):.0f}% [{100 * min(ratio):.0f}–{100 * max(ratio):.0f}%]** |")
print(f"| sign-in latency p50 / p99, ms (Argon2id, 12 MiB, t=3) | {statistics.median(s['p50Ms'] for s in signer):.0f} / {statistics.median(s['p99Ms'] for s in signer):.0f} |")
print(f"| REST latency p50 / p99, ms: without; with | {statistics.median(r['p50Ms'] for r in plain):.1f} / {statistics.median(r['p99Ms'] for r in plain):.1f}; {statistics.median(r['p50Ms'] for r in busy):.1f} / {statistics.median(r['p99Ms'] for r in busy):.1f} |")
print(f"\n{sum(s['signIns'] for s in signer)} sign-ins, {sum(s['ok'] for s in signer)} answered 200")
PY
}

# ---- idle cost --------------------------------------------------------------------------------
# What idle nodes cost Redis: the commands a second of one accordd with 0, 5 and 100 feed
# sockets open and nothing happening, and of three accordd on one Redis (sockets spread over
# them), each with its e-mail and webhook loops (an SMTP server configured) and the office
# calendar. Goal: at most 20 a second per node in each case.
idle_seconds=${IDLE_SECONDS:-20}
idle_pids=()

stop_idle_nodes() {
  local pid
  for pid in "${idle_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${idle_pids[@]}"; do { wait "$pid"; } 2>/dev/null || true; done
  idle_pids=()
}

idle_part() {
  [ -x "$build/bench/api_bench" ] || { echo "bench: $build/bench/api_bench is not built (make bench builds it)" >&2; exit 1; }
  [ -n "$redis_tmp" ] || redis_tmp=$(mktemp -d /tmp/accord-bench-redis.XXXXXX)
  local port dir url tokens results nodes sockets ports log i value
  port=$(start_redis idle aof)
  url="redis://127.0.0.1:$port"
  dir="$redis_tmp/idle"
  tokens="$dir/tokens"
  results="$dir/results"
  : >"$results"
  echo "== idle cost: Redis commands a second of idle accordd nodes (${idle_seconds} s each)"
  echo "bench/run.sh idle, $(date -u '+%F %H:%M UTC'), commit $(git describe --always --dirty 2>/dev/null || echo '?'), $(redis-server --version | cut -d' ' -f1-3)"
  "$build/bench/api_bench" users "$url" api "$tokens" 100 >/dev/null
  for spec in 1:0 1:5 1:100 3:0 3:6 3:100; do
    nodes=${spec%%:*} sockets=${spec#*:}
    ports=""
    for i in $(seq "$nodes"); do
      log="$dir/accordd-$nodes-$sockets-$i.log"
      : >"$log"
      "$build/apps/accordd/accordd" --listen 127.0.0.1:0 --redis "$url" --prefix api \
        --workflows workflows --rate 0 --max-feed-sockets 2000 --node-id "idle$i" \
        --calendar examples/calendar-palestine.json --smtp-url smtp://127.0.0.1:9 \
        --mail-from bench@accord.invalid 2>"$log" &
      idle_pids+=($!)
      local p=""
      for _ in $(seq 100); do
        p=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/api/v1.*|\1|p' "$log" || true)
        [ -n "$p" ] && break
        sleep 0.1
      done
      [ -n "$p" ] || { echo "bench: accordd did not start:" >&2; cat "$log" >&2; exit 1; }
      ports="${ports:+$ports,}$p"
    done
    value=$("$build/bench/api_bench" idle "$ports" "$tokens" "$sockets" "$idle_seconds" "$url" |
      sed -n 's/^RESULT //p') || { echo "bench: idle run failed: $value" >&2; exit 1; }
    echo "$value" >>"$results"
    stop_idle_nodes
  done
  python3 - "$results" <<'PY'
import json, sys
print("| nodes | feed sockets | Redis commands/s per node (goal ≤ 20) |")
print("|---|---|---|")
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"| {r['nodes']} | {r['sockets']} | {r['commandsPerSecondPerNode']:.2f} |")
PY
}

# ---- notices ------------------------------------------------------------------------------------
# One notice to a role of NOTICE_PEOPLE (10,000) readers with e-mail: time to the last e-mail at a
# local SMTP server (aiosmtpd) and the webhook delivery, without other load (NOTICE_SECONDS=0)
# and while the REST bench runs for NOTICE_SECONDS, with its completions/s against a run just
# before on the same node (bench/api/notices.py).
notices_part() {
  for exe in apps/accordd/accordd bench/api_bench; do
    [ -x "$build/$exe" ] || { echo "bench: $build/$exe is not built (make bench builds it)" >&2; exit 1; }
  done
  [ -n "$redis_tmp" ] || redis_tmp=$(mktemp -d /tmp/accord-bench-redis.XXXXXX)
  local port url value seconds
  port=$(start_redis notices aof)
  url="redis://127.0.0.1:$port"
  echo "== notices: one notice to ${NOTICE_PEOPLE:-10000} readers, e-mailed and sent to a webhook (REST beside it: ${NOTICE_REPS:-3} runs each way, alternating)"
  echo "bench/run.sh notices, $(date -u '+%F %H:%M UTC'), commit $(git describe --always --dirty 2>/dev/null || echo '?')"
  echo "| REST beside it | e-mails | first ms | last ms | e-mails/s | webhook (signature valid) | REST completions/s without → with |"
  echo "|---|---|---|---|---|---|---|"
  for seconds in 0 "${NOTICE_SECONDS:-10}"; do
    redis-cli -p "$port" flushall >/dev/null
    local reps=1
    [ "$seconds" = 0 ] || reps=${NOTICE_REPS:-3}
    value=$(/usr/bin/python3 bench/api/notices.py "$build" "$url" "${NOTICE_PEOPLE:-10000}" "$seconds" \
      "$redis_tmp/notices" "$reps" | sed -n 's/^RESULT //p') || { echo "bench: notices failed: $value" >&2; exit 1; }
    python3 - "$seconds" "$value" <<'PY'
import json, sys
r = json.loads(sys.argv[2])
rest = "none" if sys.argv[1] == "0" else f"{r['restWithout']:,} → {r['restWith']:,} ({r['ratio']:.0%})"
runs = "" if sys.argv[1] == "0" else (
    f" median of {len(r['runs'])}: " + ", ".join(f"{x['ratio']:.0%}" for x in r["runs"]) +
    f"; AOF rewrites during the runs: {r['rewritesDuring']}")
print(f"| {sys.argv[1]} s | {r['emails']:,} | {r['firstMs']:,} | {r['lastMs']:,} | "
      f"{r['emailsPerSecond']:,} | {r['webhooks']} ({r['signatureValid']}) | {rest}{runs} |")
PY
  done
}

# ---- timer lag ----------------------------------------------------------------------------------
# TIMER_INSTANCES (10,000) timers due at one moment, fired by three runtimes with their loops
# running (redis_bench timers: one process, one thread, so the three share one core). Goal: p99
# lag at most 1 s.
timers_part() {
  [ -x "$build/bench/redis_bench" ] || { echo "bench: $build/bench/redis_bench is not built (make bench builds it)" >&2; exit 1; }
  [ -n "$redis_tmp" ] || redis_tmp=$(mktemp -d /tmp/accord-bench-redis.XXXXXX)
  local port url value rep
  port=$(start_redis timers aof)
  url="redis://127.0.0.1:$port"
  echo "== timer lag: ${TIMER_INSTANCES:-10000} timers due at once, three nodes (${TIMER_REPS:-3} runs)"
  echo "bench/run.sh timers, $(date -u '+%F %H:%M UTC'), commit $(git describe --always --dirty 2>/dev/null || echo '?'), $(redis-server --version | cut -d' ' -f1-3)"
  echo "| run | fired | by node | p50 lag ms | p99 lag ms (goal ≤ 1000) | max lag ms |"
  echo "|---|---|---|---|---|---|"
  for rep in $(seq "${TIMER_REPS:-3}"); do
    redis-cli -p "$port" flushall >/dev/null
    value=$("$build/bench/redis_bench" timers "$url" timers 3 "${TIMER_INSTANCES:-10000}" |
      sed -n 's/^RESULT //p') || { echo "bench: timer run $rep failed: $value" >&2; exit 1; }
    python3 - "$rep" "$value" <<'PY'
import json, sys
r = json.loads(sys.argv[2])
print(f"| {sys.argv[1]} | {r['fired']:,} | {r['firedByNode']} | {r['p50LagMs']:.0f} | "
      f"{r['p99LagMs']:.0f} | {r['maxLagMs']:.0f} |")
PY
  done
}

# ---- the web application -----------------------------------------------------------------------
# bench/web/inbox_bench.mjs starts its own redis-server (in memory) and accordd on free ports,
# seeds 500 legal reviews, and drives Debian's Chromium with playwright-core (tests/web's).
web_part() {
  for exe in apps/accordd/accordd apps/accordctl/accordctl; do
    [ -x "$build/$exe" ] || { echo "bench: $build/$exe is not built (make bench-web builds it)" >&2; exit 1; }
  done
  local dist=${ACCORD_WEB_DIST:-$build/web/dist}
  [ -f "$dist/index.html" ] || { echo "bench: no web build in $dist (make bench-web builds it)" >&2; exit 1; }
  ACCORDD="$build/apps/accordd/accordd" ACCORDCTL="$build/apps/accordctl/accordctl" ACCORD_WEB_DIST="$dist" \
    node bench/web/inbox_bench.mjs | grep -v '^RESULT '
}

cleanup() {
  [ -z "$perf_pid" ] || kill -INT "$perf_pid" 2>/dev/null || true
  stop_accordd
  stop_idle_nodes
  stop_redis
}
trap cleanup EXIT
trap 'exit 130' INT TERM

case "$part" in
  core) core_part ;;
  redis) redis_part ;;
  api) api_part ;;
  signin) signin_part ;;
  idle) idle_part ;;
  timers) timers_part ;;
  notices) notices_part ;;
  web) web_part ;;
  all) core_part; echo; redis_part; echo; api_part; echo; signin_part; echo; idle_part; echo; timers_part; echo; web_part ;;
esac
