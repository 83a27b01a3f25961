/* test_knobs.c: when the knobs collector reads its files. Without knob_max_age (doctor,
 * tune, one-shot stat) every snapshot reads every knob, device knobs included, so a
 * changed setting is current at the next snapshot; with it (stat -i) the files are read
 * once per knob_max_age and repeated from the last read in between. On a recorded tree
 * changed between snapshots. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "collect/collect.h"

static char root[256], proc[300], sys[300];

static void put(const char *base, const char *rel, const char *text)
{
	char path[600], dir[600], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (p = dir + strlen(base) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	f = fopen(path, "r+"); /* in place: the collector's cached fd sees the change */
	if (!f)
		f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(ftruncate(fileno(f), (off_t)strlen(text)), 0);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/dptune-test-knobs-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	mkdir(proc, 0755);
	mkdir(sys, 0755);
	put(proc, "sys/net/core/netdev_max_backlog", "1000\n");
	put(proc, "net/dev", "Inter-|   Receive |  Transmit\n"
			     " face |bytes packets|bytes packets\n"
			     "  eth0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n");
	put(sys, "class/net/eth0/queues/rx-0/rps_cpus", "0\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[400];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) ? -1 : 0;
}

static const char *text_of(struct snapshot *s, const char *obj, int queue, const char *name)
{
	for (size_t i = 0; i < s->nm; i++)
		if (!strcmp(s->m[i].name, name) && !strcmp(s->m[i].obj, obj) &&
		    s->m[i].queue == queue && s->m[i].kind == MK_KNOB)
			return s->m[i].text;
	return NULL;
}

/* Two snapshots with a change of both knobs between them; the texts the second saw. */
static void two_snapshots(double max_age, const char *backlog, const char *rps,
			  char *got_backlog, char *got_rps)
{
	struct collect_opts o = { .proc_root = proc, .sys_root = sys, .recorded = true,
				  .only_collectors = "knobs", .knob_max_age = max_age };
	struct collect_engine *e = collect_engine_new(&o);
	struct snapshot s;
	const char *t;

	snap_init(&s);
	assert_int_equal(collect_snapshot(e, &s), 0);
	put(proc, "sys/net/core/netdev_max_backlog", backlog);
	put(sys, "class/net/eth0/queues/rx-0/rps_cpus", rps);
	assert_int_equal(collect_snapshot(e, &s), 0);
	t = text_of(&s, "", -1, "net.core.netdev_max_backlog");
	assert_non_null(t);
	strcpy(got_backlog, t);
	t = text_of(&s, "eth0", 0, "rps_cpus");
	assert_non_null(t);
	strcpy(got_rps, t);
	snap_release(&s);
	collect_engine_free(e);
}

static void test_current_without_max_age(void **state)
{
	char b[64], r[64];

	(void)state;
	put(proc, "sys/net/core/netdev_max_backlog", "1000\n");
	put(sys, "class/net/eth0/queues/rx-0/rps_cpus", "0\n");
	two_snapshots(0, "5000\n", "3\n", b, r);
	assert_string_equal(b, "5000");
	assert_string_equal(r, "3"); /* device knobs too (they were cached 10 s before) */
}

static void test_cached_with_max_age(void **state)
{
	char b[64], r[64];

	(void)state;
	put(proc, "sys/net/core/netdev_max_backlog", "1000\n");
	put(sys, "class/net/eth0/queues/rx-0/rps_cpus", "0\n");
	two_snapshots(COLLECT_KNOB_MAX_AGE, "7000\n", "f\n", b, r);
	assert_string_equal(b, "1000"); /* repeated from the first read */
	assert_string_equal(r, "0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_current_without_max_age),
		cmocka_unit_test(test_cached_with_max_age),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
