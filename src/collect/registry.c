/* registry.c: the table of collectors the engine runs, in datapath order. Collectors
 * of modules built on top of collect/ (trace/: kernel drop reasons) are not named here:
 * they add themselves with collect_register() at start-up, after the built-in ones, so
 * collect/ depends on no module above it. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include "collect.h"

extern const struct collector collector_link, collector_ethtool, collector_interrupts,
	collector_softirqs, collector_cpustat, collector_softnet, collector_qdisc,
	collector_ovs, collector_conntrack, collector_snmp, collector_sockstat,
	collector_udpsock, collector_knobs;

const struct collector *collectors[COLLECTOR_MAX + 1] = {
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
	/* then the registered ones: dropreason (kernel drop reasons, trace/dropreason.c) */
	NULL,
};

int collect_register(const struct collector *col)
{
	size_t i;

	for (i = 0; i < COLLECTOR_MAX && collectors[i]; i++)
		if (collectors[i] == col)
			return 0;
	if (i >= COLLECTOR_MAX)
		return -ENOSPC;
	collectors[i] = col;
	collectors[i + 1] = NULL;
	return 0;
}

bool collector_lazy_netns(const struct collector *col)
{
	static const struct collector *const lazy[] = {
		&collector_link, &collector_ethtool, &collector_qdisc, &collector_conntrack,
		&collector_snmp, &collector_sockstat, &collector_udpsock, &collector_knobs,
	};

	for (size_t i = 0; i < ARRAY_SIZE(lazy); i++)
		if (lazy[i] == col)
			return true;
	return false;
}
