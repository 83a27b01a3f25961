#!/usr/bin/env bash
# 61-tune-checks.t: what tune refuses and how it reports. A value out of the knob's range
# is a usage error (exit 2) naming the range, before the journal is written; a state
# directory that cannot be written fails (exit 1) with no success line; every subcommand
# prints one JSON document under --json (errors as the error object); plan lists the
# findings no knob fixes; 12 apply+revert cycles keep 10 reverted journals.
# Knobs changed are those of a test namespace; the one host-wide value tried
# (netdev_max_backlog=-1) must be refused, and is put back by the cleanup if it was not.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip python3
plan 43
mkns a
ip -n "${P}a" link add "${P}v0" type veth peer name "${P}v1"
SD=$(mktemp -d /tmp/$P-state.XXXXXX)
ROOT=$(mktemp -d /tmp/$P-root.XXXXXX)
on_cleanup "rm -rf '$SD' '$ROOT'"
rd() { ip netns exec "${P}a" cat "$1"; }
SOM=/proc/sys/net/core/somaxconn PR=/proc/sys/net/ipv4/ip_local_port_range
Q0=/sys/class/net/${P}v0/tx_queue_len RPS=/sys/class/net/${P}v0/queues/rx-0/rps_cpus
# one JSON document on one line
json1() { python3 -c '
import json,sys
d=sys.stdin.read(); assert d.count("\n")==1 and d.endswith("\n"), repr(d)
o=json.loads(d)
if len(sys.argv)>1: exec(sys.argv[1])' "$@"; }

# 1. netdev_max_backlog=-1: refused with the range, no journal, value unchanged
mb=$(cat /proc/sys/net/core/netdev_max_backlog)
on_cleanup "[ \"\$(cat /proc/sys/net/core/netdev_max_backlog)\" = -1 ] && echo $mb > /proc/sys/net/core/netdev_max_backlog"
err=$("$DPTUNE" tune apply --state-dir "$SD" net.core.netdev_max_backlog=-1 2>&1 >/dev/null)
is $? 2 "netdev_max_backlog=-1 is a usage error"
case $err in *"1..2147483647"*) ok 0 "the message names the range";;
	*) ok 1 "the message names the range"; diag "$err";; esac
[ ! -e "$SD/journal.jsonl" ]; ok $? "no journal was written"
[ "$(cat /proc/sys/net/core/netdev_max_backlog)" != -1 ]; ok $? "netdev_max_backlog is not -1"
"$DPTUNE" tune apply --json --state-dir "$SD" net.core.netdev_max_backlog=0 2>/dev/null |
	json1 'e=o["error"]; assert e["exit"]==2 and "1..2147483647" in e["message"], o'
ok $? "under --json the refusal is one error object with exit 2 and the range"

# 2. namespace knobs: out of range refused, nothing written; unknown knobs need --unchecked
before="$(rd $SOM) $(rd $PR) $(rd $Q0) $(rd $RPS)"
"$DPTUNE" tune apply --state-dir "$SD" "sysctl:${P}a/net.core.somaxconn=-5" 2>/dev/null
is $? 2 "somaxconn=-5 is refused"
"$DPTUNE" tune apply --state-dir "$SD" "sysctl:${P}a/net.ipv4.ip_local_port_range=40000 30000" 2>/dev/null
is $? 2 "a port range whose low end is above its high end is refused"
"$DPTUNE" tune apply --state-dir "$SD" "txqlen:${P}a/${P}v0=4294967296" 2>/dev/null
is $? 2 "txqlen 2^32 is refused"
big=1$(printf ',00000000%.0s' $(seq 32))
"$DPTUNE" tune apply --state-dir "$SD" "sysfs:${P}a/class/net/${P}v0/queues/rx-0/rps_cpus=$big" 2>/dev/null
is $? 2 "an RPS mask naming CPU 1024 is refused"
"$DPTUNE" tune apply --state-dir "$SD" "txqlen:${P}a/${P}v0=5000" "sysctl:${P}a/net.core.somaxconn=-1" 2>/dev/null
is $? 2 "one bad item refuses the whole apply"
is "$(rd $SOM) $(rd $PR) $(rd $Q0) $(rd $RPS)" "$before" "no value changed"
[ ! -e "$SD/journal.jsonl" ]; ok $? "still no journal"
err=$("$DPTUNE" tune apply --state-dir "$SD" "sysctl:${P}a/net.ipv4.tcp_congestion_control=reno" 2>&1)
rc=$?
case $err in *"tune knobs"*"--unchecked"*) is $rc 2 "a knob with no known range is refused, pointing to 'tune knobs' and --unchecked";;
	*) ok 1 "a knob with no known range is refused"; diag "$err";; esac
"$DPTUNE" tune apply --unchecked --state-dir "$SD" "sysctl:${P}a/net.ipv4.tcp_congestion_control=reno" >/dev/null
ok $? "--unchecked applies it"
"$DPTUNE" tune knobs --json | json1 'k=[x["target"] for x in o["knobs"]]; assert "net.core.netdev_max_backlog" in k and all(x["range"] for x in o["knobs"]), o'
ok $? "tune knobs --json lists the table"

# options after the items are options, not items
"$DPTUNE" tune apply "sysctl:${P}a/net.ipv4.ip_forward=2" --state-dir "$SD" 2>/dev/null
is $? 2 "ip_forward=2 is refused (0 or 1), with the option after the item"
"$DPTUNE" tune apply "sysctl:${P}a/net.ipv4.ip_forward=1" --state-dir "$SD" --json |
	json1 'assert o["changes"][0]["to"]=="1", o'
is "$?:$(rd /proc/sys/net/ipv4/ip_forward)" "0:1" "an option after the items is honoured"

# 3. every subcommand under --json: one document
"$DPTUNE" tune apply --json --state-dir "$SD" "txqlen:${P}a/${P}v0=5000" |
	json1 'c=o["changes"]; assert c[0]["to"]=="5000" and c[0]["from"]=="1000", o'
ok $? "apply --json"
"$DPTUNE" tune show --json --state-dir "$SD" | json1 'assert o["changes"]==3, o'
ok $? "show --json"
"$DPTUNE" tune persist --json --state-dir "$SD" --root "$ROOT" | json1 'assert o["skipped"] and o["persisted"]==0, o'
ok $? "persist --json (namespace knobs are skipped)"
"$DPTUNE" tune persist --json --state-dir "$SD" --root "$ROOT" txqlen:eth9=5000 | json1 'assert o["persisted"]==1 and o["files"], o'
ok $? "persist --json of an item"
"$DPTUNE" tune revert --json --state-dir "$SD" | json1 'assert o["restored"]==3 and len(o["reverted"])==3, o'
ok $? "revert --json"
is "$(rd $SOM) $(rd $PR) $(rd $Q0) $(rd $RPS)" "$before" "every value is back"
"$DPTUNE" tune revert --json --state-dir "$SD" | json1 'assert o["restored"]==0, o'
ok $? "revert --json with nothing to revert"

# 4. a state directory that cannot be written: exit 1, no success line, one error object
out=$("$DPTUNE" tune plan --duration 0.2 --state-dir /proc/version/x 2>/dev/null)
rc=$?
is "$rc:$out" "1:" "plan with an unwritable --state-dir exits 1 and prints no success line"
"$DPTUNE" tune plan --json --duration 0.2 --state-dir /proc/version/x | json1 'assert o["error"]["exit"]==1, o'
ok $? "plan --json with an unwritable --state-dir: one error object"
out=$("$DPTUNE" tune apply --state-dir /proc/version/x "txqlen:${P}a/${P}v0=5000" 2>/dev/null)
rc=$?
is "$rc:$out:$(rd $Q0)" "1::1000" "apply with an unwritable --state-dir exits 1, prints nothing, changes nothing"
"$DPTUNE" tune show --json --state-dir /proc/version/x | json1 'assert o["error"]["exit"]==1, o'
ok $? "show --json with an unreadable --state-dir: one error object"
out=$("$DPTUNE" tune plan --duration 0.2 --state-dir "$SD" -- false 2>/dev/null)
is "$?:$out" "1:" "plan of a command that fails exits 1 and prints no success line"

# 5. plan: a critical finding with no knob is listed, not "nothing to change"
load="import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET,socket.SO_RCVBUF,2048)
s.bind(('127.0.0.1',0))
c=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for i in range(3000): c.sendto(b'x'*200,s.getsockname())"
"$DPTUNE" tune plan --json --state-dir "$SD" -- ip netns exec "${P}a" python3 -c "$load" |
	json1 'f=[x for x in o["findings_without_knob"] if x["netns"]==sys.argv[2]]; assert f and f[0]["rule"]=="udp-rcvbuf" and f[0]["severity"]=="critical", o' "${P}a"
ok $? "plan --json lists the receive-buffer overflow under findings_without_knob"
out=$("$DPTUNE" tune plan --state-dir "$SD" -- ip netns exec "${P}a" python3 -c "$load" 2>/dev/null)
case $out in *"udp-rcvbuf [${P}a]"*) ok 0 "plan's text names the finding no knob fixes";;
	*) ok 1 "plan's text names the finding no knob fixes"; diag "$out";; esac

# 6. the history of reverted journals is bounded
for i in $(seq 12); do
	"$DPTUNE" tune apply --state-dir "$SD" "txqlen:${P}a/${P}v0=$((2000 + i))" >/dev/null &&
		"$DPTUNE" tune revert --state-dir "$SD" >/dev/null || break
done
is "$i $(ls "$SD" | grep -c '^journal-.*\.reverted$')" "12 10" "12 apply+revert cycles leave 10 reverted journals"
is "$(rd $Q0)" 1000 "and the value is back"

# 7. --verify keeps a change only when the loss fell by half or more. The load is a fake
# bench that reports a given loss on its first run (before) and another on its second.
cat >"$ROOT/fake.sh" <<'EOF'
#!/bin/sh
# fake.sh COUNTFILE BEFORE AFTER: print a bench result with BEFORE lost, then AFTER lost
n=$(cat "$1" 2>/dev/null || echo 0); echo $((n + 1)) >"$1"
[ "$n" = 0 ] && lost=$2 || lost=$3
echo "{\"sent\":1000,\"lost_packets\":$lost}"
EOF
chmod +x "$ROOT/fake.sh"
verify() { rm -f "$ROOT/count"; "$DPTUNE" tune apply --json --verify --state-dir "$SD" \
	"txqlen:${P}a/${P}v0=4321" -- "$ROOT/fake.sh" "$ROOT/count" "$1" "$2"; }
out=$(verify 10 5); rc=$?
echo "$out" | json1 'v=o["verify"]; assert v["verdict"]=="helped" and v["kept"] and v["before"]==10 and v["after"]==5, o'
is "$?:$rc:$(rd $Q0)" "0:0:4321" "--verify keeps a change that halved the loss (exactly half)"
"$DPTUNE" tune revert --state-dir "$SD" >/dev/null
out=$(verify 10 6); rc=$?
echo "$out" | json1 'v=o["verify"]; assert v["verdict"]=="not-enough" and not v["kept"] and o["reverted"], o'
is "$?:$rc:$(rd $Q0)" "0:1:1000" "--verify reverts a change that cut less than half (exit 1)"
out=$(verify 0 0); rc=$?
echo "$out" | json1 'assert o["verify"]["verdict"]=="no-loss-before", o'
is "$?:$rc:$(rd $Q0)" "0:1:1000" "--verify reverts when there was no loss to cut"
out=$(verify 10 20); rc=$?
echo "$out" | json1 'assert o["verify"]["verdict"]=="worse", o'
is "$?:$rc:$(rd $Q0)" "0:1:1000" "--verify reverts a change after which the loss rose"
out=$("$DPTUNE" tune apply --verify --state-dir "$SD" "txqlen:${P}a/${P}v0=4321" -- false 2>/dev/null)
is "$?:$out:$(rd $Q0)" "1::1000" "--verify of a command that fails: exit 1, nothing changed, no success line"
cat >"$ROOT/fail2.sh" <<EOF
#!/bin/sh
n=\$(cat "$ROOT/count2" 2>/dev/null || echo 0); echo \$((n + 1)) >"$ROOT/count2"
echo '{"sent":1000,"lost_packets":10}'; [ "\$n" = 0 ]
EOF
chmod +x "$ROOT/fail2.sh"
"$DPTUNE" tune apply --json --verify --state-dir "$SD" "txqlen:${P}a/${P}v0=4321" -- "$ROOT/fail2.sh" |
	json1 'assert "exited 1" in o["error"]["message"] and "reverted" in o["error"]["message"], o'
is "$?:$(rd $Q0)" "0:1000" "--verify whose command fails after the change reverts it, one error object"
"$DPTUNE" tune apply --state-dir "$SD" "txqlen:${P}a/${P}v0=4321" -- true 2>/dev/null
is "$?:$(rd $Q0)" "2:1000" "a COMMAND without --verify is a usage error, not ignored"
out=$("$DPTUNE" tune apply --help); rc=$?
case $out in *--verify*--unchecked*) is $rc 0 "apply --help lists its options on stdout";;
	*) ok 1 "apply --help lists its options"; diag "$out";; esac
"$DPTUNE" tune revert --state-dir "$SD" >/dev/null
is "$(rd $Q0)" 1000 "the verify runs left nothing behind"

# 8. subcommands for completion
is "$("$DPTUNE" tune --list-commands | tr '\n' ' ')" "plan apply revert show persist knobs " \
	"tune --list-commands prints the subcommands"
