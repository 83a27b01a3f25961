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
#include "model/rowcache.h"

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

/* The likely row (the one after the last match) is taken only when its whole key matches:
 * not a row of another namespace whose index is the same, nor a row of the same name
 * with other labels when labels tell rows apart. */
static void test_delta_likely_row(void **state)
{
	struct snapshot a, b;
	struct delta d;
	uint32_t a1, a2, b1, b2;

	snap_init(&a);
	snap_init(&b);
	a.t_mono = 1;
	b.t_mono = 2;
	a1 = snap_add_ns(&a, 1, "one", NS_NAMED, 0);
	a2 = snap_add_ns(&a, 2, "two", NS_NAMED, 0);
	b2 = snap_add_ns(&b, 2, "two", NS_NAMED, 0); /* the indexes swapped */
	b1 = snap_add_ns(&b, 1, "one", NS_NAMED, 0);
	snap_add(&a, a1, LAYER_UDP, MK_COUNTER, NULL, "UdpInErrors", 1);
	snap_add(&a, a2, LAYER_UDP, MK_COUNTER, NULL, "UdpInErrors", 5);
	snap_add_full(&a, a2, LAYER_SOCKET, MK_COUNTER, MF_LABEL_KEY, "s", -1, -1, "drops", 10)
		->labels = intern("pid=1");
	snap_add_full(&a, a2, LAYER_SOCKET, MK_COUNTER, MF_LABEL_KEY, "s", -1, -1, "drops", 20)
		->labels = intern("pid=2");
	/* same order of rows, but the first is now namespace two's (index 0 in both) */
	snap_add(&b, b2, LAYER_UDP, MK_COUNTER, NULL, "UdpInErrors", 5);
	snap_add(&b, b1, LAYER_UDP, MK_COUNTER, NULL, "UdpInErrors", 3);
	snap_add_full(&b, b2, LAYER_SOCKET, MK_COUNTER, MF_LABEL_KEY, "s", -1, -1, "drops", 11)
		->labels = intern("pid=1");
	/* a new socket: the likely row (pid=2's) differs from it by its labels alone */
	snap_add_full(&b, b2, LAYER_SOCKET, MK_COUNTER, MF_LABEL_KEY, "s", -1, -1, "drops", 30)
		->labels = intern("pid=3");
	assert_int_equal(delta_compute(&d, &a, &b), 0);
	assert_ptr_equal(d.rows[0].prev, &a.m[1]);
	assert_false(d.rows[0].moved);
	assert_ptr_equal(d.rows[1].prev, &a.m[0]);
	assert_true(d.rows[1].delta == 2 && d.rows[1].moved);
	assert_ptr_equal(d.rows[2].prev, &a.m[2]);
	assert_true(d.rows[2].delta == 1);
	assert_null(d.rows[3].prev);
	assert_false(d.rows[3].moved);
	delta_release(&d);
	snap_release(&a);
	snap_release(&b);
}

/* Runs (snap_run): rows a source made at the same version are mapped by position; the
 * join must be exactly the keyed join without runs, in both of its modes. A run whose
 * version changed, or that was truncated away, is joined by key. */
static void test_delta_runs(void **state)
{
	static const char x = 'x', y = 'y', z = 'z'; /* sources */
	struct snapshot a, b, nb;
	struct delta d1, d2;
	uint64_t v1 = snap_new_version(), v2 = snap_new_version(), v3 = snap_new_version();
	size_t at;

	(void)state;
	snap_init(&a);
	snap_init(&b);
	a.t_mono = 1;
	b.t_mono = 3;
	for (int k = 0; k < 2; k++) {
		struct snapshot *s = k ? &b : &a;
		uint32_t ns;

		if (k)
			snap_add_ns(s, 9, "other", NS_NAMED, 0); /* indexes differ */
		ns = snap_add_ns(s, 5, "five", NS_NAMED, 0);
		at = s->nm; /* x: the same rows in both, one version */
		snap_add(s, ns, LAYER_UDP, MK_COUNTER, "", "a1", 10);
		snap_add(s, ns, LAYER_UDP, MK_COUNTER, "", "a2", 20);
		snap_add_full(s, ns, LAYER_UDP, MK_GAUGE, MF_WATCH, "", -1, -1, "a3", 30);
		snap_add_run(s, &x, v1, at);
		snap_add(s, ns, LAYER_IP, MK_COUNTER, "", "b", 5 + (uint64_t)k * 4);
		at = s->nm; /* y: a new version, the counters moved */
		snap_add(s, ns, LAYER_IP, MK_COUNTER, "dev", "c1", 100 + (uint64_t)k * 50);
		snap_add_knob(s, ns, LAYER_IP, "dev", "c2", k ? "2" : "1");
		snap_add_run(s, &y, k ? v3 : v2, at);
		at = s->nm; /* z: truncated away in b, so joined by key there */
		snap_add(s, ns, LAYER_IP, MK_COUNTER, "", "z", 1);
		snap_add_run(s, &z, v1, at);
	}
	snap_truncate(&b, b.nm - 1);
	assert_int_equal(b.nruns, 2);
	snap_add(&b, 1, LAYER_IP, MK_COUNTER, "", "z", 4);
	nb = b;
	nb.nruns = 0; /* the same rows without their runs */
	for (int notable = 0; notable < 2; notable++) {
		if (notable) {
			delta_compute_notable(&d1, &a, &b, false);
			delta_compute_notable(&d2, &a, &nb, false);
		} else {
			delta_compute(&d1, &a, &b);
			delta_compute(&d2, &a, &nb);
		}
		assert_int_equal(d1.nrows, d2.nrows);
		for (size_t i = 0; i < d1.nrows; i++) {
			const struct delta_row *r = &d1.rows[i], *q = &d2.rows[i];

			assert_ptr_equal(r->cur, q->cur);
			assert_ptr_equal(r->prev, q->prev);
			assert_true(r->delta == q->delta && r->rate == q->rate);
			assert_true(r->moved == q->moved && r->kind == q->kind &&
				    r->flags == q->flags);
		}
		if (!notable) {
			assert_int_equal(d1.nrows, b.nm);
			assert_ptr_equal(d1.rows[1].prev, &a.m[1]);
			assert_true(d1.rows[3].delta == 4 && d1.rows[4].delta == 50);
			assert_true(d1.rows[5].moved && d1.rows[6].delta == 3);
		} else { /* b, c1, c2 (moved), z; and a3, judged by its value */
			assert_int_equal(d1.nrows, 5);
		}
		delta_release(&d1);
		delta_release(&d2);
	}
	snap_release(&a);
	snap_release(&b);
}

/* Whether a run holds a row judged by its value (MF_WATCH) is known without reading its
 * rows: through rows added one by one, a row cache's, and a truncation. */
static void test_run_quiet(void **state)
{
	static const char src = 's';
	struct snapshot s;
	struct rowcache rc = { 0 };
	const char raw[] = "r";
	size_t at;

	(void)state;
	snap_init(&s);
	snap_add_ns(&s, 1, "host", NS_HOST, 0);
	snap_add(&s, 0, LAYER_IP, MK_COUNTER, "", "c", 1);
	snap_add_run(&s, &src, snap_new_version(), 0);
	assert_true(s.runs[0].quiet);
	at = s.nm;
	snap_add(&s, 0, LAYER_IP, MK_GAUGE, "", "g", 1);
	snap_add_full(&s, 0, LAYER_IP, MK_GAUGE, MF_WATCH, "", -1, -1, "w", 1);
	snap_add(&s, 0, LAYER_IP, MK_COUNTER, "", "c2", 1);
	rowcache_keep(&rc, &s, at, raw, sizeof(raw)); /* w in it: not quiet */
	assert_false(s.runs[1].quiet);
	rowcache_put(&rc, &s, 0);
	assert_false(s.runs[2].quiet);
	assert_int_equal(s.watch_end, at + 3 + 2);
	snap_truncate(&s, at + 1); /* the two w rows are gone, and the runs holding them */
	assert_int_equal(s.nruns, 1);
	assert_int_equal(s.watch_end, 0);
	snap_add_run(&s, &src, snap_new_version(), at);
	assert_true(s.runs[1].quiet);
	rowcache_release(&rc);
	snap_release(&s);
}

/* A refilled snapshot keeps, without writing them, the rows a source made at the same
 * version at the same place before snap_clear; anything else is added again. */
static void test_snap_reuse(void **state)
{
	static const char a = 'a', b = 'b', c = 'c';
	struct snapshot s;
	uint64_t va = snap_new_version(), vb = snap_new_version(), vc = snap_new_version();

	(void)state;
	snap_init(&s);
	for (int round = 0; round < 3; round++) {
		uint32_t ns;

		snap_clear(&s);
		if (round == 2)
			snap_add_ns(&s, 9, "new", NS_NAMED, 0); /* indexes move */
		ns = snap_add_ns(&s, 1, "host", NS_HOST, 0);
		if (!snap_reuse(&s, &a, va, ns)) {
			assert_int_equal(round, 0);
			snap_add(&s, ns, LAYER_IP, MK_COUNTER, "", "a1", 1);
			snap_add(&s, ns, LAYER_IP, MK_COUNTER, "", "a2", 2);
			snap_add_run(&s, &a, va, 0);
		}
		assert_int_equal(s.nm, 2);
		assert_true(s.m[1].value == 2 && s.m[1].ns == ns && s.m[0].ns == ns);
		/* b holds a watched row: never kept as it was, always added */
		assert_false(snap_reuse(&s, &b, vb, ns));
		snap_add_full(&s, ns, LAYER_IP, MK_GAUGE, MF_WATCH, "", -1, -1, "b", 5);
		snap_add_run(&s, &b, vb, 2);
		/* c: read again each round, a new version */
		vc = snap_new_version();
		assert_false(snap_reuse(&s, &c, vc, ns));
		snap_add(&s, ns, LAYER_IP, MK_COUNTER, "", "c", (uint64_t)round);
		snap_add_run(&s, &c, vc, 3);
		assert_int_equal(s.nruns, 3);
		assert_true(s.runs[0].src == &a && s.runs[0].n == 2 && s.runs[0].ns == ns);
	}
	/* rows this filling wrote, then dropped, are not the old ones any more */
	snap_clear(&s);
	snap_add(&s, 0, LAYER_IP, MK_COUNTER, "", "x", 7);
	snap_add(&s, 0, LAYER_IP, MK_COUNTER, "", "y", 8);
	snap_truncate(&s, 0);
	assert_false(snap_reuse(&s, &a, va, 0));
	assert_false(snap_reuse(&s, &a, snap_new_version(), 0));
	snap_release(&s);
}

/* A row cache gives back exactly the rows it kept, for exactly the same bytes, in the
 * namespace asked for; other bytes, or a reset intern pool, make the caller parse. */
static void test_rowcache(void **state)
{
	struct snapshot s, t;
	struct rowcache rc = { 0 };
	const char text[] = "Udp: InDatagrams\nUdp: 5\n", other[] = "Udp: InDatagrams\nUdp: 6\n";
	uint32_t ns, ns0, ns1;

	snap_init(&s);
	snap_init(&t);
	ns = snap_add_ns(&s, 7, "seven", NS_NAMED, 0);
	snap_add(&s, ns, LAYER_IP, MK_COUNTER, NULL, "before", 1);
	snap_add(&s, ns, LAYER_UDP, MK_COUNTER, NULL, "UdpInDatagrams", 5);
	snap_add_full(&s, ns, LAYER_UDP, MK_COUNTER32, MF_DROP, "", -1, 1, "x", 9);
	assert_false(rowcache_same(&rc, text, sizeof(text))); /* nothing kept yet */
	rowcache_keep(&rc, &s, 1, text, sizeof(text));
	assert_int_equal(rc.n, 2);
	/* the same bytes into another snapshot where the namespace has another index */
	ns0 = snap_add_ns(&t, 1, "first", NS_NAMED, 0);
	ns1 = snap_add_ns(&t, 7, "seven", NS_NAMED, 0);
	snap_add(&t, ns0, LAYER_IP, MK_COUNTER, NULL, "other", 3);
	assert_true(rowcache_replay(&rc, &t, ns1, text, sizeof(text)));
	assert_int_equal(t.nm, 3);
	assert_true(t.m[1].ns == ns1 && t.m[2].ns == ns1);
	assert_true(t.m[1].value == 5 && t.m[1].name == intern("UdpInDatagrams"));
	assert_true(t.m[2].kind == MK_COUNTER32 && t.m[2].cpu == 1 && t.m[2].flags == MF_DROP);
	/* one byte different, or one byte shorter: not the same source text */
	assert_false(rowcache_replay(&rc, &t, ns1, other, sizeof(other)));
	assert_false(rowcache_replay(&rc, &t, ns1, text, sizeof(text) - 1));
	assert_int_equal(t.nm, 3);
	rowcache_forget(&rc);
	assert_false(rowcache_same(&rc, text, sizeof(text)));
	rowcache_keep(&rc, &s, 1, text, sizeof(text));
	snap_release(&s);
	snap_release(&t);
	intern_free_all(); /* its rows' names are gone with the pool */
	assert_false(rowcache_same(&rc, text, sizeof(text)));
	rowcache_release(&rc);
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
		cmocka_unit_test(test_delta_likely_row),
		cmocka_unit_test(test_rowcache),
		cmocka_unit_test(test_delta_runs),
		cmocka_unit_test(test_run_quiet),
		cmocka_unit_test(test_snap_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
