/* udpsock.c: the udpsock collector (layer socket): every UDP socket of a namespace with
 * its drops, queues and receive buffer, attributed to the process that holds it. Reads
 * sock_diag (NETLINK_SOCK_DIAG with INET_DIAG_SKMEMINFO) through libmnl, and falls back
 * to /proc/net/udp{,6}; only the files when reading recorded data. Skips namespaces whose
 * sockstat says no UDP socket is in use (the tables cost a hash walk even when empty). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "collect.h"
#include "netproc.h"
#include "procmap.h"
#include "../model/intern.h"

#define UDP_ATTR_ALWAYS 64 /* below this many sockets, attribute all of them */
#define UDP_STATE_ESTABLISHED 1

void udp_vec_release(struct udp_vec *uv)
{
	free(uv->v);
	uv->v = NULL;
	uv->n = uv->cap = 0;
}

static struct udp_sock *udp_vec_add(struct udp_vec *uv)
{
	struct udp_sock *s;

	grow_array((void **)&uv->v, &uv->cap, uv->n + 1, sizeof(*uv->v));
	s = &uv->v[uv->n++];
	memset(s, 0, sizeof(*s));
	return s;
}

/* ---- /proc/net/udp{,6} ---- */


static int hex_n(const char *s, size_t n, uint32_t *v)
{
	uint32_t x = 0;

	if (!n || n > 8)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		uint32_t d;

		if (ch >= '0' && ch <= '9')
			d = (uint32_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (uint32_t)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			d = (uint32_t)(ch - 'A' + 10);
		else
			return -EINVAL;
		x = x << 4 | d;
	}
	*v = x;
	return 0;
}

static int dec_n(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (!n || n > 19)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

/* "0100007F:1388" (IPv4) or 32 hex digits ":PORT" (IPv6). The kernel prints each 32-bit
 * word of the address as a native-endian integer, so copying the words back in native
 * order restores network byte order (files are read on the host that wrote them). */
static int parse_endpoint(const char *t, size_t tl, int family, uint8_t *addr, uint16_t *port)
{
	size_t alen = family == AF_INET ? 8 : 32;
	uint32_t w, p;

	if (tl != alen + 5 || t[alen] != ':')
		return -EINVAL;
	for (size_t i = 0; i < alen / 8; i++) {
		if (hex_n(t + i * 8, 8, &w))
			return -EINVAL;
		memcpy(addr + i * 4, &w, 4);
	}
	if (hex_n(t + alen + 1, 4, &p))
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

int udp_parse_proc(const char *buf, size_t len, int family, struct udp_vec *out)
{
	const char *p = buf, *end = buf + len;
	bool header = false;
	int added = 0;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *q = p, *tok[13];
		size_t tl[13];
		int nt = 0;

		while (nt < 13 && (tok[nt] = buf_tok(&q, le, &tl[nt])))
			nt++;
		p = le + 1;
		if (!header) {
			if (nt >= 2 && tl[1] == 13 && !memcmp(tok[1], "local_address", 13))
				header = true;
			else if (nt)
				return -EINVAL;
			continue;
		}
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer [drops] */
		if (nt < 12 || !tl[0] || tok[0][tl[0] - 1] != ':')
			continue;
		struct udp_sock s = { .family = (uint8_t)family };
		uint32_t st, txq, rxq;
		uint64_t ino, drops = 0;

		if (parse_endpoint(tok[1], tl[1], family, s.laddr, &s.lport) ||
		    parse_endpoint(tok[2], tl[2], family, s.raddr, &s.rport) ||
		    hex_n(tok[3], tl[3], &st) || st > 255 ||
		    tl[4] != 17 || tok[4][8] != ':' || hex_n(tok[4], 8, &txq) ||
		    hex_n(tok[4] + 9, 8, &rxq) || dec_n(tok[9], tl[9], &ino) ||
		    (nt > 12 && dec_n(tok[12], tl[12], &drops)))
			continue;
		s.state = (uint8_t)st;
		s.tx_queue = txq;
		s.rx_queue = rxq;
		s.inode = ino;
		s.drops = (uint32_t)drops;
		*udp_vec_add(out) = s;
		added++;
	}
	return header ? added : -EINVAL;
}

/* ---- sock_diag ---- */

static void diag_one(const uint8_t *pl, size_t plen, struct udp_vec *out)
{
	struct inet_diag_msg dm;
	struct udp_sock *s;
	size_t off;

	if (plen < sizeof(dm))
		return;
	memcpy(&dm, pl, sizeof(dm));
	if (dm.idiag_family != AF_INET && dm.idiag_family != AF_INET6)
		return;
	s = udp_vec_add(out);
	s->family = dm.idiag_family;
	s->state = dm.idiag_state;
	s->lport = ntohs(dm.id.idiag_sport);
	s->rport = ntohs(dm.id.idiag_dport);
	memcpy(s->laddr, dm.id.idiag_src, dm.idiag_family == AF_INET ? 4 : 16);
	memcpy(s->raddr, dm.id.idiag_dst, dm.idiag_family == AF_INET ? 4 : 16);
	s->inode = dm.idiag_inode;
	s->rx_queue = dm.idiag_rqueue;
	s->tx_queue = dm.idiag_wqueue;
	for (off = NLMSG_ALIGN(sizeof(dm)); off + sizeof(struct nlattr) <= plen;) {
		struct nlattr a;
		size_t alen;

		memcpy(&a, pl + off, sizeof(a));
		if (a.nla_len < sizeof(a) || a.nla_len > plen - off)
			break;
		alen = a.nla_len - sizeof(a);
		if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_SKMEMINFO) {
			uint32_t mi[SK_MEMINFO_VARS] = { 0 };
			size_t nvals = alen / sizeof(uint32_t);

			if (nvals > SK_MEMINFO_VARS)
				nvals = SK_MEMINFO_VARS;
			memcpy(mi, pl + off + sizeof(a), nvals * sizeof(uint32_t));
			if (nvals > SK_MEMINFO_RCVBUF) {
				s->have_mem = true;
				s->rmem_alloc = mi[SK_MEMINFO_RMEM_ALLOC];
				s->rcvbuf = mi[SK_MEMINFO_RCVBUF];
			}
			if (nvals > SK_MEMINFO_DROPS) /* since 4.7; before, drops stay 0 */
				s->drops = mi[SK_MEMINFO_DROPS];
		}
		off += NLA_ALIGN(a.nla_len);
	}
}

int udp_parse_diag(const void *buf, size_t len, struct udp_vec *out)
{
	const uint8_t *p = buf;
	size_t rem = len;

	while (rem >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		size_t adv;

		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > rem)
			return -EBADMSG;
		if (h.nlmsg_type == NLMSG_DONE)
			return 1;
		if (h.nlmsg_type == NLMSG_ERROR) {
			int32_t err;

			if (h.nlmsg_len < sizeof(h) + sizeof(err))
				return -EBADMSG;
			memcpy(&err, p + sizeof(h), sizeof(err));
			if (err < 0)
				return err < -4095 ? -EIO : err;
		} else if (h.nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			diag_one(p + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN, out);
		}
		adv = NLMSG_ALIGN(h.nlmsg_len);
		if (adv > rem)
			adv = rem;
		p += adv;
		rem -= adv;
	}
	return 0;
}

void udp_sock_obj(const struct udp_sock *s, char *buf, size_t n)
{
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];
	int af = s->family == AF_INET ? AF_INET : AF_INET6;

	if (!inet_ntop(af, s->laddr, la, sizeof(la)))
		snprintf(la, sizeof(la), "?");
	if (af == AF_INET)
		snprintf(buf, n, "udp %s:%u", la, s->lport);
	else
		snprintf(buf, n, "udp6 [%s]:%u", la, s->lport);
	if (s->rport || s->state == UDP_STATE_ESTABLISHED) {
		size_t l = strlen(buf);

		if (!inet_ntop(af, s->raddr, ra, sizeof(ra)))
			snprintf(ra, sizeof(ra), "?");
		if (af == AF_INET)
			snprintf(buf + l, n - l, "->%s:%u", ra, s->rport);
		else
			snprintf(buf + l, n - l, "->[%s]:%u", ra, s->rport);
	}
}

/* ---- the collector ---- */

struct udp_priv {
	struct mnl_socket *nl;
	bool nl_failed;       /* sock_diag unusable here: use the /proc tables */
	unsigned seq;
	char *rbuf;
	struct udp_vec socks;
};

#define UDP_RBUF 65536

static void udp_release(void *p)
{
	struct udp_priv *u = p;

	if (u->nl)
		mnl_socket_close(u->nl);
	free(u->rbuf);
	udp_vec_release(&u->socks);
	free(u);
}

/* Dump one family through sock_diag into u->socks. 0 or -errno. */
static int udp_diag_dump(struct udp_priv *u, int family)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	int r;

	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.nlh.nlmsg_seq = ++u->seq;
	msg.req.sdiag_family = (uint8_t)family;
	msg.req.sdiag_protocol = IPPROTO_UDP;
	msg.req.idiag_states = ~0u;
	msg.req.idiag_ext = 1 << (INET_DIAG_SKMEMINFO - 1);
	if (mnl_socket_sendto(u->nl, &msg, sizeof(msg)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(u->nl, u->rbuf, UDP_RBUF);

		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		r = udp_parse_diag(u->rbuf, (size_t)n, &u->socks);
		if (r < 0)
			return r;
		if (r == 1)
			return 0;
	}
}

static int udp_read_diag(struct udp_priv *u)
{
	int r;

	if (!u->nl) {
		u->nl = mnl_socket_open(NETLINK_SOCK_DIAG);
		if (!u->nl || mnl_socket_bind(u->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
			if (u->nl)
				mnl_socket_close(u->nl);
			u->nl = NULL;
			return -errno;
		}
		u->rbuf = xmalloc(UDP_RBUF);
	}
	r = udp_diag_dump(u, AF_INET);
	if (!r) {
		r = udp_diag_dump(u, AF_INET6);
		if (r == -ENOENT || r == -EAFNOSUPPORT) /* IPv6 disabled */
			r = 0;
	}
	if (r) { /* the socket may hold half a dump: start over next time */
		mnl_socket_close(u->nl);
		u->nl = NULL;
	}
	return r;
}

static int udp_read_proc(struct cctx *c, struct udp_priv *u)
{
	const char *buf;
	size_t len;
	int r;

	r = cctx_read_proc(c, "net/udp", &buf, &len);
	if (r)
		return r;
	r = udp_parse_proc(buf, len, AF_INET, &u->socks);
	if (r < 0)
		return r;
	if (!cctx_read_proc(c, "net/udp6", &buf, &len))
		(void)udp_parse_proc(buf, len, AF_INET6, &u->socks);
	return 0;
}

/* UDP sockets in use per sockstat: from the rows the sockstat collector just added for
 * this namespace (it runs right before us), else from the file. -ENOENT if unknown. */
static int udp_inuse(struct cctx *c, uint64_t *inuse)
{
	const char *n4 = intern("udp_inuse"), *n6 = intern("udp6_inuse");
	bool seen = false, got4 = false, got6 = false;
	uint64_t sum = 0;

	/* sockstat ran just before us: its rows are the last ones, so the walk back stops
	 * once it has both (the namespace's other 500 rows were 0.5 % of a snapshot) */
	for (size_t i = c->snap->nm; i-- > 0 && !(got4 && got6);) {
		const struct metric *m = &c->snap->m[i];

		if (m->ns != c->ns)
			break;
		if (m->layer == LAYER_UDP && (m->name == n4 || m->name == n6)) {
			sum += m->value;
			seen = true;
			got4 |= m->name == n4;
			got6 |= m->name == n6;
		}
	}
	if (!seen) {
		struct sockstat_val v[48];
		const char *buf;
		size_t len;
		uint64_t x;
		int n = 0;

		if (!cctx_read_proc(c, "net/sockstat", &buf, &len))
			n = sockstat_parse(buf, len, v, 32);
		if (!cctx_read_proc(c, "net/sockstat6", &buf, &len))
			n += sockstat_parse(buf, len, v + n, (int)ARRAY_SIZE(v) - n);
		if (!sockstat_get(v, n, "UDP", "inuse", &x)) {
			sum += x;
			seen = true;
		}
		if (!sockstat_get(v, n, "UDP6", "inuse", &x)) {
			sum += x;
			seen = true;
		}
	}
	*inuse = sum;
	return seen ? 0 : -ENOENT;
}

static int cmp_sock(const void *a, const void *b)
{
	const struct udp_sock *x = a, *y = b;
	int r;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if ((r = memcmp(x->laddr, y->laddr, 16)))
		return r;
	if (x->lport != y->lport)
		return x->lport < y->lport ? -1 : 1;
	if ((r = memcmp(x->raddr, y->raddr, 16)))
		return r;
	if (x->rport != y->rport)
		return x->rport < y->rport ? -1 : 1;
	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static bool same_endpoints(const struct udp_sock *x, const struct udp_sock *y)
{
	return x->family == y->family && x->lport == y->lport && x->rport == y->rport &&
	       !memcmp(x->laddr, y->laddr, 16) && !memcmp(x->raddr, y->raddr, 16);
}

static void udp_emit(struct cctx *c, struct udp_priv *u)
{
	bool attribute_all = u->socks.n < UDP_ATTR_ALWAYS && !cctx_opts(c)->recorded;
	const char *proc_root = cctx_opts(c)->proc_root;

	qsort(u->socks.v, u->socks.n, sizeof(*u->socks.v), cmp_sock);
	for (size_t i = 0; i < u->socks.n; i++) {
		const struct udp_sock *s = &u->socks.v[i];
		char obj[160], labels[160];
		struct procmap_owner ow;
		const char *lab;
		uint32_t ns = c->ns;
		struct snapshot *sn = c->snap;

		udp_sock_obj(s, obj, sizeof(obj));
		/* SO_REUSEPORT groups share endpoints: keep their keys apart by inode */
		if ((i > 0 && same_endpoints(s, s - 1)) ||
		    (i + 1 < u->socks.n && same_endpoints(s, s + 1))) {
			size_t l = strlen(obj);

			snprintf(obj + l, sizeof(obj) - l, " #%llu", (unsigned long long)s->inode);
		}
		if (!s->inode) {
			snprintf(labels, sizeof(labels), "inode=0,owner=kernel");
		} else if (!cctx_opts(c)->recorded && (attribute_all || s->drops || s->rx_queue) &&
			   !procmap_lookup(proc_root, s->inode, sn->t_mono, &ow)) {
			if (ow.npids > 1)
				snprintf(labels, sizeof(labels), "inode=%llu,pid=%d+%d,comm=%s",
					 (unsigned long long)s->inode, ow.pid, ow.npids - 1, ow.comm);
			else
				snprintf(labels, sizeof(labels), "inode=%llu,pid=%d,comm=%s",
					 (unsigned long long)s->inode, ow.pid, ow.comm);
		} else {
			snprintf(labels, sizeof(labels), "inode=%llu", (unsigned long long)s->inode);
		}
		lab = intern(labels);
		snap_add_full(sn, ns, LAYER_SOCKET, MK_COUNTER32, MF_DROP, obj, -1, -1, "drops",
			      s->drops)->labels = lab;
		snap_add_full(sn, ns, LAYER_SOCKET, MK_GAUGE, 0, obj, -1, -1, "rx_queue",
			      s->rx_queue)->labels = lab;
		snap_add_full(sn, ns, LAYER_SOCKET, MK_GAUGE, 0, obj, -1, -1, "tx_queue",
			      s->tx_queue)->labels = lab;
		if (s->have_mem) {
			snap_add_full(sn, ns, LAYER_SOCKET, MK_GAUGE, 0, obj, -1, -1, "rcvbuf",
				      s->rcvbuf)->labels = lab;
			snap_add_full(sn, ns, LAYER_SOCKET, MK_GAUGE, 0, obj, -1, -1, "rmem_alloc",
				      s->rmem_alloc)->labels = lab;
		}
	}
}

static int udpsock_run(struct cctx *c)
{
	struct udp_priv **pp = (struct udp_priv **)cctx_priv(c), *u;
	uint64_t inuse;
	int r = -EOPNOTSUPP;

	if (!udp_inuse(c, &inuse) && !inuse)
		return 0;
	if (!*pp)
		*pp = xcalloc(1, sizeof(**pp));
	u = *pp;
	u->socks.n = 0;
	if (!cctx_opts(c)->recorded && !u->nl_failed) {
		if (!u->nl) { /* the sock_diag socket lists the sockets of its namespace */
			int e = cctx_enter_ns(c);

			if (e)
				return e;
		}
		r = udp_read_diag(u);
		if (r == -EPROTONOSUPPORT || r == -ENOENT || r == -EPERM || r == -EACCES ||
		    r == -EINVAL)
			u->nl_failed = true; /* no sock_diag for UDP (module, kernel): /proc */
	}
	if (r) {
		u->socks.n = 0;
		r = udp_read_proc(c, u);
		if (r)
			return cctx_unavailable(c, r, "cannot read the UDP socket table "
						"(%s/net/udp): %s", cctx_opts(c)->proc_root,
						strerror(-r));
	}
	udp_emit(c, u);
	return 0;
}

const struct collector collector_udpsock = { "udpsock", SCOPE_NETNS, udpsock_run,
					     udp_release };
