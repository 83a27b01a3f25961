/* fuzz_link.c: libFuzzer target for the link parsers: a netlink dump buffer through
 * nl_parse_buf into link_parse_msg / link_parse_stats_msg (with counter emission), and
 * the same bytes as /proc/net/dev text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "collect/nl.h"

static struct snapshot snap;

static int cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_link_stats64 st;
	struct link_info li;
	bool have;
	int ifindex;

	(void)data;
	if (!link_parse_msg(nlh, &li, &st, &have) && have)
		link_emit_stats(&snap, 0, &li, &st);
	(void)link_parse_stats_msg(nlh, &ifindex, &st);
	return 0;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size heap copy, so ASan sees any read past the end */
	uint8_t *buf = malloc(size ? size : 1);

	memcpy(buf, data, size);
	snap_clear(&snap);
	if (!snap.nns)
		snap_add_ns(&snap, 1, "host", NS_HOST, 0);
	nl_parse_buf(buf, size, 0, cb, NULL);
	link_parse_proc_net_dev((const char *)buf, size, &snap, 0);
	free(buf);
	return 0;
}
