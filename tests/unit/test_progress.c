/* test_progress.c: the progress line of long runs (output/progress.c), pure parts: the
 * durations, the time left (none before a step is done; from the pace of the steps
 * done; an upper bound when the total is one), nested levels on one line, and the
 * line cut to the terminal's width. And that nothing is written when stdout and stderr
 * are not terminals (as under the test runner). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "output/progress.h"

static struct progress_level level(const char *what, unsigned i, unsigned total, bool upto,
				   double t0, double t_step, const char *label)
{
	struct progress_level l = { .i = i, .total = total, .upto = upto, .t0 = t0,
				    .t_step = t_step };

	snprintf(l.what, sizeof(l.what), "%s", what);
	snprintf(l.label, sizeof(l.label), "%s", label ? label : "");
	return l;
}

static void test_hms(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(progress_hms(b, sizeof(b), 0), "0s");
	assert_string_equal(progress_hms(b, sizeof(b), 42.4), "42s");
	assert_string_equal(progress_hms(b, sizeof(b), 59.6), "1:00");
	assert_string_equal(progress_hms(b, sizeof(b), 187), "3:07");
	assert_string_equal(progress_hms(b, sizeof(b), 3723), "1:02:03");
	assert_string_equal(progress_hms(b, sizeof(b), -5), "0s");
}

static void test_eta(void **state)
{
	struct progress_level l;

	(void)state;
	/* step 1 running: nothing done, nothing known */
	l = level("x", 1, 10, false, 100, 100, NULL);
	assert_true(progress_eta(&l, 105) < 0);
	/* no total: no estimate */
	l = level("x", 5, 0, false, 100, 140, NULL);
	assert_true(progress_eta(&l, 150) < 0);
	/* 4 steps done in 40 s (10 s each), step 5 of 10 began at 140: at 140, 6 steps of
	 * 10 s remain; 3 s later, 57 s */
	l = level("x", 5, 10, false, 100, 140, NULL);
	assert_float_equal(progress_eta(&l, 140), 60, 1e-9);
	assert_float_equal(progress_eta(&l, 143), 57, 1e-9);
	/* a step that overruns: never below the steps not yet begun */
	assert_float_equal(progress_eta(&l, 170), 50, 1e-9);
	/* the last step */
	l = level("x", 10, 10, false, 100, 190, NULL);
	assert_float_equal(progress_eta(&l, 195), 5, 1e-9);
	assert_float_equal(progress_eta(&l, 300), 0, 1e-9);
}

static void test_format(void **state)
{
	struct progress_level lv[2];
	char b[512];
	size_t n;

	(void)state;
	lv[0] = level("lab matrix veth", 2, 3, false, 100, 130, "sweeping");
	lv[1] = level("sweep 64 B", 4, 33, true, 130, 160, "search trial at 120000 pps");
	n = progress_format(b, sizeof(b), 0, lv, 1, 131);
	assert_string_equal(b, "[31s] lab matrix veth 2/3 ~59s left: sweeping");
	assert_int_equal(n, strlen(b));
	n = progress_format(b, sizeof(b), 0, lv, 2, 170);
	assert_string_equal(b, "[1:10] lab matrix veth 2/3 ~30s left: sweeping | sweep 64 B 4/<=33 "
			       "<=4:50 left: search trial at 120000 pps");
	/* cut to the width, and marked */
	n = progress_format(b, sizeof(b), 40, lv, 2, 170);
	assert_int_equal(n, 40);
	assert_int_equal(strlen(b), 40);
	assert_int_equal(b[39], '>');
	assert_true(!strncmp(b, "[1:10] lab matrix veth 2/3 ~30s left: s", 39));
	/* and to the buffer */
	n = progress_format(b, 16, 0, lv, 2, 170);
	assert_int_equal(strlen(b), 15);
	/* unknown total: a count; no control characters reach the terminal */
	lv[0] = level("doctor: watching", 12, 0, false, 100, 111, "line\none");
	progress_format(b, sizeof(b), 0, lv, 1, 112);
	assert_string_equal(b, "[12s] doctor: watching 12: line one");
	/* nothing open: an empty line */
	assert_int_equal(progress_format(b, sizeof(b), 80, lv, 0, 1), 0);
	assert_string_equal(b, "");
}

/* Under the test runner stdout is not a terminal: begin/step/end write nothing. */
static void test_quiet_without_terminal(void **state)
{
	(void)state;
	if (isatty(STDOUT_FILENO) && isatty(STDERR_FILENO))
		skip();
	progress_begin(3, "x");
	progress_step(1, "one");
	assert_false(progress_active());
	progress_begin_max(5, "nested");
	progress_step(2, NULL);
	progress_end();
	progress_end();
	progress_end(); /* one too many: harmless */
	assert_false(progress_active());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hms),
		cmocka_unit_test(test_eta),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_quiet_without_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
