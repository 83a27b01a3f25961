#!/usr/bin/env bash
# 52-lab-fault.t: each `lab fault` makes its counter move (UDP RcvbufErrors, softnet
# dropped, conntrack drop/early_drop/insert_failed, nft rule drops, tap tx_dropped) and
# `fault --clear` restores every setting; `down` restores a host-wide one too. Counters are
# read as a real host would show them (dptune stat, /proc, sysfs, nft), never the lab state.
# serial: the backlog, rcvbuf and conntrack faults set host-wide sysctls (netdev_max_backlog,
#   rmem_default, nf_conntrack_max), and a --rate max bench overflows the host's backlog.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 ip
plan 18
SYS=/proc/sys/net
RMEM=$(cat $SYS/core/rmem_default) BL=$(cat $SYS/core/netdev_max_backlog)
CTMAX=$(cat $SYS/netfilter/nf_conntrack_max 2>/dev/null || echo none)
# Whatever happens, the host's values come back: but only a value still at this test's
# fault setting, and only to an original that is not itself a fault setting. Writing back
# blindly what was read at the start would leak another test's fault (read while it was
# on, written back after that test restored the host) and break every test after it.
restore() { # file fault-value original
	[ "$(cat "$1")" = "$2" ] && [ "$3" != "$2" ] && echo "$3" > "$1"
}
on_cleanup "restore $SYS/core/rmem_default 4096 $RMEM; restore $SYS/core/netdev_max_backlog 4 $BL"
[ "$CTMAX" != none ] && on_cleanup "restore $SYS/netfilter/nf_conntrack_max 16 $CTMAX"
for v in "rmem_default $RMEM 4096" "netdev_max_backlog $BL 4"; do
	set -- $v; [ "$2" = "$3" ] && diag "net.core.$1 is $2 (a fault's value) before this test: another test's fault is on, or one leaked"
done

A=${P}b R=${P}r T=${P}t
for l in $A $R $T; do on_cleanup "$DPTUNE" lab down "$l"; done
"$DPTUNE" lab up bridge --name "$A" >/dev/null || skip_all "lab up bridge failed"
X() { local l=$1 n=$2; shift 2; "$DPTUNE" lab exec --name "$l" "$n" -- "$@"; }

burst() { # lab client server addr n delay: receiver reads after delay; prints received
	local out; out=$(mktemp)
	timeout 12 "$DPTUNE" lab exec --name "$1" "$3" -- python3 -c '
import socket,sys,time
s=socket.socket(2,2); s.bind(("0.0.0.0",5500)); s.settimeout(1.5); n=0
time.sleep(float(sys.argv[1]))
try:
    while True: s.recv(2048); n+=1
except socket.timeout: pass
print(n)' "$6" >"$out" &
	local rp=$!
	sleep 0.5
	timeout 10 "$DPTUNE" lab exec --name "$1" "$2" -- python3 -c '
import socket,sys; s=socket.socket(2,2)
for i in range(int(sys.argv[2])): s.sendto(b"x"*64,(sys.argv[1],5500))' "$4" "$5"
	wait $rp; cat "$out"; rm -f "$out"
}
stat_row() { # netns layer counter -> value or "none"
	"$DPTUNE" stat --json --all --netns "$1" --layer "$2" 2>/dev/null | python3 -c '
import json,sys
d=json.load(sys.stdin); v=[r["value"] for r in d["rows"] if r["counter"]==sys.argv[1]]
print(sum(v) if v else "none")' "$3"
}

# rcvbuf: the receiver's default buffer shrinks; RcvbufErrors in the server's namespace.
before=$(stat_row "dl-$A-srv" udp UdpRcvbufErrors)
"$DPTUNE" lab fault "$A" rcvbuf >/dev/null; ok $? "fault rcvbuf"
burst "$A" cli srv 10.231.0.0 0 0 >/dev/null 2>&1 # no-op warm-up guard (bad address, nothing sent)
addr=$("$DPTUNE" lab status "$A" --json | json_get 'd["labs"][0]["target"]["addr"]')
got=$(burst "$A" cli srv "$addr" 3000 0.5)
after=$(stat_row "dl-$A-srv" udp UdpRcvbufErrors)
if [ "$after" = none ]; then skip "no UdpRcvbufErrors row (snmp collector)"
else ok $([ $((after - before)) -gt 0 ] && [ "$got" -lt 3000 ]; echo $?) "rcvbuf: UdpRcvbufErrors +$((after - before)), received $got/3000"; fi
"$DPTUNE" lab fault --clear "$A" >/dev/null; ok $? "fault --clear"
is "$(cat $SYS/core/rmem_default)" "$RMEM" "rmem_default restored"

# backlog: a tiny netdev_max_backlog; the RPS target CPU drops (softnet dropped).
sn() { python3 -c 'print(sum(int(l.split()[1],16) for l in open("/proc/net/softnet_stat")))'; }
b0=$(sn)
"$DPTUNE" lab fault "$A" backlog >/dev/null; ok $? "fault backlog"
is "$(cat $SYS/core/netdev_max_backlog)" 4 "netdev_max_backlog lowered to 4"
# A lab in another state directory must not record the fault's own value as the original
# (it would restore 4 for good): refused, saying why.
OD=/run/dptune/lab-$P-o O=${P}o
on_cleanup "DPTUNE_LAB_DIR=$OD $DPTUNE lab down $O; rm -rf $OD"
if DPTUNE_LAB_DIR=$OD "$DPTUNE" lab up veth --name "$O" >/dev/null 2>&1; then
	out=$(DPTUNE_LAB_DIR=$OD "$DPTUNE" lab fault "$O" backlog 2>&1); rc=$?
	ok $([ $rc -eq 1 ] && grep -q "already 4" <<<"$out"; echo $?) "a second lab's backlog fault is refused while the value is the fault's ($rc: $out)"
	DPTUNE_LAB_DIR=$OD "$DPTUNE" lab down "$O" >/dev/null
else
	skip "lab up veth in a second state directory failed"
fi
# full-rate load (a Python sender may be too slow to overflow even 4 packets)
"$DPTUNE" lab exec --name "$A" srv -- timeout 20 "$DPTUNE" serve --bind "$addr" --port 5501 >/dev/null 2>&1 &
sp=$!; T_PIDS+=("$sp")
for i in $(seq 50); do "$DPTUNE" lab exec --name "$A" cli -- bash -c "echo > /dev/tcp/$addr/5501" 2>/dev/null && break; sleep 0.1; done
"$DPTUNE" lab exec --name "$A" cli -- "$DPTUNE" bench "$addr" --port 5501 --rate max --duration 1 \
	--flows 8 >/dev/null 2>&1
kill $sp 2>/dev/null; wait $sp 2>/dev/null
b1=$(sn)
ok $([ $((b1 - b0)) -gt 0 ]; echo $?) "backlog: softnet dropped +$((b1 - b0))"
"$DPTUNE" lab fault --clear "$A" >/dev/null
is "$(cat $SYS/core/netdev_max_backlog)" "$BL" "netdev_max_backlog restored by --clear"
"$DPTUNE" lab fault "$A" backlog >/dev/null
"$DPTUNE" lab down "$A" >/dev/null
is "$(cat $SYS/core/netdev_max_backlog)" "$BL" "netdev_max_backlog restored by down"

# ratecap: an nft limit in the server's namespace drops above the rate.
"$DPTUNE" lab up veth --name "$A" >/dev/null
addr=$("$DPTUNE" lab status "$A" --json | json_get 'd["labs"][0]["target"]["addr"]')
if command -v nft >/dev/null; then
	"$DPTUNE" lab fault "$A" ratecap --rate 200 >/dev/null; ok $? "fault ratecap --rate 200"
	got=$(burst "$A" cli srv "$addr" 2000 0)
	drops=$(X "$A" srv nft list ruleset | sed -n 's/.*counter packets \([0-9]*\).*drop.*/\1/p')
	ok $([ "${drops:-0}" -gt 0 ] && [ "$got" -lt 2000 ]; echo $?) "ratecap: nft drops ${drops:-0}, received $got/2000"
	"$DPTUNE" lab fault --clear "$A" >/dev/null
	is "$(X "$A" srv nft list ruleset | wc -l)" 0 "ratecap cleared: no nft table left"
else
	for i in 1 2 3; do skip "nft not installed"; done
fi

# conntrack: a small table on the router lab.
if [ "$CTMAX" = none ]; then for i in 1 2 3; do skip "no nf_conntrack_max"; done; else
"$DPTUNE" lab up router --name "$R" >/dev/null
ct() { X "$R" rtr python3 -c '
L=open("/proc/net/stat/nf_conntrack").readlines(); h=L[0].split(); t={}
for l in L[1:]:
    for k,v in zip(h,l.split()): t[k]=t.get(k,0)+int(v,16)
print(t["drop"]+t["early_drop"]+t["insert_failed"])'; }
c0=$(ct)
"$DPTUNE" lab fault "$R" conntrack >/dev/null 2>"/tmp/$P.err"; ok $? "fault conntrack"; [ -s "/tmp/$P.err" ] && diag "$(cat "/tmp/$P.err")"; rm -f "/tmp/$P.err"
X "$R" ext python3 -c '
import socket
for p in range(200):
    s=socket.socket(2,2); s.sendto(b"x",("10.232.%s.100" % __import__("sys").argv[1],5500)); s.close()' \
	"$("$DPTUNE" lab status "$R" --json | json_get 'd["labs"][0]["index"]')"
c1=$(ct)
ok $([ $((c1 - c0)) -gt 0 ]; echo $?) "conntrack: drop+early_drop+insert_failed +$((c1 - c0))"
"$DPTUNE" lab fault --clear "$R" >/dev/null
is "$(cat $SYS/netfilter/nf_conntrack_max)" "$CTMAX" "nf_conntrack_max restored"
fi

# slowguest: the tap's queue to a slow guest overflows (tx_dropped on the host-side tap).
if "$DPTUNE" lab up tap --name "$T" >/dev/null 2>&1; then
	js=$("$DPTUNE" lab status "$T" --json)
	tap=$(echo "$js" | json_get '[h["dev"] for h in d["labs"][0]["path"] if h["kind"]=="tap"][0]')
	addr=$(echo "$js" | json_get 'd["labs"][0]["target"]["addr"]')
	td() { X "$T" hv cat "/sys/class/net/$tap/statistics/tx_dropped"; }
	t0=$(td)
	"$DPTUNE" lab fault "$T" slowguest >/dev/null; ok $? "fault slowguest"
	burst "$T" cli vm "$addr" 5000 0 >/dev/null
	t1=$(td)
	ok $([ $((t1 - t0)) -gt 0 ]; echo $?) "slowguest: tap $tap tx_dropped +$((t1 - t0))"
else
	skip "tap lab cannot run"; skip "tap lab cannot run"
fi
"$DPTUNE" lab down "$A" >/dev/null; "$DPTUNE" lab down "$R" >/dev/null 2>&1; "$DPTUNE" lab down "$T" >/dev/null 2>&1
done_testing
