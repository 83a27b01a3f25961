/* test_observation.c: the parts of an observation window that left cmd/doctor.c: the
 * load result read from a command's recorded output, the verdict on a watched command,
 * conservation, the waterfall, the knob owners read from recorded /proc and /etc trees,
 * and running a command with its output captured. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "analyze/observation.h"
#include "collect/owners.h"
#include "observe/watch.h"

static char *slurp(const char *path, size_t *len)
{
	struct strbuf sb;

	sb_init(&sb);
	assert_int_equal(read_file_sb(path, &sb, 1 << 20), 0);
	*len = sb.len;
	return sb.buf;
}

/* The last document with a load result wins; text, a broken line and a document without
 * one around it are skipped. */
static void test_load_result_recorded(void **state)
{
	struct load_result r;
	size_t len;
	char *buf = slurp("tests/data/observe/bench-out.txt", &len);
	const char *last;

	assert_int_equal(load_result_parse(buf, len, &r), 0);
	assert_true(r.sent == 1581 && r.lost == 0);
	assert_string_equal(r.server, "127.0.0.1");
	/* cut inside the last document: the one before it */
	last = strstr(buf, "\n{\"server\":\"127.0.0.1\"");
	assert_non_null(last);
	assert_int_equal(load_result_parse(buf, (size_t)(last - buf) + 200, &r), 0);
	assert_true(r.sent == 1000 && r.lost == 7);
	assert_string_equal(r.server, "10.9.9.9");
	/* not NUL-terminated: len is honoured */
	assert_int_equal(load_result_parse(buf, (size_t)(last - buf) + 1, &r), 0);
	assert_true(r.lost == 7);
	/* the text before any document */
	assert_int_equal(load_result_parse(buf, (size_t)(strchr(buf, '\n') - buf), &r), -ENOENT);
	free(buf);
	buf = slurp("tests/data/observe/bench-sender-limited.json", &len);
	assert_int_equal(load_result_parse(buf, len, &r), 0);
	assert_true(r.sent == 1581 && r.lost == 0);
	free(buf);
}

static void test_load_result_shapes(void **state)
{
	static const char end[] = "{\"end\":{\"lost_packets\":3,\"packets\":100}}\n";
	static const char top[] = "noise\n{\"lost_packets\":4,\"sent\":50}";
	static const char none[] = "{\"other\":1}\n{\"end\":[1,2]}\n[1]\n{\"lost_packets\"";
	struct load_result r;

	assert_int_equal(load_result_parse(end, strlen(end), &r), 0);
	assert_true(r.lost == 3 && r.sent == 100 && !r.server[0]);
	assert_int_equal(load_result_parse(top, strlen(top), &r), 0);
	assert_true(r.lost == 4 && r.sent == 50);
	assert_int_equal(load_result_parse(none, strlen(none), &r), -ENOENT);
	assert_int_equal(load_result_parse("", 0, &r), -ENOENT);
}

/* A command that failed or did not run gives no diagnosis; a load that reported its
 * result and then exited non-zero (bench, sender-limited) does; so does a window cut by
 * Ctrl-C. */
static void test_cmd_ok(void **state)
{
	struct observation o;

	observation_init(&o);
	assert_true(observation_cmd_ok(&o));       /* a window of time */
	o.have_cmd = true;
	assert_true(observation_cmd_ok(&o));       /* exit 0 */
	o.cmd_rc = 1;
	assert_false(observation_cmd_ok(&o));      /* `false` */
	o.cmd_rc = 127;
	assert_false(observation_cmd_ok(&o));
	o.have_lost = true;
	assert_true(observation_cmd_ok(&o));       /* it reported its load */
	o.have_lost = false;
	o.cmd_rc = 130;
	o.interrupted = true;
	assert_true(observation_cmd_ok(&o));
	observation_release(&o);
}

static void test_conservation_and_waterfall(void **state)
{
	struct observation o;
	struct waterfall_layer w[LAYER__COUNT];
	size_t n;

	observation_init(&o);
	ledger_add(&o.l, LAYER_UDP, "srv", "", "UdpRcvbufErrors", NULL, 300);
	ledger_add(&o.l, LAYER_SOCKET, "srv", "udp 10.0.0.2:5004", "drops", "pid=7", 300);
	ledger_add(&o.l, LAYER_BACKLOG, "host", "", "dropped", NULL, 50);
	ledger_add(&o.l, LAYER_BACKLOG, "host", "", "dropped", NULL, 70);
	n = waterfall_build(&o.l, w);
	assert_int_equal(n, 3);
	assert_int_equal(w[0].layer, LAYER_BACKLOG);
	assert_true(w[0].dropped == 70 && w[0].n == 2 && w[0].first == 0);
	assert_int_equal(w[1].layer, LAYER_UDP);
	assert_true(w[1].first == 2 && w[1].n == 1);
	assert_int_equal(w[2].layer, LAYER_SOCKET);
	/* explained: per group the largest (backlog 70, udp+socket 300) */
	assert_true(o.l.explained == 370);
	assert_true(observation_unexplained(&o) == 0); /* no load result */
	o.have_lost = true;
	o.lost = 1000;
	assert_true(observation_unexplained(&o) == 630);
	o.lost = 100;
	assert_true(observation_unexplained(&o) == 0);
	ledger_release(&o.l);
	assert_int_equal(waterfall_build(&o.l, w), 0);
	observation_release(&o);
}

static void test_owners_recorded(void **state)
{
	struct knob_owners o;

	assert_int_equal(owners_find("tests/data/owners/proc", "tests/data/owners/etc", &o), 0);
	assert_true(o.irqbalance);
	assert_true(o.tuned);
	assert_string_equal(o.tuned_profile, "throughput-performance");
	/* only numeric entries are processes (not "self"), and only their comm counts */
	assert_int_equal(owners_find("tests/data/owners/proc-none", "tests/data/owners/etc", &o), 0);
	assert_false(o.irqbalance);
	assert_false(o.tuned);
	assert_string_equal(o.tuned_profile, "");
	assert_int_equal(owners_find("tests/data/owners/nonexistent", NULL, &o), -ENOENT);
	assert_false(o.irqbalance || o.tuned);
	assert_false(owners_match("irqbalanced", &o));
	assert_true(owners_match("irqbalance", &o) && o.irqbalance);
}

static void test_run_capture(void **state)
{
	char *ok[] = { "/bin/sh", "-c", "echo out; exit 3", NULL };
	char *missing[] = { "/nonexistent/dptune-test", NULL };
	char *killed[] = { "/bin/sh", "-c", "kill -TERM $$", NULL };
	struct strbuf out;

	sb_init(&out);
	assert_int_equal(watch_run_capture(ok, &out, false), 3);
	assert_int_equal(out.len, 4);
	assert_memory_equal(out.buf, "out\n", 4);
	sb_reset(&out);
	assert_int_equal(watch_run_capture(missing, &out, false), -ENOENT);
	assert_int_equal(out.len, 0);
	assert_int_equal(watch_run_capture(killed, &out, false), 128 + 15);
	sb_release(&out);
}

/* out NULL: the child's stdout is our stderr (stat -- CMD keeps stdout for its rows). */
static void test_run_stdout_to_stderr(void **state)
{
	char *ok[] = { "/bin/sh", "-c", "echo out; exit 3", NULL };
	char *missing[] = { "/nonexistent/dptune-test", NULL };
	char path[] = "/tmp/dptune-test-run-XXXXXX", buf[16] = { 0 };
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);

	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	fflush(stderr);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	assert_int_equal(watch_run_capture(ok, NULL, false), 3);
	assert_int_equal(watch_run_capture(missing, NULL, false), -ENOENT);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_int_equal(pread(fd, buf, sizeof(buf) - 1, 0), 4);
	assert_string_equal(buf, "out\n");
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_result_recorded),
		cmocka_unit_test(test_load_result_shapes),
		cmocka_unit_test(test_cmd_ok),
		cmocka_unit_test(test_conservation_and_waterfall),
		cmocka_unit_test(test_owners_recorded),
		cmocka_unit_test(test_run_capture),
		cmocka_unit_test(test_run_stdout_to_stderr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
