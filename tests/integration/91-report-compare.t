#!/usr/bin/env bash
# 91-report-compare.t (issue 15's before/after): record a bench on the tiny-backlog fault,
# `dptune tune apply` doctor's plan, record the same bench again, and report both: the
# comparison shows the backlog drops gone (or sharply down) and net.core.netdev_max_backlog
# changed from the fault's 4. tune revert and the lab restore every value (also in the trap).
# serial: the tiny-backlog fault and tune apply of its plan are host-wide
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3
plan 10
export DPTUNE_LAB_DIR=$(mktemp -d /tmp/$P-lab.XXXXXX)
export DPTUNE_STATE_DIR=$(mktemp -d /tmp/$P-tune.XXXXXX)
L=c${P#t}
T=$(mktemp -d /tmp/$P.XXXXXX)
on_cleanup "$DPTUNE tune revert >/dev/null; for n in \$(ls $DPTUNE_LAB_DIR | sed 's/\\.json\$//'); do $DPTUNE lab down \$n; done; rm -rf $DPTUNE_LAB_DIR $DPTUNE_STATE_DIR $T"
orig_backlog=$(cat /proc/sys/net/core/netdev_max_backlog)

"$DPTUNE" lab up veth --name "$L" >/dev/null || skip_all "cannot build a veth lab"
read -r ADDR PORT CNS SNS BIND < <("$DPTUNE" lab status "$L" --json | python3 -c '
import json,sys
l=json.load(sys.stdin)["labs"][0]; t=l["target"]; nodes={n["name"]:n for n in l["nodes"]}
print(t["addr"], t["port_lo"], nodes[t["client"]]["netns"], nodes[t["server"]]["netns"], nodes[t["server"]]["addr"].split("/")[0])')
ip netns exec "$SNS" timeout 900 "$DPTUNE" serve --bind "$BIND" --port "$PORT" >/dev/null 2>&1 &
T_PIDS+=("$!")
for i in $(seq 50); do ip netns exec "$CNS" bash -c "echo > /dev/tcp/$BIND/$PORT" 2>/dev/null && break; sleep 0.1; done
"$DPTUNE" lab fault "$L" backlog >/dev/null
ok $? "the tiny-backlog fault is in"
# SCHED_FIFO at 100k, as 65-doctor: at normal priority beside other work the sender may not
# get the CPU to overflow the tiny backlog (no drops, nothing to compare)
BENCH=(ip netns exec "$CNS" "$DPTUNE" bench "$ADDR" --port "$PORT" --rate 100k --duration 3 --flows 8 --sched fifo)

"$DPTUNE" record -o "$T/before.zst" -i 0.5 -- "${BENCH[@]}" >/dev/null 2>"$T/before.err"
ok $? "record before the change" || cat "$T/before.err" | while read -r l; do diag "$l"; done

# doctor's plan, as 65-doctor applies it
"$DPTUNE" tune plan -- "${BENCH[@]}" --json > "$T/plan.out" 2>&1
grep -q 'sysctl:net.core.netdev_max_backlog=' "$DPTUNE_STATE_DIR/plan.json"
ok $? "tune plan (doctor's findings) proposes net.core.netdev_max_backlog" || tail -3 "$T/plan.out" | while read -r l; do diag "$l"; done
"$DPTUNE" tune apply --plan > "$T/apply.out" 2>&1
ok $? "tune apply --plan" || tail -3 "$T/apply.out" | while read -r l; do diag "$l"; done
NEW=$(cat /proc/sys/net/core/netdev_max_backlog)

"$DPTUNE" record -o "$T/after.zst" -i 0.5 -- "${BENCH[@]}" >/dev/null 2>"$T/after.err"
ok $? "record after the change" || cat "$T/after.err" | while read -r l; do diag "$l"; done

"$DPTUNE" report "$T/before.zst" "$T/after.zst" -o "$T/cmp.html" > "$T/report.out" 2>&1
ok $? "report of both recordings" || cat "$T/report.out" | while read -r l; do diag "$l"; done
read -r KB KA DB DA CHARTS < <(python3 - "$T/cmp.html" <<'PY'
import sys,re
h=open(sys.argv[1]).read()
k=re.search(r'<tr data-knob="net\.core\.netdev_max_backlog" data-netns="host" data-before="([^"]*)" data-after="([^"]*)"', h)
d=re.search(r'<tr data-layer="backlog" data-before="([0-9]+)" data-after="([0-9]+)"', h)
side=all(re.search(r'id="%s"' % i, h) for i in ("drops-total-before","drops-total-after","heat-softnet-dropped-before","heat-softnet-dropped-after"))
print(k.group(1) if k else "-", k.group(2) if k else "-", d.group(1) if d else "-", d.group(2) if d else "-", side)
PY
)
is "$KB $KA" "4 $NEW" "the comparison shows netdev_max_backlog changed from 4 to what tune applied ($NEW)"
ok $([ "$DB" != "-" ] && [ "$DB" -gt 0 ] && [ "$DA" -le $((DB / 10)) ]; echo $?) \
	"and the backlog drops gone or sharply down (before $DB, after $DA)" || diag "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
is "$CHARTS" "True" "the same charts are there for both recordings, side by side"

"$DPTUNE" tune revert >/dev/null
"$DPTUNE" lab fault --clear "$L" >/dev/null
"$DPTUNE" lab down "$L" >/dev/null
is "$(cat /proc/sys/net/core/netdev_max_backlog)" "$orig_backlog" "revert and fault --clear restore netdev_max_backlog"
exit $T_FAIL
