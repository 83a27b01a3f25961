/* walk.c: `dptune path`'s walk: follows one packet hop by hop as the kernel decides it,
 * asking rtnetlink in each namespace (route lookup with the flow's 5-tuple and ingress
 * device, fwmark; IPv4 or IPv6), neighbour, bridge FDB, links), ctnetlink for the
 * flow's conntrack entry, OVSDB and ovs-vswitchd for Open vSwitch bridges, and nft for
 * NAT rules. Namespaces are entered only through core/netns.c: one
 * netlink socket is opened inside each namespace the walk reaches and kept for the walk.
 * Where a bridge has no FDB entry (or a neighbour is not resolved yet) the walk explores
 * every port as the kernel floods, keeping the branch that reaches the destination. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include "path.h"
#include "pathnl.h"
#include "nat.h"
#include "ct.h"
#include "../collect/nl.h"
#include "../collect/ovsdb.h"
#include "../collect/ovs_parse.h"
#include "../core/netns.h"
#include "../core/util.h"
#include "rss.h"

#define VISIT_MAX 512
#define VXLAN_OVERHEAD 50
/* RFC 2863 operstates (linux/if.h, which clashes with net/if.h) */
#define OPER_NOTPRESENT 1
#define OPER_DOWN 2
#define OPER_LOWERLAYERDOWN 3

struct nsent {
	uint64_t inode;
	int fd;
	char name[64];
	char path[320];
	struct nl_sock *nl;
	struct pn_link *links;
	size_t nlinks;
	bool links_loaded;
	struct pn_rule *rules;
	size_t nrules;
	bool rules_loaded;
	char *nft;            /* nft -j list ruleset, or NULL */
	int nft_state;        /* 0 not read, 1 read, -1 none */
	int ip_forward;       /* -1 not read */
	struct { int32_t nsid; uint64_t inode; } *ids; /* nsid -> namespace, learnt */
	size_t nids;
};

struct ovsinst {
	char db[320], ctl[320];
	uint64_t ns_inode;     /* namespace vswitchd runs in */
	struct ovs_db db_rows;
	bool loaded;
};

struct pkt {
	int family;            /* 0 or AF_INET: src/dst; AF_INET6: src6/dst6 */
	struct in6_addr src6, dst6, l2target6;
	struct in_addr src, dst, l2target;
	uint8_t proto;
	uint16_t sport, dport;
	uint32_t size;
	uint8_t dmac[6];
	bool has_dmac;
	int encap;
	uint32_t vni;
	const struct pkt *inner;
	uint32_t mark;         /* --mark: skb->mark, scrubbed when the packet leaves */
	uint64_t mark_ino;     /* the namespace it was set in */
	/* the conntrack entry of the packet as it entered namespace ct_ino (l3_in), so
	 * that postrouting SNAT there reads the same entry as prerouting DNAT did */
	uint64_t ct_ino;
	int ct_state;          /* 0 not asked, 1 entry found, -1 none, -2 cannot ask */
	struct ct_entry ct;
	int ct_dir;            /* CT_ORIG or CT_REPLY: the way the packet matched the entry */
	int ct_matches;        /* entries matching (a dump with a port "any") */
};

struct walker {
	const struct path_opts *o;
	struct path_result *r;
	struct nsent *ns;
	size_t nns, cap;
	bool all_loaded;
	struct ovsinst *ovs;
	size_t novs;
	bool ovs_scanned;
	struct { uint64_t ino; int ifindex; char dir; } visit[VISIT_MAX];
	int nvisit;
	int flooding;
	char *err;
	size_t errn;
};

static int walk_err(struct walker *w, int rc, const char *fmt, ...) PRINTF_LIKE(3, 4);
static int walk_err(struct walker *w, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, w->errn, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *ip4(struct in_addr a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* ---- namespaces ---- */

static struct nsent *ns_add(struct walker *w, int fd, uint64_t inode, const char *name,
			    const char *path)
{
	struct nsent *e;

	for (size_t i = 0; i < w->nns; i++)
		if (w->ns[i].inode == inode) {
			if (fd >= 0 && w->ns[i].fd < 0)
				w->ns[i].fd = fd;
			else if (fd >= 0)
				close(fd);
			return &w->ns[i];
		}
	grow_array((void **)&w->ns, &w->cap, w->nns + 1, sizeof(*w->ns));
	e = &w->ns[w->nns++];
	memset(e, 0, sizeof(*e));
	e->inode = inode;
	e->fd = fd;
	e->ip_forward = -1;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->path, sizeof(e->path), "%s", path ? path : "");
	return e;
}

static int ns_fd(struct nsent *e)
{
	if (e->fd >= 0)
		return e->fd;
	if (!e->path[0])
		return -ENOENT;
	e->fd = netns_open_path(e->path);
	return e->fd;
}

/* The netlink socket of a namespace, opened inside it. */
static struct nl_sock *ns_nl(struct nsent *e)
{
	int saved = -1, fd = ns_fd(e);

	if (e->nl)
		return e->nl;
	if (fd < 0 || netns_switch(fd, &saved))
		return NULL;
	e->nl = nl_open(0);
	if (netns_restore(&saved))
		return NULL;
	return e->nl;
}

/* Starts an rtnetlink request of type (RTM_GET*) in buf, zeroed: its family header,
 * hlen bytes, is zero but for its first byte, the family (rtm_family, ndm_family,
 * ifi_family, rtgen_family and fib_rule_hdr's family all stand first). */
static struct nlmsghdr *req_start(char *buf, size_t n, uint16_t type, size_t hlen,
				  uint8_t family)
{
	struct nlmsghdr *nlh;
	uint8_t *hdr;

	memset(buf, 0, n);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	hdr = mnl_nlmsg_put_extra_header(nlh, hlen);
	hdr[0] = family;
	return nlh;
}

/* Dumps type (RTM_GET*) of family in e's namespace, every message to cb (the family
 * header, hlen bytes, zero but for the family). 0 or -errno. */
static int ns_dump(struct nsent *e, uint16_t type, size_t hlen, uint8_t family, nl_msg_cb cb,
		   void *data)
{
	char buf[256];
	struct nl_sock *s = ns_nl(e);

	if (!s)
		return errno ? -errno : -EIO;
	return nl_dump(s, req_start(buf, sizeof(buf), type, hlen, family), cb, data);
}

/* Every namespace of the host known by inode, name and path (opened when needed). */
static void ns_discover(struct walker *w)
{
	struct netns_found *f = NULL;
	int n;

	if (w->all_loaded)
		return;
	w->all_loaded = true;
	n = netns_discover(NULL, w->o->run_root, &f);
	for (int i = 0; i < n; i++) {
		bool have = false;

		for (size_t k = 0; k < w->nns; k++)
			if (w->ns[k].inode == f[i].inode) {
				have = true;
				if (!strcmp(w->ns[k].name, "?"))
					snprintf(w->ns[k].name, sizeof(w->ns[k].name), "%.63s", f[i].name);
			}
		if (!have)
			ns_add(w, -1, f[i].inode, f[i].name, f[i].path);
	}
	if (n > 0)
		netns_found_free(f, n);
}

/* A dump into one of e's arrays (links, rules) that grows by cap. */
struct dump_ctx {
	struct nsent *e;
	size_t cap;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct pn_link l;

	if (pn_link_parse(nlh, &l))
		return 0;
	grow_array((void **)&c->e->links, &c->cap, c->e->nlinks + 1, sizeof(l));
	c->e->links[c->e->nlinks++] = l;
	return 0;
}

static int ns_links(struct nsent *e)
{
	struct dump_ctx c = { e, 0 };
	int rc;

	if (e->links_loaded)
		return 0;
	rc = ns_dump(e, RTM_GETLINK, sizeof(struct ifinfomsg), AF_UNSPEC, link_cb, &c);
	if (rc)
		return rc;
	e->links_loaded = true;
	return 0;
}

static struct pn_link *link_by_index(struct nsent *e, int ifindex)
{
	if (ns_links(e))
		return NULL;
	for (size_t i = 0; i < e->nlinks; i++)
		if (e->links[i].ifindex == ifindex)
			return &e->links[i];
	return NULL;
}

static struct pn_link *link_by_name(struct nsent *e, const char *name)
{
	if (ns_links(e))
		return NULL;
	for (size_t i = 0; i < e->nlinks; i++)
		if (!strcmp(e->links[i].name, name))
			return &e->links[i];
	return NULL;
}

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NETNSA_MAX + 1];
	int32_t *id = data;

	if (nlh->nlmsg_type != RTM_NEWNSID || nl_attr_table(nlh, sizeof(struct rtgenmsg), tb,
							     NETNSA_MAX))
		return 0;
	nl_get_s32(tb[NETNSA_NSID], id);
	return 0;
}

/* The nsid namespace other has in e (-1: none assigned). */
static int32_t nsid_of(struct nsent *e, struct nsent *other)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct nl_sock *s = ns_nl(e);
	int32_t id = -1;
	int fd = ns_fd(other);

	if (!s || fd < 0)
		return -1;
	nlh = req_start(buf, sizeof(buf), RTM_GETNSID, sizeof(struct rtgenmsg), AF_UNSPEC);
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)fd);
	if (nl_request(s, nlh, nsid_cb, &id))
		return -1;
	return id;
}

/* The namespace that link-netnsid id of namespace e stands for, or NULL. */
static struct nsent *ns_by_nsid(struct walker *w, struct nsent *e, int32_t id)
{
	uint64_t ino = e->inode;

	if (id < 0)
		return e;
	for (size_t i = 0; i < e->nids; i++)
		if (e->ids[i].nsid == id)
			goto found;
	ns_discover(w);
	for (size_t i = 0; i < w->nns; i++) {
		struct nsent *o = &w->ns[i];
		int32_t got;

		if (o == e)
			continue;
		got = nsid_of(e, o);
		e = &w->ns[(size_t)(e - w->ns)];
		if (got < 0)
			continue;
		e->ids = realloc(e->ids, (e->nids + 1) * sizeof(*e->ids));
		if (!e->ids)
			return NULL;
		e->ids[e->nids].nsid = got;
		e->ids[e->nids++].inode = o->inode;
		if (got == id) {
			ino = o->inode;
			goto byino;
		}
	}
	return NULL;
found:
	for (size_t i = 0; i < e->nids; i++)
		if (e->ids[i].nsid == id)
			ino = e->ids[i].inode;
byino:
	for (size_t i = 0; i < w->nns; i++)
		if (w->ns[i].inode == ino)
			return &w->ns[i];
	return NULL;
}

static int sysctl_read(struct nsent *e, const char *path, int *v)
{
	char buf[32];
	int saved = -1, rc, fd = ns_fd(e);

	if (fd < 0 || netns_switch(fd, &saved))
		return -EIO;
	rc = read_small(path, buf, sizeof(buf));
	if (netns_restore(&saved))
		return -EIO;
	if (rc)
		return rc;
	return parse_int(buf, v);
}

static int ns_rp_filter(struct nsent *e, const char *dev)
{
	char p[128];
	int all = 0, d = 0;

	if (sysctl_read(e, "/proc/sys/net/ipv4/conf/all/rp_filter", &all))
		all = 0;
	snprintf(p, sizeof(p), "/proc/sys/net/ipv4/conf/%s/rp_filter", dev);
	if (sysctl_read(e, p, &d))
		d = 0;
	return all > d ? all : d;
}

/* ---- kernel requests in one namespace ---- */

struct route_ctx {
	struct pn_route r;
	bool got;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_ctx *c = data;

	if (!pn_route_parse(nlh, &c->r))
		c->got = true;
	return 0;
}

/* RTM_GETROUTE for p arriving on iif (0: sent from this namespace; oif forces the
 * egress device). flags: RTM_F_LOOKUP_TABLE, RTM_F_FIB_MATCH. 0 or -errno. */
static int route_get(struct nsent *e, const struct pkt *p, int iif, int oif, unsigned flags,
		     struct pn_route *out)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct route_ctx c = { 0 };
	struct nl_sock *s = ns_nl(e);
	int rc;

	if (!s)
		return -EIO;
	nlh = req_start(buf, sizeof(buf), RTM_GETROUTE, sizeof(*rtm),
			p->family == AF_INET6 ? AF_INET6 : AF_INET);
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_flags = flags;
	if (p->family == AF_INET6) {
		rtm->rtm_dst_len = 128;
		mnl_attr_put(nlh, RTA_DST, 16, &p->dst6);
		if (!IN6_IS_ADDR_UNSPECIFIED(&p->src6)) {
			rtm->rtm_src_len = 128;
			mnl_attr_put(nlh, RTA_SRC, 16, &p->src6);
		}
	} else {
		rtm->rtm_dst_len = 32;
		mnl_attr_put(nlh, RTA_DST, 4, &p->dst);
		if (p->src.s_addr) {
			rtm->rtm_src_len = 32;
			mnl_attr_put(nlh, RTA_SRC, 4, &p->src);
		}
	}
	if (iif)
		mnl_attr_put_u32(nlh, RTA_IIF, (uint32_t)iif);
	if (p->mark && p->mark_ino == e->inode)
		mnl_attr_put_u32(nlh, RTA_MARK, p->mark);
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	if (p->proto) {
		mnl_attr_put_u8(nlh, RTA_IP_PROTO, p->proto);
		if (p->sport)
			mnl_attr_put_u16(nlh, RTA_SPORT, htons(p->sport));
		if (p->dport)
			mnl_attr_put_u16(nlh, RTA_DPORT, htons(p->dport));
	}
	rc = nl_request(s, nlh, route_cb, &c);
	if (rc)
		return rc;
	if (!c.got)
		return -EPROTO;
	*out = c.r;
	return 0;
}

struct special_ctx {
	struct in_addr dst;
	struct pn_route best;
	bool got;
};

static int special_cb(const struct nlmsghdr *nlh, void *data)
{
	struct special_ctx *c = data;
	struct pn_route r;

	if (pn_route_parse(nlh, &r) || r.family != AF_INET || r.table == RT_TABLE_LOCAL)
		return 0;
	if (!pn_in_prefix(c->dst, r.dst, r.dst_len))
		return 0;
	if (!c->got || r.dst_len > c->best.dst_len) {
		c->best = r;
		c->got = true;
	}
	return 0;
}

/* The longest route covering dst in any table but local (for a failed lookup's prefix). */
static bool route_covering(struct nsent *e, struct in_addr dst, struct pn_route *out)
{
	struct special_ctx c = { .dst = dst };

	if (ns_dump(e, RTM_GETROUTE, sizeof(struct rtmsg), AF_INET, special_cb, &c) || !c.got)
		return false;
	*out = c.best;
	return true;
}

struct neigh_ctx {
	struct pn_neigh n;
	bool got;
};

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_ctx *c = data;

	if (!pn_neigh_parse(nlh, &c->n))
		c->got = true;
	return 0;
}

/* The neighbour entry of addr (an in_addr or in6_addr, by family) on ifindex: 0, -ENOENT
 * or -errno. */
static int neigh_get(struct nsent *e, int ifindex, int family, const void *addr,
		     struct pn_neigh *out)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	struct neigh_ctx c = { 0 };
	struct nl_sock *s = ns_nl(e);
	int rc;

	if (!s)
		return -EIO;
	nlh = req_start(buf, sizeof(buf), RTM_GETNEIGH, sizeof(*ndm), (uint8_t)family);
	ndm = mnl_nlmsg_get_payload(nlh);
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_DST, family == AF_INET6 ? 16 : 4, addr);
	rc = nl_request(s, nlh, neigh_cb, &c);
	if (rc)
		return rc;
	if (!c.got)
		return -ENOENT;
	*out = c.n;
	return 0;
}

struct fdb_ctx {
	int master, dev;      /* entries of this bridge, or of this device (NTF_SELF) */
	const uint8_t *mac;   /* NULL: the all-zero default entry */
	struct pn_neigh hit;
	bool got;
};

static int fdb_cb(const struct nlmsghdr *nlh, void *data)
{
	static const uint8_t zero[6];
	struct fdb_ctx *c = data;
	struct pn_neigh n;

	if (pn_neigh_parse(nlh, &n) || n.family != AF_BRIDGE || !n.has_mac)
		return 0;
	if (c->master && n.master != c->master && n.ifindex != c->master)
		return 0;
	if (c->dev && n.ifindex != c->dev)
		return 0;
	if (memcmp(n.mac, c->mac ? c->mac : zero, 6))
		return 0;
	if (!c->got || (n.vlan == 0 && c->hit.vlan))
		c->hit = n;
	c->got = true;
	return 0;
}

static bool fdb_find(struct nsent *e, int master, int dev, const uint8_t *mac,
		     struct pn_neigh *out)
{
	struct fdb_ctx c = { .master = master, .dev = dev, .mac = mac };

	if (ns_dump(e, RTM_GETNEIGH, sizeof(struct ndmsg), AF_BRIDGE, fdb_cb, &c) || !c.got)
		return false;
	*out = c.hit;
	return true;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct pn_rule r;

	if (pn_rule_parse(nlh, &r))
		return 0;
	grow_array((void **)&c->e->rules, &c->cap, c->e->nrules + 1, sizeof(r));
	c->e->rules[c->e->nrules++] = r;
	return 0;
}

/* The first policy rule that selects p and looks up table: "pref 32766 from all lookup
 * main", or "" when none is found. */
static void rule_text(struct nsent *e, const struct pkt *p, const char *iif, const char *oif,
		      uint32_t table, char *out, size_t n)
{
	char tb[16];

	*out = '\0';
	if (!e->rules_loaded) {
		struct dump_ctx c = { e, 0 };

		e->rules_loaded = true;
		if (ns_dump(e, RTM_GETRULE, sizeof(struct fib_rule_hdr), AF_INET, rule_cb, &c))
			return;
	}
	for (size_t i = 0; i < e->nrules; i++) {
		const struct pn_rule *r = &e->rules[i];
		char a[INET_ADDRSTRLEN];

		if (r->action != FR_ACT_TO_TBL || r->table != table)
			continue;
		char mk[40] = "";

		if (!pn_rule_matches_mark(r, p->src, p->dst, p->proto, p->sport, p->dport, iif,
					  oif, p->mark_ino == e->inode ? p->mark : 0))
			continue;
		if (r->has_fwmark && r->fwmask != 0xffffffffu)
			snprintf(mk, sizeof(mk), " fwmark 0x%x/0x%x", r->fwmark, r->fwmask);
		else if (r->has_fwmark)
			snprintf(mk, sizeof(mk), " fwmark 0x%x", r->fwmark);
		snprintf(out, n, "rule %u: from %s%s%s%s%s%s lookup %s", r->priority,
			 r->src_len ? ip4(r->src, a) : "all", r->iif[0] ? " iif " : "", r->iif,
			 r->oif[0] ? " oif " : "", r->oif, mk,
			 pn_table_name(r->table, tb, sizeof(tb)));
		return;
	}
}

/* nf_tables has a table in this namespace (a cheap netlink question before running nft). */
static bool nft_has_tables(struct nsent *e)
{
	char buf[16384];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	int saved = -1, fd = ns_fd(e), n, found = 0;
	uint32_t seq = 1;

	if (fd < 0 || netns_switch(fd, &saved))
		return false;
	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (netns_restore(&saved) || !nl) {
		if (nl)
			mnl_socket_close(nl);
		return false;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	while ((n = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int left = n, done = 0;

		while (mnl_nlmsg_ok(m, left)) {
			if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR)
				done = 1;
			else
				found++;
			m = mnl_nlmsg_next(m, &left);
		}
		if (done)
			break;
	}
out:
	mnl_socket_close(nl);
	return found > 0;
}

/* `nft -j list ruleset` run inside the namespace (bounded to 3 s). */
static char *nft_ruleset(struct nsent *e)
{
	int pfd[2], fd = ns_fd(e), st;
	struct strbuf sb;
	pid_t pid;
	double t0 = now_mono();

	if (fd < 0 || pipe2(pfd, O_CLOEXEC))
		return NULL;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return NULL;
	}
	if (pid == 0) {
		int dn = open("/dev/null", O_WRONLY);

		if (netns_enter(fd))
			_exit(127);
		dup2(pfd[1], 1);
		if (dn >= 0)
			dup2(dn, 2);
		execlp("nft", "nft", "-j", "list", "ruleset", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	sb_init(&sb);
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		char buf[8192];
		ssize_t n;
		int left = (int)((3.0 - (now_mono() - t0)) * 1000);

		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		n = read(pfd[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		sb_add(&sb, buf, (size_t)n);
	}
	close(pfd[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	if (!sb.len) {
		sb_release(&sb);
		return NULL;
	}
	return sb.buf;
}

static const char *ns_nft(struct nsent *e)
{
	if (!e->nft_state) {
		e->nft_state = -1;
		if (nft_has_tables(e) && (e->nft = nft_ruleset(e)))
			e->nft_state = 1;
	}
	return e->nft_state > 0 ? e->nft : NULL;
}

/* ---- conntrack (ctnetlink) ---- */

struct ct_ctx {
	struct ct_tuple q;
	struct ct_entry first;
	int dir;
	int n;
};

static int ct_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ct_ctx *c = data;
	struct ct_entry en;

	int dir;

	if (ct_parse(nlh, &en) || !(dir = ct_match(&en, &c->q)))
		return 0;
	if (!c->n++) {
		c->first = en;
		c->dir = dir;
	}
	return 0;
}

/* The conntrack entry of tuple q in namespace e: 1 found (*out, *nmatch entries), 0 none,
 * -errno when ctnetlink cannot be asked (no nf_conntrack, no permission). Replies are
 * bounded: a dump stops after 64 MiB or 2 s. */
static int ct_lookup(struct nsent *e, const struct ct_tuple *q, struct ct_entry *out,
		     int *dir, int *nmatch)
{
	static char buf[65536];
	char req[CT_REQ_MAX];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ct_ctx c = { .q = *q };
	int saved = -1, fd = ns_fd(e), rc = 0;
	uint32_t seq = (uint32_t)time(NULL);
	size_t total = 0;
	double t0 = now_mono();
	bool dump;

	if (fd < 0 || netns_switch(fd, &saved))
		return -EIO;
	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (netns_restore(&saved) || !nl) {
		if (nl)
			mnl_socket_close(nl);
		return -EIO;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		goto out;
	}
	{
		struct timeval tv = { 2, 0 };

		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	nlh = ct_build_get(req, q, seq, &dump);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n <= 0) {
			rc = n < 0 ? -errno : -EPROTO;
			break;
		}
		total += (size_t)n;
		rc = nl_parse_buf(buf, (size_t)n, seq, ct_cb, &c);
		if (rc)
			break;
		if (total > (64u << 20) || now_mono() - t0 > 2.0) {
			rc = 1; /* what was read so far */
			break;
		}
	}
	if (rc == -ENOENT || rc > 0)
		rc = 0;
out:
	mnl_socket_close(nl);
	if (rc)
		return rc;
	*nmatch = c.n;
	if (c.n) {
		*out = c.first;
		*dir = c.dir;
	}
	return c.n > 0;
}

/* Ask once per namespace entry: fills p's conntrack view for namespace e. */
static void ct_view(struct nsent *e, struct pkt *p)
{
	struct ct_tuple q = { p->src, p->dst, p->proto, p->sport, p->dport };
	int rc;

	if (p->ct_ino == e->inode && p->ct_state)
		return;
	p->ct_ino = e->inode;
	p->ct_matches = 0;
	rc = ct_lookup(e, &q, &p->ct, &p->ct_dir, &p->ct_matches);
	p->ct_state = rc > 0 ? 1 : rc == 0 ? -1 : -2;
}

/* ---- Open vSwitch ---- */

static void ovs_scan(struct walker *w)
{
	DIR *d;
	struct dirent *de;

	if (w->ovs_scanned)
		return;
	w->ovs_scanned = true;
	d = opendir("/proc");
	if (!d)
		return;
	while ((de = readdir(d))) {
		char p[300], comm[32], db[320], ctl[320], dir[320], lk[64];
		struct strbuf sb;
		int pid;
		ssize_t ln;
		uint64_t ino = 0;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' || parse_int(de->d_name, &pid))
			continue;
		snprintf(p, sizeof(p), "/proc/%d/comm", pid);
		if (read_small(p, comm, sizeof(comm)) || strcmp(comm, "ovs-vswitchd"))
			continue;
		snprintf(p, sizeof(p), "/proc/%d/cmdline", pid);
		sb_init(&sb);
		if (!read_file_sb(p, &sb, 65536))
			ovs_parse_cmdline(sb.buf, sb.len, 1, db, sizeof(db), ctl, sizeof(ctl));
		else
			db[0] = ctl[0] = '\0';
		sb_release(&sb);
		snprintf(p, sizeof(p), "/proc/%d/ns/net", pid);
		ln = readlink(p, lk, sizeof(lk) - 1);
		if (ln > 0) {
			lk[ln] = '\0';
			sscanf(lk, "net:[%lu]", (unsigned long *)&ino);
		}
		if (!db[0])
			snprintf(db, sizeof(db), "/run/openvswitch/db.sock");
		if (!ctl[0]) {
			snprintf(dir, sizeof(dir), "%s", db);
			char *slash = strrchr(dir, '/');

			if (slash)
				*slash = '\0';
			snprintf(ctl, sizeof(ctl), "%.200s/ovs-vswitchd.%d.ctl", dir, pid);
		}
		w->ovs = realloc(w->ovs, (w->novs + 1) * sizeof(*w->ovs));
		if (!w->ovs)
			break;
		memset(&w->ovs[w->novs], 0, sizeof(*w->ovs));
		snprintf(w->ovs[w->novs].db, sizeof(w->ovs[0].db), "%s", db);
		snprintf(w->ovs[w->novs].ctl, sizeof(w->ovs[0].ctl), "%s", ctl);
		w->ovs[w->novs++].ns_inode = ino;
	}
	closedir(d);
}

/* The OVSDB interface named dev of the vswitchd running in namespace ino, or NULL. */
static const struct ovs_iface *ovs_iface(struct walker *w, uint64_t ino, const char *dev,
					 struct ovsinst **inst)
{
	ovs_scan(w);
	for (size_t i = 0; i < w->novs; i++) {
		struct ovsinst *o = &w->ovs[i];

		if (o->ns_inode != ino)
			continue;
		if (!o->loaded) {
			struct jsonrpc *c = NULL;

			o->loaded = true;
			if (ovsdb_read_ifaces(&c, o->db, &o->db_rows))
				memset(&o->db_rows, 0, sizeof(o->db_rows));
			if (c)
				jsonrpc_close(c);
		}
		for (size_t k = 0; k < o->db_rows.n; k++)
			if (o->db_rows.ifaces[k].name && !strcmp(o->db_rows.ifaces[k].name, dev)) {
				*inst = o;
				return &o->db_rows.ifaces[k];
			}
	}
	return NULL;
}

/* The ofport OVS learnt mac on (fdb/show), or -1. */
static int64_t ovs_fdb_port(struct ovsinst *o, const char *bridge, const uint8_t *mac)
{
	struct jsonrpc *c = NULL;
	json_object *res = NULL;
	const char *text;
	size_t len;
	char m[20];
	int64_t port = -1;

	if (ovsdb_unixctl_text(&c, o->ctl, "fdb/show", bridge, &res, &text, &len)) {
		if (c)
			jsonrpc_close(c);
		return -1;
	}
	pn_mac_str(mac, m, sizeof(m));
	for (const char *l = text; l && *l;) {
		const char *e = memchr(l, '\n', len - (size_t)(l - text));
		char line[160], mc[32];
		long long p;
		int vlan;

		snprintf(line, sizeof(line), "%.*s", (int)(e ? e - l : (long)strlen(l)), l);
		if (sscanf(line, " %lld %d %31s", &p, &vlan, mc) == 3 && !strcasecmp(mc, m))
			port = p;
		l = e ? e + 1 : NULL;
	}
	json_object_put(res);
	if (c)
		jsonrpc_close(c);
	return port;
}

/* ---- the walk ---- */

static int l2_tx(struct walker *w, struct nsent *e, struct pn_link *l, const struct pkt *p,
		 const char *decided, const char *kind, bool from_bridge);
static int l2_rx(struct walker *w, struct nsent *e, struct pn_link *l, const struct pkt *p,
		 const char *kind);
static int l3_route(struct walker *w, struct nsent *e, struct pkt *p, struct pn_link *in,
		    struct path_hop *rxhop, int oif);
static int l3_route6(struct walker *w, struct nsent *e, struct pkt *p, struct pn_link *in,
		     struct path_hop *rxhop, int oif);

/* Mark (ns, dev, dir) as passed: 0, 1 when it was passed already (a dead branch while
 * flooding), -ELOOP when a decided hop comes back (a loop). */
static int visit(struct walker *w, struct nsent *e, const struct pn_link *l, char dir)
{
	for (int i = 0; i < w->nvisit; i++)
		if (w->visit[i].ino == e->inode && w->visit[i].ifindex == l->ifindex &&
		    w->visit[i].dir == dir) {
			if (w->flooding)
				return 1;
			return walk_err(w, -ELOOP, "loop in the topology: the packet comes back to "
					"%s in %s (%s); hops so far: %d", l->name, e->name,
					dir == 't' ? "leaving" : "arriving", w->r->n);
		}
	if (w->nvisit >= VISIT_MAX || w->r->n >= PATH_HOPS_MAX)
		return walk_err(w, -ELOOP, "more than %d hops: a loop in the topology? last at "
				"%s in %s", PATH_HOPS_MAX, l->name, e->name);
	w->visit[w->nvisit].ino = e->inode;
	w->visit[w->nvisit].ifindex = l->ifindex;
	w->visit[w->nvisit++].dir = dir;
	return 0;
}

static struct path_hop *hop_add(struct walker *w, struct nsent *e, const struct pn_link *l,
				const char *kind, const char *dir, const struct pkt *p)
{
	struct path_hop *h = path_add_hop(w->r, e->name, e->inode, l ? l->name : "-",
					  l ? l->ifindex : 0, kind, dir);

	if (h) {
		h->mtu = l ? l->mtu : 0;
		h->size = p->size;
		h->encap = p->encap;
		h->src = p->src;
		h->dst = p->dst;
		h->sport = p->sport;
		h->dport = p->dport;
	}
	return h;
}

static const char *link_kind(const struct pn_link *l)
{
	if (l->flags & IFF_LOOPBACK)
		return "lo";
	if (!strcmp(l->kind, "tun"))
		return "tap";
	if (!l->kind[0])
		return "nic";
	return l->kind;
}

static bool link_down(const struct pn_link *l)
{
	/* IFF_LOWER_UP is the carrier now; operstate follows it later (linkwatch) */
	(void)OPER_DOWN;
	return !(l->flags & IFF_UP) || !(l->flags & IFF_LOWER_UP) ||
	       l->operstate == OPER_NOTPRESENT;
}

static int stop_at(struct path_hop *h, enum path_stop s, const char *fmt, ...) PRINTF_LIKE(3, 4);
static int stop_at(struct path_hop *h, enum path_stop s, const char *fmt, ...)
{
	va_list ap;

	h->stop = s;
	va_start(ap, fmt);
	vsnprintf(h->why, sizeof(h->why), fmt, ap);
	va_end(ap);
	return 1;
}

/* Would this namespace take the frame up to IP on l? A known destination MAC must be l's
 * (or broadcast); an unknown one is resolved by ARP, which only a namespace owning the
 * address answers (arp_ignore 0). */
static bool l3_accepts(struct nsent *e, const struct pn_link *l, const struct pkt *p)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct pkt q = *p;
	struct pn_route rt;

	if (p->has_dmac)
		return (l->has_mac && !memcmp(l->mac, p->dmac, 6)) || !memcmp(p->dmac, bcast, 6);
	q.dst = p->l2target.s_addr ? p->l2target : p->dst;
	q.dst6 = !IN6_IS_ADDR_UNSPECIFIED(&p->l2target6) ? p->l2target6 : p->dst6;
	memset(&q.src6, 0, sizeof(q.src6));
	q.src.s_addr = 0;
	q.proto = 0;
	return !route_get(e, &q, 0, 0, RTM_F_LOOKUP_TABLE, &rt) && rt.type == RTN_LOCAL;
}

static void note_add(char *note, size_t n, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void note_add(char *note, size_t n, const char *fmt, ...)
{
	size_t l = strlen(note);
	va_list ap;

	if (l + 3 >= n)
		return;
	if (l) {
		memcpy(note + l, "; ", 3);
		l += 2;
	}
	va_start(ap, fmt);
	vsnprintf(note + l, n - l, fmt, ap);
	va_end(ap);
}

/* The hop a locally delivered packet stops at: rxhop, where it arrived, else one on the
 * loopback device it is sent through (the route's oif, else ifindex 1). NULL when no hop
 * is left. */
static struct path_hop *local_hop(struct walker *w, struct nsent *e, struct path_hop *rxhop,
				  int oif, const struct pkt *p)
{
	if (rxhop)
		return rxhop;
	return hop_add(w, e, link_by_index(e, oif ? oif : 1), "lo", "tx", p);
}

/* A tx hop on out decided by dec (a route's text), for the walk to stop at; NULL when no
 * hop is left. */
static struct path_hop *out_hop(struct walker *w, struct nsent *e, const struct pn_link *out,
				const struct pkt *p, const char *dec)
{
	struct path_hop *h = hop_add(w, e, out, link_kind(out), "tx", p);

	if (h)
		snprintf(h->decided, sizeof(h->decided), "%s", dec);
	return h;
}

/* The neighbour step of a route out of out to the next hop nh (an in_addr, or an in6_addr
 * when p is IPv6), as ARP or neighbour discovery resolves it: a usable entry gives q its
 * destination MAC and note its text; a FAILED one stops the walk at a hop on out with dec,
 * the route's text, and returns 1 (-ELOOP when no hop is left); none gives a note too.
 * Otherwise 0. */
static int l3_neigh(struct walker *w, struct nsent *e, struct pn_link *out, const struct pkt *p,
		    const void *nh, const char *dec, struct pkt *q, char *note, size_t nn)
{
	int family = p->family == AF_INET6 ? AF_INET6 : AF_INET;
	char a[INET6_ADDRSTRLEN], mac[20];
	struct pn_neigh nb;
	struct path_hop *h;
	int nrc;

	nrc = (out->flags & IFF_NOARP) ? -ENOENT : neigh_get(e, out->ifindex, family, nh, &nb);
	inet_ntop(family, nh, a, sizeof(a));
	q->has_dmac = false;
	if (!nrc && nb.has_mac && !(nb.state & (NUD_FAILED | NUD_INCOMPLETE))) {
		memcpy(q->dmac, nb.mac, 6);
		q->has_dmac = true;
		note_add(note, nn, "neighbour %s lladdr %s %s", a,
			 pn_mac_str(nb.mac, mac, sizeof(mac)), pn_nud_name(nb.state));
	} else if (!nrc && (nb.state & NUD_FAILED)) {
		h = out_hop(w, e, out, p, dec);
		if (!h)
			return -ELOOP;
		return stop_at(h, PSTOP_NEIGH, "neighbour %s on %s is FAILED: nothing answers %s",
			       a, out->name, family == AF_INET6 ? "neighbour solicitation" : "ARP");
	} else if (!(out->flags & IFF_NOARP)) {
		note_add(note, nn, "no neighbour entry for %s yet (%s resolves it on the first "
			 "packet)", a, family == AF_INET6 ? "neighbour discovery" : "ARP");
	}
	return 0;
}

/* A packet arrives at IP in namespace e on device in: prerouting NAT (the flow's
 * conntrack entry when there is one, as the kernel applies it; else the nft rule a new
 * connection would hit), then the route. */
static int l3_in(struct walker *w, struct nsent *e, struct pn_link *in, const struct pkt *p0,
		 struct path_hop *rxhop)
{
	struct pkt p = *p0;
	const char *nft;
	struct nat_result nr;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], ct[128];

	if (p.family == AF_INET6)
		return l3_route6(w, e, &p, in, rxhop, 0);
	nft = ns_nft(e);
	memset(&nr, 0, sizeof(nr));
	p.ct_state = 0;
	ct_view(e, &p);
	if (nft) {
		struct nat_pkt np = { p.src, p.dst, p.proto, p.sport, p.dport, in->name, "" };

		if (nat_lookup(nft, strlen(nft), NAT_PREROUTING, &np, &nr))
			memset(&nr, 0, sizeof(nr));
		if (nr.note[0])
			note_add(rxhop->note, sizeof(rxhop->note), "%s", nr.note);
	}
	if (p.ct_state > 0) {
		struct ct_tuple to;
		bool d = ct_dnat(&p.ct, p.ct_dir, &to);
		const char *cdir = p.ct_dir == CT_REPLY ? ", reply direction" : "";

		ct_str(&p.ct, ct, sizeof(ct));
		if (p.ct_dir == CT_REPLY)
			nr.hit = false; /* the nat chains never see a reply packet */
		if (p.ct_matches > 1)
			note_add(rxhop->note, sizeof(rxhop->note), "%d conntrack entries match "
				 "(a port is any): the first is shown", p.ct_matches);
		if (d) {
			snprintf(rxhop->nat, sizeof(rxhop->nat), "DNAT %s -> %s:%u, decided: "
				 "conntrack entry%s (%s)", ip4(p.dst, a), ip4(to.dst, b), to.dport,
				 cdir, ct);
			if (nr.hit && (nr.addr.s_addr != to.dst.s_addr ||
				       (nr.port && nr.port != to.dport)))
				note_add(rxhop->note, sizeof(rxhop->note), "conntrack and rules "
					 "disagree: the entry wins over %.120s (rules apply to new "
					 "connections only)", nr.rule);
			p.dst = to.dst;
			if (p.dport || p.ct_dir == CT_REPLY || to.dport != p.ct.orig.dport)
				p.dport = to.dport;
		} else if (nr.hit) {
			snprintf(rxhop->nat, sizeof(rxhop->nat), "no DNAT, decided: conntrack entry "
				 "(%s)", ct);
			note_add(rxhop->note, sizeof(rxhop->note), "conntrack and rules disagree: "
				 "the entry wins over %.120s (rules apply to new connections "
				 "only)", nr.rule);
		}
	} else if (nr.hit) {
		snprintf(rxhop->nat, sizeof(rxhop->nat), "DNAT %s -> %s, decided: %.150s",
			 ip4(p.dst, a), ip4(nr.addr, b), nr.rule);
		p.dst = nr.addr;
		if (nr.port)
			p.dport = nr.port;
	}
	return l3_route(w, e, &p, in, rxhop, 0);
}

/* vxlan decapsulation: the outer packet p was delivered locally in e. */
static int vxlan_decap(struct walker *w, struct nsent *e, const struct pkt *p, int *rc)
{
	if (!p->inner || p->proto != IPPROTO_UDP || ns_links(e))
		return 0;
	for (size_t i = 0; i < e->nlinks; i++) {
		struct pn_link *x = &e->links[i];
		struct path_hop *h;
		char a[INET_ADDRSTRLEN];
		int v;

		if (strcmp(x->kind, "vxlan") || x->vx_port != p->dport || x->vni != p->vni)
			continue;
		(void)v;
		h = hop_add(w, e, x, "vxlan", "rx", p->inner);
		if (!h)
			return *rc = -ELOOP, 1;
		snprintf(h->decided, sizeof(h->decided), "vxlan VNI %u, UDP port %u: decapsulated "
			 "(outer from %s)", x->vni, x->vx_port, ip4(p->src, a));
		*rc = l2_rx(w, e, x, p->inner, "vxlan");
		/* l2_rx added its own rx hop for x: drop the duplicate */
		return 1;
	}
	return 0;
}

static const struct path_flow *flow_of(const struct pkt *p, struct path_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->family = AF_INET;
	f->src = p->src;
	f->dst = p->dst;
	f->proto = p->proto;
	f->sport = p->sport;
	f->dport = p->dport;
	f->size = p->size;
	return f;
}

static int l3_route(struct walker *w, struct nsent *e, struct pkt *p, struct pn_link *in,
		    struct path_hop *rxhop, int oif)
{
	struct path_flow fl;
	struct pn_route rt, fm;
	struct pn_link *out;
	struct path_hop *h;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], tb[16], rule[120], pfx[64];
	int rc, iif = in ? in->ifindex : 0;

	rc = route_get(e, p, iif, oif, RTM_F_LOOKUP_TABLE, &rt);
	if (rc) {
		enum path_stop s = path_stop_from_errno(rc);
		struct pn_route cov;
		int fwd = 1;

		if (w->flooding && iif)
			return 0; /* not for this branch */
		h = rxhop ? rxhop : hop_add(w, e, NULL, "route", "tx", p);
		if (!h)
			return walk_err(w, -ELOOP, "more than %d hops", PATH_HOPS_MAX);
		if (route_covering(e, p->dst, &cov) && s != PSTOP_RPFILTER) {
			snprintf(pfx, sizeof(pfx), "%s/%u", ip4(cov.dst, a), cov.dst_len);
			snprintf(h->decided, sizeof(h->decided), "route %s %s table %s",
				 pn_route_type_name(cov.type), pfx,
				 pn_table_name(cov.table, tb, sizeof(tb)));
			if (cov.type == RTN_BLACKHOLE)
				s = PSTOP_BLACKHOLE;
			else if (cov.type == RTN_UNREACHABLE)
				s = PSTOP_UNREACHABLE;
			else if (cov.type == RTN_PROHIBIT)
				s = PSTOP_PROHIBIT;
			else if (iif && !sysctl_read(e, "/proc/sys/net/ipv4/ip_forward", &fwd) && !fwd)
				s = PSTOP_NOFORWARD;
			else if (s == PSTOP_BLACKHOLE)
				s = PSTOP_ERROR; /* EINVAL without a blackhole route: martian */
		} else {
			pfx[0] = '\0';
		}
		/* the kernel reports a reverse-path failure as EINVAL (martian source): check
		 * the route back to the source as fib_validate_source does */
		if (iif && in && (s == PSTOP_ERROR || s == PSTOP_RPFILTER) && rc == -EINVAL) {
			struct pkt q = { .dst = p->src, .proto = p->proto };
			struct pn_route rev;
			int rpf = ns_rp_filter(e, in->name);
			int rr = route_get(e, &q, 0, 0, RTM_F_LOOKUP_TABLE, &rev);

			if ((rpf == 1 && (rr || (rev.type != RTN_LOCAL && rev.oif != iif))) ||
			    (rpf == 2 && rr))
				s = PSTOP_RPFILTER;
			if (s == PSTOP_RPFILTER && !rr) {
				struct pn_link *bk = link_by_index(e, rev.oif);

				snprintf(h->decided, sizeof(h->decided), "reverse path: the route back "
					 "to %s leaves by %s, not by %s", ip4(p->src, a),
					 bk ? bk->name : "?", in->name);
			}
		}
		switch (s) {
		case PSTOP_RPFILTER:
			snprintf(h->note, sizeof(h->note), "rp_filter=%d on %s (max of all and the "
				 "device)", ns_rp_filter(e, in ? in->name : "all"),
				 in ? in->name : "all");
			stop_at(h, s, "reverse-path filter: the route back to %s does not leave by "
				"%s", ip4(p->src, a), in ? in->name : "-");
			break;
		case PSTOP_NOFORWARD:
			stop_at(h, s, "%s is not local here and net.ipv4.ip_forward=0",
				ip4(p->dst, a));
			break;
		case PSTOP_NOROUTE:
			stop_at(h, s, "no route to %s in %s", ip4(p->dst, a), e->name);
			break;
		case PSTOP_ERROR:
			if (rc == -EINVAL)
				stop_at(h, s, "the kernel rejects the packet: a martian source %s "
					"(an address of this namespace, or invalid) or destination",
					ip4(p->src, a));
			else
				stop_at(h, s, "the route lookup failed: %s", strerror(-rc));
			break;
		default:
			stop_at(h, s, "%s route to %s: the kernel drops the packet",
				path_stop_name(s), ip4(p->dst, a));
		}
		path_fix(h, &w->r->flow, "", "", pfx, h->fix, sizeof(h->fix));
		{	/* namespace-qualified fix */
			char ipns[80], ex[96];

			snprintf(ipns, sizeof(ipns), "-n %s ", h->ns);
			snprintf(ex, sizeof(ex), "ip netns exec %s ", h->ns);
			if (!strcmp(h->ns, "host"))
				ipns[0] = ex[0] = '\0';
			path_fix(h, flow_of(p, &fl), ipns, ex, pfx, h->fix, sizeof(h->fix));
		}
		return 1;
	}
	if (!p->src.s_addr && rt.has_prefsrc)
		p->src = rt.prefsrc;
	if (!iif && !w->r->flow.src.s_addr)
		w->r->flow.src = p->src;
	{
		struct pn_link *ol = oif ? link_by_index(e, oif) : NULL;

		rule_text(e, p, in ? in->name : "", ol ? ol->name : "", rt.table, rule,
			  sizeof(rule));
	}
	if (rt.type == RTN_LOCAL) {
		if (rxhop && p->inner)
			snprintf(rxhop->decided, sizeof(rxhop->decided), "local route %s table %s: "
				 "UDP %u to a vxlan device", ip4(p->dst, a),
				 pn_table_name(rt.table, tb, sizeof(tb)), p->dport);
		if (vxlan_decap(w, e, p, &rc))
			return rc;
		h = local_hop(w, e, rxhop, rt.oif, p);
		if (!h)
			return walk_err(w, -ELOOP, "more than %d hops", PATH_HOPS_MAX);
		snprintf(h->decided, sizeof(h->decided), "local route %s table %s%s%s",
			 ip4(p->dst, a), pn_table_name(rt.table, tb, sizeof(tb)), rule[0] ? ", " : "",
			 rule);
		w->r->final.src = p->src;
		w->r->final.dst = p->dst;
		w->r->final.sport = p->sport;
		w->r->final.dport = p->dport;
		return stop_at(h, PSTOP_DELIVERED, "delivered to %s in %s", ip4(p->dst, a), e->name);
	}
	if (rt.type != RTN_UNICAST) {
		if (w->flooding && iif)
			return 0;
		h = rxhop ? rxhop : hop_add(w, e, NULL, "route", "tx", p);
		if (!h)
			return -ELOOP;
		return stop_at(h, PSTOP_ERROR, "a %s route: not followed",
			       pn_route_type_name(rt.type));
	}
	if (w->flooding && iif && in && !p->has_dmac)
		return 0; /* ARP for a forwarded address is not answered here */
	out = link_by_index(e, rt.oif);
	if (!out)
		return walk_err(w, -ENOENT, "route in %s names ifindex %d, which is not there",
				e->name, rt.oif);
	/* the prefix that matched, for the text */
	pfx[0] = '\0';
	if (!route_get(e, p, iif, oif, RTM_F_FIB_MATCH, &fm))
		snprintf(pfx, sizeof(pfx), "%s/%u", ip4(fm.dst, b), fm.dst_len);
	{
		struct pkt q = *p;
		char dec[PATH_TEXT], note[PATH_TEXT] = "", nat[PATH_TEXT] = "";
		struct in_addr nh = rt.has_gw ? rt.gw : p->dst;
		uint32_t mtu = rt.mtu ? rt.mtu : out->mtu;
		const char *nft;
		struct nat_result nr;

		memset(&nr, 0, sizeof(nr));

		snprintf(dec, sizeof(dec), "route %s%s%s dev %s table %s%s%.90s%s",
			 pfx[0] ? pfx : ip4(p->dst, a), rt.has_gw ? " via " : "",
			 rt.has_gw ? ip4(rt.gw, b) : "", out->name,
			 pn_table_name(rt.table, tb, sizeof(tb)), rule[0] ? ", " : "", rule,
			 iif ? " (forwarded)" : "");
		/* postrouting SNAT: the flow's conntrack entry, else the rule */
		ct_view(e, p);
		if ((nft = ns_nft(e))) {
			struct nat_pkt np = { p->src, p->dst, p->proto, p->sport, p->dport,
					      in ? in->name : "", out->name };

			if (nat_lookup(nft, strlen(nft), NAT_POSTROUTING, &np, &nr))
				memset(&nr, 0, sizeof(nr));
		}
		if (p->ct_state > 0) {
			struct ct_tuple to;
			char ct[128];
			bool sn = ct_snat(&p->ct, p->ct_dir, &to);
			const char *cdir = p->ct_dir == CT_REPLY ? ", reply direction" : "";

			ct_str(&p->ct, ct, sizeof(ct));
			if (p->ct_dir == CT_REPLY)
				nr.hit = false; /* the nat chains never see a reply packet */
			if (sn) {
				snprintf(nat, sizeof(nat), "SNAT %s -> %s:%u, decided: conntrack "
					 "entry%s (%s)", ip4(p->src, a), ip4(to.src, b), to.sport, cdir,
					 ct);
				if (nr.hit && !nr.masquerade && nr.addr.s_addr != to.src.s_addr)
					note_add(note, sizeof(note), "conntrack and rules disagree: "
						 "the entry wins over %.120s", nr.rule);
				q.src = to.src;
				if (p->sport || p->ct_dir == CT_REPLY || to.sport != p->ct.orig.sport)
					q.sport = to.sport;
			} else if (nr.hit) {
				snprintf(nat, sizeof(nat), "no SNAT, decided: conntrack entry (%s)",
					 ct);
				note_add(note, sizeof(note), "conntrack and rules disagree: the "
					 "entry wins over %.120s (rules apply to new connections "
					 "only)", nr.rule);
			}
		} else if (nr.hit) {
			snprintf(nat, sizeof(nat), "SNAT %s -> %s, decided: %.120s", ip4(p->src, a),
				 nr.masquerade ? "the address of the egress device" :
				 ip4(nr.addr, b), nr.rule);
			if (!nr.masquerade)
				q.src = nr.addr;
		}
		q.l2target = nh;
		rc = l3_neigh(w, e, out, p, &nh, dec, &q, note, sizeof(note));
		if (rc)
			return rc;
		if (p->size > mtu) {
			if (iif) {
				h = out_hop(w, e, out, p, dec);
				if (!h)
					return -ELOOP;
				stop_at(h, PSTOP_MTU, "forwarded packet of %u bytes > MTU %u of %s: "
					"dropped with DF set (Linux UDP's default), else fragmented",
					p->size, mtu, out->name);
				{
					char ipns[80];

					snprintf(ipns, sizeof(ipns), "-n %s ", h->ns);
					if (!strcmp(h->ns, "host"))
						ipns[0] = '\0';
					path_fix(h, flow_of(p, &fl), ipns, "", "", h->fix, sizeof(h->fix));
				}
				return 1;
			}
			size_t l = strlen(note);

			snprintf(note + l, sizeof(note) - l, "%sfragmented: %u bytes > MTU %u",
				 l ? "; " : "", p->size, mtu);
			q.size = mtu;
		}
		{
			int nbefore = w->r->n;

			rc = l2_tx(w, e, out, &q, dec, NULL, false);
			if (rc > 0 && w->r->n > nbefore) {
				struct path_hop *t = &w->r->hop[nbefore];

				if (nat[0])
					snprintf(t->nat, sizeof(t->nat), "%s", nat);
				if (note[0] && !t->note[0])
					snprintf(t->note, sizeof(t->note), "%s", note);
				else if (note[0]) {
					size_t l = strlen(t->note);

					snprintf(t->note + l, sizeof(t->note) - l, "; %s", note);
				}
			}
		}
		return rc;
	}
}

static const char *ip6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* IPv6: the route lookup (AF_INET6), local delivery, forwarding, the neighbour (NDP) and
 * the egress device. No policy-rule naming, NAT, conntrack or rp_filter for IPv6. */
static int l3_route6(struct walker *w, struct nsent *e, struct pkt *p, struct pn_link *in,
		     struct path_hop *rxhop, int oif)
{
	struct pn_route rt, fm;
	struct pn_link *out;
	struct path_hop *h;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], tb[16], pfx[INET6_ADDRSTRLEN + 8];
	int rc, iif = in ? in->ifindex : 0, fwd = 1;

	rc = route_get(e, p, iif, oif, RTM_F_LOOKUP_TABLE, &rt);
	if (!rc && rt.type == RTN_UNICAST && iif &&
	    !sysctl_read(e, "/proc/sys/net/ipv6/conf/all/forwarding", &fwd) && !fwd) {
		if (w->flooding)
			return 0;
		h = rxhop ? rxhop : hop_add(w, e, NULL, "route", "tx", p);
		if (!h)
			return walk_err(w, -ELOOP, "more than %d hops", PATH_HOPS_MAX);
		return stop_at(h, PSTOP_NOFORWARD, "%s is not local here and "
			       "net.ipv6.conf.all.forwarding=0", ip6(&p->dst6, a));
	}
	if (rc || (rt.type != RTN_UNICAST && rt.type != RTN_LOCAL)) {
		enum path_stop s = rc ? path_stop_from_errno(rc) : PSTOP_ERROR;

		if (w->flooding && iif)
			return 0;
		h = rxhop ? rxhop : hop_add(w, e, NULL, "route", "tx", p);
		if (!h)
			return walk_err(w, -ELOOP, "more than %d hops", PATH_HOPS_MAX);
		if (s == PSTOP_NOROUTE)
			return stop_at(h, s, "no route to %s in %s", ip6(&p->dst6, a), e->name);
		if (!rc)
			return stop_at(h, s, "a %s route: not followed", pn_route_type_name(rt.type));
		if (s == PSTOP_ERROR || s == PSTOP_RPFILTER)
			return stop_at(h, PSTOP_ERROR, "the route lookup failed: %s", strerror(-rc));
		return stop_at(h, s, "%s route to %s: the kernel drops the packet",
			       path_stop_name(s), ip6(&p->dst6, a));
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&p->src6) && rt.has_prefsrc)
		p->src6 = rt.prefsrc6;
	if (!iif && IN6_IS_ADDR_UNSPECIFIED(&w->r->flow.src6))
		w->r->flow.src6 = p->src6;
	if (rt.type == RTN_LOCAL) {
		h = local_hop(w, e, rxhop, rt.oif, p);
		if (!h)
			return walk_err(w, -ELOOP, "more than %d hops", PATH_HOPS_MAX);
		snprintf(h->decided, sizeof(h->decided), "local route %s table %s",
			 ip6(&p->dst6, a), pn_table_name(rt.table, tb, sizeof(tb)));
		w->r->final.src6 = p->src6;
		w->r->final.dst6 = p->dst6;
		w->r->final.sport = p->sport;
		w->r->final.dport = p->dport;
		return stop_at(h, PSTOP_DELIVERED, "delivered to %s in %s", ip6(&p->dst6, a),
			       e->name);
	}
	if (w->flooding && iif && in && !p->has_dmac)
		return 0;
	out = link_by_index(e, rt.oif);
	if (!out)
		return walk_err(w, -ENOENT, "route in %s names ifindex %d, which is not there",
				e->name, rt.oif);
	pfx[0] = '\0';
	if (!route_get(e, p, iif, oif, RTM_F_FIB_MATCH, &fm))
		snprintf(pfx, sizeof(pfx), "%s/%u", ip6(&fm.dst6, b), fm.dst_len);
	{
		struct pkt q = *p;
		char dec[PATH_TEXT], note[PATH_TEXT] = "";
		struct in6_addr nh = rt.has_gw ? rt.gw6 : p->dst6;
		uint32_t mtu = rt.mtu ? rt.mtu : out->mtu;
		int nbefore = w->r->n;

		snprintf(dec, sizeof(dec), "route %s%s%s dev %s table %s%s",
			 pfx[0] ? pfx : ip6(&p->dst6, a), rt.has_gw ? " via " : "",
			 rt.has_gw ? ip6(&rt.gw6, b) : "", out->name,
			 pn_table_name(rt.table, tb, sizeof(tb)), iif ? " (forwarded)" : "");
		q.l2target6 = nh;
		rc = l3_neigh(w, e, out, p, &nh, dec, &q, note, sizeof(note));
		if (rc)
			return rc;
		if (p->size > mtu) {
			/* IPv6 routers never fragment: a forwarded packet gets ICMPv6 Packet Too
			 * Big; a local sender fragments */
			if (iif) {
				h = out_hop(w, e, out, p, dec);
				if (!h)
					return -ELOOP;
				return stop_at(h, PSTOP_MTU, "forwarded packet of %u bytes > MTU %u "
					       "of %s: dropped (IPv6 routers do not fragment)",
					       p->size, mtu, out->name);
			}
			note_add(note, sizeof(note), "fragmented: %u bytes > MTU %u", p->size, mtu);
			q.size = mtu;
		}
		rc = l2_tx(w, e, out, &q, dec, NULL, false);
		if (rc > 0 && w->r->n > nbefore && note[0])
			note_add(w->r->hop[nbefore].note, sizeof(w->r->hop[nbefore].note), "%s",
				 note);
		return rc;
	}
}

/* The tap's holder: a process with a tun fd attached to dev. Fills pid/comm and the other
 * tun devices it holds. */
static int tap_holder(const char *dev, char *comm, size_t cn, char others[][IFNAMSIZ],
		      int *nothers)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int found = 0;

	*nothers = 0;
	if (!d)
		return 0;
	while ((de = readdir(d)) && !found) {
		char p[300], lk[64];
		int pid, mine = 0, no = 0;
		char names[8][IFNAMSIZ];
		DIR *fdd;
		struct dirent *fe;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' || parse_int(de->d_name, &pid))
			continue;
		snprintf(p, sizeof(p), "/proc/%d/fd", pid);
		fdd = opendir(p);
		if (!fdd)
			continue;
		while ((fe = readdir(fdd))) {
			char fp[320], info[512], *iff;
			ssize_t n;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(fp, sizeof(fp), "/proc/%d/fd/%s", pid, fe->d_name);
			n = readlink(fp, lk, sizeof(lk) - 1);
			if (n <= 0)
				continue;
			lk[n] = '\0';
			if (strcmp(lk, "/dev/net/tun"))
				continue;
			snprintf(fp, sizeof(fp), "/proc/%d/fdinfo/%s", pid, fe->d_name);
			if (read_small(fp, info, sizeof(info)) || !(iff = strstr(info, "iff:")))
				continue;
			iff += 4;
			while (*iff == '\t' || *iff == ' ')
				iff++;
			iff[strcspn(iff, "\n")] = '\0';
			if (!strcmp(iff, dev))
				mine = 1;
			else if (no < 8)
				snprintf(names[no++], IFNAMSIZ, "%s", iff);
		}
		closedir(fdd);
		if (mine) {
			found = pid;
			snprintf(p, sizeof(p), "/proc/%d/comm", pid);
			if (read_small(p, comm, cn))
				snprintf(comm, cn, "?");
			for (int i = 0; i < no; i++)
				memcpy(others[i], names[i], IFNAMSIZ);
			*nothers = no;
		}
	}
	closedir(d);
	return found;
}

static int tap_tx(struct walker *w, struct nsent *e, struct pn_link *l, const struct pkt *p,
		  struct path_hop *h)
{
	char comm[32], others[8][IFNAMSIZ];
	struct pn_link guest_l = { 0 };
	struct path_hop *g;
	int n, pid = tap_holder(l->name, comm, sizeof(comm), others, &n);

	if (!pid)
		return stop_at(h, PSTOP_USERSPACE, "no process holds tap %s", l->name);
	snprintf(guest_l.name, sizeof(guest_l.name), "guest");
	g = hop_add(w, e, &guest_l, "guest", "proc", p);
	if (!g)
		return -ELOOP;
	snprintf(g->decided, sizeof(g->decided), "process %d (%s) reads tap %s%s%s", pid, comm,
		 l->name, n ? " and writes tap " : "", n ? others[0] : "");
	if (!n)
		return stop_at(g, PSTOP_USERSPACE, "frames go to process %d (%s), a VM or a "
			       "userspace switch this host cannot follow further", pid, comm);
	/* the guest's other tap: find its namespace */
	ns_discover(w);
	for (size_t i = 0; i < w->nns; i++) {
		struct pn_link *t = link_by_name(&w->ns[i], others[0]);

		if (t && !strcmp(t->kind, "tun"))
			return l2_rx(w, &w->ns[i], t, p, "tap");
	}
	return stop_at(g, PSTOP_USERSPACE, "process %d writes tap %s, which no namespace has",
		       pid, others[0]);
}

static int vxlan_tx(struct walker *w, struct nsent *e, struct pn_link *x, const struct pkt *p,
		    struct path_hop *h)
{
	struct pn_neigh fe;
	struct pkt outer = { 0 };
	struct nsent *ue;
	char a[INET_ADDRSTRLEN], m[20];
	const char *via;

	outer.dst = x->vx_remote;
	via = "the device's remote";
	if (p->has_dmac && fdb_find(e, 0, x->ifindex, p->dmac, &fe) && fe.has_dst) {
		outer.dst = fe.dst;
		via = "its FDB entry for the MAC";
	} else if (!outer.dst.s_addr && fdb_find(e, 0, x->ifindex, NULL, &fe) && fe.has_dst) {
		outer.dst = fe.dst;
		via = "its default FDB entry (00:00:00:00:00:00)";
	}
	if (!outer.dst.s_addr)
		return stop_at(h, PSTOP_NOPORT, "vxlan %s has no remote and no FDB entry for %s",
			       x->name, p->has_dmac ? pn_mac_str(p->dmac, m, sizeof(m)) : "the MAC");
	outer.src = x->vx_local;
	outer.proto = IPPROTO_UDP;
	outer.dport = x->vx_port ? x->vx_port : 4789;
	outer.size = p->size + VXLAN_OVERHEAD;
	outer.encap = p->encap + 1;
	outer.vni = x->vni;
	outer.inner = p;
	snprintf(h->decided, sizeof(h->decided), "vxlan VNI %u: encapsulated to %s:%u (%s), "
		 "+%d bytes", x->vni, ip4(outer.dst, a), outer.dport, via, VXLAN_OVERHEAD);
	ue = ns_by_nsid(w, e, x->link_netnsid);
	if (!ue)
		return stop_at(h, PSTOP_ERROR, "the underlay namespace of %s is not known",
			       x->name);
	return l3_route(w, ue, &outer, NULL, NULL, x->vx_link);
}

/* Children (macvlan, ipvlan) of parent l in e: try each whose MAC or address fits. */
static int macvlan_children(struct walker *w, struct nsent *e, struct pn_link *l,
			    const struct pkt *p)
{
	ns_discover(w);
	for (size_t i = 0; i < w->nns; i++) {
		struct nsent *c = &w->ns[i];

		if (ns_links(c))
			continue;
		for (size_t k = 0; k < c->nlinks; k++) {
			struct pn_link *m = &c->links[k];
			struct nsent *pe;
			size_t ci = i;
			int rc, n0 = w->r->n, v0 = w->nvisit;

			if ((strcmp(m->kind, "macvlan") && strcmp(m->kind, "ipvlan") &&
			     strcmp(m->kind, "macvtap")) || m->link != l->ifindex)
				continue;
			pe = ns_by_nsid(w, &w->ns[ci], m->link_netnsid);
			c = &w->ns[ci];
			m = &c->links[k];
			if (!pe || pe->inode != e->inode)
				continue;
			if (p->has_dmac && strcmp(m->kind, "ipvlan") &&
			    (!m->has_mac || memcmp(m->mac, p->dmac, 6)))
				continue;
			w->flooding++;
			rc = l2_rx(w, c, m, p, m->kind);
			w->flooding--;
			if (rc)
				return rc;
			w->r->n = n0;
			w->nvisit = v0;
		}
	}
	return 0;
}

/* One copy of a frame a bridge floods (hop hi) out of port (kind: its hop's kind, NULL:
 * the device's). > 0: it reaches the destination, and hop hi says by which port (via);
 * 0: it does not, and its hops and visits are undone; < 0: an error. */
static int flood_copy(struct walker *w, struct nsent *e, struct pn_link *port,
		      const struct pkt *p, const char *kind, int hi, const char *via)
{
	int n0 = w->r->n, v0 = w->nvisit, rc;

	w->flooding++;
	rc = l2_tx(w, e, port, p, NULL, kind, true);
	w->flooding--;
	if (rc > 0) {
		size_t l = strlen(w->r->hop[hi].decided);

		snprintf(w->r->hop[hi].decided + l, sizeof(w->r->hop[hi].decided) - l,
			 "; the copy on port %s reaches the destination", via);
	}
	if (rc)
		return rc;
	w->r->n = n0;
	w->nvisit = v0;
	return 0;
}

static int bridge_fwd(struct walker *w, struct nsent *e, struct pn_link *br, int in_port,
		      const struct pkt *p)
{
	struct path_hop *h = hop_add(w, e, br, "bridge", "fwd", p);
	struct pn_neigh fe;
	char m[20];
	int hi, rc;

	if (!h)
		return walk_err(w, -ELOOP, "more than %d hops", PATH_HOPS_MAX);
	hi = w->r->n - 1;
	if (link_down(br))
		return stop_at(h, PSTOP_DOWN, "bridge %s is down", br->name);
	if (p->has_dmac && br->has_mac && !memcmp(br->mac, p->dmac, 6)) {
		snprintf(h->decided, sizeof(h->decided), "the bridge's own MAC %s: up to IP",
			 pn_mac_str(p->dmac, m, sizeof(m)));
		return l3_in(w, e, br, p, h);
	}
	if (p->has_dmac && fdb_find(e, br->ifindex, 0, p->dmac, &fe)) {
		struct pn_link *port = link_by_index(e, fe.ifindex);

		if (fe.ifindex == br->ifindex)
			return l3_in(w, e, br, p, h);
		if (!port)
			return stop_at(h, PSTOP_NOPORT, "FDB entry for %s names ifindex %d, not in "
				       "this namespace", pn_mac_str(p->dmac, m, sizeof(m)), fe.ifindex);
		snprintf(h->decided, sizeof(h->decided), "FDB entry %s -> port %s (%s)",
			 pn_mac_str(p->dmac, m, sizeof(m)), port->name,
			 (fe.state & NUD_PERMANENT) ? "permanent" : "learnt");
		if (port->ifindex == in_port)
			return stop_at(h, PSTOP_NOPORT, "the FDB sends %s back out of its ingress "
				       "port %s", m, port->name);
		return l2_tx(w, e, port, p, NULL, NULL, true);
	}
	/* flood: every port but the ingress one, then the bridge's own IP */
	snprintf(h->decided, sizeof(h->decided), "no FDB entry for %s: flooded",
		 p->has_dmac ? pn_mac_str(p->dmac, m, sizeof(m)) : "the MAC (not resolved yet)");
	for (size_t i = 0; ; i++) {
		struct pn_link *port;
		char via[IFNAMSIZ];

		if (ns_links(e) || i >= e->nlinks)
			break;
		port = &e->links[i];
		if (port->master != br->ifindex || port->ifindex == in_port)
			continue;
		snprintf(via, sizeof(via), "%s", port->name);
		rc = flood_copy(w, e, port, p, NULL, hi, via);
		if (rc)
			return rc;
	}
	if (!w->flooding) {
		rc = l3_accepts(e, br, p) ? l3_in(w, e, br, p, &w->r->hop[hi]) : 0;
		if (rc)
			return rc;
		return stop_at(&w->r->hop[hi], PSTOP_NOPORT, "no port of bridge %s leads to the "
			       "destination", br->name);
	}
	return 0;
}

static int ovs_fwd(struct walker *w, struct nsent *e, struct ovsinst *o,
		   const struct ovs_iface *in, const struct pkt *p)
{
	struct pn_link brl = { 0 };
	struct path_hop *h;
	char m[20];
	int hi, rc;
	int64_t port = -1;

	snprintf(brl.name, sizeof(brl.name), "%s", in->bridge ? in->bridge : "?");
	h = hop_add(w, e, &brl, "ovs-bridge", "fwd", p);
	if (!h)
		return walk_err(w, -ELOOP, "more than %d hops", PATH_HOPS_MAX);
	hi = w->r->n - 1;
	if (p->has_dmac)
		port = ovs_fdb_port(o, brl.name, p->dmac);
	if (port >= 0) {
		for (size_t k = 0; k < o->db_rows.n; k++) {
			const struct ovs_iface *f = &o->db_rows.ifaces[k];
			struct pn_link *l;

			if (f->ofport != port || !f->bridge || strcmp(f->bridge, brl.name))
				continue;
			snprintf(h->decided, sizeof(h->decided), "OVS bridge %s: MAC %s learnt on "
				 "port %s (ofport %lld)", brl.name, pn_mac_str(p->dmac, m, sizeof(m)),
				 f->name, (long long)port);
			l = link_by_name(e, f->name);
			if (!l)
				return stop_at(h, PSTOP_NOPORT, "OVS port %s is not a device of %s",
					       f->name, e->name);
			return l2_tx(w, e, l, p, NULL, "ovs-port", true);
		}
	}
	snprintf(h->decided, sizeof(h->decided), "OVS bridge %s (NORMAL): %s not learnt, "
		 "flooded", brl.name, p->has_dmac ? pn_mac_str(p->dmac, m, sizeof(m)) : "the MAC");
	for (size_t k = 0; k < o->db_rows.n; k++) {
		const struct ovs_iface *f = &o->db_rows.ifaces[k];
		struct pn_link *l;
		char via[PATH_TEXT];

		if (!f->bridge || strcmp(f->bridge, brl.name) || !strcmp(f->name, in->name) ||
		    (f->type && *f->type && strcmp(f->type, "system")))
			continue;
		l = link_by_name(e, f->name);
		if (!l)
			continue;
		snprintf(via, sizeof(via), "%s (ofport %lld)", f->name, (long long)f->ofport);
		rc = flood_copy(w, e, l, p, "ovs-port", hi, via);
		if (rc)
			return rc;
	}
	if (w->flooding)
		return 0;
	return stop_at(&w->r->hop[hi], PSTOP_NOPORT, "no port of OVS bridge %s leads to the "
		       "destination", brl.name);
}

static int l2_rx(struct walker *w, struct nsent *e, struct pn_link *l, const struct pkt *p,
		 const char *kind)
{
	struct path_hop *h;
	struct ovsinst *oi;
	const struct ovs_iface *of;
	int v = visit(w, e, l, 'r'), hi, rc;
	size_t ei = (size_t)(e - w->ns);
	int ifindex = l->ifindex;

	if (v)
		return v < 0 ? v : 0;
	/* the vxlan decap hop was added by the caller */
	if (w->r->n && !strcmp(w->r->hop[w->r->n - 1].dir, "rx") &&
	    w->r->hop[w->r->n - 1].ns_inode == e->inode &&
	    w->r->hop[w->r->n - 1].ifindex == l->ifindex) {
		h = &w->r->hop[w->r->n - 1];
	} else {
		h = hop_add(w, e, l, kind ? kind : link_kind(l), "rx", p);
		if (!h)
			return walk_err(w, -ELOOP, "more than %d hops", PATH_HOPS_MAX);
	}
	hi = w->r->n - 1;
	if (link_down(l)) {
		if (w->flooding)
			return 0;
		return stop_at(h, PSTOP_DOWN, "%s is down", l->name);
	}
	if (l->master) {
		struct pn_link *m = link_by_index(e, l->master);

		if (m && !strcmp(m->kind, "bridge")) {
			size_t dl = strlen(w->r->hop[hi].decided);

			snprintf(w->r->hop[hi].decided + dl, sizeof(h->decided) - dl,
				 "%sport of bridge %s", dl ? "; " : "", m->name);
			return bridge_fwd(w, e, m, ifindex, p);
		}
	}
	of = ovs_iface(w, e->inode, l->name, &oi);
	if (of) {
		e = &w->ns[ei];
		snprintf(w->r->hop[hi].kind, sizeof(h->kind), "ovs-port");
		snprintf(w->r->hop[hi].decided, sizeof(h->decided), "port %s of OVS bridge %s "
			 "(ofport %lld)", of->name, of->bridge ? of->bridge : "?",
			 (long long)of->ofport);
		return ovs_fwd(w, e, oi, of, p);
	}
	l = link_by_index(e, ifindex);
	if (l && l3_accepts(e, l, p))
		return l3_in(w, e, l, p, &w->r->hop[hi]);
	rc = macvlan_children(w, &w->ns[ei], link_by_index(&w->ns[ei], ifindex), p);
	if (rc)
		return rc;
	if (w->flooding)
		return 0;
	e = &w->ns[ei];
	l = link_by_index(e, ifindex);
	if (!l)
		return -ENOENT;
	/* nobody took the frame: as the kernel, go up to IP and let the route decide */
	rc = l3_in(w, e, l, p, &w->r->hop[hi]);
	if (rc == 0)
		return stop_at(&w->r->hop[hi], PSTOP_NEIGH, "nothing on %s answers for %s",
			       l->name, "the destination");
	return rc;
}

/* The NIC hop: the receive queue and CPU this flow would land on when received by l
 * (RSS hash, indirection table, RPS: path/rss.h). */
static void nic_place(struct nsent *e, const struct pn_link *l, const struct pkt *p,
		      struct path_hop *h)
{
	static struct rss_config cfg;
	struct rss_flow f = { .family = AF_INET, .proto = p->proto, .sport = p->sport,
			      .dport = p->dport };
	struct rss_place pl;
	char err[128];

	if (p->family == AF_INET6) {
		f.family = AF_INET6;
		memcpy(f.src, &p->src6, 16);
		memcpy(f.dst, &p->dst6, 16);
	} else {
		memcpy(f.src, &p->src, 4);
		memcpy(f.dst, &p->dst, 4);
	}
	rss_config_init(&cfg);
	if (rss_config_read(ns_fd(e), l->name, &cfg, err, sizeof(err)) ||
	    rss_flow_place(&cfg, &f, &pl))
		return;
	if (pl.queue >= 0)
		snprintf(h->rxq, sizeof(h->rxq), "%d", pl.queue);
	if (pl.rps_cpu >= 0)
		snprintf(h->cpu, sizeof(h->cpu), "%d", pl.rps_cpu);
	else if (pl.irq_cpu >= 0)
		snprintf(h->cpu, sizeof(h->cpu), "%d", pl.irq_cpu);
	if (pl.note[0] && !h->note[0])
		snprintf(h->note, sizeof(h->note), "rss: %.150s", pl.note);
}

static int l2_tx(struct walker *w, struct nsent *e, struct pn_link *l, const struct pkt *p,
		 const char *decided, const char *kind, bool from_bridge)
{
	struct path_hop *h;
	int v = visit(w, e, l, 't');
	size_t ei = (size_t)(e - w->ns);

	if (v)
		return v < 0 ? v : 0;
	h = hop_add(w, e, l, kind ? kind : link_kind(l), "tx", p);
	if (!h)
		return walk_err(w, -ELOOP, "more than %d hops", PATH_HOPS_MAX);
	if (decided)
		snprintf(h->decided, sizeof(h->decided), "%s", decided);
	if (link_down(l)) {
		if (w->flooding)
			return 0;
		stop_at(h, PSTOP_DOWN, "%s is down", l->name);
		goto fix;
	}
	if (from_bridge && p->size > l->mtu) {
		if (w->flooding > 1)
			return 0;
		stop_at(h, PSTOP_MTU, "frame of %u bytes (IP) > MTU %u of port %s: the bridge "
			"drops it without counting", p->size, l->mtu, l->name);
		goto fix;
	}
	if (!strcmp(l->kind, "veth")) {
		struct nsent *pe = ns_by_nsid(w, &w->ns[ei], l->link_netnsid);
		struct pn_link *peer;
		int lidx = l->ifindex, plink = l->link;

		e = &w->ns[ei];
		if (!pe)
			return stop_at(&w->r->hop[w->r->n - 1], PSTOP_ERROR, "the namespace of "
				       "%s's peer is not known", l->name);
		peer = link_by_index(pe, plink);
		l = link_by_index(e, lidx);
		if (!peer)
			return stop_at(&w->r->hop[w->r->n - 1], PSTOP_ERROR, "%s's peer (ifindex "
				       "%d) is not in %s", l ? l->name : "?", plink, pe->name);
		h = &w->r->hop[w->r->n - 1];
		snprintf(h->note + strlen(h->note), sizeof(h->note) - strlen(h->note),
			 "%sveth peer %s in %s", h->note[0] ? "; " : "", peer->name, pe->name);
		if (p->size > peer->mtu) {
			if (w->flooding > 1)
				return 0;
			stop_at(h, PSTOP_MTU, "packet of %u bytes > MTU %u of the peer %s: veth "
				"drops it (tx_dropped)", p->size, peer->mtu, peer->name);
			h->mtu = peer->mtu;
			snprintf(h->fix, sizeof(h->fix), "ip %s%s%slink set dev %s mtu %u",
				 strcmp(pe->name, "host") ? "-n " : "",
				 strcmp(pe->name, "host") ? pe->name : "",
				 strcmp(pe->name, "host") ? " " : "", peer->name, p->size);
			return 1;
		}
		return l2_rx(w, pe, peer, p, kind && !strcmp(kind, "ovs-port") ? "veth" : NULL);
	}
	if (!strcmp(l->kind, "vxlan"))
		return vxlan_tx(w, e, l, p, h);
	if (!strcmp(l->kind, "bridge"))
		return bridge_fwd(w, e, l, 0, p);
	if (!strcmp(l->kind, "tun"))
		return tap_tx(w, e, l, p, h);
	if (!strcmp(l->kind, "macvlan") || !strcmp(l->kind, "ipvlan")) {
		struct nsent *pe = ns_by_nsid(w, e, l->link_netnsid);
		struct pn_link *par = pe ? link_by_index(pe, l->link) : NULL;

		if (!par)
			return stop_at(h, PSTOP_ERROR, "the parent of %s is not known", h->dev);
		snprintf(h->note, sizeof(h->note), "leaves by its parent %s in %s", par->name,
			 pe->name);
		return l2_tx(w, pe, par, p, NULL, NULL, false);
	}
	if (l->flags & IFF_LOOPBACK)
		return stop_at(h, PSTOP_DELIVERED, "loopback");
	if (!l->kind[0]) {
		stop_at(h, PSTOP_WIRE, "leaves the host by NIC %s", l->name);
		snprintf(h->kind, sizeof(h->kind), "nic");
		nic_place(e, l, p, h);
		return 1;
	}
	return stop_at(h, PSTOP_ERROR, "a %s device: not followed further", l->kind);
fix:
	{
		char ipns[80];

		snprintf(ipns, sizeof(ipns), "-n %s ", h->ns);
		if (!strcmp(h->ns, "host"))
			ipns[0] = '\0';
		path_fix(h, &w->r->flow, ipns, "", "", h->fix, sizeof(h->fix));
	}
	return 1;
}

/* ---- the start ---- */

static int start_ns(struct walker *w, const char *spec, struct nsent **out,
		    struct pn_link **dev, struct in_addr *src)
{
	struct in_addr a;
	int fd;
	uint64_t ino;

	*dev = NULL;
	src->s_addr = 0;
	if (!strncmp(spec, "pid:", 4)) {
		int pid;

		if (parse_int(spec + 4, &pid) || pid <= 0)
			return walk_err(w, -EINVAL, "--from %s: not a process id", spec);
		fd = netns_open_pid(NULL, pid);
		if (fd < 0)
			return walk_err(w, -ENOENT, "--from %s: no such process (%s)", spec,
					strerror(-fd));
		if (netns_inode(fd, &ino)) {
			close(fd);
			return walk_err(w, -EIO, "--from %s: cannot read its namespace", spec);
		}
		*out = ns_add(w, fd, ino, "?", NULL);
		ns_discover(w);
		if (!strcmp((*out)->name, "?"))
			snprintf((*out)->name, sizeof((*out)->name), "%s", spec);
		return 0;
	}
	if (inet_pton(AF_INET, spec, &a) == 1) {
		struct nsent *hit = NULL;
		int nhit = 0;
		char names[256] = "";

		ns_discover(w);
		for (size_t i = 0; i < w->nns; i++) {
			struct pkt q = { .dst = a };
			struct pn_route rt;

			if (!route_get(&w->ns[i], &q, 0, 0, RTM_F_LOOKUP_TABLE, &rt) &&
			    rt.type == RTN_LOCAL) {
				if (!nhit)
					hit = &w->ns[i];
				nhit++;
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
					 nhit > 1 ? ", " : "", w->ns[i].name);
			}
		}
		if (!nhit)
			return walk_err(w, -ENOENT, "--from %s: no namespace has this address", spec);
		if (nhit > 1)
			return walk_err(w, -ENOENT, "--from %s: several namespaces have this address "
					"(%s): name one", spec, names);
		*out = hit;
		*src = a;
		return 0;
	}
	if (!strcmp(spec, "host")) {
		for (size_t i = 0; i < w->nns; i++)
			if (!strcmp(w->ns[i].name, "host")) {
				*out = &w->ns[i];
				return 0;
			}
		fd = netns_open_pid(NULL, 1);
		if (fd < 0)
			return walk_err(w, fd, "cannot open the host namespace: %s", strerror(-fd));
		if (netns_inode(fd, &ino)) {
			close(fd);
			return -EIO;
		}
		*out = ns_add(w, fd, ino, "host", NULL);
		return 0;
	}
	if (netns_name_exists(w->o->run_root, spec)) {
		fd = netns_open_name(w->o->run_root, spec);
		if (fd < 0)
			return walk_err(w, fd, "--from %s: cannot open the namespace: %s", spec,
					strerror(-fd));
		if (netns_inode(fd, &ino)) {
			close(fd);
			return -EIO;
		}
		*out = ns_add(w, fd, ino, spec, NULL);
		return 0;
	}
	/* a device: the host's first, then any namespace's (it must be unique) */
	ns_discover(w);
	{
		struct nsent *hit = NULL;
		struct pn_link *hl = NULL;
		int nhit = 0;

		for (size_t i = 0; i < w->nns; i++) {
			struct pn_link *l = link_by_name(&w->ns[i], spec);

			if (l) {
				if (!nhit) {
					hit = &w->ns[i];
					hl = l;
				}
				nhit++;
				if (!strcmp(w->ns[i].name, "host")) {
					hit = &w->ns[i];
					hl = l;
					nhit = 1;
					break;
				}
			}
		}
		if (nhit == 1) {
			*out = hit;
			*dev = hl;
			return 0;
		}
		if (nhit > 1)
			return walk_err(w, -ENOENT, "--from %s: a device of that name is in several "
					"namespaces: name the namespace", spec);
	}
	return walk_err(w, -ENOENT, "--from %s: no network namespace (ip netns list), process "
			"(pid:PID), device or local address of that name", spec);
}

static void walker_release(struct walker *w)
{
	for (size_t i = 0; i < w->nns; i++) {
		struct nsent *e = &w->ns[i];

		if (e->fd >= 0)
			close(e->fd);
		nl_close(e->nl);
		free(e->links);
		free(e->rules);
		free(e->nft);
		free(e->ids);
	}
	free(w->ns);
	for (size_t i = 0; i < w->novs; i++)
		ovs_db_release(&w->ovs[i].db_rows);
	free(w->ovs);
}

/* The spread of the range's flows at one hop (see struct path_spread). */
static void spread_place(struct walker *w, struct path_spread *s)
{
	const struct path_opts *o = w->o;
	const struct path_result *r = w->r;
	struct rss_config *cfg;
	const struct path_hop *h = NULL;
	struct nsent *e = NULL;
	struct rss_flow f;
	uint32_t plo, phi;
	uint64_t na;

	memset(s, 0, sizeof(*s));
	s->hop = -1;
	if (r->flow.family == AF_INET6) {
		snprintf(s->err, sizeof(s->err), "the spread is IPv4 only");
		return;
	}
	for (int i = 0; i < r->n && !h; i++)
		if (!strcmp(r->hop[i].kind, "nic"))
			h = &r->hop[i];
	for (int i = r->n - 1; i >= 0 && !h; i--)
		if (!strcmp(r->hop[i].dir, "rx") && r->hop[i].ifindex > 0)
			h = &r->hop[i];
	if (!h) {
		snprintf(s->err, sizeof(s->err), "no hop receives the flows on a device");
		return;
	}
	s->hop = (int)(h - r->hop);
	snprintf(s->ns, sizeof(s->ns), "%s", h->ns);
	snprintf(s->dev, sizeof(s->dev), "%s", h->dev);
	for (size_t i = 0; i < w->nns && !e; i++)
		if (w->ns[i].inode == h->ns_inode)
			e = &w->ns[i];
	cfg = xmalloc(sizeof(*cfg));
	rss_config_init(cfg);
	if (!e || rss_config_read(ns_fd(e), h->dev, cfg, s->err, sizeof(s->err))) {
		if (!s->err[0])
			snprintf(s->err, sizeof(s->err), "namespace of %s not open", h->dev);
		free(cfg);
		return;
	}
	s->err[0] = '\0';
	s->rss = cfg->rss;
	s->n_rx_queues = cfg->n_rx_queues;
	snprintf(s->rss_reason, sizeof(s->rss_reason), "%s", cfg->rss_reason);
	memset(&f, 0, sizeof(f));
	f.family = AF_INET;
	f.proto = r->flow.proto;
	memcpy(f.src, o->srcs ? o->srcs->lo : (const uint8_t *)&h->src, 4);
	memcpy(f.dst, &h->dst, 4);
	f.dport = h->dport;
	plo = o->sports ? o->sport_lo : h->sport;
	phi = o->sports ? o->sport_hi : h->sport;
	na = o->srcs ? o->srcs->count : 1;
	for (uint64_t a = 0; a < na; a++, rss_addr_inc(f.src, 4)) {
		for (uint32_t port = plo; port <= phi && s->flows < PATH_SPREAD_MAX; port++) {
			struct rss_place pl;

			f.sport = (uint16_t)port;
			rss_flow_place(cfg, &f, &pl);
			rss_spread_add(&s->sp, &pl);
			s->flows++;
		}
	}
	free(cfg);
}

int path_walk(const struct path_opts *o, struct path_result *r, char *err, size_t errn)
{
	struct walker w = { .o = o, .r = r, .err = err, .errn = errn };
	struct nsent *e = NULL;
	struct pn_link *dev;
	struct pkt p = { 0 };
	int rc;

	memset(r, 0, sizeof(*r));
	*err = '\0';
	r->flow.family = AF_INET;
	if (o->to && inet_pton(AF_INET6, o->to, &r->flow.dst6) == 1) {
		r->flow.family = AF_INET6;
		struct in6_addr a6;
		struct in_addr a4;

		if (o->from && (inet_pton(AF_INET6, o->from, &a6) == 1 ||
				inet_pton(AF_INET, o->from, &a4) == 1)) {
			snprintf(err, errn, "--from %s: an address as the start is IPv4 only; name "
				 "the namespace, process or device", o->from);
			return -EINVAL;
		}
	} else if (!o->to || inet_pton(AF_INET, o->to, &r->flow.dst) != 1) {
		snprintf(err, errn, "--to %s: not an IPv4 or IPv6 address", o->to ? o->to : "(none)");
		return -EINVAL;
	}
	r->flow.proto = o->proto ? o->proto : IPPROTO_UDP;
	r->flow.sport = o->sport;
	r->flow.dport = o->dport;
	r->flow.size = o->payload + 8 + (r->flow.family == AF_INET6 ? 40 : 20);
	/* every namespace up front: the table of namespaces never moves during the walk */
	ns_discover(&w);
	rc = start_ns(&w, o->from, &e, &dev, &r->flow.src);
	if (rc)
		goto out;
	p.src = r->flow.src;
	p.dst = r->flow.dst;
	p.proto = r->flow.proto;
	p.sport = r->flow.sport;
	p.dport = r->flow.dport;
	p.size = r->flow.size;
	p.mark = o->mark;
	p.mark_ino = e->inode;
	p.family = r->flow.family;
	p.dst6 = r->flow.dst6;
	if (p.family == AF_INET6)
		rc = l3_route6(&w, e, &p, NULL, NULL, dev ? dev->ifindex : 0);
	else
		rc = l3_route(&w, e, &p, NULL, NULL, dev ? dev->ifindex : 0);
	if (rc == 0 && r->n) {
		struct path_hop *h = &r->hop[r->n - 1];

		stop_at(h, PSTOP_NOPORT, "no branch reaches %s", o->to);
	}
	if (rc >= 0 && !r->n) {
		snprintf(err, errn, "no hop found from %s to %s", o->from, o->to);
		rc = -ENOENT;
	}
	if (rc > 0)
		rc = 0;
	if (!rc)
		r->stop = r->hop[r->n - 1].stop;
	if (!rc && r->flow.family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&r->final.dst6)) {
		r->final = r->flow;
		r->final.src6 = r->flow.src6;
	}
	r->final.family = r->flow.family;
	if (!rc && r->final.dst.s_addr == 0)
		r->final = r->flow;
	if (!rc && r->final.src.s_addr == 0)
		r->final.src = r->flow.src;
	r->final.proto = r->flow.proto;
	r->final.size = r->flow.size;
	if (!rc && o->spread)
		spread_place(&w, o->spread);
out:
	walker_release(&w);
	return rc;
}

/* ---- counters ---- */

int path_read_counters(const struct path_result *r, struct path_counters *c)
{
	struct walker w = { 0 };
	struct path_opts o = { 0 };
	char err[64];

	w.o = &o;
	w.err = err;
	w.errn = sizeof(err);
	memset(c, 0, (size_t)r->n * sizeof(*c));
	for (int i = 0; i < r->n; i++) {
		const struct path_hop *h = &r->hop[i];
		struct nsent *e = NULL;

		if (!h->ifindex)
			continue;
		for (size_t k = 0; k < w.nns; k++)
			if (w.ns[k].inode == h->ns_inode)
				e = &w.ns[k];
		if (!e) {
			int fd = netns_open_inode(NULL, NULL, h->ns_inode);

			if (fd < 0)
				continue;
			e = ns_add(&w, fd, h->ns_inode, h->ns, NULL);
		}
		for (size_t k = 0; ; k++) {
			if (ns_links(e) || k >= e->nlinks)
				break;
			if (e->links[k].ifindex == h->ifindex && e->links[k].has_stats) {
				c[i].rx_packets = e->links[k].rx_packets;
				c[i].tx_packets = e->links[k].tx_packets;
				c[i].rx_dropped = e->links[k].rx_dropped;
				c[i].tx_dropped = e->links[k].tx_dropped;
				c[i].ok = true;
			}
		}
	}
	walker_release(&w);
	return 0;
}
