#!/bin/bash
# 14-ovs.t: the ovs collector against a private Open vSwitch instance (userspace datapath,
# in namespace ${P}o) with two veth ports to namespaces ${P}a and ${P}b: OVSDB interface
# rows with bridge/ofport/iface_id labels, datapath rows, an OpenFlow drop flow seen in the
# coverage drop counter, and discovery through /proc without --ovs-rundir.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ovs-lib.sh"
need_root
ovs_available || skip_all "needs openvswitch-switch (ovsdb-server, ovs-vswitchd, ovs-vsctl, ovs-ofctl, ovs-appctl)"
need_cmd python3 ethtool
[ -x "$DPTUNE" ] || skip_all "dptune not built at $DPTUNE"
"$DPTUNE" stat --list-collectors | grep -q '^ovs ' || skip_all "dptune has no ovs collector"

N=100
IFACE_ID=5e1f0c2a-0b9d-4c47-9a55-0d5f$(printf '%08x' $((RANDOM * RANDOM)))
plan 14

mkns o && mkns a && mkns b || { echo "Bail out! cannot create namespaces"; exit 1; }
ovs_start o || { echo "Bail out! cannot start OVS (see $OVS_D/log)"; exit 1; }
BR=${P}br
$OVS_VS add-br "$BR" -- set bridge "$BR" datapath_type=netdev ||
	{ echo "Bail out! cannot add a netdev bridge"; exit 1; }
for n in a b; do
	ip link add "$P${n}i" netns "$P$n" type veth peer name "$P$n" netns "${P}o" &&
	ip -n "${P}o" link set "$P$n" up && ip -n "$P$n" link set "$P${n}i" up &&
	nsx "$n" ethtool -K "$P${n}i" tx off >/dev/null && # else UDP checksums fail in OVS
	$OVS_VS add-port "$BR" "$P$n" || { echo "Bail out! cannot add port $P$n"; exit 1; }
done
$OVS_VS set Interface "${P}a" "external_ids:iface-id=$IFACE_ID"
ip -n "${P}a" addr add 10.58.0.1/24 dev "${P}ai"
ip -n "${P}b" addr add 10.58.0.2/24 dev "${P}bi"

# Wait (bounded) until the bridge forwards.
for i in $(seq 20); do nsx a ping -c1 -W1 10.58.0.2 >/dev/null 2>&1 && break; sleep 0.25; done
nsx a ping -c 2 -i 0.2 -W 1 10.58.0.2 >/dev/null 2>&1
ok $? "ping through the OVS userspace datapath"

# send PORT COUNT: COUNT datagrams from ${P}a to ${P}b, paced, bounded.
send() {
	nsx a timeout 20 python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(b"dptune-ovs",("10.58.0.2",int(sys.argv[1]))); time.sleep(0.002)' "$1" "$2"
}
RX=$(mktemp "/tmp/${P}rx.XXXXXX"); on_cleanup rm -f "$RX"
nsx b timeout 20 python3 -c 'import socket,sys
r=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); r.bind(("10.58.0.2",5001)); r.settimeout(2); n=0
try:
    while n < 50:
        r.recv(100); n+=1
except socket.timeout: pass
open(sys.argv[1],"w").write(str(n))' "$RX" &
RPID=$!; bg_pid $RPID
sleep 0.3
send 5001 50
wait $RPID
got=$(cat "$RX")
[ "${got:-0}" -gt 0 ]; ok $? "UDP passes the bridge ($got of 50 datagrams)"

# snap FILE [ARGS]: one JSON snapshot of the ovs collector.
snap() { local f=$1; shift; "$DPTUNE" stat --json --all --collectors ovs "$@" >"$f"; }
S1=$(mktemp "/tmp/${P}s1.XXXXXX"); S2=$(mktemp "/tmp/${P}s2.XXXXXX"); S3=$(mktemp "/tmp/${P}s3.XXXXXX")
on_cleanup rm -f "$S1" "$S2" "$S3"
RUN=$(realpath "$OVS_RUN")

# row FILE OBJECT COUNTER: value of the row of our instance, or "none".
row() {
	python3 - "$@" "$RUN" <<'EOF'
import json, sys
f, obj, name, run = sys.argv[1:5]
d = json.load(open(f))
v = [r for r in d["rows"] if r["object"] == obj and r["counter"] == name
     and r.get("labels", {}).get("ovs") == run]
print(v[0]["value"] if v else "none")
EOF
}
label() { # FILE OBJECT COUNTER LABEL
	python3 - "$@" "$RUN" <<'EOF'
import json, sys
f, obj, name, lab, run = sys.argv[1:6]
d = json.load(open(f))
v = [r for r in d["rows"] if r["object"] == obj and r["counter"] == name
     and r.get("labels", {}).get("ovs") == run]
print(v[0].get("labels", {}).get(lab, "none") if v else "none")
EOF
}

ovs-ofctl add-flow "unix:$OVS_RUN/$BR.mgmt" "priority=100,udp,tp_dst=5002,actions=drop"
ok $? "add an OpenFlow drop flow for udp port 5002"
snap "$S1" --ovs-rundir "$OVS_RUN"
ok $? "dptune stat --json --ovs-rundir runs"
send 5002 $N
# ovs-vswitchd folds each thread's coverage counts into the totals once a second; wait
# (bounded) until its own coverage/show has them, then read them through dptune.
for i in $(seq 40); do
	$OVS_APP coverage/show | awk -v n=$N '$1 == "drop_action_of_pipeline" && $NF >= n { f = 1 } END { exit !f }' && break
	sleep 0.25
done
snap "$S2" --ovs-rundir "$OVS_RUN"

# OVSDB rows, with their labels.
v=$(row "$S1" "${P}a" ovs_rx_packets)
[ "$v" != none ]; ok $? "OVSDB row ovs_rx_packets for ${P}a ($v)"
is "$(label "$S1" "${P}a" ovs_rx_packets bridge)" "$BR" "the row names its bridge"
is "$(label "$S1" "${P}a" ovs_rx_packets iface_id)" "$IFACE_ID" "the row carries external_ids:iface-id"
is "$(label "$S1" "${P}a" ovs_rx_packets source)" "ovsdb" "the row says it comes from OVSDB"
is "$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); print(sorted({r["netns"] for r in d["rows"] if r["object"]==sys.argv[2]}))' "$S1" "${P}a")" \
	"['${P}o']" "OVS rows are filed under ovs-vswitchd's namespace"

# Datapath rows.
v=$(row "$S2" "ovs:netdev@ovs-netdev" dp_hit)
[ "$v" != none ] && [ "$v" -gt 0 ]; ok $? "datapath lookups hit ($v)"

# The drop flow: drop_action_of_pipeline rose by at least N.
c1=$(row "$S1" "ovs:netdev@ovs-netdev" coverage_drop_action_of_pipeline)
c2=$(row "$S2" "ovs:netdev@ovs-netdev" coverage_drop_action_of_pipeline)
[ "$c1" = none ] && c1=0 # coverage/show lists an event only once it has happened
[ "$c2" != none ] && [ $((c2 - c1)) -ge $N ]
ok $? "coverage_drop_action_of_pipeline rose by >= $N ($c1 -> $c2)"
is "$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print([r.get("drop",False) for r in d["rows"] if r["counter"]=="coverage_drop_action_of_pipeline"][:1])' "$S2")" \
	"[True]" "the coverage drop counter is flagged as a drop"

# Discovery through /proc (no --ovs-rundir, no OVS_RUNDIR).
env -u OVS_RUNDIR "$DPTUNE" stat --json --all --collectors ovs >"$S3"
v=$(row "$S3" "${P}b" ovs_tx_packets)
[ "$v" != none ]; ok $? "without --ovs-rundir the instance is found through /proc ($v)"

# Stop OVS; nothing must be left.
vs=$(cat "$OVS_RUN/ovs-vswitchd.pid"); db=$(cat "$OVS_RUN/ovsdb-server.pid")
ovs_stop
left=""
ovs_pid_gone "$vs" || left="$left ovs-vswitchd($vs)"
ovs_pid_gone "$db" || left="$left ovsdb-server($db)"
# exit --cleanup removes the bridge's tap; if it could not run (OVS_STOP_WHY says why), the
# tap lives in ${P}o and goes with it: what counts is that nothing survives the namespace.
ip -n "${P}o" link show "$BR" >/dev/null 2>&1 && diag "bridge tap $BR still in ${P}o after stop: ${OVS_STOP_WHY:-exit --cleanup reported success}"
ip netns del "${P}o"
ip netns list | grep -qw "${P}o" && left="$left ${P}o"
ip link show "$BR" >/dev/null 2>&1 && left="$left $BR(host)"
is "$left" "" "OVS stopped with nothing left behind" || diag "stop: ${OVS_STOP_WHY:-no step failed}"
done_testing
