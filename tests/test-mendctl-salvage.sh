#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `mendctl export --salvage OUT` end to end on real damaged stores, speaking TAP: a store with
# records and a photo, then its header zeroed, a record edited with sqlite3, garbage over pages
# in the middle. mendctl refuses to use a damaged store with a message; the salvage writes every
# record it can read (checked against the records of the sound store, hash for hash), the photo,
# and a summary, and never changes the damaged file.
#
#   MENDCTL=build/app/mendctl bash tests/test-mendctl-salvage.sh

set -u

: "${MENDCTL:?set MENDCTL to the mendctl binary}"

for tool in jq sqlite3 sha256sum gst-launch-1.0; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed"
    exit 0
  fi
done

. "$(dirname "$0")/reliability/row.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mendctl-salvage.XXXXXX") || exit 99
export XDG_DATA_HOME="$TMP/xdg-data"
trap 'rm -rf "$TMP"' EXIT

N=0
FAILED_ANY=0
ok() {
  N=$((N + 1))
  if [ "$1" = 0 ]; then
    echo "ok $N - $2"
  else
    echo "not ok $N - $2"
    FAILED_ANY=1
  fi
}
check() {
  local what=$1
  shift
  if "$@"; then ok 0 "$what"; else ok 1 "$what"; fi
}

m() { "$MENDCTL" --no-gps "$@"; }

# A sound store: a session, 60 tallies, a photo.
SOUND="$TMP/sound/mend.db"
mkdir -p "$TMP/sound"
m --db "$SOUND" demo >/dev/null
SR=$(m --db "$SOUND" sessions --json | jq -r '.[] | select(.site | startswith("Spring")) | .id')
m --db "$SOUND" start "$SR" >/dev/null
for _ in $(seq 1 60); do m --db "$SOUND" tally "$SR" bags 1 >/dev/null; done
gst-launch-1.0 -q videotestsrc num-buffers=1 ! video/x-raw,width=640,height=480 ! jpegenc \
  ! filesink location="$TMP/site.jpg" >/dev/null 2>&1
m --db "$SOUND" photo add "$SR" "$TMP/site.jpg" --role before >/dev/null
TOTAL=$(m --db "$SOUND" events --json | jq length)
m --db "$SOUND" events --json | jq -r '.[] | "\(.seq) \(.hash)"' | sort -n >"$TMP/original"
PHOTO=$(find "$TMP/sound/photos" -name '*.jpg' | head -1)
check "the sound store holds $TOTAL records and one photo" test "$TOTAL" = 62 -a -f "$PHOTO"

# A damaged copy of the sound store (store file and photos) at $1.
damaged_copy() {
  mkdir -p "$1"
  cp "$SOUND" "$1/mend.db"
  cp -r "$TMP/sound/photos" "$1/photos"
}

# events.jsonl of an export as "seq hash" lines, only those whose hash still matches.
matching() { jq -r 'select(.salvage.hash_matches) | "\(.seq) \(.hash)"' "$1/events.jsonl" | sort -n; }

# Every matching line of an export is the original record of that seq.
faithful() {
  [ -z "$(matching "$1" | comm -23 - "$TMP/original")" ]
}

# --- zeroed header ----------------------------------------------------------------------------
Z="$TMP/zeroed"
damaged_copy "$Z"
dd if=/dev/zero of="$Z/mend.db" bs=100 count=1 conv=notrunc 2>/dev/null
BEFORE=$(sha256sum <"$Z/mend.db")
m --db "$Z/mend.db" status >/dev/null 2>"$TMP/err"
ok $(($? == 3 ? 0 : 1)) "status on a zeroed header fails with the store's exit code"
check "and says the store is damaged" grep -q "damaged" "$TMP/err"
m --db "$Z/mend.db" export --salvage "$Z/out" >"$TMP/out"
ok $(($? == 3 ? 0 : 1)) "the salvage exits 3: something needed repair (the header)"
check "every record is exported" test "$(jq -s length "$Z/out/events.jsonl")" = "$TOTAL"
check "every record matches the original, hash for hash" \
  test "$(matching "$Z/out" | wc -l)" = "$TOTAL" -a -z "$(matching "$Z/out" | comm -3 - "$TMP/original")"
check "summary.json says the chain is sound throughout" \
  test "$(jq .chain_sound_through "$Z/out/summary.json")" = "$TOTAL"
check "the photo is exported under its name" \
  cmp -s "$PHOTO" "$Z/out/photos/$(basename "$(dirname "$PHOTO")")/$(basename "$PHOTO")"
check "the reference rows are exported" test -s "$Z/out/tables/participants.jsonl"
check "SUMMARY.txt names the repaired header" grep -q "header" "$Z/out/SUMMARY.txt"
check "the damaged file is unchanged" test "$(sha256sum <"$Z/mend.db")" = "$BEFORE"
m --db "$Z/mend.db" export --salvage "$Z/out" >/dev/null 2>"$TMP/err"
ok $(($? == 2 ? 0 : 1)) "an export into a folder that is not empty is refused (exit 2)"
check "saying why" grep -q "not empty" "$TMP/err"

# --- a record edited with sqlite3 -------------------------------------------------------------
E="$TMP/edited"
damaged_copy "$E"
sqlite3 "$E/mend.db" "UPDATE events SET payload = replace(payload, '\"delta\":1', '\"delta\":9') WHERE seq = 30"
m --db "$E/mend.db" verify >/dev/null 2>"$TMP/err"
ok $(($? == 3 ? 0 : 1)) "verify finds the edited record"
m --db "$E/mend.db" export --salvage "$E/out" >/dev/null
check "the salvage exports every record" test "$(jq -s length "$E/out/events.jsonl")" = "$TOTAL"
check "and marks exactly the edited one" \
  test "$(jq -c 'select(.salvage.hash_matches | not) | .seq' "$E/out/events.jsonl")" = 30
check "the chain is sound up to it" test "$(jq .chain_sound_through "$E/out/summary.json")" = 29
check "the other records are the originals" faithful "$E/out"

# --- garbage over pages in the middle ---------------------------------------------------------
G="$TMP/garbage"
damaged_copy "$G"
# Two of the pages that hold records, found with SQLite's own page statistics.
mapfile -t LEAVES < <(sqlite3 "$G/mend.db" "SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno")
check "the records span several pages (${#LEAVES[@]})" test "${#LEAVES[@]}" -ge 4
for page in "${LEAVES[1]}" "${LEAVES[2]}"; do
  head -c 4096 /dev/urandom | dd of="$G/mend.db" bs=4096 seek=$((page - 1)) conv=notrunc 2>/dev/null
done
BEFORE=$(sha256sum <"$G/mend.db")
m --db "$G/mend.db" export --salvage "$G/out" >"$TMP/out"
RC=$?
READ=$(jq .events_read "$G/out/summary.json")
UNREADABLE=$(jq .events_unreadable "$G/out/summary.json")
ok $((RC == 3 ? 0 : 1)) "the salvage of a store with garbage pages exits 3: records were lost"
check "read ($READ) and unreadable ($UNREADABLE) records add up to all $TOTAL" \
  test $((READ + UNREADABLE)) = "$TOTAL"
check "records before and after the damaged pages are exported" \
  test "$READ" -gt 0 -a "$UNREADABLE" -gt 0 -a "$(jq -s 'map(.seq) | max' "$G/out/events.jsonl")" = "$TOTAL"
check "every exported record that matches its hash is the original" faithful "$G/out"
check "the damaged file is unchanged" test "$(sha256sum <"$G/mend.db")" = "$BEFORE"
check "mendctl prints what was exported" grep -q "Exported $READ of $TOTAL records" "$TMP/out"

# --- a sound store ----------------------------------------------------------------------------
m --db "$SOUND" export --salvage "$TMP/sound-out" >/dev/null
ok $? "a sound store exports with exit 0"
check "everything is in it" test "$(matching "$TMP/sound-out" | wc -l)" = "$TOTAL"

if [ "$FAILED_ANY" = 0 ]; then
  reliability_row "a corrupted store file (every record still readable exported)" 3 "nothing lost" \
    "MENDCTL=build/app/mendctl bash tests/test-mendctl-salvage.sh"
fi
echo "1..$N"
