/* netproc.c: interim placeholder; the real collector replaces this file. */
#include <errno.h>
#include "collect.h"

static int sockstat_run(struct cctx *c)
{
	return cctx_unavailable(c, -ENOSYS, "the sockstat collector is not built yet");
}

const struct collector collector_sockstat = { "sockstat", SCOPE_NETNS, sockstat_run, NULL };

static int conntrack_run(struct cctx *c)
{
	return cctx_unavailable(c, -ENOSYS, "the conntrack collector is not built yet");
}

const struct collector collector_conntrack = { "conntrack", SCOPE_NETNS, conntrack_run, NULL };

