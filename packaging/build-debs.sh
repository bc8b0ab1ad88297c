#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the Debian packages mend and mend-hq from a clean copy of the tree, then runs lintian
# on them and prints its tags. Needs dpkg-dev, debhelper and lintian, and the Build-Depends of
# packaging/debian/control (dpkg-buildpackage names any that are missing).
#
#   packaging/build-debs.sh [--out DIR] [--no-lintian]
#
# The .deb, .changes and .buildinfo files land in DIR (default: build-debs/ in the tree).
# Exit status: 0 built and lintian found no error or warning; 1 the build failed; 2 usage;
# 3 lintian found an error or a warning.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build-debs
run_lintian=1
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --no-lintian) run_lintian=0; shift ;;
    *) echo "usage: $0 [--out DIR] [--no-lintian]" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(sed -n '1s/^mend (\([^)]*\)).*/\1/p' "$root/packaging/debian/changelog")
work=$(mktemp -d "${TMPDIR:-/tmp}/mend-debs.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/mend-$version
mkdir "$src"

# The tree as git sees it: tracked files and new ones not yet committed, never what
# .gitignore names (build folders, stores). Without git, the folder minus build folders.
if git -C "$root" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  (cd "$root" && git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | tar --null --no-recursion -T - -cf -) | tar -xf - -C "$src"
else
  (cd "$root" && tar --exclude='./build*' --exclude='./obj-*' --exclude='./.git' -cf - .) \
    | tar -xf - -C "$src"
fi
cp -r "$src/packaging/debian" "$src/debian"

echo "Building mend $version in $src"
jobs=$(nproc 2> /dev/null || echo 1)
if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=$jobs ${DEB_BUILD_OPTIONS:-}" \
  nice dpkg-buildpackage -us -uc -b > "$work/build.log" 2>&1); then
  tail -n 60 "$work/build.log" >&2
  cp "$work/build.log" "$out/build.log"
  echo "dpkg-buildpackage failed; the whole log is in $out/build.log" >&2
  exit 1
fi
cp "$work/build.log" "$out/build.log"

changes=$(cd "$work" && ls mend_"$version"_*.changes)
for f in $(sed -n '/^Files:/,/^[^ ]/s/^ [0-9a-f]* [0-9]* [^ ]* [^ ]* //p' "$work/$changes") "$changes"; do
  cp "$work/$f" "$out/"
done
echo "Built:"
(cd "$out" && ls -1 ./*"$version"*.deb | sed 's|^\./|  |')

[ $run_lintian -eq 1 ] || exit 0
echo "lintian:"
set +e
lintian --display-info --fail-on error,warning "$out/$changes" > "$work/lintian.txt" 2>&1
status=$?
set -e
# As root lintian says it would rather not be; that is no tag.
grep -v '^running with root privileges is not recommended!$' "$work/lintian.txt" \
  > "$work/tags.txt" || true
if [ -s "$work/tags.txt" ]; then sed 's/^/  /' "$work/tags.txt"; else echo "  (no tags)"; fi
[ $status -eq 0 ] || { echo "lintian found errors or warnings" >&2; exit 3; }
