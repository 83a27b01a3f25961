/* dgram.h: the test datagram's header (magic, version, test id, flow id, sequence, send
 * timestamp) and the size arithmetic printed with every run. The parser takes a buffer so
 * unit tests and the fuzzer call it directly. All fields are big-endian on the wire. */
#ifndef DPTUNE_TRAFFIC_DGRAM_H
#define DPTUNE_TRAFFIC_DGRAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define DGRAM_MAGIC 0x44505431u /* "DPT1" */
#define DGRAM_VERSION 1
#define DGRAM_HDR_LEN 32u	/* also the smallest payload a test may ask for */
#define DGRAM_MAX_PAYLOAD 9000u /* jumbo frames; larger needs IP fragments, not a datapath test */

/* Layout: 0 magic u32 | 4 version u8 | 5 flags u8 | 6 hdr_len u16 | 8 test_id u32 |
 * 12 flow u32 | 16 seq u64 | 24 send timestamp (CLOCK_MONOTONIC ns) u64. */
struct dgram_hdr {
	uint32_t test_id;
	uint32_t flow;
	uint64_t seq;
	uint64_t ts_ns;
	uint8_t flags;
};

/* Write the header into buf (at least DGRAM_HDR_LEN bytes). */
void dgram_encode(void *buf, const struct dgram_hdr *h);
/* Parse a received datagram: 0, -EINVAL (shorter than the header or a bad header length),
 * -EBADMSG (wrong magic), -EPROTO (unknown version). Never reads past len. */
int dgram_parse(const void *buf, size_t len, struct dgram_hdr *h);

/* Sizes of one datagram of `payload` UDP payload bytes over IPv4 or IPv6: the IP packet, the
 * Ethernet frame as captured (header, no FCS; padded to 60) and the wire size (+ preamble and
 * inter-frame gap, 20 bytes). */
struct dgram_sizes {
	unsigned payload, ip, frame, wire;
};
void dgram_sizes(unsigned payload, bool ipv6, struct dgram_sizes *s);

#endif
