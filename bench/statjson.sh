#!/usr/bin/env bash
# statjson.sh: what `dptune stat --json --all` costs per sample on a host with 1,000 veth
# devices over 100 namespaces, against the text output of the same snapshot (`stat --all`),
# and against an older build (DPTUNE_OLD, e.g. one whose print layer built a json-c tree).
# Steady-state CPU per sample = (CPU of -c LONG − CPU of -c SHORT) / (LONG − SHORT); peak
# RSS is the largest of the LONG run. Not a test: prints numbers.
# Usage: [DPTUNE=..] [DPTUNE_OLD=..] bench/statjson.sh [NAMESPACES] [PAIRS]  (100, 500)
set -eu
cd "$(dirname "$0")/.."
DPTUNE=${DPTUNE:-$PWD/build/dptune}
DPTUNE_OLD=${DPTUNE_OLD:-}
NNS=${1:-100}
NPAIRS=${2:-500}
SHORT=${SHORT:-3} LONG=${LONG:-13} IV=0.1
P=dtj$$
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 3; }

cleanup() { for ((i = 0; i < NNS; i++)); do ip netns del $P-$i 2>/dev/null || true; done; rm -f /tmp/$P.batch; }
trap cleanup EXIT
trap 'exit 130' INT TERM

for ((i = 0; i < NNS; i++)); do echo "netns add $P-$i"; done > /tmp/$P.batch
ip -batch /tmp/$P.batch
for ((i = 0; i < NPAIRS; i++)); do
	a=$((i % NNS)); b=$(((i + 1) % NNS))
	echo "link add v${P}a$i netns $P-$a type veth peer name v${P}b$i netns $P-$b"
done > /tmp/$P.batch
ip -batch /tmp/$P.batch
for ((i = 0; i < NNS; i++)); do ip -n $P-$i link set lo up; done
echo "topology: $NNS namespaces, $((NPAIRS * 2)) veth devices (other namespaces on the host are counted too)"

run_of() { # command...: prints "CPU-seconds maxrss-KiB output-bytes" of the command
	python3 -c '
import resource,subprocess,sys
p=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.DEVNULL)
r=resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.6f %d %d" % (r.ru_utime+r.ru_stime, r.ru_maxrss, len(p.stdout)))' "$@"
}

# per_sample BIN ARGS...: prints "ms-per-sample peak-RSS-MiB bytes-per-sample"
per_sample() {
	local bin=$1; shift
	read -r c1 _ b1 < <(run_of "$bin" stat "$@" -i $IV -c $SHORT)
	read -r c2 rss b2 < <(run_of "$bin" stat "$@" -i $IV -c $LONG)
	echo "$(echo "($c2 - $c1) * 1000 / ($LONG - $SHORT)" | bc -l) $(echo "$rss / 1024" | bc -l) $(( (b2 - b1) / (LONG - SHORT) ))"
}

rows=$("$DPTUNE" stat --all --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["rows"]), len(d["namespaces"]), len(d["links"]))')
read -r t_ms t_rss t_b < <(per_sample "$DPTUNE" --all)
read -r j_ms j_rss j_b < <(per_sample "$DPTUNE" --all --json)
printf '\nresult (CPU time user+sys per sample, steady state; peak RSS of a %d-sample run):\n' "$LONG"
printf '  rows / namespaces / links per snapshot   : %s\n' "$rows"
printf '  stat --all (text)                 : %8.2f ms  %7.1f MiB  %9d B/sample\n' "$t_ms" "$t_rss" "$t_b"
printf '  stat --all --json                 : %8.2f ms  %7.1f MiB  %9d B/sample\n' "$j_ms" "$j_rss" "$j_b"
printf '  ratio json / text                 : %8.2fx\n' "$(echo "$j_ms / $t_ms" | bc -l)"
if [ -n "$DPTUNE_OLD" ]; then
	read -r o_ms o_rss o_b < <(per_sample "$DPTUNE_OLD" --all --json)
	read -r ot_ms _ _ < <(per_sample "$DPTUNE_OLD" --all)
	printf '  old: stat --all (text)            : %8.2f ms\n' "$ot_ms"
	printf '  old: stat --all --json            : %8.2f ms  %7.1f MiB  %9d B/sample\n' "$o_ms" "$o_rss" "$o_b"
	printf '  old ratio json / text             : %8.2fx\n' "$(echo "$o_ms / $ot_ms" | bc -l)"
	printf '  json per sample, old / new        : %8.2fx\n' "$(echo "$o_ms / $j_ms" | bc -l)"
fi
