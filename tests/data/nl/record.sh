#!/usr/bin/env bash
# record.sh: rebuild the recorded netlink dumps in this directory from a throwaway
# topology (run as root): namespace A holds a veth to namespace B, a bridge with a second
# veth pair, a vxlan (VNI 42 over the first veth, port 4789), a pfifo root on the first
# veth and an mq root (pfifo_fast children) on the 4-queue one. It saves the raw dumps (getlink/getstats/getqdisc.bin), iproute2's
# own decoding of the same state (ip-link.json, tc-qdisc.json), A's /proc/net/dev, and
# the ethtool string sets of a veth and of this host's eth0 (if any).
set -eu
cd "$(dirname "$0")"
A=nlrecA$$ B=nlrecB$$
trap 'ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null' EXIT
ip netns add $A; ip netns add $B
for n in $A $B; do # no IPv6 DAD/MLD chatter: the dumps and iproute2's view must agree
	ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n $n link set lo up
done
ip link add rva netns $A type veth peer name rvb netns $B
ip -n $A link add rbr0 type bridge
ip -n $A link add rv1 numtxqueues 4 numrxqueues 4 type veth peer name rv1p
ip -n $A link set rv1 master rbr0
ip -n $A link add rvx0 type vxlan id 42 dev rva dstport 4789 local 10.201.0.1
ip -n $A addr add 10.201.0.1/24 dev rva; ip -n $B addr add 10.201.0.2/24 dev rvb
for d in rva rbr0 rv1 rv1p rvx0; do ip -n $A link set $d up; done
ip -n $B link set rvb up
ip netns exec $A tc qdisc replace dev rv1 root mq
ip netns exec $A tc qdisc replace dev rva root pfifo limit 100
ip netns exec $A ping -c 3 -i 0.2 -W 1 10.201.0.2 >/dev/null
ip netns exec $A python3 nldump.py . rva
ip -n $A -j -d -s link show > ip-link.json
tc -n $A -j -s qdisc show > tc-qdisc.json
mkdir -p proc/net; ip netns exec $A cat /proc/net/dev > proc/net/dev
if [ -e /sys/class/net/eth0 ]; then
	python3 nldump.py /tmp eth0 && mv /tmp/getlink.bin /tmp/getstats.bin /tmp/getqdisc.bin /dev/null 2>/dev/null || true
	mv /tmp/gstrings-eth0.bin gstrings-virtio.bin 2>/dev/null || true
	ethtool -S eth0 | sed -n '2,$ s/^ *\([^:]*\):.*/\1/p' > gstrings-virtio.txt
fi
mv gstrings-rva.bin gstrings-veth.bin
ip netns exec $A ethtool -S rva | sed -n '2,$ s/^ *\([^:]*\):.*/\1/p' > gstrings-veth.txt
echo "recorded into $PWD"
