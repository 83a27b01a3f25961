/* fuzz_udpdiag.c: libFuzzer target for the sock_diag dump parser (netlink messages). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "collect/udpsock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udp_socks u = { 0 };
	/* netlink buffers are 4-byte aligned in real life */
	void *buf = malloc(size ? size : 1);

	memcpy(buf, data, size);
	udpsock_parse_diag(buf, size, &u);
	udp_socks_release(&u);
	free(buf);
	return 0;
}
