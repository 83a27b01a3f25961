/* ethtool.h: pure helpers of the ethtool collector, exposed for tests and fuzzers: the
 * driver statistic name mapper (per-queue names become a queue number plus one name
 * shared by every driver) and the parser of an ETHTOOL_GSTRINGS buffer. */
#ifndef DPTUNE_ETHTOOL_H
#define DPTUNE_ETHTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Mapping of one raw ethtool -S name. */
struct ethtool_stat_name {
	const char *name; /* interned mapped name */
	int32_t queue;    /* queue number, or -1 for device-wide counters */
	unsigned flags;   /* MF_DROP for drop/error-like names */
	bool skip;        /* not a counter (veth peer_ifindex) or empty */
};

/* Map a driver statistic name. Per-queue names of every known driver become
 * "<dir>_queue_<stat>" with the queue number apart, so one name means one thing across
 * drivers and the device-wide totals (virtio "rx_drops") stay distinct:
 *   rx_queue_3_drops (veth, ice, ixgbe)  -> rx_queue_drops     q=3
 *   rx3_drops, tx0_kicks (virtio, mlx5)  -> rx_queue_drops q=3, tx_queue_kicks q=0
 *   rx-3.packets, tx-0.tx_packets (i40e) -> rx_queue_packets q=3, tx_queue_packets q=0
 *   queue_3_rx_drops (ena)               -> rx_queue_drops     q=3
 *   [3]: rx_ucast_packets (bnxt)         -> rx_queue_ucast_packets q=3
 *   ch3_events (mlx5 channels)           -> ch_queue_events    q=3
 * Other names are kept as they are, queue -1. Writes the name into out (NUL-terminated,
 * truncated to n-1) and returns the queue number or -1. */
int32_t ethtool_map_name(const char *raw, char *out, size_t n);
/* MF_DROP when the name says drop, discard, miss, no_buf, no_dma, out_of_buffer, fifo,
 * overrun, error or fail (any case); else 0. */
unsigned ethtool_name_flags(const char *name);
/* Map the count strings of an ETHTOOL_GSTRINGS reply (fixed 32-byte slots, not always
 * NUL-terminated) into out[0..count). Slots beyond len are marked skip. Returns the
 * number of slots read from buf. */
size_t ethtool_parse_strings(const char *buf, size_t len, size_t count,
			     struct ethtool_stat_name *out);

#endif
