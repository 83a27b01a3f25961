#!/usr/bin/env bash
# 15-dropreasons.t: kernel drop reasons (BPF on skb:kfree_skb) land in the right layer and
# namespace with exact counts: an nftables drop rule → netfilter, a closed port → udp; with
# the BTF tracepoint (tp_btf) and with its fallback, the perf-event tracepoint.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd nft python3
[ -r /sys/kernel/btf/vmlinux ] || skip_all "kernel has no BTF (/sys/kernel/btf/vmlinux)"
plan 10
mkns a
nsx a nft -f - <<EOF2
table inet ${P}t {
	chain in { type filter hook input priority 0; udp dport 7000 drop; }
}
EOF2
# The perf-event tracepoint needs tracefs (libbpf reads the event's id there). Where the
# host has none mounted, the tracepoint mode's dptune runs in a private mount namespace of
# its own with tracefs mounted in it (nothing changes on the host); without unshare it skips.
have_tracefs() { [ -d /sys/kernel/tracing/events ] || [ -d /sys/kernel/debug/tracing/events ]; }
dr() { # dptune ARGS, for this mode
	if [ "$mode" = tracepoint ] && ! have_tracefs && command -v unshare >/dev/null; then
		unshare -m --propagation private sh -c \
			'mount -t tracefs nodev /sys/kernel/tracing && exec "$@"' sh "$DPTUNE" "$@"
	else
		"$DPTUNE" "$@"
	fi
}
for mode in tp_btf tracepoint; do
export DPTUNE_DROPREASON_TRACEPOINT=$([ $mode = tracepoint ] && echo 1)
[ $mode = tp_btf ] && unset DPTUNE_DROPREASON_TRACEPOINT
# stat -- CMD takes its first snapshot (the program attached, every namespace of the host
# read, however long a loaded host takes) before the sends and its second after them:
# no race between the baseline, the sends and the end of the interval
dr stat --drop-reasons --json --layer netfilter,udp -- ip netns exec "${P}a" python3 -c '
import socket
s=socket.socket(2,2)
for i in range(77): s.sendto(b"x",("127.0.0.1",7000))
for i in range(33): s.sendto(b"x",("127.0.0.1",7001))
print("sent 77 to 7000, 33 to 7001")' > "/tmp/$P.json" 2>"/tmp/$P.err"
ok $? "stat --drop-reasons -- CMD exits 0 ($mode)" || diag "stderr: $(cat "/tmp/$P.err")"
if grep -q '"name":"dropreason","available":false' "/tmp/$P.json"; then
	reason=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([c["reason"] for c in d["collectors"] if c["name"]=="dropreason"][0])' "/tmp/$P.json")
	[ $mode = tracepoint ] && ! have_tracefs &&
		reason="$reason (tracefs is not mounted and could not be in a private mount namespace: the tracepoint mode needs it)"
	skip "BPF unavailable: $reason"; skip "BPF unavailable"; skip "BPF unavailable"; skip "BPF unavailable"
	rm -f /tmp/$P.json /tmp/$P.err; continue
fi
get() { python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
r=[r for r in d["rows"] if r["netns"]==sys.argv[2] and r["counter"]==sys.argv[3]]
print(sum(x["delta"] for x in r), ",".join(sorted(set(x["layer"] for x in r))))' "/tmp/$P.json" "${P}a" "$1"; }
# on a mismatch: every drop and UdpNoPorts row stat printed, in any namespace, and stderr
saw() { python3 -c '
import json,sys
for l in open(sys.argv[1]):
	d=json.loads(l)
	if "error" in d: print("#   error:", d["error"]); continue
	print("#   interval %.3f s, %d namespaces, dropreason: %s" % (d["interval"], len(d["namespaces"]),
	      [c.get("reason", "available") for c in d["collectors"] if c["name"]=="dropreason"]))
	for r in d["rows"]:
		if r["counter"].startswith("drop:") or r["counter"]=="UdpNoPorts":
			print("#   %s %s %s %s delta %s" % (r["layer"], r["netns"], r["object"] or "-", r["counter"], r.get("delta")))
' "/tmp/$P.json"; sed 's/^/#   stderr: /' "/tmp/$P.err"; }
is "$(get drop:NETFILTER_DROP)" "77 netfilter" "77 nftables drops counted in layer netfilter of ${P}a ($mode)" || saw
is "$(get drop:NO_SOCKET)" "33 udp" "33 closed-port drops counted in layer udp of ${P}a ($mode)" || saw
is "$(get UdpNoPorts)" "33 udp" "UdpNoPorts agrees with the drop reason count ($mode)" || saw
dr stat -i 0.2 -c 1 --drop-reasons --all --json --no-netns --layer ip >"/tmp/$P.att" 2>/dev/null
is "$(python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
print([r.get("labels") for r in d["rows"] if r["counter"]=="drop_events_missed"])' "/tmp/$P.att")" \
	"[{'attach': '$mode'}]" "the program is attached as $mode"
rm -f /tmp/$P.json /tmp/$P.err /tmp/$P.att
done
