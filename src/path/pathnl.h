/* pathnl.h: parsers of the rtnetlink replies `dptune path` asks for (links with their
 * kind, MAC and vxlan data; a route lookup; a neighbour or FDB entry; a policy rule) and
 * the pure rule matcher. Each takes one message, apart from any socket, so unit tests and
 * the fuzzer (tests/fuzz/fuzz_path.c) drive them on recorded bytes. */
#ifndef DPTUNE_PATHNL_H
#define DPTUNE_PATHNL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/netlink.h>

struct pn_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];          /* IFLA_INFO_KIND: veth bridge vxlan macvlan tun ... or "" */
	char slave_kind[16];    /* IFLA_INFO_SLAVE_KIND: "bridge", "openvswitch" or "" */
	uint8_t mac[6];
	bool has_mac;
	int master;             /* 0: none */
	int link;               /* IFLA_LINK: veth peer, macvlan parent; 0: none */
	int link_netnsid;       /* -1: same namespace */
	uint32_t mtu;
	uint8_t operstate;
	unsigned flags;         /* IFF_* */
	uint32_t vni;           /* vxlan */
	struct in_addr vx_remote, vx_local;
	uint16_t vx_port;       /* host order */
	int vx_link;
	uint64_t rx_packets, tx_packets, rx_dropped, tx_dropped;
	bool has_stats;
};

struct pn_route {
	uint8_t family;         /* AF_INET, or AF_INET6 (then the *6 addresses) */
	uint8_t type;           /* RTN_* */
	uint32_t table;
	int oif, iif;
	struct in_addr gw, prefsrc, dst;
	bool has_gw, has_prefsrc;
	uint8_t dst_len;
	uint32_t mtu;           /* RTAX_MTU, 0: the device's */
	uint32_t priority;
	struct in6_addr gw6, prefsrc6, dst6;
};

struct pn_neigh {
	uint8_t family;
	int ifindex;
	uint16_t state;         /* NUD_* */
	uint8_t flags;          /* NTF_* */
	uint8_t mac[6];
	bool has_mac;
	struct in_addr dst;     /* NDA_DST (IPv4 neighbour; a vxlan FDB entry's remote) */
	bool has_dst;
	struct in6_addr dst6;   /* NDA_DST of an IPv6 neighbour */
	bool has_dst6;
	int master;             /* NDA_MASTER (bridge FDB) */
	uint16_t vlan;
};

struct pn_rule {
	uint32_t priority, table;
	uint8_t action;         /* FR_ACT_* */
	uint8_t flags;          /* FIB_RULE_INVERT ... */
	struct in_addr src, dst;
	uint8_t src_len, dst_len;
	char iif[IFNAMSIZ], oif[IFNAMSIZ];
	uint32_t fwmark, fwmask;   /* fwmask: 0xffffffff when the rule gives none */
	bool has_fwmark;
	uint8_t ip_proto;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
};

/* Each returns 0, -ENOMSG when the message is not of that type, -EBADMSG when malformed. */
int pn_link_parse(const struct nlmsghdr *nlh, struct pn_link *l);
int pn_route_parse(const struct nlmsghdr *nlh, struct pn_route *r);
int pn_neigh_parse(const struct nlmsghdr *nlh, struct pn_neigh *n);
int pn_rule_parse(const struct nlmsghdr *nlh, struct pn_rule *r);

/* Does rule r select a packet src→dst (proto, ports host order) arriving on iif ("" for a
 * local sender)? As pn_rule_matches_mark with no mark and no output device: rules that
 * select by fwmark or oif do not match. */
bool pn_rule_matches(const struct pn_rule *r, struct in_addr src, struct in_addr dst,
		     uint8_t proto, uint16_t sport, uint16_t dport, const char *iif);
/* The same with the packet's mark ((mark & fwmask) == fwmark, as fib_rule_match) and the
 * output device a local sender is bound to (oif, "" for none). */
bool pn_rule_matches_mark(const struct pn_rule *r, struct in_addr src, struct in_addr dst,
			  uint8_t proto, uint16_t sport, uint16_t dport, const char *iif,
			  const char *oif, uint32_t mark);
/* Is a inside prefix p/len? */
bool pn_in_prefix(struct in_addr a, struct in_addr p, unsigned len);
/* "unicast", "local", "blackhole", ... for RTN_*. */
const char *pn_route_type_name(uint8_t type);
/* "main", "local", "default" or the number. */
const char *pn_table_name(uint32_t table, char *buf, size_t n);
/* "REACHABLE", "STALE", "FAILED", ... (the highest bit set). */
const char *pn_nud_name(uint16_t state);
/* aa:bb:cc:dd:ee:ff */
const char *pn_mac_str(const uint8_t *mac, char *buf, size_t n);

#endif
