#!/usr/bin/env bash
# 11-veth-napi.t: a veth's ethtool statistics (its per-queue NAPI/XDP counters) land in the
# interval they moved in. stat reads them only when the veth's link counters moved in this
# interval or the last one (src/collect/ethtool.c, ET_VERIFY); this test puts a veth in
# NAPI mode (GRO on the receiver, TSO off on the sender: every datagram then goes through
# the receiver's NAPI poll and its rx_queue_xdp_packets), lets it sit quiet for several
# intervals, sends a burst, waits again, sends another, and checks interval by interval
# that rx_queue_xdp_packets moves with rx_packets, exactly, never later.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip ethtool python3
N=300

veth_pair 0 # ${P}a <-> ${P}b, $A4 and $B4
for n in a b; do # no IPv6 chatter (DAD, MLD) in the measured intervals
	nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
nsx b ethtool -K ${P}b gro on >/dev/null 2>&1 || skip_all "cannot turn GRO on for a veth"
nsx a ethtool -K ${P}a tso off >/dev/null 2>&1
pin_neighbours a ${P}a $A4 b ${P}b $B4 # no ARP inside the window
udp_sink b $B4 9999 30
sleep 0.3
# NAPI mode, asked of ethtool itself (not of dptune): one datagram must move the queue
# counter, else this kernel keeps veth out of NAPI mode and there is nothing to test.
xdp_now() { nsx b ethtool -S ${P}b | awk '$1 == "rx_queue_0_xdp_packets:" { print $2 }'; }
x0=$(xdp_now)
nsx a python3 -c "
import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('$B4', 9999))"
sleep 0.2
x1=$(xdp_now)
[ -n "$x0" ] && [ -n "$x1" ] && [ "$x1" -gt "$x0" ] ||
	skip_all "this kernel does not put a veth with GRO on in NAPI mode (ethtool -S: rx_queue_0_xdp_packets ${x0:-absent} -> ${x1:-absent})"

plan 6
OUT=$(mktemp /tmp/${P}.XXXXXX)
on_cleanup rm -f "$OUT"
burst() {
	nsx a timeout 10 python3 -c "
import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range($N): s.sendto(b'x' * 18, ('$B4', 9999))" || diag "the sender in ${P}a failed"
}
wait_lines() { # N: until stat has printed N intervals (60 s at most)
	local i
	for i in $(seq 600); do [ "$(wc -l <"$OUT")" -ge "$1" ] && return 0; sleep 0.1; done
	diag "stat printed $(wc -l <"$OUT") of $1 intervals within 60 s: the machine is too loaded"
	return 1
}
# 20 intervals (fewer than ET_VERIFY, so no periodic read falls in between): the first
# burst after the 5th, the second once 4 more intervals are out after the first was sent
# (however late a loaded machine ran the sender), so quiet intervals lie between them.
"$DPTUNE" stat -i 0.3 -c 20 --json --all --collectors link,ethtool --netns "${P}a,${P}b" >"$OUT" 2>/dev/null &
SPID=$!
bg_pid $SPID
wait_lines 5 && burst
wait_lines $(($(wc -l <"$OUT") + 4)) && burst
wait $SPID
ok $? "stat -i 0.3 -c 20 ran"

# Per interval: ${P}b's rx_packets and rx_queue_xdp_packets (queue 0) deltas.
read -r RX XDP < <(python3 - "$OUT" "$P" <<'PY'
import json, sys
P = sys.argv[2]
rx, xdp = [], []
for l in open(sys.argv[1]):
    d = json.loads(l)
    a = b = 0
    for r in d["rows"]:
        if r["netns"] == P + "b" and r["object"] == P + "b":
            if r["counter"] == "rx_packets" and r.get("queue") is None:
                a = r.get("delta", 0)
            elif r["counter"] == "rx_queue_xdp_packets" and r.get("queue") == 0:
                b = r.get("delta", 0)
    rx.append(str(a)); xdp.append(str(b))
print(",".join(rx), ",".join(xdp))
PY
)
diag "rx_packets per interval:           $RX"
diag "rx_queue_xdp_packets per interval: $XDP"
sum() { local s=0 v; IFS=, read -ra v <<<"$1"; for x in "${v[@]}"; do s=$((s + x)); done; echo $s; }
is "$(sum "$RX")" $((2 * N)) "rx_packets of ${P}b moved by exactly 2 x $N over the run"
is "$(sum "$XDP")" $((2 * N)) "rx_queue_xdp_packets of ${P}b moved by exactly 2 x $N (every datagram through NAPI)"

# Same interval: the running totals agree at the end of every interval, but for a burst
# read between the link and the ethtool reads of one snapshot (a few ms), which must agree
# again by the end of the next interval (never later).
verdict=$(python3 - "$RX" "$XDP" <<'PY'
import sys
rx = [int(x) for x in sys.argv[1].split(",")]; xdp = [int(x) for x in sys.argv[2].split(",")]
cr = cx = 0; bad = []; prev_off = False
for i, (a, b) in enumerate(zip(rx, xdp)):
    cr += a; cx += b
    off = cr != cx
    if off and prev_off:
        bad.append(i + 1)
    prev_off = off
print("ok" if not bad and not prev_off else "late in interval(s) %s" % (bad or [len(rx)]))
PY
)
is "$verdict" ok "rx_queue_xdp_packets moves in the interval rx_packets moves in, never later"

# The second burst came after intervals in which nothing moved, when the veth was not read:
# it must still show at once (the case that a fixed read schedule gets wrong).
quiet=$(python3 - "$RX" <<'PY'
import sys
rx = [int(x) for x in sys.argv[1].split(",")]
moved = [i for i, v in enumerate(rx) if v]
gaps = [moved[k + 1] - moved[k] - 1 for k in range(len(moved) - 1)]
print(max(gaps) if gaps else 0)
PY
)
[ "$quiet" -ge 2 ]
ok $? "the bursts were $quiet quiet intervals apart (at least 2: the veth was not being read)"
is "$(wc -l <"$OUT")" 20 "stat printed its 20 intervals"
done_testing
