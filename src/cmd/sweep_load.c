/* sweep_load.c: interim trial runner until the load engine's library lands. */
#include <errno.h>
#include <stdio.h>
#include "sweep.h"

int sweep_load_trial(const struct trial_spec *t, struct trial_out *o, char *err, size_t errlen)
{
	(void)t;
	(void)o;
	snprintf(err, errlen, "the load engine is not built yet");
	return -ENOSYS;
}
