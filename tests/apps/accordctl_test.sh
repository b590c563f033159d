#!/usr/bin/env bash
# accordctl run as a user would: output format and exit codes of the offline commands, and of
# the user commands against a redis-server of its own on a free loopback port.
set -uo pipefail
ctl=$1
src=$2
source "$(dirname "$0")/../support/checks.sh"

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

# user: against Redis.
start_redis
r=(--redis "redis://127.0.0.1:$port/0" --prefix ctl)

token=$("$ctl" user add olga --role officer --role legal --role officer "${r[@]}" 2>/dev/null); code=$?
check "user add exits 0" $code
check "user add prints only the token" $([[ "$token" =~ ^acc_[A-Za-z0-9_-]{43}$ ]]; echo $?)
check "the token is not stored" $([ -z "$(redis-cli -p "$port" --scan | grep -F "${token#acc_}")" ] &&
  ! redis-cli -p "$port" hgetall 'ctl:{u}:user:olga' | grep -qF "${token#acc_}"; echo $?)
digest=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
check "its SHA-256 names olga" $([ "$(redis-cli -p "$port" get "ctl:{u}:token:$digest")" = olga ]; echo $?)
"$ctl" user add ana --role director "${r[@]}" >/dev/null 2>&1
check "a second user" $?

"$ctl" user add olga --role director "${r[@]}" >/dev/null 2>"$tmp/err"; code=$?
check "user add of a taken name exits 1" $([ $code -eq 1 ]; echo $?)
grep -qF "conflict" "$tmp/err"
check "and says it is a conflict" $?
"$ctl" user add Olga --role officer "${r[@]}" >/dev/null 2>"$tmp/err"; code=$?
check "user add of a bad name exits 1" $([ $code -eq 1 ]; echo $?)
grep -qF "invalid_input: /name: " "$tmp/err"
check "and points at the name" $?
"$ctl" user add lev --role officer --role 'Le gal' "${r[@]}" >/dev/null 2>"$tmp/err"; code=$?
check "user add of a bad role exits 1" $([ $code -eq 1 ]; echo $?)
grep -qF "invalid_input: /roles/1: " "$tmp/err"
check "and points at the role" $?

out=$("$ctl" user list "${r[@]}"); code=$?
check "user list exits 0" $code
check "user list prints a header and a row per user, by name" \
  $([ "$(awk '{print $1}' <<<"$out" | tr '\n' ' ')" = "NAME ana olga " ]; echo $?)
grep -qE '^olga +legal,officer +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z +no$' <<<"$out"
check "user list shows roles, creation time, revoked" $?
out=$("$ctl" user list --json "${r[@]}")
check "user list --json prints a JSON array" $(/usr/bin/python3 -c '
import json, sys
users = json.loads(sys.argv[1])
assert [u["name"] for u in users] == ["ana", "olga"]
assert users[1]["roles"] == ["legal", "officer"] and users[1]["revoked"] is False
assert isinstance(users[1]["created_at"], int)' "$out"; echo $?)

second=$("$ctl" user token olga "${r[@]}" 2>/dev/null); code=$?
check "user token exits 0 and prints another token" \
  $([ $code -eq 0 ] && [[ "$second" =~ ^acc_ ]] && [ "$second" != "$token" ]; echo $?)
"$ctl" user token nobody "${r[@]}" >/dev/null 2>"$tmp/err"; code=$?
check "user token of an unknown user exits 1" $([ $code -eq 1 ] && grep -qF not_found "$tmp/err"; echo $?)

# user set: a profile and roles, checked as the API checks them; each change in the audit.
out=$("$ctl" user set ana --display-name "رنا الخطيب" --language ar --time-zone Asia/Hebron \
  --email ana@example.edu --email-notices daily --digest-hour 7 "${r[@]}"); code=$?
check "user set exits 0" $code
check "user set prints the user with the profile" $(/usr/bin/python3 -c '
import json, sys
[u] = json.loads(sys.argv[1])
assert u["display_name"] == "رنا الخطيب" and u["language"] == "ar", u
assert u["time_zone"] == "Asia/Hebron" and u["email"] == "ana@example.edu", u
assert u["email_notices"] == "daily" and u["digest_hour"] == 7 and u["roles"] == ["director"], u
' "$out"; echo $?)
"$ctl" user set ana --time-zone Mars/Olympus "${r[@]}" >/dev/null 2>"$tmp/err"; code=$?
check "user set of an unknown time zone exits 1 at /time_zone" \
  $([ $code -eq 1 ] && grep -qF "invalid_input: /time_zone: " "$tmp/err"; echo $?)
"$ctl" user set ana --unit eng "${r[@]}" >/dev/null 2>"$tmp/err"; code=$?
check "user set of a unit that does not exist exits 1" \
  $([ $code -eq 1 ] && grep -qF "/units/0: no unit eng" "$tmp/err"; echo $?)
"$ctl" user set ana --away 2027-07-01 2027-07-14 nobody "${r[@]}" >/dev/null 2>"$tmp/err"; code=$?
check "user set --away with an unknown deputy exits 1" \
  $([ $code -eq 1 ] && grep -qF "/away/deputy" "$tmp/err"; echo $?)
out=$("$ctl" user set ana --away 2027-07-01 2027-07-14 olga --role director --role dean "${r[@]}")
check "user set --away and --role" $(/usr/bin/python3 -c '
import json, sys
[u] = json.loads(sys.argv[1])
assert u["away"] == {"from": "2027-07-01", "to": "2027-07-14", "deputy": "olga"}, u
assert u["roles"] == ["dean", "director"] and u["language"] == "ar", u' "$out"; echo $?)
out=$("$ctl" user set ana --back --email "" "${r[@]}")
check "user set --back ends the leave; an empty value clears" $(/usr/bin/python3 -c '
import json, sys
[u] = json.loads(sys.argv[1])
assert u["away"] is None and u["email"] is None, u' "$out"; echo $?)
# user passwd: read from stdin, checked, kept as an Argon2id hash only.
echo "cedar forest long path" | "$ctl" user passwd ana "${r[@]}" >/dev/null 2>&1
check "user passwd exits 0" $?
check "the password is kept as an Argon2id hash, not as itself" \
  $(redis-cli -p "$port" hget 'ctl:{u}:user:ana' password | grep -q '^\$argon2id\$' &&
    ! redis-cli -p "$port" --scan --pattern 'ctl:*' | xargs -n1 redis-cli -p "$port" dump 2>/dev/null \
      | grep -qa "cedar forest"; echo $?)
echo "password123" | "$ctl" user passwd ana "${r[@]}" >/dev/null 2>"$tmp/err"; code=$?
check "user passwd refuses one of the commonest passwords" \
  $([ $code -eq 1 ] && grep -qF "commonest" "$tmp/err"; echo $?)
"$ctl" user passwd ana "${r[@]}" </dev/null >/dev/null 2>&1; code=$?
check "user passwd with nothing on stdin exits 1" $([ $code -eq 1 ]; echo $?)
check "the audit records each change by accordctl" \
  $([ "$(redis-cli -p "$port" xrevrange 'ctl:{u}:audit' + - count 1 | grep -c '"action":"user.password"')" -eq 1 ] &&
    [ "$(redis-cli -p "$port" xlen 'ctl:{u}:audit')" -ge 6 ]; echo $?)

"$ctl" user revoke olga "${r[@]}" >/dev/null 2>&1
check "user revoke exits 0" $?
check "revoke deletes both of olga's tokens" \
  $([ "$(redis-cli -p "$port" --scan --pattern 'ctl:{u}:token:*' | wc -l)" -eq 1 ]; echo $?)
grep -qE '^olga .* yes$' <<<"$("$ctl" user list "${r[@]}")"
check "user list shows olga revoked" $?
"$ctl" user token olga "${r[@]}" >/dev/null 2>&1; code=$?
check "user token of a revoked user exits 1" $([ $code -eq 1 ]; echo $?)
"$ctl" user revoke nobody "${r[@]}" >/dev/null 2>"$tmp/err"; code=$?
check "user revoke of an unknown user exits 1" $([ $code -eq 1 ] && grep -qF not_found "$tmp/err"; echo $?)

for usage in "user" "user add olga" "user add --role officer" "user add a b --role officer" \
  "user add olga --role" "user list extra" "user list --role x" "user revoke" "user token a b" \
  "user remove olga" "user set olga" "user set --language ar" "user passwd" "user passwd a b"; do
  # shellcheck disable=SC2086
  "$ctl" $usage "${r[@]}" >/dev/null 2>&1; code=$?
  check "accordctl $usage exits 2" $([ $code -eq 2 ]; echo $?)
done

kill "$redis_pid"; wait "$redis_pid" 2>/dev/null; redis_pid=
"$ctl" user list "${r[@]}" >/dev/null 2>"$tmp/err"; code=$?
check "user list exits 1 when Redis is unreachable" $([ $code -eq 1 ] && grep -qF unavailable "$tmp/err"; echo $?)

echo "$failures failure(s)"
[ $failures -eq 0 ]
