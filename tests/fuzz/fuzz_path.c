/* fuzz_path.c: libFuzzer target for the parsers of `dptune path`: the bytes as a netlink
 * buffer through nl_parse_buf into every reply parser (link, route, neighbour/FDB, rule,
 * a ctnetlink conntrack entry) and the rule and conntrack matchers, and as `nft -j list ruleset` text through the NAT matcher at
 * each hook. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "collect/nl.h"
#include "path/ct.h"
#include "path/nat.h"
#include "path/pathnl.h"

static int cb(const struct nlmsghdr *nlh, void *data)
{
	struct pn_link l;
	struct pn_route r;
	struct pn_neigh n;
	struct pn_rule ru;
	struct ct_entry ce;
	struct ct_tuple q = { { htonl(0x0ae80102) }, { htonl(0x0ae80164) }, 17, 0, 5500 }, to;
	char s[160];
	struct in_addr a = { htonl(0x0a000001) }, b = { htonl(0x0a000102) };

	(void)data;
	(void)pn_link_parse(nlh, &l);
	(void)pn_route_parse(nlh, &r);
	(void)pn_neigh_parse(nlh, &n);
	if (!pn_rule_parse(nlh, &ru))
		(void)pn_rule_matches(&ru, a, b, 17, 1, 2, "eth0");
	if (!ct_parse(nlh, &ce)) {
		int dir = ct_match(&ce, &q);

		(void)ct_dnat(&ce, dir ? dir : CT_ORIG, &to);
		(void)ct_snat(&ce, dir ? dir : CT_REPLY, &to);
		(void)ct_str(&ce, s, sizeof(s));
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size heap copy, so ASan sees any read past the end */
	uint8_t *buf = malloc(size ? size : 1);
	struct nat_pkt p = { { htonl(0x0ae80902) }, { htonl(0x0ae80964) }, 17, 4000, 5500,
			     "dl9qg", "dl9qr" };
	struct nat_result r;

	memcpy(buf, data, size);
	nl_parse_buf(buf, size, 0, cb, NULL);
	for (int h = NAT_PREROUTING; h <= NAT_OUTPUT; h++)
		(void)nat_lookup((const char *)buf, size, (enum nat_hook)h, &p, &r);
	free(buf);
	return 0;
}
