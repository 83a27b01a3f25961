/* snmp.c: interim placeholder; the real collector replaces this file. */
#include <errno.h>
#include "collect.h"

static int snmp_run(struct cctx *c)
{
	return cctx_unavailable(c, -ENOSYS, "the snmp collector is not built yet");
}

const struct collector collector_snmp = { "snmp", SCOPE_NETNS, snmp_run, NULL };

