#!/usr/bin/env bash
# 32-bench-reorder.t: a crafted client (python3, speaking the control protocol and the
# datagram format) sends sequences with known reordering, duplicates and losses; the server
# must report exactly those.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip python3 timeout ss
plan 6

T=$(mktemp -d /tmp/$P.XXXX); on_cleanup rm -rf "$T"
veth_pair 32
ip netns exec "${P}b" timeout 120 "$DPTUNE" serve --json >"$T/srv" 2>&1 &
bg_pid $!
for _ in $(seq 50); do nsx b ss -ltnH "sport = :5301" | grep -q . && break; sleep 0.1; done

cat >"$T/craft.py" <<'PY'
# craft.py HOST FLOWSPEC: FLOWSPEC is JSON [[seq, ...] per flow]; prints the RESULTS JSON.
import json, socket, struct, sys, time
host, spec = sys.argv[1], json.loads(sys.argv[2])
c = socket.create_connection((host, 5301), timeout=10)
def send(o):
    b = json.dumps(o).encode(); c.sendall(struct.pack('>I', len(b)) + b)
buf = b''
def recv():
    global buf
    while True:
        if len(buf) >= 4:
            n = struct.unpack('>I', buf[:4])[0]
            if len(buf) >= 4 + n:
                m = json.loads(buf[4:4 + n]); buf = buf[4 + n:]
                if m['type'] == 'interval': continue
                return m
        d = c.recv(65536)
        if not d: raise SystemExit('server closed')
        buf += d
send({'type': 'hello', 'version': 1, 'boot_id': 'craft'})
assert recv()['type'] == 'hello'
nf = len(spec)
send({'type': 'test', 'version': 1, 'mode': 1, 'flows': nf, 'size': 64, 'nsock': nf,
      'threads': 1, 'rate': 1000.0, 'duration': 0, 'count': sum(len(s) for s in spec)})
ok = recv(); assert ok['type'] == 'ok', ok
send({'type': 'start', 'version': 1})
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(nf)]
for f, seqs in enumerate(spec):
    port = ok['ports'][(f // nf) % len(ok['ports'])]
    for s in seqs:
        hdr = struct.pack('>IBBHIIQQ', 0x44505431, 1, 0, 32, ok['test_id'], f, s,
                          time.monotonic_ns())
        socks[f].sendto(hdr + b'\0' * 32, (host, port))
        time.sleep(0.0005)
sent = [max(s) + 1 for s in spec]  # what a sender of seqs 0..max sent
send({'type': 'stop', 'version': 1, 'tx_seconds': 0.1, 'sent': sent})
print(json.dumps(recv()))
send({'type': 'bye', 'version': 1})
PY
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# flow 0: 2 and 6 arrive late by one, 4 and 6 twice; flow 1: 5,6,7 lost;
# flow 2: 0..9 then 3 again (duplicate) and 12 before 11 and 10
nsx a timeout 30 python3 "$T/craft.py" $B4 \
	'[[0,1,3,2,4,4,5,7,6,6,8,9],[0,1,2,3,4,8,9,10,11,12,13,14,15,16,17,18],[0,1,2,3,4,5,6,7,8,9,3,12,11,10]]' \
	>"$T/r" 2>"$T/e"
ok $? "crafted client ran the protocol to the end"
is "$(j "$T/r" "[f[3] for f in d['flows']]")" "[2, 0, 2]" "out of order per flow"
is "$(j "$T/r" "[f[2] for f in d['flows']]")" "[2, 0, 1]" "duplicates per flow"
is "$(j "$T/r" "[f[5] for f in d['flows']]")" "[0, 3, 0]" "lost per flow (a missing tail is unknown to this sender)"
is "$(j "$T/r" "[f[6] for f in d['flows']]")" "[0, 3, 0]" "longest loss burst per flow"
is "$(j "$T/r" "(d['ooo'], d['dup'], d['lost'], d['garbage'])")" "(4, 3, 3, 0)" "totals"
done_testing
