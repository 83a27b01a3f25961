/* tbucket.c: pacing arithmetic (see tbucket.h). */
#include <math.h>
#include "tbucket.h"

void tb_init(struct tbucket *tb, double rate, unsigned batch, uint64_t now_ns)
{
	tb->rate = rate > 0 ? rate : 0;
	tb->batch = batch ? batch : 1;
	/* TB_HOLD batches, and at least TB_HOLD times TB_BATCH_NS of traffic: under 20 kpps a
	 * batch (rate/10000, floored) is one datagram, 50 to 100 us of traffic, and a hold of
	 * 1.5 datagrams forgave a wake-up only 25 us late (a 15.5 kpps sender reached 96 %) */
	tb->burst = tb->batch * TB_HOLD;
	if (tb->rate * TB_BATCH_NS / 1e9 * TB_HOLD > tb->burst)
		tb->burst = tb->rate * TB_BATCH_NS / 1e9 * TB_HOLD;
	/* What of the 2 % window budget the held batches leave, the catch-up may use: at high
	 * rates a batch (32) is a smaller part of a 10 ms window than 1 %. */
	tb->catchup = TB_CATCHUP;
	if (tb->rate > 0 && 1 + TB_WINDOW_EXCESS - tb->burst / (tb->rate * 0.01) > tb->catchup)
		tb->catchup = 1 + TB_WINDOW_EXCESS - tb->burst / (tb->rate * 0.01);
	tb->tokens = 1;
	tb->sched = 1;
	tb->last_ns = now_ns;
}

static void tb_refill(struct tbucket *tb, uint64_t now_ns)
{
	double dt;

	if (now_ns <= tb->last_ns)
		return;
	dt = (double)(now_ns - tb->last_ns) / 1e9;
	tb->sched += dt * tb->rate;
	if (tb->sched > tb->rate + tb->burst) /* at most a second behind */
		tb->sched = tb->rate + tb->burst;
	tb->tokens += dt * tb->rate * tb->catchup;
	if (tb->tokens > tb->burst)
		tb->tokens = tb->burst;
	tb->last_ns = now_ns;
}

unsigned tb_take(struct tbucket *tb, uint64_t now_ns, unsigned want)
{
	double n;

	if (!tb->rate)
		return want;
	tb_refill(tb, now_ns);
	n = floor(fmin(tb->tokens, tb->sched));
	if (n > want)
		n = want;
	if (n > tb->batch)
		n = tb->batch;
	if (n < 0)
		n = 0;
	tb->tokens -= n;
	tb->sched -= n;
	return (unsigned)n;
}

uint64_t tb_delay_ns(struct tbucket *tb, uint64_t now_ns, unsigned want)
{
	double a, b;

	if (!tb->rate)
		return 0;
	tb_refill(tb, now_ns);
	if (want > tb->batch)
		want = tb->batch;
	a = ((double)want - tb->sched) / tb->rate;
	b = ((double)want - tb->tokens) / (tb->rate * tb->catchup);
	a = fmax(a, b);
	return a <= 0 ? 0 : (uint64_t)ceil(a * 1e9);
}

unsigned tb_batch_for_rate(double rate, unsigned max)
{
	double b;

	if (rate <= 0)
		return max;
	b = floor(rate / 10000);
	if (b < 1)
		b = 1;
	if (b > max)
		b = max;
	return (unsigned)b;
}
