/* flow.h: per-flow receive accounting without per-packet storage: received, duplicates,
 * out of order, late (older than the window), loss and the longest loss burst from a
 * 1024-sequence sliding bitmap, RFC 3550 jitter, and one-way latency. Sequences start at 0. */
#ifndef DPTUNE_TRAFFIC_FLOW_H
#define DPTUNE_TRAFFIC_FLOW_H

#include <stdint.h>
#include <stdbool.h>

#define FLOW_WINDOW 1024u

struct flow_stats {
	uint64_t rx;	   /* datagrams received, duplicates included */
	uint64_t bytes;	   /* payload bytes received */
	uint64_t dup;	   /* a sequence seen twice inside the window */
	uint64_t ooo;	   /* arrived after a higher sequence (late ones included) */
	uint64_t late;	   /* older than the window: counted received, cannot tell duplicates */
	uint64_t next;	   /* highest sequence seen + 1 */
	uint64_t missing;  /* sequences that left the window unreceived */
	uint64_t cur_burst, max_burst;
	uint64_t lost;	   /* set by flow_finish: expected - unique received */
	uint64_t expected; /* set by flow_finish */
	double jitter_ns;  /* RFC 3550 interarrival jitter */
	int64_t last_transit;
	bool have_transit;
	uint64_t lat_min, lat_max, lat_sum, lat_n; /* one-way latency, ns, when clocks are shared */
	uint64_t win[FLOW_WINDOW / 64];
};

void flow_init(struct flow_stats *f);
/* Account one arrival of sequence seq with `bytes` payload, sent at send_ns and received at
 * arrive_ns (the same clock when shared; jitter only needs a constant offset). Returns the
 * change to the flow's "missing so far" figure (next - unique received): >0 a gap opened,
 * -1 a hole was filled, 0 otherwise, so a thread can keep a running loss total. */
int64_t flow_rx(struct flow_stats *f, uint64_t seq, uint64_t bytes, uint64_t send_ns,
		uint64_t arrive_ns, bool latency_valid);
/* Close the books: `expected` datagrams were sent (0 = unknown, use highest seen + 1).
 * Sets lost, expected and the final burst figures. Call once. */
void flow_finish(struct flow_stats *f, uint64_t expected);

#endif
