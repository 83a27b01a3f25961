/* test_statprint.c: the rows and tables of `dptune stat` (output/stat_print.c) and the
 * resolution of cross-namespace link peers (model/linkpeer.c) on built snapshots: comma
 * lists in filters, columns sized to long namespace names, the knob table, JSON keys,
 * peers told apart by mutual ifindex, by the kernel's name for them and by what a
 * netnsid was learned to mean. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "model/delta.h"
#include "model/intern.h"
#include "model/linkpeer.h"
#include "output/print.h"
#include "output/stat_print.h"

static struct link_info *add_link(struct snapshot *s, uint32_t ns, int ifindex, const char *name,
				  const char *kind, int link, int nsid, const char *link_name)
{
	struct link_info *l = snap_add_link(s);

	l->ns = ns;
	l->ifindex = ifindex;
	l->name = intern(name);
	l->kind = intern(kind);
	l->link = link;
	l->link_netnsid = nsid;
	l->link_name = link_name ? intern(link_name) : NULL;
	l->mtu = 1500;
	l->txqlen = 1000;
	l->num_rx_queues = l->num_tx_queues = 1;
	return l;
}

static int idx(const struct snapshot *s, uint32_t ns, const char *name)
{
	for (size_t i = 0; i < s->nlinks; i++)
		if (s->links[i].ns == ns && !strcmp(s->links[i].name, name))
			return (int)i;
	fail_msg("no link %s", name);
	return -1;
}

static void test_name_in_list(void **state)
{
	(void)state;
	assert_true(stat_name_in_list(NULL, "x"));
	assert_true(stat_name_in_list("a,b,c", "b"));
	assert_true(stat_name_in_list("a,b,c", "c"));
	assert_false(stat_name_in_list("a,b,c", "d"));
	assert_false(stat_name_in_list("ab,c", "a"));
	assert_false(stat_name_in_list("a,b", ""));
	/* a process's comm may hold a comma: the whole list matches too */
	assert_true(stat_name_in_list("pid:7(a,b)", "pid:7(a,b)"));
}

/* Three namespaces made alike (lab style): in each pair both ends are ifindex 2 and name
 * ifindex 2, so ifindex alone cannot tell the pairs apart. */
static void test_peers(void **state)
{
	struct snapshot s;
	int peer[16];
	uint32_t h, a, b, c, d;

	(void)state;
	snap_init(&s);
	h = snap_add_ns(&s, 1, "host", NS_HOST, 0);
	a = snap_add_ns(&s, 2, "a", NS_NAMED, 0);
	b = snap_add_ns(&s, 3, "b", NS_NAMED, 0);
	c = snap_add_ns(&s, 4, "c", NS_NAMED, 0);
	d = snap_add_ns(&s, 5, "d", NS_NAMED, 0);
	add_link(&s, h, 1, "lo", "", 0, -1, NULL);
	add_link(&s, h, 7, "eth0", "", 0, -1, NULL);
	/* host hv <-> a/va: a unique mutual pair; x1 <-> x2: a pair inside the host */
	add_link(&s, h, 8, "hv", "veth", 3, 0, NULL);
	add_link(&s, a, 3, "va", "veth", 8, 0, NULL);
	add_link(&s, h, 9, "x1", "veth", 10, -1, NULL);
	add_link(&s, h, 10, "x2", "veth", 9, -1, NULL);
	/* b/p <-> c/q and d/r <-> a/s: alike by ifindex; p and q carry the kernel's name of
	 * their peer, r and s do not */
	add_link(&s, b, 2, "p", "veth", 2, 0, "q");
	add_link(&s, c, 2, "q", "veth", 2, 0, "p");
	add_link(&s, d, 2, "r", "veth", 2, 0, NULL);
	add_link(&s, a, 2, "s", "veth", 2, 1, NULL);
	/* a macvlan in a whose parent is host's eth0 (netnsid 0 in a = host, learned from va) */
	add_link(&s, a, 4, "mv", "macvlan", 7, 0, NULL);
	/* a veth whose peer's namespace was not read */
	add_link(&s, a, 5, "lost", "veth", 40, 2, NULL);

	linkpeer_resolve(&s, peer);
	assert_int_equal(peer[idx(&s, h, "hv")], idx(&s, a, "va"));
	assert_int_equal(peer[idx(&s, a, "va")], idx(&s, h, "hv"));
	assert_int_equal(peer[idx(&s, h, "x1")], idx(&s, h, "x2"));
	assert_int_equal(peer[idx(&s, b, "p")], idx(&s, c, "q"));
	assert_int_equal(peer[idx(&s, c, "q")], idx(&s, b, "p"));
	/* r and s are ambiguous with p/q by ifindex, and carry no name: never guessed */
	assert_int_equal(peer[idx(&s, d, "r")], -1);
	assert_int_equal(peer[idx(&s, a, "s")], -1);
	assert_int_equal(peer[idx(&s, a, "mv")], idx(&s, h, "eth0"));
	assert_int_equal(peer[idx(&s, a, "lost")], -1);
	assert_int_equal(peer[idx(&s, h, "lo")], -1);
	snap_release(&s);
}

/* Print into a memory file, from a delta of every row or (notable) of the rows stat -i
 * keeps (cmd/stat.c); returns the text (caller frees). */
static char *render_from(const struct stat_filter *f, const struct snapshot *prev,
			 const struct snapshot *cur, bool json, bool notable)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct delta d;

	print_init(json ? PRINT_JSON : PRINT_TEXT, fp);
	if (notable)
		delta_compute_notable(&d, prev, cur, f->knobs);
	else
		delta_compute(&d, prev, cur);
	stat_print(f, prev, cur, &d, prev ? 1 : 0);
	delta_release(&d);
	fclose(fp);
	print_init(PRINT_TEXT, stdout);
	return buf;
}

static char *render(const struct stat_filter *f, const struct snapshot *prev,
		    const struct snapshot *cur, bool json)
{
	return render_from(f, prev, cur, json, false);
}

static const char *const LONGNS = "qrouter-5c2f3a7e-1b4d-4e6f-9a8b-0c1d2e3f4a5b";

static void fill(struct snapshot *s, uint64_t v)
{
	uint32_t h = snap_add_ns(s, 1, "host", NS_HOST, 0);
	uint32_t r = snap_add_ns(s, 2, LONGNS, NS_NAMED, 0);

	snap_add_full(s, h, LAYER_UDP, MK_COUNTER, MF_DROP, NULL, -1, -1, "UdpRcvbufErrors", v);
	snap_add_full(s, r, LAYER_UDP, MK_COUNTER, MF_DROP, NULL, -1, -1, "UdpNoPorts", 2 * v);
	snap_add_full(s, r, LAYER_VDEV, MK_COUNTER, MF_DROP, "qr-5c2f3a7e-1b", -1, -1,
		      "rx_dropped", 123456789 * v);
	snap_add_knob(s, r, LAYER_BACKLOG, "qr-5c2f3a7e-1b", "rps_cpus", "ffff,ffffffff");
	snap_add_knob(s, h, LAYER_SOFTIRQ, NULL, "net.core.netdev_budget", "300");
	add_link(s, h, 8, "tap5c2f3a7e-1b", "veth", 2, 0, "qr-5c2f3a7e-1b");
	add_link(s, r, 2, "qr-5c2f3a7e-1b", "veth", 8, 0, "tap5c2f3a7e-1b");
}

/* Every line after a header starting with first: each heading's column starts (left) or
 * ends (right-aligned, from value_head on) at the same offset as in the header. */
static void assert_aligned(const char *text, const char *first, const char *const *heads,
			   size_t nheads, size_t nleft)
{
	char *copy = strdup(text), *rest = copy, *line;
	size_t off[16];
	bool in = false;
	int rows = 0;

	while ((line = strsep(&rest, "\n"))) {
		bool header = !strncmp(line, first, strlen(first));

		for (size_t k = 0; header && k < nheads; k++)
			header = strstr(line, heads[k]) != NULL;
		if (header) {
			for (size_t k = 0; k < nheads; k++) {
				const char *p = strstr(line, heads[k]);

				off[k] = (size_t)(p - line) + (k >= nleft ? strlen(heads[k]) : 0);
			}
			in = true;
			continue;
		}
		if (!line[0] || line[0] == '#' || !strncmp(line, first, strlen(first)))
			in = false; /* a table ends at a blank line, a comment or another header */
		if (!in)
			continue;
		rows++;
		for (size_t k = 0; k < nheads; k++) {
			size_t o = off[k];

			assert_true(strlen(line) >= o);
			if (k < nleft) {
				assert_true(o == 0 || line[o - 1] == ' ');
				assert_true(line[o] != ' ');
			} else {
				assert_true(line[o - 1] != ' ');
				assert_true(line[o] == ' ' || line[o] == '\0');
			}
		}
	}
	assert_true(rows > 0);
	free(copy);
}

static void test_columns(void **state)
{
	static const char *const rows_heads[] = { "LAYER", "NETNS", "OBJECT", "COUNTER", "VALUE",
						  "DELTA", "RATE" };
	static const char *const knob_heads[] = { "LAYER", "NETNS", "OBJECT", "KNOB", "VALUE" };
	static const char *const link_heads[] = { "NETNS", "DEVICE", "KIND", "MTU", "TXQLEN",
						  "QUEUES" };
	struct stat_filter f = { .all = false, .knobs = true, .links = true };
	struct snapshot a, b;
	char *text;

	(void)state;
	snap_init(&a);
	snap_init(&b);
	fill(&a, 1);
	fill(&b, 3);
	b.t_mono = a.t_mono + 1;

	text = render(&f, NULL, &a, false);
	if (getenv("SHOW"))
		fputs(text, stderr);
	assert_non_null(strstr(text, LONGNS));
	assert_aligned(text, "LAYER", rows_heads, 5, 4);
	assert_aligned(text, "LAYER", knob_heads, 5, 4);
	assert_aligned(text, "NETNS", link_heads, 6, 3);
	assert_non_null(strstr(text, " peer=qr-5c2f3a7e-1b@qrouter-5c2f3a7e-1b4d-4e6f-9a8b-0c1d2e3f4a5b\n"));
	assert_non_null(strstr(text, " peer=tap5c2f3a7e-1b@host\n"));
	assert_non_null(strstr(text, "# knobs: 2 settings"));
	free(text);

	text = render(&f, &a, &b, false);
	assert_aligned(text, "LAYER", rows_heads, 7, 4);
	free(text);
	snap_release(&a);
	snap_release(&b);
}

static void test_json(void **state)
{
	struct stat_filter f = { .knobs = true, .netns = "host", .dev = NULL };
	struct snapshot a;
	json_object *doc, *arr, *o, *v;
	char *text;

	(void)state;
	snap_init(&a);
	fill(&a, 1);
	text = render(&f, NULL, &a, true);
	doc = json_tokener_parse(text);
	assert_non_null(doc);
	assert_true(json_object_object_get_ex(doc, "knobs", &arr));
	assert_int_equal(json_object_array_length(arr), 1); /* --netns host */
	o = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(o, "knob", &v));
	assert_string_equal(json_object_get_string(v), "net.core.netdev_budget");
	assert_true(json_object_object_get_ex(o, "value", &v));
	assert_int_equal(json_object_get_int64(v), 300);
	assert_true(json_object_object_get_ex(doc, "links", &arr));
	assert_int_equal(json_object_array_length(arr), 1);
	o = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(o, "link", &v));
	assert_string_equal(json_object_get_string(v), "qr-5c2f3a7e-1b");
	assert_true(json_object_object_get_ex(o, "link_netns", &v));
	assert_string_equal(json_object_get_string(v), LONGNS);
	json_object_put(doc);
	free(text);
	snap_release(&a);
}

/* Which rows `stat -i` shows, through a real delta: moved rows; unmoved ones only when
 * judged abnormal by value (a gauge at its limit, a counter the collector marks
 * MF_WATCH); never an unmoved plain counter or knob; everything with --all. The unmoved
 * cases are decided from the delta row's copy of kind and flags, so this also checks
 * that the copy agrees with analyze_row_abnormal on the same rows. */
static void test_visible(void **state)
{
	struct stat_filter f = { 0 }, all = { .all = true };
	struct snapshot a, b;
	struct delta d;
	const char *expect[] = { "moved", "drop_events_missed", "nf_conntrack_count" };

	(void)state;
	for (int k = 0; k < 2; k++) {
		struct snapshot *s = k ? &b : &a;
		uint32_t h;

		snap_init(s);
		s->t_mono = k;
		h = snap_add_ns(s, 1, "host", NS_HOST, 0);
		snap_add(s, h, LAYER_IP, MK_COUNTER, "", "still", 5);
		snap_add(s, h, LAYER_IP, MK_COUNTER, "", "moved", 5 + (uint64_t)k);
		snap_add_full(s, h, LAYER_IP, MK_COUNTER, MF_WATCH, "", -1, -1,
			      "drop_events_missed", 2); /* unmoved, but incomplete counts */
		snap_add_full(s, h, LAYER_IP, MK_COUNTER, 0, "", -1, -1,
			      "drop_events_unaccounted", 2); /* unmarked: a plain counter */
		snap_add_full(s, h, LAYER_NETFILTER, MK_GAUGE, MF_WATCH, "", -1, -1,
			      "nf_conntrack_count", 100);
		snap_add(s, h, LAYER_NETFILTER, MK_KNOB, "", "nf_conntrack_max", 100); /* full */
		snap_add(s, h, LAYER_UDP, MK_GAUGE, "", "udp_inuse", 3); /* a quiet gauge */
		snap_add_knob(s, h, LAYER_UDP, "", "net.core.rmem_max", "212992");
	}
	delta_compute(&d, &a, &b);
	assert_int_equal(d.nrows, b.nm);
	size_t shown = 0;

	for (size_t i = 0; i < d.nrows; i++) {
		bool v = stat_row_visible(&f, &b, &d.rows[i], true), want = false;

		for (size_t e = 0; e < sizeof(expect) / sizeof(expect[0]); e++)
			want |= !strcmp(d.rows[i].cur->name, expect[e]);
		if (v != want)
			fail_msg("%s: shown %d, expected %d", d.rows[i].cur->name, v, want);
		shown += v;
		assert_true(stat_row_visible(&all, &b, &d.rows[i], true));
	}
	assert_int_equal(shown, 3);
	delta_release(&d);
	snap_release(&a);
	snap_release(&b);
}

/* stat -i joins the snapshots keeping only the rows it may show (and every knob for the
 * first document's --knobs table): what it prints must be what the full join prints, in
 * text and JSON, with and without filters. */
static void test_notable(void **state)
{
	struct stat_filter fs[] = { { 0 }, { .knobs = true }, { .knobs = true, .netns = "ns2" },
				    { .layer_mask = 1u << LAYER_UDP } };
	struct snapshot a, b;
	struct delta d;

	(void)state;
	for (int k = 0; k < 2; k++) {
		struct snapshot *s = k ? &b : &a;
		uint32_t h, n;

		snap_init(s);
		s->t_mono = k;
		h = snap_add_ns(s, 1, "host", NS_HOST, 0);
		n = snap_add_ns(s, 2, "ns2", NS_NAMED, 0);
		for (uint32_t ns = h; ns <= n; ns++) {
			snap_add(s, ns, LAYER_IP, MK_COUNTER, "", "still", 5);
			snap_add(s, ns, LAYER_IP, MK_COUNTER, "", "moved", 5 + (uint64_t)k * ns);
			snap_add_full(s, ns, LAYER_UDP, MK_COUNTER32, MF_DROP, "", -1, 1, "wraps",
				      k ? 3 : 0xfffffffeu);
			snap_add_full(s, ns, LAYER_IP, MK_COUNTER, MF_WATCH, "", -1, -1,
				      "drop_events_missed", 2);
			snap_add_full(s, ns, LAYER_NETFILTER, MK_GAUGE, MF_WATCH, "", -1, -1,
				      "nf_conntrack_count", 100); /* full: at its max */
			snap_add(s, ns, LAYER_IP, MK_GAUGE, "", "frag_inuse", 2); /* quiet */
			snap_add(s, ns, LAYER_NETFILTER, MK_KNOB, "", "nf_conntrack_max", 100);
			snap_add(s, ns, LAYER_UDP, MK_GAUGE, "", "udp_inuse", 3 + (uint64_t)k);
			snap_add_knob(s, ns, LAYER_UDP, "", "net.core.rmem_max", "212992");
			snap_add_knob(s, ns, LAYER_UDP, "", "net.core.rmem_default",
				      k ? "4096" : "212992");
			if (k) /* new rows: a counter that is not 0, a zero-based one */
				snap_add(s, ns, LAYER_UDP, MK_COUNTER, "", "appeared", 7);
			snap_add_full(s, ns, LAYER_SOCKET, MK_COUNTER, MF_ZERO_BASE, "", -1, -1,
				      k ? "zb" : "zb_old", 4);
		}
	}
	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
		for (int json = 0; json < 2; json++) {
			char *full = render_from(&fs[i], &a, &b, json, false);
			char *some = render_from(&fs[i], &a, &b, json, true);

			if (strcmp(full, some))
				fail_msg("filter %zu json %d:\n--- full\n%s--- notable\n%s", i,
					 json, full, some);
			free(full);
			free(some);
		}
	/* and it did leave rows out: "still" (a quiet counter) and, without --knobs, an
	 * unchanged knob are not in it; a new row ("appeared") is */
	delta_compute_notable(&d, &a, &b, false);
	assert_true(d.ncur == b.nm && d.nrows < b.nm);
	size_t appeared = 0;

	for (size_t i = 0; i < d.nrows; i++) {
		assert_string_not_equal(d.rows[i].cur->name, "still");
		assert_string_not_equal(d.rows[i].cur->name, "net.core.rmem_max");
		appeared += !strcmp(d.rows[i].cur->name, "appeared");
	}
	assert_int_equal(appeared, 2);
	delta_release(&d);
	snap_release(&a);
	snap_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_in_list),
		cmocka_unit_test(test_peers),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_visible),
		cmocka_unit_test(test_notable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
