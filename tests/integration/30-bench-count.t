#!/usr/bin/env bash
# 30-bench-count.t: dptune serve/bench over a veth pair between two namespaces: a fixed
# count arrives complete and counted exactly, forward, reverse, bidir, IPv6, many flows
# (rtp profile); the server's limits refuse a test; bad options are usage errors.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip python3 timeout ss
plan 20

T=$(mktemp -d /tmp/$P.XXXX); on_cleanup rm -rf "$T"
veth_pair 30 v6

start_server() { # port extra-args...
	local port=$1; shift
	ip netns exec "${P}b" timeout 120 "$DPTUNE" serve -p "$port" --json "$@" >"$T/srv$port.out" 2>&1 &
	bg_pid $!
	for _ in $(seq 50); do nsx b ss -ltnH "sport = :$port" | grep -q . && return 0; sleep 0.1; done
	return 1
}
start_server 5301; ok $? "server listens"
start_server 6301 --max-flows 8 --max-rate 50k; ok $? "limited server listens"

j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# The servers run as "ip netns exec ... timeout ..." directly (not through a shell
# function) so that the PID killed by the cleanup trap is the server's.
# Exit 1 can also mean "sender-limited" on a busy machine: a timing fact, not a pass/fail
# one, so these check that the test ran (no "error") and what it counted.
ran() { j "$1" "'error' not in d and ('forward' in d or 'reverse' in d)"; }
nsx a timeout 60 "$DPTUNE" bench --json -n 20000 -r 20k $B4 >"$T/c1" 2>"$T/e1"
is "$(ran "$T/c1")" True "forward count run ran"
is "$(j "$T/c1" "d['forward']['sent']")" 20000 "forward: 20000 sent"
is "$(j "$T/c1" "d['forward']['packets'], d['forward']['lost_packets'], d['forward']['out_of_order'], d['forward']['duplicates']")" \
	"(20000, 0, 0, 0)" "forward: all 20000 received, none lost, reordered or duplicated"
is "$(j "$T/c1" "d['clock_shared'] and d['forward']['latency_us']['p50'] is not None")" True \
	"one-way latency reported (one kernel)"

nsx a timeout 60 "$DPTUNE" bench --json -n 5000 -r 10k -f 4 --reverse $B4 >"$T/c2" 2>"$T/e2"
is "$(ran "$T/c2")" True "reverse run ran"
is "$(j "$T/c2" "(d['reverse']['sent'], d['reverse']['packets'], d['reverse']['lost_packets'], 'forward' in d)")" \
	"(5000, 5000, 0, False)" "reverse: the server sent 5000, all counted here"

nsx a timeout 60 "$DPTUNE" bench --json -n 3000 -r 5k --bidir $B4 >"$T/c3" 2>"$T/e3"
is "$(ran "$T/c3")" True "bidir run ran"
is "$(j "$T/c3" "(d['forward']['packets'], d['reverse']['packets'])")" "(3000, 3000)" \
	"bidir: 3000 each way"

nsx a timeout 60 "$DPTUNE" bench --json -6 -n 5000 -r 10k $B6 >"$T/c4" 2>"$T/e4"
is "$(ran "$T/c4")" True "IPv6 run ran"
is "$(j "$T/c4" "(d['ipv6'], d['size']['ip'], d['forward']['packets'], d['forward']['lost_packets'])")" \
	"(True, 112, 5000, 0)" "IPv6: 5000 of 5000, 112-byte IP packets"

nsx a timeout 60 "$DPTUNE" bench --json --profile rtp -f 300 -n 15000 $B4 >"$T/c5" 2>"$T/e5"
is "$(ran "$T/c5")" True "rtp profile run (300 streams) ran"
is "$(j "$T/c5" "(len(d['forward']['flows']), sum(f['packets'] for f in d['forward']['flows']), d['forward']['streams']['with_loss'], d['size']['payload'])")" \
	"(300, 15000, 0, 200)" "rtp: 300 streams, every datagram counted per stream, 200-byte payloads"
is "$(j "$T/c5" "min(f['sent'] for f in d['forward']['flows']), max(f['sent'] for f in d['forward']['flows'])")" \
	"(50, 50)" "rtp: each stream sent its share"

nsx a timeout 30 "$DPTUNE" bench -p 6301 -n 100 -r 1k -f 9 $B4 >"$T/c6" 2>"$T/e6"
is "$? $(grep -c 'refused the test' "$T/e6")" "1 1" "server --max-flows refuses 9 flows (exit 1)"
nsx a timeout 30 "$DPTUNE" bench -p 6301 -n 100 -r 60k $B4 >"$T/c7" 2>"$T/e7"
is "$? $(grep -c 'max-rate' "$T/e7")" "1 1" "server --max-rate refuses 60k pps (exit 1)"

"$DPTUNE" bench -s 16 $B4 >/dev/null 2>&1
is $? 2 "--size below the header is a usage error"
"$DPTUNE" bench -r fast $B4 >/dev/null 2>&1
is $? 2 "a bad --rate is a usage error"
nsx a timeout 30 "$DPTUNE" bench -p 7301 -n 10 $B4 >/dev/null 2>&1
is $? 1 "no server: exit 1"
done_testing
