#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# End-to-end test of mendctl with a real gpsd, played NMEA by gpsfake. Speaks TAP.
#
#   MENDCTL=build/app/mendctl bash tests/test-mendctl-gps.sh
#
# Each scenario writes its own NMEA log, starts `gpsfake -q -c 0.1 -P PORT LOG` on a port the
# kernel picked, and stops it (TERM, then KILL) afterwards. Never `gpsfake -1`: it can hang.
set -u

: "${MENDCTL:?set MENDCTL to the mendctl binary}"
PY=/usr/bin/python3

for tool in gpsfake jq "$PY"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed"
    exit 0
  fi
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mendctl-gps.XXXXXX") || exit 99
export XDG_DATA_HOME="$TMP/xdg-data"
DB="$TMP/mend.db"
N=0
FAKE_PID=""

# mendctl's standard error and gpsfake's messages are kept for the search for personal data.
. "$(dirname "$0")/logs/keep.sh"

stop_gpsfake() {
  if [ -n "$FAKE_PID" ]; then
    # gpsfake runs gpsd as its child: end the whole process group.
    kill -TERM -- "-$FAKE_PID" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 -- "-$FAKE_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL -- "-$FAKE_PID" 2>/dev/null
    wait "$FAKE_PID" 2>/dev/null
    FAKE_PID=""
    keep_log gpsfake "$TMP/gpsfake.log"
    # gpsd leaves a shared-memory segment keyed by its port; nobody is attached any more.
    ipcrm -M "$(printf '0x4770%04x' "$PORT")" 2>/dev/null
  fi
}
trap 'stop_gpsfake; rm -rf "$TMP"' EXIT

ok() {
  N=$((N + 1))
  if [ "$1" = 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; fi
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# write_log FILE LAT LON FIX(1|0): 120 one-second reports at a fixed point, starting now (UTC).
# Each sentence carries its checksum: the XOR of the bytes between $ and *.
write_log() {
  "$PY" - "$@" <<'PYTHON'
import sys, time

path, lat, lon, fix = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1"

def sentence(body):
    checksum = 0
    for byte in body.encode():
        checksum ^= byte
    return "$%s*%02X\r\n" % (body, checksum)

def degrees(value, width, positive, negative):
    a = abs(value)
    d = int(a)
    return "%0*d%07.4f,%s" % (width, d, (a - d) * 60, positive if value >= 0 else negative)

la, lo = degrees(lat, 2, "N", "S"), degrees(lon, 3, "E", "W")
now = int(time.time())
with open(path, "w") as out:
    for t in range(120):
        stamp = time.gmtime(now + t)
        hms, dmy = time.strftime("%H%M%S", stamp), time.strftime("%d%m%y", stamp)
        if fix:
            out.write(sentence("GPGGA,%s.00,%s,%s,1,09,0.9,71.5,M,47.0,M,," % (hms, la, lo)))
            out.write(sentence("GPGSA,A,3,02,05,07,09,13,15,18,20,30,,,,1.6,0.9,1.3"))
            out.write(sentence("GPGSV,3,1,09,02,45,120,40,05,30,060,38,07,60,200,42,09,20,300,35"))
            out.write(sentence("GPGSV,3,2,09,13,50,100,41,15,10,010,30,18,70,250,44,20,25,180,36"))
            out.write(sentence("GPGSV,3,3,09,30,35,330,39"))
            out.write(sentence("GPRMC,%s.00,A,%s,%s,0.0,0.0,%s,,,A" % (hms, la, lo, dmy)))
        else:
            out.write(sentence("GPGGA,%s.00,,,,,0,00,99.9,,M,,M,," % hms))
            out.write(sentence("GPRMC,%s.00,V,,,,,,,%s,,,N" % (hms, dmy)))
PYTHON
}

# start_gpsfake LOG: plays LOG on a new port, sets PORT.
start_gpsfake() {
  PORT=$(free_port)
  # TMPDIR: gpsfake leaves gpsd's control socket there.
  TMPDIR="$TMP" setsid timeout -k 2 120 gpsfake -q -c 0.1 -P "$PORT" "$1" >"$TMP/gpsfake.log" 2>&1 &
  FAKE_PID=$!
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

m() {
  "$MENDCTL" --db "$DB" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  keep_log mendctl "$TMP/err"
  OUT=$(<"$TMP/out")
  ERR=$(<"$TMP/err")
}

last_event() {
  "$MENDCTL" --db "$DB" events --json | jq '.[-1]'
}

"$MENDCTL" --db "$DB" demo >/dev/null || { echo "1..0 # SKIP could not load the demo"; exit 0; }
SR=$("$MENDCTL" --db "$DB" sessions --json | jq -r '.[] | select(.site | startswith("Spring Rise")) | .id')
HL=$("$MENDCTL" --db "$DB" sessions --json | jq -r '.[] | select(.site | startswith("Headlands")) | .id')
CLOSED=$(free_port)

echo "1..13"

# --- gpsd not there -------------------------------------------------------------------------
m gps --gpsd "127.0.0.1:$CLOSED"
[ "$RC" = 4 ] && grep -q "not reachable at 127.0.0.1:$CLOSED" <<<"$ERR"
ok $? "gps with no gpsd: exit 4 and a message naming the address"

m gps --gpsd "no-port-here:"
[ "$RC" = 2 ]
ok $? "gps with a malformed address: usage error"

m --gpsd "127.0.0.1:$CLOSED" start "$HL"
[ "$RC" = 0 ] && last_event | jq -e --arg p "$CLOSED" \
  '.fix.state == "no_gpsd" and (.fix.note | contains($p)) and .fix.lat == null
   and .payload.geofence.verdict == "unknown"' >/dev/null
ok $? "without gpsd a session still starts; the record says gpsd was not reachable, and why"

m start "$SR" --no-gps
[ "$RC" = 0 ] && last_event | jq -e '.fix.state == "off"' >/dev/null
ok $? "--no-gps records that GPS was not asked"

# --- a fix inside Spring Rise Park ----------------------------------------------------------
write_log "$TMP/inside.nmea" 52.4064 -0.7061 1
start_gpsfake "$TMP/inside.nmea"
ok $? "gpsfake listens"

m gps --gpsd "127.0.0.1:$PORT" --wait-fix 15 --json
[ "$RC" = 0 ] && jq -e '.state == "fix" and .mode == 3 and (.lat - 52.4064 | fabs) < 1e-5
  and (.lon + 0.7061 | fabs) < 1e-5 and .satellites == 9 and .eph != null and .alt != null' \
  <<<"$OUT" >/dev/null
ok $? "gps: a 3D fix inside the park, with satellites and error ($(jq -c '{lat,lon,eph,satellites}' <<<"$OUT" 2>/dev/null))"

m check-in "$SR" KTG/26/0417 --gpsd "127.0.0.1:$PORT" --wait-fix 15
[ "$RC" = 0 ] && last_event | jq -e '.fix.state == "fix" and (.fix.lat - 52.4064 | fabs) < 1e-6
  and .payload.geofence.verdict == "inside" and .payload.geofence.distance_m >= 0' >/dev/null
ok $? "a check-in inside the boundary records the fix and the verdict inside"
stop_gpsfake

# --- a fix 1.1 km south of the park ---------------------------------------------------------
write_log "$TMP/outside.nmea" 52.3964 -0.7061 1
start_gpsfake "$TMP/outside.nmea"
before=$("$MENDCTL" --db "$DB" events --json | jq length)
m check-in "$SR" KTG/26/0418 --gpsd "127.0.0.1:$PORT" --wait-fix 15
after=$("$MENDCTL" --db "$DB" events --json | jq length)
[ "$RC" = 1 ] && grep -q "geofence.outside-needs-reason" <<<"$ERR" && [ "$before" = "$after" ]
ok $? "outside the boundary without a reason: refused, nothing recorded"

m check-in "$SR" KTG/26/0418 --gpsd "127.0.0.1:$PORT" --wait-fix 15 --reason "Met at the bus stop"
[ "$RC" = 0 ] && last_event | jq -e '.payload.geofence.verdict == "outside"
  and .payload.geofence.distance_m > 900 and .payload.geofence.reason == "Met at the bus stop"
  and .fix.state == "fix"' >/dev/null
ok $? "outside with a reason: recorded with the verdict, the distance and the reason"

m tally "$SR" bags 2 --gpsd "127.0.0.1:$PORT" --wait-fix 15
[ "$RC" = 0 ] && last_event | jq -e '.fix.state == "fix" and .payload.geofence == null' >/dev/null
ok $? "a tally carries its fix and needs no reason"
stop_gpsfake

# --- a receiver without a fix ---------------------------------------------------------------
write_log "$TMP/nofix.nmea" 0 0 0
start_gpsfake "$TMP/nofix.nmea"
m gps --gpsd "127.0.0.1:$PORT" --wait-fix 3
[ "$RC" = 3 ] && grep -qi "no fix" <<<"$OUT"
ok $? "gps with a receiver that has no fix: exit 3, says so"

m end "$HL" --gpsd "127.0.0.1:$PORT"
[ "$RC" = 0 ] && last_event | jq -e '.fix.state == "no_fix" and .fix.note != null' >/dev/null
ok $? "a record made without a fix says the receiver had none"
stop_gpsfake

"$MENDCTL" --db "$DB" verify >/dev/null
ok $? "the hash chain verifies with every kind of fix recorded"
