#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# End-to-end test of the real mendctl binary, speaking TAP.
#
# Every store lives in a fresh temporary folder that is removed on exit; every call passes
# --db, and XDG_DATA_HOME points into the temporary folder too, so the developer's own store
# is never touched. Needs jq and the sqlite3 command-line shell (to count, copy and tamper with
# stores behind mendctl's back).
#
#   MENDCTL=build/app/mendctl bash tests/test-mendctl.sh

# jq filters are single-quoted on purpose: their $names are jq variables.
# shellcheck disable=SC2016

set -u

: "${MENDCTL:?set MENDCTL to the mendctl binary}"

for tool in jq sqlite3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed"
    exit 0
  fi
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mendctl-e2e.XXXXXX") || exit 99
export XDG_DATA_HOME="$TMP/xdg-data"
export XDG_CONFIG_HOME="$TMP/xdg-config"
export XDG_CACHE_HOME="$TMP/xdg-cache"

N=0
RESULTS=()
FINISHED=0
MOUNTED=""

# TAP wants the plan first; results are gathered and printed on exit, whatever the exit.
finish() {
  if [ -n "$MOUNTED" ]; then
    umount "$MOUNTED" 2>/dev/null || umount -l "$MOUNTED" 2>/dev/null
  fi
  rm -rf "$TMP"
  if [ "$FINISHED" != 1 ]; then
    N=$((N + 1))
    RESULTS+=("not ok $N - the test script ran to its end")
  fi
  printf '1..%d\n' "$N"
  printf '%s\n' "${RESULTS[@]}"
}
trap finish EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Helpers

FAILED=0
DIAGS=()

fail() {
  FAILED=1
  DIAGS+=("$*")
}

# mendctl's standard error is kept for the search for personal data (tests/logs/keep.sh).
. "$(dirname "$0")/logs/keep.sh"

# Runs mendctl; leaves RC, OUT and ERR for the assertions.
run() {
  "$MENDCTL" "$@" >"$TMP/stdout" 2>"$TMP/stderr"
  RC=$?
  keep_log mendctl "$TMP/stderr"
  OUT=$(<"$TMP/stdout")
  ERR=$(<"$TMP/stderr")
  LAST="mendctl $*"
}

# Runs mendctl on the current store, $DB.
m() {
  # --no-gps keeps these tests independent of any gpsd on the machine; GPS has its own
  # end-to-end test (test-mendctl-gps.sh).
  run --db "$DB" --no-gps "$@"
}

fail_last() {
  fail "$1 | command: ${LAST:0:240} | exit $RC | stdout: ${OUT:0:300} | stderr: ${ERR:0:300}"
}

expect_exit() {
  [ "$RC" = "$1" ] || fail_last "expected exit $1, got $RC"
}

expect_out() {
  grep -qE -- "$1" <<<"$OUT" || fail_last "stdout does not match /$1/"
}

expect_err() {
  grep -qiE -- "$1" <<<"$ERR" || fail_last "stderr does not match /$1/"
}

expect_no_out() {
  [ -z "$OUT" ] || fail_last "expected nothing on stdout"
}

# jq -e on $OUT: the filter must give true. Arguments go to jq as they are (--arg …, filter).
expect_jq() {
  local got
  if ! got=$(jq -e "$@" <<<"$OUT" 2>&1); then
    fail_last "jq check failed: ${*: -1} (got: ${got:0:200})"
  fi
}

# The stderr names the rule by its dotted name, as a whole word.
expect_rule() {
  local re="(^|[^A-Za-z0-9_.-])${1//./\\.}([^A-Za-z0-9_.-]|$)"
  grep -qE -- "$re" <<<"$ERR" || fail_last "stderr does not name rule $1"
}

sql() {
  sqlite3 -batch "$DB" "$@" 2>&1
}

event_count() {
  local n
  n=$(sql "SELECT count(*) FROM events")
  if [[ "$n" =~ ^[0-9]+$ ]]; then
    echo "$n"
  else
    fail "could not count the events of $DB: $n"
    echo -1
  fi
}

# What a refusal must leave untouched: the log's length and the head of the chain.
log_state() {
  sql "SELECT (SELECT count(*) FROM events) || ' events, head ' || head_seq || ' ' || head_hash
       FROM device"
}

UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
RECORDED=()

# A command that records: exit 0, stdout only the new event's id, nothing on stderr, one more
# event in the log whose id is the one printed. Sets ID.
record() {
  local before after newest
  before=$(event_count)
  m "$@"
  ID=""
  expect_exit 0
  if [[ "$OUT" =~ $UUID_RE ]] && [ "$(wc -l <"$TMP/stdout")" = 1 ]; then
    ID=$OUT
  else
    fail_last "stdout is not exactly one event id (a UUID)"
  fi
  [ -z "$ERR" ] || fail_last "expected nothing on stderr"
  after=$(event_count)
  [ "$after" = $((before + 1)) ] || fail_last "expected one more event ($before before, $after after)"
  newest=$(sql "SELECT id FROM events ORDER BY seq DESC LIMIT 1")
  [ -z "$ID" ] || [ "$newest" = "$ID" ] ||
    fail_last "the id printed is not the newest event's ($newest)"
  RECORDED+=("$1 ${ID:-INVALID:$RC:${OUT:0:60}}")
}

# A command refused by a rule: exit 1, the rule named on stderr, nothing on stdout, and the
# event log exactly as it was.
refused() {
  local rule=$1 before after
  shift
  before=$(log_state)
  m "$@"
  expect_exit 1
  expect_rule "$rule"
  expect_no_out
  after=$(log_state)
  [ "$after" = "$before" ] || fail_last "something was recorded: $before -> $after"
}

# A usage error: exit 2, a message on stderr, nothing recorded.
usage_error() {
  local before after
  before=$(log_state)
  m "$@"
  expect_exit 2
  [ -n "$ERR" ] || fail_last "expected a message on stderr"
  expect_no_out
  after=$(log_state)
  [ "$after" = "$before" ] || fail_last "something was recorded: $before -> $after"
}

# A store error: exit 3 and a message on stderr matching $1.
store_error() {
  local pattern=$1
  shift
  run "$@"
  expect_exit 3
  expect_err "$pattern"
  expect_no_out
}

tap() {
  local desc=$1
  shift
  FAILED=0
  DIAGS=()
  "$@"
  N=$((N + 1))
  if [ "$FAILED" = 0 ]; then
    RESULTS+=("ok $N - $desc")
  else
    RESULTS+=("not ok $N - $desc")
    local d
    for d in "${DIAGS[@]}"; do
      RESULTS+=("# ${d//$'\n'/ ⏎ }")
    done
  fi
}

skip() {
  N=$((N + 1))
  RESULTS+=("ok $N - $1 # SKIP $2")
}

# A fresh store with the demo loaded; sets DB, SR (today's Spring Rise session), HL (today's
# Headlands session) and TOMORROW (tomorrow's Spring Rise session).
new_demo_store() {
  DB="$TMP/$1.db"
  m init
  expect_exit 0
  m demo
  expect_exit 0
  m sessions --json
  SR=$(jq -r '.[] | select(.site_id == "demo-site-spring-rise") | .id' <<<"$OUT" 2>/dev/null)
  HL=$(jq -r '.[] | select(.site_id == "demo-site-headlands") | .id' <<<"$OUT" 2>/dev/null)
  m sessions --date tomorrow --json
  TOMORROW=$(jq -r '.[0].id // empty' <<<"$OUT" 2>/dev/null)
  [ -n "$SR" ] && [ -n "$HL" ] && [ -n "$TOMORROW" ] ||
    fail "could not find the demo sessions in $DB (SR=$SR HL=$HL TOMORROW=$TOMORROW)"
}

# Copies a store the way SQLite means it to be copied (the log may be in the WAL).
copy_store() {
  rm -f "$2"
  sqlite3 -batch "$1" ".backup '$2'" || fail "could not copy $1 to $2"
}

notes_of() {
  head -c "$1" /dev/zero | tr '\0' 'n'
}

# ---------------------------------------------------------------------------------------------
# The binary and a fresh store

t_version() {
  run --version
  expect_exit 0
  [[ "$OUT" =~ ^mendctl\ [0-9]+\.[0-9]+(\.[0-9]+)?.*\ \(store\ schema\ [0-9]+\)$ ]] ||
    fail_last 'stdout is not the one line "mendctl VERSION (store schema N)"'
  SCHEMA=$(sed -nE 's/.*store schema ([0-9]+).*/\1/p' <<<"$OUT")
}
tap "--version prints the version and the store schema, exit 0" t_version

t_help() {
  local c
  run --help
  expect_exit 0
  expect_out '^Usage: mendctl'
  for c in init demo status sites sessions roster start check-in brief check-out absent tally \
    tallies end void events verify rebuild export; do
    grep -qE "^  $c " <<<"$OUT" || fail_last "--help does not list $c"
  done
  expect_out 'Exit codes'
  [ -z "$ERR" ] || fail_last "expected nothing on stderr"
}
tap "--help lists every command and the exit codes on stdout, exit 0" t_help

t_init() {
  local device
  DB="$TMP/main.db"
  m init
  expect_exit 0
  expect_out 'Store ready'
  [ -s "$DB" ] || fail "init did not create $DB"
  device=$(sed -nE 's/.*device ([0-9a-f-]{36}).*/\1/p' <<<"$OUT")
  m init
  expect_exit 0
  grep -qF -- "$device" <<<"$OUT" || fail_last "init again changed the device id ($device)"
}
tap "init creates the store; init again opens it with the same device" t_init

t_status_fresh() {
  m status --json
  expect_exit 0
  expect_jq --argjson schema "${SCHEMA:-0}" \
    '.schema_version == $schema and .events == 0 and .head_seq == 0 and .demo == false
     and .sessions == 0 and .participants == 0 and (.device_id | test("^[0-9a-f-]{36}$"))'
  m status
  expect_exit 0
  expect_out '^Schema: +[0-9]+'
  expect_out '^Events: +0 '
}
tap "status and status --json on a fresh store: schema, no events, no reference data" \
  t_status_fresh

t_demo() {
  m demo
  expect_exit 0
  expect_out 'PIN [0-9]{4}'
  m status --json
  expect_jq '.demo == true and .sessions == 3 and .participants == 4 and .events == 0'
  m sessions --json
  SR=$(jq -r '.[] | select(.site_id == "demo-site-spring-rise") | .id' <<<"$OUT" 2>/dev/null)
  HL=$(jq -r '.[] | select(.site_id == "demo-site-headlands") | .id' <<<"$OUT" 2>/dev/null)
  [ -n "$SR" ] && [ -n "$HL" ] || fail_last "today's demo sessions not found"
}
tap "demo loads reference data: 3 sessions, 4 people, no events" t_demo

t_sites() {
  m sites --json
  expect_exit 0
  expect_jq 'type == "array" and length == 2 and
     all(.[]; (.id | type) == "string" and (.name | type) == "string"
              and (.boundary | type) == "object" and .boundary.type == "Polygon"
              and (.boundary.coordinates | type) == "array"
              and (.boundary.coordinates[0] | length) >= 4)'
  expect_jq '[.[].id] | sort == ["demo-site-headlands", "demo-site-spring-rise"]'
}
tap "sites --json: id, name and the boundary as a GeoJSON Polygon object" t_sites

t_sessions() {
  m sessions --json
  expect_exit 0
  expect_jq 'type == "array" and length == 2 and
     all(.[]; (.id | type) == "string" and (.site | type) == "string"
              and (.starts_at | type) == "string" and (.ends_at | type) == "string")'
  expect_jq --arg sr "$SR" '.[] | select(.id == $sr) | .site == "Spring Rise Park, Kettering"
     and (.starts_at | test("T09:00:00")) and (.ends_at | test("T13:00:00"))
     and .state == "not_started" and .expected == 2'
  expect_jq --arg hl "$HL" '.[] | select(.id == $hl)
     | (.starts_at | test("T14:00:00")) and (.ends_at | test("T17:00:00"))'
  m sessions
  expect_exit 0
  expect_out "^$SR "
}
tap "sessions --json: today's two demo sessions with id, site, starts_at, ends_at" t_sessions

t_sessions_tomorrow() {
  m sessions --date tomorrow --json
  expect_exit 0
  expect_jq 'length == 1 and (.[0].id | test("spring-rise")) and (.[0].starts_at | test("T09:00"))'
  TOMORROW=$(jq -r '.[0].id // empty' <<<"$OUT" 2>/dev/null)
  m sessions --all --json
  expect_exit 0
  expect_jq 'length == 3'
}
tap "sessions --date tomorrow gives one session; --all gives all three" t_sessions_tomorrow

t_sessions_bad_date() {
  usage_error sessions --date garbage --json
  expect_err 'garbage'
}
tap "sessions --date garbage is a usage error (exit 2)" t_sessions_bad_date

t_roster() {
  m roster "$SR" --json
  expect_exit 0
  expect_jq 'type == "array" and length == 2 and
     all(.[]; (.participant_id | type) == "string" and (.case_ref | type) == "string"
              and (.name | type) == "string" and .state == "expected"
              and .minutes_credited == 0 and .minutes_owed == 240)'
  expect_jq '[.[].case_ref] | sort == ["KTG/26/0417", "KTG/26/0418"]'
}
tap "roster --json: participant_id, case_ref, name, state, minutes credited and owed" t_roster

t_roster_restricted() {
  m roster "$HL" --json
  expect_exit 0
  expect_jq '.[] | select(.participant_id == "demo-p-0391")
     | .name == null and .restricted == true and .case_ref == "KTG/26/0391"'
  expect_jq '.[] | select(.participant_id == "demo-p-clarke")
     | .name == "Mia Clarke" and .minutes_owed == 240'
  m roster "$HL"
  expect_exit 0
  expect_out 'demo-p-0391 .*\(restricted\)'
}
tap "roster: a restricted person has name null (and no name in the plain listing)" \
  t_roster_restricted

t_tallies() {
  m tallies "$SR" --json
  expect_exit 0
  expect_jq 'type == "array" and length == 5 and
     all(.[]; (.id | type) == "string" and (.label | type) == "string"
              and (.unit | type) == "string" and .total == 0)'
  expect_jq '.[] | select(.id == "bags") | .label == "Bags of litter" and .unit == "bags"'
}
tap "tallies --json: id, label, unit and total of every category" t_tallies

# ---------------------------------------------------------------------------------------------
# The happy path on today's Spring Rise session

t_start() {
  record start "$SR" --at 09:00
  m sessions --json
  expect_jq --arg sr "$SR" '.[] | select(.id == $sr) | .state == "running"'
}
tap "start the session --at 09:00: prints only the event id; the session runs" t_start

t_check_in_case_ref() {
  record check-in "$SR" KTG/26/0417 --at 09:00
  m roster "$SR" --json
  expect_jq '.[] | select(.participant_id == "demo-p-hart")
     | .state == "on_site" and (.arrived_at | test("T09:00:00"))'
  m sessions --json
  expect_jq --arg sr "$SR" '.[] | select(.id == $sr) | .on_site == 1'
}
tap "check-in by case reference --at 09:00: on site, arrived 09:00" t_check_in_case_ref

t_check_in_participant_id() {
  record start "$HL" --at 14:00
  record check-in "$HL" demo-p-clarke --at 14:05
  m roster "$HL" --json
  expect_jq '.[] | select(.participant_id == "demo-p-clarke")
     | .state == "on_site" and (.arrived_at | test("T14:05:00"))'
}
tap "check-in by participant id --at 14:05 (Headlands): on site, arrived 14:05" \
  t_check_in_participant_id

t_brief() {
  record brief "$SR" KTG/26/0417
  m roster "$SR" --json
  expect_jq '.[] | select(.participant_id == "demo-p-hart") | .briefed == true'
}
tap "brief: the person is marked briefed" t_brief

t_tally() {
  record tally "$SR" bags +3
  m tallies "$SR" --json
  expect_jq '.[] | select(.id == "bags") | .total == 3'
  record tally "$SR" bags -1
  m tallies "$SR" --json
  expect_jq '.[] | select(.id == "bags") | .total == 2'
  expect_jq 'all(.[] | select(.id != "bags"); .total == 0)'
}
tap "tally bags +3 then -1: the total is 2" t_tally

t_check_out() {
  record check-out "$SR" demo-p-hart --outcome ATTC --arrived 09:00 --finished 12:00 --penalty 15
  m roster "$SR" --json
  expect_jq '.[] | select(.participant_id == "demo-p-hart")
     | .state == "done" and .minutes_credited == 165 and .minutes_owed == 75
       and .penalty_minutes == 15 and .outcome == "ATTC"
       and (.arrived_at | test("T09:00:00")) and (.finished_at | test("T12:00:00"))'
}
tap "check-out ATTC 09:00-12:00 with 15 min penalty: done, 165 credited, 75 owed" t_check_out

t_absent() {
  record absent "$SR" demo-p-cole --notes "phoned in sick"
  m roster "$SR" --json
  expect_jq '.[] | select(.participant_id == "demo-p-cole")
     | .state == "absent" and .minutes_credited == 0 and .minutes_owed == 240'
}
tap "absent: the second person is marked absent, nothing credited" t_absent

t_end() {
  record end "$SR"
  m sessions --json
  expect_jq --arg sr "$SR" '.[] | select(.id == $sr)
     | .state == "ended" and .done == 1 and .absent == 1 and .on_site == 0'
}
tap "end the session: it is ended with one done and one absent" t_end

t_events() {
  m events --session "$SR" --json
  expect_exit 0
  expect_jq --arg sr "$SR" 'length == 8 and all(.[]; .session == $sr)'
  expect_jq '[.[].kind] == ["session.started", "attendance.checked_in", "attendance.briefed",
     "tally.adjusted", "tally.adjusted", "attendance.checked_out", "attendance.absent",
     "session.ended"]'
  expect_jq '[.[] | select(.kind == "tally.adjusted") | .payload.delta] == [3, -1]'
  m events --json
  expect_exit 0
  expect_jq 'length == 10 and [.[].seq] == [range(1; 11)]
     and ([.[].id] | unique | length) == 10
     and all(.[]; (.hash | type) == "string" and (.prev_hash | type) == "string")'
  m events
  expect_exit 0
  [ "$(grep -c . <<<"$OUT")" = 10 ] || fail_last "the plain listing does not have 10 lines"
}
tap "events --json: 8 events of the session, in order, of the right kinds; 10 in all" t_events

t_only_event_ids() {
  local line kind id ids
  m events --json
  ids=$(jq -r '.[].id' <<<"$OUT" 2>/dev/null)
  [ "${#RECORDED[@]}" -ge 8 ] || fail "only ${#RECORDED[@]} recording commands ran"
  for line in "${RECORDED[@]}"; do
    kind=${line%% *}
    id=${line#* }
    [[ "$id" =~ $UUID_RE ]] || fail "$kind did not print only an event id: $id"
    grep -qxF -- "$id" <<<"$ids" || fail "$kind printed $id, which is not in the event log"
  done
}
tap "every recording command (start, check-in, brief, tally, check-out, absent, end) printed only its event id" \
  t_only_event_ids

t_export_csv() {
  local header rows
  m export --format csv
  expect_exit 0
  header=$(head -n 1 <<<"$OUT" | tr -d '\r')
  [[ "$header" == session_id,* ]] || fail_last "the first line is not a header: $header"
  for column in participant_id case_ref name state minutes_credited minutes_owed; do
    grep -qE "(^|,)$column(,|$)" <<<"$header" || fail "the CSV header lacks $column: $header"
  done
  rows=$(tail -n +2 <<<"$OUT" | grep -c .)
  [ "$rows" = 6 ] || fail_last "expected 6 rows (3 sessions x 2 people), got $rows"
  grep -E "^$SR,.*,demo-p-hart,.*,done,.*,ATTC,165,75"$'\r?$' <<<"$OUT" >/dev/null ||
    fail_last "no row for the checked-out person with 165 credited and 75 owed"
  grep -E "^$SR,.*,demo-p-cole,.*,absent," <<<"$OUT" >/dev/null ||
    fail_last "no row for the absent person"
  m export --format csv --what tallies
  expect_exit 0
  grep -E "^$SR,.*,bags,.*,2"$'\r?$' <<<"$OUT" >/dev/null || fail_last "no tally row of 2 bags"
}
tap "export --format csv: a header line and one row per person per session" t_export_csv

t_export_json() {
  m export --format json
  expect_exit 0
  expect_jq 'type == "array" and length == 6'
  expect_jq --arg sr "$SR" '.[] | select(.session_id == $sr and .participant_id == "demo-p-hart")
     | .state == "done" and (.minutes_credited | tostring) == "165"
       and (.minutes_owed | tostring) == "75"'
  expect_jq '[.[] | select(.participant_id == "demo-p-0391") | .name]
     | length == 2 and all(.[]; . == null or . == "")'
  m export --format json --what tallies
  expect_exit 0
  expect_jq 'type == "array" and length == 15'
}
tap "export --format json: a valid JSON array, restricted names withheld" t_export_json

t_verify() {
  m verify
  expect_exit 0
  expect_out '10 events'
}
tap "verify: the store and the hash chain of 10 events are intact, exit 0" t_verify

t_rebuild() {
  local before
  m roster "$SR" --json
  expect_jq 'length == 2'
  before=$OUT
  m rebuild
  expect_exit 0
  expect_out '^Projections rebuilt'
  m roster "$SR" --json
  expect_jq 'length == 2'
  [ "$OUT" = "$before" ] || fail_last "the roster differs after rebuild"
  m verify
  expect_exit 0
}
tap "rebuild derives the same roster from the event log" t_rebuild

t_demo_twice() {
  local status_before events_before sessions_before roster_before
  m status --json
  expect_jq '.sessions == 3 and .participants == 4 and .events == 10'
  status_before=$(jq -c '{sessions, participants, events, head_seq, head_hash, demo}' \
    <<<"$OUT" 2>/dev/null)
  m events --json
  expect_jq 'length == 10'
  events_before=$OUT
  m sessions --all --json
  expect_jq 'length == 3'
  sessions_before=$OUT
  m roster "$SR" --json
  expect_jq 'length == 2'
  roster_before=$OUT
  m demo
  expect_exit 0
  m status --json
  expect_jq '.sessions == 3 and .participants == 4 and .events == 10'
  [ "$(jq -c '{sessions, participants, events, head_seq, head_hash, demo}' <<<"$OUT" \
    2>/dev/null)" = "$status_before" ] || fail_last "status changed: was $status_before"
  m events --json
  [ "$OUT" = "$events_before" ] || fail_last "the events changed"
  m sessions --all --json
  [ "$OUT" = "$sessions_before" ] || fail_last "the sessions changed"
  m roster "$SR" --json
  [ "$OUT" = "$roster_before" ] || fail_last "the roster changed"
  m verify
  expect_exit 0
}
tap "demo again is idempotent: same sessions and people, events untouched" t_demo_twice

# ---------------------------------------------------------------------------------------------
# Every refusal: exit 1, the rule's dotted name on stderr, nothing recorded

t_refusals_setup() {
  new_demo_store refuse
}
tap "a second fresh store with the demo for the refusals" t_refusals_setup

t_r_session_unknown() {
  refused session.unknown check-in no-such-session demo-p-hart
  refused session.unknown start no-such-session
}
tap "refused: session.unknown (check-in to, and start of, an unknown session)" t_r_session_unknown

t_r_participant_unknown() {
  refused participant.unknown check-in "$SR" nobody-at-all
  # Someone of another session's roster, by case reference: refused without repeating it, as
  # refusals end up in logs (tests/check-logs-private.sh).
  refused participant.unknown check-in "$SR" KTG/26/0388
  if grep -q "KTG/26/0388" <<<"$ERR"; then fail_last "the refusal repeats the case reference"; fi
}
tap "refused: participant.unknown (an unknown person; a case reference not repeated)" \
  t_r_participant_unknown

t_r_not_started() {
  refused session.not-started check-in "$SR" demo-p-hart
}
tap "refused: session.not-started (check-in before the start)" t_r_not_started

t_r_already_started() {
  record start "$SR" --at 09:00
  refused session.already-started start "$SR"
}
tap "refused: session.already-started (start twice)" t_r_already_started

t_r_not_assigned() {
  refused attendance.not-assigned check-in "$SR" demo-p-clarke
}
tap "refused: attendance.not-assigned (a person of the other session)" t_r_not_assigned

t_r_not_checked_in() {
  refused check-out.not-checked-in check-out "$SR" demo-p-cole --outcome ATTC
}
tap "refused: check-out.not-checked-in (check-out before check-in)" t_r_not_checked_in

t_r_already_checked_in() {
  record check-in "$SR" demo-p-hart --at 09:00
  R_CHECK_IN=$ID
  refused check-in.already-checked-in check-in "$SR" KTG/26/0417
}
tap "refused: check-in.already-checked-in (check-in twice)" t_r_already_checked_in

t_r_already_briefed() {
  record brief "$SR" demo-p-hart
  refused briefing.already-briefed brief "$SR" demo-p-hart
}
tap "refused: briefing.already-briefed (brief twice)" t_r_already_briefed

t_r_marked_absent() {
  record absent "$SR" demo-p-cole
  refused check-in.marked-absent check-in "$SR" demo-p-cole
}
tap "refused: check-in.marked-absent (check-in of someone marked absent)" t_r_marked_absent

t_r_already_absent() {
  refused absent.already-absent absent "$SR" demo-p-cole
}
tap "refused: absent.already-absent (absent twice)" t_r_already_absent

t_r_absent_after_check_in() {
  refused absent.after-check-in absent "$SR" demo-p-hart
}
tap "refused: absent.after-check-in (absent for someone on site)" t_r_absent_after_check_in

t_r_people_on_site() {
  refused session.people-on-site end "$SR"
}
tap "refused: session.people-on-site (end with someone on site)" t_r_people_on_site

t_r_unknown_outcome() {
  refused check-out.unknown-outcome check-out "$SR" demo-p-hart --outcome NOPE
}
tap "refused: check-out.unknown-outcome (--outcome NOPE)" t_r_unknown_outcome

t_r_finish_before_arrival() {
  refused check-out.finish-before-arrival check-out "$SR" demo-p-hart --outcome ATTC \
    --arrived 11:00 --finished 10:00
}
tap "refused: check-out.finish-before-arrival (--arrived 11:00 --finished 10:00)" \
  t_r_finish_before_arrival

t_r_penalty_negative_equals() {
  refused check-out.penalty-negative check-out "$SR" demo-p-hart --outcome ATTC \
    --arrived 09:00 --finished 12:00 --penalty=-5
}
tap "refused: check-out.penalty-negative (--penalty=-5)" t_r_penalty_negative_equals

# "-5" after --penalty is the option's value, not a positional negative number: it must reach
# the rule, like --penalty=-5 does.
t_r_penalty_negative_separate() {
  refused check-out.penalty-negative check-out "$SR" demo-p-hart --outcome ATTC \
    --arrived 09:00 --finished 12:00 --penalty -5
}
tap "refused: check-out.penalty-negative (--penalty -5, value as a separate argument)" \
  t_r_penalty_negative_separate

t_r_penalty_too_long() {
  refused check-out.penalty-exceeds-time-on-site check-out "$SR" demo-p-hart --outcome ATTC \
    --arrived 09:00 --finished 10:00 --penalty 61
}
tap "refused: check-out.penalty-exceeds-time-on-site (61 min penalty for 60 min on site)" \
  t_r_penalty_too_long

t_r_bad_rating() {
  refused check-out.bad-rating check-out "$SR" demo-p-hart --outcome ATTC \
    --arrived 09:00 --finished 12:00 --quality superb
  refused check-out.bad-rating check-out "$SR" demo-p-hart --outcome ATTC \
    --arrived 09:00 --finished 12:00 --behaviour superb
}
tap "refused: check-out.bad-rating (--quality superb, --behaviour superb)" t_r_bad_rating

t_r_notes_too_long() {
  refused notes.too-long check-out "$SR" demo-p-hart --outcome ATTC \
    --arrived 09:00 --finished 12:00 --notes "$(notes_of 4001)"
  record start "$HL" --at 14:00
  refused notes.too-long absent "$HL" demo-p-0391 --notes "$(notes_of 4001)"
}
tap "refused: notes.too-long (4,001 characters, on a check-out and on an absence)" \
  t_r_notes_too_long

t_r_unknown_category() {
  refused tally.unknown-category tally "$SR" no-such-category 2
}
tap "refused: tally.unknown-category" t_r_unknown_category

t_r_zero_delta() {
  refused tally.zero-delta tally "$SR" bags 0
}
tap "refused: tally.zero-delta (tally bags 0)" t_r_zero_delta

t_r_below_zero() {
  refused tally.below-zero tally "$SR" bags -1
  record tally "$SR" bags +2
  R_TALLY=$ID
  refused tally.below-zero tally "$SR" bags -3
}
tap "refused: tally.below-zero (-1 from 0; -3 from 2)" t_r_below_zero

t_r_void_unknown() {
  refused void.unknown-event void 00000000-0000-4000-8000-000000000000 --reason "typo"
}
tap "refused: void.unknown-event" t_r_void_unknown

t_r_void_needs_reason() {
  refused void.needs-reason void "$R_TALLY"
  refused void.needs-reason void "$R_TALLY" --reason "   "
}
tap "refused: void.needs-reason (no --reason; a blank one)" t_r_void_needs_reason

t_r_void_of_void() {
  record void "$R_TALLY" --reason "counted the wrong bags"
  R_VOID=$ID
  refused void.of-void void "$R_VOID" --reason "undo"
}
tap "refused: void.of-void (voiding a void)" t_r_void_of_void

t_r_already_voided() {
  refused void.already-voided void "$R_TALLY" --reason "again"
}
tap "refused: void.already-voided (voiding twice)" t_r_already_voided

t_notes_4000() {
  record check-out "$SR" demo-p-hart --outcome ATTC --arrived 09:00 --finished 12:00 \
    --notes "$(notes_of 4000)"
  m roster "$SR" --json
  expect_jq '.[] | select(.participant_id == "demo-p-hart") | .state == "done"'
}
tap "notes of exactly 4,000 characters are accepted" t_notes_4000

t_r_already_checked_out() {
  refused check-out.already-checked-out check-out "$SR" demo-p-hart --outcome ATTC
}
tap "refused: check-out.already-checked-out (check-out twice)" t_r_already_checked_out

t_r_void_later_records() {
  refused void.later-records void "$R_CHECK_IN" --reason "wrong person"
}
tap "refused: void.later-records (voiding a check-in that has a check-out)" t_r_void_later_records

t_r_session_ended() {
  record end "$SR"
  refused session.ended check-in "$SR" demo-p-hart
  refused session.ended tally "$SR" bags 1
}
tap "refused: session.ended (check-in and tally after the end)" t_r_session_ended

t_r_verify() {
  m verify
  expect_exit 0
  expect_out '^OK'
}
tap "the store of the refusals still verifies" t_r_verify

# ---------------------------------------------------------------------------------------------
# Voids

t_void_tally() {
  new_demo_store void
  record start "$SR" --at 09:00
  record tally "$SR" bulky +4
  local tally=$ID
  record tally "$SR" bulky +1
  m tallies "$SR" --json
  expect_jq '.[] | select(.id == "bulky") | .total == 5'
  record void "$tally" --reason "counted twice"
  m tallies "$SR" --json
  expect_jq '.[] | select(.id == "bulky") | .total == 1'
  m events --json
  expect_jq --arg t "$tally" --arg v "$ID" '.[] | select(.id == $t) | .voided_by == $v'
  expect_jq --arg t "$tally" '.[-1] | .kind == "event.voided" and .payload.target == $t'
}
tap "void a tally event: its delta comes off the total (5 -> 1)" t_void_tally

t_void_check_out() {
  record check-in "$SR" demo-p-hart --at 09:00
  record check-out "$SR" demo-p-hart --outcome ATTC --arrived 09:00 --finished 11:00
  local check_out=$ID
  m roster "$SR" --json
  expect_jq '.[] | select(.participant_id == "demo-p-hart")
     | .state == "done" and .minutes_credited == 120'
  record void "$check_out" --reason "left at 12:00, not 11:00"
  m roster "$SR" --json
  expect_jq '.[] | select(.participant_id == "demo-p-hart")
     | .state == "on_site" and .minutes_credited == 0 and .minutes_owed == 240'
}
tap "void a check-out: the person is back on site, nothing credited" t_void_check_out

t_void_sensitive() {
  local secret="SECRET-4242-disclosed-at-site" check_out
  record check-out "$SR" demo-p-hart --outcome ATTC --arrived 09:00 --finished 12:00 \
    --notes "$secret" --sensitive
  check_out=$ID
  m roster "$SR" --json
  expect_jq '.[] | select(.participant_id == "demo-p-hart") | .minutes_credited == 180'
  record void "$check_out" --reason "wrong person; see $secret"
  local void=$ID
  m events --json
  expect_exit 0
  grep -qF -- "SECRET-4242" <<<"$OUT" && fail_last "events --json shows the sensitive text"
  expect_jq --arg c "$check_out" '.[] | select(.id == $c)
     | .payload.notes == "[sensitive]" and .payload.sensitive == true'
  expect_jq --arg v "$void" --arg c "$check_out" '.[] | select(.id == $v)
     | .kind == "event.voided" and .payload.sensitive == true
       and .payload.reason != null and (.payload.reason | test("SECRET") | not)
       and .payload.target == $c'
  m events
  grep -qF -- "SECRET-4242" <<<"$OUT" && fail_last "events (plain) shows the sensitive text"
  m events --session "$SR" --json
  grep -qF -- "SECRET-4242" <<<"$OUT" && fail_last "events --session shows the sensitive text"
  m export --format json
  grep -qF -- "SECRET-4242" <<<"$OUT" && fail_last "export shows the sensitive text"
  m roster "$SR" --json
  expect_jq '.[] | select(.participant_id == "demo-p-hart") | .state == "on_site"'
  m verify
  expect_exit 0
}
tap "void of a sensitive check-out: events never show the note; the void is sensitive too" \
  t_void_sensitive

t_void_ids() {
  local line
  for line in "${RECORDED[@]}"; do
    [[ "${line#* }" =~ $UUID_RE ]] || fail "${line%% *} did not print only an event id: ${line#* }"
  done
  grep -q '^void ' <(printf '%s\n' "${RECORDED[@]}") || fail "no void was recorded"
}
tap "every recording command so far, void included, printed only the event id" t_void_ids

# ---------------------------------------------------------------------------------------------
# Usage errors: exit 2, nothing recorded

DB="$TMP/main.db"

t_u_unknown_command() {
  usage_error frobnicate
  expect_err 'unknown command'
  usage_error --no-such-option status
  run --db "$DB"
  expect_exit 2
}
tap "usage: an unknown command, an unknown option, no command at all (exit 2)" \
  t_u_unknown_command

t_u_missing_arguments() {
  usage_error check-in "$SR"
  usage_error roster
  usage_error start
  usage_error tally "$SR" bags
  usage_error void --reason "why"
  usage_error check-in "$SR" demo-p-hart extra-argument
}
tap "usage: missing (or extra) arguments (exit 2)" t_u_missing_arguments

t_u_tally_not_a_number() {
  usage_error tally "$SR" bags three
  usage_error tally "$SR" bags 2.5
}
tap "usage: tally with a delta that is not a whole number (exit 2)" t_u_tally_not_a_number

t_u_check_out_no_outcome() {
  usage_error check-out "$SR" demo-p-hart --arrived 09:00 --finished 12:00
  expect_err 'outcome'
}
tap "usage: check-out without --outcome (exit 2)" t_u_check_out_no_outcome

t_u_export_xml() {
  usage_error export --format xml
  usage_error export
  usage_error export --format csv --what everything
}
tap "usage: export --format xml, no --format, --what everything (exit 2)" t_u_export_xml

t_u_bad_time() {
  usage_error check-in "$HL" demo-p-0391 --at 25:99
  usage_error check-in "$HL" demo-p-0391 --at "half past nine"
  usage_error check-out "$HL" demo-p-clarke --outcome ATTC --penalty lots
}
tap "usage: a time that is not a time, a penalty that is not a number (exit 2)" t_u_bad_time

# ---------------------------------------------------------------------------------------------
# Store errors: exit 3 with a clear message

t_s_garbage() {
  local file="$TMP/garbage.db" sum
  head -c 4096 /dev/urandom >"$file"
  sum=$(cksum <"$file")
  store_error 'damaged|not a (Mend store|database)' --db "$file" status
  store_error 'damaged|not a (Mend store|database)' --db "$file" check-in "$SR" demo-p-hart
  [ "$(cksum <"$file")" = "$sum" ] || fail "the garbage file was modified"
}
tap "store error: a file of random bytes as the store (exit 3, damaged, left as it was)" \
  t_s_garbage

t_s_newer() {
  local file="$TMP/newer.db"
  copy_store "$TMP/main.db" "$file"
  sqlite3 -batch "$file" "PRAGMA user_version = 99" || fail "could not set user_version"
  store_error 'newer' --db "$file" status
  store_error 'newer' --db "$file" init
  [ "$(sqlite3 -batch "$file" 'PRAGMA user_version')" = 99 ] ||
    fail "the newer store's schema version was changed"
}
tap "store error: a store with user_version 99 (exit 3, says newer, left as it was)" t_s_newer

t_s_unwritable() {
  store_error 'could not|cannot|not a directory' --db /dev/null/x.db init
  grep -qF '/dev/null' <<<"$ERR" || fail_last "the message does not name the location"
  store_error 'could not|cannot' --db "$TMP" status
}
tap "store error: an unwritable location (/dev/null/x.db; a folder as the store) (exit 3)" \
  t_s_unwritable

# ---------------------------------------------------------------------------------------------
# Tampering: verify names the first bad event

# Copies main.db (10 events) to a scratch store and runs the SQL on it behind mendctl's back.
tamper() {
  DB="$TMP/tampered.db"
  copy_store "$TMP/main.db" "$DB"
  local out
  out=$(sql "$1") || fail "sqlite3 failed: $out"
}

expect_verify_names_seq() {
  m verify
  [ "$RC" != 0 ] || fail_last "verify passed a tampered store"
  [ "$RC" = 3 ] || fail_last "expected exit 3 (store error), got $RC"
  grep -qE -- "seq $1([^0-9]|$)" <<<"$ERR" || fail_last "stderr does not name seq $1"
}

t_tamper_payload() {
  tamper "UPDATE events SET payload = '{\"category\":\"bags\",\"delta\":30}' WHERE seq = 4"
  expect_verify_names_seq 4
  DB="$TMP/main.db"
  m verify
  expect_exit 0
}
tap "tampering: an event's payload changed (seq 4) -> verify fails naming seq 4" t_tamper_payload

t_tamper_delete_middle() {
  tamper "DELETE FROM events WHERE seq = 5"
  m verify
  [ "$RC" != 0 ] || fail_last "verify passed a tampered store"
  # The hole is at 5: the message may name the missing seq or the first event after it.
  grep -qE -- "first bad event is seq (5|6)([^0-9]|$)|seq 5([^0-9]|$)" <<<"$ERR" ||
    fail_last "stderr does not name seq 5 (or 6, the event after the hole)"
}
tap "tampering: a middle event deleted (seq 5) -> verify fails naming the gap" \
  t_tamper_delete_middle

t_tamper_delete_last() {
  tamper "DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)"
  expect_verify_names_seq 10
}
tap "tampering: the last event deleted (seq 10) -> verify fails naming seq 10" \
  t_tamper_delete_last

t_tamper_swap() {
  tamper "UPDATE events SET seq = -1 WHERE seq = 2;
          UPDATE events SET seq = 2 WHERE seq = 3;
          UPDATE events SET seq = 3 WHERE seq = -1;"
  expect_verify_names_seq 2
}
tap "tampering: two events' seq swapped (2 <-> 3) -> verify fails naming seq 2" t_tamper_swap

# ---------------------------------------------------------------------------------------------
# Disk full, on a small tmpfs (root only)

MNT="$TMP/small-disk"

fill_disk() { # leave about $1 KiB free
  rm -f "$MNT/fill"
  if [ "$1" = 0 ]; then
    dd if=/dev/zero of="$MNT/fill" bs=4096 >/dev/null 2>&1
  else
    local avail
    avail=$(df -Pk "$MNT" | awk 'NR == 2 { print $4 }')
    dd if=/dev/zero of="$MNT/fill" bs=1024 count=$((avail - $1)) >/dev/null 2>&1
  fi
}

# Check-in on a full disk: exit 3 saying the disk is full; after freeing space nothing was
# recorded, the store verifies and takes the check-in.
disk_full_check_in() {
  local before after
  before=$(log_state)
  fill_disk "$1"
  m check-in "$SR" demo-p-hart --at 09:05
  expect_exit 3
  expect_err 'disk is full'
  expect_no_out
  rm -f "$MNT/fill"
  after=$(log_state)
  [ "$after" = "$before" ] || fail "something was recorded: $before -> $after"
  m verify
  expect_exit 0
  m roster "$SR" --json
  expect_jq '.[] | select(.participant_id == "demo-p-hart") | .state == "expected"'
}

t_disk_full() {
  DB="$MNT/mend.db"
  m init
  expect_exit 0
  m demo
  expect_exit 0
  record start "$SR" --at 09:00
  disk_full_check_in 0
}

t_disk_full_wal_room() {
  DB="$MNT/mend.db"
  disk_full_check_in 64
  record check-in "$SR" demo-p-hart --at 09:05
  m verify
  expect_exit 0
}

DISK_FULL_DESC="disk full (no byte left): check-in exits 3 saying the disk is full, nothing recorded"
DISK_FULL_DESC2="disk full (room for the WAL index only): check-in exits 3 saying the disk is full, nothing recorded; works after freeing space"
mkdir -p "$MNT"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=512k tmpfs "$MNT" 2>/dev/null; then
  MOUNTED=$MNT
  tap "$DISK_FULL_DESC" t_disk_full
  tap "$DISK_FULL_DESC2" t_disk_full_wal_room
  umount "$MNT" 2>/dev/null && MOUNTED=""
else
  skip "$DISK_FULL_DESC" "not root / no tmpfs"
  skip "$DISK_FULL_DESC2" "not root / no tmpfs"
fi

# ---------------------------------------------------------------------------------------------

t_default_store_untouched() {
  [ ! -e "$XDG_DATA_HOME/mend" ] || fail "something was written to the default store's folder"
}
tap "the default store (\$XDG_DATA_HOME/mend) was never touched" t_default_store_untouched

FINISHED=1
