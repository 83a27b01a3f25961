#!/usr/bin/env bash
# pacing.sh: how close a paced sender keeps to its rate, at normal priority (--sched other)
# and at SCHED_FIFO (--sched fifo), on a veth pair between two namespaces (the sender
# thread on the first CPU, as bench pins by default). With LOAD=1 a `make -j2` of this tree (into a scratch
# build directory) runs in a loop beside it, as on a shared CI machine.
# Not a test: it prints, per rate, the rate each policy reached (percent of the rate asked),
# its late wake-ups (0.5 ms or more) and what the receiver got. Needs root.
# Usage: bench/pacing.sh [SECONDS per run, default 2] [RATE...] (default 15.5k 30k 100k 200k)
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
D=$PWD/$O/dptune
SECS=${1:-2}
shift 2>/dev/null
RATES=${*:-15500 30000 100000 200000}
P=bp$(printf '%04x' $(( ($$ + RANDOM) % 65536 )))
A=10.202.7.1 B=10.202.7.2 PORT=$((30000 + RANDOM % 20000))
PIDS=() LOADPID= SCRATCH=
cleanup() {
	[ -n "$LOADPID" ] && kill -- -"$LOADPID" 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$SCRATCH" ] && rm -rf "$SCRATCH"
	ip netns del ${P}a 2>/dev/null; ip netns del ${P}b 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 3; }
[ -x "$D" ] || { echo "build first: make"; exit 3; }

ip netns add ${P}a && ip netns add ${P}b || exit 1
ip link add ${P}a netns ${P}a type veth peer name ${P}b netns ${P}b
ip -n ${P}a addr add $A/24 dev ${P}a; ip -n ${P}b addr add $B/24 dev ${P}b
for n in a b; do ip -n ${P}$n link set lo up; ip -n ${P}$n link set ${P}$n up; done
ip netns exec ${P}b timeout 3600 "$D" serve --bind $B --port $PORT >/dev/null 2>&1 & PIDS+=($!)
for i in $(seq 50); do ip netns exec ${P}a bash -c "echo > /dev/tcp/$B/$PORT" 2>/dev/null && break; sleep 0.1; done
if [ "${LOAD:-0}" = 1 ]; then
	SCRATCH=$(mktemp -d /tmp/$P-build.XXXXXX)
	setsid bash -c "while :; do make -j2 O=$SCRATCH CI=true >/dev/null 2>&1; make clean O=$SCRATCH >/dev/null 2>&1; done" &
	LOADPID=$!
	sleep 5
fi
echo "pacing: ${SECS} s per run, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)${LOADPID:+, beside a make -j2}"
printf '%9s  %-6s %9s %7s %6s %9s\n' rate sched sent/s "%" late received/s
for r in $RATES; do
	for s in other fifo; do
		ip netns exec ${P}a "$D" bench $B --port $PORT --rate $r --duration "$SECS" --flows 8 \
			--sched $s --json 2>/dev/null | python3 -c '
import json,sys
d=json.load(sys.stdin); f=d["forward"]; r=float(sys.argv[1])
print("%9.0f  %-6s %9.0f %6.1f%% %6d %9.0f" % (r, sys.argv[2], f["sent_pps"], 100*f["sent_pps"]/r,
      d.get("sender_late_wakeups", 0), f["received_pps"]))' "$r" "$s"
	done
done
