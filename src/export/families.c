/* families.c: the exported metric families and the routing of snapshot rows to them.
 * Names follow Prometheus conventions (counters end in _total, base units, gauges
 * without _total) and reuse node_exporter's names where it has the same counter
 * (node_network_receive_drop_total -> dptune_link_receive_drop_total, node_softnet_*,
 * node_qdisc_*, node_cpu_seconds_total), so the two sit side by side on a dashboard. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "families.h"
#include "../core/util.h"

#define C PW_COUNTER
#define G PW_GAUGE
#define L_NS "netns"
#define L_DEV "netns,device,kind"
#define L_CPU "cpu"

#define BIT(l) (1u << (l))
#define LINKL (BIT(LAYER_NIC) | BIT(LAYER_VDEV))
#define ANYL 0xffffu

/* The hand-written families. */
static const struct exp_family fixed[] = {
	/* devices: rtnetlink IFLA_STATS64 (link collector) */
	{ "dptune_link_receive_packets_total", C, L_DEV, "Packets received by the device.", "rtnetlink IFLA_STATS64 rx_packets" },
	{ "dptune_link_receive_bytes_total", C, L_DEV, "Bytes received by the device.", "rtnetlink IFLA_STATS64 rx_bytes" },
	{ "dptune_link_transmit_packets_total", C, L_DEV, "Packets transmitted by the device.", "rtnetlink IFLA_STATS64 tx_packets" },
	{ "dptune_link_transmit_bytes_total", C, L_DEV, "Bytes transmitted by the device.", "rtnetlink IFLA_STATS64 tx_bytes" },
	{ "dptune_link_receive_drop_total", C, L_DEV, "Received packets dropped by the device or the stack (not ring overflow: see receive_missed_errors).", "rtnetlink IFLA_STATS64 rx_dropped" },
	{ "dptune_link_transmit_drop_total", C, L_DEV, "Packets dropped on transmit (on a tap: the guest is not draining its ring).", "rtnetlink IFLA_STATS64 tx_dropped" },
	{ "dptune_link_receive_errs_total", C, L_DEV, "Receive errors.", "rtnetlink IFLA_STATS64 rx_errors" },
	{ "dptune_link_transmit_errs_total", C, L_DEV, "Transmit errors.", "rtnetlink IFLA_STATS64 tx_errors" },
	{ "dptune_link_receive_missed_errors_total", C, L_DEV, "Packets the NIC missed: no receive descriptor (ring overflow).", "rtnetlink IFLA_STATS64 rx_missed_errors" },
	{ "dptune_link_receive_fifo_total", C, L_DEV, "Receive FIFO overruns.", "rtnetlink IFLA_STATS64 rx_fifo_errors" },
	{ "dptune_link_receive_over_errors_total", C, L_DEV, "Receive ring buffer overflow errors.", "rtnetlink IFLA_STATS64 rx_over_errors" },
	{ "dptune_link_receive_crc_errors_total", C, L_DEV, "Frames received with a bad CRC.", "rtnetlink IFLA_STATS64 rx_crc_errors" },
	{ "dptune_link_receive_frame_total", C, L_DEV, "Frame alignment errors.", "rtnetlink IFLA_STATS64 rx_frame_errors" },
	{ "dptune_link_receive_length_errors_total", C, L_DEV, "Frames received with a bad length.", "rtnetlink IFLA_STATS64 rx_length_errors" },
	{ "dptune_link_transmit_fifo_total", C, L_DEV, "Transmit FIFO errors.", "rtnetlink IFLA_STATS64 tx_fifo_errors" },
	{ "dptune_link_transmit_aborted_errors_total", C, L_DEV, "Aborted transmits.", "rtnetlink IFLA_STATS64 tx_aborted_errors" },
	{ "dptune_link_transmit_carrier_total", C, L_DEV, "Transmit carrier errors.", "rtnetlink IFLA_STATS64 tx_carrier_errors" },
	{ "dptune_link_transmit_colls_total", C, L_DEV, "Collisions.", "rtnetlink IFLA_STATS64 collisions" },
	{ "dptune_link_receive_multicast_total", C, L_DEV, "Multicast packets received.", "rtnetlink IFLA_STATS64 multicast" },
	{ "dptune_link_receive_nohandler_total", C, L_DEV, "Frames with no protocol handler (usually benign: LLDP, odd ethertypes).", "rtnetlink IFLA_STATS64 rx_nohandler" },
	/* driver statistics */
	{ "dptune_ethtool_total", C, "netns,device,kind,stat", "Driver statistic of a device (names as the driver gives them, per-queue ones folded into dptune_ethtool_queue_total).", "ETHTOOL_GSTATS" },
	{ "dptune_ethtool_queue_total", C, "netns,device,kind,queue,stat", "Per-queue driver statistic; the queue number is a label, the stat the driver's name with the number taken out (rx_queue_drops).", "ETHTOOL_GSTATS" },
	/* irq */
	{ "dptune_irq_interrupts_total", C, "device,queue,cpu,irq,kind", "Hardware interrupts of a device queue on a CPU; kind is rxtx, tx or misc.", "/proc/interrupts" },
	/* softirq and CPU time */
	{ "dptune_softirq_total", C, "cpu,type", "NET_RX and NET_TX softirqs run on a CPU.", "/proc/softirqs" },
	{ "dptune_cpu_seconds_total", C, "cpu,mode", "Seconds a CPU spent in a mode (idle, irq, softirq, steal): rate() of softirq is the si share of that CPU.", "/proc/stat" },
	/* backlog: softnet */
	{ "dptune_softnet_processed_total", C, L_CPU, "Packets processed by a CPU's softnet (NAPI and backlog).", "/proc/net/softnet_stat column 1" },
	{ "dptune_softnet_dropped_total", C, L_CPU, "Packets dropped because a CPU's backlog was full (net.core.netdev_max_backlog).", "/proc/net/softnet_stat column 2" },
	{ "dptune_softnet_times_squeezed_total", C, L_CPU, "Times net_rx_action ran out of budget with work left (netdev_budget, netdev_budget_usecs).", "/proc/net/softnet_stat column 3" },
	{ "dptune_softnet_received_rps_total", C, L_CPU, "RPS inter-processor interrupts received by a CPU.", "/proc/net/softnet_stat column 10" },
	{ "dptune_softnet_flow_limit_count_total", C, L_CPU, "Packets shed by the flow limit.", "/proc/net/softnet_stat column 11" },
	{ "dptune_softnet_backlog_len", G, L_CPU, "Packets in a CPU's backlog queues now.", "/proc/net/softnet_stat column 12" },
	{ "dptune_softnet_input_queue_length", G, L_CPU, "Packets in a CPU's input_pkt_queue now.", "/proc/net/softnet_stat column 14" },
	{ "dptune_softnet_process_queue_length", G, L_CPU, "Packets in a CPU's process_queue now.", "/proc/net/softnet_stat column 15" },
	/* qdisc */
	{ "dptune_qdisc_bytes_total", C, "netns,device,kind,handle,parent,queue", "Bytes sent by a qdisc.", "rtnetlink TCA_STATS2" },
	{ "dptune_qdisc_packets_total", C, "netns,device,kind,handle,parent,queue", "Packets sent by a qdisc.", "rtnetlink TCA_STATS2" },
	{ "dptune_qdisc_drops_total", C, "netns,device,kind,handle,parent,queue", "Packets dropped by a qdisc.", "rtnetlink TCA_STATS2" },
	{ "dptune_qdisc_requeues_total", C, "netns,device,kind,handle,parent,queue", "Packets requeued by a qdisc.", "rtnetlink TCA_STATS2" },
	{ "dptune_qdisc_overlimits_total", C, "netns,device,kind,handle,parent,queue", "Times a qdisc was over its limit.", "rtnetlink TCA_STATS2" },
	{ "dptune_qdisc_current_queue_length", G, "netns,device,kind,handle,parent,queue", "Packets queued in a qdisc now.", "rtnetlink TCA_STATS2" },
	{ "dptune_qdisc_backlog_bytes", G, "netns,device,kind,handle,parent,queue", "Bytes queued in a qdisc now.", "rtnetlink TCA_STATS2" },
	/* Open vSwitch */
	{ "dptune_ovs_datapath_lookups_total", C, "netns,datapath,ovs,result", "Datapath flow lookups: result hit, missed (upcall) or lost (upcall queue full: new flows dropped).", "ovs-dpctl show (OVS_DP_ATTR_STATS)" },
	{ "dptune_ovs_datapath_flows", G, "netns,datapath,ovs", "Flows in the datapath.", "ovs-dpctl show" },
	{ "dptune_ovs_datapath_masks", G, "netns,datapath,ovs", "Masks in the datapath.", "ovs-dpctl show" },
	{ "dptune_ovs_datapath_stat_total", C, "netns,datapath,ovs,stat", "Other datapath counters (masks hit, cache hit).", "ovs-dpctl show" },
	{ "dptune_ovs_port_total", C, "netns,device,datapath,ovs,port,type,stat", "Datapath port counters.", "ovs-dpctl show -s" },
	{ "dptune_ovs_interface_total", C, "netns,device,bridge,ofport,iface_id,type,ovs,stat", "OVSDB Interface statistics (iface_id: the Neutron port).", "OVSDB Interface.statistics" },
	{ "dptune_ovs_unseen_packets_total", C, "netns,device,datapath,ovs,source", "Packets the kernel device received that OVS never counted (died between them).", "kernel rx_packets minus OVS counters" },
	{ "dptune_ovs_pmd_total", C, "netns,datapath,ovs,cpu,thread,stat", "PMD thread counters of the userspace datapath.", "ovs-appctl dpif-netdev/pmd-stats-show" },
	{ "dptune_ovs_coverage_total", C, "netns,datapath,ovs,stat", "ovs-vswitchd drop coverage counters.", "ovs-appctl coverage/show" },
	/* netfilter */
	{ "dptune_conntrack_entries", G, L_NS, "Connection tracking entries in use.", "/proc/sys/net/netfilter/nf_conntrack_count" },
	{ "dptune_conntrack_entries_limit", G, L_NS, "Connection tracking table size (nf_conntrack_max).", "/proc/sys/net/netfilter/nf_conntrack_max" },
	{ "dptune_conntrack_found_total", C, L_NS, "Conntrack lookups that found an entry (all CPUs).", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_invalid_total", C, L_NS, "Packets conntrack could not track.", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_ignore_total", C, L_NS, "Packets already tracked or not to be tracked.", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_insert_total", C, L_NS, "Entries inserted.", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_insert_failed_total", C, L_NS, "Entries that could not be inserted (a clash: UDP races, NOTRACK candidates).", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_drop_total", C, L_NS, "Packets dropped because conntrack failed (table full).", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_early_drop_total", C, L_NS, "Entries dropped early to make room (table full).", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_error_total", C, L_NS, "Packets with a protocol error.", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_search_restart_total", C, L_NS, "Lookups restarted because the table was resized.", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_new_total", C, L_NS, "Entries added that were not expected.", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_delete_total", C, L_NS, "Entries deleted.", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_clash_resolve_total", C, L_NS, "Clashes resolved.", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_chaintoolong_total", C, L_NS, "Hash chains found too long.", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_expect_new_total", C, L_NS, "Expectations added.", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_expect_create_total", C, L_NS, "Expectations created.", "/proc/net/stat/nf_conntrack" },
	{ "dptune_conntrack_expect_delete_total", C, L_NS, "Expectations deleted.", "/proc/net/stat/nf_conntrack" },
	/* ip and udp gauges */
	{ "dptune_ip_frag_queues", G, L_NS, "IPv4 reassembly queues in use.", "/proc/net/sockstat FRAG inuse" },
	{ "dptune_ip_frag_memory_bytes", G, L_NS, "Memory held by IPv4 reassembly.", "/proc/net/sockstat FRAG memory" },
	{ "dptune_ip6_frag_queues", G, L_NS, "IPv6 reassembly queues in use.", "/proc/net/sockstat6 FRAG6 inuse" },
	{ "dptune_ip6_frag_memory_bytes", G, L_NS, "Memory held by IPv6 reassembly.", "/proc/net/sockstat6 FRAG6 memory" },
	{ "dptune_udp_sockets", G, L_NS, "UDP sockets in use.", "/proc/net/sockstat UDP inuse" },
	{ "dptune_udplite_sockets", G, L_NS, "UDP-Lite sockets in use.", "/proc/net/sockstat UDPLITE inuse" },
	{ "dptune_udp6_sockets", G, L_NS, "UDPv6 sockets in use.", "/proc/net/sockstat6 UDP6 inuse" },
	{ "dptune_udplite6_sockets", G, L_NS, "UDP-Lite v6 sockets in use.", "/proc/net/sockstat6 UDPLITE6 inuse" },
	{ "dptune_udp_memory_bytes", G, "", "Memory held by UDP sockets, host-wide (compare with net.ipv4.udp_mem).", "/proc/net/sockstat UDP mem (pages)" },
	/* sockets: only those that dropped */
	{ "dptune_socket_drops_total", C, "netns,proto,address,process", "Packets a UDP socket dropped (receive buffer full); only sockets that dropped are exported. A 32-bit kernel counter.", "/proc/net/udp drops, sock_diag" },
	{ "dptune_socket_receive_queue_bytes", G, "netns,proto,address,process", "Bytes in a dropping socket's receive queue.", "/proc/net/udp rx_queue" },
	{ "dptune_socket_transmit_queue_bytes", G, "netns,proto,address,process", "Bytes in a dropping socket's transmit queue.", "/proc/net/udp tx_queue" },
	{ "dptune_socket_receive_buffer_bytes", G, "netns,proto,address,process", "A dropping socket's receive buffer size (SO_RCVBUF as the kernel doubled it).", "sock_diag SK_MEMINFO rcvbuf" },
	{ "dptune_socket_receive_memory_bytes", G, "netns,proto,address,process", "Memory a dropping socket's receive queue holds.", "sock_diag SK_MEMINFO rmem_alloc" },
	/* kernel drop reasons */
	{ "dptune_drop_reason_total", C, "netns,device,reason,layer", "Packets the kernel freed as dropped, by reason (from the running kernel's BTF), device and namespace, aggregated in the kernel.", "BPF on skb:kfree_skb" },
	{ "dptune_drop_reason_unaccounted_total", C, "", "Drops the BPF program could not aggregate (its map was full).", "BPF map overflow counter" },
	{ "dptune_drop_reason_missed_total", C, "attach", "Drop events the kernel did not deliver to the program (recursion misses): the counts are incomplete when this rises.", "bpf_prog_info.recursion_misses" },
	/* settings */
	{ "dptune_knob", G, "netns,device,queue,knob", "A numeric setting: ring sizes, channels and coalescing always; sysctls, RPS and NAPI settings with --knobs (re-read every 5 to 10 minutes).", "/proc/sys, /sys/class/net, ETHTOOL_G*" },
	/* anything a collector adds that the table above does not name */
	{ "dptune_other_total", C, "netns,device,queue,cpu,layer,stat", "A counter of a collector that has no family of its own yet.", "any" },
	{ "dptune_other_value", G, "netns,device,queue,cpu,layer,stat", "A gauge of a collector that has no family of its own yet.", "any" },
	{ NULL, 0, NULL, NULL, NULL },
};

/* The families written after the rows: the exporter's own. */
static const struct exp_family self_fams[] = {
	{ "dptune_scrape_duration_seconds", G, "", "Wall time of the collection and rendering that answered this scrape.", "self" },
	{ "dptune_scrape_series", G, "", "Samples in this scrape before the self-metrics.", "self" },
	{ "dptune_series_limit_hit", G, "", "1 when --max-series cut this scrape short (the log says so too).", "self" },
	{ "dptune_series_limit", G, "", "The --max-series limit.", "self" },
	{ "dptune_collector_up", G, "collector", "1 when the collector read its source in this scrape, 0 when it failed (the rest are served).", "self" },
	{ "dptune_collector_duration_seconds", G, "collector", "Time the collector took in this scrape (all namespaces).", "self" },
	{ "dptune_namespaces", G, "", "Network namespaces read in this scrape.", "self" },
	{ "dptune_collections_total", C, "", "Collections run since start.", "self" },
	{ "dptune_scrapes_total", C, "", "Scrapes answered since start (concurrent scrapes share one collection).", "self" },
	{ "dptune_build_info", G, "version,git", "Always 1: the version that answers.", "self" },
	{ NULL, 0, NULL, NULL, NULL },
};

/* SNMP counters, nstat's names; one family each (dptune_<snake name>_total). */
static const char *const snmp_names[] = {
	"IpInReceives", "IpInHdrErrors", "IpInAddrErrors", "IpForwDatagrams", "IpInUnknownProtos",
	"IpInDiscards", "IpInDelivers", "IpOutRequests", "IpOutDiscards", "IpOutNoRoutes",
	"IpReasmTimeout", "IpReasmReqds", "IpReasmOKs", "IpReasmFails", "IpFragOKs", "IpFragFails",
	"IpFragCreates", "IpOutTransmits", "IpExtInNoRoutes", "IpExtInTruncatedPkts",
	"IpExtInMcastPkts", "IpExtOutMcastPkts", "IpExtInBcastPkts", "IpExtOutBcastPkts",
	"IpExtInOctets", "IpExtOutOctets", "IpExtInMcastOctets", "IpExtOutMcastOctets",
	"IpExtInBcastOctets", "IpExtOutBcastOctets", "IpExtInCsumErrors", "IpExtInNoECTPkts",
	"IpExtInECT1Pkts", "IpExtInECT0Pkts", "IpExtInCEPkts", "IpExtReasmOverlaps",
	"Ip6InReceives", "Ip6InHdrErrors", "Ip6InTooBigErrors", "Ip6InNoRoutes", "Ip6InAddrErrors",
	"Ip6InUnknownProtos", "Ip6InTruncatedPkts", "Ip6InDiscards", "Ip6InDelivers",
	"Ip6OutForwDatagrams", "Ip6OutRequests", "Ip6OutDiscards", "Ip6OutNoRoutes",
	"Ip6ReasmTimeout", "Ip6ReasmReqds", "Ip6ReasmOKs", "Ip6ReasmFails", "Ip6FragOKs",
	"Ip6FragFails", "Ip6FragCreates", "Ip6InMcastPkts", "Ip6OutMcastPkts", "Ip6InOctets",
	"Ip6OutOctets", "Ip6InMcastOctets", "Ip6OutMcastOctets", "Ip6InBcastOctets",
	"Ip6OutBcastOctets", "Ip6InNoECTPkts", "Ip6InECT1Pkts", "Ip6InECT0Pkts", "Ip6InCEPkts",
	"Ip6OutTransmits",
	"UdpInDatagrams", "UdpNoPorts", "UdpInErrors", "UdpOutDatagrams", "UdpRcvbufErrors",
	"UdpSndbufErrors", "UdpInCsumErrors", "UdpIgnoredMulti", "UdpMemErrors",
	"Udp6InDatagrams", "Udp6NoPorts", "Udp6InErrors", "Udp6OutDatagrams", "Udp6RcvbufErrors",
	"Udp6SndbufErrors", "Udp6InCsumErrors", "Udp6IgnoredMulti", "Udp6MemErrors",
};

static struct exp_family *all;
static size_t nall, first_self, first_snmp;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* "IpExtInNoECTPkts" -> "ip_ext_in_no_ect_pkts"; Octets become bytes (base units). */
static void snake(const char *in, char *out, size_t n)
{
	char tmp[96];
	size_t o = 0;
	const char *s;

	snprintf(tmp, sizeof(tmp), "%s", in);
	for (char *p = strstr(tmp, "OKs"); p; p = strstr(p, "OKs"))
		p[1] = 'k'; /* ReasmOKs -> ReasmOks */
	s = tmp;
	for (size_t i = 0; s[i] && o + 2 < n; i++) {
		char c = s[i];

		if (i && isupper((unsigned char)c) &&
		    (islower((unsigned char)s[i - 1]) || isdigit((unsigned char)s[i - 1]) ||
		     (isupper((unsigned char)s[i - 1]) && islower((unsigned char)s[i + 1]))))
			out[o++] = '_';
		out[o++] = (char)tolower((unsigned char)c);
	}
	out[o] = '\0';
	for (char *p = strstr(out, "octets"); p; p = strstr(p, "octets")) {
		memcpy(p, "bytes", 5);
		memmove(p + 5, p + 6, strlen(p + 6) + 1);
	}
}

static void build(void)
{
	size_t nf = 0, ns = 0;

	while (fixed[nf].name)
		nf++;
	while (self_fams[ns].name)
		ns++;
	nall = nf + ARRAY_SIZE(snmp_names) + ns;
	all = xcalloc(nall, sizeof(*all));
	/* the snmp families go after the fixed ones but before dptune_knob/other: keep
	 * the table's order otherwise */
	memcpy(all, fixed, nf * sizeof(*all));
	first_snmp = nf;
	for (size_t i = 0; i < ARRAY_SIZE(snmp_names); i++) {
		const char *n = snmp_names[i];
		char sn[96], name[128], help[160];
		struct exp_family *f = &all[nf + i];

		snake(n, sn, sizeof(sn));
		snprintf(name, sizeof(name), "dptune_%s_total", sn);
		snprintf(help, sizeof(help), "%s (nstat name), per namespace.", n);
		f->name = xstrdup(name);
		f->type = PW_COUNTER;
		f->labels = L_NS;
		f->help = xstrdup(help);
		f->source = !strncmp(n, "IpExt", 5) ? "/proc/net/netstat" :
			    (!strncmp(n, "Ip6", 3) || !strncmp(n, "Udp6", 4)) ? "/proc/net/snmp6" :
			    "/proc/net/snmp";
	}
	first_self = nf + ARRAY_SIZE(snmp_names);
	memcpy(all + first_self, self_fams, ns * sizeof(*all));
}

static void init(void)
{
	pthread_once(&once, build);
}

size_t exp_family_count(void)
{
	init();
	return nall;
}

const struct exp_family *exp_family(size_t i)
{
	init();
	return i < nall ? &all[i] : NULL;
}

int exp_family_index(const char *name)
{
	init();
	for (size_t i = 0; i < nall; i++)
		if (!strcmp(all[i].name, name))
			return (int)i;
	return -1;
}

/* Row name -> family, for the simple one-to-one cases. */
struct simple {
	uint16_t layers;
	const char *row, *fam;
	enum exp_xform xf;
	const char *xkey, *xval;
};

static const struct simple simple[] = {
	{ LINKL, "rx_packets", "dptune_link_receive_packets_total", XF_LINK, NULL, NULL },
	{ LINKL, "rx_bytes", "dptune_link_receive_bytes_total", XF_LINK, NULL, NULL },
	{ LINKL, "tx_packets", "dptune_link_transmit_packets_total", XF_LINK, NULL, NULL },
	{ LINKL, "tx_bytes", "dptune_link_transmit_bytes_total", XF_LINK, NULL, NULL },
	{ LINKL, "rx_dropped", "dptune_link_receive_drop_total", XF_LINK, NULL, NULL },
	{ LINKL, "tx_dropped", "dptune_link_transmit_drop_total", XF_LINK, NULL, NULL },
	{ LINKL, "rx_errors", "dptune_link_receive_errs_total", XF_LINK, NULL, NULL },
	{ LINKL, "tx_errors", "dptune_link_transmit_errs_total", XF_LINK, NULL, NULL },
	{ LINKL, "rx_missed_errors", "dptune_link_receive_missed_errors_total", XF_LINK, NULL, NULL },
	{ LINKL, "rx_fifo_errors", "dptune_link_receive_fifo_total", XF_LINK, NULL, NULL },
	{ LINKL, "rx_over_errors", "dptune_link_receive_over_errors_total", XF_LINK, NULL, NULL },
	{ LINKL, "rx_crc_errors", "dptune_link_receive_crc_errors_total", XF_LINK, NULL, NULL },
	{ LINKL, "rx_frame_errors", "dptune_link_receive_frame_total", XF_LINK, NULL, NULL },
	{ LINKL, "rx_length_errors", "dptune_link_receive_length_errors_total", XF_LINK, NULL, NULL },
	{ LINKL, "tx_fifo_errors", "dptune_link_transmit_fifo_total", XF_LINK, NULL, NULL },
	{ LINKL, "tx_aborted_errors", "dptune_link_transmit_aborted_errors_total", XF_LINK, NULL, NULL },
	{ LINKL, "tx_carrier_errors", "dptune_link_transmit_carrier_total", XF_LINK, NULL, NULL },
	{ LINKL, "collisions", "dptune_link_transmit_colls_total", XF_LINK, NULL, NULL },
	{ LINKL, "multicast", "dptune_link_receive_multicast_total", XF_LINK, NULL, NULL },
	{ LINKL, "rx_nohandler", "dptune_link_receive_nohandler_total", XF_LINK, NULL, NULL },
	{ BIT(LAYER_IRQ), "interrupts", "dptune_irq_interrupts_total", XF_NONE, "kind", "rxtx" },
	{ BIT(LAYER_IRQ), "tx_interrupts", "dptune_irq_interrupts_total", XF_NONE, "kind", "tx" },
	{ BIT(LAYER_IRQ), "misc_interrupts", "dptune_irq_interrupts_total", XF_NONE, "kind", "misc" },
	{ BIT(LAYER_SOFTIRQ), "net_rx", "dptune_softirq_total", XF_NONE, "type", "NET_RX" },
	{ BIT(LAYER_SOFTIRQ), "net_tx", "dptune_softirq_total", XF_NONE, "type", "NET_TX" },
	{ BIT(LAYER_SOFTIRQ), "idle_ticks", "dptune_cpu_seconds_total", XF_TICKS, "mode", "idle" },
	{ BIT(LAYER_SOFTIRQ), "irq_ticks", "dptune_cpu_seconds_total", XF_TICKS, "mode", "irq" },
	{ BIT(LAYER_SOFTIRQ), "softirq_ticks", "dptune_cpu_seconds_total", XF_TICKS, "mode", "softirq" },
	{ BIT(LAYER_SOFTIRQ), "steal_ticks", "dptune_cpu_seconds_total", XF_TICKS, "mode", "steal" },
	{ BIT(LAYER_BACKLOG), "processed", "dptune_softnet_processed_total", XF_NONE, NULL, NULL },
	{ BIT(LAYER_BACKLOG), "dropped", "dptune_softnet_dropped_total", XF_NONE, NULL, NULL },
	{ BIT(LAYER_BACKLOG), "time_squeeze", "dptune_softnet_times_squeezed_total", XF_NONE, NULL, NULL },
	{ BIT(LAYER_BACKLOG), "received_rps", "dptune_softnet_received_rps_total", XF_NONE, NULL, NULL },
	{ BIT(LAYER_BACKLOG), "flow_limit_count", "dptune_softnet_flow_limit_count_total", XF_NONE, NULL, NULL },
	{ BIT(LAYER_BACKLOG), "backlog_len", "dptune_softnet_backlog_len", XF_NONE, NULL, NULL },
	{ BIT(LAYER_BACKLOG), "input_qlen", "dptune_softnet_input_queue_length", XF_NONE, NULL, NULL },
	{ BIT(LAYER_BACKLOG), "process_qlen", "dptune_softnet_process_queue_length", XF_NONE, NULL, NULL },
	{ BIT(LAYER_QDISC), "bytes", "dptune_qdisc_bytes_total", XF_NONE, NULL, NULL },
	{ BIT(LAYER_QDISC), "packets", "dptune_qdisc_packets_total", XF_NONE, NULL, NULL },
	{ BIT(LAYER_QDISC), "drops", "dptune_qdisc_drops_total", XF_NONE, NULL, NULL },
	{ BIT(LAYER_QDISC), "requeues", "dptune_qdisc_requeues_total", XF_NONE, NULL, NULL },
	{ BIT(LAYER_QDISC), "overlimits", "dptune_qdisc_overlimits_total", XF_NONE, NULL, NULL },
	{ BIT(LAYER_QDISC), "qlen", "dptune_qdisc_current_queue_length", XF_NONE, NULL, NULL },
	{ BIT(LAYER_QDISC), "backlog", "dptune_qdisc_backlog_bytes", XF_NONE, NULL, NULL },
	{ BIT(LAYER_NETFILTER), "nf_conntrack_count", "dptune_conntrack_entries", XF_NONE, NULL, NULL },
	{ BIT(LAYER_NETFILTER), "nf_conntrack_max", "dptune_conntrack_entries_limit", XF_NONE, NULL, NULL },
	{ BIT(LAYER_IP), "frag_inuse", "dptune_ip_frag_queues", XF_NONE, NULL, NULL },
	{ BIT(LAYER_IP), "frag_memory", "dptune_ip_frag_memory_bytes", XF_NONE, NULL, NULL },
	{ BIT(LAYER_IP), "frag6_inuse", "dptune_ip6_frag_queues", XF_NONE, NULL, NULL },
	{ BIT(LAYER_IP), "frag6_memory", "dptune_ip6_frag_memory_bytes", XF_NONE, NULL, NULL },
	{ BIT(LAYER_UDP), "udp_inuse", "dptune_udp_sockets", XF_NONE, NULL, NULL },
	{ BIT(LAYER_UDP), "udplite_inuse", "dptune_udplite_sockets", XF_NONE, NULL, NULL },
	{ BIT(LAYER_UDP), "udp6_inuse", "dptune_udp6_sockets", XF_NONE, NULL, NULL },
	{ BIT(LAYER_UDP), "udplite6_inuse", "dptune_udplite6_sockets", XF_NONE, NULL, NULL },
	{ BIT(LAYER_UDP), "udp_mem", "dptune_udp_memory_bytes", XF_PAGES, NULL, NULL },
	{ BIT(LAYER_IP), "drop_events_unaccounted", "dptune_drop_reason_unaccounted_total", XF_NONE, NULL, NULL },
	{ BIT(LAYER_IP), "drop_events_missed", "dptune_drop_reason_missed_total", XF_NONE, NULL, NULL },
	{ BIT(LAYER_SOCKET), "drops", "dptune_socket_drops_total", XF_NONE, NULL, NULL },
	{ BIT(LAYER_SOCKET), "rx_queue", "dptune_socket_receive_queue_bytes", XF_NONE, NULL, NULL },
	{ BIT(LAYER_SOCKET), "tx_queue", "dptune_socket_transmit_queue_bytes", XF_NONE, NULL, NULL },
	{ BIT(LAYER_SOCKET), "rcvbuf", "dptune_socket_receive_buffer_bytes", XF_NONE, NULL, NULL },
	{ BIT(LAYER_SOCKET), "rmem_alloc", "dptune_socket_receive_memory_bytes", XF_NONE, NULL, NULL },
};

static const char *const conntrack_stats[] = {
	"found", "invalid", "ignore", "insert", "insert_failed", "drop", "early_drop", "error",
	"search_restart", "new", "delete", "clash_resolve", "chaintoolong", "expect_new",
	"expect_create", "expect_delete",
};

static bool has_label(const char *labels, const char *kv)
{
	const char *p;
	size_t n = strlen(kv);

	if (!labels)
		return false;
	for (p = strstr(labels, kv); p; p = strstr(p + 1, kv))
		if ((p == labels || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static int fam(const char *name)
{
	int i = exp_family_index(name);

	if (i < 0)
		abort(); /* a routing table names a family the family table lacks */
	return i;
}

static void route_ovs(const struct metric *m, struct exp_route *r)
{
	const char *n = m->name;
	bool dp_obj = !strncmp(m->obj, "ovs:", 4);

	if (has_label(m->labels, "source=ovsdb")) {
		r->fam = fam("dptune_ovs_interface_total");
		r->stat = !strncmp(n, "ovs_", 4) ? n + 4 : n; /* the collector's prefix */
	} else if (!strcmp(n, "ovs_unseen")) {
		r->fam = fam("dptune_ovs_unseen_packets_total");
	} else if (!strncmp(n, "pmd_", 4)) {
		r->fam = fam("dptune_ovs_pmd_total");
		r->stat = n + 4;
	} else if (!strncmp(n, "coverage_", 9)) {
		r->fam = fam("dptune_ovs_coverage_total");
		r->stat = n + 9;
	} else if (!strncmp(n, "dp_", 3) && dp_obj) {
		const char *s = n + 3;

		if (!strcmp(s, "hit") || !strcmp(s, "missed") || !strcmp(s, "lost")) {
			r->fam = fam("dptune_ovs_datapath_lookups_total");
			r->xkey = "result";
			r->xval = s;
		} else if (!strcmp(s, "flows")) {
			r->fam = fam("dptune_ovs_datapath_flows");
		} else if (!strcmp(s, "masks_total")) {
			r->fam = fam("dptune_ovs_datapath_masks");
		} else if (m->kind != MK_GAUGE) {
			r->fam = fam("dptune_ovs_datapath_stat_total");
			r->stat = s;
		}
	} else if (!strncmp(n, "dp_", 3)) {
		r->fam = fam("dptune_ovs_port_total");
		r->stat = n + 3;
	}
}

void exp_route_row(const struct metric *m, struct exp_route *r)
{
	const char *n = m->name;

	memset(r, 0, sizeof(*r));
	r->fam = -1;
	if (m->kind == MK_KNOB) {
		const char *t = m->text;

		/* numeric settings only: masks and lists are text */
		/* numbers only: CPU masks and lists are text even when they look like one */
		if ((!t || (*t && strspn(t, "0123456789") == strlen(t) &&
			    (t[0] != '0' || !t[1]))) &&
		    !strstr(n, "affinity") && !strstr(n, "cpus") && !strstr(n, "bitmap")) {
			r->fam = fam("dptune_knob");
			r->stat = n;
		}
		return;
	}
	if (!strncmp(n, "drop:", 5)) {
		r->fam = fam("dptune_drop_reason_total");
		r->stat = n + 5;
		return;
	}
	if (m->layer == LAYER_VDEV && m->labels && strstr(m->labels, "source=")) {
		route_ovs(m, r);
		if (r->fam >= 0)
			return;
	}
	if (m->layer == LAYER_NETFILTER && m->cpu >= 0) {
		for (size_t i = 0; i < ARRAY_SIZE(conntrack_stats); i++)
			if (!strcmp(n, conntrack_stats[i])) {
				char name[64];

				snprintf(name, sizeof(name), "dptune_conntrack_%s_total", n);
				r->fam = fam(name);
				r->xf = XF_SUMCPU;
				return;
			}
	}
	if ((m->layer == LAYER_IP || m->layer == LAYER_UDP) && isupper((unsigned char)n[0])) {
		init();
		for (size_t i = 0; i < ARRAY_SIZE(snmp_names); i++)
			if (!strcmp(n, snmp_names[i])) {
				r->fam = (int)(first_snmp + i);
				return;
			}
	}
	for (size_t i = 0; i < ARRAY_SIZE(simple); i++) {
		const struct simple *s = &simple[i];

		if ((s->layers & BIT(m->layer)) && !strcmp(n, s->row)) {
			r->fam = fam(s->fam);
			r->xf = s->xf;
			r->xkey = s->xkey;
			r->xval = s->xval;
			return;
		}
	}
	if (m->layer == LAYER_NIC || m->layer == LAYER_VDEV) {
		/* what is left on a device is a driver (ethtool) statistic */
		r->fam = fam(m->queue >= 0 ? "dptune_ethtool_queue_total" : "dptune_ethtool_total");
		r->xf = XF_LINK;
		r->stat = n;
		return;
	}
	if (m->layer == LAYER_SOFTIRQ && !strcmp(n, "total_ticks"))
		return; /* rate() of a CPU's seconds is its share already */
	r->fam = fam(m->kind == MK_GAUGE ? "dptune_other_value" : "dptune_other_total");
	r->stat = n;
}

/* The kernel source column, escaped for a markdown table. */
static void md_cell(struct promwriter *w, const char *s)
{
	for (; *s; s++)
		if (*s == '|')
			pw_raw(w, "\\|", 2);
		else
			pw_raw(w, s, 1);
}

void exp_list_families(struct promwriter *w, bool markdown)
{
	init();
	if (markdown) {
		static const char head[] = "| name | type | labels | help | source |\n"
					   "|---|---|---|---|---|\n";

		pw_raw(w, head, sizeof(head) - 1);
	}
	for (size_t i = 0; i < nall; i++) {
		const struct exp_family *f = &all[i];
		const char *t = f->type == PW_COUNTER ? "counter" : "gauge";

		if (!markdown) {
			pw_raw(w, f->name, strlen(f->name));
			pw_raw(w, " ", 1);
			pw_raw(w, t, strlen(t));
			pw_raw(w, " ", 1);
			pw_raw(w, *f->labels ? f->labels : "-", *f->labels ? strlen(f->labels) : 1);
			pw_raw(w, "\n", 1);
			continue;
		}
		pw_raw(w, "| `", 3);
		pw_raw(w, f->name, strlen(f->name));
		pw_raw(w, "` | ", 4);
		pw_raw(w, t, strlen(t));
		pw_raw(w, " | ", 3);
		md_cell(w, *f->labels ? f->labels : "-");
		pw_raw(w, " | ", 3);
		md_cell(w, f->help);
		pw_raw(w, " | ", 3);
		md_cell(w, f->source);
		pw_raw(w, " |\n", 3);
	}
}
