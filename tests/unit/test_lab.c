/* test_lab.c: the lab's pure parts: the state file parser (valid, torn, hostile lines),
 * record serialization round trip, /proc/PID/stat start time, guest counters, names. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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

/* ---- the scenario table (scenarios.c) is consistent data ---- */

static bool sc_has_node(const struct lab_sc *d, const char *name)
{
	for (const struct lab_sc_node *n = d->nodes; n->name; n++)
		if (!strcmp(n->name, name))
			return true;
	return false;
}

/* Every "{...}" in s is a token the builder knows (lab_int.h); returns how many. */
static int sc_check_tokens(const struct lab_sc *d, const char *s, const char *where)
{
	int n = 0;

	for (const char *p = strchr(s, '{'); p; p = strchr(p + 1, '{')) {
		size_t w = strcspn(p + 1, "} ");
		char tok[64];
		int a, b, c, k = 0;
		bool ok;

		if (p[1] == ' ')
			continue; /* nft's "{ type nat ... }" */
		assert_true(p[1 + w] == '}');
		assert_true(w < sizeof(tok));
		memcpy(tok, p + 1, w);
		tok[w] = 0;
		ok = !strcmp(tok, "vni") || !strcmp(tok, "table") ||
		     (!strncmp(tok, "ns:", 3) && sc_has_node(d, tok + 3)) ||
		     (sscanf(tok, "%d.%d/%d%n", &a, &b, &c, &k) == 3 && !tok[k] && a >= 0 &&
		      a <= 25 && b >= 0 && b <= 255 && c >= 8 && c <= 32) ||
		     (k = 0, sscanf(tok, "%d.%d%n", &a, &b, &k) == 2 && !tok[k] && b >= 0 && b <= 255) ||
		     (w >= 1 && w <= 4 && strspn(tok, "abcdefghijklmnopqrstuvwxyz0123456789") == w);
		if (!ok)
			fail_msg("%s: unknown token {%s} in '%s'", where, tok, s);
		n++;
	}
	return n;
}

static void test_scenario_table(void **state)
{
	int count = 0;

	(void)state;
	for (const struct lab_scenario *sc = lab_scenarios; sc->name; sc++, count++) {
		const struct lab_sc *d = sc->def;
		const struct lab_sc_hop *last = NULL;
		char ovs[4][16];
		int nn = 0, nh = 0, novs = 0;

		assert_non_null(d);
		assert_true(strlen(sc->summary) > 10);
		for (const struct lab_sc_node *n = d->nodes; n->name; n++, nn++) {
			assert_true(strlen(n->name) < sizeof(((struct lab_node *)0)->name));
			assert_true(3 + LAB_NAME_MAX + 1 + strlen(n->name) < LAB_NS_MAX);
			assert_non_null(n->role);
			assert_int_equal(sc_check_tokens(d, n->dev, sc->name), 1);
			if (n->addr)
				assert_int_equal(sc_check_tokens(d, n->addr, sc->name), 1);
			if (!strcmp(n->name, d->server) && !n->addr)
				fail_msg("%s: the server node has no address (faults match it)", sc->name);
		}
		assert_true(nn >= 2 && nn <= LAB_NODES_MAX);
		assert_true(sc_has_node(d, d->client));
		assert_true(sc_has_node(d, d->server));
		assert_int_equal(sc_check_tokens(d, d->target, sc->name), 1);
		assert_null(strchr(d->target, '/'));
		for (const struct lab_sc_hop *h = d->path; h->node; h++, nh++) {
			assert_true(sc_has_node(d, h->node));
			sc_check_tokens(d, h->dev, sc->name);
			assert_non_null(h->kind);
			assert_non_null(h->note);
			last = h;
		}
		assert_true(nh >= 2 && nh <= LAB_PATH_MAX);
		if (strcmp(d->path[0].node, d->client) || strcmp(last->node, d->server))
			fail_msg("%s: the path must run from the client to the server", sc->name);
		for (const struct lab_step *st = d->steps; st->op != LOP_END; st++) {
			int na = 0;

			while (na < LAB_STEP_ARGS && st->a[na])
				sc_check_tokens(d, st->a[na++], sc->name);
			assert_true(na < LAB_STEP_ARGS); /* room for the NULL */
			if (st->op == LOP_OVS) {
				assert_true(novs < 4);
				snprintf(ovs[novs++], sizeof(ovs[0]), "%s", st->a[0]);
			}
			if (st->op == LOP_VSCTL) {
				bool started = false;

				for (int i = 0; i < novs; i++)
					started |= !strcmp(ovs[i], st->node);
				if (!started)
					fail_msg("%s: ovs-vsctl on instance %s before it is started", sc->name,
						 st->node);
			} else if (!sc_has_node(d, st->node)) {
				fail_msg("%s: a step runs in node %s, which the scenario lacks", sc->name,
					 st->node);
			}
			if (st->op == LOP_VETH)
				assert_true(sc_has_node(d, st->a[1]));
			if (st->op == LOP_GUEST)
				assert_true(sc_has_node(d, st->a[1]));
		}
		assert_true(sc_has_node(d, d->rps_node));
		assert_int_equal(sc_check_tokens(d, d->rps_dev, sc->name), 1);
		assert_ptr_equal(lab_scenario_find(sc->name), sc);
	}
	assert_int_equal(count, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_torn_and_hostile),
		cmocka_unit_test(test_rec_roundtrip),
		cmocka_unit_test(test_stat_start),
		cmocka_unit_test(test_guest_parse_and_names),
		cmocka_unit_test(test_scenario_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
