/* test_lab.c: the lab's pure parts: the state file parser (valid, torn, hostile lines),
 * record serialization round trip, /proc/PID/stat start time, guest counters, names. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lab/lab.h"
#include "lab/lab_int.h"

static const char good[] =
	"{\"t\":\"lab\",\"v\":1,\"name\":\"l1\",\"scenario\":\"veth\",\"idx\":3,\"pid\":42}\n"
	"{\"t\":\"ns\",\"a\":\"dl-l1-probe\"}\n"
	"{\"t\":\"node\",\"name\":\"cli\",\"ns\":\"dl-l1-cli\",\"role\":\"client\",\"addr\":\"10.231.3.1/24\",\"dev\":\"dl3c0\"}\n"
	"{\"t\":\"ns\",\"a\":\"dl-l1-cli\"}\n"
	"{\"t\":\"node\",\"name\":\"srv\",\"ns\":\"dl-l1-srv\",\"role\":\"server\",\"addr\":\"10.231.3.2/24\",\"dev\":\"dl3s0\"}\n"
	"{\"t\":\"target\",\"client\":\"cli\",\"server\":\"srv\",\"addr\":\"10.231.3.2\",\"port_lo\":5500,\"port_hi\":5515}\n"
	"{\"t\":\"hop\",\"ns\":\"dl-l1-cli\",\"dev\":\"dl3c0\",\"kind\":\"veth\",\"note\":\"tx\"}\n"
	"{\"t\":\"hop\",\"ns\":\"dl-l1-srv\",\"dev\":\"dl3s0\",\"kind\":\"veth\",\"note\":\"rx\"}\n"
	"{\"t\":\"sysctl\",\"a\":\"/proc/sys/net/core/netdev_max_backlog\",\"b\":\"1000\",\"fault\":\"backlog\"}\n"
	"{\"t\":\"proc\",\"a\":\"guest\",\"pid\":1234,\"start\":99887766}\n"
	"{\"t\":\"rps\",\"ns\":\"dl-l1-srv\",\"dev\":\"dl3s0\",\"mask\":\"2\"}\n"
	"{\"t\":\"up\"}\n";

static void test_parse_good(void **state)
{
	struct lab l;

	(void)state;
	assert_int_equal(lab_state_parse(good, strlen(good), &l), 0);
	assert_string_equal(l.name, "l1");
	assert_string_equal(l.scenario, "veth");
	assert_int_equal(l.idx, 3);
	assert_int_equal(l.owner_pid, 42);
	assert_true(l.complete);
	assert_int_equal(l.n_nodes, 2);
	assert_string_equal(l.nodes[1].ns, "dl-l1-srv");
	assert_string_equal(l.client, "cli");
	assert_string_equal(l.server_addr, "10.231.3.2");
	assert_int_equal(l.port_lo, 5500);
	assert_int_equal(l.port_hi, 5515);
	assert_int_equal(l.n_path, 2);
	assert_string_equal(l.path[1].dev, "dl3s0");
	assert_string_equal(l.rps_mask, "2");
	assert_int_equal(l.n_recs, 4);
	assert_int_equal(l.recs[0].type, LREC_NS);
	assert_int_equal(l.recs[2].type, LREC_SYSCTL);
	assert_string_equal(l.recs[2].b, "1000");
	assert_string_equal(l.recs[2].fault, "backlog");
	assert_int_equal(l.recs[3].pid, 1234);
	assert_int_equal(l.recs[3].start, 99887766);
	assert_non_null(lab_node_find(&l, "srv"));
	assert_non_null(lab_node_find(&l, "dl-l1-cli"));
	assert_null(lab_node_find(&l, "nope"));
	lab_free(&l);
}

static void test_parse_torn_and_hostile(void **state)
{
	struct lab l;
	/* a torn last line (SIGKILL mid-write), hostile names, wrong types, no "up" */
	const char *s =
		"garbage\n"
		"{\"t\":\"ns\",\"a\":\"before-header\"}\n"
		"{\"t\":\"lab\",\"name\":\"x\",\"scenario\":\"ovs\",\"idx\":7}\n"
		"{\"t\":\"lab\",\"name\":\"y\",\"scenario\":\"veth\",\"idx\":8}\n"
		"{\"t\":\"ns\",\"a\":\"-rf\"}\n"
		"{\"t\":\"ns\",\"a\":\"../../etc\"}\n"
		"{\"t\":\"ns\",\"a\":42}\n"
		"{\"t\":\"sysctl\",\"a\":\"/etc/passwd\",\"b\":\"x\"}\n"
		"{\"t\":\"ovs\",\"ns\":\"dl-x-sw\",\"a\":\"/\"}\n"
		"{\"t\":\"proc\",\"pid\":1,\"start\":5}\n"
		"{\"t\":\"proc\",\"pid\":-5,\"start\":5}\n"
		"{\"t\":\"ns\",\"a\":\"dl-x-sw\"}\n"
		"{\"t\":\"node\",\"name\":\"a\",\"ns\":\"dl-x-a\"}  trailing\n"
		"{\"t\":\"ns\",\"a\":\"dl-x-cli\"";

	(void)state;
	assert_int_equal(lab_state_parse(s, strlen(s), &l), 0);
	assert_string_equal(l.name, "x");
	assert_int_equal(l.idx, 7);
	assert_false(l.complete);
	assert_int_equal(l.n_nodes, 0);
	assert_int_equal(l.n_recs, 1);
	assert_string_equal(l.recs[0].a, "dl-x-sw");
	lab_free(&l);
	assert_int_equal(lab_state_parse("", 0, &l), -EINVAL);
	static const char bad_name[] = "{\"t\":\"lab\",\"name\":\"bad-name\",\"scenario\":\"v\",\"idx\":1}";
	static const char bad_idx[] = "{\"t\":\"lab\",\"name\":\"a\",\"scenario\":\"v\",\"idx\":251}\n";

	assert_int_equal(lab_state_parse(bad_name, sizeof(bad_name) - 1, &l), -EINVAL);
	assert_int_equal(lab_state_parse(bad_idx, sizeof(bad_idx) - 1, &l), -EINVAL);
}

static void test_rec_roundtrip(void **state)
{
	struct lab_rec r;
	struct lab l;
	char *js, *doc;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.type = LREC_NFT;
	strcpy(r.ns, "dl-a-srv");
	strcpy(r.a, "dptune_lab_a_cap");
	strcpy(r.b, "inet");
	strcpy(r.fault, "ratecap");
	js = lab_rec_json(&r);
	doc = xasprintf("{\"t\":\"lab\",\"name\":\"a\",\"scenario\":\"veth\",\"idx\":1}\n%s\n", js);
	assert_int_equal(lab_state_parse(doc, strlen(doc), &l), 0);
	assert_int_equal(l.n_recs, 1);
	assert_memory_equal(&l.recs[0], &r, sizeof(r));
	lab_free(&l);
	free(js);
	free(doc);
}

static void test_stat_start(void **state)
{
	uint64_t st = 0;
	const char *s = "123 (a b) c)) S 1 123 123 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";

	(void)state;
	assert_int_equal(lab_stat_start(s, strlen(s), &st), 0);
	assert_int_equal(st, 987654);
	assert_int_equal(lab_stat_start("1 (x) S 1 2", 11, &st), -EINVAL);
	assert_int_equal(lab_stat_start("no paren", 8, &st), -EINVAL);
	assert_int_equal(lab_proc_start(getpid(), &st), 0);
	assert_true(lab_proc_match(getpid(), st));
	assert_false(lab_proc_match(getpid(), st + 1));
	assert_false(lab_proc_match(1, 0));
}

static void test_guest_parse_and_names(void **state)
{
	uint64_t in = 0, out = 0;
	bool slow = false;

	(void)state;
	assert_int_equal(lab_guest_parse("in=5 out=7 slow=1\n", 18, &in, &out, &slow), 3);
	assert_int_equal(in, 5);
	assert_int_equal(out, 7);
	assert_true(slow);
	assert_int_equal(lab_guest_parse("in=x junk", 9, &in, &out, &slow), 0);
	assert_true(lab_name_valid("t1a2b_c"));
	assert_false(lab_name_valid(""));
	assert_false(lab_name_valid("a-b"));
	assert_false(lab_name_valid("abcdefghijklm"));
	assert_non_null(lab_scenario_find("vxlan"));
	assert_null(lab_scenario_find("ipvlan"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_torn_and_hostile),
		cmocka_unit_test(test_rec_roundtrip),
		cmocka_unit_test(test_stat_start),
		cmocka_unit_test(test_guest_parse_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
