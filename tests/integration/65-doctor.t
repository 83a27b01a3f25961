#!/usr/bin/env bash
# 65-doctor.t (issue 6's must-show), on `dptune lab` with injected bottlenecks: for each of
# socket buffer, backlog, conntrack table, netfilter rate cap and slow guest behind a tap,
# doctor names the right layer and knob and nothing else with high confidence; a healthy
# lab under moderate load gives nothing serious; tune applies doctor's plan, the drops go
# away in a retest, and revert restores every value byte for byte.
# The faults change host-wide sysctls; the lab records and restores them (and so does the
# cleanup trap, through `lab down`).
# serial: lab faults set host-wide sysctls (backlog, rmem_default, conntrack max), and doctor reads the whole host
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 nft
plan 21
export DPTUNE_LAB_DIR=$(mktemp -d /tmp/$P-lab.XXXXXX)
export DPTUNE_STATE_DIR=$(mktemp -d /tmp/$P-tune.XXXXXX)
L=d${P#t}
on_cleanup "$DPTUNE tune revert >/dev/null; for n in \$(ls $DPTUNE_LAB_DIR | sed 's/\\.json\$//'); do $DPTUNE lab down \$n; done; rm -rf $DPTUNE_LAB_DIR $DPTUNE_STATE_DIR /tmp/$P.*"
SRVPID=
up() { # scenario
	"$DPTUNE" lab up "$1" --name "$L" >/dev/null || return 1
	read -r ADDR PORT CNS SNS < <("$DPTUNE" lab status "$L" --json | python3 -c '
import json,sys
l=json.load(sys.stdin)["labs"][0]; t=l["target"]; nodes={n["name"]:n for n in l["nodes"]}
print(t["addr"], t["port_lo"], nodes[t["client"]]["netns"], nodes[t["server"]]["netns"])')
	local bind
	bind=$("$DPTUNE" lab status "$L" --json | python3 -c '
import json,sys
l=json.load(sys.stdin)["labs"][0]; t=l["target"]
print([n for n in l["nodes"] if n["name"]==t["server"]][0]["addr"].split("/")[0])')
	ip netns exec "$SNS" timeout 120 "$DPTUNE" serve --bind "$bind" --port "$PORT" >/dev/null 2>&1 &
	SRVPID=$!; T_PIDS+=("$SRVPID")
	for i in $(seq 50); do ip netns exec "$CNS" bash -c "echo > /dev/tcp/$bind/$PORT" 2>/dev/null && break; sleep 0.1; done
}
down() { [ -n "$SRVPID" ] && kill "$SRVPID" 2>/dev/null && wait "$SRVPID" 2>/dev/null; SRVPID=; "$DPTUNE" lab down "$L" >/dev/null; }
bench() { ip netns exec "$CNS" "$DPTUNE" bench "$ADDR" --port "$PORT" --json "$@"; }
doctor() { "$DPTUNE" doctor --json -- "$@" > "/tmp/$P.doc.json" 2>/dev/null; }
# high-confidence findings at warning or above, in this lab's namespaces, or in the host
# namespace when they change a host-wide sysctl (the lab's faults and fixes are those; a
# host finding about some application's socket or port is another process on this shared
# machine, e.g. UDP sent to a closed host port while the test ran):
# "rule layer netns change.target" per line (other tests may run on the same machine)
serious() { python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
for f in d["findings"]:
    if f["netns"]=="host" and f.get("change",{}).get("kind")!="sysctl": continue
    if f["netns"]!="host" and not f["netns"].startswith("dl-"+sys.argv[2]+"-"): continue
    if f["severity"]!="info" and f["confidence"]=="high":
        print(f["rule"], f["layer"], f["netns"], f.get("change",{}).get("target","-"))' "/tmp/$P.doc.json" "$L"; }
finding() { python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
for f in d["findings"]:
    if f["rule"]==sys.argv[2]:
        print(f["rule"], f["layer"], f["netns"], f["confidence"], f.get("change",{}).get("kind","-"), f.get("change",{}).get("target","-")); break' "/tmp/$P.doc.json" "$1"; }
# every finding, and the command's own result, for a failing test to say why
findings_diag() { diag "$(python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
for f in d["findings"]: print(f["rule"], f["severity"], f["confidence"], f["netns"], f.get("evidence",""))
print("command exit:", d.get("command_exit"), "seconds:", d.get("seconds"), "waterfall:", json.dumps(d.get("waterfall"))[:900])' /tmp/$P.doc.json 2>&1)"; }

# 1. healthy lab, moderate load
up veth
doctor ip netns exec "$CNS" "$DPTUNE" bench "$ADDR" --port "$PORT" --rate 20k --duration 2 --sched fifo --json
is "$(python3 -c 'import json,sys; print(sum(1 for f in json.load(open(sys.argv[1]))["findings"] if f["severity"]!="info" and ((f["netns"]=="host" and f.get("change",{}).get("kind")=="sysctl") or f["netns"].startswith("dl-"+sys.argv[2]+"-"))))' /tmp/$P.doc.json $L)" 0 \
	"healthy veth lab at 20 kpps: nothing serious" || findings_diag

# 2. netfilter rate cap
"$DPTUNE" lab fault "$L" ratecap --rate 10000 >/dev/null
doctor ip netns exec "$CNS" "$DPTUNE" bench "$ADDR" --port "$PORT" --rate 30k --duration 2 --sched fifo --json
is "$(serious)" "netfilter-rule-drop netfilter $SNS netfilter ruleset" "rate cap: the netfilter rule in the server's namespace, and nothing else"
"$DPTUNE" lab fault --clear "$L" >/dev/null

# 2b. tune apply --verify: a change that does not help is reverted by itself (the cap is
# a rule, not a queue), one that helps is kept
"$DPTUNE" lab fault "$L" ratecap --rate 10000 >/dev/null
q0=$(ip netns exec "$SNS" cat /sys/class/net/$("$DPTUNE" lab status "$L" --json | python3 -c '
import json,sys; l=json.load(sys.stdin)["labs"][0]; print(l["rps"]["dev"])')/tx_queue_len)
DEV=$("$DPTUNE" lab status "$L" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["labs"][0]["rps"]["dev"])')
"$DPTUNE" tune apply --verify "txqlen:$SNS/$DEV=5000" -- ip netns exec "$CNS" "$DPTUNE" bench "$ADDR" \
	--port "$PORT" --rate 30k --duration 1 --sched fifo --json > "/tmp/$P.verify" 2>&1
is "$?" 1 "apply --verify of a change that does not help exits 1"
is "$(ip netns exec "$SNS" cat /sys/class/net/$DEV/tx_queue_len)" "$q0" "and has put the value back by itself"
"$DPTUNE" lab fault --clear "$L" >/dev/null

# 3. backlog (host-wide netdev_max_backlog lowered by the lab, RPS on the server device)
# The backlog overflows only when the load gets its CPU: its sender runs at SCHED_FIFO
# (--sched fifo; at normal priority, beside a build on 2 CPUs, 200k asked reached ~64k and
# the tiny backlog kept up, so the verify step had nothing to show). 100k, not 200k: a
# backlog of 4 overflows on the bursts of a batch (rate/10000 datagrams back to back, 10
# at 100k) more than on the average rate, and at 200k even a FIFO sender beside a build
# reached only 180k: sender-limited, exit 1, and tune apply --verify measures nothing.
orig_backlog=$(cat /proc/sys/net/core/netdev_max_backlog)
"$DPTUNE" lab fault "$L" backlog >/dev/null
doctor ip netns exec "$CNS" "$DPTUNE" bench "$ADDR" --port "$PORT" --rate 100k --duration 2 --flows 8 --sched fifo --json
got=$(serious | cut -d' ' -f1,2,4 | sort -u)
is "$got" "softnet-backlog backlog net.core.netdev_max_backlog" "tiny backlog: softnet backlog and net.core.netdev_max_backlog, nothing else"
# why(): on a failure, what the load did (the backlog only overflows when the sender gets
# its CPU: on a loaded machine it may not reach the rate) and how loaded the machine was
why() { # file
	diag "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
	python3 - "$1" <<'PY' 2>/dev/null | while read -r l; do diag "$l"; done
import json,sys
for line in open(sys.argv[1]):
    line=line.strip()
    if not line.startswith("{"): continue
    try: d=json.loads(line)
    except Exception: continue
    f=d.get("forward")
    if f: print("bench: sent %s pps of 100k asked, lost %s, sender_limited %s" % (round(f.get("sent_pps",0)), f.get("lost_packets"), d.get("sender_limited")))
    for x in d.get("findings",[]) if isinstance(d.get("findings"),list) else []: print("finding:", x.get("rule"), x.get("layer"), x.get("netns"), x.get("severity"))
PY
}
"$DPTUNE" tune plan -- ip netns exec "$CNS" "$DPTUNE" bench "$ADDR" --port "$PORT" --rate 100k --duration 2 --flows 8 --sched fifo --json >"/tmp/$P.plan" 2>&1
grep -q 'sysctl:net.core.netdev_max_backlog=' "$DPTUNE_STATE_DIR/plan.json"
ok $? "tune plan proposes net.core.netdev_max_backlog" || why "/tmp/$P.plan"
"$DPTUNE" tune apply --verify --plan -- ip netns exec "$CNS" "$DPTUNE" bench "$ADDR" --port "$PORT" \
	--rate 100k --duration 2 --flows 8 --sched fifo --json > "/tmp/$P.verify" 2>&1
ok $? "tune apply --verify --plan keeps a change that cuts the loss" || { why "/tmp/$P.verify"; tail -3 "/tmp/$P.verify" | while read -r l; do diag "$l"; done; }
grep -q "the change helped" "/tmp/$P.verify"; ok $? "and says it helped"
doctor ip netns exec "$CNS" "$DPTUNE" bench "$ADDR" --port "$PORT" --rate 100k --duration 2 --flows 8 --sched fifo --json
is "$(finding softnet-backlog)" "" "after tune apply the backlog drops are gone"
"$DPTUNE" tune revert >/dev/null
is "$(cat /proc/sys/net/core/netdev_max_backlog)" 4 "tune revert restores the value it found (the fault's 4)"
"$DPTUNE" lab fault --clear "$L" >/dev/null
is "$(cat /proc/sys/net/core/netdev_max_backlog)" "$orig_backlog" "fault --clear restores the original backlog"

# 4. socket buffer: an application that never sets SO_RCVBUF, with a small default
orig_rmem=$(cat /proc/sys/net/core/rmem_default)
"$DPTUNE" lab fault "$L" rcvbuf >/dev/null
RPORT=$((PORT + 10))
rx() { ip netns exec "$SNS" timeout 20 python3 -c '
import socket,sys,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind((sys.argv[1],int(sys.argv[2])))
s.settimeout(0.2)
t=time.time()+float(sys.argv[3])
while time.time()<t:
    time.sleep(0.01)
    try: s.recv(2048)
    except socket.timeout: pass' "$ADDR" $RPORT 6 & T_PIDS+=($!)
	# until it is bound: on a loaded machine python may take longer than a fixed pause to
	# start, and datagrams to an unbound port are no-listener drops, not buffer overflows
	for i in $(seq 100); do
		[ -n "$(ip netns exec "$SNS" ss -Hnlu "sport = :$RPORT")" ] && break; sleep 0.05
	done; }
tx() { ip netns exec "$CNS" python3 -c '
import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(3000): s.sendto(b"m"*200,(sys.argv[1],int(sys.argv[2])))' "$ADDR" $RPORT; }
rx; doctor bash -c "$(declare -f tx); ADDR=$ADDR RPORT=$RPORT CNS=$CNS tx"
is "$(serious | cut -d' ' -f1,2,4)" "socket-rcvbuf-default socket net.core.rmem_default" \
	"tiny default buffer: the socket, net.core.rmem_default, nothing else"
"$DPTUNE" tune apply "net.core.rmem_default=4194304" >/dev/null
sleep 6; rx; doctor bash -c "$(declare -f tx); ADDR=$ADDR RPORT=$RPORT CNS=$CNS tx"
is "$(serious)" "" "after raising rmem_default a new socket drops nothing"
"$DPTUNE" tune revert >/dev/null
is "$(cat /proc/sys/net/core/rmem_default)" 4096 "tune revert restores rmem_default byte for byte"
"$DPTUNE" lab fault --clear "$L" >/dev/null
is "$(cat /proc/sys/net/core/rmem_default)" "$orig_rmem" "fault --clear restores the original rmem_default"
down

# 5. conntrack table (router scenario)
orig_ct=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
up router
"$DPTUNE" lab fault "$L" conntrack >/dev/null
doctor ip netns exec "$CNS" "$DPTUNE" bench "$ADDR" --port "$PORT" --rate 20k --duration 2 --flows 64 --sched fifo --json
got=$(serious | cut -d' ' -f1,2,4 | sort -u)
is "$got" "conntrack-full netfilter net.netfilter.nf_conntrack_max" "small conntrack table: conntrack and nf_conntrack_max, nothing else"
"$DPTUNE" lab fault --clear "$L" >/dev/null
is "$(cat /proc/sys/net/netfilter/nf_conntrack_max)" "$orig_ct" "fault --clear restores nf_conntrack_max"
down

# 6. slow guest behind a tap. Every bench here runs its sender at SCHED_FIFO: at normal
# priority beside two busy loops on 2 CPUs, the paced sender through the tap lab reached
# 240-780 of the 5,000 pps asked and bench exited 1 (sender-limited), so doctor had no tap
# drops to find
up tap
"$DPTUNE" lab fault "$L" slowguest >/dev/null
doctor ip netns exec "$CNS" "$DPTUNE" bench "$ADDR" --port "$PORT" --rate 5k --duration 2 --sched fifo --json
f=$(finding tap-guest-slow)
set -- $f - - - - - -
is "$2 $5" "vdev txqlen" "slow guest: the tap in layer vdev, its queue length (${f:-no tap-guest-slow finding})" || findings_diag
is "$(serious)" "" "slow guest: nothing with high confidence (no host knob is certain)" || findings_diag
set -- $f - - - - - -
fix=$(python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
print([f for f in d["findings"] if f["rule"]=="tap-guest-slow"][0]["commands"].split("\n")[0])' "/tmp/$P.doc.json")
is "${fix% txqueuelen *}" "ip -n $3 link set dev $6" "slow guest: its fix line acts on the tap in its namespace (ip -n NS)"
"$DPTUNE" lab fault --clear "$L" >/dev/null
down
ok $(ls "$DPTUNE_LAB_DIR" | wc -l) "no lab left"
