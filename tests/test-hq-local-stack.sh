#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# hq/run-local-stack.sh end to end, speaking TAP: it starts a cluster and mend-hq with the demo
# team, the code it prints enrols a device over HTTP, the manifest holds the demo's sessions,
# the real mendctl enrols, pulls the demo team's manifest, records and pushes a check-in that HQ
# stores, and the stop command it prints leaves nothing running and no folder behind. Needs curl
# and jq.
#
#   MEND_HQ=build/hq/mend-hq MENDCTL=build/app/mendctl \
#     bash tests/test-hq-local-stack.sh hq/run-local-stack.sh

set -u

: "${MEND_HQ:?set MEND_HQ to the mend-hq binary}"
: "${MENDCTL:?set MENDCTL to the mendctl binary}"
script=${1:?the path of run-local-stack.sh}

for tool in curl jq; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed"
    exit 0
  fi
done

echo "1..9"
n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); echo "not ok $n - $1"; }
check () { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

stop=
store=$(mktemp -d "${TMPDIR:-/tmp}/mend-stack-device.XXXXXX") || exit 99
# The stack's logs go with its folder: they are kept first, for the search for personal data
# (tests/logs/keep.sh), missing only the lines of the stop itself.
. "$(dirname "$0")/logs/keep.sh"
keep_stack_logs () {
  keep_log mend-hq "$1/serve.log"
  keep_log postgresql "$1/pg.log"
}
cleanup () {
  [ -n "$stop" ] && [ -x "$stop" ] && keep_stack_logs "$(dirname "$stop")"
  [ -n "$stop" ] && [ -x "$stop" ] && sh "$stop" >/dev/null 2>&1
  rm -rf "$store"
}
trap cleanup EXIT

out=$(MEND_HQ="$MEND_HQ" bash "$script" 2>&1)
status=$?
printf '%s\n' "$out" | sed 's/^/# /'
url=$(printf '%s\n' "$out" | sed -n 's/^ *URL: *//p')
code=$(printf '%s\n' "$out" | sed -n 's/^ *enrolment code: *\([A-Z0-9]*\).*/\1/p')
stop=$(printf '%s\n' "$out" | sed -n 's/^ *stop: *//p')
dir=$(dirname "$stop")
check "the script starts the stack and prints URL, code and stop" \
  '[ $status = 0 ] && [ -n "$url" ] && [ -n "$code" ] && [ -x "$stop" ]'

check "mend-hq answers on loopback" \
  '[ "$(curl -s "$url/healthz" | jq -r .database)" = ok ] && case "$url" in http://127.0.0.1:*) true ;; *) false ;; esac'

device=cb7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a
enrolment=$(curl -s -H 'Content-Type: application/json' \
  -d "{\"code\":\"$code\",\"device_id\":\"$device\"}" "$url/api/v1/devices/enrol")
token=$(printf '%s' "$enrolment" | jq -r .token)
check "the printed code enrols a device in the demo team" \
  '[ "$(printf "%s" "$enrolment" | jq -r .team.id)" = team-demo ] && [ "${token#mnd_}" != "$token" ]'

manifest=$(curl -s -H "Authorization: Bearer $token" "$url/api/v1/manifest")
today=$(date +%Y%m%d)
check "the manifest holds today's demo sessions and HQ's key" \
  '[ "$(printf "%s" "$manifest" | jq -r ".sessions[].id" | grep -c "demo-$today-")" = 2 ] &&
   [ "$(printf "%s" "$manifest" | jq -r .hq_public_key)" = "$(printf "%s" "$enrolment" | jq -r .hq_public_key)" ]'

# The real device side: mendctl with its own store, enrolled with a second code.
conninfo=$(printf '%s\n' "$out" | sed -n 's/^ *database: *//p')
mendctl () { "$MENDCTL" --db "$store/mend.db" --no-gps "$@"; }
second=$("$MEND_HQ" admin --database "$conninfo" enrol-code --team team-demo)
mendctl init >/dev/null
mendctl enrol --hq "$url" --code "$second" >/dev/null
pulled=$(mendctl sync --json)
check "mendctl enrols with a code and its sync applies HQ's manifest" \
  '[ "$(printf "%s" "$pulled" | jq -r .manifest_applied)" = true ] &&
   [ "$(mendctl sessions --json | jq -r ".[].id" | grep -c "demo-$today-")" = 2 ]'

session="demo-$today-spring-rise"
mendctl --supervisor sup-ana start "$session" >/dev/null
mendctl check-in "$session" demo-p-hart >/dev/null
pushed=$(mendctl sync --json)
check "a check-in recorded by mendctl is acknowledged by HQ" \
  '[ "$(printf "%s" "$pushed" | jq -r .acknowledged_now)" = 2 ] &&
   [ "$(printf "%s" "$pushed" | jq -r .events_parked)" = 0 ]'
roster=$(mendctl roster "demo-$today-headlands" --json)
check "today's people arrive with their names, the restricted one marked restricted" \
  '[ "$(printf "%s" "$roster" | jq -r "map(select(.participant_id == \"demo-p-clarke\"))[0].name")" = "Mia Clarke" ] &&
   [ "$(printf "%s" "$roster" | jq -r "map(select(.participant_id == \"demo-p-0391\"))[0].restricted")" = true ]'

pid=$(cat "$dir/serve.pid")
keep_stack_logs "$dir"
sh "$stop" >/dev/null 2>&1
check "stop ends the server" '! kill -0 "$pid" 2>/dev/null'
check "stop removes the folder" '[ ! -e "$dir" ]'
stop=
