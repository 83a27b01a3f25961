/* path.h: `dptune path`: the hops a packet of one 5-tuple takes from a namespace, process,
 * device or address to a destination address, as the kernel decides them: the route
 * lookup (with its table and policy rule) in each namespace, the neighbour entry, the
 * egress device, a veth into its peer's namespace, a bridge's FDB entry and the port it
 * leaves by, an Open vSwitch bridge and port, a vxlan device's remote and the underlay
 * route, a macvlan's parent and children, NAT (the flow's conntrack entry, else the
 * nftables rule), down to a physical NIC or to local delivery. IPv4; IPv6 for routes,
 * neighbours and L2 devices (no NAT, policy rules, vxlan). Each hop says what decided it and, when a packet would stop there,
 * why (unreachable/blackhole/prohibit route, no route, rp_filter, failed neighbour, MTU
 * below the packet, a device down).
 *
 * walk.c asks the kernel (netlink in each namespace through core/netns.c); pathnl.c holds
 * the parsers of the netlink replies (pure, fuzzed); nat.c the nftables rule matcher
 * (pure, on `nft -j list ruleset` output); ct.c the ctnetlink request and entry parser
 * (pure, fuzzed); hop.c the names and the pure helpers. */
#ifndef DPTUNE_PATH_H
#define DPTUNE_PATH_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "../core/util.h"
#include "rss_spread.h"

#define PATH_HOPS_MAX 64
#define PATH_TEXT 200

/* Why a packet would stop at a hop (PSTOP_NONE: it goes on). */
enum path_stop {
	PSTOP_NONE = 0,
	PSTOP_DELIVERED,    /* local delivery: the destination is an address of this namespace */
	PSTOP_WIRE,         /* leaves the host by a physical NIC */
	PSTOP_NOROUTE,      /* no route (ENETUNREACH) */
	PSTOP_UNREACHABLE,  /* an unreachable route (EHOSTUNREACH) */
	PSTOP_BLACKHOLE,    /* a blackhole route (EINVAL) */
	PSTOP_PROHIBIT,     /* a prohibit route (EACCES) */
	PSTOP_RPFILTER,     /* reverse-path filter (EXDEV) */
	PSTOP_NOFORWARD,    /* not local and forwarding is off in this namespace */
	PSTOP_NEIGH,        /* the neighbour entry is FAILED */
	PSTOP_MTU,          /* the packet is larger than the device's MTU */
	PSTOP_DOWN,         /* the device (or its peer) is down */
	PSTOP_NOPORT,       /* no bridge/OVS port leads to the destination */
	PSTOP_USERSPACE,    /* handed to a process (tap) that this host cannot follow */
	PSTOP_ERROR,        /* the kernel refused the lookup for another reason */
	PSTOP__COUNT
};

const char *path_stop_name(enum path_stop s);
/* True for a stop where packets are lost (not delivered, not leaving by the wire). */
bool path_stop_is_drop(enum path_stop s);
/* The stop a failed route lookup (-errno from RTM_GETROUTE) stands for. */
enum path_stop path_stop_from_errno(int err);

struct path_flow {
	int family;                  /* AF_INET, or AF_INET6 (then src6/dst6) */
	struct in_addr src, dst;     /* src 0: chosen by the first route lookup */
	struct in6_addr src6, dst6;
	uint8_t proto;               /* IPPROTO_UDP */
	uint16_t sport, dport;       /* host order; 0: any */
	uint32_t size;               /* L3 packet size: payload + UDP + IP headers */
};

/* One hop: a device in a namespace and what the kernel does with the packet there. */
struct path_hop {
	char ns[64];
	uint64_t ns_inode;
	char dev[IFNAMSIZ];
	int ifindex;
	char kind[16];        /* veth bridge vxlan macvlan tap ovs-port ovs-bridge guest nic lo */
	char dir[8];          /* "tx", "rx", "fwd" (bridge/OVS forwarding), "proc" */
	char decided[PATH_TEXT]; /* route+table+rule, FDB entry, OVS port, peer, ... */
	char nat[PATH_TEXT];  /* a NAT rewrite at this hop, or "" */
	char note[PATH_TEXT]; /* extra facts: neighbour, fragmenting, rp_filter setting */
	enum path_stop stop;
	char why[PATH_TEXT];  /* why the packet stops here (stop != NONE) */
	char fix[PATH_TEXT];  /* a command that fixes a drop stop, or "" */
	uint32_t mtu, size;   /* the device's MTU; the L3 size of the packet at this hop */
	int encap;            /* encapsulation depth (vxlan: 1 inside the tunnel's outer) */
	char rxq[16], cpu[16];/* NIC hop: receive queue and CPU (rss.h), "" if unknown */
	struct in_addr src, dst; /* the packet at this hop (after NAT before it) */
	uint16_t sport, dport;
};

struct path_result {
	struct path_flow flow;   /* as given, with src filled in */
	struct path_flow final;  /* after NAT, at the last hop */
	struct path_hop hop[PATH_HOPS_MAX];
	int n;
	enum path_stop stop;     /* the last hop's stop */
};

/* Where the walk starts. */
struct path_from {
	const char *spec;        /* NS, pid:PID, DEV, or ADDR (as the user wrote it) */
};

/* --sport-range/--src-range: the flows of the range placed on the rx queues and CPUs of
 * one hop's device (the NIC hop, else the device the last hop receives on), with the
 * device's RSS read once (rss.h). The walk follows the range's first flow; the others
 * are taken to go the same way, differing at that hop only in the source address (when
 * --src-range is given) and the source port (--sport-range). */
#define PATH_SPREAD_MAX 65536
struct path_spread {
	int hop;                  /* index into path_result.hop, -1: no device to place on */
	char ns[64], dev[IFNAMSIZ];
	uint64_t flows;
	unsigned n_rx_queues;
	bool rss;
	char rss_reason[128];
	char err[160];            /* the device's RSS could not be read: why */
	struct rss_spread sp;
};

struct path_opts {
	const char *from;        /* NS | pid:PID | DEV | ADDR */
	const char *to;          /* IPv4 address */
	uint8_t proto;
	uint16_t sport, dport;
	uint32_t payload;        /* UDP payload bytes */
	uint32_t mark;           /* skb->mark (fwmark) of the packet where it starts; 0 none */
	const char *run_root;    /* NULL: /run */
	struct path_spread *spread;           /* NULL: no spread */
	const struct rss_addr_range *srcs;    /* spread: source addresses, NULL: the flow's */
	bool sports;                          /* spread: source ports sport_lo..sport_hi */
	uint32_t sport_lo, sport_hi;          /* (else the flow's at that hop) */
};

/* Errors a walk reports instead of a path (with a message in err):
 * -ENOENT   no such namespace, process or device named by --from
 * -EINVAL   --to is not an IPv4 or IPv6 address
 * -ELOOP    the walk came back to a hop it had passed (a loop in the topology), or hit
 *           PATH_HOPS_MAX
 * other -errno: a kernel request failed. */
int path_walk(const struct path_opts *o, struct path_result *r, char *err, size_t errn)
	MUST_CHECK;

/* Per-hop device counters (for -i and doctor). */
struct path_counters {
	uint64_t rx_packets, tx_packets, rx_dropped, tx_dropped;
	bool ok;
};
/* Read the counters of every hop's device (by namespace inode and ifindex). c has r->n
 * entries. 0 or -errno. */
int path_read_counters(const struct path_result *r, struct path_counters *c) MUST_CHECK;

/* Pure helpers (hop.c). */
/* Append a hop (zeroed, ns/dev/kind/dir set); NULL when PATH_HOPS_MAX is reached. */
struct path_hop *path_add_hop(struct path_result *r, const char *ns, uint64_t inode,
			      const char *dev, int ifindex, const char *kind, const char *dir);
/* The same device as the hop before: consecutive hops of one device are one hop of the
 * lab's description (tx decided by a route and the device itself). */
bool path_hop_same_dev(const struct path_hop *a, const struct path_hop *b);
/* The fix command for a stop at hop h: "" when none is known. ipns is "" or
 * "-n NAME " (ip's namespace option), exec "" or "ip netns exec NAME ". */
void path_fix(const struct path_hop *h, const struct path_flow *f, const char *ipns,
	      const char *exec, const char *route_prefix, char *out, size_t n);

#endif
