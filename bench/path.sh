#!/usr/bin/env bash
# path.sh: CPU time of one `dptune path` on the largest lab scenario (vxlan: 4
# namespaces, 10 hops, two bridges, a tunnel), before and after the neighbour and FDB
# entries exist (flooding vs FDB lookups), and on the router scenario (nft NAT read in a
# child), against what an operator types by hand for the same answer (`ip route get`,
# `ip neigh`, `bridge fdb` in each namespace of the path). Target: < 100 ms of CPU.
# Not a test: prints numbers. Usage: bench/path.sh [RUNS]   (default 20)
set -eu
cd "$(dirname "$0")/.."
DPTUNE=${DPTUNE:-$PWD/build/dptune}
RUNS=${1:-20}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 3; }
L=bp$$
LABS=()
cleanup() { for l in "${LABS[@]}"; do "$DPTUNE" lab down "$l" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# cpu_ms RUNS CMD...: mean CPU (user+sys, children included) per run, in ms
cpu_ms() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys
n = int(sys.argv[1]); cmd = sys.argv[2:]
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
for _ in range(n):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, shell=len(cmd) == 1)
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.1f" % ((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000 / n))
PY
}

for sc in vxlan router; do
	name=$L${sc:0:2}
	"$DPTUNE" lab up "$sc" --name "$name" --no-rps >/dev/null
	LABS+=("$name")
	eval "$("$DPTUNE" lab status "$name" --json | python3 -c '
import json,sys
l=json.load(sys.stdin)["labs"][0]
c=[n for n in l["nodes"] if n["name"]==l["target"]["client"]][0]
ns=[]
for h in l["path"]:
    if h["netns"] not in ns: ns.append(h["netns"])
print("CNS=%s ADDR=%s NSS=\"%s\" NHOPS=%d" % (c["netns"], l["target"]["addr"], " ".join(ns), len(l["path"])))')"
	manual="for n in $NSS; do ip -n \$n route get $ADDR; ip -n \$n neigh show; bridge -n \$n fdb show; done"
	what="ip route get, ip neigh, bridge fdb"
	if [ "$sc" = router ]; then
		manual="$manual; for n in $NSS; do ip netns exec \$n nft list ruleset; done"
		what="$what, nft list ruleset"
	fi
	cold=$(cpu_ms "$RUNS" "$DPTUNE" path --from "$CNS" --to "$ADDR")
	ip netns exec "$CNS" ping -c 1 -W 2 "$ADDR" >/dev/null 2>&1 || true
	warm=$(cpu_ms "$RUNS" "$DPTUNE" path --from "$CNS" --to "$ADDR")
	hand=$(cpu_ms "$RUNS" "$manual")
	echo "$sc ($NHOPS hops in the lab's description, namespaces: $(echo $NSS | wc -w)):"
	echo "  dptune path, no neighbour/FDB yet (floods): $cold ms CPU per run"
	echo "  dptune path, after a ping (FDB, neighbour):  $warm ms CPU per run"
	echo "  by hand ($what in each namespace): $hand ms CPU"
	python3 -c "import sys; c,w,h=map(float,sys.argv[1:]); print('  ratio dptune/by hand: %.2f; target < 100 ms: %s' % (max(c,w)/h if h else 0, 'met' if max(c,w) < 100 else 'NOT met'))" "$cold" "$warm" "$hand"
done
