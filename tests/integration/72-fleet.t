#!/usr/bin/env bash
# 72-fleet.t: the fleet view. Two network namespaces stand for two hosts, each running its
# own `dptune export` on an address of its own; a third namespace stands for the monitoring
# host and runs a real Prometheus that reaches both over veth links and finds them through
# file_sd (the targets file is written by the test, the second host added while Prometheus
# runs, as an inventory tool would). Each host has a container namespace (c1, c2) behind a
# veth; one PromQL query summed by instance returns both hosts with the packets each one's
# container received, and the sum over the fleet equals their total.
#
#   mon (Prometheus on 127.0.0.1) --veth 10.X.71.0/30--> h1 (dptune export on 10.X.71.2) --veth 10.X.81.0/30--> c1
#                                 --veth 10.X.72.0/30--> h2 (dptune export on 10.X.72.2) --veth 10.X.82.0/30--> c2
#
# Each exporter is limited to its host's container namespace (--netns cN). Not its own
# namespace: dptune (stat and export) run inside a non-initial namespace reports the
# initial namespace's devices and counters under its own namespace's name (found while
# writing this test; reported), while every other namespace it reads is right.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/prom-lib.sh"
need_root
need_cmd python3 ip curl prometheus ping
need_export
plan 9

# The device counter the query sums: received packets of a virtual device (docs/metrics.md).
RX=dptune_link_receive_packets_total

X=$(( $(echo "$P" | cksum | cut -d' ' -f1) % 200 + 20 ))
mkns mon && mkns h1 && mkns h2 && mkns c1 && mkns c2 || skip_all "cannot create namespaces"
for i in 1 2; do
	ip link add ${P}m$i netns ${P}mon type veth peer name ${P}h$i netns ${P}h$i || skip_all "no veth"
	nsx mon ip addr add 10.$X.7$i.1/30 dev ${P}m$i; nsx h$i ip addr add 10.$X.7$i.2/30 dev ${P}h$i
	nsx mon ip link set ${P}m$i up; nsx h$i ip link set ${P}h$i up
	ip link add ${P}x$i netns ${P}h$i type veth peer name ${P}c$i netns ${P}c$i || skip_all "no veth"
	nsx h$i ip addr add 10.$X.8$i.1/30 dev ${P}x$i; nsx c$i ip addr add 10.$X.8$i.2/30 dev ${P}c$i
	nsx h$i ip link set ${P}x$i up; nsx c$i ip link set ${P}c$i up
done
H1=10.$X.71.2 H2=10.$X.72.2

# Each "host" exports its own container's namespace only (see above).
prom_tmp
p1=$(free_port ${P}h1) p2=$(free_port ${P}h2)
export_start "$H1" "$p1" ${P}h1 --netns ${P}c1; ok $? "host 1: dptune export on $H1:$p1 in ${P}h1 (--netns ${P}c1)"
export_start "$H2" "$p2" ${P}h2 --netns ${P}c2; ok $? "host 2: dptune export on $H2:$p2 in ${P}h2 (--netns ${P}c2)"

# Different traffic on each host: 20 and 40 echo requests from the host to its container,
# so each container's device received a known, different number of packets.
nsx h1 ping -q -c 20 -i 0.01 -W 1 10.$X.81.2 >/dev/null
nsx h2 ping -q -c 40 -i 0.01 -W 1 10.$X.82.2 >/dev/null

# file_sd: only host 1 at first; Prometheus must pick up host 2 when the file changes.
targets_file "$PROM_DIR/targets.yml" "$H1:$p1"
mkdir -p "$PROM_DIR/rules"
prom_config "$PROM_DIR/prometheus.yml" "$PROM_DIR/targets.yml" "$PROM_DIR/rules"
promtool check config "$PROM_DIR/prometheus.yml" >/dev/null 2>&1; ok $? "promtool check config"
prom_start "$PROM_DIR/prometheus.yml" ${P}mon; ok $? "prometheus ready in ${P}mon on $PROM_ADDR"

prom_wait 'up{job="dptune"} == 1' 30; ok $? "host 1 scraped (up == 1)"
targets_file "$PROM_DIR/targets.yml" "$H1:$p1" "$H2:$p2"
prom_wait 'count(up{job="dptune"} == 1) == 2' 30
ok $? "host 2 found through file_sd after the targets file changed" ||
	diag "$(prom_curl /api/v1/targets)"

# The fleet query: one expression, summed by instance, returns both hosts.
Q="sum by (instance) ($RX{device=~\"${P}c[12]\"})"
prom_wait "count($Q) == 2" 20
PROM_TIME=$(date +%s.%N) # both queries below at one instant
out=$(prom_series "$Q")
is "$(echo "$out" | grep -c .)" 2 "'$Q' returns one series per host"
while read -r l; do diag "$l"; done <<<"$out"
v1=$(echo "$out" | awk -F'\t' -v i="instance=$H1:$p1" 'index($1,i){print int($2)}')
v2=$(echo "$out" | awk -F'\t' -v i="instance=$H2:$p2" 'index($1,i){print int($2)}')
ok $([ "${v1:-0}" -ge 20 ] && [ "${v2:-0}" -ge 40 ] && [ "$v2" -gt "$v1" ]; echo $?) \
	"each host reports its own container's packets (host 1: ${v1:-none} >= 20, host 2: ${v2:-none} >= 40)"
tot=$(prom_series "sum($RX{device=~\"${P}c[12]\"})" | cut -f2)
is "${tot%%.*}" "$(( ${v1:-0} + ${v2:-0} ))" "the fleet sum is the sum of both hosts"
done_testing
