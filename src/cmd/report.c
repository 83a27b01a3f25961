/* report.c: `dptune report`: one recording, or two (before and after a change), as one
 * self-contained HTML file (report/report.h). Reads only the files: a recording from
 * another host or kernel works. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "vocab.h"
#include "../core/log.h"
#include "../output/print.h"
#include "../report/report.h"

static void print_warnings(const struct recording *r)
{
	for (unsigned i = 0; i < r->st.nwarn; i++)
		warn_msg("%s: %s", r->path, r->st.warn[i]);
	if (r->st.nwarn_total > r->st.nwarn)
		warn_msg("%s: ... and %lu more problems", r->path,
			 r->st.nwarn_total - r->st.nwarn);
}

int cmd_report(int argc, char **argv)
{
	const char *out = NULL;
	bool json = false;
	int first, rc, nfiles;
	struct recording recs[2];
	struct strbuf html;
	FILE *fp;
	bool damaged = false;
	const struct opt opts[] = {
		{ .name = "output", .shrt = 'o', .type = OPT_STR, .dst = &out, .arg = "FILE",
		  .help = "the HTML file to write" },
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "report", .synopsis = "RECORDING [RECORDING2] -o FILE.html", .opts = opts,
		.min_args = 1, .max_args = 2,
		.about =
"Draw a recording of 'dptune record' as one self-contained HTML file (inline SVG,\n"
"nothing fetched): per-CPU heatmaps (NET_RX, NET_TX, si %, steal %, IRQs per queue,\n"
"softnet), drops per layer over time and the waterfall of the worst interval, the\n"
"counters of every namespace and device that dropped, and what the recorded commands\n"
"said (sweep, lab matrix, doctor, bench). With two recordings (before and after a\n"
"change): the same charts side by side and a table of what changed.\n",
		.footer =
"A damaged recording (cut short, a bad zstd frame, a line that is not JSON) is named\n"
"line by line on stderr and in the report, which shows what could be read.\n"
"Exit: 0 report written from clean recordings; 1 report written but a recording was\n"
"damaged (or it could not be written, or nothing could be read); 2 usage error.\n",
	};

	rc = opt_parse(&spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	if (!out)
		return usage_error("-o FILE is required (where the HTML goes)");
	nfiles = argc - first;
	memset(recs, 0, sizeof(recs));
	for (int i = 0; i < nfiles; i++) {
		int r = recording_load(&recs[i], argv[first + i]);

		if (r < 0) {
			for (int k = 0; k <= i; k++)
				recording_release(&recs[k]);
			return cmd_fail(EXIT_FAIL, "cannot read %s: %s", argv[first + i],
					strerror(-r));
		}
		if (!recs[i].have_header && !recs[i].nsamples) {
			print_warnings(&recs[i]);
			for (int k = 0; k <= i; k++)
				recording_release(&recs[k]);
			return cmd_fail(EXIT_FAIL, "%s: not a dptune recording (no header, no "
					"samples): nothing to report", argv[first + i]);
		}
		if (r) {
			damaged = true;
			print_warnings(&recs[i]);
		}
	}
	sb_init(&html);
	report_html(&html, &recs[0], nfiles > 1 ? &recs[1] : NULL);
	fp = fopen(out, "w");
	if (!fp || fwrite(html.buf, 1, html.len, fp) != html.len || fclose(fp)) {
		int e = errno;

		sb_release(&html);
		for (int k = 0; k < nfiles; k++)
			recording_release(&recs[k]);
		return cmd_fail(EXIT_FAIL, "cannot write %s: %s", out, strerror(e));
	}
	print_open_object(NULL);
	print_str(PRINT_ANY, "report", "report written to %s", out);
	print_u64(PRINT_ANY, "bytes", " (%llu bytes", html.len);
	print_u64(PRINT_ANY, "samples", ", %llu samples", recs[0].nsamples +
		  (nfiles > 1 ? recs[1].nsamples : 0));
	print_bool(PRINT_JSONONLY, "damaged", NULL, damaged);
	print_text(")%s", damaged ? ", from damaged recordings (see the warnings)" : "");
	print_close_object();
	print_nl();
	print_flush();
	sb_release(&html);
	for (int k = 0; k < nfiles; k++)
		recording_release(&recs[k]);
	return damaged ? EXIT_FAIL : EXIT_OK;
}
