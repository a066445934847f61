#!/usr/bin/env bash
# clang-format check over the project's C sources (not the fuzz corpora).
set -u
files=$(git ls-files '*.c' '*.h' | grep -v -e '^tests/fuzz/corpus' -e '^build/')
[ -n "$files" ] || { echo "lint: no files"; exit 0; }
bad=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "lint: $f is not clang-formatted (run: make format)"; bad=$((bad+1))
	fi
done
mkdir -p build/results
n=$(echo "$files" | wc -l)
echo "$((n-bad)) $bad 0" > build/results/lint.txt
echo "lint: $((n-bad)) formatted, $bad not"
[ $bad -eq 0 ]
