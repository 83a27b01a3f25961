/* test_tune.c: knob specs, the journal parser (including torn lines after a crash), the
 * bounded history of reverted journals, the table of knob types and ranges (every
 * entry's edges) and the --verify rule. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "tune/knob.h"
#include "tune/journal.h"
#include "tune/range.h"
#include "tune/verify.h"

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

static const struct knob_spec *spec_of(const char *item)
{
	struct knob_ref k;
	char v[256], why[200];

	assert_int_equal(knob_parse(item, &k, v, sizeof(v), why, sizeof(why)), 0);
	return knob_spec_find(&k);
}

static int check(const struct knob_spec *s, const struct knob_host *h, const char *v)
{
	char why[300];
	int r = knob_check_value(s, h, v, why, sizeof(why));

	if (r) {
		char rng[160];

		/* every refusal names the value and the valid range */
		assert_non_null(strstr(why, v));
		assert_non_null(strstr(why, knob_range_text(s, h, rng, sizeof(rng))));
	}
	return r;
}

/* n copies of x, separated by a space */
static const char *vec(int n, long long x, char *buf, size_t len)
{
	size_t l = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		l += (size_t)snprintf(buf + l, len - l, "%s%lld", i ? " " : "", x);
	return buf;
}

/* Every entry of the table: its edges accepted, one past each refused, junk refused. */
static void test_range_every_entry(void **state)
{
	struct knob_host h = { .ring_max = 0, .ncpus = 2 };
	char buf[256], v[64];
	int entries = 0;

	for (const struct knob_spec *s = knob_specs; s->kind; s++, entries++) {
		assert_true(s->min <= s->max);
		assert_non_null(s->source);
		switch (s->type) {
		case KV_INT:
			snprintf(v, sizeof(v), "%" PRId64, s->min);
			assert_int_equal(check(s, &h, v), 0);
			snprintf(v, sizeof(v), "%" PRId64, s->max);
			assert_int_equal(check(s, &h, v), 0);
			snprintf(v, sizeof(v), "%" PRId64, s->min - 1);
			assert_int_equal(check(s, &h, v), -ERANGE);
			snprintf(v, sizeof(v), "%" PRId64 "0", s->max); /* ten times max */
			assert_int_equal(check(s, &h, v), -ERANGE);
			if (s->max < KNOB_LONG_MAX) {
				snprintf(v, sizeof(v), "%" PRId64, s->max + 1);
				assert_int_equal(check(s, &h, v), -ERANGE);
			}
			assert_int_equal(check(s, &h, "12k"), -ERANGE);
			assert_int_equal(check(s, &h, " 5"), -ERANGE);
			assert_int_equal(check(s, &h, "5 "), -ERANGE);
			assert_int_equal(check(s, &h, "0x10"), -ERANGE);
			assert_int_equal(check(s, &h, "-"), -ERANGE);
			break;
		case KV_INTVEC:
			assert_int_equal(check(s, &h, vec(s->n, s->min, buf, sizeof(buf))), 0);
			assert_int_equal(check(s, &h, vec(s->n, s->max, buf, sizeof(buf))), 0);
			assert_int_equal(check(s, &h, vec(s->n, s->min - 1, buf, sizeof(buf))),
					 -ERANGE);
			if (s->max < KNOB_LONG_MAX)
				assert_int_equal(check(s, &h, vec(s->n, s->max + 1, buf, sizeof(buf))),
						 -ERANGE);
			/* one too few, one too many */
			assert_int_equal(check(s, &h, vec(s->n - 1, s->min, buf, sizeof(buf))),
					 -ERANGE);
			assert_int_equal(check(s, &h, vec(s->n + 1, s->min, buf, sizeof(buf))),
					 -ERANGE);
			/* decreasing: max then min */
			snprintf(buf, sizeof(buf), "%" PRId64, s->max);
			for (int i = 1; i < s->n; i++)
				snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "\t%" PRId64,
					 s->min);
			assert_int_equal(check(s, &h, buf), -ERANGE);
			assert_int_equal(check(s, &h, ""), -ERANGE);
			break;
		case KV_CPUMASK:
			assert_int_equal(check(s, &h, "0"), 0);
			assert_int_equal(check(s, &h, "3"), 0);
			assert_int_equal(check(s, &h, "00000000,00000002"), 0);
			assert_int_equal(check(s, &h, "4"), -ERANGE);      /* CPU 2 of 2 */
			assert_int_equal(check(s, &h, "1,00000000"), -ERANGE); /* CPU 32 */
			assert_int_equal(check(s, &h, "000000003"), -ERANGE);  /* 9 digits */
			assert_int_equal(check(s, &h, "0x3"), -ERANGE);
			assert_int_equal(check(s, &h, "3,"), -ERANGE);
			assert_int_equal(check(s, &h, ",3"), -ERANGE);
			assert_int_equal(check(s, &h, ""), -ERANGE);
			assert_int_equal(check(s, &h, "-1"), -ERANGE);
			break;
		}
	}
	assert_true(entries >= 20);
}

/* The knobs of issue 12 and those doctor proposes: found, with the kernel's limits. */
static void test_range_known_knobs(void **state)
{
	struct knob_host ring = { .ring_max = 4096 }, cpus64 = { .ncpus = 64 };
	const struct knob_spec *s;

	s = spec_of("net.core.netdev_max_backlog=-1");
	assert_non_null(s);
	assert_int_equal(check(s, NULL, "-1"), -ERANGE);
	assert_int_equal(check(s, NULL, "0"), -ERANGE);
	assert_int_equal(check(s, NULL, "1"), 0);
	assert_int_equal(check(s, NULL, "10000"), 0);
	assert_int_equal(check(s, NULL, "2147483648"), -ERANGE);
	assert_int_equal(check(spec_of("net.core.netdev_budget=0"), NULL, "0"), -ERANGE);
	assert_int_equal(check(spec_of("net.core.netdev_budget_usecs=0"), NULL, "0"), 0);
	assert_int_equal(check(spec_of("net.core.netdev_budget_usecs=0"), NULL, "-1"), -ERANGE);
	s = spec_of("net.core.rmem_max=1");
	assert_int_equal(check(s, NULL, "2303"), -ERANGE);
	assert_int_equal(check(s, NULL, "2304"), 0);
	assert_int_equal(check(spec_of("net.core.rmem_default=1"), NULL, "2303"), -ERANGE);
	assert_int_equal(check(spec_of("net.core.wmem_max=1"), NULL, "4607"), -ERANGE);
	assert_int_equal(check(spec_of("net.core.wmem_default=1"), NULL, "4608"), 0);
	assert_int_equal(check(spec_of("net.netfilter.nf_conntrack_max=0"), NULL, "0"), 0);
	assert_int_equal(check(spec_of("net.netfilter.nf_conntrack_max=0"), NULL, "-1"), -ERANGE);
	s = spec_of("net.ipv4.udp_mem=1 2 3");
	assert_int_equal(check(s, NULL, "1 2 3"), 0);
	assert_int_equal(check(s, NULL, "188049 250733 376098"), 0);
	assert_int_equal(check(s, NULL, "3 2 1"), -ERANGE);
	assert_int_equal(check(s, NULL, "1 2"), -ERANGE);
	assert_int_equal(check(s, NULL, "0 2 3"), -ERANGE);
	assert_int_equal(check(spec_of("sysctl:ns1/net.ipv4.ip_local_port_range=1 2"), NULL,
			       "40000 30000"), -ERANGE);
	/* devices: txqlen (kind and sysfs attribute), rings within the device's maximum */
	s = spec_of("txqlen:ns1/veth0=1");
	assert_int_equal(check(s, NULL, "0"), 0);
	assert_int_equal(check(s, NULL, "4294967295"), 0);
	assert_int_equal(check(s, NULL, "4294967296"), -ERANGE);
	assert_int_equal(check(s, NULL, "-1"), -ERANGE);
	assert_true(spec_of("sysfs:class/net/eth0/tx_queue_len=1")->max == 4294967295LL);
	s = spec_of("ring:eth0=1");
	assert_int_equal(check(s, &ring, "4096"), 0);
	assert_int_equal(check(s, &ring, "4097"), -ERANGE);
	assert_int_equal(check(s, &ring, "0"), -ERANGE);
	assert_int_equal(check(s, NULL, "100000"), 0); /* no device limit known: the table's */
	s = spec_of("sysfs:ns1/class/net/v0/queues/rx-0/rps_cpus=1");
	assert_non_null(s);
	assert_int_equal(s->type, KV_CPUMASK);
	assert_int_equal(check(s, &cpus64, "ffffffff,ffffffff"), 0);
	assert_int_equal(check(s, &cpus64, "1,ffffffff,ffffffff"), -ERANGE);
	assert_non_null(spec_of("sysfs:class/net/eth0/queues/tx-3/xps_cpus=1"));
	/* unknown knobs have no entry (refused unless --unchecked) */
	assert_null(spec_of("net.ipv4.tcp_congestion_control=bbr"));
	assert_null(spec_of("sysfs:class/net/eth0/queues/rx-0/x/rps_cpus=1"));
	assert_null(spec_of("sysfs:kernel/mm/transparent_hugepage/enabled=never"));
}

static void test_verify_rule(void **state)
{
	assert_int_equal(verify_judge(0, 0), VERIFY_NO_LOSS);
	assert_int_equal(verify_judge(0, 7), VERIFY_NO_LOSS);
	assert_int_equal(verify_judge(10, 0), VERIFY_HELPED);   /* zero after */
	assert_int_equal(verify_judge(10, 5), VERIFY_HELPED);   /* exactly half */
	assert_int_equal(verify_judge(10, 6), VERIFY_NOT_ENOUGH);
	assert_int_equal(verify_judge(11, 5), VERIFY_HELPED);
	assert_int_equal(verify_judge(11, 6), VERIFY_NOT_ENOUGH); /* 12 > 11 */
	assert_int_equal(verify_judge(1, 0), VERIFY_HELPED);
	assert_int_equal(verify_judge(1, 1), VERIFY_NOT_ENOUGH);
	assert_int_equal(verify_judge(10, 10), VERIFY_NOT_ENOUGH); /* unchanged */
	assert_int_equal(verify_judge(10, 11), VERIFY_WORSE);      /* loss rises */
	assert_int_equal(verify_judge(UINT64_MAX, UINT64_MAX / 2), VERIFY_HELPED);
	assert_int_equal(verify_judge(UINT64_MAX, UINT64_MAX / 2 + 1), VERIFY_NOT_ENOUGH);
	assert_int_equal(verify_judge(UINT64_MAX - 1, UINT64_MAX), VERIFY_WORSE);
	assert_true(verify_keep(VERIFY_HELPED));
	assert_false(verify_keep(VERIFY_NO_LOSS));
	assert_false(verify_keep(VERIFY_WORSE));
	assert_false(verify_keep(VERIFY_NOT_ENOUGH));
	assert_string_equal(verify_name(VERIFY_NO_LOSS), "no-loss-before");
	assert_non_null(strstr(verify_reason(VERIFY_NOT_ENOUGH), "half"));
}

static void touch(const char *dir, const char *name)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static bool exists(const char *dir, const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !access(path, F_OK);
}

static int count_reverted(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".reverted") != NULL;
	closedir(d);
	return n;
}

static void test_journal_history(void **state)
{
	char dir[] = "/tmp/dptune-test-tune.XXXXXX", name[64], cmd[64];

	assert_non_null(mkdtemp(dir));
	for (int t = 100; t < 112; t++) {
		snprintf(name, sizeof(name), "journal-%d.reverted", t);
		touch(dir, name);
	}
	touch(dir, "journal-105-1.reverted"); /* the second one retired in second 105 */
	touch(dir, "journal-x.reverted");     /* not ours: left alone */
	touch(dir, "journal.jsonl");
	assert_int_equal(journal_prune(dir, 10), 0);
	/* 13 retired: the 3 oldest go (100, 101, 102); 105 and 105-1 both stay */
	assert_false(exists(dir, "journal-100.reverted"));
	assert_false(exists(dir, "journal-102.reverted"));
	assert_true(exists(dir, "journal-103.reverted"));
	assert_true(exists(dir, "journal-105-1.reverted"));
	assert_true(exists(dir, "journal-111.reverted"));
	assert_true(exists(dir, "journal-x.reverted"));
	assert_true(exists(dir, "journal.jsonl"));
	assert_int_equal(count_reverted(dir), 11);
	/* retiring twice in one second keeps both, and the history stays at 10 of ours */
	assert_int_equal(journal_retire(dir), 0);
	assert_false(exists(dir, "journal.jsonl"));
	touch(dir, "journal.jsonl");
	assert_int_equal(journal_retire(dir), 0);
	assert_int_equal(count_reverted(dir), 11);
	assert_false(exists(dir, "journal-103.reverted"));
	assert_false(exists(dir, "journal-104.reverted"));
	assert_int_equal(journal_prune(dir, 0), 0);
	assert_int_equal(count_reverted(dir), 1);
	/* a missing directory has no history to prune */
	assert_int_equal(journal_prune("/nonexistent/dptune", 10), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_knob_parse),
		cmocka_unit_test(test_journal_parse),
		cmocka_unit_test(test_journal_history),
		cmocka_unit_test(test_range_every_entry),
		cmocka_unit_test(test_range_known_knobs),
		cmocka_unit_test(test_verify_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
