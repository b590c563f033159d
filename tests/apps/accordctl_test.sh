#!/usr/bin/env bash
# accordctl, offline commands, run as a user would: output format and exit codes.
set -uo pipefail
ctl=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
check() {  # check NAME CONDITION-EXIT-CODE
  if [ "$2" -ne 0 ]; then echo "FAIL: $1"; failures=$((failures + 1)); else echo "ok: $1"; fi
}

# A definition with two mistakes: both reported, each as FILE:POINTER: message, exit 1.
cat > "$tmp/bad.json" <<'JSON'
{ "workflow": "bad", "version": 1, "title": "Bad", "start": "review",
  "states": { "review": { "on": { "approve": "aproved", "reject": { "target": "rejected", "guard": {"nope": [1]} } } },
              "approved": { "final": "approved" }, "rejected": { "final": "rejected" } } }
JSON
out=$("$ctl" validate "$tmp/bad.json" 2>/dev/null); code=$?
check "validate exits 1 on errors" $([ $code -eq 1 ]; echo $?)
grep -qF "$tmp/bad.json:/states/review/on/approve: unknown state \"aproved\" (did you mean \"approved\"?)" <<<"$out"
check "validate names file, pointer and a suggestion" $?
grep -qF "$tmp/bad.json:/states/review/on/reject/guard/nope: " <<<"$out"
check "validate reports the second error too, inside the guard" $?

# Malformed JSON: one error with line and column.
printf '{ "workflow": "x",\n  "version": 1,, }\n' > "$tmp/broken.json"
out=$("$ctl" validate "$tmp/broken.json" 2>/dev/null); code=$?
check "malformed JSON exits 1" $([ $code -eq 1 ]; echo $?)
grep -q "malformed JSON at line 2, column" <<<"$out"
check "malformed JSON names line and column" $?

# Lints are warnings: exit 0, unless --strict.
cat > "$tmp/lint.json" <<'JSON'
{ "workflow": "lint", "version": 1, "title": "Lint", "start": "a",
  "states": { "a": { "on": { "go": "b" } }, "b": { "final": "done" }, "orphan": { "final": "never" } } }
JSON
"$ctl" validate "$tmp/lint.json" >/dev/null 2>&1
check "warnings alone exit 0" $?
out=$("$ctl" validate --strict "$tmp/lint.json" 2>/dev/null); code=$?
check "warnings exit 1 with --strict" $([ $code -eq 1 ]; echo $?)
grep -qF "$tmp/lint.json:/states/orphan: warning: state \"orphan\" can never be reached" <<<"$out"
check "an unreachable state is a warning with its pointer" $?

# The shipped workflows: no errors and no warnings; the schema file is passed over.
"$ctl" validate --strict --workflows "$src/workflows" "$src"/workflows/*.json >/dev/null 2>&1
check "shipped workflows validate with no lint" $?

# logic: the common test-file format.
echo '[ "comment", [{"+": [1, 2]}, null, 3], [{"var": "a"}, {"a": 1}, 2] ]' > "$tmp/cases.json"
out=$("$ctl" logic --tests "$tmp/cases.json"); code=$?
check "logic --tests exits 1 on a failing case" $([ $code -eq 1 ]; echo $?)
grep -qx "1 passed, 1 failed" <<<"$out"
check "logic --tests prints N passed, M failed" $?
out=$("$ctl" logic --eval '{"date_sub": ["2027-06-30", "P90D"]}')
check "logic --eval computes a date" $([ "$out" = '"2027-04-01"' ]; echo $?)

# simulate: a failing expectation is reported and exits 1.
cat > "$tmp/wrong.sim.json" <<'JSON'
{ "people": { "olga": ["officer"] }, "start": { "as": "olga" },
  "steps": [ { "event": "go", "as": "olga" }, { "expect": { "state": "a" } } ] }
JSON
out=$("$ctl" simulate "$tmp/lint.json" --workflows "$tmp" --script "$tmp/wrong.sim.json"); code=$?
check "simulate exits 1 when an expectation fails" $([ $code -eq 1 ]; echo $?)
grep -qF 'is in state "b", expected "a"' <<<"$out"
check "simulate says which expectation failed" $?

echo "$failures failure(s)"
[ $failures -eq 0 ]
