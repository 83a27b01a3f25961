/* test_top_view.c: the view of `dptune top` (top/view.c) on built snapshots, without a
 * terminal: per-CPU si %, steal %, NET_RX/s, softnet drops/s and IRQs/s; the drop rows
 * (drops only, not benign ones), their sort keys, the namespace and layer filters and
 * their key cycles, the hold of a row that stopped, rows that leave with their
 * namespace; the frame at 80x24 (every line within the width, key line at the bottom,
 * long names cut with '~', the busiest CPUs when they do not all fit). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "model/delta.h"
#include "model/intern.h"
#include "top/view.h"

#define LONGNS "qrouter-6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"

/* One sample at time t (seconds); k scales the counters so that between k and k+1
 * each moves by its per-second rate below. ncpu CPUs; moving: which drop counters move
 * (bit 0 red, bit 1 blue, bit 2 the long one, bit 3 softnet on cpu1). */
static void build(struct snapshot *s, double t, unsigned ncpu, unsigned moving, double k)
{
	uint32_t h, red, blue, lng;

	snap_init(s);
	s->t_mono = t;
	s->t_real = 1700000000 + t;
	h = snap_add_ns(s, 1, "host", NS_HOST, 0);
	red = snap_add_ns(s, 2, "red", NS_NAMED, 0);
	blue = snap_add_ns(s, 3, "blue", NS_NAMED, 0);
	lng = snap_add_ns(s, 4, LONGNS, NS_NAMED, 0);
	for (unsigned c = 0; c < ncpu; c++) {
		/* 100 ticks a second; cpu c spends (c % 4) * 10 % in softirq, 5 % stolen */
		snap_add_full(s, h, LAYER_SOFTIRQ, MK_COUNTER, 0, NULL, -1, (int32_t)c,
			      "total_ticks", (uint64_t)(100 * k) + 1000);
		snap_add_full(s, h, LAYER_SOFTIRQ, MK_COUNTER, 0, NULL, -1, (int32_t)c,
			      "softirq_ticks", (uint64_t)((c % 4) * 10 * k));
		snap_add_full(s, h, LAYER_SOFTIRQ, MK_COUNTER, 0, NULL, -1, (int32_t)c,
			      "steal_ticks", (uint64_t)(5 * k));
		snap_add_full(s, h, LAYER_SOFTIRQ, MK_COUNTER, 0, NULL, -1, (int32_t)c, "net_rx",
			      (uint64_t)(1000 * (c + 1) * k));
		/* softnet: cpu 1 drops 5/s */
		snap_add_full(s, h, LAYER_BACKLOG, MK_COUNTER32, MF_DROP, NULL, -1, (int32_t)c,
			      "dropped", c == 1 && (moving & 8) ? (uint64_t)(5 * k) : 0);
		snap_add_full(s, h, LAYER_BACKLOG, MK_COUNTER32, 0, NULL, -1, (int32_t)c,
			      "processed", (uint64_t)(777 * k));
		/* two queues of eth0 interrupt every CPU 300/s each */
		snap_add_full(s, h, LAYER_IRQ, MK_COUNTER, 0, "eth0", 0, (int32_t)c, "interrupts",
			      (uint64_t)(300 * k));
		snap_add_full(s, h, LAYER_IRQ, MK_COUNTER, 0, "eth0", 1, (int32_t)c, "interrupts",
			      (uint64_t)(300 * k));
	}
	snap_add_full(s, red, LAYER_QDISC, MK_COUNTER, MF_DROP, "vr", -1, -1, "drops",
		      (moving & 1) ? (uint64_t)(100 * k) : 100);
	snap_add_full(s, blue, LAYER_VDEV, MK_COUNTER, MF_DROP, "vb", -1, -1, "rx_dropped",
		      (moving & 2) ? (uint64_t)(10 * k) + 5000 : 5000);
	snap_add_full(s, lng, LAYER_UDP, MK_COUNTER, MF_DROP, NULL, -1, -1, "RcvbufErrors",
		      (moving & 4) ? (uint64_t)(1 * k) : 0);
	/* not drops: a benign one and a plain counter, both moving fast */
	snap_add_full(s, h, LAYER_VDEV, MK_COUNTER, MF_DROP | MF_BENIGN, "eth0", -1, -1,
		      "rx_nohandler", (uint64_t)(9999 * k));
	snap_add_full(s, red, LAYER_VDEV, MK_COUNTER, 0, "vr", -1, -1, "rx_packets",
		      (uint64_t)(99999 * k));
}

/* Feed samples at times t[0..n) with multipliers k[] and moving masks mv[]. */
static void run(struct top_view *v, unsigned ncpu, const double *t, const unsigned *mv, int n)
{
	struct snapshot s[2];
	struct delta d;

	for (int i = 0; i < n; i++) {
		build(&s[i & 1], t[i], ncpu, mv[i], t[i]);
		delta_compute(&d, i ? &s[(i - 1) & 1] : NULL, &s[i & 1]);
		top_view_update(v, i ? &s[(i - 1) & 1] : NULL, &s[i & 1], &d);
		delta_release(&d);
		if (i)
			snap_release(&s[(i - 1) & 1]);
	}
	snap_release(&s[(n - 1) & 1]);
}

static const struct top_drop *row(const struct top_view *v, size_t i)
{
	assert_true(i < v->nrows);
	return v->rows[i];
}

static void test_cpus(void **state)
{
	struct top_view v;
	const double t[] = { 10, 12 };
	const unsigned mv[] = { 15, 15 };

	(void)state;
	top_view_init(&v);
	run(&v, 4, t, mv, 2);
	assert_true(v.have_rates);
	assert_int_equal(v.ncpus, 4);
	for (unsigned c = 0; c < 4; c++) {
		const struct top_cpu *tc = &v.cpus[c];

		assert_int_equal(tc->cpu, c);
		assert_float_equal(tc->si_pct, (c % 4) * 10.0, 1e-6);
		assert_float_equal(tc->steal_pct, 5.0, 1e-6);
		assert_float_equal(tc->net_rx, 1000.0 * (c + 1), 1e-6);
		assert_float_equal(tc->drops, c == 1 ? 5.0 : 0.0, 1e-6);
		assert_float_equal(tc->irqs, 600.0, 1e-6); /* both queues */
	}
	top_view_release(&v);
}

static void test_first_sample(void **state)
{
	struct top_view v;
	struct top_line lines[24];
	struct top_frame_opts fo = { .width = 80, .height = 24 };
	const double t[] = { 10 };
	const unsigned mv[] = { 15 };
	size_t n;

	(void)state;
	top_view_init(&v);
	run(&v, 2, t, mv, 1);
	assert_false(v.have_rates);
	assert_int_equal(v.ncpus, 2);
	assert_true(v.cpus[0].si_pct < 0); /* unknown before a second sample */
	assert_int_equal(v.nrows, 0);
	n = top_view_frame(&v, &fo, lines, 24);
	assert_int_equal(n, 24);
	assert_non_null(strstr(lines[2].text, "cpu0"));
	assert_non_null(strstr(lines[2].text, " - ")); /* no rates yet */
	top_view_release(&v);
}

static void test_rows_by_rate(void **state)
{
	struct top_view v;
	const double t[] = { 10, 11 };
	const unsigned mv[] = { 15, 15 };

	(void)state;
	top_view_init(&v);
	run(&v, 2, t, mv, 2);
	/* red 100/s, blue 10/s, softnet cpu1 5/s, the long one 1/s; nothing benign or plain */
	assert_int_equal(v.nrows, 4);
	assert_int_equal(v.nmoving, 4);
	assert_string_equal(row(&v, 0)->ns, "red");
	assert_float_equal(row(&v, 0)->rate, 100, 1e-6);
	assert_int_equal(row(&v, 0)->delta, 100);
	assert_int_equal(row(&v, 0)->total, 1100);
	assert_string_equal(row(&v, 1)->ns, "blue");
	assert_string_equal(row(&v, 2)->name, "dropped");
	assert_int_equal(row(&v, 2)->cpu, 1);
	assert_int_equal(row(&v, 2)->layer, LAYER_BACKLOG);
	assert_string_equal(row(&v, 3)->ns, LONGNS);

	top_view_cycle_sort(&v); /* total */
	assert_int_equal(v.sort, TOP_SORT_TOTAL);
	assert_string_equal(row(&v, 0)->ns, "blue"); /* 5110 */
	assert_string_equal(row(&v, 1)->ns, "red");  /* 1100 */
	top_view_cycle_sort(&v); /* layer: backlog, qdisc, vdev, udp */
	assert_int_equal(row(&v, 0)->layer, LAYER_BACKLOG);
	assert_int_equal(row(&v, 1)->layer, LAYER_QDISC);
	assert_int_equal(row(&v, 2)->layer, LAYER_VDEV);
	assert_int_equal(row(&v, 3)->layer, LAYER_UDP);
	top_view_cycle_sort(&v); /* netns name */
	assert_string_equal(row(&v, 0)->ns, "blue");
	assert_string_equal(row(&v, 1)->ns, "host");
	assert_string_equal(row(&v, 2)->ns, LONGNS);
	assert_string_equal(row(&v, 3)->ns, "red");
	top_view_cycle_sort(&v);
	assert_int_equal(v.sort, TOP_SORT_RATE);
	assert_int_equal(top_sort_from_name("netns"), TOP_SORT_NETNS);
	assert_int_equal(top_sort_from_name("bogus"), -1);
	top_view_release(&v);
}

static void test_filters(void **state)
{
	struct top_view v;
	const double t[] = { 10, 11 };
	const unsigned mv[] = { 15, 15 };

	(void)state;
	top_view_init(&v);
	run(&v, 2, t, mv, 2);
	top_view_set_netns(&v, "blue");
	assert_int_equal(v.nrows, 1);
	assert_string_equal(row(&v, 0)->ns, "blue");
	top_view_set_netns(&v, "nosuch");
	assert_int_equal(v.nrows, 0);
	top_view_set_netns(&v, "");
	assert_int_equal(v.nrows, 4);

	/* n: the namespaces with a row, in name order, then all again */
	top_view_cycle_netns(&v);
	assert_string_equal(v.netns, "blue");
	top_view_cycle_netns(&v);
	assert_string_equal(v.netns, "host");
	assert_int_equal(v.nrows, 1);
	top_view_cycle_netns(&v);
	assert_string_equal(v.netns, LONGNS);
	top_view_cycle_netns(&v);
	assert_string_equal(v.netns, "red");
	top_view_cycle_netns(&v);
	assert_string_equal(v.netns, "");
	assert_int_equal(v.nrows, 4);

	/* l: one layer at a time, in datapath order, then all */
	for (int i = 0; i <= LAYER_QDISC; i++)
		top_view_cycle_layer(&v);
	assert_int_equal(v.layer, LAYER_QDISC);
	assert_int_equal(v.nrows, 1);
	assert_string_equal(row(&v, 0)->ns, "red");
	/* both filters at once: nothing is a qdisc in blue */
	top_view_set_netns(&v, "blue");
	assert_int_equal(v.nrows, 0);
	/* the n cycle honours the layer filter: only red has a qdisc row */
	top_view_set_netns(&v, "");
	top_view_cycle_netns(&v);
	assert_string_equal(v.netns, "red");
	for (int i = LAYER_QDISC; i < LAYER__COUNT; i++)
		top_view_cycle_layer(&v);
	assert_int_equal(v.layer, -1);
	top_view_release(&v);
}

static void test_hold_and_all(void **state)
{
	struct top_view v;
	/* red and blue move, then only blue; then nothing for 11 s */
	const double t[] = { 10, 11, 12, 23 };
	const unsigned mv[] = { 3, 3, 2, 0 };
	struct snapshot s;
	struct delta d;

	(void)state;
	top_view_init(&v);
	run(&v, 2, t, mv, 3);
	/* red stopped a second ago: held, at rate 0, after the movers */
	assert_int_equal(v.nrows, 2);
	assert_int_equal(v.nmoving, 1);
	assert_string_equal(row(&v, 0)->ns, "blue");
	assert_string_equal(row(&v, 1)->ns, "red");
	assert_float_equal(row(&v, 1)->rate, 0, 1e-9);
	assert_int_equal(row(&v, 1)->delta, 0);
	top_view_release(&v);

	top_view_init(&v);
	run(&v, 2, t, mv, 4);
	assert_int_equal(v.nrows, 0); /* nothing moved in the last 10 s */
	top_view_release(&v);

	/* --all: every drop counter that counted, moving or not */
	top_view_init(&v);
	v.all = true;
	run(&v, 2, t, mv, 4);
	assert_int_equal(v.nrows, 2); /* red (100) and blue (5000+); not cpu1 nor the long one (0) */
	assert_int_equal(v.nmoving, 0);

	/* a namespace that is gone takes its rows with it */
	snap_init(&s);
	s.t_mono = 24;
	snap_add_ns(&s, 1, "host", NS_HOST, 0);
	delta_compute(&d, NULL, &s);
	top_view_update(&v, NULL, &s, &d);
	delta_release(&d);
	snap_release(&s);
	assert_int_equal(v.nrows, 0);
	assert_int_equal(v.ndrops, 0);
	top_view_release(&v);
}

static void assert_fits(const struct top_line *lines, size_t n, int width)
{
	for (size_t i = 0; i < n; i++) {
		assert_true(strlen(lines[i].text) <= (size_t)width);
		for (const char *p = lines[i].text; *p; p++)
			assert_true((unsigned char)*p >= 0x20);
		if (lines[i].bar_len)
			assert_true(lines[i].bar_at + lines[i].bar_len <= width);
	}
}

static void test_frame_80x24(void **state)
{
	struct top_view v;
	struct top_line lines[64];
	struct top_frame_opts fo = { .width = 80, .height = 24 };
	const double t[] = { 10, 11 };
	const unsigned mv[] = { 15, 15 };
	size_t n;
	bool cut = false;

	(void)state;
	top_view_init(&v);
	run(&v, 2, t, mv, 2);
	n = top_view_frame(&v, &fo, lines, 64);
	assert_int_equal(n, 24);
	assert_fits(lines, n, 80);
	assert_int_equal(lines[0].attr, TOP_A_TITLE);
	assert_non_null(strstr(lines[0].text, "netns:all"));
	assert_non_null(strstr(lines[0].text, "sort:rate"));
	assert_non_null(strstr(lines[1].text, "NET_RX/s"));
	assert_true(!strncmp(lines[2].text, "cpu0 ", 5));
	assert_true(!strncmp(lines[3].text, "cpu1 ", 5));
	/* cpu1: 10 % si: a tenth of the bar filled */
	assert_int_equal(lines[3].bar_len, 3);
	assert_non_null(strstr(lines[5].text, "LAYER"));
	assert_true(!strncmp(lines[6].text, "qdisc", 5));
	assert_non_null(strstr(lines[6].text, "red"));
	assert_int_equal(lines[6].attr, TOP_A_HOT);
	for (size_t i = 6; i < 10; i++)
		cut |= strstr(lines[i].text, "qrouter-") && strchr(lines[i].text, '~');
	assert_true(cut); /* the long namespace, cut and marked */
	assert_int_equal(lines[23].attr, TOP_A_FOOTER);
	assert_non_null(strstr(lines[23].text, "q quit"));

	fo.help = true;
	fo.paused = true;
	n = top_view_frame(&v, &fo, lines, 64);
	assert_non_null(strstr(lines[0].text, "PAUSED"));
	assert_non_null(strstr(lines[23].text, "p pause"));
	assert_fits(lines, n, 80);
	fo.msg = "netns (empty: all): ";
	n = top_view_frame(&v, &fo, lines, 64);
	assert_string_equal(lines[n - 1].text, "netns (empty: all): ");

	/* wider: the long name fits whole; tiny: still lines within the width */
	fo = (struct top_frame_opts){ .width = 200, .height = 50 };
	n = top_view_frame(&v, &fo, lines, 64);
	assert_int_equal(n, 50);
	assert_fits(lines, n, 200);
	for (size_t i = 6; i < 10; i++)
		if (strstr(lines[i].text, "qrouter-"))
			assert_non_null(strstr(lines[i].text, LONGNS));
	fo = (struct top_frame_opts){ .width = 20, .height = 5 };
	n = top_view_frame(&v, &fo, lines, 64);
	assert_int_equal(n, 5);
	assert_fits(lines, n, 20);
	top_view_release(&v);
}

static void test_frame_many(void **state)
{
	struct top_view v;
	struct top_line lines[64];
	struct top_frame_opts fo = { .width = 80, .height = 24 };
	const double t[] = { 10, 11 };
	const unsigned mv[] = { 15, 15 };
	size_t n, cpus = 0;
	bool cpu1 = false;

	(void)state;
	top_view_init(&v);
	run(&v, 64, t, mv, 2);
	n = top_view_frame(&v, &fo, lines, 64);
	assert_int_equal(n, 24);
	assert_fits(lines, n, 80);
	for (size_t i = 0; i < n; i++) {
		cpus += !strncmp(lines[i].text, "cpu", 3);
		cpu1 |= !strncmp(lines[i].text, "cpu1 ", 5);
	}
	assert_int_equal(cpus, (24 - 5) / 2);
	assert_true(cpu1); /* the one that drops is among the busiest shown */
	assert_non_null(strstr(lines[1].text, "busiest"));
	assert_non_null(strstr(lines[n - 1].text, "q quit"));
	top_view_release(&v);
}

static void test_fit(void **state)
{
	char b[16];

	(void)state;
	top_fit(b, sizeof(b), "abcdef", 4, true);
	assert_string_equal(b, "abc~");
	top_fit(b, sizeof(b), "ab", 4, true);
	assert_string_equal(b, "ab  ");
	top_fit(b, sizeof(b), "ab", 4, false);
	assert_string_equal(b, "ab");
	top_fit(b, sizeof(b), "abcdefghijklmnopqrst", 40, false);
	assert_int_equal(strlen(b), 15);
	top_fit(b, sizeof(b), "abc", 0, true);
	assert_string_equal(b, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_first_sample),
		cmocka_unit_test(test_rows_by_rate),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_hold_and_all),
		cmocka_unit_test(test_frame_80x24),
		cmocka_unit_test(test_frame_many),
		cmocka_unit_test(test_fit),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	intern_free_all();
	return r;
}
