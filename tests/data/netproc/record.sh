#!/bin/bash
# record.sh: re-record the UDP socket files of this directory (as root): in a scratch
# namespace, a 1 KB-rcvbuf socket on 127.0.0.1:6000 gets 300 datagrams (299 drops), one
# on [::1]:6001 gets 100, a connected socket 127.0.0.1:6002->:6000 and a sender exist;
# then /proc/net/{udp,udp6,sockstat,sockstat6} and raw sock_diag dumps are saved.
set -eu
D=$(cd "$(dirname "$0")" && pwd)
NS=nprec$$
ip netns add $NS
trap 'kill $PID 2>/dev/null; ip netns del $NS' EXIT
ip -n $NS link set lo up
ip netns exec $NS timeout 20 python3 -c '
import socket,time
r=socket.socket(2,2);r.setsockopt(1,8,1024);r.bind(("127.0.0.1",6000))
r6=socket.socket(10,2);r6.setsockopt(1,8,1024);r6.bind(("::1",6001))
c=socket.socket(2,2);c.bind(("127.0.0.1",6002));c.connect(("127.0.0.1",6000))
s=socket.socket(2,2)
for i in range(300): s.sendto(b"y"*200,("127.0.0.1",6000))
s6=socket.socket(10,2)
for i in range(100): s6.sendto(b"z"*300,("::1",6001))
open("/dev/stdout","w").write("ready\n")
time.sleep(19)' > /tmp/$NS.out & PID=$!
for i in $(seq 50); do grep -q ready /tmp/$NS.out 2>/dev/null && break; sleep 0.1; done
rm -f /tmp/$NS.out
ip netns exec $NS sh -c "cat /proc/net/udp > $D/udp; cat /proc/net/udp6 > $D/udp6;
	cat /proc/net/sockstat > $D/sockstat; cat /proc/net/sockstat6 > $D/sockstat6"
ip netns exec $NS python3 - "$D" <<'PY'
import socket, struct, sys
INET_DIAG_SKMEMINFO = 7
for fam, name in ((2, "sockdiag_udp4.bin"), (10, "sockdiag_udp6.bin")):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4)   # NETLINK_SOCK_DIAG
    req = struct.pack("=BBBBI", fam, 17, 1 << (INET_DIAG_SKMEMINFO - 1), 0, 0xffffffff) + b"\0" * 48
    s.send(struct.pack("=IHHII", 16 + len(req), 20, 0x301, 1, 0) + req)
    out, done = b"", False
    while not done:
        d = s.recv(65536); out += d; off = 0
        while off + 16 <= len(d):
            l, t = struct.unpack_from("=IH", d, off)
            done |= t == 3
            off += (l + 3) & ~3
    open(sys.argv[1] + "/" + name, "wb").write(out)
PY
