/* ethtool.c: interim placeholder; the real collector replaces this file. */
#include <errno.h>
#include "collect.h"

static int ethtool_run(struct cctx *c)
{
	return cctx_unavailable(c, -ENOSYS, "the ethtool collector is not built yet");
}

const struct collector collector_ethtool = { "ethtool", SCOPE_NETNS, ethtool_run, NULL };

