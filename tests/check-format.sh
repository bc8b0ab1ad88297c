#!/usr/bin/env bash
# TAP: one line per C file, "not ok" where clang-format would change it.
set -u
root=${1:?source root}
cd "$root" || exit 1
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
echo "1..${#files[@]}"
n=0
for f in "${files[@]}"; do
  n=$((n + 1))
  if "${CLANG_FORMAT:-clang-format}" --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "ok $n - $f"
  else
    echo "not ok $n - $f (run: clang-format -i $f)"
  fi
done
