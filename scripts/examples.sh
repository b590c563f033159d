#!/usr/bin/env bash
# `make examples`: check the shipped workflows and run them on the simulator: the whole
# agreement lifecycle traced, then every example scenario.
set -euo pipefail
build=${1:-build/release}
cd "$(dirname "$0")/.."
ctl="$build/apps/accordctl/accordctl"
workflow_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["workflow"])' "$1"; }

echo "== the shipped workflows: validate --strict"
"$ctl" validate --strict --workflows workflows workflows/*.json

headline=examples/agreement-happy-path.sim.json
echo
echo "== $headline: an agreement from proposal to renewal, on a virtual clock"
"$ctl" simulate "workflows/$(workflow_of "$headline").json" --workflows workflows --script "$headline"

echo
echo "== every example scenario (accordctl simulate workflows/W.json --script examples/S.sim.json for a trace)"
status=0
for script in examples/*.sim.json; do
  if "$ctl" simulate "workflows/$(workflow_of "$script").json" --workflows workflows --script "$script" >/dev/null; then
    echo "  pass  $script"
  else
    echo "  FAIL  $script"
    status=1
  fi
done
exit $status
