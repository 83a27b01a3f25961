/* test_tune.c: knob specs and the journal parser, including torn lines after a crash. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include "tune/knob.h"
#include "tune/journal.h"

static void test_knob_parse(void **state)
{
	struct knob_ref k;
	char v[64], why[128], name[300];

	assert_int_equal(knob_parse("net.core.netdev_max_backlog=10000", &k, v, sizeof(v), why,
				    sizeof(why)), 0);
	assert_string_equal(k.kind, "sysctl");
	assert_string_equal(k.netns, "host");
	assert_string_equal(k.target, "net.core.netdev_max_backlog");
	assert_string_equal(v, "10000");
	assert_int_equal(knob_parse("sysctl:lab-srv/net.core.somaxconn=5", &k, v, sizeof(v), why,
				    sizeof(why)), 0);
	assert_string_equal(k.netns, "lab-srv");
	assert_string_equal(knob_name(&k, name, sizeof(name)), "sysctl:lab-srv/net.core.somaxconn");
	assert_int_equal(knob_parse("txqlen:qrouter-1/qr-12=10000", &k, v, sizeof(v), why,
				    sizeof(why)), 0);
	assert_string_equal(k.kind, "txqlen");
	assert_string_equal(k.netns, "qrouter-1");
	assert_string_equal(k.target, "qr-12");
	assert_int_equal(knob_parse("sysfs:class/net/eth0/queues/rx-0/rps_cpus=f", &k, v, sizeof(v),
				    why, sizeof(why)), 0);
	assert_string_equal(k.netns, "host");
	assert_string_equal(k.target, "class/net/eth0/queues/rx-0/rps_cpus");
	assert_int_equal(knob_parse("sysfs:ns1/class/net/v/queues/rx-0/rps_cpus=3", &k, v, sizeof(v),
				    why, sizeof(why)), 0);
	assert_string_equal(k.netns, "ns1");
	/* a value with spaces and tabs (udp_mem) */
	assert_int_equal(knob_parse("net.ipv4.udp_mem=1 2\t3", &k, v, sizeof(v), why, sizeof(why)), 0);
	assert_string_equal(v, "1 2\t3");

	/* errors name what is wrong */
	assert_int_equal(knob_parse("net.core.x", &k, v, sizeof(v), why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "=VALUE"));
	assert_int_equal(knob_parse("bogus:x=1", &k, v, sizeof(v), why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "unknown kind"));
	assert_int_equal(knob_parse("sysfs:../../etc/passwd=1", &k, v, sizeof(v), why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(knob_parse("sysctl:net/../../x=1", &k, v, sizeof(v), why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(knob_parse("txqlen:ns/a/b=1", &k, v, sizeof(v), why, sizeof(why)), -EINVAL);
	assert_int_equal(knob_parse("ring:averyveryverylongdevicename=1", &k, v, sizeof(v), why,
				    sizeof(why)), -EINVAL);
}

static void test_journal_parse(void **state)
{
	const char buf[] =
		"{\"op\":\"change\",\"id\":\"r1\",\"kind\":\"sysctl\",\"netns\":\"host\","
		"\"target\":\"net.core.rmem_default\",\"original\":\"212992\",\"value\":\"4194304\"}\n"
		"{\"op\":\"done\",\"id\":\"r1\",\"kind\":\"sysctl\",\"netns\":\"host\","
		"\"target\":\"net.core.rmem_default\"}\n"
		"{\"op\":\"change\",\"id\":\"r1\",\"kind\":\"txqlen\",\"netns\":\"n\","
		"\"target\":\"tap0\",\"original\":\"1000\",\"value\":\"10000\"}\n"
		"not json\n"
		"{\"op\":\"done\",\"id\":\"r9\",\"kind\":\"txqlen\",\"netns\":\"n\",\"target\":\"x\"}\n"
		"{\"op\":\"change\",\"id\":\"r1\",\"kind\":\"sysctl\",\"netns\":\"ho";  /* torn */
	struct journal j;

	memset(&j, 0, sizeof(j));
	journal_parse(buf, sizeof(buf) - 1, &j);
	assert_int_equal(j.n, 2);
	assert_true(j.e[0].done);
	assert_false(j.e[1].done); /* intent written, the kill came before "done" */
	assert_string_equal(j.e[0].original, "212992");
	assert_string_equal(j.e[1].k.target, "tap0");
	assert_int_equal(j.bad_lines, 3);
	journal_release(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_knob_parse),
		cmocka_unit_test(test_journal_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
