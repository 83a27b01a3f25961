/* route.c: `ip route get` for one destination over rtnetlink (route.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include "../collect/nl.h"
#include "route.h"

struct route_ans {
	int family, oif;
	bool have_gw, have_src;
	uint8_t gw[16], src[16];
};

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_ans *a = data;
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm = NLMSG_DATA(nlh);
	size_t al = addr_len(a->family);

	if (nlh->nlmsg_type != RTM_NEWROUTE || nl_attr_table(nlh, sizeof(*rtm), tb, RTA_MAX))
		return 0;
	if (tb[RTA_OIF])
		nl_get_s32(tb[RTA_OIF], &a->oif);
	if (tb[RTA_GATEWAY] && nl_get_struct(tb[RTA_GATEWAY], a->gw, al) == al)
		a->have_gw = true;
	if (tb[RTA_PREFSRC] && nl_get_struct(tb[RTA_PREFSRC], a->src, al) == al)
		a->have_src = true;
	return 0;
}

/* host (or a source address) as raw bytes of family (0: the first it resolves to). */
static int resolve(const char *host, int *family, uint8_t *raw, char *err, size_t n)
{
	struct addrinfo hints = { .ai_family = *family, .ai_socktype = SOCK_DGRAM }, *ai;
	int g = getaddrinfo(host, NULL, &hints, &ai);

	if (g) {
		snprintf(err, n, "cannot resolve '%s': %s", host, gai_strerror(g));
		return -EHOSTUNREACH;
	}
	*family = ai->ai_family;
	if (ai->ai_family == AF_INET)
		memcpy(raw, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
	else
		memcpy(raw, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
	freeaddrinfo(ai);
	return 0;
}

static void put_attr(struct nlmsghdr *req, unsigned short type, const void *v, size_t len)
{
	struct rtattr *rta = (void *)((char *)req + NLMSG_ALIGN(req->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), v, len);
	req->nlmsg_len = NLMSG_ALIGN(req->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

int route_get(const char *host, int family, const char *src, struct route_info *ri,
	      char *err, size_t n)
{
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *req = (void *)buf;
	struct rtmsg *rtm;
	struct route_ans ra = { 0 };
	uint8_t dst[16], from[16];
	struct nl_sock *s;
	int r, sfam;

	memset(ri, 0, sizeof(*ri));
	r = resolve(host, &family, dst, err, n);
	if (r)
		return r;
	if (family != AF_INET && family != AF_INET6) {
		snprintf(err, n, "'%s' is neither IPv4 nor IPv6", host);
		return -EAFNOSUPPORT;
	}
	ri->family = family;
	inet_ntop(family, dst, ri->dst, sizeof(ri->dst));
	if (src) {
		sfam = family;
		r = resolve(src, &sfam, from, err, n);
		if (r)
			return r;
	}
	ra.family = family;
	memset(buf, 0, sizeof(buf));
	req->nlmsg_type = RTM_GETROUTE;
	req->nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	rtm = NLMSG_DATA(req);
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)(addr_len(family) * 8);
	put_attr(req, RTA_DST, dst, addr_len(family));
	if (src) {
		rtm->rtm_src_len = (unsigned char)(addr_len(family) * 8);
		put_attr(req, RTA_SRC, from, addr_len(family));
	}
	s = nl_open(0);
	if (!s) {
		r = -errno;
		snprintf(err, n, "cannot open rtnetlink: %s", strerror(-r));
		return r;
	}
	r = nl_request(s, req, route_cb, &ra);
	nl_close(s);
	if (r || ra.oif <= 0) {
		snprintf(err, n, "no route to %s%s%s", ri->dst, r ? ": " : "",
			 r ? strerror(-r) : "");
		return r ? r : -ENETUNREACH;
	}
	ri->ifindex = ra.oif;
	if (!if_indextoname((unsigned)ra.oif, ri->dev))
		snprintf(ri->dev, sizeof(ri->dev), "if%d", ra.oif);
	if (src)
		inet_ntop(family, from, ri->src, sizeof(ri->src));
	else if (ra.have_src)
		inet_ntop(family, ra.src, ri->src, sizeof(ri->src));
	if (ra.have_gw)
		inet_ntop(family, ra.gw, ri->gateway, sizeof(ri->gateway));
	return 0;
}
