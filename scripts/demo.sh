#!/usr/bin/env bash
# demo.sh: what `make demo` runs. Until `dptune lab` exists it builds a small datapath of
# its own in namespaces (a client, a host with a Linux bridge, a server), pushes a bounded
# burst of small UDP datagrams through it, one socket too small to keep up, and shows
# `dptune stat` finding every drop in the layer and namespace where it happened.
# Everything it creates carries the prefix dtdemo and is removed on exit.
set -eu
cd "$(dirname "$0")/.."
DPTUNE=${DPTUNE:-$PWD/build/dptune}
P=dtdemo
[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (it creates network namespaces)" >&2; exit 3; }

cleanup() {
	set +e
	if [ -n "${SRV:-}" ]; then kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; fi
	for n in cli host srv; do ip netns del $P-$n 2>/dev/null; done
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup

echo "== building: $P-cli --veth-- [$P-host: bridge] --veth-- $P-srv (10.99.0.1 -> 10.99.0.2)"
for n in cli host srv; do ip netns add $P-$n; ip -n $P-$n link set lo up; done
ip link add ${P}c type veth peer name ${P}hc
ip link set ${P}c netns $P-cli; ip link set ${P}hc netns $P-host
ip link add ${P}s type veth peer name ${P}hs
ip link set ${P}s netns $P-srv; ip link set ${P}hs netns $P-host
ip -n $P-host link add ${P}br type bridge
for d in ${P}hc ${P}hs; do ip -n $P-host link set $d master ${P}br up; done
ip -n $P-host link set ${P}br up
ip -n $P-cli addr add 10.99.0.1/24 dev ${P}c; ip -n $P-cli link set ${P}c up
ip -n $P-srv addr add 10.99.0.2/24 dev ${P}s; ip -n $P-srv link set ${P}s up

# A media server that reads too slowly: a 4 KiB receive buffer on port 5004.
ip netns exec $P-srv timeout 60 python3 -c '
import socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET,socket.SO_RCVBUF,4096)
s.bind(("10.99.0.2",5004))
while True:
    time.sleep(0.05); s.setblocking(False)
    try: s.recv(2048)
    except BlockingIOError: pass
' & SRV=$!
sleep 0.5

echo "== dptune stat -i 2 -c 1 while 20000 datagrams of 172 bytes go to 10.99.0.2:5004,"
echo "   and 500 to a closed port 10.99.0.2:6000"
"$DPTUNE" stat -i 2 -c 1 --layer vdev,backlog,ip,udp,socket &
STAT=$!
sleep 0.3
ip netns exec $P-cli timeout 20 python3 -c '
import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(20000): s.sendto(b"m"*172,("10.99.0.2",5004))
for i in range(500): s.sendto(b"x"*40,("10.99.0.2",6000))
'
wait $STAT
echo
echo "== where to look next:"
echo "   dptune stat --netns $P-srv --all     every counter of the server's namespace"
echo "   dptune stat -i 1 --json                one JSON document per second for pipelines"
echo "   man docs/dptune-stat.1"
