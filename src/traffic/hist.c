/* hist.c: log-bucket histogram (see hist.h). */
#include <string.h>
#include "hist.h"

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned hist_index(uint64_t v)
{
	unsigned m;

	if (v < 32)
		return (unsigned)v;
	m = 63u - (unsigned)__builtin_clzll(v); /* 5..63 */
	return 32 + (m - 5) * 16 + (unsigned)((v >> (m - 4)) & 15);
}

uint64_t hist_bucket_low(unsigned i)
{
	unsigned m, sub;

	if (i < 32)
		return i;
	m = (i - 32) / 16 + 5;
	sub = (i - 32) % 16;
	return (1ull << m) | ((uint64_t)sub << (m - 4));
}

void hist_add(struct hist *h, uint64_t v)
{
	h->b[hist_index(v)]++;
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	if (src->count && src->min < dst->min)
		dst->min = src->min;
	if (src->count && src->max > dst->max)
		dst->max = src->max;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0, v;

	if (!h->count)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	rank = (uint64_t)((double)h->count * p / 100.0);
	if (rank >= h->count)
		rank = h->count - 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > rank) {
			uint64_t lo = hist_bucket_low(i);
			uint64_t hi = i + 1 < HIST_BUCKETS ? hist_bucket_low(i + 1) : UINT64_MAX;

			v = i < 32 ? lo : lo + (hi - lo) / 2;
			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	return h->max;
}
