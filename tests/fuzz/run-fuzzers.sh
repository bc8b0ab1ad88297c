#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for a bounded time over its corpus, and prints one
# TAP line per target.
#
#   tests/fuzz/run-fuzzers.sh SECONDS [TARGET...]
#
# Builds the fuzzing build first when needed: clang, ASan + UBSan, in $MEND_FUZZ_BUILD (default
# build-fuzz). Each target starts from the seeds in tests/fuzz/corpus/TARGET; what it finds
# that is new goes to BUILD/fuzz-corpus/TARGET, so the tracked seeds stay small. A crash, a
# sanitizer report, a leak, a timeout or an allocation over the limit leaves the input in
# BUILD/fuzz-crashes/TARGET/ and fails the run. To keep one as a regression test, copy it into
# tests/fuzz/corpus/TARGET/: the sanitizer build's fuzz-replay-TARGET test feeds it every file
# there. hq-request starts its own PostgreSQL 15 cluster (PG_BINDIR, by default
# /usr/lib/postgresql/15/bin). With MEND_RELIABILITY_LOG set, each target that ends without a
# crash appends a row for docs/RELIABILITY.md: its hostile input and how many inputs it ran.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: $0 SECONDS [TARGET...]" >&2
  exit 2
fi
shift
build=${MEND_FUZZ_BUILD:-$root/build-fuzz}
case "$build" in /*) ;; *) build=$root/$build ;; esac

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  targets=(wire-events wire-results wire-error wire-enrol wire-manifest wire-headers
           manifest-apply geofence hq-csv photo hq-geojson hq-request)
fi

# The row each target adds to docs/RELIABILITY.md when it ends without a crash
# (tests/reliability/row.sh; only when MEND_RELIABILITY_LOG is set).
. "$root/tests/reliability/row.sh"
fault_of() {
  case "$1" in
    wire-events) echo "hostile input: random events batches as HQ reads them (libFuzzer)" ;;
    wire-results) echo "hostile input: random answers to a batch as the device reads them (libFuzzer)" ;;
    wire-error) echo "hostile input: random error objects from HQ (libFuzzer)" ;;
    wire-enrol) echo "hostile input: random enrolment requests and answers (libFuzzer)" ;;
    wire-manifest) echo "hostile input: random manifests as the device reads them (libFuzzer)" ;;
    wire-headers) echo "hostile input: random Date and upload headers and blob paths (libFuzzer)" ;;
    manifest-apply) echo "hostile input: random manifests applied to a device's store (libFuzzer)" ;;
    geofence) echo "hostile input: random site boundaries (libFuzzer)" ;;
    hq-csv) echo "hostile input: random CSV person files (libFuzzer)" ;;
    photo) echo "hostile input: random photo files (libFuzzer)" ;;
    hq-geojson) echo "hostile input: random GeoJSON site files (libFuzzer)" ;;
    hq-request) echo "hostile input: random raw HTTP requests to HQ, through to its store (libFuzzer)" ;;
    *) echo "hostile input: random input to the $1 fuzz target (libFuzzer)" ;;
  esac
}

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" "$root" --buildtype=debugoptimized -Dfuzzing=true \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || {
    echo "Bail out! could not configure $build (needs clang and libclang-rt-14-dev)"
    exit 1
  }
fi
ninja -C "$build" "${targets[@]/#/tests/fuzz/fuzz-}" >/dev/null || {
  echo "Bail out! could not build the fuzz targets in $build"
  exit 1
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "1..${#targets[@]}"
failed=0
n=0
for target in "${targets[@]}"; do
  n=$((n + 1))
  seeds=$here/corpus/$target
  work=$build/fuzz-corpus/$target
  crashes=$build/fuzz-crashes/$target
  log=$build/fuzz-logs/$target.log
  mkdir -p "$work" "$crashes" "$(dirname "$log")"

  extra=(-dict="$here/json.dict")
  case "$target" in
    # The decode bound is 96 MiB; one allocation past 160 MiB means it was not kept. Photos
    # are larger than JSON bodies.
    photo) extra=(-malloc_limit_mb=160 -max_len=65536) ;;
    hq-csv | wire-headers) extra=() ;;
    hq-request) extra=(-dict="$here/http.dict" -max_len=16384) ;;
  esac

  # libFuzzer reads every folder given and writes what is new to the first.
  "$build/tests/fuzz/fuzz-$target" "$work" "$seeds" \
    -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "${extra[@]}" >"$log" 2>&1
  status=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ "$status" -eq 0 ]; then
    echo "ok $n - $target: ${runs:-?} runs in ${seconds} s, corpus $(ls "$work" | wc -l) inputs"
    if [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
      reliability_row "$(fault_of "$target")" "$runs" "refused with a message" \
        "tests/fuzz/run-fuzzers.sh $seconds $target"
    fi
  else
    failed=$((failed + 1))
    echo "not ok $n - $target: exit $status after ${runs:-?} runs; input in $crashes, log $log"
    grep -m 1 -E 'ERROR|runtime error|Bail out' "$log" | sed 's/^/# /'
  fi
done

[ "$failed" -eq 0 ]
