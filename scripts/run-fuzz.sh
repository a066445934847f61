#!/usr/bin/env bash
# Build and run every libFuzzer target in tests/fuzz/.
#
#   scripts/run-fuzz.sh [TARGET...]        (FUZZ_SECS=10 per target)
#
# Each tests/fuzz/<target>.c names what it links in its header comment:
#   fuzz-sources: daemon/tls/*.c      (globs, relative to the repo root)
#   fuzz-libs: -lcrypto
#   fuzz-exclude: daemon/tls/tlsd_*.c   (optional globs removed again)
# It is built with clang -fsanitize=fuzzer,address,undefined into
# build/fuzz/<target>, replayed over its committed corpus
# (tests/fuzz/corpus/<target>/), then fuzzed for FUZZ_SECS seconds from a
# scratch copy of that corpus (the committed one is never modified).
# Writes build/results/fuzz.txt as "passed failed skipped".
set -u
cd "$(dirname "$0")/.."
secs=${FUZZ_SECS:-10}
out=build/fuzz
mkdir -p "$out" build/results
pass=0 fail=0 skip=0

if [ $# -gt 0 ]; then
	targets=(); for t in "$@"; do targets+=("tests/fuzz/$t.c"); done
else
	targets=(tests/fuzz/*.c)
fi
if ! command -v clang >/dev/null; then
	echo "fuzz: SKIP all: clang is not installed (scripts/deps.sh base)"
	echo "0 0 ${#targets[@]}" > build/results/fuzz.txt
	exit 0
fi

header_field() { # file field -> value of "field:" in the header comment
	sed -n "1,40s/^ \* $2: //p" "$1" | head -n1
}

for src in "${targets[@]}"; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	corpus=tests/fuzz/corpus/$name
	srcs=$(header_field "$src" fuzz-sources)
	libs=$(header_field "$src" fuzz-libs)
	# fuzz-exclude: globs taken back out of fuzz-sources (e.g. the
	# daemon's card and control-plane files, which need the driver).
	excl=$(header_field "$src" fuzz-exclude)
	if [ -n "$excl" ]; then
		kept=""
		# shellcheck disable=SC2086
		for f in $srcs; do
			skipf=0
			for x in $excl; do
				# shellcheck disable=SC2053
				[[ $f == $x ]] && skipf=1
			done
			[ $skipf -eq 0 ] && kept="$kept $f"
		done
		srcs=$kept
	fi
	if [ -z "$srcs" ] || [ ! -d "$corpus" ]; then
		echo "  fuzz   SKIP $name: no fuzz-sources line or no corpus dir"
		skip=$((skip+1)); continue
	fi
	# shellcheck disable=SC2086
	if ! clang -g -O1 -std=gnu11 -D_GNU_SOURCE -Ifirmware-iface -Ihwmodel \
		-Idriver -Idaemon -Idaemon/tls \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o "$out/$name" "$src" $srcs $libs >"$out/$name.build.log" 2>&1; then
		echo "  fuzz   FAIL $name (build)"; tail -n 20 "$out/$name.build.log"
		fail=$((fail+1)); continue
	fi
	scratch=$out/corpus-$name
	rm -rf "$scratch"; mkdir -p "$scratch"
	cp "$corpus"/* "$scratch"/ 2>/dev/null
	if ! timeout 120 "$out/$name" -runs=0 "$corpus" >"$out/$name.replay.log" 2>&1; then
		echo "  fuzz   FAIL $name (corpus replay)"; tail -n 30 "$out/$name.replay.log"
		fail=$((fail+1)); continue
	fi
	if timeout $((secs + 60)) "$out/$name" -max_total_time="$secs" \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/$name-" \
		"$scratch" >"$out/$name.log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$out/$name.log" | tail -n1)
		echo "  fuzz   PASS $name (${runs:-done} in ${secs}s)"
		pass=$((pass+1))
	else
		echo "  fuzz   FAIL $name"; tail -n 30 "$out/$name.log"
		fail=$((fail+1))
	fi
done
echo "$pass $fail $skip" > build/results/fuzz.txt
echo "fuzz: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
