#!/usr/bin/env bash
# `make run`: until the server exists (accordd, issue 5), run every shipped workflow through
# its example scripts on the simulator, so the lifecycle can be watched end to end.
set -euo pipefail
build=${1:-build/release}
cd "$(dirname "$0")/.."
ctl="$build/apps/accordctl/accordctl"
"$ctl" validate --strict --workflows workflows workflows/*.json
status=0
for script in examples/*.sim.json; do
  workflow=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("workflow",""))' "$script" 2>/dev/null || true)
  [ -n "$workflow" ] || { echo "$script: no \"workflow\" key" >&2; status=1; continue; }
  echo "=== $script ($workflow)"
  "$ctl" simulate "workflows/$workflow.json" --workflows workflows --script "$script" || status=1
done
exit $status
