/* knobs.c: interim placeholder; the real collector replaces this file. */
#include <errno.h>
#include "collect.h"

static int knobs_run(struct cctx *c)
{
	return cctx_unavailable(c, -ENOSYS, "the knobs collector is not built yet");
}

const struct collector collector_knobs = { "knobs", SCOPE_NETNS, knobs_run, NULL };

