/* ovs.c: interim placeholder; the real collector replaces this file. */
#include <errno.h>
#include "collect.h"

static int ovs_run(struct cctx *c)
{
	return cctx_unavailable(c, -ENOSYS, "the ovs collector is not built yet");
}

const struct collector collector_ovs = { "ovs", SCOPE_HOST, ovs_run, NULL };

