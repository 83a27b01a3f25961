/* test_link.c: the link and qdisc parsers replayed on recorded rtnetlink dumps
 * (tests/data/nl, made by record.sh) and checked against iproute2's decoding of the
 * same state (ip-link.json, tc-qdisc.json), plus malformed-input and recorded-mode cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <linux/pkt_sched.h>
#include "collect/collect.h"
#include "collect/nl.h"
#include "model/intern.h"

#define DATA "tests/data/nl/"

static struct strbuf load(const char *name)
{
	struct strbuf sb;

	sb_init(&sb);
	assert_int_equal(read_file_sb(name, &sb, 1 << 22), 0);
	return sb;
}

struct links {
	struct link_info li[64];
	struct rtnl_link_stats64 st[64];
	bool have_st[64];
	size_t n;
};

static int links_cb(const struct nlmsghdr *nlh, void *data)
{
	struct links *l = data;

	assert_true(l->n < 64);
	assert_int_equal(link_parse_msg(nlh, &l->li[l->n], &l->st[l->n], &l->have_st[l->n]), 0);
	l->n++;
	return 0;
}

static const struct link_info *by_name(const struct links *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->li[i].name, name))
			return &l->li[i];
	return NULL;
}

static int64_t jint(json_object *o, const char *k1, const char *k2)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k1, &v))
		return -1;
	if (k2 && !json_object_object_get_ex(v, k2, &v))
		return -1;
	return json_object_get_int64(v);
}

static const char *jstr(json_object *o, const char *k1, const char *k2)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k1, &v))
		return NULL;
	if (k2 && !json_object_object_get_ex(v, k2, &v))
		return NULL;
	return json_object_get_string(v);
}

static void read_links(struct links *l)
{
	struct strbuf sb = load(DATA "getlink.bin");

	memset(l, 0, sizeof(*l));
	assert_int_equal(nl_parse_buf(sb.buf, sb.len, 0, links_cb, l), 1);
	sb_release(&sb);
}

/* Every device of the dump matches what `ip -j -d -s link` said about it. */
static void test_getlink_matches_iproute2(void **state)
{
	struct links l;
	json_object *j = json_object_from_file(DATA "ip-link.json");
	size_t n;

	(void)state;
	read_links(&l);
	assert_non_null(j);
	n = json_object_array_length(j);
	assert_int_equal(l.n, n);
	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(j, i), *info, *data;
		const struct link_info *li = by_name(&l, jstr(d, "ifname", NULL));
		const char *kind = NULL, *s;
		size_t k = (size_t)(li - l.li);

		assert_non_null(li);
		assert_int_equal(li->ifindex, jint(d, "ifindex", NULL));
		assert_int_equal(li->mtu, jint(d, "mtu", NULL));
		assert_int_equal(li->txqlen, jint(d, "txqlen", NULL));
		assert_int_equal(li->num_rx_queues, jint(d, "num_rx_queues", NULL));
		assert_int_equal(li->num_tx_queues, jint(d, "num_tx_queues", NULL));
		if (json_object_object_get_ex(d, "linkinfo", &info))
			kind = jstr(info, "info_kind", NULL);
		assert_string_equal(li->kind, kind ? kind : "");
		s = jstr(d, "master", NULL);
		assert_int_equal(li->master, s ? by_name(&l, s)->ifindex : 0);
		if ((s = jstr(d, "link", NULL)))
			assert_int_equal(li->link, by_name(&l, s)->ifindex);
		else
			assert_int_equal(li->link, jint(d, "link_index", NULL) < 0 ? 0 :
						   jint(d, "link_index", NULL));
		assert_int_equal(li->link_netnsid, jint(d, "link_netnsid", NULL));
		if (kind && !strcmp(kind, "vxlan")) {
			assert_true(json_object_object_get_ex(info, "info_data", &data));
			assert_int_equal(li->vxlan_id, jint(data, "id", NULL));
			assert_int_equal(li->vxlan_port, jint(data, "port", NULL));
			assert_int_equal(li->vxlan_link, by_name(&l, jstr(data, "link", NULL))->ifindex);
		} else {
			assert_int_equal(li->vxlan_id, 0);
		}
		assert_true(l.have_st[k]);
		json_object *st, *rx, *tx;

		assert_true(json_object_object_get_ex(d, "stats64", &st));
		assert_true(json_object_object_get_ex(st, "rx", &rx));
		assert_true(json_object_object_get_ex(st, "tx", &tx));
		assert_int_equal(l.st[k].rx_packets, jint(rx, "packets", NULL));
		assert_int_equal(l.st[k].rx_bytes, jint(rx, "bytes", NULL));
		assert_int_equal(l.st[k].rx_dropped, jint(rx, "dropped", NULL));
		assert_int_equal(l.st[k].rx_errors, jint(rx, "errors", NULL));
		assert_int_equal(l.st[k].multicast, jint(rx, "multicast", NULL));
		assert_int_equal(l.st[k].tx_packets, jint(tx, "packets", NULL));
		assert_int_equal(l.st[k].tx_bytes, jint(tx, "bytes", NULL));
		assert_int_equal(l.st[k].tx_dropped, jint(tx, "dropped", NULL));
		assert_int_equal(l.st[k].collisions, jint(tx, "collisions", NULL));
	}
	json_object_put(j);
}

/* The topology record.sh built: veth peer in another namespace, bridge port, vxlan. */
static void test_topology_decoding(void **state)
{
	struct links l;
	const struct link_info *rva, *rv1, *rv1p, *br, *vx;

	(void)state;
	read_links(&l);
	rva = by_name(&l, "rva");
	rv1 = by_name(&l, "rv1");
	rv1p = by_name(&l, "rv1p");
	br = by_name(&l, "rbr0");
	vx = by_name(&l, "rvx0");
	assert_true(rva && rv1 && rv1p && br && vx);
	assert_string_equal(rva->kind, "veth");
	assert_true(rva->link > 0);
	assert_true(rva->link_netnsid >= 0);      /* the peer lives in namespace B */
	assert_int_equal(rv1->link, rv1p->ifindex); /* same-namespace peer */
	assert_int_equal(rv1p->link, rv1->ifindex);
	assert_int_equal(rv1->link_netnsid, -1);
	assert_int_equal(rv1->master, br->ifindex);
	assert_int_equal(rv1->num_tx_queues, 4);
	assert_string_equal(br->kind, "bridge");
	assert_string_equal(vx->kind, "vxlan");
	assert_int_equal(vx->vxlan_id, 42);
	assert_int_equal(vx->vxlan_port, 4789);
	assert_int_equal(vx->vxlan_link, rva->ifindex);
	assert_int_equal(link_layer(rva), LAYER_VDEV);
	assert_int_equal(link_layer(by_name(&l, "lo")), LAYER_VDEV);
}

struct stats_seen {
	const struct links *l;
	size_t n;
};

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stats_seen *s = data;
	struct rtnl_link_stats64 st;
	int ifindex;
	size_t k;

	assert_int_equal(link_parse_stats_msg(nlh, &ifindex, &st), 0);
	for (k = 0; k < s->l->n; k++)
		if (s->l->li[k].ifindex == ifindex)
			break;
	assert_true(k < s->l->n);
	/* recorded right after the link dump in a quiet namespace: same counters */
	assert_memory_equal(&st, &s->l->st[k], sizeof(st));
	s->n++;
	return 0;
}

static void test_getstats_matches_getlink(void **state)
{
	struct links l;
	struct strbuf sb = load(DATA "getstats.bin");
	struct stats_seen s = { &l, 0 };

	(void)state;
	read_links(&l);
	assert_int_equal(nl_parse_buf(sb.buf, sb.len, 0, stats_cb, &s), 1);
	assert_int_equal(s.n, l.n);
	sb_release(&sb);
}

static void test_emit_counters(void **state)
{
	struct snapshot s;
	struct link_info nic = { .name = intern("eth9"), .kind = intern("") };
	struct rtnl_link_stats64 st = { .rx_packets = 11, .rx_missed_errors = 3, .rx_nohandler = 5,
					.tx_dropped = 7 };
	const struct metric *m;

	(void)state;
	snap_init(&s);
	snap_add_ns(&s, 1, "host", NS_HOST, 0);
	link_emit_stats(&s, 0, &nic, &st);
	assert_int_equal(s.nm, 20);
	m = snap_find(&s, 0, LAYER_NIC, "eth9", -1, -1, "rx_packets");
	assert_non_null(m);
	assert_int_equal(m->value, 11);
	assert_int_equal(m->flags & MF_DROP, 0);
	m = snap_find(&s, 0, LAYER_NIC, "eth9", -1, -1, "rx_missed_errors");
	assert_int_equal(m->value, 3);
	assert_true(m->flags & MF_DROP);
	m = snap_find(&s, 0, LAYER_NIC, "eth9", -1, -1, "rx_nohandler");
	assert_int_equal(m->value, 5);
	assert_int_equal(m->flags, MF_DROP | MF_BENIGN);
	m = snap_find(&s, 0, LAYER_NIC, "eth9", -1, -1, "tx_dropped");
	assert_true(m && m->value == 7 && (m->flags & MF_DROP));
	snap_release(&s);
}

/* /proc/net/dev of the same namespace: the "drop" column is a sum, named honestly. */
static void test_proc_net_dev(void **state)
{
	struct strbuf sb = load(DATA "proc/net/dev");
	struct links l;
	struct snapshot s;
	const struct metric *m;

	(void)state;
	read_links(&l);
	snap_init(&s);
	snap_add_ns(&s, 0, "host", NS_RECORDED, 0);
	assert_int_equal(link_parse_proc_net_dev(sb.buf, sb.len, &s, 0), (int)l.n);
	assert_int_equal(s.nlinks, l.n);
	for (size_t k = 0; k < l.n; k++) {
		const char *dev = l.li[k].name;
		enum dp_layer layer = strcmp(dev, "lo") ? LAYER_NIC : LAYER_VDEV;

		m = snap_find(&s, 0, layer, dev, -1, -1, "rx_packets");
		assert_non_null(m);
		assert_int_equal(m->value, l.st[k].rx_packets);
		m = snap_find(&s, 0, layer, dev, -1, -1, "tx_bytes");
		assert_int_equal(m->value, l.st[k].tx_bytes);
		m = snap_find(&s, 0, layer, dev, -1, -1, "rx_dropped_total");
		assert_int_equal(m->value, l.st[k].rx_dropped + l.st[k].rx_missed_errors);
		assert_null(snap_find(&s, 0, layer, dev, -1, -1, "rx_dropped"));
	}
	/* malformed lines are skipped, not fatal */
	const char bad[] = "x\n  e1: 1 2 3\n e2: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 zz\n"
			   "e3:1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16";
	assert_int_equal(link_parse_proc_net_dev(bad, sizeof(bad) - 1, &s, 0), 1);
	assert_int_equal(snap_find(&s, 0, LAYER_NIC, "e3", -1, -1, "tx_carrier_errors_total")->value, 15);
	snap_release(&s);
	sb_release(&sb);
}

/* The collector in recorded mode reads proc_root/net/dev through the engine. */
static void test_recorded_collector(void **state)
{
	struct collect_opts o = { .proc_root = DATA "proc", .sys_root = DATA "sys",
				  .recorded = true, .only_collectors = "link" };
	struct collect_engine *e = collect_engine_new(&o);
	struct snapshot s;
	struct links l;
	const struct metric *m;

	(void)state;
	read_links(&l);
	snap_init(&s);
	assert_int_equal(collect_snapshot(e, &s), 0);
	assert_int_equal(snap_status(&s, "link")->err, 0);
	m = snap_find(&s, 0, LAYER_NIC, "rva", -1, -1, "rx_packets");
	assert_non_null(m);
	assert_int_equal(m->value, by_name(&l, "rva") ? l.st[by_name(&l, "rva") - l.li].rx_packets : 0);
	snap_release(&s);
	collect_engine_free(e);
}

struct qd {
	struct qdisc_rec q[32];
	size_t n;
};

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct qd *q = data;

	assert_true(q->n < 32);
	assert_int_equal(qdisc_parse_msg(nlh, &q->q[q->n]), 0);
	q->n++;
	return 0;
}

static void test_qdisc_matches_tc(void **state)
{
	struct strbuf sb = load(DATA "getqdisc.bin");
	json_object *j = json_object_from_file(DATA "tc-qdisc.json");
	struct qd q = { .n = 0 };
	struct links l;
	char h[16];

	(void)state;
	read_links(&l);
	assert_int_equal(nl_parse_buf(sb.buf, sb.len, 0, qdisc_cb, &q), 1);
	assert_non_null(j);
	assert_int_equal(q.n, json_object_array_length(j));
	for (size_t i = 0; i < q.n; i++) {
		json_object *d = json_object_array_get_idx(j, i), *root;
		const struct qdisc_rec *r = &q.q[i];
		const char *parent = jstr(d, "parent", NULL);

		assert_string_equal(r->kind, jstr(d, "kind", NULL));
		assert_int_equal(r->ifindex, by_name(&l, jstr(d, "dev", NULL))->ifindex);
		assert_string_equal(qdisc_handle_str(r->handle, h, sizeof(h)), jstr(d, "handle", NULL));
		if (json_object_object_get_ex(d, "root", &root))
			assert_int_equal(r->parent, TC_H_ROOT);
		else
			assert_string_equal(qdisc_handle_str(r->parent, h, sizeof(h)), parent);
		assert_int_equal(r->packets, jint(d, "packets", NULL));
		assert_int_equal(r->bytes, jint(d, "bytes", NULL));
		assert_int_equal(r->drops, jint(d, "drops", NULL));
		assert_int_equal(r->overlimits, jint(d, "overlimits", NULL));
		assert_int_equal(r->requeues, jint(d, "requeues", NULL));
		assert_int_equal(r->qlen, jint(d, "qlen", NULL));
	}
	json_object_put(j);
	sb_release(&sb);
}

static void test_qdisc_emit(void **state)
{
	struct strbuf sb = load(DATA "getqdisc.bin");
	struct qd q = { .n = 0 };
	struct links l;
	struct snapshot s;
	const struct metric *m;
	const struct link_info *rva, *rv1, *lo;
	char lab[96], h[16];

	(void)state;
	read_links(&l);
	assert_int_equal(nl_parse_buf(sb.buf, sb.len, 0, qdisc_cb, &q), 1);
	snap_init(&s);
	snap_add_ns(&s, 5, "a", NS_NAMED, 0);
	for (size_t k = 0; k < l.n; k++)
		*snap_add_link(&s) = l.li[k];
	qdisc_emit(&s, 0, q.q, q.n, NULL);
	rva = snap_link_by_index(&s, 0, by_name(&l, "rva")->ifindex);
	rv1 = snap_link_by_index(&s, 0, by_name(&l, "rv1")->ifindex);
	lo = snap_link_by_index(&s, 0, 1);
	assert_string_equal(rva->qdisc, "pfifo");
	assert_string_equal(rv1->qdisc, "mq");
	assert_string_equal(lo->qdisc, "noqueue");
	assert_null(snap_find(&s, 0, LAYER_QDISC, "lo", -1, -1, "packets")); /* noqueue: no rows */
	m = snap_find(&s, 0, LAYER_QDISC, "rva", -1, -1, "packets");
	assert_non_null(m);
	for (size_t i = 0; i < q.n; i++)
		if (q.q[i].ifindex == rva->ifindex) {
			assert_int_equal(m->value, q.q[i].packets);
			snprintf(lab, sizeof(lab), "kind=pfifo,handle=%s,parent=root",
				 qdisc_handle_str(q.q[i].handle, h, sizeof(h)));
		}
	assert_string_equal(m->labels, lab);
	assert_true(snap_find(&s, 0, LAYER_QDISC, "rva", -1, -1, "drops")->flags & MF_DROP);
	assert_int_equal(snap_find(&s, 0, LAYER_QDISC, "rva", -1, -1, "qlen")->kind, MK_GAUGE);
	/* mq root on a 4-queue veth: children at parent :1..:4 are tx queues 0..3 */
	assert_non_null(snap_find(&s, 0, LAYER_QDISC, "rv1", -1, -1, "packets"));
	for (int t = 0; t < 4; t++) {
		m = snap_find(&s, 0, LAYER_QDISC, "rv1", t, -1, "packets");
		assert_non_null(m);
		assert_non_null(strstr(m->labels, "kind=pfifo_fast"));
	}
	assert_null(snap_find(&s, 0, LAYER_QDISC, "rv1", 4, -1, "packets"));
	snap_release(&s);
	sb_release(&sb);
}

static void test_handle_str(void **state)
{
	char b[16];

	(void)state;
	assert_string_equal(qdisc_handle_str(TC_H_ROOT, b, sizeof(b)), "root");
	assert_string_equal(qdisc_handle_str(0, b, sizeof(b)), "0:");
	assert_string_equal(qdisc_handle_str(0x10000, b, sizeof(b)), "1:");
	assert_string_equal(qdisc_handle_str(0x3, b, sizeof(b)), ":3");
	assert_string_equal(qdisc_handle_str(0x1000a, b, sizeof(b)), "1:a");
	assert_string_equal(qdisc_handle_str(0xfffffff1, b, sizeof(b)), "ffff:fff1");
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_link_stats64 st;
	struct link_info li;
	bool have;

	(void)link_parse_msg(nlh, &li, &st, &have);
	(*(int *)data)++;
	return 0;
}

/* Every truncation of a real dump is rejected or read partially, never overrun. */
static void test_truncated_and_errors(void **state)
{
	struct strbuf sb = load(DATA "getlink.bin");
	struct {
		struct nlmsghdr h;
		int32_t err;
	} e = { { sizeof(e), NLMSG_ERROR, 0, 0, 0 }, -EPERM };
	int n;

	(void)state;
	for (size_t len = 0; len < sb.len; len++) {
		char *copy = xmalloc(len ? len : 1);
		int r;

		memcpy(copy, sb.buf, len);
		n = 0;
		r = nl_parse_buf(copy, len, 0, count_cb, &n);
		assert_true(r == 0 || r == -EBADMSG || r == 1);
		free(copy);
	}
	n = 0;
	assert_int_equal(nl_parse_buf(&e, sizeof(e), 0, count_cb, &n), -EPERM);
	e.err = 0;
	assert_int_equal(nl_parse_buf(&e, sizeof(e), 0, count_cb, &n), 1); /* an ACK */
	assert_int_equal(n, 0);
	/* a length above 2^31 (libmnl's mnl_nlmsg_ok took it as negative) is rejected */
	struct nlmsghdr huge[2] = { { 0xfffffff0u, RTM_NEWLINK, 0, 0, 0 } };
	assert_int_equal(nl_parse_buf(huge, sizeof(huge), 0, count_cb, &n), -EBADMSG);
	assert_int_equal(n, 0);
	/* a sequence filter skips other replies */
	n = 0;
	assert_int_equal(nl_parse_buf(sb.buf, sb.len, 12345, count_cb, &n), 0);
	assert_int_equal(n, 0);
	sb_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getlink_matches_iproute2),
		cmocka_unit_test(test_topology_decoding),
		cmocka_unit_test(test_getstats_matches_getlink),
		cmocka_unit_test(test_emit_counters),
		cmocka_unit_test(test_proc_net_dev),
		cmocka_unit_test(test_recorded_collector),
		cmocka_unit_test(test_qdisc_matches_tc),
		cmocka_unit_test(test_qdisc_emit),
		cmocka_unit_test(test_handle_str),
		cmocka_unit_test(test_truncated_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
