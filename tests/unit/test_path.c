/* test_path.c: the pure parts of `dptune path` and of doctor's per-hop conservation: the
 * conservation rule on recorded counter deltas (the numbers of real doctor runs on the
 * lab's router and bridge with a fault), the finding it makes, the netlink reply parsers
 * on messages built here and on a recorded link dump, the policy-rule matcher, the
 * nftables NAT matcher on a recorded ruleset, the stop a failed lookup means and its fix. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <linux/fib_rules.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include "analyze/doctor.h"
#include "analyze/ledger.h"
#include "collect/nl.h"
#include "core/util.h"
#include "path/ct.h"
#include "path/nat.h"
#include "path/path.h"
#include "path/pathnl.h"

static char *slurp(const char *path, size_t *len)
{
	struct strbuf sb;

	sb_init(&sb);
	assert_int_equal(read_file_sb(path, &sb, 1 << 20), 0);
	*len = sb.len;
	return sb.buf;
}

static struct in_addr A(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

/* Recorded: a blackhole route in the router: the client's veth sent 2000, the router's
 * ingress received 2000 and the path stops there: the ingress hop lost them all. */
static void test_conservation_sink(void **state)
{
	struct hop_point p[] = {
		{ "dl-r-ext", "dl1c0", false, false, 2000, 0, true },
		{ "dl-r-rtr", "dl1qg", true, true, 2000, 0, true },
	};
	struct hop_loss l;

	(void)state;
	assert_int_equal(ledger_hop_conservation(p, 2, 10, &l), 1);
	assert_int_equal(l.from, 1);
	assert_int_equal(l.to, 1);
	assert_true(l.in == 2000 && l.out == 0 && l.lost == 2000);
}

/* Recorded: an MTU step on a bridge port: 2000 in at the bridge port, 0 out of the
 * lower-MTU port, no drop counter moved. Then the same path healthy, with 3 packets of
 * background (ARP) on the ingress that go nowhere: conserved. */
static void test_conservation_segment(void **state)
{
	struct hop_point p[] = {
		{ "cli", "c0", false, false, 2002, 0, true },
		{ "hv", "c1", true, false, 2002, 0, true },
		{ "hv", "qvo", false, true, 0, 0, true },
	};
	struct hop_point ok[] = {
		{ "cli", "c0", false, false, 2003, 0, true },
		{ "hv", "c1", true, false, 2003, 0, true },
		{ "hv", "qvo", false, false, 2000, 0, true },
		{ "hv", "qvb", true, false, 2000, 0, false }, /* no counters: skipped */
		{ "srv", "s0", true, false, 1990, 10, true },
	};
	struct hop_loss l;

	(void)state;
	assert_int_equal(ledger_hop_conservation(p, 3, 10, &l), 1);
	assert_int_equal(l.from, 1);
	assert_int_equal(l.to, 2);
	assert_true(l.lost == 2002 && l.dropped == 0);
	assert_int_equal(ledger_hop_conservation(ok, 5, 10, &l), 0);
	/* counted drops explain a loss: not named */
	ok[4].packets = 1000;
	ok[4].dropped = 1000;
	assert_int_equal(ledger_hop_conservation(ok, 5, 10, &l), 0);
	/* uncounted: named, between qvo and s0 (qvb has no counters) */
	ok[4].dropped = 0;
	assert_int_equal(ledger_hop_conservation(ok, 5, 10, &l), 1);
	assert_true(l.from == 2 && l.to == 4 && l.lost == 1000);
	/* below the tolerance (5 % and min_lost) */
	ok[4].packets = 1995;
	assert_int_equal(ledger_hop_conservation(ok, 5, 10, &l), 0);
}

static void test_hop_finding(void **state)
{
	struct hop_point p[] = {
		{ "dl-r-ext", "dl1c0", false, false, 2000, 0, true },
		{ "dl-r-rtr", "dl1qg", true, true, 2000, 0, true },
	};
	struct hop_loss l;
	struct hop_verdict v = { LAYER_IP, "dl-r-rtr", "dl1qg",
				 "route blackhole 10.231.1.10/32 table main",
				 "blackhole route to 10.231.1.10: the kernel drops the packet",
				 "ip -n dl-r-rtr route del blackhole 10.231.1.10/32" };
	struct finding f;
	struct doctor_report r = { 0 };

	(void)state;
	assert_int_equal(ledger_hop_conservation(p, 2, 10, &l), 1);
	doctor_hop_finding(p, &l, &v, &f);
	assert_string_equal(f.rule, "path-conservation");
	assert_string_equal(f.netns, "dl-r-rtr");
	assert_string_equal(f.obj, "dl1qg");
	assert_int_equal(f.layer, LAYER_IP);
	assert_int_equal(f.dropped, 2000);
	assert_non_null(strstr(f.cause, "blackhole route"));
	assert_non_null(strstr(f.evidence, "2000 packets in"));
	assert_string_equal(f.commands, v.fix);
	doctor_report_add(&r, &f);
	doctor_report_add(&r, &f);
	assert_int_equal(r.n, 2);
	doctor_report_release(&r);
}

/* A route reply as the kernel builds it. */
static void test_route_parse(void **state)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	struct nlattr *mx;
	struct pn_route r;
	struct in_addr gw = A("10.0.0.1"), dst = A("10.9.0.0");

	(void)state;
	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_dst_len = 16;
	rtm->rtm_table = RT_TABLE_MAIN;
	mnl_attr_put_u32(nlh, RTA_TABLE, 100);
	mnl_attr_put_u32(nlh, RTA_OIF, 7);
	mnl_attr_put(nlh, RTA_GATEWAY, 4, &gw);
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	mx = mnl_attr_nest_start(nlh, RTA_METRICS);
	mnl_attr_put_u32(nlh, RTAX_MTU, 1400);
	mnl_attr_nest_end(nlh, mx);
	assert_int_equal(pn_route_parse(nlh, &r), 0);
	assert_int_equal(r.table, 100);
	assert_int_equal(r.oif, 7);
	assert_true(r.has_gw && r.gw.s_addr == gw.s_addr);
	assert_int_equal(r.dst_len, 16);
	assert_int_equal(r.mtu, 1400);
	nlh->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(pn_route_parse(nlh, &r), -ENOMSG);

	/* IPv6: a gateway, a prefix, a prefsrc; a /200 prefix length is clamped */
	{
		struct in6_addr g6, d6, s6;
		struct ndmsg *ndm;
		struct pn_neigh n;

		inet_pton(AF_INET6, "fe80::1", &g6);
		inet_pton(AF_INET6, "fd00:9::", &d6);
		inet_pton(AF_INET6, "fd00:1::5", &s6);
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_NEWROUTE;
		rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = AF_INET6;
		rtm->rtm_type = RTN_UNICAST;
		rtm->rtm_dst_len = 200;
		rtm->rtm_table = RT_TABLE_MAIN;
		mnl_attr_put_u32(nlh, RTA_OIF, 3);
		mnl_attr_put(nlh, RTA_GATEWAY, 16, &g6);
		mnl_attr_put(nlh, RTA_DST, 16, &d6);
		mnl_attr_put(nlh, RTA_PREFSRC, 16, &s6);
		assert_int_equal(pn_route_parse(nlh, &r), 0);
		assert_int_equal(r.family, AF_INET6);
		assert_int_equal(r.oif, 3);
		assert_int_equal(r.dst_len, 128);
		assert_true(r.has_gw && !memcmp(&r.gw6, &g6, 16));
		assert_true(r.has_prefsrc && !memcmp(&r.prefsrc6, &s6, 16));
		assert_memory_equal(&r.dst6, &d6, 16);
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_NEWNEIGH;
		ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
		ndm->ndm_family = AF_INET6;
		ndm->ndm_state = NUD_REACHABLE;
		mnl_attr_put(nlh, NDA_DST, 16, &g6);
		assert_int_equal(pn_neigh_parse(nlh, &n), 0);
		assert_true(n.has_dst6 && !n.has_dst);
		assert_memory_equal(&n.dst6, &g6, 16);
	}
}

static void test_neigh_rule_parse(void **state)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;
	struct fib_rule_hdr *frh;
	struct pn_neigh n;
	struct pn_rule r;
	const uint8_t mac[6] = { 2, 0, 0, 0, 0, 9 };
	struct in_addr rem = A("192.0.2.7");

	(void)state;
	nlh->nlmsg_type = RTM_NEWNEIGH;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = 4;
	ndm->ndm_state = NUD_REACHABLE;
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	mnl_attr_put(nlh, NDA_DST, 4, &rem);
	mnl_attr_put_u32(nlh, NDA_MASTER, 3);
	assert_int_equal(pn_neigh_parse(nlh, &n), 0);
	assert_true(n.has_mac && !memcmp(n.mac, mac, 6));
	assert_true(n.has_dst && n.dst.s_addr == rem.s_addr);
	assert_int_equal(n.master, 3);
	assert_string_equal(pn_nud_name(n.state), "REACHABLE");

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWRULE;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = AF_INET;
	frh->action = FR_ACT_TO_TBL;
	frh->src_len = 24;
	mnl_attr_put_u32(nlh, FRA_TABLE, 200);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, 100);
	{
		struct in_addr s = A("10.1.2.0");

		mnl_attr_put(nlh, FRA_SRC, 4, &s);
	}
	mnl_attr_put_strz(nlh, FRA_IIFNAME, "eth1");
	assert_int_equal(pn_rule_parse(nlh, &r), 0);
	assert_int_equal(r.table, 200);
	assert_int_equal(r.priority, 100);
	assert_true(pn_rule_matches(&r, A("10.1.2.9"), A("8.8.8.8"), 17, 1, 2, "eth1"));
	assert_false(pn_rule_matches(&r, A("10.1.3.9"), A("8.8.8.8"), 17, 1, 2, "eth1"));
	assert_false(pn_rule_matches(&r, A("10.1.2.9"), A("8.8.8.8"), 17, 1, 2, ""));
	r.flags |= FIB_RULE_INVERT;
	assert_true(pn_rule_matches(&r, A("10.1.3.9"), A("8.8.8.8"), 17, 1, 2, "eth1"));
	assert_true(pn_in_prefix(A("10.0.0.1"), A("0.0.0.0"), 0));
	assert_false(pn_in_prefix(A("10.0.0.1"), A("10.0.0.2"), 32));

	/* fwmark 7 (mask implied), then fwmark 0x10/0xf0, then oif */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWRULE;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = AF_INET;
	frh->action = FR_ACT_TO_TBL;
	mnl_attr_put_u32(nlh, FRA_TABLE, 100);
	mnl_attr_put_u32(nlh, FRA_FWMARK, 7);
	assert_int_equal(pn_rule_parse(nlh, &r), 0);
	assert_true(r.has_fwmark);
	assert_false(pn_rule_matches(&r, A("10.1.2.9"), A("8.8.8.8"), 17, 1, 2, ""));
	assert_true(pn_rule_matches_mark(&r, A("10.1.2.9"), A("8.8.8.8"), 17, 1, 2, "", "", 7));
	assert_false(pn_rule_matches_mark(&r, A("10.1.2.9"), A("8.8.8.8"), 17, 1, 2, "", "", 0x17));
	mnl_attr_put_u32(nlh, FRA_FWMASK, 0xf);
	assert_int_equal(pn_rule_parse(nlh, &r), 0);
	assert_true(pn_rule_matches_mark(&r, A("10.1.2.9"), A("8.8.8.8"), 17, 1, 2, "", "", 0x17));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWRULE;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = AF_INET;
	frh->action = FR_ACT_TO_TBL;
	mnl_attr_put_strz(nlh, FRA_OIFNAME, "eth2");
	assert_int_equal(pn_rule_parse(nlh, &r), 0);
	assert_false(pn_rule_matches(&r, A("10.1.2.9"), A("8.8.8.8"), 17, 1, 2, ""));
	assert_true(pn_rule_matches_mark(&r, A("10.1.2.9"), A("8.8.8.8"), 17, 1, 2, "", "eth2", 0));
	assert_false(pn_rule_matches_mark(&r, A("10.1.2.9"), A("8.8.8.8"), 17, 1, 2, "", "eth1", 0));
}

static int link_seen;
static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct pn_link l;

	(void)data;
	if (!pn_link_parse(nlh, &l)) {
		assert_true(l.ifindex > 0 && l.name[0]);
		if (!strcmp(l.name, "lo"))
			assert_true(l.has_stats);
		link_seen++;
	}
	return 0;
}

/* A recorded RTM_GETLINK dump (the host of the test machine). */
static void test_link_recorded(void **state)
{
	size_t len;
	char *buf = slurp("tests/data/path/link.bin", &len);

	(void)state;
	link_seen = 0;
	assert_true(nl_parse_buf(buf, len, 0, link_cb, NULL) >= 0);
	assert_true(link_seen >= 2);
	free(buf);
}

/* The lab router's rules as `nft -j list ruleset` prints them. */
static void test_nat_recorded(void **state)
{
	size_t len;
	char *buf = slurp("tests/data/path/nft-router.json", &len);
	struct nat_pkt p = { A("10.232.9.2"), A("10.232.9.100"), 17, 40000, 5500, "dl9qg", "" };
	struct nat_result r;
	char a[INET_ADDRSTRLEN];

	(void)state;
	assert_int_equal(nat_lookup(buf, len, NAT_PREROUTING, &p, &r), 0);
	assert_true(r.hit && r.dnat);
	assert_string_equal(inet_ntop(AF_INET, &r.addr, a, sizeof(a)), "10.231.9.10");
	assert_non_null(strstr(r.rule, "chain pre"));
	/* the inet table's chain has the higher priority (-150) and matches udp 7000 */
	p.dport = 7000;
	assert_int_equal(nat_lookup(buf, len, NAT_PREROUTING, &p, &r), 0);
	assert_true(r.hit && r.port == 7001);
	assert_string_equal(inet_ntop(AF_INET, &r.addr, a, sizeof(a)), "10.231.9.20");
	/* the meta mark rule is not understood: named in the note, skipped */
	p.dport = 1;
	p.dst = A("10.232.8.1");
	assert_int_equal(nat_lookup(buf, len, NAT_PREROUTING, &p, &r), 0);
	assert_false(r.hit);
	assert_non_null(strstr(r.note, "not understood"));
	/* SNAT: the VM's own address first, the subnet after; only out of dl9qg */
	p = (struct nat_pkt){ A("10.231.9.10"), A("10.232.9.2"), 17, 1, 2, "dl9qr", "dl9qg" };
	assert_int_equal(nat_lookup(buf, len, NAT_POSTROUTING, &p, &r), 0);
	assert_true(r.hit && !r.dnat);
	assert_string_equal(inet_ntop(AF_INET, &r.addr, a, sizeof(a)), "10.232.9.100");
	p.src = A("10.231.9.11");
	assert_int_equal(nat_lookup(buf, len, NAT_POSTROUTING, &p, &r), 0);
	assert_string_equal(inet_ntop(AF_INET, &r.addr, a, sizeof(a)), "10.232.9.1");
	p.oif = "dl9qr";
	assert_int_equal(nat_lookup(buf, len, NAT_POSTROUTING, &p, &r), 0);
	assert_false(r.hit);
	assert_int_equal(nat_lookup("{}", 2, NAT_POSTROUTING, &p, &r), -EINVAL);
	assert_int_equal(nat_lookup("not json", 8, NAT_POSTROUTING, &p, &r), -EINVAL);
	free(buf);
}

static void test_stops_and_fixes(void **state)
{
	struct path_hop h = { 0 };
	struct path_flow f = { .src = A("10.0.0.2"), .dst = A("10.1.0.9"), .size = 1228 };
	char out[PATH_TEXT];

	(void)state;
	assert_int_equal(path_stop_from_errno(-ENETUNREACH), PSTOP_NOROUTE);
	assert_int_equal(path_stop_from_errno(-EHOSTUNREACH), PSTOP_UNREACHABLE);
	assert_int_equal(path_stop_from_errno(-EINVAL), PSTOP_BLACKHOLE);
	assert_int_equal(path_stop_from_errno(-EACCES), PSTOP_PROHIBIT);
	assert_int_equal(path_stop_from_errno(-EXDEV), PSTOP_RPFILTER);
	assert_false(path_stop_is_drop(PSTOP_DELIVERED));
	assert_false(path_stop_is_drop(PSTOP_WIRE));
	assert_true(path_stop_is_drop(PSTOP_MTU));
	snprintf(h.dev, sizeof(h.dev), "qvo");
	h.stop = PSTOP_BLACKHOLE;
	path_fix(&h, &f, "-n r ", "ip netns exec r ", "10.1.0.0/24", out, sizeof(out));
	assert_string_equal(out, "ip -n r route del blackhole 10.1.0.0/24");
	h.stop = PSTOP_MTU;
	h.size = 1228;
	path_fix(&h, &f, "", "", "", out, sizeof(out));
	assert_string_equal(out, "ip link set dev qvo mtu 1228");
	h.stop = PSTOP_RPFILTER;
	path_fix(&h, &f, "-n r ", "ip netns exec r ", "", out, sizeof(out));
	assert_non_null(strstr(out, "ip netns exec r sysctl -w net.ipv4.conf.qvo.rp_filter=2"));
	h.stop = PSTOP_DELIVERED;
	path_fix(&h, &f, "", "", "", out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_hops(void **state)
{
	static struct path_result r;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < PATH_HOPS_MAX; i++)
		assert_non_null(path_add_hop(&r, "ns", 7, "d", 1, "veth", "tx"));
	assert_null(path_add_hop(&r, "ns", 7, "d", 1, "veth", "tx"));
	assert_true(path_hop_same_dev(&r.hop[0], &r.hop[1]));
	snprintf(r.hop[1].dev, sizeof(r.hop[1].dev), "e");
	assert_false(path_hop_same_dev(&r.hop[0], &r.hop[1]));
}

struct ct_all {
	struct ct_entry e[4];
	int n;
};

static int ct_all_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ct_all *c = data;

	if (c->n < 4 && !ct_parse(nlh, &c->e[c->n]))
		c->n++;
	return 0;
}

/* A ctnetlink dump recorded in the router lab's router after a client sent to the
 * floating IP (udp 10.232.1.2:40000 -> 10.232.1.100:5500) and the VM sent out
 * (udp 10.231.1.10:41000 -> 10.232.1.2:6000). */
static void test_ct_recorded(void **state)
{
	size_t len;
	char *buf = slurp("tests/data/path/ct-router.bin", &len), s[160];
	struct ct_all c = { .n = 0 };
	struct ct_tuple q = { A("10.232.1.2"), A("10.232.1.100"), 17, 40000, 5500 }, to;
	const struct ct_entry *in = NULL, *out = NULL;

	(void)state;
	assert_int_equal(nl_parse_buf(buf, len, 0, ct_all_cb, &c), 1);
	assert_int_equal(c.n, 2);
	for (int i = 0; i < c.n; i++) {
		if (ct_match(&c.e[i], &q))
			in = &c.e[i];
		else
			out = &c.e[i];
	}
	assert_non_null(in);
	assert_non_null(out);
	assert_true(ct_dnat(in, CT_ORIG, &to));
	assert_int_equal(to.dst.s_addr, A("10.231.1.10").s_addr);
	assert_int_equal(to.dport, 5500);
	assert_false(ct_snat(in, CT_ORIG, &to));
	assert_string_equal(ct_str(in, s, sizeof(s)), "udp 10.232.1.2:40000 -> 10.232.1.100:5500, "
			    "reply 10.231.1.10:5500 -> 10.232.1.2:40000");
	assert_false(ct_dnat(out, CT_ORIG, &to));
	assert_true(ct_snat(out, CT_ORIG, &to));
	assert_int_equal(to.src.s_addr, A("10.232.1.100").s_addr);
	assert_int_equal(to.sport, 41000);
	q.sport = 0; /* any */
	assert_int_equal(ct_match(in, &q), CT_ORIG);
	q.dport = 5501;
	assert_int_equal(ct_match(in, &q), CT_NONE);
	/* the VM's answer to the client: the reply direction, un-DNATed to the floating IP */
	q = (struct ct_tuple){ A("10.231.1.10"), A("10.232.1.2"), 17, 5500, 40000 };
	assert_int_equal(ct_match(in, &q), CT_REPLY);
	assert_true(ct_snat(in, CT_REPLY, &to));
	assert_int_equal(to.src.s_addr, A("10.232.1.100").s_addr);
	assert_int_equal(to.sport, 5500);
	assert_false(ct_dnat(in, CT_REPLY, &to));
	/* the answer to the VM's flow: un-SNATed, the destination goes back to the VM */
	q = (struct ct_tuple){ A("10.232.1.2"), A("10.232.1.100"), 17, 6000, 41000 };
	assert_int_equal(ct_match(out, &q), CT_REPLY);
	assert_true(ct_dnat(out, CT_REPLY, &to));
	assert_int_equal(to.dst.s_addr, A("10.231.1.10").s_addr);
	assert_int_equal(to.dport, 41000);
	/* truncated: the parser stops, never reads past the end */
	for (size_t l = 0; l < len; l += 7)
		(void)nl_parse_buf(buf, l, 0, ct_all_cb, &c);
	free(buf);
}

static void test_ct_request(void **state)
{
	char buf[CT_REQ_MAX];
	struct ct_tuple q = { A("10.0.0.2"), A("10.0.0.9"), 17, 4000, 5500 };
	const struct nlattr *tb[CTA_MAX + 1], *tu[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1],
		*pr[CTA_PROTO_MAX + 1];
	struct nlmsghdr *nlh;
	uint16_t v;
	bool dump;

	(void)state;
	nlh = ct_build_get(buf, &q, 5, &dump);
	assert_false(dump);
	assert_int_equal(nlh->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET);
	assert_int_equal(nl_attr_table(nlh, sizeof(struct nfgenmsg), tb, CTA_MAX), 0);
	assert_int_equal(nl_nested_table(tb[CTA_TUPLE_ORIG], tu, CTA_TUPLE_MAX), 0);
	assert_int_equal(nl_nested_table(tu[CTA_TUPLE_IP], ip, CTA_IP_MAX), 0);
	assert_int_equal(nl_nested_table(tu[CTA_TUPLE_PROTO], pr, CTA_PROTO_MAX), 0);
	assert_memory_equal(mnl_attr_get_payload(ip[CTA_IP_V4_DST]), &q.dst, 4);
	assert_true(nl_get_u16(pr[CTA_PROTO_DST_PORT], &v));
	assert_int_equal(ntohs(v), 5500);
	/* a port "any": a dump, filtered by ct_match */
	q.sport = 0;
	nlh = ct_build_get(buf, &q, 6, &dump);
	assert_true(dump);
	assert_true(nlh->nlmsg_flags & NLM_F_DUMP);
	/* another message type is not an entry */
	assert_int_equal(ct_parse(nlh, &(struct ct_entry){ 0 }), -ENOMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conservation_sink),
		cmocka_unit_test(test_conservation_segment),
		cmocka_unit_test(test_hop_finding),
		cmocka_unit_test(test_route_parse),
		cmocka_unit_test(test_neigh_rule_parse),
		cmocka_unit_test(test_link_recorded),
		cmocka_unit_test(test_nat_recorded),
		cmocka_unit_test(test_stops_and_fixes),
		cmocka_unit_test(test_hops),
		cmocka_unit_test(test_ct_recorded),
		cmocka_unit_test(test_ct_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
