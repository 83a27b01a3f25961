/* fuzz_datagram.c: libFuzzer target for the datagram header parser and the per-flow
 * accounting it feeds: a stream of arbitrary datagrams into one small flow table. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "traffic/dgram.h"
#include "traffic/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct flow_stats flows[4];
	struct dgram_hdr h;
	size_t off = 0;

	for (int i = 0; i < 4; i++)
		flow_init(&flows[i]);
	/* Chunks: one length byte, then that many bytes of datagram. */
	while (off < size) {
		size_t len = data[off++];

		if (len > size - off)
			len = size - off;
		if (dgram_parse(data + off, len, &h) == 0)
			flow_rx(&flows[h.flow % 4], h.seq, len, h.ts_ns, h.ts_ns + h.flags, h.flags & 1);
		off += len;
	}
	for (int i = 0; i < 4; i++) {
		flow_finish(&flows[i], flows[i].next);
		if (flows[i].lost > flows[i].expected)
			__builtin_trap();
	}
	return 0;
}
