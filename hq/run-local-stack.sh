#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A throwaway HQ for development and demos, in one command: a PostgreSQL 15 cluster in a new
# temporary folder, `mend-hq admin init` and `admin demo` (the same story `mendctl demo` tells
# on a device), and `mend-hq serve` on loopback. It prints the URL, an enrolment code for the
# demo team, and the command that stops everything and deletes the folder.
#
#   hq/run-local-stack.sh [--build DIR] [--port PORT]
#
# DIR is a meson build folder (default: build); PORT defaults to one the kernel picks. The
# environment may set MEND_HQ (the mend-hq binary) and PG_BINDIR (PostgreSQL's programs).
# As root, initdb and pg_ctl run as the postgres user, which they require.
set -euo pipefail

build=build
port=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    -h|--help) sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-local-stack: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

hq=${MEND_HQ:-$build/hq/mend-hq}
pg_bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
if [ ! -x "$hq" ]; then
  echo "run-local-stack: no mend-hq at $hq; build first (meson setup $build && ninja -C $build)" >&2
  exit 1
fi
if [ ! -x "$pg_bindir/initdb" ]; then
  echo "run-local-stack: no PostgreSQL programs in $pg_bindir (install postgresql, or set PG_BINDIR)" >&2
  exit 1
fi
hq=$(cd "$(dirname "$hq")" && pwd)/$(basename "$hq")

# Under /tmp: the socket's path must stay under 100 bytes.
dir=$(mktemp -d /tmp/mend-stack-XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
conninfo="host=$dir port=5432 dbname=mend user=mend"

# What stops the stack: the server first, then the cluster at once, then the folder.
cat > "$dir/stop" <<EOF
#!/bin/sh
# Stops the local HQ started by run-local-stack.sh and deletes its folder.
if [ -f '$dir/serve.pid' ]; then
  pid=\$(cat '$dir/serve.pid')
  kill "\$pid" 2>/dev/null
  # mend-hq finishes the requests it is serving first; wait for it, at most five seconds.
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do
    kill -0 "\$pid" 2>/dev/null || break
    sleep 0.2
  done
fi
${as_pg[*]} '$pg_bindir/pg_ctl' -D '$dir/pg' stop -m fast >/dev/null 2>&1
rm -rf '$dir'
echo "stopped; removed $dir"
EOF
chmod 755 "$dir/stop"
# Anything failing from here leaves nothing running behind.
trap 'echo "run-local-stack: failed; see the logs above" >&2; sh "$dir/stop" >/dev/null' ERR

"${as_pg[@]}" "$pg_bindir/initdb" -D "$dir/pg" -A trust -U mend --no-sync >"$dir/initdb.log" 2>&1
"${as_pg[@]}" "$pg_bindir/pg_ctl" -D "$dir/pg" -w -l "$dir/pg.log" \
  -o "-k $dir -p 5432 -c listen_addresses='' -c log_error_verbosity=terse" start >/dev/null
"$pg_bindir/createdb" -h "$dir" -p 5432 -U mend mend

"$hq" admin --database "$conninfo" init
team=$("$hq" admin --database "$conninfo" demo)
mkdir -p "$dir/blobs"

"$hq" serve --database "$conninfo" --listen "127.0.0.1:$port" --blobs "$dir/blobs" \
  >"$dir/serve.out" 2>"$dir/serve.log" &
echo $! >"$dir/serve.pid"
listening=
for _ in $(seq 100); do
  listening=$(sed -n 's/^listening on //p' "$dir/serve.out")
  [ -n "$listening" ] && break
  if ! kill -0 "$(cat "$dir/serve.pid")" 2>/dev/null; then
    cat "$dir/serve.log" >&2
    false
  fi
  sleep 0.1
done
[ -n "$listening" ]
code=$("$hq" admin --database "$conninfo" enrol-code --team "$team")
trap - ERR

cat <<EOF
mend-hq is running with the demo team ($team).
  URL:             http://$listening
  enrolment code:  $code   (single use, 24 hours; more: $hq admin --database "$conninfo" enrol-code --team $team)
  database:        $conninfo
  server log:      $dir/serve.log
  stop:            $dir/stop
EOF
