/* udpsock.c: interim placeholder; the real collector replaces this file. */
#include <errno.h>
#include "collect.h"

static int udpsock_run(struct cctx *c)
{
	return cctx_unavailable(c, -ENOSYS, "the udpsock collector is not built yet");
}

const struct collector collector_udpsock = { "udpsock", SCOPE_NETNS, udpsock_run, NULL };

