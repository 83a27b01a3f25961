#!/usr/bin/env bash
# 18-stat-churn: namespaces created and deleted while `stat -i` runs appear in its samples
# and leave them, and the descriptors dptune kept for them are released: 20 named
# namespaces (ip netns add/del) twice over, and 5 held only by processes (unshare -n), with
# the count of /proc/PID/fd of the running `stat -i 0.2` compared before and after.
# Runs in a private network, mount and pid namespace (its own /run/netns, /proc and
# /sys), so that other tests creating namespaces at the same time change nothing here.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd unshare ip python3

D=$(mktemp -d /tmp/$P.churn.XXXXXX)
on_cleanup "rm -rf $D"

cat > "$D/inner.sh" <<'EOF'
# Inside: private /run/netns, /proc (mounted by unshare) and /sys of our network namespace.
set -u
P=$1 D=$2 DPTUNE=$3
mkdir -p /run/netns && mount -t tmpfs "$P" /run/netns || exit 3
mount -t sysfs "$P" /sys || exit 3
ip link set lo up
# the fewest descriptors over 0.3 s (more than one 0.2 s interval): a sample in progress
# holds a few for a moment (a /proc directory, a file being read), between samples none
fds() {
	local m=999999 n i
	for i in 1 2 3 4 5 6; do
		n=$(ls /proc/$S/fd | wc -l); [ "$n" -lt "$m" ] && m=$n; sleep 0.05
	done
	echo $m
}
names() { # the namespace names of the last complete sample
	python3 - "$D/out" <<'PY'
import json, sys
last = None
for line in open(sys.argv[1]):
    try:
        last = json.loads(line)
    except ValueError:
        pass
print(" ".join(sorted(n["name"] for n in last["namespaces"])) if last else "none")
PY
}
settle() { sleep 2.5; } # a dozen samples: the namespace list is re-read within one
"$DPTUNE" stat -i 0.2 -c 400 --json > "$D/out" 2> "$D/err" &
S=$!
settle
fds > "$D/fd0"; names > "$D/names0"
for cycle in 1 2; do
	for i in $(seq 1 20); do ip netns add ${P}c$i; done
	settle
	fds > "$D/fd_up$cycle"; names > "$D/names_up$cycle"
	for i in $(seq 1 20); do ip netns del ${P}c$i; done
	settle
	fds > "$D/fd_down$cycle"; names > "$D/names_down$cycle"
done
pids=()
for i in $(seq 1 5); do unshare -n sleep 60 & pids+=($!); done
settle
fds > "$D/fd_procs"; names > "$D/names_procs"
kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null
settle
fds > "$D/fd_end"; names > "$D/names_end"
kill -0 $S 2>/dev/null && echo alive > "$D/alive"
kill $S; wait $S 2>/dev/null
exit 0
EOF

timeout 120 unshare --net --mount --pid --fork --mount-proc --propagation private \
	bash "$D/inner.sh" "$P" "$D" "$DPTUNE" > "$D/inner.log" 2>&1
rc=$?
[ $rc -eq 3 ] && skip_all "cannot mount a private /run/netns or /sys: $(cat "$D/inner.log")"

plan 13
is "$rc" 0 "the private run finished"
is "$(cat "$D/alive" 2>/dev/null)" alive "stat -i kept running through the churn ($(head -c 300 "$D/err" 2>/dev/null))"
expect=$(for i in $(seq 1 20); do echo ${P}c$i; done | sort | tr '\n' ' ')
for cycle in 1 2; do
	up=$(tr ' ' '\n' < "$D/names_up$cycle" | grep "^${P}c" | sort | tr '\n' ' ')
	is "$up" "$expect" "cycle $cycle: the 20 new namespaces are in the samples"
	down=$(tr ' ' '\n' < "$D/names_down$cycle" | grep -c "^${P}c")
	is "$down" 0 "cycle $cycle: the 20 deleted namespaces left the samples"
done
fd0=$(cat "$D/fd0")
diag "fds: before $fd0, up $(cat "$D/fd_up1") / $(cat "$D/fd_up2"), down $(cat "$D/fd_down1") / $(cat "$D/fd_down2"), with 5 process namespaces $(cat "$D/fd_procs"), end $(cat "$D/fd_end")"
ok $(( $(cat "$D/fd_up1") > fd0 ? 0 : 1 )) "descriptors are kept for the namespaces while they live"
is "$(cat "$D/fd_down1")" "$fd0" "after the first deletion every descriptor is released"
is "$(cat "$D/fd_down2")" "$fd0" "after the second deletion too (no leak per cycle)"
nproc=$(tr ' ' '\n' < "$D/names_procs" | grep -c '^pid:[0-9]*(sleep)')
is "$nproc" 5 "namespaces held only by processes (unshare -n) are in the samples"
ok $(( $(cat "$D/fd_procs") > fd0 ? 0 : 1 )) "descriptors are kept for them"
nend=$(tr ' ' '\n' < "$D/names_end" | grep -c '^pid:')
is "$nend" 0 "they leave the samples when their processes exit"
is "$(cat "$D/fd_end")" "$fd0" "and their descriptors are released"
done_testing
