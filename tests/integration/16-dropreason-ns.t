#!/usr/bin/env bash
# 16-dropreason-ns.t: drops with no device are charged to the namespace they happened in,
# never to the host, and an ifindex is named only in its own namespace: a packet socket in
# a namespace closed with frames unread (QUEUE_PURGE: skb->dev already cleared, no
# receiving socket) is charged to that namespace. UNHANDLED_PROTO (frames of an ethertype
# nobody handles, counted by the device as rx_dropped) lands in the device's layer, vdev
# for a veth, not ip.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 ip
[ -r /sys/kernel/btf/vmlinux ] || skip_all "kernel has no BTF (/sys/kernel/btf/vmlinux)"
plan 5
veth_pair 7
N=40
# The scenario, as the command stat counts over (stat -- CMD: its first snapshot, the
# program attached, is taken before the scenario starts and its second after it ends,
# however long a loaded host takes for either). Each step waits for the one before,
# bounded: a packet socket in ${P}a bound to the local experimental ethertype 0x88b5;
# N frames of that ethertype from ${P}b, which it queues; once it holds all N (its
# PACKET_STATISTICS), it closes them unread (QUEUE_PURGE); then N more frames, which
# nothing handles (UNHANDLED_PROTO on ${P}a, the veth's rx_dropped).
cat > "/tmp/$P.run" <<'SH'
P=$1 N=$2
rm -f "/tmp/$P.ready"
ip netns exec "${P}a" python3 - "${P}a" "$N" "/tmp/$P.ready" <<'PY' & rpid=$!
import socket, struct, sys, time
dev, n, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
p.bind((dev, 0))
p.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
open(ready, "w").close()
got, drops, t_end = 0, 0, time.time() + 60
while got < n and time.time() < t_end:
	# tp_packets counts queued and dropped frames; reading resets the counters
	pk, dr = struct.unpack("II", p.getsockopt(263, 6, 8))  # SOL_PACKET, PACKET_STATISTICS
	got, drops = got + pk, drops + dr
	time.sleep(0.01)
print("packet socket in %s: %d frames seen (%d dropped by it), closing unread" % (dev, got, drops))
p.close()
sys.exit(0 if got >= n else 1)
PY
for i in $(seq 600); do [ -e "/tmp/$P.ready" ] && break; sleep 0.1; done
[ -e "/tmp/$P.ready" ] || { echo "the packet socket in ${P}a was not bound within 60 s"; kill $rpid; exit 1; }
send() { ip netns exec "${P}b" python3 - "${P}b" "$N" <<'PY'
import socket, sys
dev, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + b"x" * 46
for i in range(n):
	s.send(frame)
PY
}
send || exit 1
wait $rpid || exit 1
send
SH
"$DPTUNE" stat --drop-reasons --json --layer socket,vdev,ip,nic -- bash "/tmp/$P.run" "$P" "$N" \
	> "/tmp/$P.json" 2>"/tmp/$P.err"
ok $? "stat --drop-reasons -- SCENARIO exits 0" || diag "stderr: $(cat "/tmp/$P.err")"
rm -f "/tmp/$P.ready" "/tmp/$P.run"
if grep -q '"name":"dropreason","available":false' "/tmp/$P.json"; then
	for i in 1 2 3 4; do skip "BPF unavailable"; done
	rm -f /tmp/$P.json /tmp/$P.err; exit 0
fi
hostdevs=$(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | tr '\n' ' ')
rows() { python3 -c '
import json,sys
import collections
t=collections.Counter()
for l in open(sys.argv[1]):
	if not l.strip(): continue
	for r in json.loads(l).get("rows", []):
		if r["counter"]==sys.argv[2]:
			t[(r["netns"], r["layer"], r["object"] or "-")]+=r.get("delta") or 0
for k,v in t.items(): print(*k, v)' "/tmp/$P.json" "$1"; }
why() { diag "interval $(python3 -c 'import json,sys; print([d.get("interval") for d in map(json.loads, open(sys.argv[1]))])' "/tmp/$P.json") s; stat's stderr:"; sed 's/^/#   /' "/tmp/$P.err"; }
diag "QUEUE_PURGE rows: $(rows drop:QUEUE_PURGE | tr '\n' ';')"
diag "UNHANDLED_PROTO rows: $(rows drop:UNHANDLED_PROTO | tr '\n' ';')"
got=$(rows drop:QUEUE_PURGE | awk -v ns="${P}a" '$1==ns {s+=$4} END {print s+0}')
[ "$got" -ge "$N" ]; ok $? "the $N purged frames are charged to ${P}a (got $got)" || why
# the device named is ${P}a's own (skb_iif resolved in ${P}a) or none, never a host device
# that happens to have the same ifindex
objs=$(rows drop:QUEUE_PURGE | awk -v ns="${P}a" '$1==ns {print $3}' | sort -u | tr '\n' ' ')
case " $objs " in
"  ") ok 1 "${P}a's purge drops name ${P}a's device or none (no row in ${P}a)";;
*) bad=0; for o in $objs; do case $o in "${P}a"|-|unknown) ;; *) bad=1;; esac; done
   ok $bad "${P}a's purge drops name ${P}a's device or none, no host device (got: $objs; host has: $hostdevs)";;
esac
got=$(rows drop:UNHANDLED_PROTO | awk -v ns="${P}a" -v d="${P}a" '$1==ns && $3==d && $2=="vdev" {s+=$4} END {print s+0}')
[ "$got" -ge "$N" ]; ok $? "UNHANDLED_PROTO on ${P}a counted in layer vdev (got $got of $N)" || why
rows drop:UNHANDLED_PROTO | awk '$2=="ip"' | grep -q .; ok $((! $?)) "no UNHANDLED_PROTO row in layer ip"
rm -f /tmp/$P.json /tmp/$P.err
