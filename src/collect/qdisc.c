/* qdisc.c: interim placeholder; the real collector replaces this file. */
#include <errno.h>
#include "collect.h"

static int qdisc_run(struct cctx *c)
{
	return cctx_unavailable(c, -ENOSYS, "the qdisc collector is not built yet");
}

const struct collector collector_qdisc = { "qdisc", SCOPE_NETNS, qdisc_run, NULL };

