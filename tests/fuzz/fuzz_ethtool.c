/* fuzz_ethtool.c: libFuzzer target for the ethtool name mapper and the GSTRINGS
 * parser: the input as a string-set buffer, and as one raw name. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "collect/ethtool.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ethtool_stat_name names[70];
	char *buf = malloc(size ? size : 1), *s, out[80], small[5];

	memcpy(buf, data, size);
	ethtool_parse_strings(buf, size, size / 32 + 2 < 70 ? size / 32 + 2 : 70, names);
	free(buf);
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	ethtool_map_name(s, out, sizeof(out));
	ethtool_map_name(s, small, sizeof(small));
	(void)ethtool_name_flags(s);
	free(s);
	return 0;
}
