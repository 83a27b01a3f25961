#!/usr/bin/env bash
# 21-sysfs-reads.t: a sysfs attribute (rps_cpus, gro_flush_timeout, ...) is printed whole
# by the kernel at the first read, so dptune reads each in one system call, not two (the
# second, which returns 0, was 5,500 wasted reads per snapshot of the 1,000-veth host's
# settings) and still gets every value whole: the rps_cpus mask as the kernel prints it,
# a 9-digit gro_flush_timeout.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd strace python3
plan 4
mkns a || skip_all "cannot create namespaces"
ip -n ${P}a link add ${P}x type veth peer name ${P}y || skip_all "no veth"
nsx a sh -c "echo 1 > /sys/class/net/${P}x/queues/rx-0/rps_cpus" || skip_all "cannot set rps_cpus"
nsx a sh -c "echo 123456789 > /sys/class/net/${P}x/gro_flush_timeout" || skip_all "cannot set gro_flush_timeout"
on_cleanup "rm -f /tmp/$P.st /tmp/$P.json"
strace -f -y -e trace=pread64 -o /tmp/$P.st "$DPTUNE" stat --json --knobs --netns "${P}a" \
	--collectors knobs > /tmp/$P.json
ok $? "stat --knobs under strace exits 0"
python3 - /tmp/$P.json "${P}a" "${P}x" <<'PY' > /tmp/$P.vals
import json, sys
d = json.load(open(sys.argv[1]))
k = {(r["object"], r["knob"]): r["text"] for r in d["knobs"] if r.get("netns") == sys.argv[2]}
print(k.get((sys.argv[3], "rps_cpus")), k.get((sys.argv[3], "gro_flush_timeout")))
PY
read -r rps gro < /tmp/$P.vals
want=$(nsx a cat /sys/class/net/${P}x/queues/rx-0/rps_cpus)
is "$rps $gro" "$want 123456789" "${P}x's rps_cpus and gro_flush_timeout read whole"
# every read of one of ${P}x's attributes: the path (strace -y) and what it returned
grep "/net/${P}x/" /tmp/$P.st | sed -E 's/.*<([^>]*)>.* = (-?[0-9]+).*/\1 \2/' > /tmp/$P.reads
n=$(wc -l < /tmp/$P.reads)
ok $((n < 5)) "${P}x's attributes were read ($n reads: rps_cpus, rps_flow_cnt, threaded, napi_defer_hard_irqs, gro_flush_timeout)" ||
	diag "$(head -5 /tmp/$P.st)"
dups=$(awk '{print $1}' /tmp/$P.reads | sort | uniq -d | wc -l)
zeros=$(awk '$2 == 0' /tmp/$P.reads | wc -l)
is "$dups $zeros" "0 0" "one read per attribute, none that returned 0 ($n reads)" ||
	diag "$(cat /tmp/$P.reads)"
done_testing
