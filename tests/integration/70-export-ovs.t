#!/bin/bash
# 70-export-ovs.t: `dptune export` with a private Open vSwitch instance (userspace datapath
# in namespace ${P}o, veth ports to ${P}a and ${P}b): the OVS families carry the
# namespace, device, bridge and Neutron iface_id labels, the datapath lookups are there,
# and promtool accepts the scrape.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ovs-lib.sh"
need_root
ovs_available || skip_all "needs openvswitch-switch (ovsdb-server, ovs-vswitchd, ovs-vsctl, ovs-ofctl, ovs-appctl)"
need_cmd python3 ethtool curl
plan 5
IFACE_ID=5e1f0c2a-0b9d-4c47-9a55-0d5f$(printf '%08x' $((RANDOM * RANDOM)))
mkns o && mkns a && mkns b || { echo "Bail out! cannot create namespaces"; exit 1; }
ovs_start o || { echo "Bail out! cannot start OVS (see $OVS_D/log)"; exit 1; }
BR=${P}br
$OVS_VS add-br "$BR" -- set bridge "$BR" datapath_type=netdev || { echo "Bail out! cannot add a netdev bridge"; exit 1; }
for n in a b; do
	ip link add "$P${n}i" netns "$P$n" type veth peer name "$P$n" netns "${P}o" &&
	ip -n "${P}o" link set "$P$n" up && ip -n "$P$n" link set "$P${n}i" up &&
	nsx "$n" ethtool -K "$P${n}i" tx off >/dev/null &&
	$OVS_VS add-port "$BR" "$P$n" || { echo "Bail out! cannot add port $P$n"; exit 1; }
done
$OVS_VS set Interface "${P}a" "external_ids:iface-id=$IFACE_ID"
ip -n "${P}a" addr add 10.59.0.1/24 dev "${P}ai"; ip -n "${P}b" addr add 10.59.0.2/24 dev "${P}bi"
for i in $(seq 20); do nsx a ping -c1 -W1 10.59.0.2 >/dev/null 2>&1 && break; sleep 0.25; done
nsx a ping -c 3 -i 0.2 -W 1 10.59.0.2 >/dev/null 2>&1; ok $? "ping through the OVS userspace datapath"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$DPTUNE" export --listen 127.0.0.1:$PORT --netns ${P}o --no-drop-reasons > /dev/null 2> "/tmp/$P.err" & EPID=$!; bg_pid $EPID
on_cleanup rm -f "/tmp/$P.err" "/tmp/$P.s"
for _ in $(seq 1 600); do curl -s -o /dev/null 127.0.0.1:$PORT/ && break; sleep 0.1; done
sleep 1 # OVSDB statistics are refreshed every few seconds
curl -s -o "/tmp/$P.s" 127.0.0.1:$PORT/metrics
grep -q '^dptune_collector_up{collector="ovs"} 1$' "/tmp/$P.s"; ok $? "the ovs collector is up"
grep -q "^dptune_ovs_interface_total{netns=\"${P}o\",device=\"${P}a\",.*iface_id=\"$IFACE_ID\".*stat=\"rx_packets\"" "/tmp/$P.s" ||
	grep -q "^dptune_ovs_interface_total{netns=\"${P}o\",device=\"${P}a\",stat=\"rx_packets\",.*iface_id=\"$IFACE_ID\"" "/tmp/$P.s"
ok $? "dptune_ovs_interface_total has netns=${P}o device=${P}a iface_id=$IFACE_ID stat=rx_packets" || grep '^dptune_ovs_interface_total' "/tmp/$P.s" | head -3 | sed 's/^/# /'
grep -q "^dptune_ovs_datapath_lookups_total{netns=\"${P}o\",datapath=\"netdev@ovs-netdev\".*result=\"hit\"" "/tmp/$P.s"
ok $? "dptune_ovs_datapath_lookups_total{result=hit} for the netdev datapath" || grep '^dptune_ovs_datapath' "/tmp/$P.s" | head -3 | sed 's/^/# /'
if command -v promtool >/dev/null; then
	out=$(promtool check metrics < "/tmp/$P.s" 2>&1); ok $([ -z "$out" ]; echo $?) "promtool check metrics reports nothing${out:+: $(echo "$out" | head -3)}"
else skip "no promtool"; fi
done_testing
