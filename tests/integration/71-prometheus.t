#!/usr/bin/env bash
# 71-prometheus.t: a real Prometheus (Debian's, started here on loopback with its own data
# dir, scrape and evaluation every second) scrapes a real `dptune export` while a lab has a
# fault in it, and evaluates the shipped rules (contrib/prometheus/rules; every alert's
# `for:` set to 0s in the test's copy, nothing else changed: see prom-lib.sh).
#
# The fault: the tap lab's slow guest (a VM that does not drain its vNIC), loaded by a
# 2-second bench, plus a socket in the guest's namespace with a 1 KB receive buffer.
# Through Prometheus's HTTP API: the tap's tx drop series carries the lab's namespace and
# the tap's name, rate() over it is non-zero, and DptuneVirtualDeviceDrops fires in ALERTS
# for exactly that namespace and device; the guest namespace's UDP receive buffer errors
# fire DptuneUdpReceiveBufferErrors for that namespace; the kernel drop reason on the tap
# (where the BPF tracer loads) fires DptuneDropReasonSpike; the per-layer recording rule
# puts the drops in the vdev layer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/prom-lib.sh"
need_root
need_cmd python3 ip curl prometheus promtool
need_export

faulted_lab
plan 12
diag "lab $LAB: tap $TAP in $HV_NS, guest namespace $VM_NS, server $LAB_ADDR"

prom_tmp
port=$(free_port)
# Only the lab's namespaces and the host's: other tests' namespaces on a shared machine
# would make every scrape slow and bring their own drops into the rules.
export_start 127.0.0.1 "$port" "" --netns "host,$HV_NS,$VM_NS,$CLI_NS"
ok $? "dptune export on 127.0.0.1:$port (--netns host,$HV_NS,$VM_NS,$CLI_NS)"
targets_file "$PROM_DIR/targets.yml" "127.0.0.1:$port"
prom_rules_copy "$PROM_DIR/rules"
prom_config "$PROM_DIR/prometheus.yml" "$PROM_DIR/targets.yml" "$PROM_DIR/rules"
promtool check config "$PROM_DIR/prometheus.yml" >/dev/null 2>&1; ok $? "promtool check config (shipped rules, for: 0s)"
prom_start "$PROM_DIR/prometheus.yml"; ok $? "prometheus ready on $PROM_ADDR"
prom_wait 'up{job="dptune"} == 1' 30; ok $? "the exporter is scraped (up == 1)" ||
	diag "$(prom_curl /api/v1/targets)"

# Scraped once before the load, so that rate() sees the counter rise.
prom_wait "dptune_link_transmit_drop_total{netns=\"$HV_NS\", device=\"$TAP\"}" 20
lab_traffic

# The fault's series, with the lab's namespace and the tap's name as labels.
S="dptune_link_transmit_drop_total{netns=\"$HV_NS\", device=\"$TAP\"}"
prom_wait "$S > 0" 30
ok $? "$S > 0 in Prometheus" || diag "$(prom_series "$S")"
diag "$(prom_series "$S")"
prom_wait "rate($S[1m]) > 0" 20; ok $? "rate($S[1m]) > 0"

A="ALERTS{alertname=\"DptuneVirtualDeviceDrops\", alertstate=\"firing\", netns=\"$HV_NS\", device=\"$TAP\"}"
prom_wait "$A" 30; ok $? "DptuneVirtualDeviceDrops fires for $HV_NS/$TAP" ||
	diag "$(prom_series 'ALERTS')"
is "$(prom_count "ALERTS{alertname=\"DptuneVirtualDeviceDrops\", netns=\"$VM_NS\"}")" 0 \
	"no DptuneVirtualDeviceDrops for the guest's namespace (its side drops nothing)"

U="dptune_udp_rcvbuf_errors_total{netns=\"$VM_NS\"}"
prom_wait "rate(${U}[1m]) > 0" 30; ok $? "rate($U[1m]) > 0"
prom_wait "ALERTS{alertname=\"DptuneUdpReceiveBufferErrors\", alertstate=\"firing\", netns=\"$VM_NS\"}" 30
ok $? "DptuneUdpReceiveBufferErrors fires for $VM_NS" || diag "$(prom_series 'ALERTS')"

prom_wait 'instance_layer:dptune_drops:rate5m{layer="vdev"} > 0' 30
ok $? "recording rule: vdev drops per second > 0" ||
	diag "$(prom_series 'instance_layer:dptune_drops:rate5m')"

# Drop reasons: only where the BPF tracer loaded in the exporter.
R="dptune_drop_reason_total{netns=\"$HV_NS\", device=\"$TAP\"}"
if prom_wait "rate($R[1m]) > 0" 20; then
	diag "$(prom_series "$R")"
	prom_wait "ALERTS{alertname=\"DptuneDropReasonSpike\", alertstate=\"firing\", netns=\"$HV_NS\", device=\"$TAP\"}" 30
	ok $? "DptuneDropReasonSpike fires for the tap's drop reason" || diag "$(prom_series 'ALERTS')"
else
	skip "no drop-reason series for $HV_NS/$TAP (tracer not loaded: $(prom_series 'dptune_collector_up' | tr '\n\t' '; '))"
fi
done_testing
