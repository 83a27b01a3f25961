#!/usr/bin/env bash
# check.sh: run the test suites and print one closing line
#   check: N passed, N failed, N skipped
# Usage: check.sh unit|integration|fuzz|all. Unit tests are cmocka binaries (TAP output),
# integration tests are TAP .t files run by prove, fuzzers run briefly over their corpus.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
what=${1:-all}
pass=0 fail=0 skip=0
log=$(mktemp /tmp/dptune-check.XXXXXX)
trap 'rm -f "$log"' EXIT

count_tap() { # file: adds to pass/fail/skip
	local p f s
	p=$(grep -cE '^ok ' "$1" || true)
	# cmocka 1.1 prints a skipped test as "not ok N # SKIP": a skip, not a failure
	f=$(grep -E '^not ok ' "$1" | grep -civE '# *skip' || true)
	s=$(grep -ciE '^(not )?ok .*# *skip' "$1" || true)
	# a file that skipped everything: "1..0 # SKIP reason"
	s=$((s + $(grep -ciE '^1\.\.0 *# *skip' "$1" || true)))
	pass=$((pass + p - $(grep -ciE '^ok .*# skip' "$1" || true)))
	fail=$((fail + f))
	skip=$((skip + s))
}

run_unit() {
	local t rc
	echo "== unit tests (cmocka)"
	for t in "$O"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
		rc=$?
		count_tap "$log"
		if [ $rc -ne 0 ]; then
			echo "FAIL $(basename "$t") (exit $rc)"; cat "$log"
			grep -qE '^not ok ' "$log" || fail=$((fail + 1))
		else
			echo "ok   $(basename "$t"): $(grep -cE '^ok ' "$log") tests"
		fi
	done
}

# The unit tests again under AddressSanitizer and UBSan (make SANITIZE=address,undefined).
run_sanitized() {
	local t rc
	echo "== unit tests under ASan+UBSan"
	if ! make --no-print-directory -j2 O="$O-san" SANITIZE=address,undefined tools >"$log" 2>&1; then
		echo "FAIL sanitized build"; tail -30 "$log"; fail=$((fail + 1)); return
	fi
	for t in "$O-san"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
		rc=$?
		if [ $rc -ne 0 ]; then
			echo "FAIL $(basename "$t") under sanitizers (exit $rc)"; tail -40 "$log"
			fail=$((fail + 1))
		else
			pass=$((pass + 1))
		fi
	done
	echo "sanitized unit binaries: done"
}

run_integration() {
	echo "== integration tests (prove)"
	if [ "$(id -u)" -ne 0 ]; then
		echo "integration tests need root (namespaces, veth, nftables): skipped"
		skip=$((skip + 1))
		return
	fi
	DPTUNE="$PWD/$O/dptune" O="$O" prove -v --timer tests/integration/*.t >"$log" 2>&1
	local rc=$?
	grep -vE '^(ok|# )' "$log" | grep -vE '^\s*$' | sed -n '1,400p'
	count_tap "$log"
	[ $rc -ne 0 ] && ! grep -qE '^not ok ' "$log" && fail=$((fail + 1))
}

run_fuzz() {
	local f name corpus secs=${FUZZ_SECONDS:-5}
	echo "== fuzzers (libFuzzer, ${secs}s each)"
	for f in "$O"/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		corpus=tests/fuzz/corpus/${name#fuzz_}
		mkdir -p "$O/fuzz-corpus/$name"
		if "$f" -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 \
			-artifact_prefix="$O/fuzz-corpus/$name-" \
			"$O/fuzz-corpus/$name" $( [ -d "$corpus" ] && echo "$corpus" ) >"$log" 2>&1; then
			echo "ok   $name: $(grep -oE 'Done [0-9]+ runs' "$log" | tail -1)"
			pass=$((pass + 1))
		else
			echo "FAIL $name"; tail -40 "$log"
			fail=$((fail + 1))
		fi
	done
}

case $what in
unit) run_unit ;;
integration) run_integration ;;
fuzz) run_fuzz ;;
sanitize) run_sanitized ;;
all) run_unit; run_sanitized; run_fuzz; run_integration ;;
*) echo "usage: $0 unit|integration|fuzz|sanitize|all" >&2; exit 2 ;;
esac
echo "check: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
