/* test_abnormal.c: the rules that judge one reading, and that doctor's finding and stat's
 * highlight come from the same rule (they disagreed at exactly 90 % of conntrack max). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "analyze/abnormal.h"
#include "analyze/doctor.h"

static void test_conntrack_boundary(void **state)
{
	(void)state;
	assert_true(analyze_conntrack_full(900, 1000));   /* exactly 90 % */
	assert_false(analyze_conntrack_full(899, 1000));
	assert_true(analyze_conntrack_full(9, 10));
	assert_false(analyze_conntrack_full(8, 10));
	assert_true(analyze_conntrack_full(1000, 1000));
	assert_true(analyze_conntrack_full(58983, 65536));  /* 90.0009 % */
	assert_false(analyze_conntrack_full(58982, 65536)); /* 89.9994 % */
	assert_false(analyze_conntrack_full(0, 0));       /* max unknown */
	assert_false(analyze_conntrack_full(5, 0));
	/* large tables do not overflow */
	assert_true(analyze_conntrack_full(UINT64_C(9) << 58, UINT64_C(10) << 58));
}

static void test_udp_mem(void **state)
{
	(void)state;
	assert_true(analyze_udp_mem_pressure(8192, 8192));
	assert_false(analyze_udp_mem_pressure(8191, 8192));
	assert_false(analyze_udp_mem_pressure(100, 0));
}

/* One snapshot pair at count/max; returns whether stat highlights the count row, and
 * whether doctor finds the table full. */
static void judge(uint64_t count, uint64_t max, bool *highlight, bool *finding)
{
	struct snapshot a, b;
	struct doctor_report r;
	struct delta d;
	uint32_t ha, hb;
	const struct metric *m;

	snap_init(&a);
	snap_init(&b);
	a.t_mono = 100;
	b.t_mono = 102;
	ha = snap_add_ns(&a, 1, "host", NS_HOST, 0);
	hb = snap_add_ns(&b, 1, "host", NS_HOST, 0);
	/* as the conntrack collector emits it: judged by value (MF_WATCH) */
	snap_add_full(&a, ha, LAYER_NETFILTER, MK_GAUGE, MF_WATCH, "", -1, -1,
		      "nf_conntrack_count", count);
	snap_add(&a, ha, LAYER_NETFILTER, MK_GAUGE, "", "nf_conntrack_max", max);
	snap_add_full(&b, hb, LAYER_NETFILTER, MK_GAUGE, MF_WATCH, "", -1, -1,
		      "nf_conntrack_count", count);
	snap_add(&b, hb, LAYER_NETFILTER, MK_GAUGE, "", "nf_conntrack_max", max);
	m = snap_find(&b, hb, LAYER_NETFILTER, "", -1, -1, "nf_conntrack_count");
	assert_non_null(m);
	*highlight = analyze_row_abnormal(&b, m);
	delta_compute(&d, &a, &b);
	doctor_run(&a, &b, &d, &r);
	*finding = false;
	for (size_t i = 0; i < r.n; i++)
		if (!strcmp(r.f[i].rule, "conntrack-full"))
			*finding = true;
	doctor_report_release(&r);
	delta_release(&d);
	snap_release(&a);
	snap_release(&b);
}

static void test_stat_and_doctor_agree(void **state)
{
	bool hl, fd;

	(void)state;
	judge(900, 1000, &hl, &fd); /* exactly 90 %: both */
	assert_true(hl);
	assert_true(fd);
	judge(899, 1000, &hl, &fd); /* below: neither */
	assert_false(hl);
	assert_false(fd);
}

static void test_rows(void **state)
{
	struct snapshot s;
	uint32_t h;
	const struct metric *m;

	(void)state;
	snap_init(&s);
	h = snap_add_ns(&s, 1, "host", NS_HOST, 0);
	snap_add_full(&s, h, LAYER_UDP, MK_GAUGE, MF_WATCH, "", -1, -1, "udp_mem", 8192);
	snap_add_knob(&s, h, LAYER_UDP, "", "net.ipv4.udp_mem", "4096 8192 16384");
	/* a gauge its collector did not mark is judged by its moves, whatever its name */
	snap_add(&s, h, LAYER_UDP, MK_GAUGE, "y", "udp_mem", 8192);
	/* as the dropreason collector emits them: judged by value (MF_WATCH) */
	snap_add_full(&s, h, LAYER_IP, MK_COUNTER, MF_WATCH, "", -1, -1, "drop_events_missed", 0);
	snap_add_full(&s, h, LAYER_IP, MK_COUNTER, MF_WATCH, "", -1, -1,
		      "drop_events_unaccounted", 3);
	/* the same name elsewhere, unmarked, is a counter like any other: judged by moves */
	snap_add_full(&s, h, LAYER_IP, MK_COUNTER, 0, "x", -1, -1, "drop_events_unaccounted", 3);
	m = snap_find(&s, h, LAYER_UDP, "", -1, -1, "udp_mem");
	assert_true(analyze_row_abnormal(&s, m)); /* at pressure */
	s.m[m - s.m].value = 8191;
	assert_false(analyze_row_abnormal(&s, m));
	assert_false(analyze_row_abnormal(&s, snap_find(&s, h, LAYER_UDP, "y", -1, -1, "udp_mem")));
	m = snap_find(&s, h, LAYER_IP, "", -1, -1, "drop_events_missed");
	assert_false(analyze_row_abnormal(&s, m));
	m = snap_find(&s, h, LAYER_IP, "", -1, -1, "drop_events_unaccounted");
	assert_true(analyze_row_abnormal(&s, m));
	m = snap_find(&s, h, LAYER_IP, "x", -1, -1, "drop_events_unaccounted");
	assert_false(analyze_row_abnormal(&s, m));
	snap_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conntrack_boundary),
		cmocka_unit_test(test_udp_mem),
		cmocka_unit_test(test_stat_and_doctor_agree),
		cmocka_unit_test(test_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
