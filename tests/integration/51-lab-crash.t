#!/usr/bin/env bash
# 51-lab-crash.t: crash safety. `lab up` killed with SIGKILL while it builds (ovs, vxlan, tap)
# leaves a state file from which `lab down NAME` removes everything (namespaces, OVS
# daemons and their directory, the guest process); a second down is harmless; SIGINT during
# up tears the partial lab down by itself.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd python3 ip
plan 11
LD=/run/dptune/lab

leftovers() {
	local n=$1
	ip netns list | awk '{print $1}' | grep -E "^dl-$n-" | tr '\n' ' '
	pgrep -f "$LD/$n\." | tr '\n' ' '
	ls -d "$LD/$n".* 2>/dev/null | tr '\n' ' '
}

i=0
for s in ovs vxlan tap; do
	for d in 0.05 0.12; do
		i=$((i + 1))
		L=${P}k$i
		on_cleanup "$DPTUNE" lab down "$L"
		"$DPTUNE" lab up "$s" --name "$L" >/dev/null 2>&1 & up=$!
		sleep "$d"
		kill -9 $up 2>/dev/null
		wait $up 2>/dev/null
		"$DPTUNE" lab down "$L" >/dev/null 2>&1
		is "$(leftovers "$L")" "" "$s: SIGKILL of up after ${d}s, then down: nothing left"
	done
done
"$DPTUNE" lab down "${P}k1" >/dev/null 2>&1; is $? 0 "a second down is harmless"

L=${P}i
on_cleanup "$DPTUNE" lab down "$L"
"$DPTUNE" lab up vxlan --name "$L" >/dev/null 2>&1 & up=$!
sleep 0.04
kill -INT $up
wait $up; rc=$?
ok $([ $rc -eq 130 ] || [ $rc -eq 0 ]; echo $?) "SIGINT during up: exit 130 (or 0 if it had finished): $rc"
[ $rc -eq 0 ] && "$DPTUNE" lab down "$L" >/dev/null
is "$(leftovers "$L")" "" "SIGINT during up leaves nothing behind"

# A killed build is rebuilt by the next up.
L=${P}r
on_cleanup "$DPTUNE" lab down "$L"
"$DPTUNE" lab up bridge --name "$L" >/dev/null 2>&1 & up=$!
sleep 0.03; kill -9 $up; wait $up 2>/dev/null
"$DPTUNE" lab up bridge --name "$L" >/dev/null 2>&1
"$DPTUNE" lab status "$L" --json | python3 -c '
import json,sys; l=json.load(sys.stdin)["labs"][0]; assert l["state"]=="up", l["state"]'
ok $? "up after a killed up rebuilds the lab"
"$DPTUNE" lab down "$L" >/dev/null
is "$(leftovers "$L")" "" "and its down leaves nothing"
done_testing
