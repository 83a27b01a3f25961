/* matrix.c: `dptune lab matrix`: the per-layer cost table. Parses the options, runs each
 * scenario through the library (lab/matrix.h: build, serve, sweep, tear down), and prints
 * NDR and PDR per scenario, relative to the direct veth, with the layer that dropped
 * first. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "vocab.h"
#include "../core/log.h"
#include "../core/util.h"
#include "../collect/collect.h"
#include "../lab/lab.h"
#include "../lab/matrix.h"
#include "../traffic/sweep.h"
#include "../output/print.h"
#include "../output/progress.h"

#define MX_MAX 8

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* A row that found no rate says why: the search's stop, and how many trials the sender
 * could not keep up with. */
static void print_no_rate(const struct matrix_row *r)
{
	if (r->ndr > 0)
		return;
	print_text(" no rate found: %s", r->stop);
	if (r->sender_limited)
		print_text(", %u of %u trials sender-limited (a busy machine?)", r->sender_limited,
			   r->trials);
}

static int first_failed(const struct matrix_row *rows, int n)
{
	for (int i = 0; i < n; i++)
		if (rows[i].failed)
			return i;
	return -1;
}

int lab_matrix(int argc, char **argv)
{
	static const char *const defaults[] = { "veth", "bridge", "vxlan", "router", "macvlan" };
	const char *scen[MX_MAX];
	struct matrix_row rows[MX_MAX];
	struct sweep_opts o;
	struct collect_engine *eng;
	struct collect_opts co = { .drop_reasons = true };
	int n = 0, first, rc;
	bool json = false;
	double veth = 0, t0 = now_mono();
	const char *sched = "other";

	log_prog = "dptune lab matrix";
	sweep_opts_defaults(&o);
	o.base.duration = 1;
	o.precision_pct = 2;
	o.warmup = 0.5;
	o.pause = 0.3;
	o.max_trials = 16;
	const struct opt opts[] = {
		VOCAB_DURATION(&o.base.duration, NULL, "1", "length of each trial"),
		{ .name = "precision", .type = OPT_DOUBLE, .dst = &o.precision_pct, .min = 0.001,
		  .max = 50, .arg = "PCT", .unit = "%", .def = "2",
		  .help = "stop when the bracket is within PCT of the rate, %R" },
		VOCAB_SIZE(&o.base.size, NULL, "64"),
		VOCAB_FLOWS(&o.base.flows, NULL, "8"),
		{ .name = "max-trials", .type = OPT_U32, .dst = &o.max_trials, .min = 1, .max = 200,
		  .arg = "N", .def = "16", .help = "search trials per scenario at most, %R" },
		VOCAB_THREADS(&o.base.threads, NULL, "1"),
		VOCAB_SCHED(&sched),
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "lab matrix", .synopsis = "[SCENARIO...] [OPTIONS]", .min_args = 0,
		.max_args = MX_MAX, .opts = opts,
		.about =
"Build each scenario in turn (default: veth bridge vxlan router macvlan), run the NDR/PDR\n"
"search of `dptune sweep` through it from the lab's client namespace to a server in its\n"
"server namespace, tear it down, and print the NDR and PDR of each, relative to veth,\n"
"with the layer that dropped first.\n",
	};

	rc = opt_parse(&spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	rc = EXIT_OK;
	o.base.sched_fifo = !strcmp(sched, "fifo");
	for (int i = first; i < argc && n < MX_MAX; i++) {
		if (!lab_scenario_find(argv[i]))
			return usage_error("unknown scenario '%s' (see 'dptune lab scenarios')", argv[i]);
		scen[n++] = argv[i];
	}
	if (!n)
		for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
			scen[n++] = defaults[i];
	memset(rows, 0, sizeof(rows));
	o.stop = &stop_flag;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	eng = collect_engine_new(&co);
	progress_mute(json);
	progress_begin((unsigned)n, "lab matrix");
	for (int i = 0; i < n && !stop_flag; i++) {
		progress_step((unsigned)i + 1, scen[i]);
		matrix_run_scenario(&o, eng, scen[i], &rows[i], json ? NULL : stderr);
		if (rows[i].warning[0])
			warn_msg("%s: %s", scen[i], rows[i].warning);
		if (!strcmp(scen[i], "veth"))
			veth = rows[i].ndr;
	}
	progress_end();
	collect_engine_free(eng);

	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	print_open_object(NULL);
	print_u64(PRINT_ANY, "size", "\nper-layer cost: %llu B UDP payload", o.base.size);
	print_u64(PRINT_ANY, "flows", ", %llu flows", o.base.flows);
	print_double(PRINT_ANY, "trial_seconds", ", %g s trials", o.base.duration);
	print_double(PRINT_ANY, "precision_percent", ", precision %g%%\n", o.precision_pct);
	print_text("%-9s %9s %9s %8s  %-10s %s\n", "SCENARIO", "NDR pps", "PDR pps", "VS VETH",
		   "FIRST DROP", "WHERE / COUNTER");
	print_open_array("scenarios");
	for (int i = 0; i < n; i++) {
		const struct matrix_row *r = &rows[i];
		char a[32], b[32];

		if (!r->scenario[0]) /* not run: interrupted */
			continue;
		print_open_object(NULL);
		print_str(PRINT_ANY, "scenario", "%-9s ", r->scenario);
		if (r->lab[0])
			print_str(PRINT_JSONONLY, "lab", NULL, r->lab);
		if (r->why[0]) {
			print_str(PRINT_ANY, "error", "cannot run: %s", r->why);
			print_bool(PRINT_JSONONLY, "failed", NULL, r->failed);
			if (r->failed)
				rc = EXIT_FAIL;
			print_close_object();
			print_nl();
			continue;
		}
		print_double(PRINT_JSONONLY, "ndr_pps", NULL, r->ndr);
		print_double(PRINT_JSONONLY, "pdr_pps", NULL, r->pdr);
		print_bool(PRINT_JSONONLY, "sender_bound", NULL, r->sender_bound);
		print_str(PRINT_FP, NULL, "%s", r->sender_bound ? ">=" : "  ");
		print_str(PRINT_FP, NULL, "%7s ", fmt_rate(a, sizeof(a), r->ndr));
		print_str(PRINT_FP, NULL, "%9s ", fmt_rate(b, sizeof(b), r->pdr));
		if (veth > 0)
			print_double(PRINT_ANY, "relative_to_veth", "%8.2f  ", r->ndr / veth);
		else
			print_str(PRINT_FP, NULL, "%8s  ", "-");
		print_str(PRINT_ANY, "first_drop_layer", "%-10s ",
			  r->first_layer[0] ? r->first_layer : r->sender_bound ? "(sender)" : "none");
		if (r->first_counter[0]) {
			print_str(PRINT_ANY, "first_drop_where", "%s", r->first_where);
			print_str(PRINT_ANY, "first_drop_counter", " %s", r->first_counter);
			print_u64(PRINT_ANY, "first_drop_delta", " +%llu", r->first_delta);
		}
		print_bool(PRINT_JSONONLY, "confirmed", NULL, r->confirmed);
		print_bool(PRINT_JSONONLY, "unstable", NULL, r->unstable);
		print_double(PRINT_JSONONLY, "confirm_pps", NULL, r->confirm_pps);
		print_u64(PRINT_JSONONLY, "trials", NULL, r->trials);
		print_u64(PRINT_JSONONLY, "search_trials", NULL, r->search_trials);
		print_u64(PRINT_JSONONLY, "sender_limited_trials", NULL, r->sender_limited);
		print_str(PRINT_JSONONLY, "stop", NULL, r->stop);
		print_u64(PRINT_JSONONLY, "sent", NULL, r->sent);
		print_u64(PRINT_JSONONLY, "received", NULL, r->received);
		print_u64(PRINT_JSONONLY, "lost", NULL, r->lost);
		if (r->cpu_ns_per_pkt > 0)
			print_double(PRINT_JSONONLY, "sender_cpu_ns_per_packet", NULL,
				     r->cpu_ns_per_pkt);
		print_double(PRINT_JSONONLY, "seconds", NULL, r->seconds);
		print_str(PRINT_JSONONLY, "path", NULL, r->path);
		if (r->unstable)
			print_text(" (unstable)");
		print_no_rate(r);
		print_close_object();
		print_nl();
	}
	print_close_array();
	print_text("(sender): no layer dropped before the sender's CPU ran out; on veth paths the\n"
		   "sending CPU runs most of the receive path, so NDR there measures the path's cost\n"
		   "per packet on one core. Add --threads, or RPS on more hops, to find the layer.\n");
	print_double(PRINT_ANY, "total_seconds", "\n%.0f s in all.", now_mono() - t0);
	print_text(" Where to look next:\n"
		   "  dptune lab up <scenario>\n"
		   "  dptune doctor -- dptune lab exec <client node> -- dptune bench <server>\n"
		   "  dptune sweep <server> --client-netns <client ns> --json   every trial's ledger\n"
		   "  dptune stat -i 1 --drop-reasons                  counters of every layer, live\n");
	if (stop_flag) {
		print_bool(PRINT_JSONONLY, "interrupted", NULL, true);
		print_text("interrupted\n");
		rc = EXIT_FAIL;
	}
	for (int i = 0; i < n; i++) {
		char msg[400];

		if (!rows[i].failed)
			continue;
		/* the table stays (what ran is a result); the failure is said on stderr and,
		 * under --json, as the documented error object inside the document */
		snprintf(msg, sizeof(msg), "%.15s: %.320s", rows[i].scenario, rows[i].why);
		err_msg("%s", msg);
		if (rc == EXIT_FAIL && !stop_flag && print_is_json() && i == first_failed(rows, n)) {
			print_open_object("error");
			print_str(PRINT_JSONONLY, "command", NULL, log_prog);
			print_str(PRINT_JSONONLY, "message", NULL, msg);
			print_u64(PRINT_JSONONLY, "exit", NULL, EXIT_FAIL);
			print_close_object();
		}
	}
	print_close_object();
	return rc;
}
