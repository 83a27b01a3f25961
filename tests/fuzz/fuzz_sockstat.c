/* fuzz_sockstat.c: libFuzzer target for the small /proc text parsers of the sockstat and
 * knobs collectors: sockstat_parse, netdev_parse_names, knob_text, knob_parse_mask. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "collect/netproc.h"



int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockstat_val v[48];
	char names[256], text[64];
	uint64_t x;
	int n;

	n = sockstat_parse((const char *)data, size, v, 48);
	for (int i = 0; i < n; i++)
		if (strlen(v[i].key) >= sizeof(v[i].key) || strlen(v[i].name) >= sizeof(v[i].name))
			abort();
	(void)sockstat_get(v, n, "UDP", "inuse", &x);
	n = netdev_parse_names((const char *)data, size, names, sizeof(names));
	if (n > 0 && names[0] == '\0')
		abort();
	knob_text((const char *)data, size, text, sizeof(text));
	if (strlen(text) >= sizeof(text))
		abort();
	(void)knob_parse_mask(text, &x);
	return 0;
}
