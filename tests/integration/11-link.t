#!/usr/bin/env bash
# 11-link.t: the link, qdisc and ethtool collectors on a live topology: namespaces a and b
# joined by a veth pair, a bridge with a second veth in b, a pfifo qdisc on a's veth.
# Exactly N UDP datagrams go from a to b between two `stat -i` samples, and the veth
# counters must move by exactly N; kinds, peers, master, qdisc rows and driver must show.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip tc python3
N=1000

mkns a || skip_all "cannot create namespaces"
mkns b
for n in a b; do # no IPv6 chatter (DAD, MLD) inside the measured window
	nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add ${P}va netns ${P}a type veth peer name ${P}vb netns ${P}b || skip_all "no veth"
ip -n ${P}b link add ${P}br type bridge || skip_all "no bridge"
ip -n ${P}b link add ${P}v2 type veth peer name ${P}v2p
ip -n ${P}b link set ${P}v2 master ${P}br
ip -n ${P}a addr add 10.213.0.1/24 dev ${P}va
ip -n ${P}b addr add 10.213.0.2/24 dev ${P}vb
for d in ${P}vb ${P}br ${P}v2 ${P}v2p; do ip -n ${P}b link set $d up; done
ip -n ${P}a link set ${P}va up
nsx a tc qdisc replace dev ${P}va root pfifo limit 1000 || skip_all "no pfifo qdisc"
pin_neighbours a ${P}va 10.213.0.1 b ${P}vb 10.213.0.2 # no ARP inside the window
udp_sink b 10.213.0.2 9999 20
sleep 0.3

plan 16
OUT=$(mktemp /tmp/${P}.XXXXXX); ONE=$(mktemp /tmp/${P}.XXXXXX)
on_cleanup rm -f "$OUT" "$ONE"
# The datagrams go once the first interval is out (so after the first sample, however
# slow a loaded machine is to take it); deltas are summed over the intervals that follow.
"$DPTUNE" stat -i 1 -c 4 --json --all --collectors link,qdisc,ethtool >"$OUT" 2>/dev/null &
SPID=$!
bg_pid $SPID
for i in $(seq 100); do [ -s "$OUT" ] && break; sleep 0.1; done
[ -s "$OUT" ] || diag "stat printed no interval within 10 s: the machine is too loaded"
nsx a timeout 10 python3 -c "
import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range($N): s.sendto(b'x' * 18, ('10.213.0.2', 9999))" || diag "the sender in ${P}a failed"
wait $SPID
ok $? "stat -i 1 -c 4 ran"
"$DPTUNE" stat --json --all >"$ONE" 2>/dev/null
ok $? "stat --json --all ran"

q() { # file python-expression-over-d
	python3 - "$1" "$2" "$P" <<'PY'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]; P = sys.argv[3]
d = docs[-1]
def row(ns, obj, name, layer=None, queue=None):
    """the row of the last document; with several (intervals), delta summed over them"""
    found, total = {}, 0
    for doc in docs:
        for r in doc["rows"]:
            if r["netns"] == ns and r["object"] == obj and r["counter"] == name and \
               (layer is None or r["layer"] == layer) and r.get("queue") == queue:
                found, total = r, total + (r.get("delta") or 0)
    if found and "delta" in found:
        found = dict(found, delta=total)
    return found
def link(ns, name):
    for l in d.get("links", []):
        if l["netns"] == ns and l["name"] == name:
            return l
    return {}
print(eval(sys.argv[2]))
PY
}

is "$(q "$OUT" 'row(P+"b", P+"vb", "rx_packets").get("delta")')" "$N" "delta of rx_packets on ${P}vb is exactly $N"
is "$(q "$OUT" 'row(P+"a", P+"va", "tx_packets").get("delta")')" "$N" "delta of tx_packets on ${P}va is exactly $N"
is "$(q "$OUT" 'row(P+"a", P+"va", "packets", "qdisc").get("delta")')" "$N" "delta of the pfifo qdisc packets on ${P}va is exactly $N"
is "$(q "$ONE" 'row(P+"a", P+"va", "tx_packets", "vdev").get("value", 0) >= '$N)" True "tx_packets of veth ${P}va >= $N"
is "$(q "$ONE" 'row(P+"b", P+"vb", "rx_packets", "vdev").get("value", 0) >= '$N)" True "rx_packets of veth ${P}vb >= $N"
is "$(q "$ONE" 'link(P+"a", P+"va").get("kind")')" veth "${P}va is a veth"
is "$(q "$ONE" '"link_netnsid" in link(P+"a", P+"va") and link(P+"a", P+"va").get("link_ifindex", 0) > 0')" True "${P}va has its peer's ifindex and link_netnsid"
is "$(q "$ONE" 'link(P+"a", P+"va").get("link", "") + "@" + link(P+"a", P+"va").get("link_netns", "")')" \
	"${P}vb@${P}b" "${P}va's peer is named with its namespace (link, link_netns)"
"$DPTUNE" stat --links --netns "${P}a,${P}b" --layer udp 2>/dev/null | grep -qE "^${P}a +${P}va +veth .* peer=${P}vb@${P}b\$"
ok $? "stat --links shows ${P}va's peer as ${P}vb@${P}b, not link=ifN link-netnsid=M"
is "$(q "$ONE" 'link(P+"b", P+"v2").get("master")')" "${P}br" "${P}v2's bridge master is decoded"
is "$(q "$ONE" 'link(P+"b", P+"br").get("kind")')" bridge "${P}br is a bridge"
is "$(q "$ONE" 'link(P+"a", P+"va").get("qdisc") + " " + str(row(P+"a", P+"va", "drops", "qdisc").get("labels"))')" \
	"pfifo {'kind': 'pfifo', 'handle': '$(nsx a tc qdisc show dev ${P}va | awk '{print $3}')', 'parent': 'root'}" \
	"qdisc rows and root qdisc kind of ${P}va"
is "$(q "$ONE" 'link(P+"a", P+"va").get("driver")')" veth "ethtool driver of ${P}va"
is "$(q "$ONE" 'sorted(c["name"] for c in d["collectors"] if c["name"] in ("link", "qdisc", "ethtool") and c["available"])')" \
	"['ethtool', 'link', 'qdisc']" "link, qdisc and ethtool collectors available"
done_testing
