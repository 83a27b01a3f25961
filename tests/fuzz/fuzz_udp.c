/* fuzz_udp.c: libFuzzer target for udp_parse_proc (/proc/net/udp and udp6 tables) and
 * udp_sock_obj on what it parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "collect/netproc.h"



int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udp_vec uv = { 0 };
	char obj[160];

	(void)udp_parse_proc((const char *)data, size, AF_INET, &uv);
	(void)udp_parse_proc((const char *)data, size, AF_INET6, &uv);
	for (size_t i = 0; i < uv.n; i++) {
		udp_sock_obj(&uv.v[i], obj, sizeof(obj));
		if (strncmp(obj, "udp", 3))
			abort();
	}
	udp_vec_release(&uv);
	return 0;
}
