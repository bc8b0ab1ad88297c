#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# mendctl on a device whose storage fails: a disk that fills up at many points of a check-in and
# of a photo import, and a store made read-only (the disk remounted read-only, the store file made
# immutable). Each is refused with exit 3 and plain words on stderr, keeps every record and photo
# made before (the hash chain verifies, the photos hash to their names), and succeeds once the
# fault is gone. A read-only store can still be read and exported. The faults are real: a small
# tmpfs and chattr, so this needs root and skips otherwise. TAP.
#
#   MENDCTL=build/app/mendctl bash tests/test-mendctl-device-faults.sh
set -u

: "${MENDCTL:?set MENDCTL to the mendctl binary}"

for tool in jq sha256sum gst-launch-1.0 chattr; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed"
    exit 0
  fi
done
if [ "$(id -u)" != 0 ]; then
  echo "1..0 # SKIP a full or read-only disk is made with a small tmpfs, which needs root"
  exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mendctl-faults.XXXXXX") || exit 99
MNT="$TMP/disk"
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=3m tmpfs "$MNT" 2>/dev/null; then
  rm -rf "$TMP"
  echo "1..0 # SKIP could not mount a small tmpfs"
  exit 0
fi
cleanup() {
  chattr -i "$MNT/mend.db" 2>/dev/null
  umount "$MNT" 2>/dev/null || umount -l "$MNT"
  rm -rf "$TMP"
}
trap cleanup EXIT
. "$(dirname "$0")/reliability/row.sh"
export XDG_DATA_HOME="$TMP/xdg-data"
export GST_REGISTRY="$TMP/gst-registry.bin"
DB="$MNT/mend.db"
PHOTOS="$MNT/photos"
N=0

ok() {
  N=$((N + 1))
  if [ "$1" = 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; fi
}

m() {
  "$MENDCTL" --db "$DB" --no-gps "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  OUT=$(<"$TMP/out")
  ERR=$(<"$TMP/err")
}

# What must not change under a fault: the verified chain's length and the roster, the photo
# rows, and every photo file hashing to its name.
state() {
  "$MENDCTL" --db "$DB" verify 2>&1 | sed -n 's/.*hash chain of \([0-9]*\) events.*/chain \1/p'
  "$MENDCTL" --db "$DB" roster "$SR" --json 2>/dev/null | jq -c 'map({participant_id, state})'
  "$MENDCTL" --db "$DB" photos --json 2>/dev/null | jq -c 'map(.sha256) | sort'
  find "$PHOTOS" -type f -name '*.jpg' 2>/dev/null | sort | while read -r f; do
    [ "$(basename "$f" .jpg)" = "$(sha256sum "$f" | cut -d' ' -f1)" ] && echo "intact $f" ||
      echo "DAMAGED $f"
  done
}

leftovers() { find "$PHOTOS" -name '.tmp-*' -o -name '.adopting-*' 2>/dev/null | wc -l; }

fill_leaving() { # KiB
  local avail
  rm -f "$MNT/fill"
  avail=$(df -Pk "$MNT" | awk 'NR == 2 { print $4 }')
  if [ "$avail" -gt "$1" ]; then
    dd if=/dev/zero of="$MNT/fill" bs=1024 count=$((avail - $1)) >/dev/null 2>&1
  fi
}

"$MENDCTL" --db "$DB" demo >/dev/null 2>&1 || { echo "1..0 # SKIP could not load the demo"; exit 0; }
SR=$("$MENDCTL" --db "$DB" sessions --json | jq -r '.[] | select(.site | startswith("Spring")) | .id')
mapfile -t PEOPLE < <("$MENDCTL" --db "$DB" roster "$SR" --json | jq -r '.[].participant_id')
"$MENDCTL" --db "$DB" --no-gps start "$SR" --at 09:00 >/dev/null

echo "1..6"

# ---------------------------------------------------------------------------------------------
# A check-in, the disk filled to leave each of these KiB: refused saying the disk is full with
# nothing changed, or recorded; with room, the refused one is recorded. mendctl opens the store
# each time, so the first writes are the WAL and its index (-shm, 32 KiB); the fill points inside
# a commit are tried by test-store-device-faults.
ROOMS=(0 4 8 16 32 48 64 80 96 112 128 192 256)
t_check_in_full() {
  local tries=0 refused=0 i=0 before after
  for room in "${ROOMS[@]}"; do
    local person=${PEOPLE[$((i % ${#PEOPLE[@]}))]}
    i=$((i + 1))
    # The session has two people: void the one's check-in so that it can be made again.
    "$MENDCTL" --db "$DB" --no-gps void "$("$MENDCTL" --db "$DB" events --json |
      jq -r --arg p "$person" '[.[] | select(.kind == "attendance.checked_in" and
        .participant == $p and .voided_by == null)] | last | .id // empty')" \
      --reason "test: check in again" >/dev/null 2>&1
    before=$(state)
    fill_leaving "$room"
    m check-in "$SR" "$person" --at 09:05
    tries=$((tries + 1))
    if [ "$RC" != 0 ]; then
      refused=$((refused + 1))
      [ "$RC" = 3 ] || { echo "# room $room KiB: exit $RC: $ERR"; return 1; }
      grep -q "disk is full" <<<"$ERR" || { echo "# room $room KiB: $ERR"; return 1; }
      [ -z "$OUT" ] || return 1
      rm -f "$MNT/fill"
      after=$(state)
      [ "$after" = "$before" ] || { echo "# room $room KiB: state changed"; return 1; }
      m check-in "$SR" "$person" --at 09:05
      [ "$RC" = 0 ] || { echo "# with room: exit $RC: $ERR"; return 1; }
    fi
    rm -f "$MNT/fill"
    "$MENDCTL" --db "$DB" roster "$SR" --json |
      jq -e --arg p "$person" '.[] | select(.participant_id == $p) | .state == "on_site"' \
        >/dev/null || { echo "# $person is not on site"; return 1; }
  done
  echo "# $refused of $tries check-ins refused on a full disk"
  [ "$refused" -gt 0 ] || return 1
  "$MENDCTL" --db "$DB" verify >/dev/null || return 1
  reliability_row "full disk during a check-in (mendctl)" "$tries" "nothing lost"
}
t_check_in_full
ok $? "check-in on a disk filled to ${ROOMS[*]} KiB free: exit 3 'disk is full', nothing changed, recorded after room"

# ---------------------------------------------------------------------------------------------
# A photo import at each fill point: refused with a message and nothing left behind (no temp,
# no row, no file), every earlier photo intact; with room, the same file is taken.
PHOTO_ROOMS=(0 16 32 48 64 96 128 192)
t_photo_full() {
  local tries=0 refused=0 k=0 before after
  m photo add "$SR" "$TMP/p-first.jpg" --role before
  [ "$RC" = 0 ] || { echo "# first photo: $ERR"; return 1; }
  for room in "${PHOTO_ROOMS[@]}"; do
    k=$((k + 1))
    before=$(state)
    fill_leaving "$room"
    m photo add "$SR" "$TMP/p-$k.jpg" --role evidence
    tries=$((tries + 1))
    if [ "$RC" != 0 ]; then
      refused=$((refused + 1))
      echo "# room $room KiB: $ERR"
      [ "$RC" = 3 ] || { echo "# exit $RC"; return 1; }
      grep -qiE "full|space" <<<"$ERR" || return 1
      rm -f "$MNT/fill"
      [ "$(leftovers)" = 0 ] || { echo "# leftovers after a refused photo"; return 1; }
      after=$(state)
      [ "$after" = "$before" ] || { echo "# state changed: $before -> $after"; return 1; }
      m photo add "$SR" "$TMP/p-$k.jpg" --role evidence
      [ "$RC" = 0 ] || { echo "# with room: exit $RC: $ERR"; return 1; }
    fi
    rm -f "$MNT/fill"
  done
  echo "# $refused of $tries photo imports refused on a full disk"
  [ "$refused" -gt 0 ] || return 1
  after=$(state)
  grep -q DAMAGED <<<"$after" && return 1
  [ "$(grep -c '^intact' <<<"$after")" = $((tries + 1)) ] || return 1
  reliability_row "full disk during a photo (mendctl)" "$tries" "nothing lost"
}
for k in first $(seq 1 ${#PHOTO_ROOMS[@]}); do
  pattern=$(( $(cksum <<<"$k" | cut -d' ' -f1) % 20 ))
  gst-launch-1.0 -q videotestsrc num-buffers=1 pattern="$pattern" horizontal-speed="${#k}" \
    ! "video/x-raw,width=800,height=600" ! jpegenc quality=90 \
    ! filesink location="$TMP/p-$k.jpg" >/dev/null 2>&1
done
t_photo_full
ok $? "photo add on a disk filled to ${PHOTO_ROOMS[*]} KiB free: refused with a message, nothing left behind, earlier photos intact, taken after room"

# ---------------------------------------------------------------------------------------------
# A store that cannot be written. A supervisor still needs what is recorded (to finish the day
# and for the returns): it is read and exported as usual, with a note that it is read-only;
# every record is refused with exit 3 saying why and that nothing was changed.
read_only_checks() { # what made it read-only
  local before after person=${PEOPLE[0]}
  before=$(state)
  m roster "$SR"
  [ "$RC" = 0 ] && grep -q "read-only storage" <<<"$ERR" || { echo "# roster: $RC $ERR"; return 1; }
  m export --format csv
  [ "$RC" = 0 ] && [ -n "$OUT" ] || { echo "# export: $RC $ERR"; return 1; }
  m verify
  [ "$RC" = 0 ] || { echo "# verify: $RC $ERR"; return 1; }
  m tally "$SR" bags 1
  [ "$RC" = 3 ] || { echo "# tally: exit $RC"; return 1; }
  grep -q "read-only" <<<"$ERR" && grep -q "nothing was changed" <<<"$ERR" || return 1
  echo "# $1: ${ERR//$'\n'/ | }"
  after=$(state)
  [ "$after" = "$before" ] || return 1
}

t_read_only_disk() {
  mount -o remount,ro "$MNT" || return 1
  read_only_checks "disk remounted read-only"
  local rc=$?
  mount -o remount,rw "$MNT" || return 1
  [ "$rc" = 0 ] || return 1
  m tally "$SR" bags 1
  [ "$RC" = 0 ] || return 1
  reliability_row "a store on a disk remounted read-only (mendctl)" 1 "refused with a message"
}
t_read_only_disk
ok $? "disk remounted read-only: roster, export and verify work with a note; a tally exits 3 'read-only ... nothing was changed'; taken once writable"

t_immutable_store() {
  chattr +i "$DB" || return 1
  read_only_checks "store file made immutable"
  local rc=$?
  chattr -i "$DB" || return 1
  [ "$rc" = 0 ] || return 1
  m tally "$SR" bags 1
  [ "$RC" = 0 ] || return 1
  reliability_row "a store file made read-only (mendctl)" 1 "refused with a message"
}
t_immutable_store
ok $? "store file made immutable (chattr +i): read and exported, a tally exits 3 'read-only', taken once writable"

t_immutable_folder() {
  chattr +i "$MNT" || return 1
  read_only_checks "store's folder made immutable"
  local rc=$?
  chattr -i "$MNT" || return 1
  [ "$rc" = 0 ] || return 1
  m tally "$SR" bags 1
  [ "$RC" = 0 ] || return 1
  reliability_row "a store's folder made read-only (mendctl)" 1 "refused with a message"
}
t_immutable_folder
ok $? "store's folder made immutable: read and exported, a tally exits 3 'read-only', taken once writable"

t_final() {
  m verify
  [ "$RC" = 0 ] && [ "$(leftovers)" = 0 ]
}
t_final
ok $? "at the end: the whole chain verifies, no photo temp left"
