/* nat.h: which nftables NAT rule rewrites a packet (a floating IP's DNAT, a router's SNAT),
 * read from `nft -j list ruleset` output. Pure: the matcher works on the JSON text, so
 * unit tests and the fuzzer drive it on recorded rulesets. Only what NAT rules of routers
 * use is understood (ip saddr/daddr with prefixes, iifname/oifname, l4proto, udp/tcp/th
 * ports, dnat/snat/masquerade/redirect); a rule with any other match is skipped and named
 * in the result's note. */
#ifndef DPTUNE_NAT_H
#define DPTUNE_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

enum nat_hook { NAT_PREROUTING, NAT_POSTROUTING, NAT_OUTPUT };

struct nat_pkt {
	struct in_addr src, dst;
	uint8_t proto;
	uint16_t sport, dport;     /* host order */
	const char *iif, *oif;     /* "" when not known at this hook */
};

struct nat_result {
	bool hit;
	bool dnat;                 /* else snat (masquerade: snat with masquerade set) */
	bool masquerade;
	struct in_addr addr;       /* new address (0 for masquerade) */
	uint16_t port;             /* new port, 0 = unchanged */
	char rule[200];            /* "ip T pre handle 4: ip daddr 1.2.3.4 dnat to 5.6.7.8" */
	char note[160];            /* rules that were skipped because not understood */
};

/* Find the first NAT rule of hook's chains (type nat, by priority) that rewrites p.
 * 0 with r->hit set or not; -EINVAL when buf is not an nft JSON ruleset. */
int nat_lookup(const char *buf, size_t len, enum nat_hook hook, const struct nat_pkt *p,
	       struct nat_result *r);

#endif
