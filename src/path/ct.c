/* ct.c: ctnetlink request and reply of `dptune path`'s conntrack lookup (see ct.h).
 * Pure: no socket, no I/O. Unknown attributes are skipped. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libmnl/libmnl.h>
#include "ct.h"
#include "../collect/nl.h"

static void put_tuple(struct nlmsghdr *nlh, const struct ct_tuple *t)
{
	struct nlattr *tup = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG), *n;

	n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, &t->src);
	mnl_attr_put(nlh, CTA_IP_V4_DST, 4, &t->dst);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, t->proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(t->sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(t->dport));
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, tup);
}

struct nlmsghdr *ct_build_get(void *buf, const struct ct_tuple *t, uint32_t seq, bool *dump)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	memset(buf, 0, CT_REQ_MAX);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	nfg->version = NFNETLINK_V0;
	*dump = !t->sport || !t->dport ||
		(t->proto != IPPROTO_UDP && t->proto != IPPROTO_TCP);
	if (*dump)
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	else
		put_tuple(nlh, t);
	return nlh;
}

static int parse_tuple(const struct nlattr *a, struct ct_tuple *t)
{
	const struct nlattr *tb[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1], *pr[CTA_PROTO_MAX + 1];
	uint16_t v;

	memset(t, 0, sizeof(*t));
	if (!a || nl_nested_table(a, tb, CTA_TUPLE_MAX))
		return -EBADMSG;
	if (!tb[CTA_TUPLE_IP] || nl_nested_table(tb[CTA_TUPLE_IP], ip, CTA_IP_MAX))
		return -EBADMSG;
	if (!ip[CTA_IP_V4_SRC] || !ip[CTA_IP_V4_DST])
		return -ENOMSG; /* IPv6 or malformed */
	if (nl_get_struct(ip[CTA_IP_V4_SRC], &t->src, 4) != 4 ||
	    nl_get_struct(ip[CTA_IP_V4_DST], &t->dst, 4) != 4)
		return -EBADMSG;
	if (!tb[CTA_TUPLE_PROTO] || nl_nested_table(tb[CTA_TUPLE_PROTO], pr, CTA_PROTO_MAX) ||
	    !nl_get_u8(pr[CTA_PROTO_NUM], &t->proto))
		return -EBADMSG;
	if (nl_get_u16(pr[CTA_PROTO_SRC_PORT], &v))
		t->sport = ntohs(v);
	if (nl_get_u16(pr[CTA_PROTO_DST_PORT], &v))
		t->dport = ntohs(v);
	return 0;
}

int ct_parse(const struct nlmsghdr *nlh, struct ct_entry *e)
{
	const struct nlattr *tb[CTA_MAX + 1];
	const struct nfgenmsg *nfg;
	uint32_t v;
	uint16_t z;
	int rc;

	memset(e, 0, sizeof(*e));
	if (nlh->nlmsg_type != ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW))
		return -ENOMSG;
	if (nl_attr_table(nlh, sizeof(*nfg), tb, CTA_MAX))
		return -EBADMSG;
	nfg = mnl_nlmsg_get_payload(nlh);
	if (nfg->nfgen_family != AF_INET)
		return -ENOMSG;
	if ((rc = parse_tuple(tb[CTA_TUPLE_ORIG], &e->orig)) ||
	    (rc = parse_tuple(tb[CTA_TUPLE_REPLY], &e->reply)))
		return rc;
	if (nl_get_u32(tb[CTA_STATUS], &v))
		e->status = ntohl(v);
	if (nl_get_u32(tb[CTA_MARK], &v))
		e->mark = ntohl(v);
	if (nl_get_u16(tb[CTA_ZONE], &z))
		e->zone = ntohs(z);
	return 0;
}

static bool tuple_match(const struct ct_tuple *t, const struct ct_tuple *q)
{
	return t->src.s_addr == q->src.s_addr && t->dst.s_addr == q->dst.s_addr &&
	       t->proto == q->proto && (!q->sport || t->sport == q->sport) &&
	       (!q->dport || t->dport == q->dport);
}

int ct_match(const struct ct_entry *e, const struct ct_tuple *q)
{
	if (tuple_match(&e->orig, q))
		return CT_ORIG;
	if (tuple_match(&e->reply, q))
		return CT_REPLY;
	return CT_NONE;
}

/* The packet's tuple in direction dir and what it leaves as. */
static void ct_out(const struct ct_entry *e, int dir, struct ct_tuple *in, struct ct_tuple *out)
{
	const struct ct_tuple *other = dir == CT_REPLY ? &e->orig : &e->reply;

	*in = dir == CT_REPLY ? e->reply : e->orig;
	*out = *in;
	out->src = other->dst;
	out->sport = other->dport;
	out->dst = other->src;
	out->dport = other->sport;
}

bool ct_dnat(const struct ct_entry *e, int dir, struct ct_tuple *to)
{
	struct ct_tuple in, out;

	ct_out(e, dir, &in, &out);
	*to = in;
	to->dst = out.dst;
	to->dport = out.dport;
	return in.dst.s_addr != out.dst.s_addr || in.dport != out.dport;
}

bool ct_snat(const struct ct_entry *e, int dir, struct ct_tuple *to)
{
	struct ct_tuple in, out;

	ct_out(e, dir, &in, &out);
	*to = in;
	to->src = out.src;
	to->sport = out.sport;
	return in.src.s_addr != out.src.s_addr || in.sport != out.sport;
}

static const char *proto_name(uint8_t p, char *b, size_t n)
{
	if (p == IPPROTO_UDP)
		return "udp";
	if (p == IPPROTO_TCP)
		return "tcp";
	if (p == IPPROTO_ICMP)
		return "icmp";
	snprintf(b, n, "proto %u", p);
	return b;
}

const char *ct_str(const struct ct_entry *e, char *buf, size_t n)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	char pn[16];

	inet_ntop(AF_INET, &e->orig.src, a, sizeof(a));
	inet_ntop(AF_INET, &e->orig.dst, b, sizeof(b));
	inet_ntop(AF_INET, &e->reply.src, c, sizeof(c));
	inet_ntop(AF_INET, &e->reply.dst, d, sizeof(d));
	snprintf(buf, n, "%s %s:%u -> %s:%u, reply %s:%u -> %s:%u",
		 proto_name(e->orig.proto, pn, sizeof(pn)), a, e->orig.sport, b, e->orig.dport,
		 c, e->reply.sport, d, e->reply.dport);
	return buf;
}
