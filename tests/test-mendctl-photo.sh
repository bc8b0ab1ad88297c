#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# End-to-end test of `mendctl photo` and `mendctl photos`: the real binary, real JPEGs made by
# GStreamer, a videotestsrc camera, exiftool and sha256sum to check what lands on disk. TAP.
#
#   MENDCTL=build/app/mendctl bash tests/test-mendctl-photo.sh
set -u

: "${MENDCTL:?set MENDCTL to the mendctl binary}"

for tool in gst-launch-1.0 exiftool jq sha256sum; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed"
    exit 0
  fi
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mendctl-photo.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' EXIT
# mendctl's standard error is kept for the search for personal data (tests/logs/keep.sh).
. "$(dirname "$0")/logs/keep.sh"
export XDG_DATA_HOME="$TMP/xdg-data"
export GST_REGISTRY="$TMP/gst-registry.bin"
DB="$TMP/store/mend.db"
PHOTOS="$TMP/store/photos"
N=0

ok() {
  N=$((N + 1))
  if [ "$1" = 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; fi
}

m() {
  "$MENDCTL" --db "$DB" --no-gps "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  keep_log mendctl "$TMP/err"
  OUT=$(<"$TMP/out")
  ERR=$(<"$TMP/err")
}

events() { "$MENDCTL" --db "$DB" events --json | jq length; }
files() { find "$PHOTOS" -type f 2>/dev/null | wc -l; }

# What a refused import must leave: no new event, no new file, no temp.
unchanged() {
  [ "$(events)" = "$1" ] && [ "$(files)" = "$2" ]
}

make_jpeg() {
  gst-launch-1.0 -q videotestsrc num-buffers=1 pattern="$4" \
    ! "video/x-raw,width=$2,height=$3" ! jpegenc quality=90 ! filesink location="$1" >/dev/null 2>&1
}

"$MENDCTL" --db "$DB" demo >/dev/null || { echo "1..0 # SKIP could not load the demo"; exit 0; }
SR=$("$MENDCTL" --db "$DB" sessions --json | jq -r '.[] | select(.site | startswith("Spring")) | .id')
make_jpeg "$TMP/site.jpg" 3000 2000 smpte
make_jpeg "$TMP/small.jpg" 640 480 ball
head -c 20000 "$TMP/site.jpg" >"$TMP/truncated.jpg"
: >"$TMP/empty.jpg"
head -c 50000 /dev/urandom >"$TMP/garbage.jpg"
echo "not a photo" >"$TMP/notes.txt"

echo "1..20"

m photo add "$SR" "$TMP/site.jpg" --role before --json
SHA=$(jq -r .sha256 <<<"$OUT" 2>/dev/null)
P=$(jq -r .path <<<"$OUT" 2>/dev/null)
[ "$RC" = 0 ] && jq -e '.width == 2048 and .height == 1365 and (.id | length) == 36 and .bytes > 0' \
  <<<"$OUT" >/dev/null
ok $? "photo add: a 3000×2000 JPEG is stored with a 2048 long edge ($(jq -c '{width,height,bytes}' <<<"$OUT" 2>/dev/null))"

[ -f "$P" ] && [ "$P" = "$PHOTOS/${SHA:0:2}/$SHA.jpg" ] && [ "$(sha256sum "$P" | cut -d' ' -f1)" = "$SHA" ]
ok $? "the file is photos/<first two hex>/<sha256>.jpg and hashes to its name"

exiftool -s3 -ImageDescription "$P" | grep -q "before" && exiftool -s3 -ImageDescription "$P" | grep -q "$SR" \
  && [ -n "$(exiftool -s3 -DateTimeOriginal "$P")" ]
ok $? "EXIF: the role and session in the description, DateTimeOriginal set"

[ -z "$(exiftool -s3 -GPSLatitude "$P")" ]
ok $? "EXIF: no GPS tags for a photo taken with --no-gps"

m photo add "$SR" "$TMP/site.jpg" --role before --json
[ "$RC" = 0 ] && [ "$(jq -r .sha256 <<<"$OUT")" = "$SHA" ] && [ "$(files)" = 1 ]
ok $? "the same image stored twice is one file"

m photo add "$SR" "$TMP/site.jpg" --role after --json
[ "$RC" = 0 ] && [ "$(jq -r .sha256 <<<"$OUT")" != "$SHA" ] && [ "$(files)" = 2 ]
ok $? "…but as another role it is another file (the role is in its EXIF)"

m photos --session "$SR" --json
[ "$RC" = 0 ] && jq -e 'length == 3 and (map(.role) | sort) == ["after", "before", "before"]' \
  <<<"$OUT" >/dev/null
ok $? "three events: photos lists them all, with their roles"

m photo add "$SR" "$TMP/small.jpg" --role evidence --participant KTG/26/0417 --json
[ "$RC" = 0 ] && jq -e '.width == 640 and .height == 480' <<<"$OUT" >/dev/null
ok $? "a small photo is never upscaled; a participant is given by case reference"

before_events=$(events)
before_files=$(files)
for bad in empty garbage truncated; do
  m photo add "$SR" "$TMP/$bad.jpg" --role before
  [ "$RC" = 1 ] && [ -n "$ERR" ] && unchanged "$before_events" "$before_files"
  ok $? "a $bad file is refused with a message; nothing recorded, no file left ($(head -c 120 <<<"$ERR"))"
done

m photo add "$SR" "$TMP/notes.txt" --role before
[ "$RC" = 1 ] && unchanged "$before_events" "$before_files"
ok $? "a text file is refused; nothing recorded"

m photo add "$SR" "$TMP/missing.jpg" --role before
[ "$RC" = 2 ] && unchanged "$before_events" "$before_files"
ok $? "a missing file is a usage error; nothing recorded"

m photo add "$SR" "$TMP/site.jpg" --role during
[ "$RC" = 2 ] && unchanged "$before_events" "$before_files"
ok $? "an unknown role is a usage error"

m photo add nowhere "$TMP/small.jpg" --role before
[ "$RC" = 1 ] && grep -q "session.unknown" <<<"$ERR" && unchanged "$before_events" "$before_files"
ok $? "an unknown session is refused by rule session.unknown"

make_jpeg "$TMP/other.jpg" 800 600 snow
m photo add "$SR" "$TMP/other.jpg" --role evidence --participant demo-p-clarke
[ "$RC" = 1 ] && grep -q "attendance.not-assigned" <<<"$ERR" && unchanged "$before_events" "$before_files"
ok $? "a person from another session is refused; the processed file is not kept"

m photo capture "$SR" --role after --source "videotestsrc is-live=true ! video/x-raw,width=1280,height=720" --json
[ "$RC" = 0 ] && jq -e '.width == 1280 and .height == 720' <<<"$OUT" >/dev/null \
  && [ -f "$(jq -r .path <<<"$OUT")" ]
ok $? "photo capture from a videotestsrc camera: a 1280×720 still stored and recorded"

before_events=$(events)
before_files=$(files)
m photo capture "$SR" --role after --source "v4l2src device=/dev/video99"
[ "$RC" = 4 ] && [ -n "$ERR" ] && unchanged "$before_events" "$before_files"
ok $? "a missing camera: exit 4 with the device's message, nothing recorded ($(head -c 100 <<<"$ERR"))"

m verify
[ "$RC" = 0 ]
ok $? "verify passes with photos"

printf 'x' >>"$P"
m verify
[ "$RC" != 0 ] && grep -q "$SHA" <<<"$ERR"
ok $? "verify names a photo file that no longer matches its hash"
