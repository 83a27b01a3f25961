/* hist.h: an HDR-style log-bucket histogram of non-negative 64-bit values (latencies in ns):
 * exact below 32, then 16 sub-buckets per power of two (about 6 % resolution). Fixed size,
 * no per-sample storage; histograms of several threads merge by adding. */
#ifndef DPTUNE_TRAFFIC_HIST_H
#define DPTUNE_TRAFFIC_HIST_H

#include <stdint.h>

#define HIST_BUCKETS (32 + 59 * 16)

struct hist {
	uint64_t count, min, max;
	uint64_t b[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, uint64_t v);
void hist_merge(struct hist *dst, const struct hist *src);
/* The value at percentile p (0..100): the midpoint of the bucket that holds it, clamped to
 * [min, max]; 0 for an empty histogram. */
uint64_t hist_percentile(const struct hist *h, double p);
/* Bucket index of v and the lowest value of bucket i (exposed for tests). */
unsigned hist_index(uint64_t v);
uint64_t hist_bucket_low(unsigned i);

#endif
