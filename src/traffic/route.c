/* route.c: `ip route get` for a host given by name or address (route.h), over raw_route()
 * (raw.c, the rtnetlink lookup bench's raw sender and its first line use). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include "raw.h"
#include "route.h"

/* host (or a source address) as a sockaddr of family (0: the first it resolves to). */
static int resolve(const char *host, int family, struct sockaddr_storage *sa, char *err, size_t n)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM }, *ai;
	int g = getaddrinfo(host, NULL, &hints, &ai);

	if (g) {
		snprintf(err, n, "cannot resolve '%s': %s", host, gai_strerror(g));
		return -EHOSTUNREACH;
	}
	memset(sa, 0, sizeof(*sa));
	memcpy(sa, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (sa->ss_family != AF_INET && sa->ss_family != AF_INET6) {
		snprintf(err, n, "'%s' is neither IPv4 nor IPv6", host);
		return -EAFNOSUPPORT;
	}
	return 0;
}

static void addr_text(const struct sockaddr_storage *a, char *buf, size_t n)
{
	if (!inet_ntop(a->ss_family, a->ss_family == AF_INET ?
		       (const void *)&((const struct sockaddr_in *)a)->sin_addr :
		       (const void *)&((const struct sockaddr_in6 *)a)->sin6_addr, buf, (socklen_t)n))
		snprintf(buf, n, "?");
}

int route_get(const char *host, int family, const char *src, struct route_info *ri,
	      char *err, size_t n)
{
	struct sockaddr_storage dst, from;
	struct raw_path rp;
	int r;

	memset(ri, 0, sizeof(*ri));
	r = resolve(host, family, &dst, err, n);
	if (r)
		return r;
	ri->family = dst.ss_family;
	addr_text(&dst, ri->dst, sizeof(ri->dst));
	if (src) {
		r = resolve(src, dst.ss_family, &from, err, n);
		if (r)
			return r;
	}
	r = raw_route(&dst, &rp, err, n);
	if (r)
		return r;
	ri->ifindex = rp.ifindex;
	snprintf(ri->dev, sizeof(ri->dev), "%s", rp.ifname);
	if (src)
		addr_text(&from, ri->src, sizeof(ri->src));
	else if (rp.have_src)
		addr_text(&rp.src, ri->src, sizeof(ri->src));
	if (rp.have_gw)
		addr_text(&rp.nexthop, ri->gateway, sizeof(ri->gateway));
	return 0;
}
