#!/usr/bin/env bash
# 04-sysfs-rw.t: a dptune reading a namespace's sysfs must not make that namespace's sysfs
# read-only for everybody else. The kernel shares one sysfs superblock per network
# namespace and the first mount's flags stick to it: a collector that mounted it read-only
# made `lab up` (RPS) and `tune apply sysfs:...` fail with EROFS while it ran.
. "$(dirname "$0")/lib.sh"
need_root
plan 3
mkns a || skip_all "cannot create namespaces"
ip link add ${P}x netns ${P}a type veth peer name ${P}y netns ${P}a || skip_all "no veth"
out=/tmp/$P.stat.json
on_cleanup "rm -f $out"
nsx_bg a true
"$DPTUNE" stat -i 0.5 -c 40 --json --netns "${P}a" --all >"$out" 2>/dev/null &
bg_pid $!
STATPID=$!
# wait (bounded) until stat has taken its first two samples: its sysfs mount is live then
for i in $(seq 200); do [ "$(wc -l <"$out")" -ge 2 ] && break; sleep 0.1; done
[ "$(wc -l <"$out")" -ge 2 ]; ok $? "stat sampled the namespace (lines: $(wc -l <"$out"))"
kill -0 $STATPID 2>/dev/null; ok $? "stat still running while we write"
err=$(nsx a sh -c "echo 1 > /sys/class/net/${P}x/queues/rx-0/rps_cpus" 2>&1)
ok $? "rps_cpus writable in the namespace while dptune reads it${err:+ ($err)}"
