#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The full-size soak (README.md here): builds mend-soak and mend-hq in BUILD (default: build, set
# up when missing), runs 200 devices with 3 days of work each for 10 minutes of chaos and a 60 s
# steady phase, and prints the figures. Options after the build folder go to mend-soak and
# override these defaults:
#
#   tests/soak/run-soak.sh [BUILD] [--devices N] [--seconds S] [--seed X] [--steady S] …
#
# mend-hq logs every request; its log (and the soak's own messages) go to BUILD/soak.log.
set -euo pipefail

source_root=$(cd "$(dirname "$0")/../.." && pwd)
build=build
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
  build=$1
  shift
fi
cd "$source_root"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build"
fi
ninja -C "$build" tests/soak/mend-soak hq/mend-hq

log="$build/soak.log"
export MEND_HQ="$source_root/$build/hq/mend-hq"
export PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
export GSETTINGS_BACKEND=memory
echo "soak: see $log for mend-hq's log" >&2
started=$(date +%s)
set +e
"$build/tests/soak/mend-soak" --tap --devices 200 --seconds 600 --steady 60 --days 3 "$@" \
  2>"$log" | sed -n 's/^# //p; /^ok /p; /^not ok /p'
# The exit status of the soak, not of sed.
status=${PIPESTATUS[0]}
set -e
echo "soak: $(( $(date +%s) - started )) s in all, exit status $status"
if [ "$status" -ne 0 ]; then
  echo "soak: FAILED; the end of $log:"
  grep -v 'request_id=' "$log" | tail -20
fi
exit "$status"
