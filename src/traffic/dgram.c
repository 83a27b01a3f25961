/* dgram.c: encode and parse the test datagram header; size arithmetic. */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include "dgram.h"

void dgram_encode(void *buf, const struct dgram_hdr *h)
{
	uint8_t *p = buf;
	uint32_t u32;
	uint16_t u16;
	uint64_t u64;

	u32 = htobe32(DGRAM_MAGIC);
	memcpy(p, &u32, 4);
	p[4] = DGRAM_VERSION;
	p[5] = h->flags;
	u16 = htobe16(DGRAM_HDR_LEN);
	memcpy(p + 6, &u16, 2);
	u32 = htobe32(h->test_id);
	memcpy(p + 8, &u32, 4);
	u32 = htobe32(h->flow);
	memcpy(p + 12, &u32, 4);
	u64 = htobe64(h->seq);
	memcpy(p + 16, &u64, 8);
	u64 = htobe64(h->ts_ns);
	memcpy(p + 24, &u64, 8);
}

int dgram_parse(const void *buf, size_t len, struct dgram_hdr *h)
{
	const uint8_t *p = buf;
	uint32_t u32;
	uint16_t u16;
	uint64_t u64;

	if (!buf || len < DGRAM_HDR_LEN)
		return -EINVAL;
	memcpy(&u32, p, 4);
	if (be32toh(u32) != DGRAM_MAGIC)
		return -EBADMSG;
	if (p[4] != DGRAM_VERSION)
		return -EPROTO;
	memcpy(&u16, p + 6, 2);
	if (be16toh(u16) != DGRAM_HDR_LEN)
		return -EINVAL;
	h->flags = p[5];
	memcpy(&u32, p + 8, 4);
	h->test_id = be32toh(u32);
	memcpy(&u32, p + 12, 4);
	h->flow = be32toh(u32);
	memcpy(&u64, p + 16, 8);
	h->seq = be64toh(u64);
	memcpy(&u64, p + 24, 8);
	h->ts_ns = be64toh(u64);
	return 0;
}

void dgram_sizes(unsigned payload, bool ipv6, struct dgram_sizes *s)
{
	s->payload = payload;
	s->ip = payload + 8 + (ipv6 ? 40 : 20);
	/* Ethernet frame: 14 B header + 4 B FCS, 64 B at least; on the wire add the 8 B
	 * preamble and the 12 B inter-frame gap */
	s->frame = s->ip + 18 < 64 ? 64 : s->ip + 18;
	s->wire = s->frame + 20;
}
