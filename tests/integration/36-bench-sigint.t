#!/usr/bin/env bash
# 36-bench-sigint.t: SIGINT (Ctrl-C) during a bench ends the test with the summary of what
# was sent so far, in text and in JSON, and exit 130; forward and reverse.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip python3 ss
plan 9

T=$(mktemp -d /tmp/$P.XXXX); [ -n "${KEEP:-}" ] || on_cleanup rm -rf "$T"
veth_pair 36
ip netns exec "${P}b" timeout 120 "$DPTUNE" serve --json >"$T/srv" 2>&1 &
bg_pid $!
for _ in $(seq 50); do nsx b ss -ltnH "sport = :5301" | grep -q . && break; sleep 0.1; done
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# packets DEV NS: packets that crossed veth DEV either way (the test's datagrams).
packets() { local f=/sys/class/net/$1/statistics
	ip netns exec "$P$2" sh -c "echo \$(( \$(cat $f/tx_packets) + \$(cat $f/rx_packets) ))"; }

# interrupt OUT ARGS...: start a 30 s bench at 2 kpps, SIGINT it once 2000 datagrams have
# crossed the veth (the test is running), wait at most 20 s for it to end; prints its exit
# code and the seconds from the signal to its exit.
interrupt() {
	local out=$1 pid t0 t1 rc n base; shift
	base=$(packets ${P}a a)
	ip netns exec "${P}a" "$DPTUNE" bench --duration 30 -r 2k "$@" $B4 >"$out" 2>"$out.err" &
	pid=$!; bg_pid $pid
	# about 1 s at 2 kpps; on a loaded machine, wait up to 15 s
	for n in $(seq 150); do
		[ $(( $(packets ${P}a a) - base )) -ge 2000 ] && break
		[ -d /proc/$pid ] || break; sleep 0.1
	done
	[ "$n" -lt 150 ] || diag "the test had not sent 2000 datagrams after 15 s (machine too loaded?); interrupting anyway" >&2
	t0=$(date +%s.%N); kill -INT $pid
	for n in $(seq 200); do [ -d /proc/$pid ] || break; sleep 0.1; done
	if [ -d /proc/$pid ]; then diag "bench still running 20 s after SIGINT" >&2; kill -KILL $pid; fi
	wait $pid; rc=$?; t1=$(date +%s.%N)
	echo "$rc $(python3 -c "print(round($t1 - $t0))")"
}

read rc secs < <(interrupt "$T/t1")
is "$rc" 130 "text: SIGINT gives exit 130"
ok $([ "$secs" -lt 15 ]; echo $?) "text: it ended $secs s after SIGINT, not after the 30 s asked"
grep -q '^interrupted after' "$T/t1"; ok $? "text: says it was interrupted"
grep -q '^  lost ' "$T/t1"; ok $? "text: the forward summary is printed ($(grep -m1 '^  sent' "$T/t1"))"

read rc secs < <(interrupt "$T/j1" --json)
is "$rc" 130 "JSON: SIGINT gives exit 130"
is "$(j "$T/j1" "(d['interrupted'], 'error' in d)")" "(True, False)" "JSON: valid, interrupted, no error"
is "$(j "$T/j1" "0 < d['forward']['sent'] < 2000 * 30 and d['forward']['packets'] + d['forward']['lost_packets'] == d['forward']['sent']")" \
	True "JSON: partial figures that add up (sent $(j "$T/j1" "d['forward']['sent']"))"

read rc secs < <(interrupt "$T/j2" --json --reverse)
is "$rc" 130 "reverse: SIGINT gives exit 130"
is "$(j "$T/j2" "d['interrupted'] and 0 < d['reverse']['sent'] < 60000 and d['reverse']['packets'] + d['reverse']['lost_packets'] == d['reverse']['sent']")" \
	True "reverse: the server's partial sending is counted here"
done_testing
