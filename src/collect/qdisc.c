/* qdisc.c: the qdisc collector: RTM_GETQDISC dump of a namespace, one row set per qdisc
 * (bytes, packets, drops, requeues, overlimits, qlen, backlog) with its kind, handle and
 * parent as labels, per-queue children of multi-queue roots tagged with their tx queue,
 * and each device's root qdisc kind recorded in its link row. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <linux/pkt_sched.h>
#include <linux/gen_stats.h>
#include <libmnl/libmnl.h>
#include "collect.h"
#include "nl.h"
#include "../model/intern.h"

const char *qdisc_handle_str(uint32_t h, char *buf, size_t n)
{
	if (h == TC_H_ROOT)
		snprintf(buf, n, "root");
	else if (!TC_H_MAJ(h) && TC_H_MIN(h))
		snprintf(buf, n, ":%x", TC_H_MIN(h));
	else if (!TC_H_MIN(h))
		snprintf(buf, n, "%x:", TC_H_MAJ(h) >> 16);
	else
		snprintf(buf, n, "%x:%x", TC_H_MAJ(h) >> 16, TC_H_MIN(h));
	return buf;
}

int qdisc_parse_msg(const struct nlmsghdr *nlh, struct qdisc_rec *q)
{
	const struct nlattr *tb[TCA_MAX + 1];
	struct tcmsg tcm;

	if (nlh->nlmsg_type != RTM_NEWQDISC)
		return -ENOMSG;
	if (nl_attr_table(nlh, sizeof(tcm), tb, TCA_MAX))
		return -EBADMSG;
	memcpy(&tcm, mnl_nlmsg_get_payload(nlh), sizeof(tcm));
	memset(q, 0, sizeof(*q));
	if (!nl_get_str(tb[TCA_KIND], q->kind, sizeof(q->kind)) || tcm.tcm_ifindex <= 0)
		return -EBADMSG;
	q->ifindex = tcm.tcm_ifindex;
	q->handle = tcm.tcm_handle;
	q->parent = tcm.tcm_parent;
	if (tb[TCA_STATS2]) {
		const struct nlattr *st[TCA_STATS_MAX + 1];
		struct gnet_stats_basic b;
		struct gnet_stats_queue qs;
		uint64_t pkt64;

		nl_nested_table(tb[TCA_STATS2], st, TCA_STATS_MAX);
		/* bytes u64 then packets u32: 12 bytes of payload at least */
		if (nl_get_struct(st[TCA_STATS_BASIC], &b, sizeof(b)) >= 12) {
			q->bytes = b.bytes;
			q->packets = b.packets;
			q->have_stats = true;
		}
		if (nl_get_struct(st[TCA_STATS_PKT64], &pkt64, sizeof(pkt64)) == sizeof(pkt64))
			q->packets = pkt64;
		if (nl_get_struct(st[TCA_STATS_QUEUE], &qs, sizeof(qs)) == sizeof(qs)) {
			q->qlen = qs.qlen;
			q->backlog = qs.backlog;
			q->drops = qs.drops;
			q->requeues = qs.requeues;
			q->overlimits = qs.overlimits;
			q->have_stats = true;
		}
	} else if (tb[TCA_STATS]) {
		struct tc_stats ts;

		if (nl_get_struct(tb[TCA_STATS], &ts, sizeof(ts)) >= offsetof(struct tc_stats, bps)) {
			q->bytes = ts.bytes;
			q->packets = ts.packets;
			q->drops = ts.drops;
			q->overlimits = ts.overlimits;
			q->qlen = ts.qlen;
			q->backlog = ts.backlog;
			q->have_stats = true;
		}
	}
	return 0;
}

static bool qdisc_multiqueue(const char *kind)
{
	return !strcmp(kind, "mq") || !strcmp(kind, "mqprio") || !strcmp(kind, "taprio");
}

static const struct qdisc_rec *qdisc_root(const struct qdisc_rec *q, size_t n, int ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (q[i].ifindex == ifindex && q[i].parent == TC_H_ROOT)
			return &q[i];
	return NULL;
}

size_t qdisc_emit(struct snapshot *s, uint32_t ns, const struct qdisc_rec *q, size_t n,
		  qdisc_name_fn resolve)
{
	size_t rows = s->nm;

	for (size_t i = 0; i < n; i++) {
		const struct qdisc_rec *r = &q[i], *root = qdisc_root(q, n, r->ifindex);
		struct link_info *li = (struct link_info *)snap_link_by_index(s, ns, r->ifindex);
		char name[IFNAMSIZ + 8], h[16], p[16], labels[96];
		const char *dev = li ? li->name : NULL;
		int32_t queue = -1;

		if (li && r == root)
			li->qdisc = intern(r->kind);
		if (!strcmp(r->kind, "noqueue") || !r->have_stats)
			continue;
		if (!dev && resolve)
			dev = resolve(r->ifindex, name, sizeof(name));
		if (!dev) {
			snprintf(name, sizeof(name), "if%d", r->ifindex);
			dev = name;
		}
		if (root && root != r && qdisc_multiqueue(root->kind) &&
		    TC_H_MAJ(r->parent) == TC_H_MAJ(root->handle) && TC_H_MIN(r->parent) >= 1 &&
		    TC_H_MIN(r->parent) <= 65536)
			queue = (int32_t)TC_H_MIN(r->parent) - 1;
		snprintf(labels, sizeof(labels), "kind=%s,handle=%s,parent=%s", r->kind,
			 qdisc_handle_str(r->handle, h, sizeof(h)),
			 qdisc_handle_str(r->parent, p, sizeof(p)));
		const char *lab = intern(labels);
		struct {
			const char *name;
			enum metric_kind kind;
			unsigned flags;
			uint64_t v;
		} c[] = {
			{ "bytes", MK_COUNTER, 0, r->bytes },
			{ "packets", MK_COUNTER, 0, r->packets },
			{ "drops", MK_COUNTER32, MF_DROP, r->drops },
			{ "requeues", MK_COUNTER32, 0, r->requeues },
			{ "overlimits", MK_COUNTER32, 0, r->overlimits },
			{ "qlen", MK_GAUGE, 0, r->qlen },
			{ "backlog", MK_GAUGE, 0, r->backlog },
		};
		for (size_t k = 0; k < ARRAY_SIZE(c); k++)
			snap_add_full(s, ns, LAYER_QDISC, c[k].kind, c[k].flags | MF_LABEL_KEY, dev, queue, -1,
				      c[k].name, c[k].v)->labels = lab;
	}
	return s->nm - rows;
}

/* Per-namespace state: the dump socket, a socket subscribed to qdisc and link changes,
 * and the records of the last dump. */
struct qdisc_priv {
	struct nl_sock *sk, *ev;
	struct qdisc_rec *q;
	size_t n, cap;
	bool have;   /* q holds a complete dump */
};

/* Can a dump taken now differ from the records of the last one, as far as rows go? A
 * namespace whose qdiscs are all noqueue (every veth, loopback, most containers) has no
 * qdisc counter at all: qdisc_emit adds no row for noqueue, and a qdisc without stats has
 * none either. Its qdiscs change only through a tc command (RTM_NEWQDISC/DELQDISC, sent
 * to RTNLGRP_TC) or a device appearing, leaving, or going up or down (the kernel attaches
 * or detaches default qdiscs then; RTM_NEWLINK/DELLINK on RTNLGRP_LINK). So while the ev
 * socket has received nothing (an overrun counts as a change), the last records are
 * still exact and the dump (the kernel walking every device of the namespace) is not
 * needed. A namespace with any qdisc that keeps counters is dumped at every snapshot. */
static bool qdisc_static(const struct qdisc_priv *p)
{
	if (!p->have || !p->ev)
		return false;
	for (size_t i = 0; i < p->n; i++)
		if (p->q[i].have_stats && strcmp(p->q[i].kind, "noqueue"))
			return false;
	return true;
}

static void qdisc_release(void *priv)
{
	struct qdisc_priv *p = priv;

	if (!p)
		return;
	nl_close(p->sk);
	nl_close(p->ev);
	free(p->q);
	free(p);
}

static int qdisc_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct qdisc_priv *p = data;
	struct qdisc_rec r;

	if (qdisc_parse_msg(nlh, &r))
		return 0;
	grow_array((void **)&p->q, &p->cap, p->n + 1, sizeof(*p->q));
	p->q[p->n++] = r;
	return 0;
}

static struct cctx *qdisc_cur; /* the namespace qdisc_ifname resolves in */

static const char *qdisc_ifname(int ifindex, char *buf, size_t n)
{
	char tmp[IF_NAMESIZE];

	if (cctx_enter_ns(qdisc_cur)) /* if_indextoname asks the current namespace */
		return NULL;
	if (!if_indextoname((unsigned)ifindex, tmp))
		return NULL;
	snprintf(buf, n, "%s", tmp);
	return buf;
}

static int qdisc_run(struct cctx *c)
{
	struct qdisc_priv *p = *cctx_priv(c);
	struct {
		struct nlmsghdr nlh;
		struct tcmsg tcm;
	} req = { .nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETQDISC },
		  .tcm = { .tcm_family = AF_UNSPEC } };
	int r;

	if (cctx_opts(c)->recorded)
		return cctx_unavailable(c, -EOPNOTSUPP,
					"qdisc counters come from netlink, not from recorded files");
	if (!p) {
		r = cctx_enter_ns(c); /* the sockets belong to the namespace they are made in */
		if (r)
			return r;
		p = xcalloc(1, sizeof(*p));
		/* Subscribe before the first dump, so no change between them is missed. */
		p->ev = nl_open(RTMGRP_TC | RTMGRP_LINK);
		p->sk = nl_open(0);
		if (!p->sk) {
			r = -errno;
			qdisc_release(p);
			return cctx_unavailable(c, r, "cannot open a NETLINK_ROUTE socket: %s",
						strerror(-r));
		}
		*cctx_priv(c) = p;
	}
	/* Drain first, then dump: a change after the drain is seen next time. */
	bool changed = !p->ev || nl_drain(p->ev) != 0;

	if (changed || !qdisc_static(p)) {
		p->n = 0;
		p->have = false;
		r = nl_dump(p->sk, &req.nlh, qdisc_dump_cb, p);
		if (r)
			return cctx_unavailable(c, r, "RTM_GETQDISC dump failed: %s",
						strerror(-r));
		p->have = true;
	}
	qdisc_cur = c;
	qdisc_emit(c->snap, c->ns, p->q, p->n, qdisc_ifname);
	qdisc_cur = NULL;
	return 0;
}

const struct collector collector_qdisc = { "qdisc", SCOPE_NETNS, qdisc_run, qdisc_release };
