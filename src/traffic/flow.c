/* flow.c: per-flow receive accounting (see flow.h). The window holds the receive bits of
 * sequences [next - FLOW_WINDOW, next); a sequence leaving it unreceived is missing and
 * extends the current loss burst, in sequence order, so bursts are exact under reordering
 * up to the window size. */
#include <string.h>
#include "flow.h"

void flow_init(struct flow_stats *f)
{
	memset(f, 0, sizeof(*f));
}

static bool bit_get(const struct flow_stats *f, uint64_t seq)
{
	unsigned i = (unsigned)(seq % FLOW_WINDOW);

	return f->win[i / 64] >> (i % 64) & 1;
}

static void bit_set(struct flow_stats *f, uint64_t seq, bool v)
{
	unsigned i = (unsigned)(seq % FLOW_WINDOW);

	if (v)
		f->win[i / 64] |= 1ull << (i % 64);
	else
		f->win[i / 64] &= ~(1ull << (i % 64));
}

static void leave(struct flow_stats *f, bool received)
{
	if (received) {
		f->cur_burst = 0;
		return;
	}
	f->missing++;
	if (++f->cur_burst > f->max_burst)
		f->max_burst = f->cur_burst;
}

/* Slide the window so that next becomes new_next (> next). */
static void advance(struct flow_stats *f, uint64_t new_next)
{
	uint64_t q = f->next, skip;

	if (new_next - q > FLOW_WINDOW) {
		/* Flush every slot in order, then the range that never entered the window. */
		for (uint64_t s = q; s < q + FLOW_WINDOW; s++) {
			if (s >= FLOW_WINDOW)
				leave(f, bit_get(f, s));
			bit_set(f, s, false);
		}
		/* Sequences [q, new_next - FLOW_WINDOW) leave without ever being seen. */
		skip = new_next - FLOW_WINDOW - q;
		f->missing += skip;
		f->cur_burst += skip;
		if (f->cur_burst > f->max_burst)
			f->max_burst = f->cur_burst;
		f->next = new_next;
		return;
	}
	for (; q < new_next; q++) {
		if (q >= FLOW_WINDOW)
			leave(f, bit_get(f, q)); /* slot holds q - FLOW_WINDOW */
		bit_set(f, q, false);
	}
	f->next = new_next;
}

int64_t flow_rx(struct flow_stats *f, uint64_t seq, uint64_t bytes, uint64_t send_ns,
		uint64_t arrive_ns, bool latency_valid)
{
	int64_t transit, d, delta = 0;

	f->rx++;
	f->bytes += bytes;
	if (seq >= f->next) {
		if (seq == UINT64_MAX) /* keeps next + 1 from wrapping; hostile only */
			seq--;
		delta = (int64_t)(seq - f->next);
		advance(f, seq + 1);
		bit_set(f, seq, true);
	} else if (f->next - seq > FLOW_WINDOW) {
		f->late++;
		f->ooo++;
		delta = -1;
	} else if (bit_get(f, seq)) {
		f->dup++;
		return 0; /* no timing from a copy */
	} else {
		f->ooo++;
		bit_set(f, seq, true);
		delta = -1;
	}

	transit = (int64_t)(arrive_ns - send_ns);
	if (f->have_transit) {
		d = transit - f->last_transit;
		if (d < 0)
			d = -d;
		f->jitter_ns += ((double)d - f->jitter_ns) / 16.0;
	}
	f->last_transit = transit;
	f->have_transit = true;
	if (latency_valid && transit >= 0) {
		uint64_t l = (uint64_t)transit;

		if (!f->lat_n || l < f->lat_min)
			f->lat_min = l;
		if (l > f->lat_max)
			f->lat_max = l;
		f->lat_sum += l;
		f->lat_n++;
	}
	return delta;
}

void flow_finish(struct flow_stats *f, uint64_t expected)
{
	uint64_t unique;

	if (expected < f->next)
		expected = f->next;
	if (expected > f->next)
		advance(f, expected);
	/* Everything still in the window leaves now, in order. */
	for (uint64_t s = expected > FLOW_WINDOW ? expected - FLOW_WINDOW : 0; s < expected; s++)
		leave(f, bit_get(f, s));
	f->expected = expected;
	unique = f->rx - f->dup;
	f->lost = expected > unique ? expected - unique : 0;
}
