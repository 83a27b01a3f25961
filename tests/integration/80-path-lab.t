#!/bin/bash
# 80-path-lab: for every lab scenario, `dptune path` from the client to the server finds
# the lab's own path description hop for hop (namespaces and devices in order), and the
# router's floating-IP DNAT; run before any traffic (no neighbour or FDB entry yet: the
# walk floods as the kernel does) and again after a ping (neighbour and FDB known).
# Bad input gives clear errors. One lab at a time, each with a unique name, torn down in
# the trap.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 nft
SC=$("$DPTUNE" lab scenarios --json | python3 -c '
import json,sys
print(" ".join(s["name"] for s in json.load(sys.stdin)["scenarios"] if s["available"]))')
[ -n "$SC" ] || skip_all "no lab scenario can run here"
N=0; for s in $SC; do N=$((N + 1)); done
plan $((N * 3 + 1 + 5 + 5 + 3 + 5 + 3))
export DPTUNE_LAB_DIR=${DPTUNE_LAB_DIR:-/run/dptune/lab}
LAB=""
on_cleanup '[ -n "$LAB" ] && "$DPTUNE" lab down "$LAB"'

# compare PATHJSON LABJSON: "ok" or what differs
compare() {
	python3 - "$1" "$2" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); lab = json.load(open(sys.argv[2]))["labs"][0]
want = [(h["netns"], h["dev"]) for h in lab["path"]]
got = []
for h in p["hops"]:
    k = (h["netns"], h["dev"])
    if not got or got[-1] != k:
        got.append(k)
if got != want:
    print("got  %s\nwant %s" % (got, want)); sys.exit(1)
if p["result"] != "delivered":
    print("result %s" % p["result"]); sys.exit(1)
if lab["scenario"] == "router":
    vm = [n for n in lab["nodes"] if n["name"] == lab["target"]["server"]][0]
    nat = [h["nat"] for h in p["hops"] if h["nat"].startswith("DNAT")]
    want_nat = "DNAT %s -> %s" % (lab["target"]["addr"], vm["addr"].split("/")[0])
    if not nat or not nat[0].startswith(want_nat):
        print("nat %s, want %s" % (nat, want_nat)); sys.exit(1)
print("ok")
PY
}

T=$(mktemp -d); on_cleanup "rm -rf $T"
for s in $SC; do
	LAB=$(echo "${P}${s}" | cut -c1-12)
	if ! "$DPTUNE" lab up "$s" --name "$LAB" --no-rps >"$T/up" 2>&1 &&
	   ! { sleep 2; "$DPTUNE" lab up "$s" --name "$LAB" --no-rps >"$T/up" 2>&1; }; then
		diag "$(tail -3 "$T/up")"
		if grep -q "cannot run here" "$T/up"; then
			skip "$s: $(tail -1 "$T/up")"; skip "$s"; skip "$s"; LAB=""; continue
		fi
		ok 1 "$s: lab up"; ok 1 "$s: path before traffic"; ok 1 "$s: path after a ping"
		LAB=""; continue
	fi
	ok 0 "$s: lab up"
	"$DPTUNE" lab status "$LAB" --json >"$T/lab.json"
	read -r CNS ADDR < <(python3 -c '
import json,sys
l=json.load(open(sys.argv[1]))["labs"][0]
c=[n for n in l["nodes"] if n["name"]==l["target"]["client"]][0]
print(c["netns"], l["target"]["addr"])' "$T/lab.json")
	"$DPTUNE" path --from "$CNS" --to "$ADDR" --dport "$(python3 -c '
import json,sys;print(json.load(open(sys.argv[1]))["labs"][0]["target"]["port_lo"])' "$T/lab.json")" \
		--json >"$T/p1.json" 2>"$T/err"
	R=$(compare "$T/p1.json" "$T/lab.json"); ok $([ "$R" = ok ]; echo $?) "$s: path before traffic matches the lab's path" || { diag "$R"; diag "$(cat "$T/err")"; }
	ip netns exec "$CNS" ping -c 1 -W 2 "$ADDR" >/dev/null 2>&1
	"$DPTUNE" path --from "$CNS" --to "$ADDR" --json >"$T/p2.json" 2>"$T/err"
	R=$(compare "$T/p2.json" "$T/lab.json"); ok $([ "$R" = ok ]; echo $?) "$s: path after a ping (neighbour, FDB) matches" || { diag "$R"; diag "$(cat "$T/err")"; }
	if [ "$s" = "bridge" ]; then
		# known MAC: the bridge hops name their FDB entry
		grep -q '"decided":"FDB entry' "$T/p2.json"; ok $? "bridge: after a ping the bridge hop is decided by an FDB entry"
	fi
	"$DPTUNE" lab down "$LAB" >/dev/null 2>&1; LAB=""
done
[ "$(echo " $SC " | grep -c ' bridge ')" = 1 ] || skip "no bridge scenario"

# bad input
"$DPTUNE" path --from "${P}nosuchns" --to 10.9.9.9 >"$T/o" 2>"$T/e"; rc=$?
ok $([ $rc = 1 ] && grep -q "${P}nosuchns" "$T/e"; echo $?) "unknown namespace: exit 1 naming it"
"$DPTUNE" path --from host --to 10.0.0.300 >"$T/o" 2>"$T/e"; rc=$?
ok $([ $rc = 1 ] && grep -q "not an IPv4 or IPv6 address" "$T/e"; echo $?) "bad address: exit 1, says so"
mkns u
timeout 10 "$DPTUNE" path --from "${P}u" --to 10.9.9.9 --json >"$T/o" 2>"$T/e"; rc=$?
ok $([ $rc = 1 ] && grep -q '"result":"no-route"' "$T/o" && grep -q "no route" "$T/e"; echo $?) "unroutable address: exit 1, the hop says no route"
# a loop: a client behind la, and la and lb routing the address to each other
mkns lc; mkns la; mkns lb
ip link add ${P}lc netns ${P}lc type veth peer name ${P}lx netns ${P}la
ip link add ${P}la netns ${P}la type veth peer name ${P}lb netns ${P}lb
nsx lc ip addr add 10.251.2.2/24 dev ${P}lc; nsx la ip addr add 10.251.2.1/24 dev ${P}lx
nsx la ip addr add 10.251.1.1/24 dev ${P}la; nsx lb ip addr add 10.251.1.2/24 dev ${P}lb
for l in lc:lc la:lx la:la lb:lb; do nsx ${l%%:*} ip link set ${P}${l#*:} up; done
nsx la sysctl -qw net.ipv4.ip_forward=1; nsx lb sysctl -qw net.ipv4.ip_forward=1
nsx lc ip route add default via 10.251.2.1
nsx la ip route add 10.252.0.0/24 via 10.251.1.2; nsx lb ip route add 10.252.0.0/24 via 10.251.1.1
timeout 10 "$DPTUNE" path --from "${P}lc" --to 10.252.0.9 >"$T/o" 2>"$T/e"; rc=$?
ok $([ $rc = 1 ] && grep -q "loop" "$T/e"; echo $?) "a routing loop: exit 1, no hang, says loop" || diag "rc $rc: $(cat "$T/e")"
"$DPTUNE" path --to 10.0.0.1 >/dev/null 2>&1; ok $([ $? = 2 ]; echo $?) "no --from: usage error (exit 2)"

# --sport-range/--src-range: the spread at the receiving device, a veth with 4 rx queues
# (no RSS: the spread says so, and that the sender picks the queue)
mkns sa; mkns sb
ip link add ${P}sa netns ${P}sa numtxqueues 4 numrxqueues 4 type veth peer name ${P}sb netns ${P}sb numtxqueues 4 numrxqueues 4
nsx sa ip addr add 10.251.7.1/24 dev ${P}sa; nsx sb ip addr add 10.251.7.2/24 dev ${P}sb
nsx sa ip link set ${P}sa up; nsx sb ip link set ${P}sb up
"$DPTUNE" path --from "${P}sa" --to 10.251.7.2 --dport 5201 --sport-range 1000-1999 \
	--src-range 10.251.7.1-10.251.7.4 --json >"$T/o" 2>"$T/e"; rc=$?
R=$(python3 -c '
import json,sys
d=json.load(open(sys.argv[1])); a=d["spread_at"]; s=d["spread"]
print(rc:=0 if d["flow"]["sport"]==1000 else 1, a["dev"], a["rss"], a["rx_queues"],
      "no RSS" in a["rss_reason"], s["flows"], sum(q["flows"] for q in s["per_queue"]),
      sum(c["flows"] for c in s["per_cpu"]))' "$T/o" 2>&1)
is "$rc $R" "0 0 ${P}sb False 4 True 4000 4000 4000" "spread over a 4-queue veth: 4000 flows at its rx hop, no RSS said, the walk follows port 1000"
"$DPTUNE" path --from "${P}sa" --to 10.251.7.2 --sport-range 5-9 >"$T/o" 2>"$T/e"
ok $(grep -q "spread at hop 2 (${P}sb/${P}sb): no RSS" "$T/o" && grep -q "spread: 5 flow(s)" "$T/o"; echo $?) "text: the spread names the hop, says no RSS, counts 5 flows" || diag "$(cat "$T/o")"
"$DPTUNE" path --from "${P}sa" --to 10.251.7.2 --sport 3 --sport-range 5-9 >/dev/null 2>&1; ok $([ $? = 2 ]; echo $?) "--sport with --sport-range: usage error"
"$DPTUNE" path --from "${P}sa" --to 10.251.7.2 --sport-range 0-65535 --src-range 10.0.0.1-10.0.0.2 >/dev/null 2>"$T/e"; rc=$?
ok $([ $rc = 2 ] && grep -q "131072 flows: at most 65536" "$T/e"; echo $?) "more than 65536 flows: usage error saying the cap"
"$DPTUNE" path --from "${P}sa" --to 10.251.7.2 --sport-range 9-5 >/dev/null 2>&1; ok $([ $? = 2 ]; echo $?) "a reversed port range: usage error"

# --mark: a policy rule `fwmark 7 lookup 100` sends the flow to mc instead of mb; a rule
# `oif DEV` selects a sender bound to DEV (--from DEV)
mkns ma; mkns mb; mkns mc
ip link add ${P}ab netns ${P}ma type veth peer name ${P}ba netns ${P}mb
ip link add ${P}ac netns ${P}ma type veth peer name ${P}ca netns ${P}mc
nsx ma ip addr add 10.251.8.1/24 dev ${P}ab; nsx mb ip addr add 10.251.8.2/24 dev ${P}ba
nsx ma ip addr add 10.251.9.1/24 dev ${P}ac; nsx mc ip addr add 10.251.9.2/24 dev ${P}ca
for l in ma:ab ma:ac mb:ba mc:ca; do nsx ${l%%:*} ip link set ${P}${l#*:} up; done
nsx mb ip addr add 10.251.10.5/32 dev lo; nsx mc ip addr add 10.251.10.5/32 dev lo
nsx ma ip route add 10.251.10.0/24 via 10.251.8.2
nsx ma ip route add 10.251.10.0/24 via 10.251.9.2 table 100
nsx ma ip route add 10.251.10.0/24 via 10.251.9.2 dev ${P}ac table 101
nsx ma ip rule add fwmark 7 lookup 100 pref 100
nsx ma ip rule add oif ${P}ac lookup 101 pref 90
last() { python3 -c '
import json,sys
d=json.load(open(sys.argv[1])); print(d["hops"][-1]["netns"], d["result"], d["hops"][0]["decided"].split(", ",1)[-1])' "$1"; }
"$DPTUNE" path --from "${P}ma" --to 10.251.10.5 --json >"$T/o" 2>"$T/e"
is "$(last "$T/o")" "${P}mb delivered rule 32766: from all lookup main" "no mark: the main table, delivered in mb"
"$DPTUNE" path --from "${P}ma" --to 10.251.10.5 --mark 7 --json >"$T/o" 2>"$T/e"
is "$(last "$T/o")" "${P}mc delivered rule 100: from all fwmark 0x7 lookup 100" "--mark 7: rule 100 (fwmark 0x7) and table 100, delivered in mc"
"$DPTUNE" path --from "${P}ac" --to 10.251.10.5 --json >"$T/o" 2>"$T/e"
is "$(last "$T/o")" "${P}mc delivered rule 90: from all oif ${P}ac lookup 101" "--from DEV: the oif rule selects table 101"

# IPv6: a client, a bridge namespace, a server; the route (AF_INET6), NDP neighbour, the
# bridge flooding before traffic and its FDB entry after a ping6
mkns 6c; mkns 6r; mkns 6s
nsx 6r ip link add ${P}br type bridge; nsx 6r ip link set ${P}br up
ip link add ${P}6c netns ${P}6c type veth peer name ${P}rc netns ${P}6r
ip link add ${P}6s netns ${P}6s type veth peer name ${P}rs netns ${P}6r
nsx 6r ip link set ${P}rc master ${P}br up; nsx 6r ip link set ${P}rs master ${P}br up
nsx 6c ip addr add fd00:251:5::1/64 dev ${P}6c nodad; nsx 6s ip addr add fd00:251:5::2/64 dev ${P}6s nodad
nsx 6c ip link set ${P}6c up; nsx 6s ip link set ${P}6s up
hops6() { python3 -c '
import json,sys
d=json.load(open(sys.argv[1])); k=[]
for h in d["hops"]:
    if not k or k[-1]!=(h["netns"],h["dev"]): k.append((h["netns"],h["dev"]))
print(" ".join("%s/%s" % x for x in k), d["result"], d["flow"]["src"], d["flow"]["size"])' "$1"; }
"$DPTUNE" path --from "${P}6c" --to fd00:251:5::2 --json >"$T/o" 2>"$T/e"
is "$(hops6 "$T/o")" "${P}6c/${P}6c ${P}6r/${P}rc ${P}6r/${P}br ${P}6r/${P}rs ${P}6s/${P}6s delivered fd00:251:5::1 112" "IPv6 through a bridge: the hops, delivered, source picked, 40-byte header"
ok $(grep -q '"decided":"no FDB entry for the MAC (not resolved yet): flooded' "$T/o"; echo $?) "IPv6 before traffic: the bridge floods"
nsx 6c ping -6 -c 1 -W 2 fd00:251:5::2 >/dev/null 2>&1
"$DPTUNE" path --from "${P}6c" --to fd00:251:5::2 --json >"$T/o" 2>"$T/e"
ok $(grep -q '"decided":"FDB entry' "$T/o" && grep -q 'neighbour fd00:251:5::2 lladdr' "$T/o"; echo $?) "IPv6 after a ping: NDP neighbour and the bridge's FDB entry" || diag "$(cat "$T/o")"
"$DPTUNE" path --from "${P}6c" --to fd00:251:9::9 --json >"$T/o" 2>"$T/e"; rc=$?
ok $([ $rc = 1 ] && grep -q '"result":"no-route"' "$T/o"; echo $?) "IPv6 unroutable: exit 1, no-route"
"$DPTUNE" path --from fd00:251:5::1 --to fd00:251:5::2 >/dev/null 2>"$T/e"; rc=$?
ok $([ $rc = 1 ] && grep -q "IPv4 only" "$T/e"; echo $?) "IPv6 with an address as --from: exit 1, says it is IPv4 only"
# IPv6 through a router namespace: forwarded; forwarding off; a smaller MTU on the way
mkns q1; mkns q2; mkns q3
ip link add ${P}q1 netns ${P}q1 type veth peer name ${P}q21 netns ${P}q2
ip link add ${P}q23 netns ${P}q2 type veth peer name ${P}q3 netns ${P}q3
nsx q1 ip addr add fd00:252:1::1/64 dev ${P}q1 nodad; nsx q2 ip addr add fd00:252:1::2/64 dev ${P}q21 nodad
nsx q2 ip addr add fd00:252:2::1/64 dev ${P}q23 nodad; nsx q3 ip addr add fd00:252:2::2/64 dev ${P}q3 nodad
for l in q1:q1 q2:q21 q2:q23 q3:q3; do nsx ${l%%:*} ip link set ${P}${l#*:} up; done
nsx q1 ip route add default via fd00:252:1::2; nsx q3 ip route add default via fd00:252:2::1
nsx q2 sysctl -qw net.ipv6.conf.all.forwarding=1
"$DPTUNE" path --from "${P}q1" --to fd00:252:2::2 --json >"$T/o" 2>"$T/e"
is "$(hops6 "$T/o")" "${P}q1/${P}q1 ${P}q2/${P}q21 ${P}q2/${P}q23 ${P}q3/${P}q3 delivered fd00:252:1::1 112" "IPv6 forwarded by a router namespace, delivered"
nsx q2 sysctl -qw net.ipv6.conf.all.forwarding=0
"$DPTUNE" path --from "${P}q1" --to fd00:252:2::2 --json >"$T/o" 2>"$T/e"; rc=$?
ok $([ $rc = 1 ] && grep -q '"result":"no-forwarding"' "$T/o" && grep -q "net.ipv6.conf.all.forwarding=0" "$T/e"; echo $?) "IPv6 forwarding off: stops at the router, says the sysctl"
nsx q2 sysctl -qw net.ipv6.conf.all.forwarding=1; nsx q2 ip link set ${P}q23 mtu 1280
"$DPTUNE" path --from "${P}q1" --to fd00:252:2::2 --size 1400 --json >"$T/o" 2>"$T/e"; rc=$?
ok $([ $rc = 1 ] && grep -q '"result":"mtu"' "$T/o" && grep -q "1448 bytes > MTU 1280" "$T/e"; echo $?) "IPv6 forwarded packet above the next MTU: stops (no fragmenting router)"
done_testing
