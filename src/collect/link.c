/* link.c: interim placeholder; the real collector replaces this file. */
#include <errno.h>
#include "collect.h"

static int link_run(struct cctx *c)
{
	return cctx_unavailable(c, -ENOSYS, "the link collector is not built yet");
}

const struct collector collector_link = { "link", SCOPE_NETNS, link_run, NULL };

