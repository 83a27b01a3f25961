#!/usr/bin/env bash
# 13-socket.t (issue 2's must-show): datagrams to a socket with a tiny receive buffer that
# never reads → stat --json shows the UDP RcvbufErrors delta and the per-socket drops on
# that port with the owning process's name, in the right namespace.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3
plan 6
mkns b
mkns c
PORT=$((20000 + RANDOM % 10000))
N=300
# the receiver: its own name, a 1 KiB buffer, never reads, bounded in time
nsx_bg b timeout 30 python3 -c '
import socket,sys,time,ctypes
ctypes.CDLL(None).prctl(15, b"dt_slowrx", 0, 0, 0)
r=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
r.setsockopt(socket.SOL_SOCKET,socket.SO_RCVBUF,1024)
r.bind(("127.0.0.1",int(sys.argv[1])))
open(sys.argv[2],"w").close()
time.sleep(25)' $PORT "/tmp/$P.ready"
for i in $(seq 100); do [ -e "/tmp/$P.ready" ] && break; sleep 0.05; done
rm -f "/tmp/$P.ready"

"$DPTUNE" stat -i 2 -c 1 --json --layer udp,socket > "/tmp/$P.json" & spid=$!
sleep 0.5
nsx b python3 -c '
import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])): s.sendto(b"y"*200,("127.0.0.1",int(sys.argv[1])))' $PORT $N
wait $spid; ok $? "stat -i 2 -c 1 --json exits 0"
on_cleanup "rm -f /tmp/$P.json"
res=$(python3 - "$P" $PORT "/tmp/$P.json" <<'PY'
import json,sys
p,port,f=sys.argv[1],sys.argv[2],sys.argv[3]
d=json.load(open(f))
rows=d["rows"]
rbe=[r for r in rows if r["counter"]=="UdpRcvbufErrors" and r["netns"]==p+"b"]
sock=[r for r in rows if r["layer"]=="socket" and r["counter"]=="drops" and r["object"].endswith(":"+port)]
other=[r for r in rows if r["counter"]=="UdpRcvbufErrors" and r["netns"]==p+"c"]
print(rbe[0]["delta"] if rbe else "none",
      sock[0]["delta"] if sock else "none",
      sock[0]["netns"] if sock else "none",
      sock[0].get("labels",{}).get("comm","none") if sock else "none",
      len(other))
PY
)
set -- $res
[ "$1" != none ] && [ "$1" -gt 0 ]; ok $? "UdpRcvbufErrors rose in ${P}b (+$1)"
is "$2" "$1" "the socket's drops delta equals the RcvbufErrors delta"
is "$3" "${P}b" "the socket row is in the receiver's namespace"
is "$4" "dt_slowrx" "the socket row names the owning process"
is "$5" 0 "no RcvbufErrors row moved in the idle namespace ${P}c"
