/* test_registry.c: the collector table of collect/ names no collector of trace/ (no
 * cycle between the two modules); trace's collector joins it by registering itself, once,
 * after the built-in ones, and the table refuses more than COLLECTOR_MAX. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "collect/collect.h"
#include "trace/dropreason.h"

static int find(const char *name)
{
	for (int i = 0; collectors[i]; i++)
		if (!strcmp(collectors[i]->name, name))
			return i;
	return -1;
}

static int count(void)
{
	int n = 0;

	while (collectors[n])
		n++;
	return n;
}

static void test_register(void **state)
{
	int n;

	(void)state;
	assert_int_equal(find("dropreason"), -1); /* collect/ alone does not know it */
	assert_true(find("knobs") >= 0);
	n = count();
	assert_int_equal(dropreason_register(), 0);
	assert_int_equal(find("dropreason"), n); /* last, as before */
	assert_int_equal(dropreason_register(), 0); /* twice: still once */
	assert_int_equal(count(), n + 1);
}

static int noop_run(struct cctx *c)
{
	(void)c;
	return 0;
}

static void test_full(void **state)
{
	static struct collector extra[COLLECTOR_MAX];
	int r = 0;

	(void)state;
	for (int i = 0; i < COLLECTOR_MAX && !r; i++) {
		extra[i] = (struct collector){ "extra", SCOPE_HOST, noop_run, NULL };
		r = collect_register(&extra[i]);
	}
	assert_int_equal(r, -ENOSPC);
	assert_int_equal(count(), COLLECTOR_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
