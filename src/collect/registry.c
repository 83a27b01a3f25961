/* registry.c: the table of collectors the engine runs, in datapath order. */
#include <stddef.h>
#include "collect.h"

extern const struct collector collector_link, collector_ethtool, collector_interrupts,
	collector_softirqs, collector_cpustat, collector_softnet, collector_qdisc,
	collector_ovs, collector_conntrack, collector_snmp, collector_sockstat,
	collector_udpsock, collector_knobs, collector_dropreason;

const struct collector *const collectors[] = {
	&collector_link,       /* nic, vdev: rtnetlink IFLA_STATS64, kinds, peers, masters */
	&collector_ethtool,    /* nic: driver, rings, channels, coalescing, per-queue stats */
	&collector_interrupts, /* irq: /proc/interrupts mapped to device queues */
	&collector_softirqs,   /* softirq: NET_RX/NET_TX per CPU */
	&collector_cpustat,    /* softirq: si and steal time per CPU */
	&collector_softnet,    /* backlog: /proc/net/softnet_stat per real CPU id */
	&collector_qdisc,      /* qdisc: rtnetlink TCA_STATS2 */
	&collector_ovs,        /* vdev: Open vSwitch ports and datapath */
	&collector_conntrack,  /* netfilter: count, max, per-CPU drop/early_drop/... */
	&collector_snmp,       /* ip, udp: /proc/net/snmp, snmp6, netstat */
	&collector_sockstat,   /* udp: /proc/net/sockstat UDP memory */
	&collector_udpsock,    /* socket: per-socket drops and queues, owning process */
	&collector_knobs,      /* settings read for diagnosis (sysctls, rps_cpus, IRQ affinity) */
	&collector_dropreason, /* kernel drop reasons by layer, device, namespace (BPF, opt-in) */
	NULL,
};
