/* hop.c: the pure part of `dptune path`: names of stops, the stop a failed route lookup
 * means, hop bookkeeping and the command that fixes a stop (see path.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "path.h"

const char *path_stop_name(enum path_stop s)
{
	static const char *const n[PSTOP__COUNT] = {
		[PSTOP_NONE] = "none", [PSTOP_DELIVERED] = "delivered", [PSTOP_WIRE] = "wire",
		[PSTOP_NOROUTE] = "no-route", [PSTOP_UNREACHABLE] = "unreachable",
		[PSTOP_BLACKHOLE] = "blackhole", [PSTOP_PROHIBIT] = "prohibit",
		[PSTOP_RPFILTER] = "rp_filter", [PSTOP_NOFORWARD] = "no-forwarding",
		[PSTOP_NEIGH] = "neighbour-failed", [PSTOP_MTU] = "mtu", [PSTOP_DOWN] = "down",
		[PSTOP_NOPORT] = "no-port", [PSTOP_USERSPACE] = "userspace",
		[PSTOP_ERROR] = "error",
	};

	return (unsigned)s < PSTOP__COUNT && n[s] ? n[s] : "?";
}

bool path_stop_is_drop(enum path_stop s)
{
	return s != PSTOP_NONE && s != PSTOP_DELIVERED && s != PSTOP_WIRE && s != PSTOP_USERSPACE;
}

enum path_stop path_stop_from_errno(int err)
{
	switch (err < 0 ? -err : err) {
	case ENETUNREACH: return PSTOP_NOROUTE;
	case EHOSTUNREACH: return PSTOP_UNREACHABLE;
	case EINVAL: return PSTOP_BLACKHOLE;
	case EACCES: return PSTOP_PROHIBIT;
	case EXDEV: return PSTOP_RPFILTER;
	default: return PSTOP_ERROR;
	}
}

struct path_hop *path_add_hop(struct path_result *r, const char *ns, uint64_t inode,
			      const char *dev, int ifindex, const char *kind, const char *dir)
{
	struct path_hop *h;

	if (r->n >= PATH_HOPS_MAX)
		return NULL;
	h = &r->hop[r->n++];
	memset(h, 0, sizeof(*h));
	snprintf(h->ns, sizeof(h->ns), "%s", ns ? ns : "");
	h->ns_inode = inode;
	snprintf(h->dev, sizeof(h->dev), "%s", dev ? dev : "");
	h->ifindex = ifindex;
	snprintf(h->kind, sizeof(h->kind), "%s", kind ? kind : "");
	snprintf(h->dir, sizeof(h->dir), "%s", dir ? dir : "");
	return h;
}

bool path_hop_same_dev(const struct path_hop *a, const struct path_hop *b)
{
	return a->ns_inode == b->ns_inode && !strcmp(a->dev, b->dev);
}

void path_fix(const struct path_hop *h, const struct path_flow *f, const char *ipns,
	      const char *exec, const char *route_prefix, char *out, size_t n)
{
	char dst[INET_ADDRSTRLEN], src[INET_ADDRSTRLEN];
	const char *pfx = route_prefix && *route_prefix ? route_prefix : dst;

	inet_ntop(AF_INET, &f->dst, dst, sizeof(dst));
	inet_ntop(AF_INET, &f->src, src, sizeof(src));
	*out = '\0';
	switch (h->stop) {
	case PSTOP_BLACKHOLE:
		snprintf(out, n, "ip %sroute del blackhole %s", ipns, pfx);
		break;
	case PSTOP_UNREACHABLE:
		snprintf(out, n, "ip %sroute del unreachable %s", ipns, pfx);
		break;
	case PSTOP_PROHIBIT:
		snprintf(out, n, "ip %sroute del prohibit %s", ipns, pfx);
		break;
	case PSTOP_NOROUTE:
		snprintf(out, n, "ip %sroute add %s via GATEWAY (a route to the destination)", ipns,
			 dst);
		break;
	case PSTOP_RPFILTER:
		snprintf(out, n, "%ssysctl -w net.ipv4.conf.%s.rp_filter=2 "
			 "net.ipv4.conf.all.rp_filter=2 (loose; or a route back to %s via %s)",
			 exec, h->dev, src, h->dev);
		break;
	case PSTOP_NOFORWARD:
		snprintf(out, n, "%ssysctl -w net.ipv4.ip_forward=1", exec);
		break;
	case PSTOP_MTU:
		snprintf(out, n, "ip %slink set dev %s mtu %u", ipns, h->dev, h->size);
		break;
	case PSTOP_DOWN:
		snprintf(out, n, "ip %slink set dev %s up", ipns, h->dev);
		break;
	case PSTOP_NEIGH:
		snprintf(out, n, "ip %sneigh show dev %s (the next hop does not answer ARP)", ipns,
			 h->dev);
		break;
	default:
		break;
	}
}
