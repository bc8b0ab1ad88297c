#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The Debian packages, built and used the way an administrator would, speaking TAP:
# packaging/build-debs.sh builds mend and mend-hq from a clean copy of the tree and lintian finds
# no error or warning; then they are installed with apt-get (as root on Debian) or, elsewhere,
# unpacked with dpkg -x into a folder; and the installed programs and files are used: the
# versions, a demo store recorded in and verified, the settings schema, the desktop file and
# metainfo validated, every systemd unit verified, a real PostgreSQL and the installed mend-hq
# with the installed mendctl enrolling and syncing over HTTP, the installed hq.conf served.
# Packages this test installed are purged at the end.
#
#   bash tests/test-packaging.sh SOURCE_ROOT
#
# MEND_TEST_DEBS=DIR reuses packages just built into DIR by build-debs.sh (skips the build and
# lintian); MEND_TEST_PACKAGING_INSTALL=no never installs, only unpacks.

set -u
src=$(cd "${1:?the source tree}" && pwd)
version=$(sed -n '1s/^mend (\([^)]*\)).*/\1/p' "$src/packaging/debian/changelog")

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
comment() { sed 's/^/# /'; }
# check DESCRIPTION COMMAND…: ok when the command succeeds; otherwise its output as comments.
check() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$what"; else echo "$out" | comment; not_ok "$what"; fi
}

echo "1..17"

# World-readable, so apt's unprivileged download user can read the packages from here.
work=$(mktemp -d "${TMPDIR:-/tmp}/mend-test-packaging.XXXXXX") || exit 99
chmod 755 "$work"
installed_here=0
stop_stack=
hq_pid=
pg=
cleanup() {
  [ -n "$hq_pid" ] && kill "$hq_pid" 2> /dev/null && wait "$hq_pid" 2> /dev/null
  type stop_stack_pg > /dev/null 2>&1 && stop_stack_pg
  [ -n "$stop_stack" ] && [ -x "$stop_stack" ] && sh "$stop_stack" > /dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# 1. Build, or reuse.
debs=$work/debs
if [ -n "${MEND_TEST_DEBS:-}" ]; then
  debs=$(cd "$MEND_TEST_DEBS" && pwd)
  skip "build-debs.sh: reusing the packages in $debs"
else
  start=$(date +%s)
  if out=$(bash "$src/packaging/build-debs.sh" --out "$debs" 2>&1); then
    echo "$out" | comment
    ok "build-debs.sh builds mend and mend-hq $version; lintian: no error, no warning ($(($(date +%s) - start)) s)"
  else
    echo "$out" | tail -n 80 | comment
    not_ok "build-debs.sh builds mend and mend-hq; lintian: no error, no warning"
  fi
fi
mend_deb=$debs/mend_${version}_$(dpkg --print-architecture).deb
hq_deb=$debs/mend-hq_${version}_$(dpkg --print-architecture).deb
if [ ! -f "$mend_deb" ] || [ ! -f "$hq_deb" ]; then
  echo "# no packages in $debs: nothing more to check"
  while [ $n -lt 17 ]; do not_ok "needs the packages"; done
  exit 1
fi

# 2. What each package holds.
contents() { dpkg-deb --fsys-tarfile "$1" | tar -t | sed 's|^\./|/|'; }
expect_files() { # expect_files DEB PATH…: every PATH is in DEB
  local deb=$1 list missing=""
  shift
  list=$(contents "$deb")
  for f in "$@"; do echo "$list" | grep -qx "$f" || missing="$missing $f"; done
  [ -z "$missing" ] || { echo "missing from $(basename "$deb"):$missing"; return 1; }
}
check "each package holds its programs, data, units and manual pages" bash -c "
  $(declare -f contents expect_files)
  expect_files '$mend_deb' /usr/bin/mend /usr/bin/mendctl \
    /usr/share/applications/org.mendapp.Mend.desktop \
    /usr/share/metainfo/org.mendapp.Mend.metainfo.xml \
    /usr/share/glib-2.0/schemas/org.mendapp.Mend.gschema.xml \
    /usr/share/icons/hicolor/scalable/apps/org.mendapp.Mend.svg \
    /usr/share/icons/hicolor/symbolic/apps/org.mendapp.Mend-symbolic.svg \
    /usr/lib/systemd/user/mend-sync.service /usr/lib/systemd/user/mend-sync.timer \
    /usr/share/man/man1/mend.1.gz /usr/share/man/man1/mendctl.1.gz &&
  expect_files '$hq_deb' /usr/bin/mend-hq /etc/mend/hq.conf \
    /lib/systemd/system/mend-hq.service /usr/share/man/man1/mend-hq.1.gz &&
  ! contents '$mend_deb' | grep -q 'mend-hq' &&
  ! contents '$mend_deb' | grep -q 'gschemas.compiled'"

# 3. The layers, as the packages' dependencies show them: the handheld needs neither
# PostgreSQL nor an HTTP server library, and the server needs no GTK.
mend_depends=$(dpkg-deb -f "$mend_deb" Depends)
hq_depends=$(dpkg-deb -f "$hq_deb" Depends)
if ! echo "$mend_depends" | grep -Eq 'libpq|libmicrohttpd' \
  && ! echo "$hq_depends" | grep -Eq 'libgtk|libadwaita|libgstreamer|libgps' \
  && echo "$hq_depends" | grep -q adduser && echo "$mend_depends" | grep -q libgtk-4-1; then
  ok "mend does not depend on libpq or libmicrohttpd; mend-hq not on GTK, GStreamer or libgps"
else
  echo "mend: $mend_depends" | comment
  echo "mend-hq: $hq_depends" | comment
  not_ok "package dependencies follow the layers"
fi

# 4. Install (root, Debian, apt) or unpack.
root=$work/root
if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get > /dev/null \
  && [ "${MEND_TEST_PACKAGING_INSTALL:-yes}" != no ]; then
  # One install at a time on a machine: a second run would purge what this one is testing. The
  # lock is held until this script exits, after the purge.
  exec 9> /run/lock/mend-test-packaging.lock
  flock -w 300 9 || echo "# waited 300 s for another run's install; going on"
  if dpkg-query -W -f='${Status}' mend mend-hq 2> /dev/null | grep -q 'install ok installed'; then
    echo "# mend or mend-hq was installed before this test: it is upgraded and left installed"
  else
    installed_here=1
  fi
  cp "$mend_deb" "$hq_deb" "$work/"
  chmod 644 "$work"/*.deb
  if out=$(cd "$work" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends -o DPkg::Lock::Timeout=120 \
    "./$(basename "$mend_deb")" "./$(basename "$hq_deb")" 2>&1); then
    root=
    ok "apt-get install ./mend_${version}_*.deb ./mend-hq_${version}_*.deb"
  else
    echo "$out" | tail -n 30 | comment
    not_ok "apt-get install the packages"
    installed_here=0
    root=$work/root
  fi
fi
if [ -n "$root" ]; then
  mkdir -p "$root"
  if dpkg -x "$mend_deb" "$root" && dpkg -x "$hq_deb" "$root" \
    && glib-compile-schemas "$root/usr/share/glib-2.0/schemas"; then
    ok "unpacked with dpkg -x into a folder (not root, or not Debian): schema compiled there"
  else
    not_ok "unpacked with dpkg -x"
  fi
fi
mendctl=$root/usr/bin/mendctl
mend_hq=$root/usr/bin/mend-hq
mend=$root/usr/bin/mend

# 5, 6. Versions.
out=$("$mendctl" --version 2>&1)
if echo "$out" | grep -q "^mendctl $version "; then ok "mendctl --version: $out"; else
  echo "$out" | comment
  not_ok "mendctl --version says $version"
fi
out=$("$mend_hq" --version 2>&1)
if [ "$out" = "mend-hq $version" ]; then ok "mend-hq --version: $out"; else
  echo "$out" | comment
  not_ok "mend-hq --version says $version"
fi

# 7. A demo store: load, record, verify the chain.
store=$work/demo/mend.db
session=demo-$(date +%Y%m%d)-spring-rise
check "mendctl --db STORE demo, start, check-in, verify" bash -c "
  set -e
  '$mendctl' --db '$store' demo > /dev/null
  '$mendctl' --db '$store' --no-gps start '$session' > /dev/null
  '$mendctl' --db '$store' --no-gps check-in '$session' KTG/26/0417 > /dev/null
  '$mendctl' --db '$store' verify"

# 8. The settings schema is installed and compiled: the app starts as far as its options
# without a display, which it refuses to do without the schema.
if [ -n "$root" ]; then schemas=(env GSETTINGS_SCHEMA_DIR="$root/usr/share/glib-2.0/schemas"); else
  schemas=(env)
fi
check "mend --help runs with the installed, compiled settings schema" \
  "${schemas[@]}" GSETTINGS_BACKEND=memory "$mend" --help

# 9, 10. Desktop file and metainfo as installed.
if command -v desktop-file-validate > /dev/null; then
  check "desktop-file-validate on the installed desktop file" \
    desktop-file-validate "$root/usr/share/applications/org.mendapp.Mend.desktop"
else
  skip "desktop-file-validate is not installed"
fi
if command -v appstreamcli > /dev/null; then
  check "appstreamcli validate --no-net on the installed metainfo" \
    appstreamcli validate --no-net "$root/usr/share/metainfo/org.mendapp.Mend.metainfo.xml"
else
  skip "appstreamcli is not installed"
fi

# 11, 12. The installed units. systemd-analyze checks that ExecStart's program exists and that
# the Documentation= manual page does; for an unpacked folder both point into it.
units=$work/units
mkdir -p "$units/runtime"
chmod 700 "$units/runtime"
for u in "$root/lib/systemd/system/mend-hq.service" "$root/usr/lib/systemd/user/mend-sync.service" \
  "$root/usr/lib/systemd/user/mend-sync.timer"; do
  if [ -n "$root" ]; then sed "s|^ExecStart=/usr/bin/|ExecStart=$root/usr/bin/|" "$u"; else cat "$u"; fi \
    > "$units/$(basename "$u")"
done
verify() { (cd "$units" && MANPATH="${root:+$root/usr/share/man:}$(manpath 2> /dev/null)" \
  XDG_RUNTIME_DIR="$units/runtime" systemd-analyze verify "$@" 2>&1); }
if command -v systemd-analyze > /dev/null; then
  out=$(verify mend-hq.service)
  if [ $? -eq 0 ] && [ -z "$out" ]; then ok "systemd-analyze verify mend-hq.service, as installed"; else
    echo "$out" | comment
    not_ok "systemd-analyze verify mend-hq.service, as installed"
  fi
  out=$(verify --user mend-sync.service mend-sync.timer)
  if [ $? -eq 0 ] && [ -z "$out" ]; then ok "systemd-analyze verify --user mend-sync.service mend-sync.timer"; else
    echo "$out" | comment
    not_ok "systemd-analyze verify --user mend-sync.service mend-sync.timer"
  fi
else
  skip "systemd-analyze is not installed"
  skip "systemd-analyze is not installed"
fi

# 13. What the maintainer scripts did: the service's system user, the conffile.
if [ -z "$root" ]; then
  user_shell=$(getent passwd mend-hq | cut -d: -f7)
  if [ -n "$user_shell" ] && [ "$(id -u mend-hq)" -lt 1000 ] && getent group mend-hq > /dev/null \
    && [ "$user_shell" != /bin/bash ] \
    && dpkg-query -W -f='${Conffiles}' mend-hq | grep -q '/etc/mend/hq.conf'; then
    ok "postinst made the system user mend-hq ($(id mend-hq)); /etc/mend/hq.conf is a conffile"
  else
    getent passwd mend-hq | comment
    not_ok "postinst made the system user mend-hq; /etc/mend/hq.conf is a conffile"
  fi
else
  skip "unpacked, not installed: no maintainer scripts ran"
fi

# 14, 15. The installed server and client, for real: a throwaway PostgreSQL with the demo team
# (hq/run-local-stack.sh, given the installed mend-hq), then the installed mendctl enrols a new
# store and syncs it; and the installed hq.conf served, its database and folders pointed here.
pg_bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
if [ -x "$pg_bindir/initdb" ] && command -v curl > /dev/null; then
  if out=$(MEND_HQ="$mend_hq" bash "$src/hq/run-local-stack.sh" 2>&1); then
    url=$(echo "$out" | sed -n 's/^ *URL: *//p')
    code=$(echo "$out" | sed -n 's/^ *enrolment code: *\([A-Z0-9]*\).*/\1/p')
    conninfo=$(echo "$out" | sed -n 's/^ *database: *//p')
    stop_stack=$(echo "$out" | sed -n 's/^ *stop: *//p')
    device=$work/device/mend.db
    if out=$("$mendctl" --db "$device" enrol --hq "$url" --code "$code" --name packaging-test 2>&1 \
      && "$mendctl" --db "$device" sync 2>&1) \
      && "$mendctl" --db "$device" sessions --all | grep -q spring-rise; then
      ok "installed mend-hq (PostgreSQL, demo team) and installed mendctl: enrol, sync, sessions pulled"
    else
      echo "$out" | comment
      not_ok "installed mendctl enrols with and syncs to the installed mend-hq"
    fi

    if [ -z "$root" ]; then
      # Installed: the README's set-up. A cluster of our own with peer authentication on its
      # socket, the role mend-hq made by createuser, and mend-hq run as the system user the
      # package made, as the service runs it: the installed hq.conf as it is, but for the socket
      # folder and the port.
      pg=$(mktemp -d /tmp/mend-pkg-pg.XXXXXX)
      chmod 755 "$pg"
      chown postgres "$pg"
      mkdir -p "$pg/blobs"
      chown mend-hq "$pg/blobs"
      peer="host=$pg port=5432 dbname=mend user=mend-hq"
      as_hq=(runuser -u mend-hq --)
      stop_stack_pg() {
        [ -n "$pg" ] || return 0
        runuser -u postgres -- "$pg_bindir/pg_ctl" -D "$pg/data" stop -m fast > /dev/null 2>&1
        rm -rf "$pg"
        pg=
      }
      if ! out=$(runuser -u postgres -- "$pg_bindir/initdb" -D "$pg/data" --auth-local=peer \
        --auth-host=reject --no-sync 2>&1 \
        && runuser -u postgres -- "$pg_bindir/pg_ctl" -D "$pg/data" -w -l "$pg/pg.log" \
          -o "-k $pg -p 5432 -c listen_addresses=''" start 2>&1 \
        && runuser -u postgres -- "$pg_bindir/createuser" -h "$pg" mend-hq 2>&1 \
        && runuser -u postgres -- "$pg_bindir/createdb" -h "$pg" -O mend-hq mend 2>&1 \
        && "${as_hq[@]}" "$mend_hq" admin --config /etc/mend/hq.conf --database "$peer" init 2>&1); then
        echo "$out" | comment
      fi
      serve_database=$peer
      serve_blobs=$pg/blobs
      what="as the mend-hq user, peer authentication"
    else
      as_hq=()
      stop_stack_pg() { :; }
      mkdir -p "$work/blobs"
      serve_database=$conninfo
      serve_blobs=$work/blobs
      what="unpacked"
    fi
    "${as_hq[@]}" "$mend_hq" serve --config "$root/etc/mend/hq.conf" --database "$serve_database" \
      --listen 127.0.0.1:0 --blobs "$serve_blobs" > "$work/serve.out" 2> "$work/serve.log" &
    hq_pid=$!
    listening=
    for _ in $(seq 100); do
      listening=$(sed -n 's/^listening on //p' "$work/serve.out")
      [ -n "$listening" ] && break
      kill -0 "$hq_pid" 2> /dev/null || break
      sleep 0.1
    done
    if [ -n "$listening" ] && curl -sf "http://$listening/healthz" > /dev/null; then
      ok "mend-hq serve --config /etc/mend/hq.conf ($what) answers /healthz"
    else
      comment < "$work/serve.log"
      not_ok "mend-hq serve --config /etc/mend/hq.conf ($what) answers /healthz"
    fi
    kill "$hq_pid" 2> /dev/null
    wait "$hq_pid" 2> /dev/null
    hq_pid=
    stop_stack_pg
  else
    echo "$out" | comment
    not_ok "hq/run-local-stack.sh with the installed mend-hq"
    not_ok "mend-hq serve with the installed hq.conf"
  fi
else
  skip "no PostgreSQL programs in $pg_bindir, or no curl"
  skip "no PostgreSQL programs in $pg_bindir, or no curl"
fi

# 16. The server's unit keeps its hardening as installed.
service="$units/mend-hq.service"
if grep -qx 'ProtectSystem=strict' "$service" && grep -qx 'NoNewPrivileges=yes' "$service" \
  && grep -qx 'User=mend-hq' "$service" && grep -qx 'StateDirectory=mend-hq' "$service" \
  && grep -q '^ExecStart=.*/usr/bin/mend-hq serve --config /etc/mend/hq.conf$' "$service"; then
  ok "mend-hq.service as installed: its own user, ProtectSystem=strict, /etc/mend/hq.conf"
else
  not_ok "mend-hq.service as installed: its own user, ProtectSystem=strict, /etc/mend/hq.conf"
fi

# 17. Purge what this test installed.
if [ $installed_here -eq 1 ]; then
  if out=$(DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=120 \
    mend mend-hq 2>&1) && [ ! -e /usr/bin/mendctl ] && [ ! -e /etc/mend/hq.conf ]; then
    ok "apt-get purge mend mend-hq removes them again"
  else
    echo "$out" | tail -n 20 | comment
    not_ok "apt-get purge mend mend-hq"
  fi
else
  skip "this test installed nothing"
fi
exit $failed
