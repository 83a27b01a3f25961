/* fuzz_sockdiag.c: libFuzzer target for udp_parse_diag (sock_diag dump buffers with
 * inet_diag_msg and INET_DIAG_SKMEMINFO attributes). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "collect/netproc.h"



int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udp_vec uv = { 0 };
	char obj[160];
	int r = udp_parse_diag(data, size, &uv);

	if (r > 1)
		abort();
	for (size_t i = 0; i < uv.n; i++)
		udp_sock_obj(&uv.v[i], obj, sizeof(obj));
	udp_vec_release(&uv);
	return 0;
}
