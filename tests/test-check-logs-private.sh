#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/check-logs-private.sh checked on logs made for it, speaking TAP: clean logs pass; a demo
# name planted in a PostgreSQL log, a case reference planted URL-encoded in mend-hq's log and a
# fixture name planted in a meson test log each fail, naming the file, the line and the test
# without repeating the text; no logs at all, or no list, fail too.
#
#   bash tests/test-check-logs-private.sh tests/check-logs-private.sh BUILD/tests/mend-test-personal

set -u

checker=${1:?the path of check-logs-private.sh}
list=${2:?the program that prints the personal data}

n=0
failed=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
check () { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

work=$(mktemp -d "${TMPDIR:-/tmp}/test-check-logs-private.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
echo "1..12"

# What to plant comes from the list itself, never written here; this script's own output (a
# meson test log the real check searches) holds it only masked.
"$list" >"$work/list"
name=$(awk -F '\t' '$1 == "demo name" { print $2; exit }' "$work/list")
case_ref=$(awk -F '\t' '$1 == "demo case reference" { print $2; exit }' "$work/list")
last=${name##* }
fixture_name=$(awk -F '\t' '$1 == "fixture name" { print $2; exit }' "$work/list")
check "the list holds demo names, demo case references and fixture names" \
  '[ -n "$name" ] && [ -n "$case_ref" ] && [ -n "$fixture_name" ]'

# Logs like a run's: a meson text log with two tests, a cluster's log, mend-hq's log.
mkdir -p "$work/logs" "$work/meson-logs"
cat >"$work/meson-logs/testlog.txt" <<'EOF'
==================================== 1/2 =====================================
test:         mend:data / store
result:       exited with status 0
----------------------------------- stdout -----------------------------------
ok 1 /store/open
==================================== 2/2 =====================================
test:         mend:sync / engine
result:       exited with status 0
----------------------------------- stdout -----------------------------------
ok 1 /engine/push
# pushed 3 events for demo-p-hart
EOF
printf '%s\n' '{"name": "mend:data / store"}' >"$work/meson-logs/testlog.json"
printf '%s\n' "2026-11-26 09:00:00 UTC LOG:  database system is ready to accept connections" \
  "2026-11-26 09:00:01 UTC ERROR:  duplicate key value violates unique constraint" \
  "2026-11-26 09:00:01 UTC DETAIL:  Key (id)=(demo-p-hart) already exists." \
  >"$work/logs/test-hq-postgresql.log"
printf '%s\n' "event=manifest device=1f0 people=4" "event=push device=1f0 events=2" \
  >"$work/logs/test-hq-mend-hq.log"
cp -r "$work/logs" "$work/clean-logs"

out=$(bash "$checker" "$list" "$work/meson-logs" "$work/logs" 2>&1)
status=$?
check "clean logs pass, ids such as demo-p-hart being no personal data" '[ $status = 0 ] && ! grep -q "^not ok" <<<"$out"'
check "every kind of log is searched and counted" \
  'grep -q "^ok .* meson.s test logs (every test.s output) (1 files" <<<"$out" &&
   grep -q "^ok .* PostgreSQL server logs (1 files" <<<"$out" &&
   grep -q "^ok .* mend-hq.s log (1 files" <<<"$out" && grep -q "^1\.\.5$" <<<"$out"'

# A name where a unique violation would quote it, a case reference as a URL would carry it,
# a fixture person in a test's output.
sed -i "3s/.*/2026-11-26 09:00:01 UTC DETAIL:  Key (display_name)=($name) already exists./" \
  "$work/logs/test-hq-postgresql.log"
encoded=$(printf '%s' "$case_ref" | sed 's|/|%2F|g')
printf '%s\n' "GET /search?q=$encoded 200" >>"$work/logs/test-hq-mend-hq.log"
printf '%s\n' "# checked in ${fixture_name^^}" >>"$work/meson-logs/testlog.txt"

out=$(bash "$checker" "$list" "$work/meson-logs" "$work/logs" 2>&1)
status=$?
check "planted personal data fails the check" '[ $status = 1 ]'
check "the PostgreSQL log fails, named with its line" \
  'grep -q "^not ok .* PostgreSQL server logs (1 findings" <<<"$out" &&
   grep -q "^# $work/logs/test-hq-postgresql.log:3: a demo name, " <<<"$out"'
check "mend-hq's log fails on the URL-encoded case reference" \
  'grep -q "^not ok .* mend-hq.s log (1 findings" <<<"$out" &&
   grep -q "^# $work/logs/test-hq-mend-hq.log:3: a demo case reference" <<<"$out"'
check "meson's log fails, naming the test, whatever the case" \
  'grep -q "^# $work/meson-logs/testlog.txt:12: (test mend:sync / engine) a fixture name" <<<"$out"'
check "the findings show the text masked, never in full" \
  '! grep -q -i -F "$name" <<<"$out" && ! grep -q -i -F "$case_ref" <<<"$out" &&
   ! grep -q -i -F "$encoded" <<<"$out" && ! grep -q -i -F "$fixture_name" <<<"$out" &&
   grep -q -E "\"${name:0:1}\*+ ${last:0:1}\*+\"" <<<"$out"'

out=$(bash "$checker" --exclude '*-postgresql.log' --exclude 'testlog*' "$list" \
  "$work/meson-logs" "$work/logs" 2>&1)
check "--exclude leaves files out" \
  '! grep -q "PostgreSQL\|meson" <<<"$out" && grep -q "^not ok .* mend-hq.s log" <<<"$out"'

out=$(bash "$checker" "$list" "$work/nothing-here" 2>&1)
status=$?
check "no logs at all fails" '[ $status = 1 ] && grep -q "^not ok 2 - logs found" <<<"$out"'

out=$(bash "$checker" false "$work/clean-logs" 2>&1)
status=$?
check "no list fails" '[ $status = 1 ] && grep -q "^not ok 1 - the list of personal data" <<<"$out"'

out=$(bash "$checker" "$list" "$work/clean-logs" 2>&1)
status=$?
check "the clean copy still passes" '[ $status = 0 ]'

exit "$failed"
