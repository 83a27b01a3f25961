/* test_record.c: the recording (record/record.h, model.h) and its report (report/report.h):
 * snapshots written and read back give the same deltas, knobs and command output; a file
 * cut inside a frame, a damaged frame and a line of bad JSON are named (line, frame) and
 * what could be read is kept; the size cap rotates to FILE.1; the report of a damaged
 * recording says so and still draws it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <zstd.h>
#include <json-c/json.h>
#include "record/model.h"
#include "report/report.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_record.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* Snapshot k of a made-up host: backlog drops grow by 10*k on cpu1, a knob changes at 3. */
static void snap_k(struct snapshot *s, int k)
{
	uint32_t ns;
	struct metric *m;

	snap_clear(s);
	s->t_mono = 100 + k;
	s->t_real = 1.7e9 + k;
	ns = snap_add_ns(s, 1234, "host", NS_HOST, 0);
	snap_add_full(s, ns, LAYER_BACKLOG, MK_COUNTER32, MF_DROP, NULL, -1, 1, "dropped",
		      (uint64_t)(5 * k * (k + 1)));
	snap_add_full(s, ns, LAYER_BACKLOG, MK_COUNTER32, 0, NULL, -1, 1, "processed",
		      (uint64_t)(1000 * k));
	snap_add_full(s, ns, LAYER_SOFTIRQ, MK_COUNTER, 0, NULL, -1, 0, "net_rx", 7u * (uint64_t)k);
	m = snap_add_full(s, ns, LAYER_NETFILTER, MK_GAUGE, 0, "", -1, -1, "conntrack_count",
			  k < 2 ? 0 : 50);
	(void)m;
	snap_add_knob(s, ns, LAYER_BACKLOG, "", "net.core.netdev_max_backlog", k < 3 ? "4" : "2000");
}

/* Write n intervals to path with frames of fs samples; a bench-like command at the end;
 * from the join record makes (the rows it uses), or from the full one. */
static void write_rec_from(const char *path, int n, unsigned fs, uint64_t max_size,
			   bool notable)
{
	struct rec_writer_opts o = { .path = path, .interval = 1, .frame_samples = fs,
				     .max_size = max_size };
	struct snapshot s[2];
	char err[256];
	struct rec_writer *w;
	char *argv[] = { "dptune", "bench", "--json", NULL };
	const char out[] = "{\"forward\":{\"sent\":100,\"lost_packets\":3}}\nnot json\n";

	snap_init(&s[0]);
	snap_init(&s[1]);
	snap_k(&s[0], 0);
	o.first = &s[0];
	w = rec_writer_open(&o, err, sizeof(err));
	assert_non_null(w);
	for (int k = 1; k <= n; k++) {
		struct delta d;

		snap_k(&s[k & 1], k);
		if (notable)
			delta_compute_notable(&d, &s[(k - 1) & 1], &s[k & 1], false);
		else
			delta_compute(&d, &s[(k - 1) & 1], &s[k & 1]);
		assert_int_equal(rec_writer_sample(w, &s[(k - 1) & 1], &s[k & 1], &d), 0);
		delta_release(&d);
	}
	assert_int_equal(rec_writer_command(w, argv, 1.7e9 + 1, 1.7e9 + 2, 1, out,
					    sizeof(out) - 1), 0);
	assert_int_equal(rec_writer_close(w, "command"), 0);
	snap_release(&s[0]);
	snap_release(&s[1]);
}

static void write_rec(const char *path, int n, unsigned fs, uint64_t max_size)
{
	write_rec_from(path, n, fs, max_size, true);
}

static const struct rec_series *find(const struct recording *r, const char *name)
{
	for (size_t i = 1; i < r->nseries; i++)
		if (r->series[i].name && !strcmp(r->series[i].name, name))
			return &r->series[i];
	return NULL;
}

static bool warned(const struct recording *r, const char *what)
{
	for (unsigned i = 0; i < r->st.nwarn; i++)
		if (strstr(r->st.warn[i], what))
			return true;
	return false;
}

static void test_roundtrip(void **state)
{
	char path[128];
	struct recording r;
	const struct rec_series *s;
	const struct rec_knob *kb;
	double tot[LAYER__COUNT];

	(void)state;
	snprintf(path, sizeof(path), "%s/a.zst", dir);
	write_rec(path, 6, 2, 0);
	assert_int_equal(recording_load(&r, path), 0);
	assert_true(r.have_header && r.have_end);
	assert_string_equal(r.end_reason, "command");
	assert_int_equal(r.nsamples, 6);
	assert_true(r.st.compressed);
	assert_int_equal(r.st.frames, 6); /* the header's, 3 of 2 samples, the command's, the end's */
	s = find(&r, "dropped");
	assert_non_null(s);
	assert_true(s->drop);
	assert_int_equal(s->cpu, 1);
	assert_int_equal(s->total, 5 * 6 * 7); /* the last value: the first was 0 */
	report_layer_drops(&r, tot);
	assert_true(tot[LAYER_BACKLOG] == 210);
	assert_int_equal(find(&r, "processed")->total, 6000);
	kb = recording_knob(&r, "host", "net.core.netdev_max_backlog");
	assert_non_null(kb);
	assert_string_equal(kb->first, "4");
	assert_string_equal(kb->last, "2000");
	assert_true(kb->t_changed == 3);
	assert_true(r.start == 1.7e9);
	assert_true(r.samples[0].t == 1 && r.samples[5].t == 6);
	assert_int_equal(r.ncmds, 1);
	assert_string_equal(r.cmds[0].argv[1], "bench");
	assert_int_equal(r.cmds[0].exit, 1);
	assert_true(r.cmds[0].start == 1 && r.cmds[0].end == 2); /* on the samples' axis */
	assert_int_equal(json_object_array_length(r.cmds[0].output), 1);
	assert_non_null(strstr(r.cmds[0].text, "not json"));
	recording_release(&r);
}

static struct strbuf file_bytes(const char *path)
{
	struct strbuf sb;

	sb_init(&sb);
	assert_int_equal(read_file_sb(path, &sb, 1 << 24), 0);
	return sb;
}

static void put(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

/* The lines of a recording (its zstd frames decompressed), but its last: the end record,
 * whose time is when the writer was closed. Caller frees. */
static char *lines_but_end(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	char in[4096], *out = NULL, *e;
	size_t cap = 0, n;

	assert_non_null(f);
	assert_non_null(dc);
	*len = 0;
	while ((n = fread(in, 1, sizeof(in), f)) > 0) {
		ZSTD_inBuffer ib = { in, n, 0 };

		while (ib.pos < ib.size) {
			ZSTD_outBuffer ob;

			if (cap - *len < 65536) {
				cap = cap * 2 + 65536;
				out = realloc(out, cap);
				assert_non_null(out);
			}
			ob = (ZSTD_outBuffer){ out + *len, cap - *len - 1, 0 };
			assert_false(ZSTD_isError(ZSTD_decompressStream(dc, &ob, &ib)));
			*len += ob.pos;
		}
	}
	fclose(f);
	ZSTD_freeDCtx(dc);
	assert_non_null(out);
	out[*len] = '\0';
	e = strstr(out, "{\"type\":\"end\"");
	assert_non_null(e);
	*len = (size_t)(e - out);
	return out;
}

/* record joins the snapshots keeping only the rows the writer uses (moved counters,
 * changed gauges and knobs, new rows): what it writes must be what the full join writes. */
static void test_notable_join(void **state)
{
	char a[300], b[300];
	size_t la, lb;
	char *x, *y;

	(void)state;
	snprintf(a, sizeof(a), "%s/full.rec", dir);
	snprintf(b, sizeof(b), "%s/notable.rec", dir);
	write_rec_from(a, 6, 2, 0, false);
	write_rec_from(b, 6, 2, 0, true);
	x = lines_but_end(a, &la);
	y = lines_but_end(b, &lb);
	assert_true(la > 0 && la == lb && !memcmp(x, y, la));
	free(x);
	free(y);
}

static void test_truncated(void **state)
{
	char path[128], cut[128];
	struct strbuf sb;
	struct recording r;

	(void)state;
	snprintf(path, sizeof(path), "%s/b.zst", dir);
	snprintf(cut, sizeof(cut), "%s/b-cut.zst", dir);
	write_rec(path, 6, 1, 0);
	sb = file_bytes(path);
	put(cut, sb.buf, sb.len - 7); /* inside the last frame: the end line's */
	assert_int_equal(recording_load(&r, cut), 1);
	assert_true(r.st.truncated);
	assert_true(warned(&r, "ends inside it"));
	assert_true(warned(&r, "zstd frame"));
	assert_int_equal(r.nsamples, 6); /* only the last frame was lost */
	assert_int_equal(r.ncmds, 1);
	assert_false(r.have_end);
	recording_release(&r);
	sb_release(&sb);
}

static void test_corrupt_frame(void **state)
{
	char path[128], bad[128];
	struct strbuf sb, html;
	struct recording r;
	size_t mid;

	(void)state;
	snprintf(path, sizeof(path), "%s/c.zst", dir);
	snprintf(bad, sizeof(bad), "%s/c-bad.zst", dir);
	write_rec(path, 8, 1, 0);
	sb = file_bytes(path);
	/* damage bytes in the middle of the file: one frame fails, the reader resyncs */
	mid = sb.len / 2;
	for (size_t i = 0; i < 6; i++)
		sb.buf[mid + i] ^= 0x5a;
	put(bad, sb.buf, sb.len);
	assert_int_equal(recording_load(&r, bad), 1);
	assert_true(r.st.corrupt || r.st.bad_lines);
	assert_true(warned(&r, "zstd frame") || warned(&r, "line "));
	assert_true(r.nsamples >= 5 && r.nsamples < 8);
	assert_true(r.have_end); /* frames after the damage were read */
	sb_init(&html);
	report_html(&html, &r, NULL);
	assert_non_null(strstr(html.buf, "was not read cleanly"));
	assert_non_null(strstr(html.buf, "id=\"drops-total\""));
	sb_release(&html);
	recording_release(&r);
	sb_release(&sb);
}

static void test_bad_json_line(void **state)
{
	const char text[] =
		"{\"type\":\"header\",\"format\":\"dptune-record\",\"version\":1,\"start\":1,\"interval\":1}\n"
		"{\"type\":\"series\",\"id\":1,\"netns\":\"host\",\"layer\":\"udp\",\"object\":\"\","
		"\"name\":\"RcvbufErrors\",\"kind\":\"counter\",\"drop\":true}\n"
		"{\"type\":\"sample\",\"t\":1,\"dt\":1,\"d\":[1,5]}\n"
		"{\"type\":\"sample\",\"t\":2,\"dt\":1,\"d\":[1,\n"
		"{\"type\":\"sample\",\"t\":3,\"dt\":1,\"d\":[1,7,9,1]}\n"
		"{\"type\":\"end\",\"t\":3,\"reason\":\"duration\"}\n";
	struct recording r;
	double tot[LAYER__COUNT];

	(void)state;
	assert_int_equal(recording_load_buf(&r, text, sizeof(text) - 1), 1);
	assert_false(r.st.compressed);
	assert_int_equal(r.st.bad_lines, 1);
	assert_true(warned(&r, "line 4: not"));
	assert_true(warned(&r, "line 5: a value for series 9"));
	assert_int_equal(r.nsamples, 2);
	report_layer_drops(&r, tot);
	assert_true(tot[LAYER_UDP] == 12);
	recording_release(&r);
}

/* The report reads only the file: a recording of another host, kernel and dptune. */
static void test_other_host(void **state)
{
	const char text[] =
		"{\"type\":\"header\",\"format\":\"dptune-record\",\"version\":1,\"host\":"
		"\"compute-17\",\"kernel\":\"4.18.0-80.el8\",\"dptune\":\"0.1.0\",\"start\":1.5e9,"
		"\"interval\":1,\"cpus\":64}\n"
		"{\"type\":\"series\",\"id\":1,\"netns\":\"qrouter-1\",\"layer\":\"backlog\","
		"\"object\":\"\",\"cpu\":63,\"name\":\"dropped\",\"kind\":\"counter\",\"drop\":true}\n"
		"{\"type\":\"series\",\"id\":2,\"netns\":\"host\",\"layer\":\"irq\","
		"\"object\":\"eth0\",\"queue\":3,\"cpu\":5,\"name\":\"interrupts\",\"kind\":\"counter\"}\n"
		"{\"type\":\"sample\",\"t\":1,\"dt\":1,\"d\":[1,3]}\n"
		"{\"type\":\"sample\",\"t\":3,\"dt\":2,\"d\":[2,900]}\n"
		"{\"type\":\"end\",\"t\":3,\"reason\":\"duration\"}\n";
	struct recording r;
	struct strbuf html;

	(void)state;
	assert_int_equal(recording_load_buf(&r, text, sizeof(text) - 1), 0);
	sb_init(&html);
	report_html(&html, &r, NULL);
	assert_non_null(strstr(html.buf, "compute-17"));
	assert_non_null(strstr(html.buf, "4.18.0-80.el8"));
	assert_non_null(strstr(html.buf, "data-series=\"cpu63\""));
	/* the IRQ picture: a row per device queue and CPU, its rate per second */
	assert_non_null(strstr(html.buf, "data-series=\"eth0/q3 cpu5\" data-t=\"1\" "
				"data-value=\"450\""));
	sb_release(&html);
	recording_release(&r);
}

/* Times a double cannot step through (1e48 s, two ulps apart): found by fuzz_record, the
 * time axis looped adding a step that did not move the value until memory ran out. The
 * report is drawn, with a bounded axis. */
static void test_huge_times(void **state)
{
	const char text[] =
		"{\"type\":\"header\",\"format\":\"dptune-record\",\"version\":1,\"start\":1,"
		"\"interval\":1}\n"
		"{\"type\":\"series\",\"id\":1,\"netns\":\"ns1\",\"layer\":\"vdev\","
		"\"object\":\"veth0\",\"name\":\"rx_dropped\",\"kind\":\"counter\",\"drop\":true}\n"
		"{\"type\":\"sample\",\"t\":1e48,\"dt\":1,\"d\":[1,5]}\n"
		"{\"type\":\"sample\",\"t\":1.0000000000000002e48,\"dt\":1,\"d\":[1,7]}\n"
		"{\"type\":\"end\",\"t\":1.0000000000000002e48,\"reason\":\"duration\"}\n";
	struct recording r;
	struct strbuf html;

	(void)state;
	(void)recording_load_buf(&r, text, sizeof(text) - 1);
	sb_init(&html);
	report_html(&html, &r, NULL);
	assert_true(html.len > 0 && html.len < 1000000);
	assert_non_null(strstr(html.buf, "</html>"));
	sb_release(&html);
	recording_release(&r);
}

/* A series id far past those defined before it is damage: skipped with a warning, not a
 * table grown to it (an id of 4e7 asked for gigabytes: found by fuzz_record). */
static void test_series_id_gap(void **state)
{
	const char text[] =
		"{\"type\":\"header\",\"format\":\"dptune-record\",\"version\":1,\"start\":1,"
		"\"interval\":1}\n"
		"{\"type\":\"series\",\"id\":1,\"netns\":\"host\",\"layer\":\"udp\","
		"\"object\":\"\",\"name\":\"RcvbufErrors\",\"kind\":\"counter\",\"drop\":true}\n"
		"{\"type\":\"series\",\"id\":40000000,\"netns\":\"host\",\"layer\":\"udp\","
		"\"object\":\"\",\"name\":\"InErrors\",\"kind\":\"counter\"}\n"
		"{\"type\":\"series\",\"id\":300,\"netns\":\"host\",\"layer\":\"udp\","
		"\"object\":\"\",\"name\":\"NoPorts\",\"kind\":\"counter\"}\n"
		"{\"type\":\"sample\",\"t\":1,\"dt\":1,\"d\":[1,5,300,2]}\n"
		"{\"type\":\"end\",\"t\":1,\"reason\":\"duration\"}\n";
	struct recording r;

	(void)state;
	assert_int_equal(recording_load_buf(&r, text, sizeof(text) - 1), 1);
	assert_true(warned(&r, "line 3: series id 40000000 is past"));
	assert_true(r.nseries < 1000);
	/* a gap as a lost frame leaves one is no damage to what follows */
	assert_int_equal(r.nseries, 301);
	assert_string_equal(r.series[300].name, "NoPorts");
	assert_int_equal(r.nsamples, 1);
	recording_release(&r);
}

static void test_garbage(void **state)
{
	static const unsigned char junk[] = { 0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0x00, 0x01, 0x02 };
	struct recording r;

	(void)state;
	assert_int_equal(recording_load_buf(&r, junk, sizeof(junk)), 1);
	assert_false(r.have_header);
	assert_true(warned(&r, "zstd frame 1"));
	recording_release(&r);
	assert_int_equal(recording_load_buf(&r, "", 0), 1);
	assert_true(warned(&r, "no dptune-record header"));
	recording_release(&r);
}

static void test_rotation(void **state)
{
	char path[128], old[140];
	struct recording r;
	size_t n2;

	(void)state;
	snprintf(path, sizeof(path), "%s/d.zst", dir);
	snprintf(old, sizeof(old), "%s.1", path);
	write_rec(path, 40, 1, 1024);
	assert_int_equal(access(old, F_OK), 0);
	assert_int_equal(recording_load(&r, old), 0); /* a rotated file stands alone */
	assert_true(r.have_header && r.have_end);
	assert_string_equal(r.end_reason, "rotate");
	assert_non_null(recording_knob(&r, "host", "net.core.netdev_max_backlog"));
	recording_release(&r);
	assert_int_equal(recording_load(&r, path), 0);
	assert_true(r.nsamples > 0 && r.nsamples < 40);
	assert_non_null(recording_knob(&r, "host", "net.core.netdev_max_backlog"));
	n2 = r.nsamples;
	recording_release(&r);
	/* FILE.1 then FILE, concatenated: one recording of both parts, one time axis */
	{
		struct strbuf a = file_bytes(old), b = file_bytes(path);
		const struct rec_series *s;

		sb_add(&a, b.buf, b.len);
		assert_int_equal(recording_load_buf(&r, a.buf, a.len), 0);
		assert_int_equal(r.parts, 2);
		assert_true(r.nsamples > n2);
		for (size_t i = 1; i < r.nsamples; i++)
			assert_true(r.samples[i].t > r.samples[i - 1].t);
		s = find(&r, "processed");
		assert_non_null(s);
		recording_release(&r);
		sb_release(&a);
		sb_release(&b);
	}
}

static char *joined(char **v)
{
	static char buf[512];

	buf[0] = '\0';
	for (; *v; v++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", buf[0] ? " " : "", *v);
	return buf;
}

static void test_command_argv(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "dptune bench 10.0.0.2 --rate 1k", "dptune bench --json 10.0.0.2 --rate 1k" },
		{ "ip netns exec x /usr/bin/dptune sweep h", "ip netns exec x /usr/bin/dptune sweep --json h" },
		{ "dptune bench -j h", "dptune bench -j h" },
		{ "dptune lab matrix veth", "dptune lab matrix --json veth" },
		{ "dptune tune apply a=b", "dptune tune apply --json a=b" },
		{ "dptune doctor -- dptune bench h", "dptune doctor --json -- dptune bench h" },
		{ "dptune doctor --json -- dptune bench h", "dptune doctor --json -- dptune bench h" },
		{ "dptune stat", "dptune stat --json" },
		{ "sleep 1", "sleep 1" },
		{ "dptune lab exec l:cli -- dptune bench h", "dptune lab exec l:cli -- dptune bench --json h" },
		{ "dptune", "dptune" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[256], *words[16], *save = NULL, **out;
		int n = 0;

		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
			words[n++] = t;
		words[n] = NULL;
		out = rec_command_argv(words, n);
		assert_string_equal(joined(out), cases[i].out);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
cmocka_unit_test(test_notable_join),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt_frame),
		cmocka_unit_test(test_bad_json_line),
		cmocka_unit_test(test_other_host),
		cmocka_unit_test(test_huge_times),
		cmocka_unit_test(test_series_id_gap),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_command_argv),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
