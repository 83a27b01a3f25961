/* raw.c: the raw sender's route, next hop and headers (see raw.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if_arp.h>
#include <linux/if_ether.h>
#include <linux/virtio_net.h>
#include <endian.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include "../collect/nl.h"
#include "dgram.h"
#include "raw.h"

#define RAW_SNDBUF (4 << 20)

/* 32-bit words summed in host order, folded, then turned to network order: the one's
 * complement sum does not depend on byte order (RFC 1071 2(B)); a byte-wise loop stood out
 * in the raw sender's profile. */
uint32_t raw_sum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = 0;
	size_t i;

	for (i = 0; i + 4 <= len; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		acc += w;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	sum += ntohs((uint16_t)acc);
	for (; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t raw_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int raw_tmpl_init(struct raw_tmpl *t, const uint8_t *link, unsigned linklen,
		  const struct sockaddr_storage *src, const struct sockaddr_storage *dst,
		  unsigned payload, bool partial)
{
	unsigned ulen = payload + 8, vl = partial ? RAW_VNET_LEN : 0;
	uint8_t *u;
	uint32_t sum = 0, pseudo;

	memset(t, 0, sizeof(*t));
	if (src->ss_family != dst->ss_family || payload > DGRAM_MAX_PAYLOAD ||
	    linklen > RAW_LINK_MAX)
		return -EINVAL;
	if (linklen)
		memcpy(t->hdr + vl, link, linklen);
	linklen += vl; /* from here on: where the IP header starts */
	if (src->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)src, *d = (const void *)dst;
		uint8_t *ip = t->hdr + linklen;

		ip[0] = 0x45;				/* version 4, 5 words */
		put16(ip + 2, (uint16_t)(20 + ulen));	/* total length */
		put16(ip + 6, 0x4000);			/* DF, as the kernel sends UDP */
		ip[8] = 64;				/* TTL */
		ip[9] = IPPROTO_UDP;
		memcpy(ip + 12, &s->sin_addr, 4);
		memcpy(ip + 16, &d->sin_addr, 4);
		put16(ip + 10, raw_fold(raw_sum(ip, 20, 0)));
		u = ip + 20;
		memcpy(u, &s->sin_port, 2);
		memcpy(u + 2, &d->sin_port, 2);
		sum = raw_sum(ip + 12, 8, 0);		/* pseudo-header: addresses */
		t->len = (uint8_t)(linklen + 28);
	} else if (src->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)src, *d = (const void *)dst;
		uint8_t *ip = t->hdr + linklen;

		ip[0] = 0x60;				/* version 6, class 0, no label */
		put16(ip + 4, (uint16_t)ulen);		/* payload length */
		ip[6] = IPPROTO_UDP;
		ip[7] = 64;				/* hop limit */
		memcpy(ip + 8, &s->sin6_addr, 16);
		memcpy(ip + 24, &d->sin6_addr, 16);
		u = ip + 40;
		memcpy(u, &s->sin6_port, 2);
		memcpy(u + 2, &d->sin6_port, 2);
		sum = raw_sum(ip + 8, 32, 0);
		t->len = (uint8_t)(linklen + 48);
	} else {
		return -EINVAL;
	}
	put16(u + 4, (uint16_t)ulen);
	/* pseudo-header: protocol and UDP length; then the UDP header (checksum 0) */
	sum += IPPROTO_UDP + ulen;
	pseudo = sum;
	sum = raw_sum(u, 8, sum);
	t->sum = sum;
	t->csum_off = (uint8_t)(u - t->hdr + 6);
	if (partial) {
		/* as the kernel's UDP: the field holds the folded pseudo-header sum, and whoever
		 * completes the checksum sums from the UDP header to the end */
		struct virtio_net_hdr vh = {
			.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
			.gso_type = VIRTIO_NET_HDR_GSO_NONE,
			.csum_start = htole16((uint16_t)(u - t->hdr - vl)),
			.csum_offset = htole16(6),
		};

		memcpy(t->hdr, &vh, RAW_VNET_LEN);
		put16(u + 6, (uint16_t)~raw_fold(pseudo));
		t->partial = true;
	}
	return 0;
}

void raw_tmpl_fill(const struct raw_tmpl *t, const void *payload_hdr, uint8_t *out)
{
	uint16_t c;

	memcpy(out, t->hdr, t->len);
	if (t->partial)
		return;
	c = raw_fold(raw_sum(payload_hdr, DGRAM_HDR_LEN, t->sum));
	put16(out + t->csum_off, c ? c : 0xffff); /* 0 means "no checksum" in UDP */
}

void raw_dest(const struct raw_path *p, int family, struct sockaddr_ll *to)
{
	memset(to, 0, sizeof(*to));
	to->sll_family = AF_PACKET;
	to->sll_protocol = htons(family == AF_INET6 ? ETH_P_IPV6 : ETH_P_IP);
	to->sll_ifindex = p->ifindex;
	to->sll_halen = p->halen;
	memcpy(to->sll_addr, p->lladdr, p->halen);
}

unsigned raw_link_header(const struct raw_path *p, int family, uint8_t *out)
{
	uint16_t type = family == AF_INET6 ? ETH_P_IPV6 : ETH_P_IP;

	if (p->arptype == ARPHRD_LOOPBACK) {
		memset(out, 0, ETH_HLEN);
	} else if (p->halen == ETH_ALEN) {
		memcpy(out, p->lladdr, ETH_ALEN);
		memcpy(out + ETH_ALEN, p->ownaddr, ETH_ALEN);
	} else {
		return 0;
	}
	put16(out + 2 * ETH_ALEN, type);
	return ETH_HLEN;
}

int raw_socket(int ifindex, bool vnet)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), v = RAW_SNDBUF, r, one = 1;
	struct sockaddr_ll at = { .sll_family = AF_PACKET, .sll_ifindex = ifindex };

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	if ((vnet && setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one))) ||
	    bind(fd, (const struct sockaddr *)&at, sizeof(at))) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* ---- rtnetlink: route, link, neighbour ---- */

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static const void *addr_of(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)a)->sin_addr :
					 (const void *)&((const struct sockaddr_in6 *)a)->sin6_addr;
}

static void addr_set(struct sockaddr_storage *a, int family, const void *raw)
{
	memset(a, 0, sizeof(*a));
	a->ss_family = (sa_family_t)family;
	memcpy((void *)addr_of(a), raw, addr_len(family));
}

struct route_ans {
	int family, oif, type;
	bool have_gw, have_src;
	uint8_t gw[16], src[16];
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_ans *a = data;
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm = NLMSG_DATA(nlh);
	size_t al = addr_len(a->family);

	if (nlh->nlmsg_type != RTM_NEWROUTE || nl_attr_table(nlh, sizeof(*rtm), tb, RTA_MAX))
		return 0;
	a->type = rtm->rtm_type;
	if (tb[RTA_OIF])
		nl_get_s32(tb[RTA_OIF], &a->oif);
	if (tb[RTA_GATEWAY] && nl_get_struct(tb[RTA_GATEWAY], a->gw, al) == al)
		a->have_gw = true;
	if (tb[RTA_PREFSRC] && nl_get_struct(tb[RTA_PREFSRC], a->src, al) == al)
		a->have_src = true;
	return 0;
}

struct link_ans {
	int ifindex;
	unsigned short type;
	unsigned flags;
	unsigned char addr[8];
	char name[IF_NAMESIZE];
	bool found;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_ans *a = data;
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi = NLMSG_DATA(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK || nl_attr_table(nlh, sizeof(*ifi), tb, IFLA_MAX) ||
	    ifi->ifi_index != a->ifindex)
		return 0;
	a->type = ifi->ifi_type;
	a->flags = ifi->ifi_flags;
	nl_get_str(tb[IFLA_IFNAME], a->name, sizeof(a->name));
	if (tb[IFLA_ADDRESS])
		nl_get_struct(tb[IFLA_ADDRESS], a->addr, sizeof(a->addr));
	a->found = true;
	return 0;
}

struct neigh_ans {
	int family, ifindex;
	uint8_t addr[16];
	unsigned char ll[8];
	unsigned char halen;
	uint16_t state;
	bool found;
};

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_ans *a = data;
	const struct nlattr *tb[NDA_MAX + 1];
	const struct ndmsg *nd = NLMSG_DATA(nlh);
	uint8_t dst[16];
	size_t al = addr_len(a->family), ll;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || nl_attr_table(nlh, sizeof(*nd), tb, NDA_MAX) ||
	    nd->ndm_family != a->family || nd->ndm_ifindex != a->ifindex ||
	    nl_get_struct(tb[NDA_DST], dst, al) != al || memcmp(dst, a->addr, al))
		return 0;
	a->state = nd->ndm_state;
	ll = nl_get_struct(tb[NDA_LLADDR], a->ll, sizeof(a->ll));
	a->halen = (unsigned char)(ll > sizeof(a->ll) ? sizeof(a->ll) : ll);
	a->found = true;
	return 0;
}

/* The route to dst and its egress device, on rtnetlink socket s: fills p (ifindex, ifname,
 * arptype, ownaddr, nexthop, src) and *la; 0 or -errno with err. */
static int route_and_link(struct nl_sock *s, const struct sockaddr_storage *dst,
			  struct raw_path *p, struct link_ans *la, char *err, size_t n)
{
	char buf[512], host[INET6_ADDRSTRLEN] = "?";
	struct nlmsghdr *req = (void *)buf;
	struct route_ans ra = { .family = dst->ss_family };
	int family = dst->ss_family, r;
	size_t al = addr_len(family);

	inet_ntop(family, addr_of(dst), host, sizeof(host));
	/* the route, as `ip route get` asks */
	memset(buf, 0, sizeof(buf));
	req->nlmsg_type = RTM_GETROUTE;
	req->nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	{
		struct rtmsg *rtm = NLMSG_DATA(req);
		struct rtattr *rta;

		rtm->rtm_family = (unsigned char)family;
		rtm->rtm_dst_len = (unsigned char)(al * 8);
		rta = (void *)(buf + NLMSG_ALIGN(req->nlmsg_len));
		rta->rta_type = RTA_DST;
		rta->rta_len = (unsigned short)RTA_LENGTH(al);
		memcpy(RTA_DATA(rta), addr_of(dst), al);
		req->nlmsg_len = NLMSG_ALIGN(req->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	}
	r = nl_request(s, req, route_cb, &ra);
	if (r || ra.oif <= 0) {
		snprintf(err, n, "no route to %s%s%s", host, r ? ": " : "", r ? strerror(-r) : "");
		return r ? r : -ENETUNREACH;
	}
	p->ifindex = ra.oif;
	if (ra.have_src) {
		addr_set(&p->src, family, ra.src);
		p->have_src = true;
	}
	p->have_gw = ra.have_gw;
	addr_set(&p->nexthop, family, ra.have_gw ? ra.gw : addr_of(dst));

	/* the egress device */
	memset(buf, 0, sizeof(buf));
	req->nlmsg_type = RTM_GETLINK;
	req->nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	((struct ifinfomsg *)NLMSG_DATA(req))->ifi_index = ra.oif;
	la->ifindex = ra.oif;
	r = nl_request(s, req, link_cb, la);
	if (r || !la->found) {
		snprintf(err, n, "cannot read the egress device (ifindex %d) of the route to %s",
			 ra.oif, host);
		return r ? r : -ENODEV;
	}
	snprintf(p->ifname, sizeof(p->ifname), "%s", la->name);
	p->arptype = la->type;
	memcpy(p->ownaddr, la->addr, sizeof(p->ownaddr));
	return 0;
}

int raw_route(const struct sockaddr_storage *dst, struct raw_path *p, char *err, size_t n)
{
	struct link_ans la = { 0 };
	struct nl_sock *s;
	int r;

	memset(p, 0, sizeof(*p));
	if (dst->ss_family != AF_INET && dst->ss_family != AF_INET6) {
		snprintf(err, n, "routes of IPv4 or IPv6 only");
		return -EAFNOSUPPORT;
	}
	s = nl_open(0);
	if (!s) {
		r = -errno;
		snprintf(err, n, "cannot open rtnetlink: %s", strerror(-r));
		return r;
	}
	r = route_and_link(s, dst, p, &la, err, n);
	nl_close(s);
	return r;
}

int raw_resolve(const struct sockaddr_storage *dst, struct raw_path *p, char *err, size_t n)
{
	struct nl_sock *s;
	char buf[512], host[INET6_ADDRSTRLEN] = "?", nh[INET6_ADDRSTRLEN] = "?";
	struct nlmsghdr *req = (void *)buf;
	struct link_ans la = { 0 };
	struct neigh_ans na = { .family = dst->ss_family };
	int family = dst->ss_family, r;
	size_t al;

	memset(p, 0, sizeof(*p));
	if (family != AF_INET && family != AF_INET6) {
		snprintf(err, n, "raw mode sends IPv4 or IPv6 only");
		return -EAFNOSUPPORT;
	}
	al = addr_len(family);
	inet_ntop(family, addr_of(dst), host, sizeof(host));
	s = nl_open(0);
	if (!s) {
		r = -errno;
		snprintf(err, n, "cannot open rtnetlink: %s", strerror(-r));
		return r;
	}
	r = route_and_link(s, dst, p, &la, err, n);
	if (r)
		goto out;
	inet_ntop(family, addr_of(&p->nexthop), nh, sizeof(nh));
	if (la.type == ARPHRD_LOOPBACK && family == AF_INET) {
		/* IPv4 on lo without the route its own stack attaches is a martian (the kernel
		 * drops it as IP_LOCALNET or as a local source): nothing would arrive */
		snprintf(err, n, "the route to %s is over the loopback device, where the kernel "
			 "takes IPv4 only from its own stack; measure this host's own path without "
			 "--raw", host);
		r = -EOPNOTSUPP;
		goto out;
	}
	if (la.type == ARPHRD_LOOPBACK) {
		p->halen = ETH_ALEN; /* the loopback device takes a zero Ethernet header */
		goto out;
	}
	if (la.type != ARPHRD_ETHER) {
		if (la.flags & IFF_NOARP) { /* tun, wireguard, ipip...: no link header */
			p->halen = 0;
			goto out;
		}
		snprintf(err, n, "raw mode sends on Ethernet, loopback and link-header-less devices; "
			 "%s is type %u", la.name, la.type);
		r = -EOPNOTSUPP;
		goto out;
	}

	/* the next hop's link address */
	memset(buf, 0, sizeof(buf));
	req->nlmsg_type = RTM_GETNEIGH;
	req->nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	((struct ndmsg *)NLMSG_DATA(req))->ndm_family = (unsigned char)family;
	na.ifindex = p->ifindex;
	memcpy(na.addr, addr_of(&p->nexthop), al);
	r = nl_dump(s, req, neigh_cb, &na);
	if (r) {
		snprintf(err, n, "cannot read the neighbour table: %s", strerror(-r));
		goto out;
	}
	if (!na.found || na.halen != ETH_ALEN ||
	    !(na.state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT |
			  NUD_NOARP))) {
		snprintf(err, n, "the next hop %s on %s has no link address yet (%s); reach it "
			 "once (ping %s) and run again", nh, la.name,
			 na.found ? "neighbour entry not valid" : "no neighbour entry", nh);
		r = -EHOSTUNREACH;
		goto out;
	}
	p->halen = ETH_ALEN;
	memcpy(p->lladdr, na.ll, ETH_ALEN);
	r = 0;
out:
	nl_close(s);
	return r;
}
