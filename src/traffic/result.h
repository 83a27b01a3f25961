/* result.h: what one direction of a test measured, per flow and in total. Filled by the
 * receiver (engine.c), carried over the control channel (ctl.c) and printed by cmd/. */
#ifndef DPTUNE_TRAFFIC_RESULT_H
#define DPTUNE_TRAFFIC_RESULT_H

#include <stdint.h>
#include <stdbool.h>

struct flow_result {
	uint64_t sent, rx, dup, ooo, late, lost, max_burst;
	double jitter_ms;
	double lat_min_us, lat_avg_us, lat_max_us; /* NAN when not measured */
};

struct dir_result {
	bool valid;		   /* this direction ran */
	uint64_t sent, rx, dup, ooo, late, lost, max_burst, bytes;
	double jitter_ms;	   /* mean of the flows' RFC 3550 jitter, weighted by packets */
	bool latency_valid;	   /* sender and receiver share a clock (same boot id) */
	double lat_us[5];	   /* p50 p90 p99 p99.9 max, NAN when not valid */
	double lat_min_us;
	uint64_t garbage;	   /* datagrams rejected: bad magic/version/size, wrong test/flow */
	uint64_t rxq_ovfl;	   /* the receive sockets' own drops (SO_RXQ_OVFL) */
	uint64_t rx_pid;	   /* the receiving process (0: not told), and its command */
	char rx_comm[16];
	double tx_seconds, rx_seconds; /* send duration; first to last arrival */
	double sent_pps, received_pps;
	uint32_t nflows;
	struct flow_result *flows; /* nflows entries, owned */
};

void dir_result_release(struct dir_result *d);

#endif
