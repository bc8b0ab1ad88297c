#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Checks what packaging/ installs, in the build tree, with nothing running: the HQ service unit
# against this build's mend-hq (systemd-analyze runs without a running systemd), its hardening,
# the icons, the manual pages, and that every screenshot the metainfo names is in docs/.
# Prints TAP.
#   check-files.sh SOURCE_ROOT BUILT_SERVICE_UNIT MEND_HQ VERSION
set -u
src=$1
unit=$2
mend_hq=$3
version=$4
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
check() { # check DESCRIPTION COMMAND…: ok when the command succeeds; its output as comments
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$what"; else echo "$out" | sed 's/^/# /'; not_ok "$what"; fi
}

echo "1..9"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The unit as installed names the installed binary; here it names this build's, at the same
# place in the line, so systemd-analyze can check that it is there and executable.
installed_bin=$(sed -n 's|^ExecStart=\([^ ]*\)/mend-hq .*|\1|p' "$unit")
sed "s|^ExecStart=$installed_bin/mend-hq |ExecStart=$mend_hq |" "$unit" > "$work/mend-hq.service"

if command -v systemd-analyze > /dev/null; then
  verify() { (cd "$work" && systemd-analyze verify --man=no "$@" 2>&1); }
  out=$(verify mend-hq.service)
  rc=$?
  # Any output is a warning (an unknown key, say), and a warning loses a setting silently.
  if [ $rc -eq 0 ] && [ -z "$out" ]; then
    ok "systemd-analyze verify mend-hq.service: no warning"
  else
    echo "$out" | sed 's/^/# /'
    not_ok "systemd-analyze verify mend-hq.service: no warning (exit $rc)"
  fi

  # The same check refuses a unit whose binary is missing: it looks at the file system.
  sed "s|^ExecStart=[^ ]*|ExecStart=$work/no-such-mend-hq|" "$work/mend-hq.service" \
    > "$work/missing.service"
  if ! verify missing.service > /dev/null; then
    ok "a unit naming a missing binary is refused"
  else
    not_ok "a unit naming a missing binary is refused"
  fi

  # Hardening, as systemd scores it (0 is a sealed box, 10 is none). 1.2 when written; the
  # check fails if an option is dropped and the score passes 2.
  out=$(cd "$work" && systemd-analyze security --offline=true --threshold=20 --no-pager \
    mend-hq.service 2>&1)
  score=$(echo "$out" | sed -n 's/.*Overall exposure level for mend-hq.service: \([0-9.]*\).*/\1/p')
  if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
    ok "mend-hq.service exposure $score <= 2.0"
  else
    echo "$out" | grep '✗' | sed 's/^/# /'
    not_ok "mend-hq.service exposure '$score' <= 2.0"
  fi
else
  skip "systemd-analyze is not installed"
  skip "systemd-analyze is not installed"
  skip "systemd-analyze is not installed"
fi

# What the service relies on, by name: its user, its one writable folder, its config.
if grep -qx 'User=mend-hq' "$unit" && grep -qx 'StateDirectory=mend-hq' "$unit" \
  && grep -qx 'ProtectSystem=strict' "$unit" && grep -qx 'CapabilityBoundingSet=' "$unit" \
  && grep -q '^ExecStart=.*/mend-hq serve --config .*/mend/hq.conf$' "$unit" \
  && ! grep -q '^ReadWritePaths=' "$unit"; then
  ok "runs as mend-hq, writes only its state folder, reads mend/hq.conf"
else
  not_ok "runs as mend-hq, writes only its state folder, reads mend/hq.conf"
fi

# The example configuration is what the service reads: mend-hq must accept every key in it.
# Its database cannot be reached here, so serve stops at connecting (1), not at the file (2).
out=$("$mend_hq" serve --config "$src/packaging/hq.conf.example" \
  --database "host=$work dbname=none connect_timeout=1" --listen 127.0.0.1:0 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "cannot connect"; then
  ok "mend-hq serve accepts hq.conf.example"
else
  echo "$out" | sed 's/^/# /'
  not_ok "mend-hq serve accepts hq.conf.example (exit $rc)"
fi

# Icons: the app id's names, well-formed SVG of the sizes the hicolor theme expects.
check "icons are well-formed SVG: 128 px scalable, 16 px symbolic" /usr/bin/python3 - "$src" <<'PY'
import sys
import xml.etree.ElementTree as ET
src = sys.argv[1] + '/packaging/icons/hicolor/'
for path, size in (('scalable/apps/org.mendapp.Mend.svg', '128'),
                   ('symbolic/apps/org.mendapp.Mend-symbolic.svg', '16')):
    root = ET.parse(src + path).getroot()
    assert root.tag == '{http://www.w3.org/2000/svg}svg', path
    assert root.get('viewBox') == f'0 0 {size} {size}', (path, root.get('viewBox'))
# A symbolic icon is one colour, which the theme replaces.
text = open(src + 'symbolic/apps/org.mendapp.Mend-symbolic.svg').read()
import re
colours = set(re.findall(r'#[0-9a-fA-F]{6}\b', text))
assert colours == {'#2e3436'}, colours
PY

# Manual pages: groff finds nothing to warn about.
if command -v man > /dev/null; then
  bad=""
  for page in "$src"/packaging/man/*.1; do
    out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l -Tutf8 "$page" 2>&1 > /dev/null)
    [ -n "$out" ] && bad="$bad $page" && echo "$out" | sed 's/^/# /'
  done
  if [ -z "$bad" ]; then ok "manual pages format without warnings"; else not_ok "manual pages:$bad"; fi
else
  skip "man is not installed"
fi

# Every screenshot the metainfo names is one docs/render-screenshots.sh makes.
missing=""
for url in $(sed -n 's|.*<image[^>]*>\(.*\)</image>.*|\1|p' \
  "$src/packaging/org.mendapp.Mend.metainfo.xml"); do
  file=docs/screenshots/$(basename "$url")
  [ -f "$src/$file" ] || missing="$missing $file"
done
if [ -z "$missing" ]; then ok "the metainfo's screenshots are in docs/screenshots"; else
  not_ok "screenshots named by the metainfo are missing:$missing"
fi

# One version everywhere a release names it: meson, the Debian changelog, the metainfo's newest
# release, the manual pages and mend-hq --version.
versions=$(
  echo "meson $version"
  echo "changelog $(sed -n '1s/^mend (\([^)]*\)).*/\1/p' "$src/packaging/debian/changelog")"
  echo "metainfo $(grep -o '<release version="[^"]*"' "$src/packaging/org.mendapp.Mend.metainfo.xml" \
    | head -n 1 | cut -d'"' -f2)"
  for page in "$src"/packaging/man/*.1; do
    echo "$(basename "$page") $(sed -n 's/^\.TH .* "Mend \([^"]*\)".*/\1/p' "$page")"
  done
  echo "mend-hq $("$mend_hq" --version | cut -d' ' -f2)"
)
if [ "$(echo "$versions" | awk '{print $2}' | sort -u)" = "$version" ]; then
  ok "version $version in meson, the changelog, the metainfo, the manual pages, mend-hq"
else
  echo "$versions" | sed 's/^/# /'
  not_ok "one version everywhere"
fi
exit $failed
