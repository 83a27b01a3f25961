#!/usr/bin/env bash
# stat.sh: what one `dptune stat` snapshot costs on a host with 1,000 veth devices spread
# over 100 namespaces, against `ip -s -n NS link` over the same namespaces, in one run.
# Steady-state cost per sample = (CPU of -c LONG − CPU of -c SHORT) / (LONG − SHORT), so
# start-up and the first discovery are not counted twice; the lowest of REPS (3) such
# measurements. Not a test: prints numbers.
# Usage: bench/stat.sh [NAMESPACES] [PAIRS]   (defaults 100 and 500)
set -eu
cd "$(dirname "$0")/.."
DPTUNE=${DPTUNE:-$PWD/build/dptune}
NNS=${1:-100}
NPAIRS=${2:-500}
P=dtb$$
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 3; }

cleanup() { for ((i = 0; i < NNS; i++)); do ip netns del $P-$i 2>/dev/null || true; done; rm -f /tmp/$P.batch; }
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$(date +%s.%N)
for ((i = 0; i < NNS; i++)); do echo "netns add $P-$i"; done > /tmp/$P.batch
ip -batch /tmp/$P.batch
: > /tmp/$P.batch
for ((i = 0; i < NPAIRS; i++)); do
	a=$((i % NNS)); b=$(((i + 1) % NNS))
	echo "link add v${P}a$i netns $P-$a type veth peer name v${P}b$i netns $P-$b"
done > /tmp/$P.batch
ip -batch /tmp/$P.batch
for ((i = 0; i < NNS; i++)); do ip -n $P-$i link set lo up; done
echo "topology: $NNS namespaces, $((NPAIRS * 2)) veth devices (built in $(echo "$(date +%s.%N) - $t0" | bc) s)"

cpu_of() { # command...: prints user+sys CPU seconds of the command and its children
	python3 -c '
import resource,subprocess,sys
subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
r=resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.6f" % (r.ru_utime+r.ru_stime))' "$@"
}

# REPS (5) measurements, the lowest and the median kept: on a shared machine other work
# only ever adds to a measurement (another process's namespaces appearing mid-run cost
# their first reads; a busy neighbour slows memory), so the lowest is the cost, and the
# median says how far a run may stray. User and kernel time apart: the kernel's part is
# the formatting of the files read (snmp, snmp6, sockstat...) and the netlink dumps.
SHORT=5 LONG=45 IV=0.1 REPS=${REPS:-5}
cpu_split() { # command...: prints user and sys CPU seconds of the command and its children
	python3 -c '
import resource,subprocess,sys
subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
r=resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.6f %.6f" % (r.ru_utime, r.ru_stime))' "$@"
}
# The floor, measured in the same minutes (interleaved): bench/snapfloor.c makes the same
# reads at the same interval (per namespace snmp, snmp6, sockstat, sockstat6, conntrack
# and the links' stats dump; the host's cpu files) and parses, stores and compares nothing:
# the kernel's formatting and the system calls, which no reader of these interfaces avoids.
FLOOR=${FLOOR:-$PWD/build/bench/snapfloor}
# per_sample "SHORT-RUN CMD" "LONG-RUN CMD": "user:sys" ms per steady-state sample
per_sample() {
	local us ss ul sl
	read -r us ss < <(cpu_split $1)
	read -r ul sl < <(cpu_split $2)
	echo "$(echo "($ul - $us) * 1000 / ($LONG - $SHORT)" | bc -l):$(echo "($sl - $ss) * 1000 / ($LONG - $SHORT)" | bc -l)"
}
meas= fmeas=
for ((r = 0; r < REPS; r++)); do
	meas+=" $(per_sample "$DPTUNE stat -i $IV -c $SHORT" "$DPTUNE stat -i $IV -c $LONG")"
	[ -x "$FLOOR" ] && fmeas+=" $(per_sample "$FLOOR $IV $SHORT" "$FLOOR $IV $LONG")"
done
# "user:sys ..." per measurement -> lowest total, median total, all totals, median user,
# median sys
summary() {
	python3 -c '
import statistics,sys
m=[tuple(float(x) for x in a.split(":")) for a in sys.argv[1:]]
t=[u+s for u,s in m]
print("%.4f %.4f %s %.2f %.2f" % (min(t), statistics.median(t), ",".join("%.2f" % x for x in t),
      statistics.median(u for u,s in m), statistics.median(s for u,s in m)))' "$@"
}
read -r per med all umed smed < <(summary $meas)
[ -z "$fmeas" ] || read -r fper fmed fall fumed fsmed < <(summary $fmeas)
one=$(cpu_of "$DPTUNE" stat)
rows=$("$DPTUNE" stat --all --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["rows"]), len(d["namespaces"]), len(d["links"]))')

# The rival: what an operator types today, once per namespace.
ip_one() { for ((i = 0; i < NNS; i++)); do ip -s -n $P-$i link show; done; ip -s link show; }
export -f ip_one; export P NNS
c_ip=$(cpu_of bash -c ip_one)
c_ip=$(echo "$c_ip * 1000" | bc -l)

printf '\nresult (CPU time, user+sys):\n'
met=$(echo "$med < 10" | bc -l)
printf '  dptune stat, steady state per sample : %8.2f ms   (target < 10 ms, on the median: %s)\n' "$per" \
	"$([ "$met" = 1 ] && echo met || echo NOT MET)"
printf '  (the lowest of %d measurements: %s ms; median %.2f ms)\n' "$REPS" "$all" "$med"
printf '  median user / kernel time per sample : %8.2f / %.2f ms\n' "$umed" "$smed"
if [ -n "$fmeas" ]; then
	printf '  floor: the same reads, nothing parsed : %8.2f ms median (user %.2f, kernel %.2f; lowest %.2f)\n' \
		"$fmed" "$fumed" "$fsmed" "$fper"
	printf '  (bench/snapfloor.c, interleaved with the above: %s ms)\n' "$fall"
	printf '  dptune above the floor (medians)     : %8.2f ms\n' "$(echo "$med - $fmed" | bc -l)"
else
	printf '  floor: %s not built (make tools): not measured\n' "$FLOOR"
fi
printf '  dptune stat, one-shot incl. start-up : %8.2f ms\n' "$(echo "$one * 1000" | bc -l)"
printf '  ip -s -n NS link over all namespaces : %8.2f ms\n' "$c_ip"
printf '  ratio ip / dptune (steady)           : %8.1fx\n' "$(echo "$c_ip / $per" | bc -l)"
printf '  rows / namespaces / links per snapshot: %s\n' "$rows"
printf '  one sample per second would cost      : %8.2f %% of a core at this (warm) cost; a sample\n' "$(echo "$per / 10" | bc -l)"
printf '  once a second finds colder caches and costs more: bench/record.sh measures that\n'
printf '  note: every counter of every namespace is read at every sample (snmp, snmp6,\n'
printf '  stat/nf_conntrack included); settings (knob rows) under -i every 10-19 s; the\n'
printf '  namespace list, and the qdiscs of a namespace that has only noqueue ones, are\n'
printf '  re-read when the kernel signals a change (docs/stat-json.md)\n'
printf '  other namespaces on this host (%s in all) are read and counted too\n' \
	"$(echo "$rows" | cut -d' ' -f2)"

