#!/bin/bash
# 83-path-conntrack: `dptune path` takes NAT from the flow's conntrack entry when there is
# one (as the kernel does), else from the nft rule a new connection would hit. In the
# router lab: before traffic the floating IP's DNAT is decided by the rule; after a few
# bounded UDP packets by the conntrack entry (with the port "any" too); the VM's own flow
# gets the entry's SNAT; answers (the reply direction) are un-NATed by the entries; after the DNAT rule is changed the old flow keeps the
# entry's rewrite (and path says rules and entry disagree) while a new flow follows the
# rule; an entry made while no DNAT rule existed says "no DNAT" against the rule, and
# the flow ends at the router (the floating IP is its address).
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 nft
export DPTUNE_LAB_DIR=${DPTUNE_LAB_DIR:-/run/dptune/lab}
"$DPTUNE" lab scenarios --json | python3 -c '
import json,sys
sys.exit(0 if [s for s in json.load(sys.stdin)["scenarios"] if s["name"]=="router" and s["available"]] else 1)' ||
	skip_all "the router lab cannot run here"
plan 12
LAB=$(echo "${P}ct" | cut -c1-12)
T=$(mktemp -d); on_cleanup "rm -rf $T"
on_cleanup "\"$DPTUNE\" lab down $LAB >/dev/null 2>&1"
"$DPTUNE" lab up router --name "$LAB" --no-rps >"$T/up" 2>&1 || { diag "$(tail -3 "$T/up")"; skip_all "lab up failed"; }
"$DPTUNE" lab status "$LAB" --json >"$T/lab.json"
read -r CNS RNS VNS FIP VM CADDR < <(python3 -c '
import json,sys
l=json.load(open(sys.argv[1]))["labs"][0]
n={x["role"]:x for x in l["nodes"]}
print(n["client"]["netns"], n["router"]["netns"], n["server"]["netns"], l["target"]["addr"],
      n["server"]["addr"].split("/")[0], n["client"]["addr"].split("/")[0])' "$T/lab.json")
TABLE=$(ip netns exec "$RNS" nft -j list ruleset | python3 -c '
import json,sys
for o in json.load(sys.stdin)["nftables"]:
    if "table" in o: print(o["table"]["name"]); break')

# send NS SPORT DST DPORT: 3 UDP datagrams from a fixed source port (bounded)
send() {
	ip netns exec "$1" timeout 5 python3 -c '
import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("0.0.0.0",int(sys.argv[1])))
for i in range(3): s.sendto(b"dptune-83",(sys.argv[2],int(sys.argv[3])))' "$2" "$3" "$4"
}
# nat FILE DEV: the nat text of the first hop on DEV with one
nat() { python3 -c '
import json,sys
print(next((h["nat"] for h in json.load(open(sys.argv[1]))["hops"] if h["nat"]), ""))' "$1"; }
note() { python3 -c '
import json,sys
print(" | ".join(h["note"] for h in json.load(open(sys.argv[1]))["hops"]))' "$1"; }

"$DPTUNE" path --from "$CNS" --to "$FIP" --sport 40000 --dport 5500 --json >"$T/p0" 2>"$T/e"
N=$(nat "$T/p0")
ok $([[ "$N" == "DNAT $FIP -> $VM, decided: nft "* ]]; echo $?) "before traffic: DNAT decided by the nft rule" || diag "$N"

send "$CNS" 40000 "$FIP" 5500
"$DPTUNE" path --from "$CNS" --to "$FIP" --sport 40000 --dport 5500 --json >"$T/p1" 2>"$T/e"
N=$(nat "$T/p1")
ok $([[ "$N" == "DNAT $FIP -> $VM:5500, decided: conntrack entry (udp $CADDR:40000 -> $FIP:5500, reply $VM:5500 -> $CADDR:40000)" ]]; echo $?) "after traffic: DNAT decided by the conntrack entry" || diag "$N"
ok $(grep -q '"result":"delivered"' "$T/p1"; echo $?) "the flow is delivered to the VM"

"$DPTUNE" path --from "$CNS" --to "$FIP" --dport 5500 --json >"$T/p2" 2>"$T/e"
N=$(nat "$T/p2")
ok $([[ "$N" == *"decided: conntrack entry (udp $CADDR:40000 -> $FIP:5500"* ]]; echo $?) "source port any: the dump finds the entry" || diag "$N"

send "$VNS" 41000 "$CADDR" 6000
"$DPTUNE" path --from "$VNS" --to "$CADDR" --sport 41000 --dport 6000 --json >"$T/p3" 2>"$T/e"
N=$(nat "$T/p3")
ok $([[ "$N" == "SNAT $VM -> $FIP:41000, decided: conntrack entry"* ]]; echo $?) "the VM's own flow: SNAT to the floating IP decided by its entry" || diag "$N"

# answers: packets of the reply direction are un-NATed by the entry
"$DPTUNE" path --from "$VNS" --to "$CADDR" --sport 5500 --dport 40000 --json >"$T/p3r" 2>"$T/e"
N=$(nat "$T/p3r")
ok $([[ "$N" == "SNAT $VM -> $FIP:5500, decided: conntrack entry, reply direction (udp $CADDR:40000 -> $FIP:5500"* ]]; echo $?) "the VM's answer to the client: source back to the floating IP, by the entry's reply direction" || diag "$N"
"$DPTUNE" path --from "$CNS" --to "$FIP" --sport 6000 --dport 41000 --json >"$T/p3s" 2>"$T/e"
N=$(nat "$T/p3s")
L=$(python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); print(d["hops"][-1]["netns"], d["result"])' "$T/p3s")
ok $([[ "$N" == "DNAT $FIP -> $VM:41000, decided: conntrack entry, reply direction"* ]] && [ "$L" = "$VNS delivered" ]; echo $?) "the answer to the VM's flow: to the VM by the entry's reply direction, delivered there" || diag "$N / $L"

# the SNAT rule changes after the VM's entry was made: the entry wins, and the hop's note
# says so beside its neighbour note (the neighbour step once overwrote it)
HS=$(ip netns exec "$RNS" nft -a list chain ip "$TABLE" post | sed -n "s/.*ip saddr $VM .*snat to.*# handle \([0-9]*\)/\1/p" | head -1)
ORIG=$(ip netns exec "$RNS" nft -a list chain ip "$TABLE" post | sed -n "s/^[[:space:]]*\(ip saddr $VM .*snat to [0-9.]*\) # handle $HS\$/\1/p")
ip netns exec "$RNS" nft replace rule ip "$TABLE" post handle "$HS" ip saddr "$VM" snat to 10.232.1.77
"$DPTUNE" path --from "$VNS" --to "$CADDR" --sport 41000 --dport 6000 --json >"$T/p3c" 2>"$T/e"
N=$(nat "$T/p3c"); M=$(note "$T/p3c")
ok $([[ "$N" == "SNAT $VM -> $FIP:41000, decided: conntrack entry"* ]] && [[ "$M" == *"conntrack and rules disagree: the entry wins over nft ip $TABLE chain post handle $HS"*"neighbour"* ]]; echo $?) "SNAT rule changed: the VM's old flow keeps the entry's SNAT; the note says they disagree, then the neighbour" || diag "$N / $M"
ip netns exec "$RNS" nft replace rule ip "$TABLE" post handle "$HS" $ORIG

# the rule changes after the entry was made: the entry wins for the old flow
H=$(ip netns exec "$RNS" nft -a list chain ip "$TABLE" pre | sed -n 's/.*dnat to.*# handle \([0-9]*\)/\1/p' | head -1)
ip netns exec "$RNS" nft replace rule ip "$TABLE" pre handle "$H" ip daddr "$FIP" dnat to 10.231.1.77
"$DPTUNE" path --from "$CNS" --to "$FIP" --sport 40000 --dport 5500 --json >"$T/p4" 2>"$T/e"
N=$(nat "$T/p4"); M=$(note "$T/p4")
ok $([[ "$N" == "DNAT $FIP -> $VM:5500, decided: conntrack entry"* ]] && [[ "$M" == *"conntrack and rules disagree: the entry wins over nft ip $TABLE chain pre handle $H: dnat to 10.231.1.77"* ]]; echo $?) "rule changed: the old flow keeps the entry's DNAT, and path says they disagree" || diag "$N / $M"
"$DPTUNE" path --from "$CNS" --to "$FIP" --sport 40001 --dport 5500 --json >"$T/p5" 2>"$T/e"
N=$(nat "$T/p5")
ok $([[ "$N" == "DNAT $FIP -> 10.231.1.77, decided: nft "* ]]; echo $?) "a new flow follows the changed rule" || diag "$N"

# an entry made while there was no DNAT rule: no DNAT, against the rule put back
ip netns exec "$RNS" nft flush chain ip "$TABLE" pre
send "$CNS" 40002 "$FIP" 5500
ip netns exec "$RNS" nft add rule ip "$TABLE" pre ip daddr "$FIP" dnat to "$VM"
"$DPTUNE" path --from "$CNS" --to "$FIP" --sport 40002 --dport 5500 --json >"$T/p6" 2>"$T/e"
N=$(nat "$T/p6"); M=$(note "$T/p6")
ok $([[ "$N" == "no DNAT, decided: conntrack entry (udp $CADDR:40002 -> $FIP:5500, reply $FIP:5500 -> $CADDR:40002)" ]] && [[ "$M" == *"conntrack and rules disagree"* ]]; echo $?) "an entry without DNAT: path says no DNAT and that the rule disagrees" || diag "$N / $M"
L=$(python3 -c '
import json,sys; h=json.load(open(sys.argv[1]))["hops"][-1]; print(h["netns"], h["stop"])' "$T/p6")
is "$L" "$RNS delivered" "that flow ends at the router, which holds the floating IP (no rewrite)"
done_testing
