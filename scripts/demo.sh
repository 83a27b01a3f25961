#!/usr/bin/env bash
# demo.sh: what `make demo` runs on a bare machine (root, Debian 12): the built-in lab.
#  1. `dptune lab matrix`: build each emulated datapath (veth, Linux bridge with the hybrid
#     plug, vxlan overlay, router with floating-IP NAT and conntrack, macvlan), find its
#     NDR/PDR with `dptune sweep`, tear it down, print the per-layer cost table.
#  2. A diagnosis: a veth lab with a rate cap injected in netfilter, `dptune doctor` while
#     `dptune bench` pushes traffic through it, then the lab removed.
# Everything it creates is named dl-* / dtdemo and removed on exit, also on Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
DPTUNE=${DPTUNE:-$PWD/build/dptune}
[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (it creates network namespaces)" >&2; exit 3; }

SRV=
cleanup() {
	set +e
	if [ -n "$SRV" ]; then kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; fi
	"$DPTUNE" lab down dtdemo >/dev/null 2>&1
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== 1. the per-layer cost of five emulated datapaths (dptune lab matrix)"
"$DPTUNE" lab matrix veth bridge vxlan router macvlan --duration 1 --precision 2

echo
echo "== 2. a diagnosis: a veth lab with a 20 kpps netfilter rate cap at the server"
"$DPTUNE" lab up veth --name dtdemo
"$DPTUNE" lab fault dtdemo ratecap --rate 20000
addr=$("$DPTUNE" lab status dtdemo --json | python3 -c 'import json,sys; t=json.load(sys.stdin)["labs"][0]["target"]; print(t["addr"], t["port_lo"])')
set -- $addr
ip netns exec dl-dtdemo-srv "$DPTUNE" serve --bind "$1" --port "$2" >/dev/null 2>&1 & SRV=$!
sleep 0.5
echo "   dptune doctor -- ip netns exec dl-dtdemo-cli dptune bench $1 --port $2 --rate 50k --duration 3 --json"
"$DPTUNE" doctor -- ip netns exec dl-dtdemo-cli "$DPTUNE" bench "$1" --port "$2" --rate 50k \
	--duration 3 --json 2>/dev/null || true
echo
# Every hint that sends traffic names the namespace it sends from: pasted on the host, a
# bench would leave by the default route towards an address that exists only in the lab.
echo "== where to look next"
echo "   dptune lab up veth --name try                build your own lab: it prints what to run next,"
echo "                                                each command that sends inside the lab"
echo "   dptune stat -i 1 --drop-reasons               every counter of every layer, live"
echo "   dptune tune plan && dptune tune apply --plan  fix what doctor found; revert undoes it"
echo "   dptune lab down try                           remove it"
