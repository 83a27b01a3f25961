/* test_core.c: strict parsers, string buffers, interning and deltas. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>
#include "core/util.h"
#include "model/intern.h"
#include "model/delta.h"

static void test_parse_rate(void **state)
{
	double v;
	bool max;

	assert_int_equal(parse_rate("500k", &v, &max), 0);
	assert_true(v == 500000 && !max);
	assert_int_equal(parse_rate("1.2M", &v, &max), 0);
	assert_true(v > 1199999 && v < 1200001);
	assert_int_equal(parse_rate("10kpps", &v, &max), 0);
	assert_true(v == 10000);
	assert_int_equal(parse_rate("2500", &v, NULL), 0);
	assert_true(v == 2500);
	assert_int_equal(parse_rate("max", &v, &max), 0);
	assert_true(max);
	assert_int_equal(parse_rate("max", &v, NULL), -EINVAL);
	assert_int_equal(parse_rate("5x", &v, &max), -EINVAL);
	assert_int_equal(parse_rate("", &v, &max), -EINVAL);
	assert_int_equal(parse_rate("-5", &v, &max), -EINVAL);
	assert_int_equal(parse_rate("0", &v, &max), -ERANGE);
	assert_int_equal(parse_rate("1kk", &v, &max), -EINVAL);
}

static void test_parse_seconds(void **state)
{
	double s;

	assert_int_equal(parse_seconds("1.5", &s, false), 0);
	assert_true(s == 1.5);
	assert_int_equal(parse_seconds("250ms", &s, false), 0);
	assert_true(s == 0.25);
	assert_int_equal(parse_seconds("2m", &s, false), 0);
	assert_true(s == 120);
	assert_int_equal(parse_seconds("0", &s, false), -ERANGE);
	assert_int_equal(parse_seconds("0", &s, true), 0);
	assert_int_equal(parse_seconds("1h", &s, false), -EINVAL);
	assert_int_equal(parse_seconds("abc", &s, false), -EINVAL);
}

static void test_parse_ints(void **state)
{
	uint64_t u;
	uint32_t u32;
	unsigned sizes[8];

	assert_int_equal(parse_u64("18446744073709551615", &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", &u), -ERANGE);
	assert_int_equal(parse_u64("12a", &u), -EINVAL);
	assert_int_equal(parse_u64("-1", &u), -EINVAL);
	assert_int_equal(parse_u32("4294967296", &u32), -ERANGE);
	assert_int_equal(parse_size_list("64,128,1400", sizes, 8, 16, 9000), 3);
	assert_int_equal(sizes[2], 1400);
	assert_int_equal(parse_size_list("64,,", sizes, 8, 16, 9000), 1);
	assert_int_equal(parse_size_list("8", sizes, 8, 16, 9000), -ERANGE);
	assert_int_equal(parse_size_list("64,x", sizes, 8, 16, 9000), -EINVAL);
}

static void test_strbuf_split(void **state)
{
	struct strbuf sb;
	char line[] = "  a\tbb  ccc \n";
	char *f[4];

	sb_init(&sb);
	for (int i = 0; i < 1000; i++)
		sb_addf(&sb, "%d,", i);
	assert_int_equal(strncmp(sb.buf, "0,1,2,", 6), 0);
	assert_int_equal(sb.buf[sb.len], '\0');
	sb_release(&sb);
	assert_int_equal(split_ws(line, f, 4), 3);
	assert_string_equal(f[1], "bb");
	assert_string_equal(f[2], "ccc");
}

static void test_intern(void **state)
{
	char a[] = "rx_dropped", b[] = "rx_dropped";

	assert_ptr_equal(intern(a), intern(b));
	assert_ptr_not_equal(intern("x"), intern("y"));
	for (int i = 0; i < 5000; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "dev%d", i);
		assert_string_equal(intern(buf), buf);
	}
	assert_ptr_equal(intern_n("dev42xyz", 5), intern("dev42"));
}

static const char *lit_site(void)
{
	return INTERN_LIT("lit_site_name");
}

/* Literals are looked up by address (their bytes cannot change); a writable buffer
 * reused with other text is not; after intern_free_all() nothing old is returned. */
static void test_intern_literals(void **state)
{
	char buf[32], copy[] = "lit_name_1";
	const char *p = intern("lit_name_1"), *q;
	unsigned gen = intern_gen;

	assert_ptr_equal(intern(copy), p);
	assert_ptr_equal(intern("lit_name_1"), p); /* again, from the literal table */
	assert_ptr_equal(lit_site(), intern("lit_site_name"));
	assert_ptr_equal(lit_site(), lit_site());
	snprintf(buf, sizeof(buf), "first");
	q = intern(buf);
	assert_string_equal(q, "first");
	snprintf(buf, sizeof(buf), "second");
	assert_string_equal(intern(buf), "second");
	intern_free_all();
	assert_int_not_equal(intern_gen, gen);
	/* a new pool: the literal and the call site give its pointers, not the old ones */
	p = intern("lit_name_1");
	assert_string_equal(p, "lit_name_1");
	assert_ptr_equal(intern(copy), p);
	assert_string_equal(lit_site(), "lit_site_name");
	assert_ptr_equal(lit_site(), intern("lit_site_name"));
}

static void test_counter_delta(void **state)
{
	assert_true(counter_delta(10, 15, false) == 5);
	/* a 32-bit counter wrapped: 0xfffffff0 -> 0x10 is 0x20 packets */
	assert_true(counter_delta(0xfffffff0u, 0x10, true) == 0x20);
	/* a 64-bit counter going backwards is a reset, not a huge delta */
	assert_true(counter_delta(1000, 10, false) == 0);
}

static void test_delta_join(void **state)
{
	struct snapshot a, b;
	struct delta d;
	uint32_t na, nb, nb2;

	snap_init(&a);
	snap_init(&b);
	a.t_mono = 10;
	b.t_mono = 12;
	na = snap_add_ns(&a, 111, "host", NS_HOST, 0);
	snap_add(&a, na, LAYER_UDP, MK_COUNTER, NULL, "UdpRcvbufErrors", 100);
	snap_add_full(&a, na, LAYER_BACKLOG, MK_COUNTER32, MF_DROP, "", -1, 3, "dropped", 0xfffffff0u);
	snap_add(&a, na, LAYER_VDEV, MK_GAUGE, "veth0", "qlen", 5);
	/* b: a new namespace first, so indexes differ, and rows in another order */
	nb2 = snap_add_ns(&b, 222, "ns2", NS_NAMED, 0);
	nb = snap_add_ns(&b, 111, "host", NS_HOST, 0);
	assert_int_equal(snap_add_ns(&b, 111, "dup", NS_NAMED, 0), nb); /* dedup by inode */
	snap_add(&b, nb2, LAYER_UDP, MK_COUNTER, NULL, "UdpRcvbufErrors", 7);
	snap_add(&b, nb, LAYER_VDEV, MK_GAUGE, "veth0", "qlen", 9);
	snap_add_full(&b, nb, LAYER_BACKLOG, MK_COUNTER32, MF_DROP, "", -1, 3, "dropped", 0x10);
	snap_add(&b, nb, LAYER_UDP, MK_COUNTER, NULL, "UdpRcvbufErrors", 150);
	snap_add(&a, na, LAYER_UDP, MK_COUNTER, NULL, "UdpInErrors", 4);
	snap_add(&b, nb, LAYER_UDP, MK_COUNTER, NULL, "UdpInErrors", 4);
	assert_int_equal(delta_compute(&d, &a, &b), 0);
	/* a counter that did not move: every field of its row set (rows are not zeroed) */
	assert_non_null(d.rows[4].prev);
	assert_false(d.rows[4].moved);
	assert_true(d.rows[4].delta == 0 && d.rows[4].rate == 0);
	assert_true(d.interval == 2);
	assert_null(d.rows[0].prev); /* ns2's row is new */
	assert_false(d.rows[0].moved);
	assert_true(d.rows[0].delta == 0 && d.rows[0].rate == 0);
	assert_true(d.rows[1].moved && d.rows[1].delta == 0); /* gauge changed */
	assert_true(d.rows[2].delta == 0x20);
	assert_true(d.rows[3].delta == 50 && d.rows[3].rate == 25.0);
	const struct delta_row *r = delta_find(&d, &b, "host", LAYER_UDP, NULL, "UdpRcvbufErrors");

	assert_non_null(r);
	assert_true(r->delta == 50);
	assert_null(delta_find(&d, &b, "nope", LAYER_UDP, NULL, "UdpRcvbufErrors"));
	delta_release(&d);
	snap_release(&a);
	snap_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rate),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_parse_ints),
		cmocka_unit_test(test_strbuf_split),
		cmocka_unit_test(test_intern),
		cmocka_unit_test(test_intern_literals),
		cmocka_unit_test(test_counter_delta),
		cmocka_unit_test(test_delta_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
