#!/bin/bash
# 13-socket.t: per-socket UDP drops attributed to the process, in its namespace (the
# udpsock collector), matched against Udp RcvbufErrors; conntrack count in a namespace
# with a ct rule; knob scope and the empty-namespace gate.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 ip timeout
[ -x "$DPTUNE" ] || skip_all "no dptune binary at $DPTUNE (make first)"
plan 16

T=$(mktemp -d /tmp/$P.XXXXXX)
on_cleanup "rm -rf $T"
PORT=6000
COMM=${P}rcv
N=300

mkns b || { echo "Bail out! cannot create namespace ${P}b"; exit 1; }

# The receiver: SO_RCVBUF 1024, a name of our own (prctl PR_SET_NAME), never reads.
# run ip directly (not the nsx function) so that \$! is the process the trap kills
ip netns exec "${P}b" timeout 60 python3 -c '
import ctypes, os, socket, sys, time
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
r.bind(("127.0.0.1", int(sys.argv[2])))
open(sys.argv[3], "w").write(str(os.getpid()))
time.sleep(55)' "$COMM" $PORT "$T/pid" &
bg_pid $!
for _ in $(seq 100); do [ -s "$T/pid" ] && break; sleep 0.05; done
RPID=$(cat "$T/pid" 2>/dev/null)
[ -n "$RPID" ] || { echo "Bail out! the receiver did not start"; exit 1; }

send() { # count: datagrams of 200 bytes to the receiver, from inside ${P}b
	nsx b timeout 20 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"y" * 200, ("127.0.0.1", int(sys.argv[2])))' "$1" $PORT
}

# check.py DOC-FILE: facts about the socket row and the snmp row, one per line
cat > "$T/check.py" <<'EOF'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
doc = json.loads(lines[-1])
ns, obj = sys.argv[2], sys.argv[3]
def row(layer, o, counter):
    for r in doc["rows"]:
        if r["layer"] == layer and r["netns"] == ns and r["object"] == o and r["counter"] == counter:
            return r
    return None
d = row("socket", obj, "drops")
out = {}
if d:
    out["drops"] = d["value"]
    out["drops_delta"] = d.get("delta")
    out["comm"] = d.get("labels", {}).get("comm")
    out["pid"] = d.get("labels", {}).get("pid")
for c in ("rx_queue", "rcvbuf"):
    r = row("socket", obj, c)
    out[c] = r["value"] if r else None
u = row("udp", "", "UdpRcvbufErrors")
out["snmp"] = "present" if u else "absent"
if u:
    out["snmp_delta"] = u.get("delta")
out["sockets_in_ns"] = sum(1 for r in doc["rows"] if r["layer"] == "socket" and r["netns"] == ns)
k = lambda name: any(r["netns"] == ns and r["counter"] == name for r in doc["rows"])
out["knob_backlog"] = k("net.core.netdev_max_backlog")
out["knob_rps_lo"] = any(r["netns"] == ns and r["counter"] == "rps_cpus" and r["object"] == "lo"
                         for r in doc["rows"])
cnt = row("netfilter", "", "nf_conntrack_count")
out["ct_count"] = cnt["value"] if cnt else None
out["ct_percpu"] = sum(1 for r in doc["rows"] if r["netns"] == ns and r["layer"] == "netfilter"
                       and r["counter"] == "drop" and "cpu" in r)
for key, v in out.items():
    print(f"{key}={v}")
EOF
fact() { sed -n "s/^$2=//p" "$1"; }

# --- one shot, after the burst ---
send $N
"$DPTUNE" stat --json --all --knobs --netns "${P}b" > "$T/one.json" 2> "$T/one.err"
ok $? "stat --json --all --netns ${P}b runs"
python3 "$T/check.py" "$T/one.json" "${P}b" "udp 127.0.0.1:$PORT" > "$T/one.f" 2>> "$T/one.err"
drops=$(fact "$T/one.f" drops)
[ -n "$drops" ] && [ "$drops" -gt 0 ]; ok $? "socket udp 127.0.0.1:$PORT in ${P}b has drops > 0 (got '${drops}')"
is "$(fact "$T/one.f" comm)" "$COMM" "its labels name the receiving process (comm)"
is "$(fact "$T/one.f" pid)" "$RPID" "its labels carry the receiver's pid"
rxq=$(fact "$T/one.f" rx_queue)
[ -n "$rxq" ] && [ "$rxq" != None ] && [ "$rxq" -gt 0 ]; ok $? "rx_queue shows the unread datagram (got '$rxq')"
rcvbuf=$(fact "$T/one.f" rcvbuf)
if [ "$rcvbuf" = None ]; then
	skip "rcvbuf: sock_diag unavailable here, /proc/net/udp has no buffer size"
else
	[ "$rcvbuf" -ge 1024 ] && [ "$rcvbuf" -lt 65536 ]; ok $? "rcvbuf reflects SO_RCVBUF=1024 (got $rcvbuf)"
fi
is "$(fact "$T/one.f" knob_backlog)" False "global sysctl net.core.netdev_max_backlog is not repeated in ${P}b"
is "$(fact "$T/one.f" knob_rps_lo)" True "per-device knob rps_cpus of lo is read in ${P}b's sysfs"

# --- interval: the burst lands between the two snapshots ---
# stat -- COMMAND takes its first snapshot before the sender starts and its second after
# it exits (with `stat -i 2 -c 1 &`, a fixed sleep and a send, a slow first snapshot or a
# late sender split the burst across the interval's edge on a loaded machine)
"$DPTUNE" stat --json --all --netns "${P}b" -- bash -c "$(declare -f send nsx); P=$P PORT=$PORT; send $N" \
	> "$T/int.json" 2> "$T/int.err"
ok $? "stat --json -- (the sender) runs"
python3 "$T/check.py" "$T/int.json" "${P}b" "udp 127.0.0.1:$PORT" > "$T/int.f" 2>> "$T/int.err"
is "$(fact "$T/int.f" drops_delta)" "$N" "socket drops delta equals the $N datagrams sent into a full queue"
is "$(fact "$T/int.f" comm)" "$COMM" "interval rows keep the owner (cached inode -> pid)"
if [ "$(fact "$T/int.f" snmp)" = present ]; then
	is "$(fact "$T/int.f" snmp_delta)" "$(fact "$T/int.f" drops_delta)" \
		"Udp RcvbufErrors delta equals the socket's drops delta"
else
	skip "UdpRcvbufErrors row absent (snmp collector not in this build)"
fi

# --- a namespace without UDP sockets: the tables are skipped, no socket rows ---
mkns e
"$DPTUNE" stat --json --all --netns "${P}e" > "$T/e.json" 2>> "$T/one.err"
python3 "$T/check.py" "$T/e.json" "${P}e" "-" > "$T/e.f"
is "$(fact "$T/e.f" sockets_in_ns)" 0 "no socket rows in ${P}e (sockstat UDP inuse 0)"

# --- conntrack in a namespace with a ct rule ---
if ! command -v nft >/dev/null; then
	skip "conntrack: needs nft"; skip "conntrack: needs nft"; skip "conntrack: needs nft"
elif ! [ -e /proc/sys/net/netfilter/nf_conntrack_count ]; then
	skip "conntrack: nf_conntrack not loaded on this host"
	skip "conntrack: nf_conntrack not loaded"; skip "conntrack: nf_conntrack not loaded"
else
	mkns c
	nsx c nft -f - <<EOF
table inet ${P}ct {
	chain in {
		type filter hook input priority 0;
		ct state new counter accept
	}
}
EOF
	ok $? "nft table with a ct rule in ${P}c"
	nsx c timeout 10 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in range(7000, 7010):
    s.sendto(b"x", ("127.0.0.1", p))'
	"$DPTUNE" stat --json --all --netns "${P}c" > "$T/c.json" 2>> "$T/one.err"
	python3 "$T/check.py" "$T/c.json" "${P}c" "-" > "$T/c.f"
	cnt=$(fact "$T/c.f" ct_count)
	[ -n "$cnt" ] && [ "$cnt" != None ] && [ "$cnt" -gt 0 ]
	ok $? "nf_conntrack_count in ${P}c > 0 after traffic (got '$cnt')"
	pc=$(fact "$T/c.f" ct_percpu)
	[ "$pc" -ge 1 ]; ok $? "per-CPU conntrack drop rows carry a cpu (got $pc)"
fi
[ -s "$T/one.err" ] && { diag "stderr:"; sed 's/^/# /' "$T/one.err" "$T/int.err"; }
done_testing
