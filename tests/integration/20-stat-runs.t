#!/usr/bin/env bash
# 20-stat-runs.t: the rows a source made unchanged since an earlier read are kept in the
# snapshot's buffer and joined to the previous snapshot by position (snap_reuse, snap_run)
# instead of being parsed, written and matched again. With DPTUNE_CHECK_RUNS in the
# environment dptune proves every such join against the previous snapshot's rows and aborts
# on the first that is not. Under `stat -i 0.1` and `record -i 0.1`, over the whole host,
# while bursts of UDP cross a veth, a device comes and goes, a setting changes and a
# namespace appears and goes: no run fails its proof, and the receiving veth's rx_packets
# lose no move (each interval's value minus its delta is the value printed the last time it
# moved, and the moves add up to at least the packets sent).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 ip timeout
plan 7
veth_pair 7
pin_neighbours a ${P}a $A4 b ${P}b $B4 || skip_all "cannot pin the neighbours"
PORT=$((PORT_BASE + 1))
udp_sink b $B4 $PORT 60
on_cleanup "rm -f /tmp/$P.json /tmp/$P.err /tmp/$P.rec /tmp/$P.rerr /tmp/$P.sent"
# stat runs until the bursts are all in its intervals (however slowly a busy machine takes
# them), then is stopped by SIGINT, which ends it after the sample in progress, exit 0.
# -c 600 bounds it, not timeout(1): timeout passes a SIGINT on to its child and again to
# its process group, and a second SIGINT ends stat at once (exit 130) when the child runs
# between the two (a loaded machine).
DPTUNE_CHECK_RUNS=1 "$DPTUNE" stat -i 0.1 -c 600 --json > /tmp/$P.json 2> /tmp/$P.err &
spid=$!; bg_pid $spid
DPTUNE_CHECK_RUNS=1 timeout 60 "$DPTUNE" record -i 0.1 --duration 9 -o /tmp/$P.rec \
	> /dev/null 2> /tmp/$P.rerr &
rpid=$!; bg_pid $rpid
# the bursts start after the first interval is out (however long a busy machine takes)
for i in $(seq 200); do [ -s /tmp/$P.json ] && break; sleep 0.05; done
burst() { # N: N datagrams from a to b's sink, a few ms apart in groups of 50
	nsx a python3 - "$B4" "$PORT" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[3])):
	s.sendto(b"x" * 64, (sys.argv[1], int(sys.argv[2])))
	if i % 50 == 49:
		time.sleep(0.01)
PY
	echo "$1" >> /tmp/$P.sent
}
sleep 0.5; burst 300
sleep 0.7; ip -n ${P}a link add ${P}x type veth peer name ${P}y && ip -n ${P}a link set ${P}x up
sleep 0.5; burst 200
sleep 0.5; nsx a sh -c 'echo 8192 > /proc/sys/net/ipv4/udp_rmem_min'
mkns c
sleep 0.7; burst 100
sleep 0.5; ip -n ${P}a link del ${P}x; ip netns del ${P}c
sleep 0.5; burst 250
n=$(wc -l < /tmp/$P.json)
for i in $(seq 200); do [ "$(wc -l < /tmp/$P.json)" -ge $((n + 3)) ] && break; sleep 0.05; done
kill -INT $spid
wait $spid; st=$?
ok $((st != 0)) "stat -i 0.1 under DPTUNE_CHECK_RUNS, stopped by SIGINT after the bursts, exits 0 (got $st)" ||
	sed 's/^/  stat: /' /tmp/$P.err >&2
ok "$(grep -c 'is not the previous' /tmp/$P.err)" "no run of stat's failed its proof" ||
	grep 'is not the previous' /tmp/$P.err >&2
wait $rpid; st=$?
ok $((st != 0)) "record -i 0.1 under DPTUNE_CHECK_RUNS exits 0 (got $st)" ||
	sed 's/^/  record: /' /tmp/$P.rerr >&2
ok "$(grep -c 'is not the previous' /tmp/$P.rerr)" "no run of record's failed its proof" ||
	grep 'is not the previous' /tmp/$P.rerr >&2
sent=$(awk '{ s += $1 } END { print s }' /tmp/$P.sent)
python3 - /tmp/$P.json "${P}b" "$sent" > /tmp/$P.chk <<'PY'
import json, sys
path, dev, sent = sys.argv[1], sys.argv[2], int(sys.argv[3])
docs = [json.loads(l) for l in open(path) if l.strip()]
moves = []
for d in docs:
    if "interval" not in d:
        continue
    for r in d.get("rows", []):
        if r.get("object") == dev and r.get("counter") == "rx_packets" and r.get("delta"):
            moves.append((d["seq"], r["value"], r["delta"]))
broken = [(a, b) for a, b in zip(moves, moves[1:]) if b[1] - b[2] != a[1]]
print(len(docs), len(moves), sum(m[2] for m in moves), sent, len(broken), broken[:3])
PY
read -r ndocs nmoves total want nbroken rest < /tmp/$P.chk
ok $((ndocs < 10)) "stat printed its intervals (${ndocs} documents)"
ok $((nbroken != 0)) "${P}b's rx_packets: each move starts where the last one ended ($nmoves moves, $nbroken broken: $rest)"
ok $((total < want)) "${P}b's rx_packets moved by $total over the run, at least the $want datagrams sent"
done_testing
