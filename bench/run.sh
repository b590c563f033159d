#!/usr/bin/env bash
# Runs the benchmarks and their peers in one run, on this machine, and prints the tables.
#   bench/run.sh [BUILD_DIR]      (make bench)
# Peers come from ../shared/peers: copied to build/peers and installed there with `npm ci`
# (the npm registry is the one download this needs; nothing is fetched at build or test time).
set -euo pipefail
build=${1:-build/release}
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
