#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The systemd user units in packaging/systemd, checked by systemd-analyze (package systemd; the
# tool runs without a running systemd). Any warning fails: systemd only warns about an unknown
# key, which would silently lose a setting. Prints TAP.
#   test-systemd-units.sh SOURCE_DIR MENDCTL
set -u
src=$1
mendctl=$2
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }

echo "1..4"
if ! command -v systemd-analyze > /dev/null; then
  for i in 1 2 3 4; do echo "ok $i # SKIP systemd-analyze is not installed"; done
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -m 700 "$work/runtime"
sed "s|@BINDIR@|$(dirname "$mendctl")|" "$src/mend-sync.service.in" > "$work/mend-sync.service"
cp "$src/mend-sync.timer" "$work/"

verify() {
  (cd "$work" && XDG_RUNTIME_DIR="$work/runtime" systemd-analyze verify --user "$@" 2>&1)
}

out=$(verify mend-sync.service mend-sync.timer)
rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then
  ok "systemd-analyze verify --user: both units, no warning"
else
  echo "$out" | sed 's/^/# /'
  not_ok "systemd-analyze verify --user: both units, no warning (exit $rc)"
fi

# The check itself must catch a misspelt key: a copy with one is refused.
sed 's/^Nice=/Nicee=/' "$work/mend-sync.service" > "$work/broken.service"
out=$(verify broken.service)
if echo "$out" | grep -q "Unknown key"; then
  ok "a misspelt key is reported"
else
  not_ok "a misspelt key is reported"
fi

# Exit 5 (try later) is success for the service; 6 and 7 are not.
success=$(sed -n 's/^SuccessExitStatus=//p' "$work/mend-sync.service")
if [ "$success" = "5" ]; then
  ok "SuccessExitStatus is exactly 5"
else
  not_ok "SuccessExitStatus is exactly 5 (it is '$success')"
fi

# The condition names the token mendctl enrol writes beside the default store.
if grep -qx 'ConditionPathExists=%h/.local/share/mend/mend.db.token' "$work/mend-sync.service" \
  && grep -qx 'Unit=mend-sync.service' "$work/mend-sync.timer"; then
  ok "the service waits for the token; the timer starts the service"
else
  not_ok "the service waits for the token; the timer starts the service"
fi
exit $failed
