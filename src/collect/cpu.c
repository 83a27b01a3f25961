/* cpu.c: interim placeholder; the real collector replaces this file. */
#include <errno.h>
#include "collect.h"

static int interrupts_run(struct cctx *c)
{
	return cctx_unavailable(c, -ENOSYS, "the interrupts collector is not built yet");
}

const struct collector collector_interrupts = { "interrupts", SCOPE_HOST, interrupts_run, NULL };

static int softirqs_run(struct cctx *c)
{
	return cctx_unavailable(c, -ENOSYS, "the softirqs collector is not built yet");
}

const struct collector collector_softirqs = { "softirqs", SCOPE_HOST, softirqs_run, NULL };

static int cpustat_run(struct cctx *c)
{
	return cctx_unavailable(c, -ENOSYS, "the cpustat collector is not built yet");
}

const struct collector collector_cpustat = { "cpustat", SCOPE_HOST, cpustat_run, NULL };

static int softnet_run(struct cctx *c)
{
	return cctx_unavailable(c, -ENOSYS, "the softnet collector is not built yet");
}

const struct collector collector_softnet = { "softnet", SCOPE_HOST, softnet_run, NULL };

