/* tbucket.h: the sender's pacing. Pure arithmetic on a caller-supplied clock (ns), so unit
 * tests drive it with a simulated clock. Two buckets: a schedule that accrues `rate` tokens
 * per second (up to one second of debt, so a sender preempted for a while does not lose the
 * rate), and a shaper that holds one and a half batches (and at least 150 us of traffic),
 * so a wake-up up to half a batch (at least 50 us) late costs nothing, and refills above the rate by what is left of a 2 % budget (at least
 * 0.5 %), so catching up after a stall never bursts: at most a batch leaves at once, and
 * any 10 ms window stays within 2 % of the rate (1.5 batches held + the catch-up; plus one
 * datagram's rounding at rates under 15 kpps, where a batch is one datagram). */
#ifndef DPTUNE_TRAFFIC_TBUCKET_H
#define DPTUNE_TRAFFIC_TBUCKET_H

#include <stdint.h>

#define TB_CATCHUP 1.005 /* the shaper's least rate, relative to the schedule's */
#define TB_WINDOW_EXCESS 0.02 /* the most a 10 ms window may carry above the rate */
#define TB_HOLD 1.5	 /* the shaper's size, in batches */
#define TB_BATCH_NS 100000 /* a batch's worth of traffic (tb_batch_for_rate), the least the
			    * shaper counts as one when it sizes its hold */

struct tbucket {
	double rate;   /* tokens per second; 0 = unlimited */
	unsigned batch; /* the most taken at once (>= 1) */
	double burst;  /* shaper size in tokens: TB_HOLD batches, or TB_HOLD * TB_BATCH_NS */
	double catchup; /* shaper rate / schedule rate: TB_CATCHUP, or what the window allows */
	double tokens; /* shaper */
	double sched;  /* schedule: datagrams due and not yet sent */
	uint64_t last_ns;
};

/* Start at now_ns with one token (the first datagram leaves at once). */
void tb_init(struct tbucket *tb, double rate, unsigned batch, uint64_t now_ns);
/* Refill to now_ns, then take min(want, batch, whole tokens available); returns the number
 * taken. */
unsigned tb_take(struct tbucket *tb, uint64_t now_ns, unsigned want);
/* Nanoseconds from now_ns until `want` (at most a batch) tokens are available (0 if they
 * are). */
uint64_t tb_delay_ns(struct tbucket *tb, uint64_t now_ns, unsigned want);
/* The batch size for `rate`: rate/10000 in [1, max], 1 % of a 10 ms window. */
unsigned tb_batch_for_rate(double rate, unsigned max);

#endif
