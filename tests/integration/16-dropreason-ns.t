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
"$DPTUNE" stat -i 2 -c 3 --drop-reasons --json --layer socket,vdev,ip,nic > "/tmp/$P.json" \
	2>"/tmp/$P.err" & spid=$!
bg_pid $spid
# the program counts from its first snapshot on: send only once the first interval is out
for i in $(seq 200); do [ -s "/tmp/$P.json" ] && break; sleep 0.05; done
[ -s "/tmp/$P.json" ] || diag "stat printed no interval within 10 s (machine busy?)"
# a packet socket in ${P}a receiving N UDP datagrams from ${P}b, closed unread
nsx a python3 - "${P}a" "$B4" "$A4" "$N" <<'PY' &
import socket, subprocess, sys, time
dev, src, dst, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
p.bind((dev, 0))
p.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
open("/tmp/" + dev + ".ready", "w").close()
time.sleep(1.0)  # the sender runs now
p.close()        # N frames unread: QUEUE_PURGE
PY
ppid=$!
for i in $(seq 50); do [ -e /tmp/${P}a.ready ] && break; sleep 0.05; done
# N frames of the local experimental ethertype 0x88b5 from ${P}b, twice: while the packet
# socket in ${P}a is bound to that ethertype it queues them (purged at close); after it
# closed, nothing handles them (UNHANDLED_PROTO on ${P}a, the veth's rx_dropped)
send() { nsx b python3 - "${P}b" "$N" <<'PY'
import socket, sys
dev, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + b"x" * 46
for i in range(n):
	s.send(frame)
PY
}
send
wait $ppid
send
wait $spid; ok $? "stat --drop-reasons exits 0"
rm -f /tmp/${P}a.ready
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
	for r in json.loads(l)["rows"]:
		if r["counter"]==sys.argv[2]:
			t[(r["netns"], r["layer"], r["object"] or "-")]+=r.get("delta") or 0
for k,v in t.items(): print(*k, v)' "/tmp/$P.json" "$1"; }
diag "QUEUE_PURGE rows: $(rows drop:QUEUE_PURGE | tr '\n' ';')"
diag "UNHANDLED_PROTO rows: $(rows drop:UNHANDLED_PROTO | tr '\n' ';')"
got=$(rows drop:QUEUE_PURGE | awk -v ns="${P}a" '$1==ns {s+=$4} END {print s+0}')
[ "$got" -ge "$N" ]; ok $? "the $N purged frames are charged to ${P}a (got $got)"
# the device named is ${P}a's own (skb_iif resolved in ${P}a) or none, never a host device
# that happens to have the same ifindex
objs=$(rows drop:QUEUE_PURGE | awk -v ns="${P}a" '$1==ns {print $3}' | sort -u | tr '\n' ' ')
case " $objs " in
"  ") ok 1 "${P}a's purge drops name ${P}a's device or none (no row in ${P}a)";;
*) bad=0; for o in $objs; do case $o in "${P}a"|-|unknown) ;; *) bad=1;; esac; done
   ok $bad "${P}a's purge drops name ${P}a's device or none, no host device (got: $objs; host has: $hostdevs)";;
esac
got=$(rows drop:UNHANDLED_PROTO | awk -v ns="${P}a" -v d="${P}a" '$1==ns && $3==d && $2=="vdev" {s+=$4} END {print s+0}')
[ "$got" -ge "$N" ]; ok $? "UNHANDLED_PROTO on ${P}a counted in layer vdev (got $got of $N)"
rows drop:UNHANDLED_PROTO | awk '$2=="ip"' | grep -q .; ok $((! $?)) "no UNHANDLED_PROTO row in layer ip"
rm -f /tmp/$P.json /tmp/$P.err
