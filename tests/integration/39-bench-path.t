#!/usr/bin/env bash
# 39-bench-path.t: bench's first line says which namespace and route the test leaves by
# (netns, device, source, gateway), in text and in JSON ("path"): on the link, through a
# gateway, and from the host namespace over loopback.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip python3 timeout ss
plan 8

T=$(mktemp -d /tmp/$P.XXXX); on_cleanup rm -rf "$T"
veth_pair 39
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
# a second server address behind a gateway: 10.X.99.2 on b, routed via B4 from a
R4=10.$X.99.2
nsx b ip addr add $R4/32 dev ${P}b
nsx a ip route add $R4/32 via $B4

ip netns exec "${P}b" timeout 120 "$DPTUNE" serve --json >"$T/srv" 2>&1 &
bg_pid $!
for _ in $(seq 50); do nsx b ss -ltnH "sport = :5301" | grep -q . && break; sleep 0.1; done

nsx a timeout 60 "$DPTUNE" bench -n 200 -r 10k $B4 >"$T/t1" 2>"$T/e1"
is "$(head -1 "$T/t1")" "bench: from netns ${P}a via ${P}a src $A4 (route to $B4, on the link)" \
	"text: the first line names the namespace, device, source and route"
nsx a timeout 60 "$DPTUNE" bench --json -n 200 -r 10k $B4 >"$T/j1" 2>"$T/e2"
is "$(j "$T/j1" "d['path']")" "{'netns': '${P}a', 'dev': '${P}a', 'src': '$A4', 'dst': '$B4', 'gateway': None}" \
	"JSON: path {netns, dev, src, dst, gateway null}"
is "$(j "$T/j1" "d['forward']['packets']")" 200 "... and the test ran"

nsx a timeout 60 "$DPTUNE" bench -n 200 -r 10k $R4 >"$T/t2" 2>"$T/e3"
is "$(head -1 "$T/t2")" "bench: from netns ${P}a via ${P}a src $A4 (route to $R4 via gateway $B4)" \
	"text: a route through a gateway names it"
nsx a timeout 60 "$DPTUNE" bench --json -n 200 -r 10k $R4 >"$T/j2" 2>"$T/e4"
is "$(j "$T/j2" "(d['path']['gateway'], d['forward']['packets'])")" "('$B4', 200)" "JSON: path.gateway"

# from the host namespace, over loopback, to a serve on a port the kernel picks
timeout 60 "$DPTUNE" serve --port 0 -B 127.0.0.1 --json >"$T/hsrv" 2>&1 &
bg_pid $!
for _ in $(seq 100); do [ -s "$T/hsrv" ] && break; sleep 0.1; done
hport=$(head -1 "$T/hsrv" | python3 -c 'import json,sys; print(json.load(sys.stdin)["port"])')
timeout 60 "$DPTUNE" bench -n 200 -r 10k -p "$hport" 127.0.0.1 >"$T/t3" 2>"$T/e5"
is "$(head -1 "$T/t3")" "bench: from netns host via lo src 127.0.0.1 (route to 127.0.0.1, on the link)" \
	"host namespace: named 'host'"
# an unnamed namespace (unshare -n, no /run/netns entry) is named by its inode
out=$(unshare -n sh -c "ip link set lo up; timeout 60 \"$DPTUNE\" serve --port 0 -B 127.0.0.1 --json >$T/usrv 2>&1 & s=\$!
	for i in \$(seq 100); do [ -s $T/usrv ] && break; sleep 0.1; done
	p=\$(head -1 $T/usrv | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"port\"])')
	\"$DPTUNE\" bench -n 100 -r 10k -p \$p 127.0.0.1 | head -1; kill \$s")
echo "$out" | grep -Eq '^bench: from netns unnamed \(net:\[[0-9]+\]\) via lo src 127.0.0.1'; ok $? "unnamed namespace: '$out'"
# (stderr may say SENDER-LIMITED on a loaded machine: a timing fact, not this test's)
is "$(cat "$T"/t? "$T"/j? | grep -c 'route not read')" 0 "every route was read"
done_testing
