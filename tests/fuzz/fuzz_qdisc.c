/* fuzz_qdisc.c: libFuzzer target for the qdisc parser: a netlink dump buffer through
 * nl_parse_buf into qdisc_parse_msg, then qdisc_emit over what was read. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "collect/nl.h"

struct recs {
	struct qdisc_rec q[64];
	size_t n;
};

static int cb(const struct nlmsghdr *nlh, void *data)
{
	struct recs *r = data;

	if (r->n < 64 && !qdisc_parse_msg(nlh, &r->q[r->n]))
		r->n++;
	return 0;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct snapshot snap;
	static struct recs r;
	uint8_t *buf = malloc(size ? size : 1);

	memcpy(buf, data, size);
	r.n = 0;
	snap_clear(&snap);
	snap_add_ns(&snap, 1, "host", NS_HOST, 0);
	struct link_info *li = snap_add_link(&snap);

	li->ifindex = 2;
	li->name = "eth0";
	nl_parse_buf(buf, size, 0, cb, &r);
	qdisc_emit(&snap, 0, r.q, r.n, NULL);
	free(buf);
	return 0;
}
