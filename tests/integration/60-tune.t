#!/usr/bin/env bash
# 60-tune.t: tune apply writes the journal first and revert restores every value byte for
# byte, also after kill -9 in the middle of apply; persist writes files and applies nothing.
# Knobs are those of a test namespace (device queue lengths, RPS masks, per-namespace
# sysctls), so nothing host-wide changes.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip
plan 13
mkns a
ip -n "${P}a" link add "${P}v0" type veth peer name "${P}v1"
SD=$(mktemp -d /tmp/$P-state.XXXXXX)
ROOT=$(mktemp -d /tmp/$P-root.XXXXXX)
on_cleanup "rm -rf '$SD' '$ROOT'"
rd() { ip netns exec "${P}a" cat "$1"; }
Q0=/sys/class/net/${P}v0/tx_queue_len Q1=/sys/class/net/${P}v1/tx_queue_len
RPS=/sys/class/net/${P}v0/queues/rx-0/rps_cpus SOM=/proc/sys/net/core/somaxconn
before="$(rd $Q0) $(rd $Q1) $(rd $RPS) $(rd $SOM)"

"$DPTUNE" tune apply --state-dir "$SD" "txqlen:${P}a/${P}v0=bogus-x" >/dev/null 2>&1
is $? 2 "an invalid value is a usage error"
"$DPTUNE" tune apply --state-dir "$SD" "nope:${P}a/x=1" >/dev/null 2>&1
is $? 2 "an unknown knob kind is a usage error"
"$DPTUNE" tune revert --state-dir "$SD" >/dev/null
is "$(rd $Q0) $(rd $Q1) $(rd $RPS) $(rd $SOM)" "$before" "a refused apply leaves nothing to undo"

"$DPTUNE" tune apply --state-dir "$SD" "txqlen:${P}a/${P}v0=5000" \
	"sysfs:${P}a/class/net/${P}v0/queues/rx-0/rps_cpus=1" "sysctl:${P}a/net.core.somaxconn=1234" >/dev/null
ok $? "apply of three knobs exits 0"
is "$(rd $Q0) $(rd $RPS) $(rd $SOM)" "5000 1 1234" "the three values are set"
n=$(grep -c '"op":"change"' "$SD/journal.jsonl")
is "$n" 3 "the journal holds the three originals"

# kill -9 between the first and the second item of a second apply
"$DPTUNE" tune apply --state-dir "$SD" --step-delay-ms 1500 "txqlen:${P}a/${P}v1=7777" \
	"sysctl:${P}a/net.core.somaxconn=999" >/dev/null & ap=$!
for i in $(seq 50); do [ "$(rd $Q1)" = 7777 ] && break; sleep 0.05; done
kill -9 $ap; wait $ap 2>/dev/null
is "$(rd $Q1) $(rd $SOM)" "7777 1234" "kill -9 landed after the first change of the second apply"

"$DPTUNE" tune show --state-dir "$SD" --json | python3 -c '
import json,sys; d=json.load(sys.stdin); assert d["changes"]==4, d
assert [e["original"] for e in d["journal"]][-1]=="1000", d'
ok $? "show lists every journaled change"

"$DPTUNE" tune revert --state-dir "$SD" >/dev/null
ok $? "revert exits 0"
is "$(rd $Q0) $(rd $Q1) $(rd $RPS) $(rd $SOM)" "$before" "every value is back byte for byte"
[ ! -e "$SD/journal.jsonl" ]; ok $? "the journal is retired after a full revert"

# a value nobody else sets, so that other tests changing the host's backlog meanwhile
# cannot make this fail
v=10007
[ "$(cat /proc/sys/net/core/netdev_max_backlog)" != $v ] || v=10009
"$DPTUNE" tune persist --state-dir "$SD" --root "$ROOT" net.core.netdev_max_backlog=$v \
	txqlen:eth9=5000 >/dev/null
grep -qx "net.core.netdev_max_backlog = $v" "$ROOT/etc/sysctl.d/90-dptune.conf" &&
	grep -q 'KERNEL=="eth9", ATTR{tx_queue_len}="5000"' "$ROOT/etc/udev/rules.d/90-dptune.rules"
ok $? "persist writes sysctl.d and udev files"
[ "$(cat /proc/sys/net/core/netdev_max_backlog)" != $v ]; ok $? "persist applies nothing"
