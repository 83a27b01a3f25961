#!/usr/bin/env bash
# tracer.sh: what the kernel drop-reason tracer (bpf/dropreason.bpf.c) costs a UDP sender at
# its limit on veth when every packet is dropped (a closed port: NO_SOCKET, so the
# tracepoint fires for every packet). Not a test: prints numbers. Called by
# bench/export.sh (so run-all.sh skips it); runs alone in under a minute.
#
# build/bench/tracercost, pinned to one CPU, sends 64-byte datagrams as fast as it can in
# PAIRS pairs of SLICE_MS slices, without and with the tracer attached (toggled in-process,
# ABBA order), so the halves of a pair are milliseconds apart. Per pair the cost is
# 1 - with/without of
#   - the sender's packet rate (pps, wall clock: what the target names; it moves with
#     whatever else the shared machine runs on that CPU), and
#   - the sender's packets per second of its own CPU time (on veth the receive path and the
#     drop run on the sender's stack, so this is the rate it reaches with the CPU to itself;
#     time slices taken by other work on the CPU drop out).
# Printed: the median over the pairs with its 95 % confidence interval, the interquartile
# range and min..max. Then the program's own run time per event from BPF run-time stats
# (on only for STATS_SLICES more slices: they add two clock reads to every event), less
# what the same stats read for an empty program on the same tracepoint (those clock reads);
# and whether the map counted every packet sent while it was attached.
# Usage: bench/tracer.sh [PAIRS] [SLICE_MS] [STATS_SLICES]   (defaults 150 100 10)
#        TRACER_CPU=N picks the sender's CPU (default: the last one); VERBOSE=1 prints slices;
#        TRACERCOST=path runs another build of tracercost (to compare BPF programs);
#        TRACER_EMPTY=1 pairs without/with an empty BPF program instead of the tracer: the
#        floor the kernel's call of any program on this tracepoint costs.
set -eu
cd "$(dirname "$0")/.."
T=${TRACERCOST:-$PWD/build/bench/tracercost}
PAIRS=${1:-150}
SLICE=${2:-100}
STATS=${3:-10}
CPU=${TRACER_CPU:-$(($(nproc) - 1))}
P=dtt$$
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 3; }
[ -n "${TRACERCOST:-}" ] || make -s build/bench/tracercost >/dev/null 2>&1 || true
[ -x "$T" ] || { echo "bench: cannot build build/bench/tracercost (make first)" >&2; exit 3; }

cleanup() {
	ip netns del $P-s 2>/dev/null || true
	ip netns del $P-r 2>/dev/null || true
	rm -f /tmp/$P.*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add $P-s
ip netns add $P-r
# no IPv6 on the pair: its neighbour discovery would add drops of its own in the receiver
for n in s r; do
	ip netns exec $P-$n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add v${P}s netns $P-s type veth peer name v${P}r netns $P-r
ip -n $P-s addr add 10.251.0.1/24 dev v${P}s
ip -n $P-r addr add 10.251.0.2/24 dev v${P}r
for n in s r; do ip -n $P-$n link set lo up; ip -n $P-$n link set v$P$n up; done
INODE=$(stat -L -c %i /run/netns/$P-r)

cpustat() { awk -v c="cpu$1" '$1 == c {print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
OTHER=$(( CPU == 0 ? ($(nproc) > 1 ? 1 : 0) : 0 ))
load0=$(cut -d' ' -f1-3 /proc/loadavg)
read -r b0 t0 < <(cpustat "$CPU"); read -r ob0 ot0 < <(cpustat "$OTHER")
ip netns exec $P-s taskset -c "$CPU" "$T" 10.251.0.2 9 "$PAIRS" "$SLICE" "$INODE" "$STATS" \
	${TRACER_EMPTY:+empty} > /tmp/$P.out
read -r b1 t1 < <(cpustat "$CPU"); read -r ob1 ot1 < <(cpustat "$OTHER")
load1=$(cut -d' ' -f1-3 /proc/loadavg)
[ -n "${VERBOSE:-}" ] && cat /tmp/$P.out

python3 - "$PAIRS" "$SLICE" "$CPU" /tmp/$P.out <<'EOF'
import sys, statistics as st
pairs, slice_ms, cpu, path = sys.argv[1:]
runs, other = {}, {}
for line in open(path):
    f = line.split()
    if f[0] == "slice":
        runs.setdefault(int(f[1]), {})[f[2]] = (int(f[3]), float(f[4]), float(f[5]))
    else:
        other[f[0]] = f[1:]
runs = [r for r in runs.values() if r["off"][0] and r["on"][0] and r["off"][2] and r["on"][2]]
def q(xs):
    """median, quartiles, min, max, and the median's 95 % confidence interval (order
    statistics: the ranks n/2 -+ 0.98 sqrt(n), distribution-free)"""
    xs = sorted(xs)
    n = len(xs)
    lo, hi = max(0, int(n / 2 - 0.98 * n ** 0.5)), min(n - 1, int(n / 2 + 0.98 * n ** 0.5 + 1))
    if n < 4:
        return st.median(xs), xs[0], xs[-1], xs[0], xs[-1], xs[0], xs[-1]
    q1, q2, q3 = st.quantiles(xs, n=4, method="inclusive")
    return q2, q1, q3, xs[0], xs[-1], xs[lo], xs[hi]
pps = {m: [r[m][0] / r[m][1] for r in runs] for m in ("off", "on")}
cpp = {m: [r[m][2] / r[m][0] for r in runs] for m in ("off", "on")}  # ns of CPU a packet
cost_pps = [100 * (1 - (r["on"][0] / r["on"][1]) / (r["off"][0] / r["off"][1])) for r in runs]
cost_cpu = [100 * (1 - (r["off"][2] / r["off"][0]) / (r["on"][2] / r["on"][0])) for r in runs]
busy = sorted(r[m][2] / 1e9 / r[m][1] for r in runs for m in ("off", "on"))
print(f"drop-reason tracer cost: 64 B UDP at the sender's limit over veth to a closed port (every packet\n"
      f"dropped), sender on CPU {cpu}, {len(runs)} pairs of {slice_ms} ms slices without/with "
      f"({other.get('attach', ['?'])[0]}), ABBA order")
print(f"  without: {st.median(pps['off']):8.0f} pps, {st.median(cpp['off']):5.0f} ns of sender CPU a packet (medians)")
print(f"  with   : {st.median(pps['on']):8.0f} pps, {st.median(cpp['on']):5.0f} ns of sender CPU a packet")
print("  cost per pair, 1 - with/without: median [its 95 % confidence interval], interquartile")
print("  range, min..max (target <= 3 %):")
for name, xs in (("sender pps (wall clock)", cost_pps), ("sender pps of its own CPU", cost_cpu)):
    m, q1, q3, lo, hi, clo, chi = q(xs)
    print(f"    {name:25s}: {m:5.2f} % [{clo:5.2f} .. {chi:5.2f}]  IQR {q1:5.2f} .. {q3:5.2f} %;"
          f" {lo:6.2f} .. {hi:6.2f} %")
print(f"  the sender had its CPU for {100 * busy[len(busy) // 2]:.0f} % of a slice's wall time "
      f"(median; {100 * busy[0]:.0f}-{100 * busy[-1]:.0f} %)")
if "stats" in other:
    ev, ns, eev, ens = map(int, other["stats"])
    if ev and eev:
        per, floor, base = ns / ev, ens / eev, st.median(cpp["off"])
        print(f"  BPF run-time stats: the tracer {per:.0f} ns per event, an empty program on the same\n"
              f"  tracepoint {floor:.0f} ns (the stats' own clock reads): the tracer's work is about\n"
              f"  {per - floor:.0f} ns per drop, {100 * (per - floor) / base:.2f} % of an untraced packet's {base:.0f} ns"
              f" ({ev} and {eev} events: all the machine's kfree_skb)")
if "exact" in other and other.get("attach") != ["empty"]:
    c, s, miss, allr = map(int, other["exact"])
    # all of them die in the receiver's namespace: NO_SOCKET, or CPU_BACKLOG when the
    # softirq fell behind (a starved CPU)
    print(f"  counted {allr} drops in the receiver's namespace of {s} packets sent while attached "
          f"({'exact' if allr == s else 'NOT exact'}; {c} NO_SOCKET; {miss} events missed by recursion)")
EOF
awk -v b="$((b1 - b0))" -v t="$((t1 - t0))" -v ob="$((ob1 - ob0))" -v ot="$((ot1 - ot0))" \
	-v c="$CPU" -v o="$OTHER" -v l0="$load0" -v l1="$load1" 'BEGIN {
	printf "  machine meanwhile: CPU %d busy %.0f %%, CPU %d busy %.0f %%; load average %s -> %s\n",
		c, 100 * b / t, o, 100 * ob / ot, l0, l1 }'
