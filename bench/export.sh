#!/usr/bin/env bash
# export.sh: what one `dptune export` scrape costs on a host with 1,000 veth devices in 100
# namespaces (CPU per scrape, resident memory), per series against Debian's
# prometheus-node-exporter scraped the same way in the same run, and what the kernel
# drop-reason tracer costs a sender at its limit on veth (every packet dropped, so the
# tracepoint fires for each). Not a test: prints numbers and ratios.
# Usage: bench/export.sh [NAMESPACES] [PAIRS] [SCRAPES]   (defaults 100 500 20)
set -eu
cd "$(dirname "$0")/.."
DPTUNE=${DPTUNE:-$PWD/build/dptune}
NODE_EXPORTER=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
NNS=${1:-100}
NPAIRS=${2:-500}
N=${3:-20}
P=dte$$
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 3; }
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	for ((i = 0; i < NNS; i++)); do ip netns del $P-$i 2>/dev/null || true; done
	ip netns del $P-s 2>/dev/null || true; ip netns del $P-r 2>/dev/null || true
	rm -f /tmp/$P.*
}
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
echo "topology: $NNS namespaces, $((NPAIRS * 2)) veth devices; $(ip netns list | wc -l) namespaces on the host"

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ms() { awk '{printf "%.3f", ($14 + $15) * 1000 / '"$(getconf CLK_TCK)"'}' /proc/$1/stat; }
rss_kb() { awk '/^VmRSS/ {print $2}' /proc/$1/status; }
hwm_kb() { awk '/^VmHWM/ {print $2}' /proc/$1/status; }
# measure PID URL: N serial scrapes after 3 warm-up ones; prints "ms_per_scrape series bytes"
measure() {
	local pid=$1 url=$2 c0 c1
	for _ in 1 2 3; do curl -s -o /tmp/$P.out "$url"; done
	c0=$(cpu_ms $pid)
	for ((k = 0; k < N; k++)); do curl -s -o /tmp/$P.out "$url"; done
	c1=$(cpu_ms $pid)
	echo "$(echo "($c1 - $c0) / $N" | bc -l) $(grep -vc '^#' /tmp/$P.out) $(wc -c < /tmp/$P.out)"
}

# dptune export (drop reasons off here: the tracer's cost is measured below on its own)
PD=$(freeport)
"$DPTUNE" export --listen 127.0.0.1:$PD --no-drop-reasons > /dev/null 2>/tmp/$P.err & EP=$!; PIDS+=($EP)
for _ in $(seq 1 600); do curl -s -o /dev/null 127.0.0.1:$PD/ && break; sleep 0.1; done
read -r d_ms d_series d_bytes < <(measure $EP http://127.0.0.1:$PD/metrics)
d_rss=$(rss_kb $EP); d_hwm=$(hwm_kb $EP)
d_own=$(grep '^dptune_scrape_duration_seconds' /tmp/$P.out | cut -d' ' -f2)

# node_exporter, same host, same way
if [ -x "$NODE_EXPORTER" ]; then
	PN=$(freeport)
	"$NODE_EXPORTER" --web.listen-address=127.0.0.1:$PN > /dev/null 2>&1 & NP=$!; PIDS+=($NP)
	for _ in $(seq 1 100); do curl -s -o /dev/null 127.0.0.1:$PN/metrics && break; sleep 0.1; done
	read -r n_ms n_series n_bytes < <(measure $NP http://127.0.0.1:$PN/metrics)
	n_rss=$(rss_kb $NP)
fi

printf '\nscrape cost (CPU user+sys of the exporter process, %d serial scrapes after 3 warm-up):\n' $N
printf '  dptune export          : %8.2f ms/scrape  %7d series  %9d bytes  RSS %6d kB (peak %d kB)  (targets <= 30 ms, <= 50 MB)\n' \
	"$d_ms" "$d_series" "$d_bytes" "$d_rss" "$d_hwm"
printf '  dptune wall time/scrape: %8.2f ms (dptune_scrape_duration_seconds of the last)\n' "$(echo "$d_own * 1000" | bc -l)"
if [ -n "${n_ms:-}" ]; then
	printf '  node_exporter          : %8.2f ms/scrape  %7d series  %9d bytes  RSS %6d kB (host namespace only)\n' \
		"$n_ms" "$n_series" "$n_bytes" "$n_rss"
	dps=$(echo "$d_ms * 1000 / $d_series" | bc -l); nps=$(echo "$n_ms * 1000 / $n_series" | bc -l)
	printf '  per series             : dptune %.2f us, node_exporter %.2f us, ratio node/dptune %.2fx\n' \
		"$dps" "$nps" "$(echo "$nps / $dps" | bc -l)"
else
	echo "  node_exporter: $NODE_EXPORTER not found"
fi
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; PIDS=()

# what the drop-reason tracer costs a sender at its limit on veth (every packet dropped):
# bench/tracer.sh, short pairs without/with it; it cleans up after itself
echo
bench/tracer.sh || echo "drop-reason tracer: bench/tracer.sh failed (exit $?)"
