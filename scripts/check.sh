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

# Integration tests: the ones whose header has a line "# serial: why" (they change host-wide
# state, such as a net.core sysctl through a lab fault, or measure rates that a concurrent
# test would disturb) run alone, one after another; the rest run $INTEGRATION_JOBS (2) at a
# time, each through its own prove so that its TAP and timing stay together in the log.
# SERIAL_ALSO names tests that are serial but do not say so in their header yet.
SERIAL_ALSO=${SERIAL_ALSO:-}
is_serial() { # test file
	local g
	head -30 "$1" | grep -qE '^# serial:' && return 0
	for g in $SERIAL_ALSO; do
		# shellcheck disable=SC2053 # $g is a glob on purpose
		[[ $(basename "$1") == $g ]] && return 0
	done
	return 1
}

prove_one() { # test dir: run one test file through prove, its log and exit status in dir
	local name
	name=$(basename "$1")
	prove -v --timer "$1" >"$2/$name.log" 2>&1
	echo $? >"$2/$name.rc"
}

run_integration() {
	local t jobs=${INTEGRATION_JOBS:-2} dir rc start
	local serial=() par=()
	echo "== integration tests (prove)"
	if [ "$(id -u)" -ne 0 ]; then
		echo "integration tests need root (namespaces, veth, nftables): skipped"
		skip=$((skip + 1))
		return
	fi
	for t in tests/integration/*.t; do
		if is_serial "$t"; then serial+=("$t"); else par+=("$t"); fi
	done
	dir=$(mktemp -d /tmp/dptune-check-integ.XXXXXX)
	export DPTUNE="$PWD/$O/dptune" O
	export -f prove_one
	# INTEGRATION_GROUPS=parallel (or serial) runs one group only, to time or re-run it
	case ${INTEGRATION_GROUPS:-all} in parallel) serial=() ;; serial) par=() ;; esac
	start=$SECONDS
	printf '%s\n' "${par[@]}" | xargs -r -P "$jobs" -I{} bash -c 'prove_one "$1" "$2"' _ {} "$dir"
	echo "integration: ${#par[@]} tests $jobs at a time in $((SECONDS - start)) s"
	start=$SECONDS
	for t in "${serial[@]}"; do prove_one "$t" "$dir"; done
	echo "integration: ${#serial[@]} serial tests in $((SECONDS - start)) s"
	for t in "${par[@]}" "${serial[@]}"; do
		t=$(basename "$t")
		cat "$dir/$t.log" >"$log"
		rc=$(cat "$dir/$t.rc" 2>/dev/null || echo 1)
		if [ "$rc" -eq 0 ]; then
			echo "ok   $t $(grep -oE '^ok +[0-9]+ ms' "$log" | tail -1 | tr -s ' ' | cut -d' ' -f2-)"
		else
			echo "FAIL $t (prove exit $rc)"
		fi
		grep -vE '^(ok|# |\[[0-9:]+\]( |$)|1\.\.[0-9]+$)|^All tests successful|^Files=|^Result:' "$log" |
			grep -vE '^\s*$' | sed -n '1,400p'
		count_tap "$log"
		[ "$rc" -ne 0 ] && ! grep -qE '^not ok ' "$log" && fail=$((fail + 1))
	done
	rm -rf "$dir"
}

# Each fuzzer runs FUZZ_SECONDS (5) over its corpus; FUZZ_JOBS (2) of them at once, one a
# core, so every fuzzer still gets its 5 seconds of one core on an idle 2-core machine.
fuzz_one() { # fuzzer dir: run it, its log and exit status in dir
	local name corpus
	name=$(basename "$1")
	corpus=tests/fuzz/corpus/${name#fuzz_}
	mkdir -p "$O/fuzz-corpus/$name"
	"$1" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=1024 -timeout=10 \
		-artifact_prefix="$O/fuzz-corpus/$name-" \
		"$O/fuzz-corpus/$name" $( [ -d "$corpus" ] && echo "$corpus" ) >"$2/$name.log" 2>&1
	echo $? >"$2/$name.rc"
}

run_fuzz() {
	local f name dir rc
	export FUZZ_SECONDS=${FUZZ_SECONDS:-5} O
	echo "== fuzzers (libFuzzer, ${FUZZ_SECONDS}s each, ${FUZZ_JOBS:-2} at a time)"
	dir=$(mktemp -d /tmp/dptune-check-fuzz.XXXXXX)
	export -f fuzz_one
	for f in "$O"/fuzz/fuzz_*; do [ -x "$f" ] && echo "$f"; done |
		xargs -r -P "${FUZZ_JOBS:-2}" -I{} bash -c 'fuzz_one "$1" "$2"' _ {} "$dir"
	for f in "$O"/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		rc=$(cat "$dir/$name.rc" 2>/dev/null || echo 1)
		if [ "$rc" -eq 0 ]; then
			echo "ok   $name: $(grep -oE 'Done [0-9]+ runs' "$dir/$name.log" | tail -1)"
			pass=$((pass + 1))
		else
			echo "FAIL $name (exit $rc)"; tail -40 "$dir/$name.log"
			fail=$((fail + 1))
		fi
	done
	rm -rf "$dir"
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
