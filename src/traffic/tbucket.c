/* tbucket.c: token bucket arithmetic for pacing (see tbucket.h). */
#include <math.h>
#include "tbucket.h"

void tb_init(struct tbucket *tb, double rate, unsigned burst, uint64_t now_ns)
{
	tb->rate = rate > 0 ? rate : 0;
	tb->burst = burst ? burst : 1;
	tb->tokens = 1;
	tb->last_ns = now_ns;
}

static void tb_refill(struct tbucket *tb, uint64_t now_ns)
{
	if (now_ns <= tb->last_ns)
		return;
	tb->tokens += (double)(now_ns - tb->last_ns) * tb->rate / 1e9;
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
	n = floor(tb->tokens);
	if (n > want)
		n = want;
	tb->tokens -= n;
	return (unsigned)n;
}

uint64_t tb_delay_ns(struct tbucket *tb, uint64_t now_ns, unsigned want)
{
	double need;

	if (!tb->rate)
		return 0;
	tb_refill(tb, now_ns);
	if (want > tb->burst)
		want = (unsigned)tb->burst;
	need = (double)want - tb->tokens;
	if (need <= 0)
		return 0;
	return (uint64_t)ceil(need * 1e9 / tb->rate);
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

unsigned tb_cap_for_batch(unsigned batch)
{
	return batch + (batch + 1) / 2;
}
