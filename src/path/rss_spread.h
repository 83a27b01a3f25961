/* rss_spread.h: the spread of a set of flows over a device's rx queues and CPUs, shared
 * by `dptune rss` and `dptune path --sport-range/--src-range`: the flow-set options'
 * parsers (an address range A-B, a port range A-B), the counts per queue and per CPU
 * (pure, rss_spread_add), and their printer (rss_spread_print, through output/print.h;
 * it does no I/O of its own). */
#ifndef DPTUNE_RSS_SPREAD_H
#define DPTUNE_RSS_SPREAD_H

#include <stdint.h>
#include "rss.h"

#define RSS_SPREAD_NOTES 4

struct rss_notes {
	char text[RSS_SPREAD_NOTES][sizeof(((struct rss_place *)0)->note)];
	int n;
};

struct rss_spread {
	uint64_t queue[RSS_QUEUES_MAX + 1]; /* last: unknown */
	uint64_t cpu[RSS_CPUS_MAX + 1];     /* last: unknown */
	struct rss_notes notes;             /* the distinct notes of the flows */
};

/* "ADDR" or "A-B" (allow_range) of one family, B >= A, at most max addresses. */
struct rss_addr_range {
	int family;
	uint8_t lo[16], hi[16];
	uint64_t count;
};
/* 0, -EINVAL (not an address or range), -ERANGE (more than max addresses). */
int rss_parse_addr_range(const char *s, struct rss_addr_range *r, bool allow_range,
			 uint64_t max);
/* Add one to a big-endian address of len bytes. */
void rss_addr_inc(uint8_t *a, size_t len);
/* "P" or "A-B", 0..65535, A <= B. 0 or -EINVAL. */
int rss_parse_port_range(const char *s, uint32_t *lo, uint32_t *hi);

/* The CPU a flow's packets are processed on: RPS's when on, else the IRQ's; -1 unknown. */
int rss_effective_cpu(const struct rss_place *p);
/* Count one placed flow (its queue, CPU and note). */
void rss_spread_add(struct rss_spread *sp, const struct rss_place *p);
void rss_notes_add(struct rss_notes *ns, const char *note);
/* Print the "spread" object: flows, queues used of nq, CPUs, per_queue, per_cpu. */
void rss_spread_print(const struct rss_spread *sp, uint64_t total, unsigned nq);

#endif
