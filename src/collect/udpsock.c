/* udpsock.c: the socket layer: per UDP socket drops, queues and buffer sizes, attributed
 * to the owning process (REFERENCE row 21, "ten things" #4). sock_diag first (it also
 * gives the buffer sizes), /proc/net/udp{,6} as the fallback. Skipped when sockstat says
 * the namespace has no UDP socket: the tables cost reads even when empty. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "collect.h"
#include "netproc.h"
#include "nlbuf.h"
#include "procmap.h"
#include "udpsock.h"
#include "../model/intern.h"

void udp_socks_release(struct udp_socks *u)
{
	free(u->s);
	memset(u, 0, sizeof(*u));
}

static struct udp_sock *add_sock(struct udp_socks *u)
{
	grow_array((void **)&u->s, &u->cap, u->n + 1, sizeof(*u->s));
	memset(&u->s[u->n], 0, sizeof(u->s[0]));
	return &u->s[u->n++];
}

static void fmt_ep(char *buf, size_t n, int family, const void *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN + 1];

	if (!inet_ntop(family, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (family == AF_INET6)
		snprintf(buf, n, "[%s]:%u", a, port);
	else
		snprintf(buf, n, "%s:%u", a, port);
}

static void name_sock(struct udp_sock *s, int family, const void *src, uint16_t sport,
		      const void *dst, uint16_t dport)
{
	char l[60], r[60];

	fmt_ep(l, sizeof(l), family, src, sport);
	if (dport) {
		fmt_ep(r, sizeof(r), family, dst, dport);
		snprintf(s->obj, sizeof(s->obj), "%s %s->%s", family == AF_INET6 ? "udp6" : "udp", l, r);
	} else {
		snprintf(s->obj, sizeof(s->obj), "%s %s", family == AF_INET6 ? "udp6" : "udp", l);
	}
}

struct diag_ctx {
	struct udp_socks *out;
};

static int diag_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, INET_DIAG_MAX) < 0)
		return MNL_CB_OK; /* skip unknown attributes */
	tb[type] = a;
	return MNL_CB_OK;
}

static int diag_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct diag_ctx *c = data;
	const struct inet_diag_msg *m;
	const struct nlattr *tb[INET_DIAG_MAX + 1] = { 0 };
	struct udp_sock *s;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*m)))
		return MNL_CB_OK;
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*m), diag_attr_cb, tb);
	s = add_sock(c->out);
	name_sock(s, m->idiag_family, m->id.idiag_src, ntohs(m->id.idiag_sport), m->id.idiag_dst,
		  ntohs(m->id.idiag_dport));
	s->inode = m->idiag_inode;
	s->rx_queue = m->idiag_rqueue;
	s->tx_queue = m->idiag_wqueue;
	if (tb[INET_DIAG_SKMEMINFO] &&
	    mnl_attr_get_payload_len(tb[INET_DIAG_SKMEMINFO]) >= (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t)) {
		const uint32_t *mi = mnl_attr_get_payload(tb[INET_DIAG_SKMEMINFO]);

		s->rmem_alloc = mi[SK_MEMINFO_RMEM_ALLOC];
		s->rcvbuf = mi[SK_MEMINFO_RCVBUF];
		s->drops = mi[SK_MEMINFO_DROPS];
		s->have_mem = true;
	}
	return MNL_CB_OK;
}

int udpsock_parse_diag(const void *buf, size_t len, struct udp_socks *out)
{
	struct diag_ctx c = { .out = out };
	size_t ok = nlbuf_valid_len(buf, len);
	int r;

	if (!ok)
		return -EINVAL;
	r = mnl_cb_run(buf, ok, 0, 0, diag_msg_cb, &c);

	if (r == MNL_CB_STOP)
		return 1;
	if (r == MNL_CB_ERROR)
		return errno ? -errno : -EINVAL;
	return 0;
}

/* "0100007F:1770" → address in network order and port. */
static bool proc_ep(const char *t, bool v6, void *addr, uint16_t *port)
{
	const char *colon = strchr(t, ':');
	size_t alen = v6 ? 32 : 8;
	char part[9], *end;

	if (!colon || (size_t)(colon - t) != alen)
		return false;
	for (size_t w = 0; w < alen / 8; w++) {
		uint32_t v;

		memcpy(part, t + w * 8, 8);
		part[8] = '\0';
		v = (uint32_t)strtoul(part, &end, 16);
		if (*end)
			return false;
		memcpy((char *)addr + w * 4, &v, 4); /* the kernel prints the raw words */
	}
	unsigned long p = strtoul(colon + 1, &end, 16);

	if (*end || p > 65535 || end == colon + 1)
		return false;
	*port = (uint16_t)p;
	return true;
}

int udpsock_parse_proc(const char *buf, size_t len, bool v6, struct udp_socks *out)
{
	const char *p = buf, *end = buf + len;
	int added = 0;
	bool header = true;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[512], *f[16], *colon, *e2;
		unsigned char src[16], dst[16];
		uint16_t sport, dport;
		int nf;

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if (header) { /* the first line names the columns */
			header = false;
			if (strstr(line, "local_address"))
				continue;
		}
		nf = split_ws(line, f, 16);
		if (nf < 13 || !proc_ep(f[1], v6, src, &sport) || !proc_ep(f[2], v6, dst, &dport))
			continue;
		colon = strchr(f[4], ':');
		if (!colon)
			continue;
		*colon = '\0';
		struct udp_sock *s = add_sock(out);

		name_sock(s, v6 ? AF_INET6 : AF_INET, src, sport, dst, dport);
		s->tx_queue = (uint32_t)strtoul(f[4], NULL, 16);
		s->rx_queue = (uint32_t)strtoul(colon + 1, NULL, 16);
		s->inode = strtoull(f[9], &e2, 10);
		s->drops = (uint32_t)strtoul(f[12], NULL, 10);
		added++;
	}
	return added;
}

struct us_priv {
	struct mnl_socket *nl;
	bool nl_failed;
	struct procmap *pm;
	struct udp_socks socks;
};

static void us_release(void *p)
{
	struct us_priv *u = p;

	if (u->nl)
		mnl_socket_close(u->nl);
	procmap_free(u->pm);
	udp_socks_release(&u->socks);
	free(u);
}

static int dump_family(struct us_priv *u, int family)
{
	static char buf[65536];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	unsigned seq = (unsigned)time(NULL) ^ (unsigned)family, portid = mnl_socket_get_portid(u->nl);
	ssize_t n;
	int r = 0;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = IPPROTO_UDP;
	req->idiag_states = ~0u;
	req->idiag_ext = 1 << (INET_DIAG_SKMEMINFO - 1);
	if (mnl_socket_sendto(u->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while ((n = mnl_socket_recvfrom(u->nl, buf, sizeof(buf))) > 0) {
		struct diag_ctx c = { .out = &u->socks };

		r = mnl_cb_run(buf, (size_t)n, seq, portid, diag_msg_cb, &c);
		if (r <= MNL_CB_STOP)
			break;
	}
	if (n < 0)
		return -errno;
	return r == MNL_CB_ERROR ? (errno ? -errno : -EIO) : 0;
}

static int us_run(struct cctx *c)
{
	struct us_priv **pp = (struct us_priv **)cctx_priv(c), *u;
	const char *buf;
	size_t len;
	uint64_t inuse = 0;
	bool recorded = cctx_opts(c)->recorded, need_owner = false;
	char name[8];

	if (!*pp) {
		*pp = xcalloc(1, sizeof(**pp));
		(*pp)->pm = procmap_new(cctx_opts(c)->proc_root);
	}
	u = *pp;
	u->socks.n = 0;
	/* sockstat's UDP inuse counts this namespace's sockets: none, nothing to read */
	if (!recorded && !cctx_read_proc(c, "net/sockstat", &buf, &len)) {
		sockstat_parse(buf, len, false, NULL, 0, &inuse);
		if (!cctx_read_proc(c, "net/sockstat6", &buf, &len))
			sockstat_parse(buf, len, true, NULL, 0, &inuse);
		if (!inuse)
			return 0;
	}
	if (!recorded && !u->nl && !u->nl_failed) {
		u->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
		if (!u->nl || mnl_socket_bind(u->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
			if (u->nl)
				mnl_socket_close(u->nl);
			u->nl = NULL;
			u->nl_failed = true;
		}
	}
	if (u->nl && (dump_family(u, AF_INET) || dump_family(u, AF_INET6))) {
		u->socks.n = 0; /* sock_diag refused (no udp_diag): fall back to /proc */
		mnl_socket_close(u->nl);
		u->nl = NULL;
		u->nl_failed = true;
	}
	if (!u->nl) {
		if (cctx_read_proc(c, "net/udp", &buf, &len) == 0)
			udpsock_parse_proc(buf, len, false, &u->socks);
		if (cctx_read_proc(c, "net/udp6", &buf, &len) == 0)
			udpsock_parse_proc(buf, len, true, &u->socks);
	}
	/* attribute owners when it matters: a socket that drops or queues, or few sockets */
	for (size_t i = 0; i < u->socks.n; i++)
		need_owner |= u->socks.s[i].drops || u->socks.s[i].rx_queue;
	need_owner |= u->socks.n < 64;
	for (size_t i = 0; i < u->socks.n; i++) {
		const struct udp_sock *s = &u->socks.s[i];
		char labels[160], comm[32];
		int pid, owners;
		struct metric *m;
		const char *lab;

		if (need_owner && !recorded &&
		    !procmap_lookup(u->pm, s->inode, &pid, comm, sizeof(comm), &owners)) {
			snprintf(labels, sizeof(labels), "inode=%llu,pid=%d,comm=%s%s",
				 (unsigned long long)s->inode, pid, comm, owners > 1 ? ",shared=yes" : "");
		} else {
			snprintf(labels, sizeof(labels), "inode=%llu", (unsigned long long)s->inode);
		}
		lab = intern(labels);
		m = snap_add_full(c->snap, c->ns, LAYER_SOCKET, MK_COUNTER, MF_DROP | MF_ZERO_BASE,
				  s->obj, -1, -1, "drops", s->drops);
		m->labels = lab;
		m = snap_add(c->snap, c->ns, LAYER_SOCKET, MK_GAUGE, s->obj, "rx_queue", s->rx_queue);
		m->labels = lab;
		m = snap_add(c->snap, c->ns, LAYER_SOCKET, MK_GAUGE, s->obj, "tx_queue", s->tx_queue);
		m->labels = lab;
		if (s->have_mem) {
			m = snap_add(c->snap, c->ns, LAYER_SOCKET, MK_GAUGE, s->obj, "rcvbuf", s->rcvbuf);
			m->labels = lab;
			m = snap_add(c->snap, c->ns, LAYER_SOCKET, MK_GAUGE, s->obj, "rmem_alloc",
				     s->rmem_alloc);
			m->labels = lab;
		}
	}
	(void)name;
	return 0;
}

const struct collector collector_udpsock = { "udpsock", SCOPE_NETNS, us_run, us_release };
