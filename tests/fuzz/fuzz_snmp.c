/* fuzz_snmp.c: libFuzzer target for the snmp/netstat/snmp6 parsers. */
#include <stddef.h>
#include <stdint.h>
#include "collect/snmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot s;
	uint32_t ns;

	snap_init(&s);
	ns = snap_add_ns(&s, 1, "host", NS_HOST, 0);
	snmp_parse_pairs((const char *)data, size, &s, ns);
	snmp_parse_snmp6((const char *)data, size, &s, ns);
	snap_release(&s);
	return 0;
}
