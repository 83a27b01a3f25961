/* tbucket.h: the sender's pacing token bucket. Pure arithmetic on a caller-supplied clock
 * (ns), so unit tests drive it with a simulated clock. The bucket holds at most `burst`
 * tokens (1.5 batches), so a sender that falls behind never catches up with a burst. */
#ifndef DPTUNE_TRAFFIC_TBUCKET_H
#define DPTUNE_TRAFFIC_TBUCKET_H

#include <stdint.h>

struct tbucket {
	double rate;   /* tokens per second; 0 = unlimited */
	double burst;  /* bucket size in tokens (>= 1) */
	double tokens;
	uint64_t last_ns;
};

/* Start at now_ns with one token (the first datagram leaves at once). */
void tb_init(struct tbucket *tb, double rate, unsigned burst, uint64_t now_ns);
/* Refill to now_ns, then take min(want, whole tokens); returns the number taken. */
unsigned tb_take(struct tbucket *tb, uint64_t now_ns, unsigned want);
/* Nanoseconds from now_ns until `want` tokens are available (0 if they are). */
uint64_t tb_delay_ns(struct tbucket *tb, uint64_t now_ns, unsigned want);
/* The batch size for `rate`: rate/10000 in [1, max], 1 % of a 10 ms window. */
unsigned tb_batch_for_rate(double rate, unsigned max);
/* The bucket size for a batch: one and a half batches, so a wake-up up to half a batch
 * late loses no rate, while any 10 ms window stays within 1.5 % (+1 datagram) of the rate. */
unsigned tb_cap_for_batch(unsigned batch);

#endif
