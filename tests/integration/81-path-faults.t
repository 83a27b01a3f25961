#!/bin/bash
# 81-path-faults: faults this test makes itself on lab topologies (not lab faults): a
# blackhole and an unreachable route in the router namespace, rp_filter=1 dropping
# asymmetric traffic, an MTU step on a bridge port. `dptune path` shows the hop and the
# reason; `dptune doctor --from --to`, watching while bounded traffic (2000 datagrams)
# runs from the lab's client, names that hop as the one that lost the packets
# (rule path-conservation) even though no drop counter moved.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 nft
plan 15
LABS=()
on_cleanup 'for l in "${LABS[@]}"; do "$DPTUNE" lab down "$l"; done'
T=$(mktemp -d); on_cleanup "rm -rf $T"
cat >"$T/send.py" <<'PY'
import socket, sys, time
dst, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    try:
        s.sendto(b"x" * size, (dst, 5500))
    except OSError:
        pass
    if i % 20 == 0:
        time.sleep(0.01)
PY

lab_up() { # SCENARIO NAME
	"$DPTUNE" lab up "$1" --name "$2" --no-rps >"$T/up" 2>&1 ||
	{ sleep 2; "$DPTUNE" lab up "$1" --name "$2" --no-rps >"$T/up" 2>&1; } || return 1
	LABS+=("$2")
	"$DPTUNE" lab status "$2" --json >"$T/$2.json"
}
labv() { # NAME EXPR (python over the lab: l)
	python3 -c "import json,sys;l=json.load(open(sys.argv[1]))['labs'][0];print($2)" "$T/$1.json"
}
# path_stop FROM TO SIZE: "netns dev stop" of the last hop
path_stop() {
	"$DPTUNE" path --from "$1" --to "$2" --size "$3" --json 2>"$T/perr" | python3 -c '
import json,sys
d=json.load(sys.stdin); h=d["hops"][-1]; print(h["netns"], h["dev"], h["stop"])'
}
# doctor_hop FROM TO SIZE: run doctor while 2000 datagrams go; prints "netns dev" of the
# path-conservation finding, or "none"
doctor_hop() {
	( sleep 0.8; ip netns exec "$1" timeout 20 python3 "$T/send.py" "$2" 2000 "$3" ) &
	local s=$!
	"$DPTUNE" doctor --no-drop-reasons --duration 4 --from "$1" --to "$2" --size "$3" --json \
		>"$T/doc.json" 2>"$T/docerr"
	wait $s
	python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
f=[f for f in d.get("findings",[]) if f["rule"]=="path-conservation"]
print("%s %s" % (f[0]["netns"], f[0]["object"]) if f else "none")' "$T/doc.json"
}

R=$(echo "${P}r" | cut -c1-12)
if lab_up router "$R"; then
	EXT=$(labv "$R" '[n["netns"] for n in l["nodes"] if n["name"]=="ext"][0]')
	RTR=$(labv "$R" '[n["netns"] for n in l["nodes"] if n["name"]=="rtr"][0]')
	QG=$(labv "$R" '[n["dev"] for n in l["nodes"] if n["name"]=="rtr"][0]')
	VM=$(labv "$R" '[n["addr"] for n in l["nodes"] if n["name"]=="vm"][0].split("/")[0]')
	EXTA=$(labv "$R" '[n["addr"] for n in l["nodes"] if n["name"]=="ext"][0].split("/")[0]')
	FIP=$(labv "$R" 'l["target"]["addr"]')

	ip -n "$RTR" route add blackhole "$VM/32"
	is "$(path_stop "$EXT" "$FIP" 64)" "$RTR $QG blackhole" "blackhole route in the router: path stops at its ingress hop"
	grep -q "route del blackhole $VM/32" <("$DPTUNE" path --from "$EXT" --to "$FIP" 2>/dev/null); ok $? "blackhole: the fix deletes that route"
	is "$(doctor_hop "$EXT" "$FIP" 64)" "$RTR $QG" "blackhole: doctor names the router's hop as the one that lost the packets"
	ip -n "$RTR" route del blackhole "$VM/32"

	ip -n "$RTR" route add unreachable "$VM/32"
	is "$(path_stop "$EXT" "$FIP" 64)" "$RTR $QG unreachable" "unreachable route: path stops there"
	is "$(doctor_hop "$EXT" "$FIP" 64)" "$RTR $QG" "unreachable: doctor names the hop"
	ip -n "$RTR" route del unreachable "$VM/32"

	# asymmetric: the route back to the client leaves by the tenant side
	QR=$(labv "$R" '[h["dev"] for h in l["path"]][2]')
	ip -n "$RTR" route add "$EXTA/32" dev "$QR"
	ip netns exec "$RTR" sysctl -qw net.ipv4.conf.all.rp_filter=1 "net.ipv4.conf.$QG.rp_filter=1"
	is "$(path_stop "$EXT" "$FIP" 64)" "$RTR $QG rp_filter" "rp_filter=1 with an asymmetric route: path stops at the ingress hop"
	grep -q "rp_filter=1" <("$DPTUNE" path --from "$EXT" --to "$FIP" 2>/dev/null); ok $? "rp_filter: the hop shows the setting"
	is "$(doctor_hop "$EXT" "$FIP" 64)" "$RTR $QG" "rp_filter: doctor names the hop"
	ip netns exec "$RTR" sysctl -qw net.ipv4.conf.all.rp_filter=0 "net.ipv4.conf.$QG.rp_filter=0"
	ip -n "$RTR" route del "$EXTA/32" dev "$QR"
	# the fault gone, the path is whole again and doctor names no hop
	is "$(path_stop "$EXT" "$FIP" 64 | cut -d' ' -f3)" "delivered" "faults removed: delivered again"
	is "$(doctor_hop "$EXT" "$FIP" 64)" "none" "faults removed: no hop lost packets"
else
	diag "$(tail -2 "$T/up")"
	for i in 1 2 3 4 5 6 7 8 9 10; do skip "router lab cannot be built here"; done
fi

B=$(echo "${P}b" | cut -c1-12)
if lab_up bridge "$B"; then
	CLI=$(labv "$B" '[n["netns"] for n in l["nodes"] if n["name"]=="cli"][0]')
	HV=$(labv "$B" '[n["netns"] for n in l["nodes"] if n["name"]=="hv"][0]')
	QVO=$(labv "$B" 'l["path"][3]["dev"]')
	SRV=$(labv "$B" 'l["target"]["addr"]')
	ip -n "$HV" link set dev "$QVO" mtu 1000
	is "$(path_stop "$CLI" "$SRV" 64 | cut -d' ' -f3)" "delivered" "MTU step: small packets pass"
	is "$(path_stop "$CLI" "$SRV" 1200)" "$HV $QVO mtu" "MTU step: 1200-byte packets stop at the bridge port with the lower MTU"
	ip netns exec "$CLI" ping -c1 -W2 "$SRV" >/dev/null 2>&1
	is "$(doctor_hop "$CLI" "$SRV" 1200)" "$HV $QVO" "MTU step: doctor names the port (no drop counter moves)"
	grep -q "link set dev $QVO mtu 1228" "$T/doc.json"; ok $? "MTU step: the fix sets the MTU to the packet size"
	# -i: per-hop rates while (small, passing) traffic runs: about 3 s of it from the start,
	# so the 1.5 s of intervals lie inside it however late a loaded machine starts either
	ip netns exec "$CLI" timeout 20 python3 "$T/send.py" "$SRV" 6000 64 &
	S=$!
	"$DPTUNE" path --from "$CLI" --to "$SRV" -i 0.5 -c 3 --json >"$T/rates.json" 2>/dev/null
	wait $S
	python3 -c '
import json,sys
lines=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(lines) == 4, len(lines)
tx=sum(h["tx_pps"] for s in lines[1:] for h in s["hops"] if h["hop"] == 1)
rx=sum(h["rx_pps"] for s in lines[1:] for h in s["hops"] if h["netns"] == sys.argv[2])
assert tx > 100 and rx > 100, (tx, rx)' "$T/rates.json" "$(labv "$B" 'l["path"][-1]["netns"]')"
	ok $? "-i: per-hop packet rates while traffic runs (client tx, server rx)"
else
	diag "$(tail -2 "$T/up")"
	for i in 1 2 3 4 5; do skip "bridge lab cannot be built here"; done
fi
done_testing
