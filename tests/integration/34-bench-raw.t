#!/usr/bin/env bash
# 34-bench-raw.t: dptune bench --raw builds its own IPv4/IPv6 and UDP headers and sends them
# on AF_PACKET to the next hop. Between two namespaces: fixed counts arrive complete and
# counted exactly (so headers and checksums are right; a bad checksum is a drop), over
# several flows and threads, IPv4 and IPv6; loss from an nft rule is counted exactly; the
# sender's own netfilter is bypassed (what --raw promises); without CAP_NET_RAW or in
# reverse mode it is a clear error. Frames carry the sender device's own MAC (bridges learn
# from it); IPv6 loopback and a device without link headers (tun) work too.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip nft python3 timeout ss setpriv
plan 20

T=$(mktemp -d /tmp/$P.XXXX); on_cleanup rm -rf "$T"
veth_pair 34 v6

ip netns exec "${P}b" timeout 120 "$DPTUNE" serve --json >"$T/srv.out" 2>&1 &
bg_pid $!
for _ in $(seq 50); do nsx b ss -ltnH "sport = :5301" | grep -q . && break; sleep 0.1; done
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
ran() { j "$1" "'error' not in d and 'forward' in d"; }
UDPERR() { nsx b nstat -az UdpInCsumErrors Udp6InCsumErrors | awk 'NR>1 {s += $2} END {print s + 0}'; }

# IPv4, 8 flows over 2 threads: every datagram arrives, per flow
nsx a timeout 60 "$DPTUNE" bench --raw --json -n 20000 -r 20k -f 8 -T 2 $B4 >"$T/c1" 2>"$T/e1"
is "$(ran "$T/c1")" True "raw IPv4 run ran"
is "$(j "$T/c1" "(d['forward']['sent'], d['forward']['packets'], d['forward']['lost_packets'], d['forward']['out_of_order'], d['forward']['duplicates'])")" \
	"(20000, 20000, 0, 0, 0)" "raw IPv4: 20000 sent, all received, none lost, reordered or duplicated"
is "$(j "$T/c1" "sorted(set(f['packets'] for f in d['forward']['flows']))")" "[2500]" \
	"raw IPv4: each of 8 flows counted 2500"
MAC=$(nsx b cat /sys/class/net/${P}b/address)
is "$(j "$T/c1" "(d['raw']['device'], d['raw']['nexthop'], d['raw']['lladdr'], d['raw']['checksum'])")" \
	"('${P}a', '$B4', '$MAC', 'partial')" "raw: reports the egress device, next hop, its MAC, a partial checksum"

# the frames come from the sender device's own MAC, as a bridge or OVS must learn it
AMAC=$(nsx a cat /sys/class/net/${P}a/address)
nsx b nft add table netdev ${P}m
nsx b nft add chain netdev ${P}m in "{ type filter hook ingress device ${P}b priority 0; }"
nsx b nft add rule netdev ${P}m in ether saddr $AMAC udp dport 5302-5999 counter
nsx a timeout 60 "$DPTUNE" bench --raw --json -n 3000 -r 10k $B4 >"$T/c0" 2>"$T/e0"
is "$(nsx b nft list chain netdev ${P}m in | grep -o 'packets [0-9]*')" "packets 3000" \
	"raw: all 3000 frames carry the sender device's MAC"
nsx b nft delete table netdev ${P}m

# IPv6 (odd payload size: the checksum's padding)
nsx a timeout 60 "$DPTUNE" bench --raw -6 --json -n 5000 -r 10k -s 101 $B6 >"$T/c2" 2>"$T/e2"
is "$(ran "$T/c2")" True "raw IPv6 run ran"
is "$(j "$T/c2" "(d['ipv6'], d['forward']['packets'], d['forward']['lost_packets'])")" \
	"(True, 5000, 0)" "raw IPv6: 5000 of 5000 with 101-byte payloads"
is "$(UDPERR)" 0 "no UDP checksum errors at the receiver"

# checksums computed by the sender (where the kernel takes no virtio-net header) also hold
DPTUNE_RAW_FULL_CSUM=1 nsx a timeout 60 "$DPTUNE" bench --raw --json -n 3000 -r 10k -s 77 $B4 \
	>"$T/c2f" 2>"$T/e2f"
is "$(j "$T/c2f" "(d['raw']['checksum'], d['forward']['packets'], d['forward']['lost_packets'])") $(UDPERR)" "('full', 3000, 0) 0" \
	"raw with checksums computed by the sender: 3000 of 3000, no checksum errors"

# loss from an nft rule that drops every 10th datagram is counted exactly
nsx b nft add table inet ${P}t
nsx b nft add chain inet ${P}t in '{ type filter hook input priority 0; }'
nsx b nft add rule inet ${P}t in udp dport 5302-5999 numgen inc mod 10 == 0 counter drop
nsx a timeout 60 "$DPTUNE" bench --raw --json -n 10000 -r 10k $B4 >"$T/c3" 2>"$T/e3"
is "$(j "$T/c3" "d['forward']['lost_packets']")" 1000 "raw: nft dropped every 10th, 1000 reported lost"
nsx b nft delete table inet ${P}t

# the sender's own netfilter is bypassed: an output drop stops socket mode, not raw mode
nsx a nft add table inet ${P}o
nsx a nft add chain inet ${P}o out '{ type filter hook output priority 0; }'
nsx a nft add rule inet ${P}o out udp dport 5302-5999 counter drop
nsx a timeout 60 "$DPTUNE" bench --json -n 2000 -r 10k $B4 >"$T/c4" 2>"$T/e4"
nsx a timeout 60 "$DPTUNE" bench --raw --json -n 2000 -r 10k $B4 >"$T/c5" 2>"$T/e5"
is "$(j "$T/c4" "d.get('forward', {}).get('packets', 0)")" 0 "socket mode: the sender's output rule drops all"
is "$(j "$T/c5" "d['forward']['packets']")" 2000 "raw mode: past the sender's netfilter, all 2000 arrive"
nsx a nft delete table inet ${P}o

# loopback: IPv6 with a zero Ethernet header arrives; IPv4 the kernel would drop as a
# martian, so raw mode refuses it and says why
nsx b timeout 60 "$DPTUNE" bench --raw -6 --json -n 4000 -r 10k ::1 >"$T/c8" 2>"$T/e8"
is "$(j "$T/c8" "(d['raw']['device'], d['forward']['packets'], d['forward']['lost_packets'])")" \
	"('lo', 4000, 0)" "raw IPv6 on loopback: 4000 of 4000"
nsx b timeout 60 "$DPTUNE" bench --raw -n 100 127.0.0.1 >/dev/null 2>"$T/e8"
is "$? $(grep -c 'loopback device.*without --raw' "$T/e8")" "1 1" \
	"raw IPv4 on loopback: refused with the reason, exit 1"
# a device without link headers (tun, as wireguard and ipip are): the protocol goes in the
# address of every send. Two tun devices joined by tunpair.py make the link.
T4a=10.$X.35.1 T4b=10.$X.35.2
python3 "$(dirname "$0")/tunpair.py" ${P}ta ${P}tb 60 >"$T/tun" 2>&1 &
bg_pid $!
for _ in $(seq 50); do grep -q ready "$T/tun" && break; sleep 0.1; done
if ip link set ${P}ta netns ${P}a 2>/dev/null && ip link set ${P}tb netns ${P}b 2>/dev/null; then
	nsx a ip addr add $T4a peer $T4b dev ${P}ta; nsx b ip addr add $T4b peer $T4a dev ${P}tb
	nsx a ip link set ${P}ta up; nsx b ip link set ${P}tb up
	nsx a timeout 60 "$DPTUNE" bench --raw --json -n 4000 -r 4k $T4b >"$T/c9" 2>"$T/e9"
	is "$(j "$T/c9" "(d['raw']['device'], d['raw']['lladdr'], d['forward']['packets'])")" \
		"('${P}ta', 'none', 4000)" "raw over tun (no link header): 4000 of 4000"
	is "$(UDPERR)" 0 "no UDP checksum errors at the receiver after loopback and tun"
else
	skip "no tun devices: raw on a device without link headers"
	skip "no tun devices"
fi

# a datagram larger than the device's MTU: the kernel refuses it (EMSGSIZE) and the run
# stops at once with the reason, where socket mode would fragment
nsx a ip link set ${P}a mtu 600
SECONDS=0
nsx a timeout 60 "$DPTUNE" bench --raw -n 1000 -r 1k -s 1000 $B4 >/dev/null 2>"$T/e10"
is "$? $(grep -c 'sender stopped.*Message too long' "$T/e10") $((SECONDS < 10))" "1 1 1" \
	"raw datagram over the MTU: stops at once, says EMSGSIZE, exit 1"
nsx a ip link set ${P}a mtu 1500

# errors: reverse mode, and no CAP_NET_RAW
nsx a timeout 30 "$DPTUNE" bench --raw --reverse -n 100 $B4 >/dev/null 2>"$T/e6"
is "$? $(grep -c 'forward or bidirectional' "$T/e6")" "1 1" "--raw with --reverse: a clear error, exit 1"
nsx a timeout 30 setpriv --bounding-set -net_raw --inh-caps -net_raw \
	"$DPTUNE" bench --raw -n 100 $B4 >/dev/null 2>"$T/e7"
is "$? $(grep -c 'CAP_NET_RAW' "$T/e7")" "1 1" "--raw without CAP_NET_RAW: says so, exit 1"
nsx a timeout 30 "$DPTUNE" bench -n 100 -r 1k $B4 >/dev/null 2>"$T/e8"
rc=$?
# exit 1 with "could not keep the rate" is a loaded machine's timing, not a refusal
[ $rc -eq 0 ] || { [ $rc -eq 1 ] && grep -q 'could not keep the rate' "$T/e8"; }
ok $? "the server still serves a socket-mode client afterwards (exit $rc$( [ $rc -ne 0 ] && echo ": $(head -c 200 "$T/e8")"))"
done_testing
