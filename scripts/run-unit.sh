#!/usr/bin/env bash
# Run cmocka unit test binaries.
#   scripts/run-unit.sh DIR TIER [NAME...]
# Runs DIR/*_test (or DIR/NAME_test for each NAME).  Exit code 77 from a
# test means "skipped, with a reason printed"; it is counted, never hidden.
# Writes build/results/TIER.txt as "passed failed skipped".
set -u
dir=$1; tier=$2; shift 2
if [ $# -gt 0 ]; then
	bins=(); for n in "$@"; do [ -x "$dir/${n}_test" ] && bins+=("$dir/${n}_test"); done
else
	bins=("$dir"/*_test)
fi
pass=0 fail=0 skip=0 failed=()
for b in "${bins[@]}"; do
	[ -x "$b" ] || continue
	log="$b.log"
	if timeout 300 "$b" >"$log" 2>&1; then rc=0; else rc=$?; fi
	# Count cmocka test cases, not binaries: "[  PASSED  ] N test(s)."
	np=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	nf=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	case $rc in
	0) pass=$((pass + (np > 0 ? np : 1))); printf '  %-6s PASS %s (%d)\n' "$tier" "$(basename "$b")" "$np" ;;
	77) skip=$((skip+1)); printf '  %-6s SKIP %s: %s\n' "$tier" "$(basename "$b")" "$(tail -n1 "$log")" ;;
	*) pass=$((pass+np)); fail=$((fail + (nf > 0 ? nf : 1))); failed+=("$b"); printf '  %-6s FAIL %s (rc=%d)\n' "$tier" "$(basename "$b")" "$rc"; tail -n 40 "$log" | sed 's/^/    | /' ;;
	esac
done
mkdir -p build/results
echo "$pass $fail $skip" > "build/results/$tier.txt"
echo "$tier: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
