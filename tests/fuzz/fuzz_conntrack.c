/* fuzz_conntrack.c: libFuzzer target for ct_stat_parse (/proc/net/stat/nf_conntrack) and
 * cpulist_parse (/sys/devices/system/cpu/possible). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "collect/netproc.h"



int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t vals[4 * CT_STAT_MAXCOLS];
	struct ct_stat st = { .vals = vals, .rows_cap = 4 };
	int ids[64], n;

	if (!ct_stat_parse((const char *)data, size, &st)) {
		if (st.ncols < 1 || st.ncols > CT_STAT_MAXCOLS || st.nrows > st.rows_cap)
			abort();
		for (int j = 0; j < st.ncols; j++)
			(void)ct_stat_metric_name(st.names[j]);
	}
	n = cpulist_parse((const char *)data, size, ids, 64);
	if (n > 64)
		abort();
	for (int i = 1; i < n; i++)
		if (ids[i] < 0)
			abort();
	return 0;
}
