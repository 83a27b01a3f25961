#!/usr/bin/env bash
# 33-serve-hostile.t: the server survives a fuzzed control channel (random bytes, truncated
# frames, oversized length prefixes, bad JSON, messages out of order, slowloris) and a flood
# of garbage datagrams on a running test's data port; every hostile session and datagram is
# counted, and a well-formed client is served correctly during and afterwards.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip python3 timeout ss
plan 10

T=$(mktemp -d /tmp/$P.XXXX); on_cleanup rm -rf "$T"
veth_pair 33
ip netns exec "${P}b" timeout 120 "$DPTUNE" serve --json --max-clients 64 >"$T/srv" 2>&1 &
SRV=$!
bg_pid $SRV
for _ in $(seq 50); do nsx b ss -ltnH "sport = :5301" | grep -q . && break; sleep 0.1; done
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

cat >"$T/hostile.py" <<'PY'
# hostile.py HOST: open hostile control sessions, concurrently, each held open until the
# server closes it (bounded: 15 s); print how many sessions and how many the server closed.
import json, os, random, socket, struct, sys, threading
host = sys.argv[1]
random.seed(int(sys.argv[2]))
def frame(b): return struct.pack('>I', len(b)) + b
hello = frame(b'{"type":"hello","version":1,"boot_id":"x"}')
cases = []
for i in range(40):                                    # random bytes
    cases.append(bytes(random.getrandbits(8) for _ in range(random.randint(5, 300))))
cases += [struct.pack('>I', 0xffffffff) + b'{',        # oversized length prefixes
          struct.pack('>I', 300000) + b'x' * 100,
          struct.pack('>I', 0),                        # empty frame
          struct.pack('>I', 100) + b'{"type":"hel',    # truncated, then silence
          b'\x00\x00',                                 # slowloris: half a header
          frame(b'not json at all'),
          frame(b'[1,2,3]'),
          frame(b'{"type":"hello","version":99}'),     # unknown protocol version
          frame(b'{"type":"start","version":1}'),      # out of order
          hello + frame(b'{"type":"test","flows":-5}'),
          hello + frame(b'{"type":"test","version":1,"mode":1,"flows":1,"size":64,"nsock":1,'
                        b'"rate":1e9,"count":5,"a":[[[[[[[[[[[[0]]]]]]]]]]]]}'),
          hello + frame(b'{"type":"bogus"}')]
closed = 0
lock = threading.Lock()
def run(data):
    global closed
    s = socket.create_connection((host, 5301), timeout=15)
    s.sendall(data)
    try:
        while s.recv(4096):
            pass
        with lock: closed += 1
    except OSError:
        pass
    s.close()
ts = [threading.Thread(target=run, args=(c,)) for c in cases]
for t in ts: t.start()
for t in ts: t.join()
print(len(cases), closed)
PY
cat >"$T/flood.py" <<'PY'
# flood.py HOST PORT N: N garbage datagrams of several kinds; prints N.
import os, random, socket, struct, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
kinds = [lambda: os.urandom(random.randint(1, 200)),                       # random
         lambda: os.urandom(8),                                             # short
         lambda: struct.pack('>IBBHIIQQ', 0x44505431, 1, 0, 32, 12345, 0, 1, 0),  # wrong test
         lambda: struct.pack('>IBBHIIQQ', 0x44505431, 7, 0, 32, 0, 0, 1, 0),      # bad version
         lambda: b'DPT1' + os.urandom(9500)]                                # oversized
for i in range(n):
    s.sendto(kinds[i % len(kinds)](), (host, port))
print(n)
PY

# A well-formed test runs while the garbage arrives on its data port: 8 s, so the flood
# (python started after the port shows, on a loaded machine up to seconds) lands inside it.
ip netns exec "${P}a" timeout 60 "$DPTUNE" bench --json -d 8 -r 1k $B4 >"$T/c1" 2>"$T/e1" &
CL=$!
bg_pid $CL
port=
for _ in $(seq 50); do
	port=$(nsx b ss -ulnH | awk '{print $4}' | sed 's/.*://' | head -1)
	[ -n "$port" ] && break; sleep 0.1
done
nsx a python3 "$T/flood.py" $B4 "$port" 2000 >"$T/f" 2>&1
ok $? "flooded 2000 garbage datagrams to data port $port"
nsx a timeout 30 python3 "$T/hostile.py" $B4 1 >"$T/h" 2>"$T/he"
read -r sessions closed <"$T/h"
ok $(( sessions > 0 && sessions == closed ? 0 : 1 )) "server closed all $sessions hostile control sessions ($closed)"
wait $CL
is "$(j "$T/c1" "'error' not in d")" True "the concurrent well-formed test completed"
is "$(j "$T/c1" "(d['forward']['packets'] == d['forward']['sent'], d['forward']['lost_packets'], d['forward']['garbage_datagrams'])")" \
	"(True, 0, 2000)" "its datagrams all counted, none lost, 2000 garbage rejected and counted"
kill -0 $SRV 2>/dev/null
ok $? "server still running"

nsx a timeout 60 "$DPTUNE" bench --json -n 5000 -r 10k -f 3 $B4 >"$T/c2" 2>"$T/e2"
is "$(j "$T/c2" "'error' not in d")" True "a well-formed client is served afterwards"
is "$(j "$T/c2" "(d['forward']['sent'], d['forward']['packets'], d['forward']['lost_packets'])")" \
	"(5000, 5000, 0)" "and counted exactly"

kill -TERM $SRV; wait $SRV 2>/dev/null
last=$(tail -1 "$T/srv")
is "$(echo "$last" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['ctl_rejected'])")" \
	"$sessions" "every hostile session counted as rejected"
is "$(echo "$last" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['garbage_datagrams'], d['tests'])")" \
	"2000 2" "server totals: 2000 garbage datagrams, 2 tests"
is "$(grep -c '"event":"test"' "$T/srv")" 2 "one line per test"
done_testing
