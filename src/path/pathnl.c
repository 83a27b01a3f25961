/* pathnl.c: parsers of the rtnetlink replies of `dptune path` and the policy-rule
 * matcher (see pathnl.h). Pure: no socket, no I/O. Unknown attributes are skipped. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include "pathnl.h"
#include "../collect/nl.h"

static void get_in4(const struct nlattr *a, struct in_addr *v, bool *has)
{
	if (a && mnl_attr_get_payload_len(a) >= 4) {
		memcpy(v, mnl_attr_get_payload(a), 4);
		if (has)
			*has = true;
	}
}

/* A 6-byte link-layer address: copied to mac, *has set; anything else leaves both. */
static void get_mac(const struct nlattr *a, uint8_t *mac, bool *has)
{
	if (a && mnl_attr_get_payload_len(a) == 6) {
		memcpy(mac, mnl_attr_get_payload(a), 6);
		*has = true;
	}
}

static void link_vxlan(const struct nlattr *data, struct pn_link *l)
{
	const struct nlattr *tb[IFLA_VXLAN_MAX + 1];
	uint16_t port;
	uint32_t v;

	if (nl_nested_table(data, tb, IFLA_VXLAN_MAX))
		return;
	nl_get_u32(tb[IFLA_VXLAN_ID], &l->vni);
	get_in4(tb[IFLA_VXLAN_GROUP], &l->vx_remote, NULL);
	get_in4(tb[IFLA_VXLAN_LOCAL], &l->vx_local, NULL);
	if (nl_get_u16(tb[IFLA_VXLAN_PORT], &port))
		l->vx_port = ntohs(port);
	if (nl_get_u32(tb[IFLA_VXLAN_LINK], &v))
		l->vx_link = (int)v;
}

int pn_link_parse(const struct nlmsghdr *nlh, struct pn_link *l)
{
	const struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	const struct ifinfomsg *ifm;
	uint32_t v;

	memset(l, 0, sizeof(*l));
	l->link_netnsid = -1;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return -ENOMSG;
	if (nl_attr_table(nlh, sizeof(*ifm), tb, IFLA_MAX))
		return -EBADMSG;
	ifm = mnl_nlmsg_get_payload(nlh);
	l->ifindex = ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	if (!nl_get_str(tb[IFLA_IFNAME], l->name, sizeof(l->name)))
		return -EBADMSG;
	get_mac(tb[IFLA_ADDRESS], l->mac, &l->has_mac);
	if (nl_get_u32(tb[IFLA_MASTER], &v))
		l->master = (int)v;
	if (nl_get_u32(tb[IFLA_LINK], &v))
		l->link = (int)v;
	if (tb[IFLA_LINK_NETNSID]) {
		int32_t id;

		if (nl_get_s32(tb[IFLA_LINK_NETNSID], &id))
			l->link_netnsid = id;
	}
	nl_get_u32(tb[IFLA_MTU], &l->mtu);
	nl_get_u8(tb[IFLA_OPERSTATE], &l->operstate);
	if (!nl_nested_table(tb[IFLA_LINKINFO], li, IFLA_INFO_MAX) && tb[IFLA_LINKINFO]) {
		nl_get_str(li[IFLA_INFO_KIND], l->kind, sizeof(l->kind));
		nl_get_str(li[IFLA_INFO_SLAVE_KIND], l->slave_kind, sizeof(l->slave_kind));
		if (!strcmp(l->kind, "vxlan"))
			link_vxlan(li[IFLA_INFO_DATA], l);
	}
	if (tb[IFLA_STATS64]) {
		struct rtnl_link_stats64 st;

		if (nl_get_struct(tb[IFLA_STATS64], &st, sizeof(st)) >= 8 * 8) {
			l->rx_packets = st.rx_packets;
			l->tx_packets = st.tx_packets;
			l->rx_dropped = st.rx_dropped;
			l->tx_dropped = st.tx_dropped;
			l->has_stats = true;
		}
	}
	return 0;
}

int pn_route_parse(const struct nlmsghdr *nlh, struct pn_route *r)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm;
	uint32_t v;

	memset(r, 0, sizeof(*r));
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return -ENOMSG;
	if (nl_attr_table(nlh, sizeof(*rtm), tb, RTA_MAX))
		return -EBADMSG;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -ENOMSG;
	r->family = rtm->rtm_family;
	r->type = rtm->rtm_type;
	r->table = rtm->rtm_table;
	if (nl_get_u32(tb[RTA_TABLE], &v))
		r->table = v;
	if (nl_get_u32(tb[RTA_OIF], &v))
		r->oif = (int)v;
	if (nl_get_u32(tb[RTA_IIF], &v))
		r->iif = (int)v;
	nl_get_u32(tb[RTA_PRIORITY], &r->priority);
	if (r->family == AF_INET6) {
		r->dst_len = rtm->rtm_dst_len > 128 ? 128 : rtm->rtm_dst_len;
		r->has_gw = nl_get_struct(tb[RTA_GATEWAY], &r->gw6, 16) == 16;
		r->has_prefsrc = nl_get_struct(tb[RTA_PREFSRC], &r->prefsrc6, 16) == 16;
		nl_get_struct(tb[RTA_DST], &r->dst6, 16);
	} else {
		r->dst_len = rtm->rtm_dst_len > 32 ? 32 : rtm->rtm_dst_len;
		get_in4(tb[RTA_GATEWAY], &r->gw, &r->has_gw);
		get_in4(tb[RTA_PREFSRC], &r->prefsrc, &r->has_prefsrc);
		get_in4(tb[RTA_DST], &r->dst, NULL);
	}
	if (tb[RTA_METRICS]) {
		const struct nlattr *mx[RTAX_MAX + 1];

		if (!nl_nested_table(tb[RTA_METRICS], mx, RTAX_MAX))
			nl_get_u32(mx[RTAX_MTU], &r->mtu);
	}
	return 0;
}

int pn_neigh_parse(const struct nlmsghdr *nlh, struct pn_neigh *n)
{
	const struct nlattr *tb[NDA_MAX + 1];
	const struct ndmsg *ndm;
	uint32_t v;

	memset(n, 0, sizeof(*n));
	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return -ENOMSG;
	if (nl_attr_table(nlh, sizeof(*ndm), tb, NDA_MAX))
		return -EBADMSG;
	ndm = mnl_nlmsg_get_payload(nlh);
	n->family = ndm->ndm_family;
	n->ifindex = ndm->ndm_ifindex;
	n->state = ndm->ndm_state;
	n->flags = ndm->ndm_flags;
	get_mac(tb[NDA_LLADDR], n->mac, &n->has_mac);
	if (tb[NDA_DST] && mnl_attr_get_payload_len(tb[NDA_DST]) == 4)
		get_in4(tb[NDA_DST], &n->dst, &n->has_dst);
	if (tb[NDA_DST] && mnl_attr_get_payload_len(tb[NDA_DST]) == 16)
		n->has_dst6 = nl_get_struct(tb[NDA_DST], &n->dst6, 16) == 16;
	if (nl_get_u32(tb[NDA_MASTER], &v))
		n->master = (int)v;
	nl_get_u16(tb[NDA_VLAN], &n->vlan);
	return 0;
}

int pn_rule_parse(const struct nlmsghdr *nlh, struct pn_rule *r)
{
	const struct nlattr *tb[FRA_MAX + 1];
	const struct fib_rule_hdr *frh;
	struct fib_rule_port_range pr;

	memset(r, 0, sizeof(*r));
	if (nlh->nlmsg_type != RTM_NEWRULE)
		return -ENOMSG;
	if (nl_attr_table(nlh, sizeof(*frh), tb, FRA_MAX))
		return -EBADMSG;
	frh = mnl_nlmsg_get_payload(nlh);
	if (frh->family != AF_INET)
		return -ENOMSG;
	r->action = frh->action;
	r->flags = (uint8_t)frh->flags;
	r->table = frh->table;
	r->src_len = frh->src_len > 32 ? 32 : frh->src_len;
	r->dst_len = frh->dst_len > 32 ? 32 : frh->dst_len;
	nl_get_u32(tb[FRA_TABLE], &r->table);
	nl_get_u32(tb[FRA_PRIORITY], &r->priority);
	get_in4(tb[FRA_SRC], &r->src, NULL);
	get_in4(tb[FRA_DST], &r->dst, NULL);
	nl_get_str(tb[FRA_IIFNAME], r->iif, sizeof(r->iif));
	nl_get_str(tb[FRA_OIFNAME], r->oif, sizeof(r->oif));
	r->has_fwmark = nl_get_u32(tb[FRA_FWMARK], &r->fwmark) && r->fwmark;
	if (!nl_get_u32(tb[FRA_FWMASK], &r->fwmask))
		r->fwmask = 0xffffffffu;
	if (tb[FRA_FWMASK] && r->fwmask)
		r->has_fwmark = true; /* fwmark 0/0xff selects unmarked packets */
	nl_get_u8(tb[FRA_IP_PROTO], &r->ip_proto);
	if (nl_get_struct(tb[FRA_SPORT_RANGE], &pr, sizeof(pr)) == sizeof(pr)) {
		r->sport_lo = pr.start;
		r->sport_hi = pr.end;
	}
	if (nl_get_struct(tb[FRA_DPORT_RANGE], &pr, sizeof(pr)) == sizeof(pr)) {
		r->dport_lo = pr.start;
		r->dport_hi = pr.end;
	}
	return 0;
}

bool pn_in_prefix(struct in_addr a, struct in_addr p, unsigned len)
{
	uint32_t mask;

	if (!len)
		return true;
	if (len > 32)
		len = 32;
	mask = len == 32 ? 0xffffffffu : ~(0xffffffffu >> len);
	return (ntohl(a.s_addr) & mask) == (ntohl(p.s_addr) & mask);
}

bool pn_rule_matches(const struct pn_rule *r, struct in_addr src, struct in_addr dst,
		     uint8_t proto, uint16_t sport, uint16_t dport, const char *iif)
{
	return pn_rule_matches_mark(r, src, dst, proto, sport, dport, iif, "", 0);
}

bool pn_rule_matches_mark(const struct pn_rule *r, struct in_addr src, struct in_addr dst,
			  uint8_t proto, uint16_t sport, uint16_t dport, const char *iif,
			  const char *oif, uint32_t mark)
{
	bool m = true;

	if (r->src_len && !pn_in_prefix(src, r->src, r->src_len))
		m = false;
	if (r->dst_len && !pn_in_prefix(dst, r->dst, r->dst_len))
		m = false;
	/* iif "lo" selects locally generated packets, as the kernel does */
	if (r->iif[0] && strcmp(r->iif, iif && *iif ? iif : "lo"))
		m = false;
	/* oif rules select a local sender bound to that device (--from DEV) */
	if (r->oif[0] && strcmp(r->oif, oif ? oif : ""))
		m = false;
	if (r->has_fwmark && ((mark ^ r->fwmark) & r->fwmask))
		m = false;
	if (r->ip_proto && r->ip_proto != proto)
		m = false;
	if (r->sport_hi && (sport < r->sport_lo || sport > r->sport_hi))
		m = false;
	if (r->dport_hi && (dport < r->dport_lo || dport > r->dport_hi))
		m = false;
	return (r->flags & FIB_RULE_INVERT) ? !m : m;
}

const char *pn_route_type_name(uint8_t type)
{
	static const char *const n[] = {
		[RTN_UNSPEC] = "none", [RTN_UNICAST] = "unicast", [RTN_LOCAL] = "local",
		[RTN_BROADCAST] = "broadcast", [RTN_ANYCAST] = "anycast",
		[RTN_MULTICAST] = "multicast", [RTN_BLACKHOLE] = "blackhole",
		[RTN_UNREACHABLE] = "unreachable", [RTN_PROHIBIT] = "prohibit",
		[RTN_THROW] = "throw", [RTN_NAT] = "nat", [RTN_XRESOLVE] = "xresolve",
	};

	return type < sizeof(n) / sizeof(n[0]) && n[type] ? n[type] : "?";
}

const char *pn_table_name(uint32_t table, char *buf, size_t n)
{
	switch (table) {
	case RT_TABLE_MAIN: return "main";
	case RT_TABLE_LOCAL: return "local";
	case RT_TABLE_DEFAULT: return "default";
	default:
		snprintf(buf, n, "%u", table);
		return buf;
	}
}

const char *pn_nud_name(uint16_t s)
{
	if (s & NUD_PERMANENT) return "PERMANENT";
	if (s & NUD_NOARP) return "NOARP";
	if (s & NUD_REACHABLE) return "REACHABLE";
	if (s & NUD_STALE) return "STALE";
	if (s & NUD_DELAY) return "DELAY";
	if (s & NUD_PROBE) return "PROBE";
	if (s & NUD_INCOMPLETE) return "INCOMPLETE";
	if (s & NUD_FAILED) return "FAILED";
	return "NONE";
}

const char *pn_mac_str(const uint8_t *m, char *buf, size_t n)
{
	snprintf(buf, n, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}
