/* link.c: the link collector: every device of a namespace from rtnetlink (kind, master,
 * peer, queues, vxlan facts) and its IFLA_STATS64 counters, nic or vdev layer.
 *
 * Cost: a full RTM_GETLINK dump costs about 6.4 ms per 100 namespaces, an RTM_GETSTATS
 * dump of only IFLA_STATS_LINK_64 about 1.2 ms (PLATFORM.md). So each namespace keeps a
 * dump socket and a socket subscribed to RTNLGRP_LINK; the device list is re-dumped only
 * on the first snapshot and after a link notification, and counters come from
 * RTM_GETSTATS every snapshot. Kernels without RTM_GETSTATS (< 4.7) re-dump every time.
 * In recorded mode (--proc-root) /proc/net/dev is parsed instead. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include "collect.h"
#include "nl.h"
#include "../model/intern.h"

#define LINK_KIND_MAX 32

static const struct {
	const char *name;
	size_t off;
	unsigned flags;
} link_counters[] = {
#define C(f, fl) { #f, offsetof(struct rtnl_link_stats64, f), fl }
	C(rx_packets, 0),
	C(tx_packets, 0),
	C(rx_bytes, 0),
	C(tx_bytes, 0),
	C(rx_dropped, MF_DROP),
	C(tx_dropped, MF_DROP),
	C(rx_errors, MF_DROP),
	C(tx_errors, MF_DROP),
	C(rx_missed_errors, MF_DROP),
	C(rx_fifo_errors, MF_DROP),
	C(rx_over_errors, MF_DROP),
	C(rx_crc_errors, MF_DROP),
	C(rx_frame_errors, MF_DROP),
	C(rx_length_errors, MF_DROP),
	C(tx_fifo_errors, MF_DROP),
	C(tx_aborted_errors, MF_DROP),
	C(tx_carrier_errors, MF_DROP),
	C(collisions, 0),
	C(multicast, 0),
	C(rx_nohandler, MF_BENIGN | MF_DROP),
#undef C
};

enum dp_layer link_layer(const struct link_info *li)
{
	if (li->kind && *li->kind)
		return LAYER_VDEV;
	if (li->name && !strcmp(li->name, "lo"))
		return LAYER_VDEV;
	return LAYER_NIC;
}

void link_emit_stats(struct snapshot *s, uint32_t ns, const struct link_info *li,
		     const struct rtnl_link_stats64 *st)
{
	enum dp_layer layer = link_layer(li);
	/* counter names interned once per pool */
	static const char *names[ARRAY_SIZE(link_counters)];
	static unsigned gen;
	const char *dev = li->name; /* interned when the link was parsed */

	if (gen != intern_gen) {
		for (size_t i = 0; i < ARRAY_SIZE(link_counters); i++)
			names[i] = intern(link_counters[i].name);
		gen = intern_gen;
	}
	for (size_t i = 0; i < ARRAY_SIZE(link_counters); i++) {
		uint64_t v;

		memcpy(&v, (const char *)st + link_counters[i].off, sizeof(v));
		snap_add_interned(s, ns, layer, MK_COUNTER, link_counters[i].flags, dev, -1, -1,
				  names[i], v);
	}
}

static void link_parse_vxlan(const struct nlattr *data, struct link_info *li)
{
	const struct nlattr *tb[IFLA_VXLAN_MAX + 1];
	uint32_t v;
	uint16_t port;

	if (nl_nested_table(data, tb, IFLA_VXLAN_MAX))
		return;
	if (nl_get_u32(tb[IFLA_VXLAN_ID], &v))
		li->vxlan_id = v;
	if (nl_get_u32(tb[IFLA_VXLAN_LINK], &v))
		li->vxlan_link = (int)v;
	if (nl_get_u16(tb[IFLA_VXLAN_PORT], &port))
		li->vxlan_port = (uint16_t)((port >> 8) | (port << 8)); /* network order */
}

int link_parse_msg(const struct nlmsghdr *nlh, struct link_info *li,
		   struct rtnl_link_stats64 *st, bool *have_st)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	struct ifinfomsg ifi;
	char name[IFNAMSIZ + 1], kind[LINK_KIND_MAX];
	uint32_t v;
	int32_t sv;
	uint8_t u8;

	*have_st = false;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return -ENOMSG;
	if (nl_attr_table(nlh, sizeof(ifi), tb, IFLA_MAX))
		return -EBADMSG;
	memcpy(&ifi, mnl_nlmsg_get_payload(nlh), sizeof(ifi));
	if (!nl_get_str(tb[IFLA_IFNAME], name, sizeof(name)) || ifi.ifi_index <= 0)
		return -EBADMSG;
	memset(li, 0, sizeof(*li));
	li->ifindex = ifi.ifi_index;
	li->name = intern(name);
	li->kind = intern("");
	li->link_netnsid = -1;
	if (nl_get_u32(tb[IFLA_MTU], &v))
		li->mtu = v;
	if (nl_get_u32(tb[IFLA_TXQLEN], &v))
		li->txqlen = v;
	if (nl_get_u32(tb[IFLA_NUM_RX_QUEUES], &v))
		li->num_rx_queues = v;
	if (nl_get_u32(tb[IFLA_NUM_TX_QUEUES], &v))
		li->num_tx_queues = v;
	if (nl_get_u8(tb[IFLA_OPERSTATE], &u8))
		li->operstate = u8;
	if (nl_get_u32(tb[IFLA_MASTER], &v))
		li->master = (int)v;
	if (nl_get_u32(tb[IFLA_LINK], &v)) /* may equal ifindex: a peer in another netns */
		li->link = (int)v;
	if (nl_get_s32(tb[IFLA_LINK_NETNSID], &sv) && sv >= 0)
		li->link_netnsid = sv;
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *info[IFLA_INFO_MAX + 1];

		if (!nl_nested_table(tb[IFLA_LINKINFO], info, IFLA_INFO_MAX) &&
		    nl_get_str(info[IFLA_INFO_KIND], kind, sizeof(kind))) {
			li->kind = intern(kind);
			if (!strcmp(kind, "vxlan") && info[IFLA_INFO_DATA])
				link_parse_vxlan(info[IFLA_INFO_DATA], li);
		}
	}
	if (tb[IFLA_STATS64]) {
		nl_get_struct(tb[IFLA_STATS64], st, sizeof(*st));
		*have_st = true;
	}
	return 0;
}

int link_parse_stats_msg(const struct nlmsghdr *nlh, int *ifindex,
			 struct rtnl_link_stats64 *st)
{
	const struct nlattr *tb[IFLA_STATS_MAX + 1];
	struct if_stats_msg ifsm;

	if (nlh->nlmsg_type != RTM_NEWSTATS)
		return -ENOMSG;
	if (nl_attr_table(nlh, sizeof(ifsm), tb, IFLA_STATS_MAX))
		return -EBADMSG;
	memcpy(&ifsm, mnl_nlmsg_get_payload(nlh), sizeof(ifsm));
	if (!tb[IFLA_STATS_LINK_64])
		return -ENOENT;
	*ifindex = (int)ifsm.ifindex;
	nl_get_struct(tb[IFLA_STATS_LINK_64], st, sizeof(*st));
	return 0;
}

/* /proc/net/dev columns after "name:", and what each one is. */
static const struct {
	const char *name;
	unsigned flags;
} procdev_cols[16] = {
	{ "rx_bytes", 0 }, { "rx_packets", 0 }, { "rx_errors", MF_DROP },
	{ "rx_dropped_total", MF_DROP }, { "rx_fifo_errors", MF_DROP },
	{ "rx_frame_errors_total", MF_DROP }, { NULL, 0 } /* compressed */,
	{ "multicast", 0 }, { "tx_bytes", 0 }, { "tx_packets", 0 }, { "tx_errors", MF_DROP },
	{ "tx_dropped", MF_DROP }, { "tx_fifo_errors", MF_DROP }, { "collisions", 0 },
	{ "tx_carrier_errors_total", MF_DROP }, { NULL, 0 } /* compressed */,
};

int link_parse_proc_net_dev(const char *buf, size_t len, struct snapshot *s, uint32_t ns)
{
	const char *p = buf, *end = buf + len;
	int ndev = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[512], *colon, *name, *f[17];
		uint64_t v[16];
		int nf, i;

		if (ll < sizeof(line)) {
			memcpy(line, p, ll);
			line[ll] = '\0';
		} else {
			line[0] = '\0';
		}
		p += ll + 1;
		colon = strchr(line, ':');
		if (!colon || strchr(line, '|'))
			continue; /* the two header lines */
		*colon = '\0';
		name = line;
		while (*name == ' ' || *name == '\t')
			name++;
		if (!*name || strlen(name) > IFNAMSIZ || strpbrk(name, " \t"))
			continue;
		nf = split_ws(colon + 1, f, 17);
		if (nf != 16)
			continue;
		for (i = 0; i < 16; i++)
			if (parse_u64(f[i], &v[i]))
				break;
		if (i < 16)
			continue;
		struct link_info *li = snap_add_link(s);

		li->ns = ns;
		li->name = intern(name);
		for (i = 0; i < 16; i++)
			if (procdev_cols[i].name)
				snap_add_full(s, ns, link_layer(li), MK_COUNTER, procdev_cols[i].flags,
					      li->name, -1, -1, procdev_cols[i].name, v[i]);
		ndev++;
	}
	return ndev;
}

/* Per-namespace state kept in *cctx_priv(). */
struct link_priv {
	struct nl_sock *sk, *ev;
	bool dirty, no_getstats;
	bool no_target; /* RTM_GETLINK cannot take IFLA_TARGET_NETNSID (kernel < 4.20) */
	struct link_info *links;
	size_t n, cap;
	size_t cursor;  /* where the next stats message is most likely to match */
	/* beside links[i]: its counters as last read, and their version (snap_run; 0: none
	 * since the last dump): unchanged counters make the same rows, which the delta maps
	 * without reading them */
	struct rtnl_link_stats64 *last;
	uint64_t *ver;
	size_t vcap;
};

static void link_release(void *priv)
{
	struct link_priv *p = priv;

	if (!p)
		return;
	nl_close(p->sk);
	nl_close(p->ev);
	free(p->links);
	free(p->last);
	free(p->ver);
	free(p);
}

struct dump_ctx {
	struct cctx *c;
	struct link_priv *p;
	bool emit; /* emit counters from the dump (no RTM_GETSTATS this time) */
};

/* A 64-bit hash of a device's counters: any counter that moves changes it (but for a
 * 2^-64 chance). The ethtool collector reads a veth's statistics only when it changed. */
static uint64_t link_stats_hash(const struct rtnl_link_stats64 *st)
{
	const unsigned char *b = (const unsigned char *)st;
	uint64_t h = 0x9e3779b97f4a7c15ULL;

	for (size_t off = 0; off + sizeof(uint64_t) <= sizeof(*st); off += sizeof(uint64_t)) {
		uint64_t v;

		memcpy(&v, b + off, sizeof(v));
		h = (h ^ v) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h ? h : 1;
}

static int link_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct link_priv *p = d->p;
	struct rtnl_link_stats64 st;
	struct link_info li;
	bool have_st;

	if (link_parse_msg(nlh, &li, &st, &have_st))
		return 0; /* skip what we cannot read */
	if (have_st)
		li.stats_hash = link_stats_hash(&st);
	grow_array((void **)&p->links, &p->cap, p->n + 1, sizeof(*p->links));
	p->links[p->n++] = li;
	if (d->emit && have_st)
		link_emit_stats(d->c->snap, d->c->ns, &li, &st);
	return 0;
}

static struct link_info *link_cached(struct link_priv *p, int ifindex)
{
	for (size_t k = 0; k < p->n; k++) {
		size_t i = (p->cursor + k) % p->n;

		if (p->links[i].ifindex == ifindex) {
			p->cursor = i + 1;
			return &p->links[i];
		}
	}
	return NULL;
}

/* link_emit_stats, as a run of the device at a version that changes with its counters
 * (compared exactly, not by their hash). */
static void link_emit_versioned(struct snapshot *s, uint32_t ns, struct link_priv *p,
				const struct link_info *li, const struct rtnl_link_stats64 *st)
{
	size_t i = (size_t)(li - p->links), before = s->nm;

	if (p->vcap < p->cap) {
		size_t old = p->vcap;

		p->last = xrealloc(p->last, p->cap * sizeof(*p->last));
		p->ver = xrealloc(p->ver, p->cap * sizeof(*p->ver));
		memset(p->ver + old, 0, (p->cap - old) * sizeof(*p->ver));
		p->vcap = p->cap;
	}
	if (!p->ver[i] || memcmp(&p->last[i], st, sizeof(*st))) {
		p->last[i] = *st;
		p->ver[i] = snap_new_version();
	} else if (snap_reuse(s, &p->ver[i], p->ver[i], ns)) {
		return; /* its rows are where this snapshot's buffer had them */
	}
	link_emit_stats(s, ns, li, st);
	snap_add_run(s, &p->ver[i], p->ver[i], before);
}

static int link_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct rtnl_link_stats64 st;
	struct link_info *li;
	int ifindex;

	if (link_parse_stats_msg(nlh, &ifindex, &st))
		return 0;
	li = link_cached(d->p, ifindex);
	if (!li) {
		d->p->dirty = true; /* a device we have not seen: re-dump next time */
		return 0;
	}
	li->stats_hash = link_stats_hash(&st);
	link_emit_versioned(d->c->snap, d->c->ns, d->p, li, &st);
	return 0;
}

static int link_name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_link_stats64 st;
	struct link_info li;
	bool have_st;

	if (!link_parse_msg(nlh, &li, &st, &have_st))
		*(const char **)data = li.name;
	return 0;
}

/* The names of the devices that links of this namespace name in other namespaces (veth
 * peers, macvlan parents): the kernel reports only their ifindex and a netnsid local to
 * this namespace, which no other namespace can interpret, so ask it here, once per
 * re-dump (RTM_GETLINK with IFLA_TARGET_NETNSID, Linux 4.20). Without it the name stays
 * NULL and the peer is matched by its ifindex alone (model/linkpeer.h). */
static void link_peer_names(struct link_priv *p)
{
	uint32_t buf[64]; /* header, ifinfomsg and two u32 attributes */

	for (size_t i = 0; i < p->n && !p->no_target; i++) {
		struct link_info *li = &p->links[i];
		struct nlmsghdr *nlh;
		struct ifinfomsg *ifi;
		const char *name = NULL;
		int r;

		if (!li->link || li->link_netnsid < 0)
			continue;
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETLINK;
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = li->link;
		mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, (uint32_t)li->link_netnsid);
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
		r = nl_request(p->sk, nlh, link_name_cb, &name);
		if (r == -EINVAL || r == -EOPNOTSUPP)
			p->no_target = true; /* kernel before 4.20: do not ask again */
		li->link_name = r ? NULL : name;
	}
}

static int link_dump(struct cctx *c, struct link_priv *p, bool emit)
{
	struct {
		struct nlmsghdr nlh;
		struct ifinfomsg ifi;
	} req = { .nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK },
		  .ifi = { .ifi_family = AF_UNSPEC } };
	struct dump_ctx d = { c, p, emit };
	size_t before = c->snap->nm;
	int r;

	p->n = 0;
	p->cursor = 0;
	if (p->ver) /* links[i] may be another device now */
		memset(p->ver, 0, p->vcap * sizeof(*p->ver));
	r = nl_dump(p->sk, &req.nlh, link_dump_cb, &d);
	if (r) {
		snap_truncate(c->snap, before); /* no half-read namespace */
		p->n = 0;
		return r;
	}
	p->dirty = false;
	link_peer_names(p);
	return 0;
}

static int link_getstats(struct cctx *c, struct link_priv *p)
{
	struct {
		struct nlmsghdr nlh;
		struct if_stats_msg ifsm;
	} req = { .nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETSTATS },
		  .ifsm = { .family = AF_UNSPEC,
			    .filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64) } };
	struct dump_ctx d = { c, p, false };

	return nl_dump(p->sk, &req.nlh, link_stats_cb, &d);
}

static int link_run_recorded(struct cctx *c)
{
	const char *buf;
	size_t len;
	int r = cctx_read_proc(c, "net/dev", &buf, &len);

	if (r)
		return cctx_unavailable(c, r, "cannot read %s/net/dev: %s", cctx_opts(c)->proc_root,
					strerror(-r));
	link_parse_proc_net_dev(buf, len, c->snap, c->ns);
	return 0;
}

static int link_run(struct cctx *c)
{
	struct link_priv *p = *cctx_priv(c);
	bool relinked;
	int r;

	if (cctx_opts(c)->recorded)
		return link_run_recorded(c);
	if (!p) {
		r = cctx_enter_ns(c); /* the sockets belong to the namespace they are made in */
		if (r)
			return r;
		p = xcalloc(1, sizeof(*p));
		/* Subscribe before the first dump, so no change between them is missed. */
		p->ev = nl_open(RTMGRP_LINK);
		p->sk = nl_open(0);
		if (!p->sk) {
			r = -errno;
			link_release(p);
			return cctx_unavailable(c, r, "cannot open a NETLINK_ROUTE socket: %s",
						strerror(-r));
		}
		p->dirty = true;
		*cctx_priv(c) = p;
	}
	/* Without a notification socket we cannot know about changes: re-dump every time. */
	if (!p->ev || nl_drain(p->ev) != 0)
		p->dirty = true;
	relinked = p->dirty || p->no_getstats;
	if (relinked) {
		r = link_dump(c, p, true);
		if (r)
			return cctx_unavailable(c, r, "RTM_GETLINK dump failed: %s", strerror(-r));
	} else {
		r = link_getstats(c, p);
		if (r == -EOPNOTSUPP || r == -EINVAL) {
			/* kernel before 4.7: counters come with the full dump */
			p->no_getstats = true;
			r = link_dump(c, p, true);
		}
		if (r)
			return cctx_unavailable(c, r, "RTM_GETSTATS dump failed: %s", strerror(-r));
	}
	for (size_t i = 0; i < p->n; i++) {
		struct link_info *li = snap_add_link(c->snap);

		*li = p->links[i];
		li->ns = c->ns;
		li->relinked = relinked;
	}
	return 0;
}

const struct collector collector_link = { "link", SCOPE_NETNS, link_run, link_release };
