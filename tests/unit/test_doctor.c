/* test_doctor.c: each diagnosis rule on a built pair of snapshots: it names the right
 * layer and knob for its cause, and stays silent on a healthy path under load. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "analyze/doctor.h"

struct pair {
	struct snapshot a, b;
	uint32_t ha, hb;   /* host ns */
	uint32_t sa, sb;   /* a server ns */
};

static void pair_init(struct pair *p)
{
	snap_init(&p->a);
	snap_init(&p->b);
	p->a.t_mono = 100;
	p->b.t_mono = 102;
	p->ha = snap_add_ns(&p->a, 1, "host", NS_HOST, 0);
	p->hb = snap_add_ns(&p->b, 1, "host", NS_HOST, 0);
	p->sa = snap_add_ns(&p->a, 2, "srv", NS_NAMED, 0);
	p->sb = snap_add_ns(&p->b, 2, "srv", NS_NAMED, 0);
	/* knobs as the knobs collector reads them */
	snap_add_knob(&p->a, p->ha, LAYER_BACKLOG, "", "net.core.netdev_max_backlog", "1000");
	snap_add_knob(&p->b, p->hb, LAYER_BACKLOG, "", "net.core.netdev_max_backlog", "1000");
	snap_add_knob(&p->a, p->ha, LAYER_UDP, "", "net.core.rmem_default", "212992");
	snap_add_knob(&p->b, p->hb, LAYER_UDP, "", "net.core.rmem_default", "212992");
	snap_add_knob(&p->a, p->ha, LAYER_UDP, "", "net.core.rmem_max", "212992");
	snap_add_knob(&p->b, p->hb, LAYER_UDP, "", "net.core.rmem_max", "212992");
	/* traffic that moves on a healthy path too */
	for (int cpu = 0; cpu < 2; cpu++) {
		snap_add_full(&p->a, p->ha, LAYER_SOFTIRQ, MK_COUNTER, 0, "", -1, cpu, "net_rx", 1000);
		snap_add_full(&p->b, p->hb, LAYER_SOFTIRQ, MK_COUNTER, 0, "", -1, cpu, "net_rx",
			      1000 + 50000 * (cpu + 1));
		snap_add_full(&p->a, p->ha, LAYER_BACKLOG, MK_COUNTER32, 0, "", -1, cpu, "processed", 5);
		snap_add_full(&p->b, p->hb, LAYER_BACKLOG, MK_COUNTER32, 0, "", -1, cpu, "processed",
			      200005);
	}
	snap_add_full(&p->a, p->sa, LAYER_VDEV, MK_COUNTER, 0, "veth1", -1, -1, "rx_packets", 0);
	snap_add_full(&p->b, p->sb, LAYER_VDEV, MK_COUNTER, 0, "veth1", -1, -1, "rx_packets", 400000);
	snap_add_full(&p->a, p->sa, LAYER_UDP, MK_COUNTER, 0, "", -1, -1, "UdpInDatagrams", 0);
	snap_add_full(&p->b, p->sb, LAYER_UDP, MK_COUNTER, 0, "", -1, -1, "UdpInDatagrams", 400000);
}

/* A counter that goes from va to vb. */
static struct metric *pc(struct pair *p, bool server, uint8_t layer, unsigned flags, const char *obj,
			 int cpu, const char *name, uint64_t va, uint64_t vb)
{
	snap_add_full(&p->a, server ? p->sa : p->ha, layer, MK_COUNTER, flags, obj, -1, cpu, name, va);
	return snap_add_full(&p->b, server ? p->sb : p->hb, layer, MK_COUNTER, flags, obj, -1, cpu,
			     name, vb);
}

static void gauge(struct pair *p, bool server, uint8_t layer, const char *obj, const char *name,
		  uint64_t v)
{
	snap_add(&p->a, server ? p->sa : p->ha, layer, MK_GAUGE, obj, name, v);
	snap_add(&p->b, server ? p->sb : p->hb, layer, MK_GAUGE, obj, name, v);
}

static void diagnose(struct pair *p, struct doctor_report *r)
{
	struct delta d;

	delta_compute(&d, &p->a, &p->b);
	doctor_run(&p->a, &p->b, &d, r);
	delta_release(&d);
}

static void pair_release(struct pair *p)
{
	snap_release(&p->a);
	snap_release(&p->b);
}

/* The findings at WARN or above with high confidence. */
static int serious(const struct doctor_report *r, const struct finding **one)
{
	int n = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].sev >= SEV_WARN && r->f[i].conf == CONF_HIGH) {
			*one = &r->f[i];
			n++;
		}
	return n;
}

static void test_healthy(void **state)
{
	struct pair p;
	struct doctor_report r;

	pair_init(&p);
	diagnose(&p, &r);
	for (size_t i = 0; i < r.n; i++)
		assert_true(r.f[i].sev == SEV_INFO);
	doctor_report_release(&r);
	pair_release(&p);
}

static void test_backlog(void **state)
{
	struct pair p;
	struct doctor_report r;
	const struct finding *f = NULL;

	pair_init(&p);
	pc(&p, false, LAYER_BACKLOG, MF_DROP, "", 1, "dropped", 10, 5010);
	pc(&p, true, LAYER_VDEV, MF_DROP, "veth1", -1, "rx_dropped", 0, 5000);
	diagnose(&p, &r);
	assert_int_equal(serious(&r, &f), 1);
	assert_string_equal(f->rule, "softnet-backlog");
	assert_int_equal(f->layer, LAYER_BACKLOG);
	assert_int_equal(f->cpu, 1);
	assert_string_equal(f->change.target, "net.core.netdev_max_backlog");
	assert_string_equal(f->change.current, "1000");
	assert_string_equal(f->change.proposed, "10000");
	assert_non_null(strstr(f->commands, "sysctl -w net.core.netdev_max_backlog=10000"));
	assert_true(f->dropped == 5000);
	doctor_report_release(&r);
	pair_release(&p);
}

static void test_squeeze_only(void **state)
{
	struct pair p;
	struct doctor_report r;
	const struct finding *f = NULL;

	pair_init(&p);
	pc(&p, false, LAYER_BACKLOG, 0, "", 0, "time_squeeze", 0, 400);
	diagnose(&p, &r);
	assert_int_equal(serious(&r, &f), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.f[0].rule, "squeeze-only");
	assert_int_equal(r.f[0].sev, SEV_INFO);
	doctor_report_release(&r);
	pair_release(&p);
}

static void test_socket_default_rcvbuf(void **state)
{
	struct pair p;
	struct doctor_report r;
	const struct finding *f = NULL;
	struct metric *m;

	pair_init(&p);
	pc(&p, true, LAYER_UDP, MF_DROP, "", -1, "UdpRcvbufErrors", 0, 3000);
	m = pc(&p, true, LAYER_SOCKET, MF_DROP, "udp 10.0.0.2:5004", -1, "drops", 0, 3000);
	m->labels = "pid=77,comm=media";
	gauge(&p, true, LAYER_SOCKET, "udp 10.0.0.2:5004", "rcvbuf", 212992);
	diagnose(&p, &r);
	assert_int_equal(serious(&r, &f), 1);
	assert_string_equal(f->rule, "socket-rcvbuf-default");
	assert_int_equal(f->layer, LAYER_SOCKET);
	assert_string_equal(f->netns, "srv");
	assert_string_equal(f->change.target, "net.core.rmem_default");
	assert_non_null(strstr(f->evidence, "comm=media"));
	doctor_report_release(&r);
	pair_release(&p);
}

static void test_socket_small_rcvbuf(void **state)
{
	struct pair p;
	struct doctor_report r;

	pair_init(&p);
	pc(&p, true, LAYER_SOCKET, MF_DROP, "udp 10.0.0.2:5004", -1, "drops", 0, 100);
	gauge(&p, true, LAYER_SOCKET, "udp 10.0.0.2:5004", "rcvbuf", 4608);
	diagnose(&p, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.f[0].rule, "socket-slow-reader");
	assert_int_equal(r.f[0].conf, CONF_MEDIUM);
	assert_string_equal(r.f[0].change.kind, "none");
	doctor_report_release(&r);
	pair_release(&p);
}

/* A socket dropping in the host namespace says nothing about the UDP overflows of srv,
 * whose socket is gone: srv still gets its udp-rcvbuf finding (a socket row with drops in
 * any namespace used to silence it everywhere). */
static void test_socket_other_ns(void **state)
{
	struct pair p;
	struct doctor_report r;
	bool host_socket = false, srv_udp = false;

	pair_init(&p);
	pc(&p, false, LAYER_SOCKET, MF_DROP, "udp 127.0.0.1:7777", -1, "drops", 0, 50);
	gauge(&p, false, LAYER_SOCKET, "udp 127.0.0.1:7777", "rcvbuf", 2304);
	pc(&p, true, LAYER_UDP, MF_DROP, "", -1, "UdpRcvbufErrors", 0, 400);
	diagnose(&p, &r);
	for (size_t i = 0; i < r.n; i++) {
		host_socket |= !strcmp(r.f[i].rule, "socket-slow-reader") &&
			       !strcmp(r.f[i].netns, "host");
		srv_udp |= !strcmp(r.f[i].rule, "udp-rcvbuf") && !strcmp(r.f[i].netns, "srv");
		assert_false(!strcmp(r.f[i].rule, "udp-rcvbuf") && !strcmp(r.f[i].netns, "host"));
	}
	assert_true(host_socket);
	assert_true(srv_udp);
	doctor_report_release(&r);
	pair_release(&p);
}

static void test_conntrack(void **state)
{
	struct pair p;
	struct doctor_report r;
	const struct finding *f = NULL;

	pair_init(&p);
	pc(&p, true, LAYER_NETFILTER, MF_DROP, "", 0, "drop", 0, 700);
	pc(&p, true, LAYER_NETFILTER, MF_DROP, "", 1, "early_drop", 0, 50);
	gauge(&p, true, LAYER_NETFILTER, "", "nf_conntrack_count", 256);
	gauge(&p, true, LAYER_NETFILTER, "", "nf_conntrack_max", 256);
	diagnose(&p, &r);
	assert_int_equal(serious(&r, &f), 1);
	assert_string_equal(f->rule, "conntrack-full");
	assert_int_equal(f->layer, LAYER_NETFILTER);
	assert_string_equal(f->change.target, "net.netfilter.nf_conntrack_max");
	assert_true(f->dropped == 750);
	doctor_report_release(&r);
	pair_release(&p);
}

static void test_netfilter_rule(void **state)
{
	struct pair p;
	struct doctor_report r;
	const struct finding *f = NULL;

	pair_init(&p);
	pc(&p, true, LAYER_NETFILTER, MF_DROP | MF_ZERO_BASE, "veth1", -1, "drop:NETFILTER_DROP", 0, 9000);
	diagnose(&p, &r);
	assert_int_equal(serious(&r, &f), 1);
	assert_string_equal(f->rule, "netfilter-rule-drop");
	assert_string_equal(f->netns, "srv");
	assert_non_null(strstr(f->commands, "nft -a list ruleset"));
	doctor_report_release(&r);
	pair_release(&p);
}

/* A full conntrack table drops with reason NETFILTER_DROP too: not a rule's doing. */
static void test_conntrack_not_rule(void **state)
{
	struct pair p;
	struct doctor_report r;
	const struct finding *f = NULL;

	pair_init(&p);
	pc(&p, true, LAYER_NETFILTER, MF_DROP, "", 0, "drop", 0, 500);
	pc(&p, true, LAYER_NETFILTER, MF_DROP | MF_ZERO_BASE, "veth1", -1, "drop:NETFILTER_DROP", 0, 500);
	gauge(&p, true, LAYER_NETFILTER, "", "nf_conntrack_count", 16);
	gauge(&p, true, LAYER_NETFILTER, "", "nf_conntrack_max", 16);
	diagnose(&p, &r);
	assert_int_equal(serious(&r, &f), 1);
	assert_string_equal(f->rule, "conntrack-full");
	doctor_report_release(&r);
	pair_release(&p);
}

static void test_tap_slow_guest(void **state)
{
	struct pair p;
	struct doctor_report r;
	struct link_info *l;

	pair_init(&p);
	l = snap_add_link(&p.b);
	l->ns = p.sb;
	l->name = "tap0";
	l->kind = "tun";
	l->txqlen = 500;
	pc(&p, true, LAYER_VDEV, MF_DROP, "tap0", -1, "tx_dropped", 0, 4000);
	pc(&p, false, LAYER_SOFTIRQ, 0, "", -1, "steal_ticks", 0, 0);
	pc(&p, false, LAYER_SOFTIRQ, 0, "", -1, "total_ticks", 0, 400);
	diagnose(&p, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.f[0].rule, "tap-guest-slow");
	assert_int_equal(r.f[0].layer, LAYER_VDEV);
	assert_string_equal(r.f[0].change.kind, "txqlen");
	assert_string_equal(r.f[0].change.target, "tap0");
	assert_string_equal(r.f[0].change.proposed, "10000");
	doctor_report_release(&r);

	/* the same with 20 % steal: capacity, no host knob */
	snap_release(&p.a);
	snap_release(&p.b);
	pair_init(&p);
	l = snap_add_link(&p.b);
	l->ns = p.sb;
	l->name = "tap0";
	l->kind = "tun";
	pc(&p, true, LAYER_VDEV, MF_DROP, "tap0", -1, "tx_dropped", 0, 4000);
	pc(&p, false, LAYER_SOFTIRQ, 0, "", -1, "steal_ticks", 0, 80);
	pc(&p, false, LAYER_SOFTIRQ, 0, "", -1, "total_ticks", 0, 400);
	diagnose(&p, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.f[0].rule, "tap-guest-steal");
	assert_string_equal(r.f[0].change.kind, "none");
	doctor_report_release(&r);
	pair_release(&p);
}

static void test_nic_ring(void **state)
{
	struct pair p;
	struct doctor_report r;
	const struct finding *f = NULL;

	pair_init(&p);
	pc(&p, false, LAYER_NIC, MF_DROP, "eth0", -1, "rx_missed_errors", 0, 900);
	snap_add_knob(&p.b, p.hb, LAYER_NIC, "eth0", "rx_ring", "512");
	snap_add_knob(&p.b, p.hb, LAYER_NIC, "eth0", "rx_ring_max", "4096");
	diagnose(&p, &r);
	assert_int_equal(serious(&r, &f), 1);
	assert_string_equal(f->rule, "nic-ring");
	assert_non_null(strstr(f->commands, "ethtool -G eth0 rx 4096"));
	doctor_report_release(&r);
	pair_release(&p);
}

static void test_nohandler_benign(void **state)
{
	struct pair p;
	struct doctor_report r;
	const struct finding *f = NULL;

	pair_init(&p);
	pc(&p, false, LAYER_NIC, MF_DROP, "eth0", -1, "rx_dropped", 0, 100);
	pc(&p, false, LAYER_NIC, MF_DROP | MF_BENIGN, "eth0", -1, "rx_nohandler", 0, 100);
	diagnose(&p, &r);
	assert_int_equal(serious(&r, &f), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.f[0].rule, "rx-nohandler-benign");
	doctor_report_release(&r);
	pair_release(&p);
}

static void test_owners_and_enic(void **state)
{
	struct pair p;
	struct doctor_report r;
	struct delta d;
	struct knob_owners o = { .irqbalance = true, .tuned = true, .tuned_profile = "throughput-performance" };
	struct link_info *l;
	unsigned irq, cq;
	bool seen_irqb = false, seen_tuned = false, seen_enic = false;

	enic_policy(8, 8, &irq, &cq);
	assert_int_equal(irq, 18); /* REFERENCE: 8 RX + 8 TX needs 18 interrupts */
	assert_int_equal(cq, 16);
	pair_init(&p);
	l = snap_add_link(&p.b);
	l->ns = p.hb;
	l->name = "eth0";
	l->driver = "enic";
	pc(&p, false, LAYER_NIC, MF_DROP, "eth0", -1, "rx_missed_errors", 0, 900);
	snap_add_knob(&p.b, p.hb, LAYER_NIC, "eth0", "rx_ring", "4096");
	snap_add_knob(&p.b, p.hb, LAYER_NIC, "eth0", "rx_ring_max", "4096");
	snap_add_knob(&p.b, p.hb, LAYER_NIC, "eth0", "rx_channels", "4");
	snap_add_knob(&p.b, p.hb, LAYER_NIC, "eth0", "tx_channels", "4");
	delta_compute(&d, &p.a, &p.b);
	doctor_run_owners(&p.a, &p.b, &d, &o, &r);
	delta_release(&d);
	for (size_t i = 0; i < r.n; i++) {
		if (!strcmp(r.f[i].rule, "owner-irqbalance"))
			seen_irqb = r.f[i].sev == SEV_INFO;
		if (!strcmp(r.f[i].rule, "owner-tuned"))
			seen_tuned = strstr(r.f[i].cause, "throughput-performance") != NULL;
		if (!strcmp(r.f[i].rule, "nic-ring-at-max"))
			seen_enic = strstr(r.f[i].commands, "Interrupt Count 18") &&
				    strstr(r.f[i].commands, "Completion Queue Count 16");
	}
	assert_true(seen_irqb);
	assert_true(seen_tuned);
	assert_true(seen_enic);
	doctor_report_release(&r);
	pair_release(&p);
}

/* Traffic to a port nobody listens on: a finding naming the namespace and the device,
 * critical when it is a large share of what arrives; a few stray datagrams are noise. */
static void test_noports(void **state)
{
	struct pair p;
	struct doctor_report r;
	const struct finding *f = NULL;

	pair_init(&p);
	pc(&p, true, LAYER_UDP, MF_DROP, "", -1, "UdpNoPorts", 10, 200010);
	pc(&p, true, LAYER_UDP, MF_DROP | MF_ZERO_BASE, "veth1", -1, "drop:NO_SOCKET", 0, 200000);
	diagnose(&p, &r);
	assert_int_equal(serious(&r, &f), 1);
	assert_string_equal(f->rule, "udp-no-listener");
	assert_int_equal(f->sev, SEV_CRIT);
	assert_int_equal(f->layer, LAYER_UDP);
	assert_string_equal(f->netns, "srv");
	assert_string_equal(f->obj, "veth1");
	assert_true(f->dropped == 200000);
	assert_non_null(strstr(f->evidence, "UdpNoPorts +200000"));
	assert_non_null(strstr(f->evidence, "NO_SOCKET +200000 on veth1"));
	assert_non_null(strstr(f->commands, "ip netns exec srv ss -uanp"));
	assert_non_null(strstr(f->commands, "ip netns exec srv tcpdump -ni veth1"));
	assert_string_equal(f->change.kind, "none");
	doctor_report_release(&r);
	pair_release(&p);

	/* a small share of the traffic: a warning; under 1 % or a few datagrams: information */
	pair_init(&p);
	pc(&p, true, LAYER_UDP, MF_DROP, "", -1, "UdpNoPorts", 0, 5000);
	diagnose(&p, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.f[0].rule, "udp-no-listener");
	assert_int_equal(r.f[0].sev, SEV_WARN);
	assert_non_null(strstr(r.f[0].commands, "ip netns exec srv ss -uanp"));
	doctor_report_release(&r);
	pair_release(&p);
	pair_init(&p);
	pc(&p, true, LAYER_UDP, MF_DROP, "", -1, "UdpNoPorts", 0, 1000); /* 0.25 % */
	diagnose(&p, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.f[0].sev, SEV_INFO);
	doctor_report_release(&r);
	pair_release(&p);
	pair_init(&p);
	pc(&p, false, LAYER_UDP, MF_DROP, "", -1, "UdpNoPorts", 0, 3);
	diagnose(&p, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.f[0].sev, SEV_INFO);
	assert_string_equal(r.f[0].netns, "host");
	/* in the host namespace a command needs no prefix */
	assert_true(!strncmp(r.f[0].commands, "ss -uanp", 8));
	doctor_report_release(&r);
	pair_release(&p);
}

/* Every fix line of a finding in namespace ns that runs a networking tool runs it in
 * that namespace: `ip -n NS`, `ip netns exec NS` (named) or `nsenter -t PID -n`. */
static void assert_lines_in_ns(const struct doctor_report *r, const char *ns,
			       const char *prefix_exec, const char *prefix_ip, size_t *checked)
{
	static const char *const tools[] = { "ethtool ", "ss ", "nft ", "tcpdump ",
					     "iptables", "cat /proc/net", "ip link", "ip -n" };

	for (size_t i = 0; i < r->n; i++) {
		char buf[sizeof(r->f[i].commands)], *save = NULL, *line;

		if (strcmp(r->f[i].netns, ns))
			continue;
		snprintf(buf, sizeof(buf), "%s", r->f[i].commands);
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *hash = strchr(line, '#');

			if (hash)
				*hash = '\0'; /* comments: a guest's commands, explanations */
			for (size_t t = 0; t < sizeof(tools) / sizeof(tools[0]); t++) {
				const char *at = strstr(line, tools[t]);

				if (!at)
					continue;
				if (!strstr(line, prefix_exec) && !strstr(line, prefix_ip))
					fail_msg("%s: '%s' does not run in %s", r->f[i].rule, line, ns);
				(*checked)++;
			}
		}
	}
}

static void test_fix_lines_name_namespace(void **state)
{
	struct pair p;
	struct doctor_report r;
	struct link_info *l;
	size_t checked = 0;
	uint32_t pa, pb;
	bool seen_ct_comment = false;

	/* 1: socket, tap, qdisc, NIC ring, udp memory, no listener, conntrack, nft rule */
	pair_init(&p);
	l = snap_add_link(&p.b);
	l->ns = p.sb;
	l->name = "tap0";
	l->kind = "tun";
	pc(&p, true, LAYER_SOCKET, MF_DROP, "udp 10.0.0.2:5004", -1, "drops", 0, 100);
	gauge(&p, true, LAYER_SOCKET, "udp 10.0.0.2:5004", "rcvbuf", 4608);
	pc(&p, true, LAYER_VDEV, MF_DROP, "tap0", -1, "tx_dropped", 0, 4000);
	pc(&p, true, LAYER_QDISC, MF_DROP, "veth1", -1, "drops", 0, 300);
	pc(&p, true, LAYER_NIC, MF_DROP, "eth1", -1, "rx_missed_errors", 0, 900);
	snap_add_knob(&p.b, p.sb, LAYER_NIC, "eth1", "rx_ring", "512");
	snap_add_knob(&p.b, p.sb, LAYER_NIC, "eth1", "rx_ring_max", "4096");
	pc(&p, true, LAYER_UDP, MF_DROP, "", -1, "UdpMemErrors", 0, 50);
	pc(&p, true, LAYER_UDP, MF_DROP, "", -1, "UdpNoPorts", 0, 9000);
	pc(&p, true, LAYER_NETFILTER, MF_DROP, "", 0, "drop", 0, 700);
	pc(&p, true, LAYER_NETFILTER, MF_DROP | MF_ZERO_BASE, "veth1", -1, "drop:NETFILTER_DROP", 0,
	   9000);
	diagnose(&p, &r);
	assert_true(r.n >= 8);
	assert_lines_in_ns(&r, "srv", "ip netns exec srv ", "ip -n srv ", &checked);
	for (size_t i = 0; i < r.n; i++)
		seen_ct_comment |= !strcmp(r.f[i].rule, "conntrack-full") &&
				   strstr(r.f[i].commands, "ip netns exec srv nft add rule");
	assert_true(seen_ct_comment);
	doctor_report_release(&r);
	pair_release(&p);

	/* 2: the socket gone (udp-rcvbuf), conntrack races, a NIC ring at its maximum */
	pair_init(&p);
	pc(&p, true, LAYER_UDP, MF_DROP, "", -1, "UdpRcvbufErrors", 0, 400);
	pc(&p, true, LAYER_NETFILTER, MF_DROP, "", -1, "insert_failed", 0, 40);
	pc(&p, true, LAYER_NIC, MF_DROP, "eth1", -1, "rx_missed_errors", 0, 900);
	diagnose(&p, &r);
	assert_true(r.n >= 3);
	assert_lines_in_ns(&r, "srv", "ip netns exec srv ", "ip -n srv ", &checked);
	doctor_report_release(&r);
	pair_release(&p);

	/* 3: a namespace held by a process (a container): nsenter */
	pair_init(&p);
	pa = snap_add_ns(&p.a, 3, "pid:77(media)", NS_PROC, 77);
	pb = snap_add_ns(&p.b, 3, "pid:77(media)", NS_PROC, 77);
	snap_add_full(&p.a, pa, LAYER_QDISC, MK_COUNTER, MF_DROP, "eth0", -1, -1, "drops", 0);
	snap_add_full(&p.b, pb, LAYER_QDISC, MK_COUNTER, MF_DROP, "eth0", -1, -1, "drops", 500);
	snap_add_full(&p.a, pa, LAYER_UDP, MK_COUNTER, MF_DROP, "", -1, -1, "UdpNoPorts", 0);
	snap_add_full(&p.b, pb, LAYER_UDP, MK_COUNTER, MF_DROP, "", -1, -1, "UdpNoPorts", 500);
	diagnose(&p, &r);
	assert_int_equal(r.n, 2);
	assert_lines_in_ns(&r, "pid:77(media)", "nsenter -t 77 -n ", "nsenter -t 77 -n ip ",
			   &checked);
	doctor_report_release(&r);
	pair_release(&p);
	/* socket, tap, qdisc, 2 NIC, udp-mem, 2 no-listener, nft comment, nft rule x2,
	 * udp-rcvbuf, 3 insert-failed, 2 ring-at-max, qdisc and 2 no-listener in the pid ns */
	assert_true(checked >= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy),
		cmocka_unit_test(test_backlog),
		cmocka_unit_test(test_squeeze_only),
		cmocka_unit_test(test_socket_default_rcvbuf),
		cmocka_unit_test(test_socket_small_rcvbuf),
		cmocka_unit_test(test_socket_other_ns),
		cmocka_unit_test(test_conntrack),
		cmocka_unit_test(test_netfilter_rule),
		cmocka_unit_test(test_conntrack_not_rule),
		cmocka_unit_test(test_tap_slow_guest),
		cmocka_unit_test(test_nic_ring),
		cmocka_unit_test(test_nohandler_benign),
		cmocka_unit_test(test_owners_and_enic),
		cmocka_unit_test(test_noports),
		cmocka_unit_test(test_fix_lines_name_namespace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
