/* route.h: which way traffic to a host (a name or an address) leaves this namespace, as
 * `ip route get` says: the egress device, the source address and the gateway (raw_route()
 * of raw.c underneath, as bench's first line). sweep prints it in its first line, so a
 * reader sees at once which namespace and route the test traffic took (a hint pasted on
 * the wrong host sends traffic elsewhere). */
#ifndef DPTUNE_ROUTE_H
#define DPTUNE_ROUTE_H

#include <netinet/in.h>
#include <net/if.h>
#include <stddef.h>

struct route_info {
	char netns[64];                 /* where it was looked up: a name, or "host" (caller) */
	char dst[INET6_ADDRSTRLEN];     /* the destination address the host resolved to */
	char dev[IF_NAMESIZE];          /* egress device */
	int ifindex;
	char src[INET6_ADDRSTRLEN];     /* source address: --bind, or the route's preferred */
	char gateway[INET6_ADDRSTRLEN]; /* next hop, "" when the destination is on-link */
	int family;                     /* AF_INET or AF_INET6 */
};

/* Look up the route from the current network namespace to host (a name or an address;
 * family 0, AF_INET or AF_INET6), from source address src when not NULL. Fills ri (but
 * not ri->netns). 0, or -errno with err[] saying what failed on what ("no route to
 * ADDR: why", "cannot resolve 'HOST': why"). */
int route_get(const char *host, int family, const char *src, struct route_info *ri,
	      char *err, size_t n) __attribute__((warn_unused_result));

#endif
