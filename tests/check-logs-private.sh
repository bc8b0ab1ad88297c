#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Nothing personal in any log (DESIGN.md section 9): searches every log a test run wrote for the
# personal data the suite handles, and speaks TAP. Run after the suite, when all logs exist:
#
#   meson test -C BUILD --setup logcheck logs-private
#
#   bash tests/check-logs-private.sh [--exclude GLOB]... LIST-PROGRAM PATH...
#
# LIST-PROGRAM prints the personal data, one "KIND<TAB>TEXT" a line (tests/mend-test-personal.c
# builds it from the demo and the shared fixture). Each PATH is a log file or a folder searched
# whole: meson's meson-logs (every test's standard output and error, testlog*.txt) and the folder
# MEND_TEST_LOG_DIR names, where the harnesses keep what they would otherwise delete (PostgreSQL's
# server logs, gpsfake's messages, mend-hq's log, mendctl's and mend-hq admin's standard error,
# the app's output). Files whose name matches an --exclude GLOB are skipped; meson's JSON and JUnit
# logs always are (they repeat the text logs).
#
# Each text is also searched for as a URL or form would write it ("Daniel+Hart", "Daniel%20Hart",
# "KTG%2F26%2F0417"), and without regard to case. A finding names the file, the line (and, in
# meson's logs, the test) and the kind of data, with the text masked to its initials so that CI
# output does not repeat it; run LIST-PROGRAM to see the list in full. Logs of earlier runs stay
# in MEND_TEST_LOG_DIR until it is emptied (a fresh build folder starts empty).

set -u

excludes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --exclude) excludes+=("$2"); shift 2 ;;
    *) break ;;
  esac
done
if [ $# -lt 2 ]; then
  echo "usage: $0 [--exclude GLOB]... LIST-PROGRAM PATH..." >&2
  exit 2
fi
list_program=$1
shift

n=0
failed=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
diag () { printf '%s\n' "$@" | sed 's/^/# /'; }

work=$(mktemp -d "${TMPDIR:-/tmp}/check-logs-private.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"

# The list, and each text's lower-case search forms with the kind they report as.
if ! "$list_program" >"$work/list" 2>"$work/list.err"; then
  echo "1..1"
  echo "not ok 1 - the list of personal data is printed by $list_program"
  diag "$(cat "$work/list.err")"
  exit 1
fi
awk -F '\t' 'NF == 2 && $2 != "" {
  text = tolower($2)
  forms[text] = $1
  plus = text; gsub(/ /, "+", plus); forms[plus] = $1
  space = text; gsub(/ /, "%20", space); forms[space] = $1
  slash = text; gsub(/\//, "%2f", slash); forms[slash] = $1
}
END { for (form in forms) print forms[form] "\t" form }' "$work/list" | sort -u >"$work/forms"
cut -f 2 "$work/forms" >"$work/needles"
texts=$(awk -F '\t' 'NF == 2' "$work/list" | wc -l)

# Every file to search, by kind.
: >"$work/files"
for path in "$@"; do
  [ -e "$path" ] || continue
  find "$path" -type f ! -name '*.json' ! -name '*.junit.xml' -print
done | sort -u | while IFS= read -r file; do
  base=$(basename "$file")
  skip=0
  for glob in "${excludes[@]+"${excludes[@]}"}"; do
    # shellcheck disable=SC2254
    case "$base" in $glob) skip=1 ;; esac
  done
  [ "$skip" = 1 ] && continue
  case "$base" in
    testlog*.txt) kind="meson's test logs (every test's output)" ;;
    *-postgresql.log) kind="PostgreSQL server logs" ;;
    *-gpsfake.log) kind="gpsfake's messages" ;;
    *-mend-hq-admin.log) kind="mend-hq admin's standard error" ;;
    *-mend-hq.log) kind="mend-hq's log" ;;
    *-mendctl.log) kind="mendctl's standard error" ;;
    *-mend.log) kind="the app's output" ;;
    meson-log.txt) continue ;;
    *) kind="other logs" ;;
  esac
  printf '%s\t%s\n' "$kind" "$file"
done >"$work/files"

files=$(wc -l <"$work/files")
echo "1..$(( 2 + $(cut -f 1 "$work/files" | sort -u | wc -l) ))"
if [ "$texts" -ge 8 ]; then
  ok "$texts names and case references to search for"
else
  not_ok "the list of personal data has $texts entries, fewer than the demo alone holds"
fi
if [ "$files" -gt 0 ]; then
  ok "$files logs found"
else
  not_ok "logs found (none in $*)"
fi

# Shows a text by its initials: "Daniel Hart" as "D***** H***", "KTG/26/0417" as "K**/2*/0***".
mask () {
  awk -v text="$1" 'BEGIN {
    for (i = 1; i <= length(text); i++) {
      c = substr(text, i, 1)
      word = c ~ /[[:alnum:]]/
      printf "%s", (word && previous) ? "*" : c
      previous = word
    }
  }'
}

# Searches one file; prints its findings as "LINE US TEST US MATCH", US the unit separator (a
# tab would let read merge an empty TEST into its neighbours).
search () {
  grep -a -n -i -o -F -f "$work/needles" "$1" >"$work/hits" || return 0
  awk -F '\t' -v hits="$work/hits" '
    BEGIN {
      while ((getline line < hits) > 0) {
        colon = index(line, ":")
        number = substr(line, 1, colon - 1)
        # Tested before found[number] is read, which would create it.
        separator = (number in found) ? "\n" : ""
        found[number] = found[number] separator substr(line, colon + 1)
      }
    }
    /^test: / { test = $0; sub(/^test: +/, "", test) }
    FNR in found {
      count = split(found[FNR], matches, "\n")
      for (i = 1; i <= count; i++) print FNR "\037" test "\037" matches[i]
    }' "$1"
}

while IFS= read -r kind; do
  findings=0
  bytes=0
  report=()
  while IFS=$'\t' read -r file_kind file; do
    [ "$file_kind" = "$kind" ] || continue
    bytes=$((bytes + $(stat -c %s "$file")))
    while IFS=$'\037' read -r line test match; do
      findings=$((findings + 1))
      [ "$findings" -le 20 ] || continue
      what=$(awk -F '\t' -v m="$(printf '%s' "$match" | tr '[:upper:]' '[:lower:]')" \
        '$2 == m { print $1; exit }' "$work/forms")
      report+=("$file:$line:${test:+ (test $test)} a $what, \"$(mask "$match")\"")
    done < <(search "$file")
  done <"$work/files"
  count=$(awk -F '\t' -v k="$kind" '$1 == k' "$work/files" | wc -l)
  if [ "$findings" = 0 ]; then
    ok "no personal data in $kind ($count files, $bytes bytes)"
  else
    not_ok "no personal data in $kind ($findings findings in $count files)"
    diag "${report[@]}"
    [ "$findings" -le 20 ] || diag "... and $((findings - 20)) more"
  fi
done < <(cut -f 1 "$work/files" | sort -u)

exit "$failed"
