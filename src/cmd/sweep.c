/* sweep.c: `dptune sweep`: the highest packet rate without loss (NDR) and with bounded
 * loss (PDR). Parses the options, runs the search of the traffic library (traffic/sweep.h)
 * once per payload size, and prints every trial with its drop ledger. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "vocab.h"
#include "../core/log.h"
#include "../core/util.h"
#include "../collect/collect.h"
#include "../analyze/ledger.h"
#include "../traffic/sweep.h"
#include "../traffic/route.h"
#include "../traffic/bench.h"
#include "../traffic/dgram.h"
#include "../output/print.h"

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* The search's progress on one line of a terminal (nothing when stderr is not one). */
static void progress(void *ctx, const char *msg)
{
	(void)ctx;
	if (!isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\r\033[K%s", msg);
	fflush(stderr);
}

static void print_ledger_entry(const struct ledger_entry *e, const char *key)
{
	print_open_object(key);
	print_str(PRINT_ANY, "layer", "    %-9s ", layer_name(e->layer));
	print_str(PRINT_ANY, "netns", "%-12s ", e->netns);
	print_str(PRINT_ANY, "object", "%-20s ", *e->obj ? e->obj : "-");
	if (e->queue >= 0)
		print_i64(PRINT_ANY, "queue", "q%lld ", e->queue);
	if (e->cpu >= 0)
		print_i64(PRINT_ANY, "cpu", "cpu%lld ", e->cpu);
	print_str(PRINT_ANY, "counter", "%-22s", e->counter);
	print_u64(PRINT_ANY, "delta", " %10llu", e->delta);
	if (e->labels)
		print_str(PRINT_ANY, "labels", "  %s", e->labels);
	print_close_object();
	print_nl();
}

static void print_trial(const struct sweep_size_result *sr, const struct sweep_trial_rec *t)
{
	char a[32], b[32], c[32];

	print_open_object(NULL);
	print_u64(PRINT_ANY, "trial", "%3llu ", t->idx);
	print_str(PRINT_ANY, "kind", "%-7s ", t->kind);
	print_double(PRINT_JSONONLY, "offered_pps", NULL, t->offered);
	print_str(PRINT_FP, NULL, "%9s ", fmt_rate(a, sizeof(a), t->offered));
	print_double(PRINT_JSONONLY, "sent_pps", NULL, t->out.sent_pps);
	print_str(PRINT_FP, NULL, "%9s ", fmt_rate(b, sizeof(b), t->out.sent_pps));
	print_double(PRINT_JSONONLY, "received_pps", NULL, t->out.received_pps);
	print_str(PRINT_FP, NULL, "%9s ", fmt_rate(c, sizeof(c), t->out.received_pps));
	print_u64(PRINT_JSONONLY, "packets", NULL, t->out.sent);
	print_u64(PRINT_JSONONLY, "received", NULL, t->out.received);
	print_u64(PRINT_JSONONLY, "lost_packets", NULL, t->out.lost);
	print_u64(PRINT_JSONONLY, "out_of_order", NULL, t->out.out_of_order);
	print_u64(PRINT_JSONONLY, "duplicates", NULL, t->out.duplicates);
	print_double(PRINT_ANY, "lost_percent", "%9.4f ", t->loss * 100);
	if (t->out.latency_valid) {
		print_open_object("latency_us");
		print_double(PRINT_JSONONLY, "p50", NULL, t->out.lat_p50_us);
		print_double(PRINT_ANY, "p99", "%8.0f ", t->out.lat_p99_us);
		print_double(PRINT_JSONONLY, "max", NULL, t->out.lat_max_us);
		print_close_object();
	} else {
		print_str(PRINT_FP, NULL, "%8s ", "-");
	}
	print_bool(PRINT_JSONONLY, "sender_limited", NULL, t->out.sender_limited);
	print_u64(PRINT_JSONONLY, "sender_late_wakeups", NULL, t->out.tx_late);
	for (int i = 0; i < sr->s.nt; i++) {
		char key[32];

		snprintf(key, sizeof(key), "pass_%s", sr->s.t[i].name);
		print_bool(PRINT_JSONONLY, key, NULL, t->pass[i]);
	}
	if (t->out.sender_limited && t->out.tx_late)
		print_text(" sender-limited (%llu late wake-ups: CPU busy)",
			   (unsigned long long)t->out.tx_late);
	else if (t->out.sender_limited)
		print_text(" sender-limited");
	else
		print_text(" %s %s", t->pass[0] ? "NDR:pass" : "NDR:fail",
			   t->pass[1] ? "PDR:pass" : "PDR:fail");
	if (t->have_ledger) {
		print_u64(PRINT_JSONONLY, "explained", NULL, t->ledger.explained);
		print_bool(PRINT_JSONONLY, "explained_exact", NULL, t->ledger.exact);
		if (t->ledger.top >= 0 && t->out.lost && !print_is_json())
			print_text("  %s %s %s +%llu", layer_name(t->ledger.e[t->ledger.top].layer),
				   t->ledger.e[t->ledger.top].netns,
				   t->ledger.e[t->ledger.top].counter,
				   (unsigned long long)t->ledger.e[t->ledger.top].delta);
		print_open_array("ledger");
		for (size_t i = 0; print_is_json() && i < t->ledger.n; i++)
			print_ledger_entry(&t->ledger.e[i], NULL);
		print_close_array();
	}
	print_close_object();
	print_nl();
}

/* What the confirmation trial said of the NDR: "confirmed" only when it ran at the very
 * rate reported and passed; otherwise the rate it ran at, or why it says nothing. */
static void print_confirmation(const struct sweep_size_result *sr)
{
	char a[32];

	if (sr->confirmed)
		print_text(" (confirmed)");
	else if (sr->confirm_inconclusive)
		print_text(" (confirmation inconclusive: sender-limited)");
	else if (sr->confirm_pps > 0 && sr->confirm_pass)
		print_text(" (confirmed at %s pps only: the sender cannot hold its own maximum)",
			   fmt_rate(a, sizeof(a), sr->confirm_pps));
	else if (sr->confirm_pps > 0)
		print_text(" (NOT confirmed at %s pps: unstable)",
			   fmt_rate(a, sizeof(a), sr->confirm_pps));
	else
		print_text(" (not confirmed: interrupted)");
}

static void print_size_result(const struct sweep_opts *o, const struct sweep_size_result *sr)
{
	char a[32];

	print_open_object(NULL);
	print_u64(PRINT_ANY, "size", "\n== UDP payload %llu B", sr->size);
	struct dgram_sizes ds;

	dgram_sizes(sr->size, o->base.ipv6, &ds);
	print_u64(PRINT_JSONONLY, "ip_bytes", NULL, ds.ip);
	print_u64(PRINT_JSONONLY, "frame_bytes", NULL, ds.frame);
	print_u64(PRINT_JSONONLY, "wire_bytes", NULL, ds.wire);
	print_text(" = %u B IP = %u B frame = %u B on the wire\n", ds.ip, ds.frame, ds.wire);
	print_text("%3s %-7s %9s %9s %9s %9s %8s\n", "#", "KIND", "OFFERED", "SENT", "RECEIVED",
		   "LOST%", "P99us");
	print_open_array("trials");
	for (size_t i = 0; i < sr->nrec; i++)
		print_trial(sr, &sr->rec[i]);
	print_close_array();
	for (int i = 0; i < sr->s.nt; i++) {
		char key[16];
		double v = sweep_result(&sr->s, i);

		snprintf(key, sizeof(key), "%s", sr->s.t[i].name);
		for (char *p = key; *p; p++)
			*p = (char)(*p | 0x20);
		print_open_object(key);
		print_double(PRINT_JSONONLY, "pps", NULL, v);
		print_double(PRINT_JSONONLY, "max_loss_percent", NULL, sr->s.t[i].max_loss * 100);
		print_double(PRINT_JSONONLY, "bracket_high_pps", NULL, sr->s.t[i].hi);
		print_text("%s (loss <= %g%%): %s%s pps", sr->s.t[i].name,
			   sr->s.t[i].max_loss * 100, sr->sender_bound && v > 0 ? ">= " : "",
			   v > 0 ? fmt_rate(a, sizeof(a), v) : "none");
		if (i == 0 && v > 0)
			print_confirmation(sr);
		print_text("\n");
		print_close_object();
	}
	print_bool(PRINT_JSONONLY, "confirmed", NULL, sr->confirmed);
	print_double(PRINT_JSONONLY, "confirm_pps", NULL, sr->confirm_pps);
	print_bool(PRINT_JSONONLY, "confirm_pass", NULL, sr->confirm_pass);
	print_bool(PRINT_JSONONLY, "sender_bound", NULL, sr->sender_bound);
	print_bool(PRINT_JSONONLY, "confirm_inconclusive", NULL, sr->confirm_inconclusive);
	if (sr->sender_bound)
		print_text("the path carried everything the sender could send: its own limit is "
			   "higher (add --threads, or senders on more hosts)\n");
	print_bool(PRINT_JSONONLY, "unstable", NULL, sr->unstable);
	print_str(PRINT_ANY, "stop", "search: %s", sweep_stop_text(sr->s.stop));
	print_u64(PRINT_ANY, "trials_run", " after %llu trials", sr->nrec);
	print_u64(PRINT_ANY, "search_trials", " (%llu against --max-trials)", sr->s.trials);
	print_double(PRINT_ANY, "seconds", " in %.0f s\n", sr->seconds);
	if (sr->unstable)
		print_text("warning: the path is unstable: a rate passed once and failed another time\n");

	print_open_object("first_loss");
	if (sr->first_loss >= 0) {
		const struct sweep_trial_rec *t = &sr->rec[sr->first_loss];
		uint64_t unexplained = t->out.lost > t->ledger.explained ?
				       t->out.lost - t->ledger.explained : 0;

		print_u64(PRINT_ANY, "trial", "first loss above NDR: trial %llu", t->idx);
		print_double(PRINT_ANY, "offered_pps", " at %.0f pps", t->offered);
		print_u64(PRINT_ANY, "lost_packets", ", %llu lost", t->out.lost);
		print_double(PRINT_ANY, "lost_percent", " (%.4f%%)\n", t->loss * 100);
		if (t->have_ledger && t->ledger.top >= 0) {
			print_text("  where:\n");
			print_ledger_entry(&t->ledger.e[t->ledger.top], "where");
			if (t->ledger.detail >= 0) {
				print_text("  who:\n");
				print_ledger_entry(&t->ledger.e[t->ledger.detail], "detail");
			}
			print_text("  every counter that rose:\n");
			print_open_array("ledger");
			for (size_t i = 0; i < t->ledger.n; i++)
				print_ledger_entry(&t->ledger.e[i], NULL);
			print_close_array();
		} else if (t->have_ledger) {
			print_text("  no drop counter rose in any layer or namespace\n");
		}
		print_u64(PRINT_ANY, "explained", "  explained by counters: %llu", t->ledger.explained);
		print_bool(PRINT_JSONONLY, "explained_exact", NULL, t->ledger.exact);
		print_u64(PRINT_ANY, "unexplained", ", unexplained: %llu", unexplained);
		print_text("%s\n", unexplained ? " (counted by no counter dptune can see)" : "");
	}
	print_close_object();
	print_close_object();
}


/* The first line: where the trials go and which namespace and route they leave by. */
static void print_head(const struct sweep_opts *o, const struct route_info *ri)
{
	print_str(PRINT_ANY, "host", "dptune sweep: %s", o->base.host);
	print_u64(PRINT_ANY, "port", ":%llu", o->base.port);
	/* the same words and keys as bench's first line */
	print_open_object("path");
	print_str(PRINT_ANY, "netns", " from netns %s", ri->netns);
	print_str(PRINT_ANY, "dev", " via %s", ri->dev);
	print_str(PRINT_ANY, "src", " src %s", ri->src[0] ? ri->src : "?");
	print_str(PRINT_JSONONLY, "dst", NULL, ri->dst);
	if (ri->gateway[0])
		print_str(PRINT_ANY, "gateway", " via gateway %s", ri->gateway);
	else
		print_null(PRINT_JSONONLY, "gateway", NULL);
	print_close_object();
	print_u64(PRINT_ANY, "flows", ", %llu flows", o->base.flows);
	print_u64(PRINT_ANY, "threads", ", %llu sender threads", o->base.threads);
	print_double(PRINT_ANY, "trial_seconds", ", %g s trials", o->base.duration);
	print_double(PRINT_ANY, "precision_percent", ", precision %g%%\n", o->precision_pct);
}

/* --sizes: a list of payload sizes, each in the range of --size. */
static int sizes_cb(const struct opt *op, const char *arg, void *data, char *err, size_t n)
{
	struct sweep_opts *o = data;
	int k = parse_size_list(arg, o->sizes, SWEEP_MAX_SIZES, DGRAM_HDR_LEN, DGRAM_MAX_PAYLOAD);

	if (k <= 0) {
		snprintf(err, n, "need a list like 64,512,1400: at most %d sizes, each %u..%u bytes",
			 SWEEP_MAX_SIZES, DGRAM_HDR_LEN, DGRAM_MAX_PAYLOAD);
		return -1;
	}
	o->nsizes = k;
	return 0;
}

/* --rate-min: a rate in the range of --rate, but not "max". */
static int rate_min_cb(const struct opt *op, const char *arg, void *data, char *err, size_t n)
{
	bool is_max = false;
	double v;

	if (parse_rate(arg, &v, &is_max) || is_max || v < 1 || v > ENGINE_MAX_RATE) {
		snprintf(err, n, "need a rate, 1..1G pps (like 10k)");
		return -1;
	}
	*(double *)data = v;
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep_opts o;
	struct route_info ri;
	struct collect_engine *eng = NULL;
	struct sweep_size_result *res;
	uint32_t port = BENCH_DEFAULT_PORT, size = 64;
	const char *sched = "other";
	bool size_set = false;
	char err[256];
	int first, rc = EXIT_OK;

	sweep_opts_defaults(&o);
	const struct opt opts[] = {
		VOCAB_PORT(&port, NULL, "5301", 1, "the server's control port"),
		VOCAB_SIZE(&size, &size_set, "64"),
		{ .name = "sizes", .type = OPT_CALLBACK, .cb = sizes_cb, .data = &o, .arg = "LIST",
		  .help = "one search per UDP payload size, like 64,512,1400 (each as --size)" },
		VOCAB_FLOWS(&o.base.flows, NULL, "8"),
		VOCAB_THREADS(&o.base.threads, NULL, "1"),
		VOCAB_DURATION(&o.base.duration, NULL, "2", "length of each trial"),
		{ .name = "ndr", .type = OPT_DOUBLE, .dst = &o.ndr_pct, .min = 0, .max = 100,
		  .arg = "PCT", .unit = "%", .def = "0.001",
		  .help = "loss allowed at the NDR, percent, %R" },
		{ .name = "pdr", .type = OPT_DOUBLE, .dst = &o.pdr_pct, .min = 0, .max = 100,
		  .arg = "PCT", .unit = "%", .def = "0.1",
		  .help = "loss allowed at the PDR, percent, %R (at least --ndr)" },
		{ .name = "precision", .type = OPT_DOUBLE, .dst = &o.precision_pct, .min = 0.001,
		  .max = 50, .arg = "PCT", .unit = "%", .def = "1",
		  .help = "stop when the bracket is within PCT of the rate, %R" },
		{ .name = "rate-min", .type = OPT_CALLBACK, .cb = rate_min_cb, .data = &o.rate_min,
		  .arg = "PPS", .def = "1k", .help = "lowest rate tried, 1..1G pps (not max)" },
		{ .name = "rate-max", .type = OPT_RATE, .dst = &o.rate_max, .min = 1,
		  .max = ENGINE_MAX_RATE, .arg = "PPS", .def = "max",
		  .help = "highest rate tried, %R; max: what the sender reaches (a first trial)" },
		{ .name = "max-trials", .type = OPT_U32, .dst = &o.max_trials, .min = 1, .max = 200,
		  .arg = "N", .def = "30", .help = "search trials per size at most, %R" },
		{ .name = "warmup", .type = OPT_SECONDS, .dst = &o.warmup, .min = 0, .max = 3600,
		  .arg = "SEC", .def = "1",
		  .help = "traffic before the search (neighbours, flows), %R" },
		{ .name = "pause", .type = OPT_SECONDS, .dst = &o.pause, .min = 0, .max = 60,
		  .arg = "SEC", .def = "0.5",
		  .help = "wait after a trial before reading counters, %R" },
		{ .name = "client-netns", .type = OPT_STR, .dst = &o.base.client_netns,
		  .arg = "NAME", .help = "send from inside this named network namespace" },
		VOCAB_BIND(&o.base.bind, "local source address the trials send from"),
		{ .name = "ipv6", .shrt = '6', .type = OPT_FLAG, .dst = &o.base.ipv6,
		  .help = "IPv6" },
		VOCAB_SCHED(&sched),
		VOCAB_JSON(&o.json),
		{ .name = "no-ledger", .type = OPT_FLAG, .dst = &o.no_ledger,
		  .help = "do not read counters around trials" },
		{ .name = "no-drop-reasons", .type = OPT_FLAG, .dst = &o.no_reasons,
		  .help = "do not attach BPF for kernel drop reasons" },
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "sweep", .synopsis = "HOST [OPTIONS]", .min_args = 0, .max_args = 1,
		.opts = opts,
		.about =
"Find the highest packet rate a path carries with no loss (NDR) and with bounded loss\n"
"(PDR) by a binary search over fixed-rate trials against `dptune serve` on HOST, and\n"
"record for every trial the counters of every layer and namespace that rose (the drop\n"
"ledger). Trials where the sender could not reach the rate are marked and never count.\n"
"The first line says which namespace, device and source address the trials leave by.\n",
	};

	rc = opt_parse(&spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	rc = EXIT_OK;
	if (first >= argc)
		return usage_error("which host? give the address of a running `dptune serve`");
	o.base.host = argv[first];
	o.base.port = (uint16_t)port;
	o.base.sched_fifo = !strcmp(sched, "fifo");
	if (size_set && o.nsizes)
		return usage_error("give --size or --sizes, not both");
	if (!o.nsizes) {
		o.sizes[0] = o.base.size = size;
		o.nsizes = 1;
	}
	if (o.rate_max > 0 && o.rate_max <= o.rate_min)
		return usage_error("--rate-max must be above --rate-min");
	if (o.pdr_pct < o.ndr_pct)
		return usage_error("--pdr (%g%%) must allow at least the loss --ndr allows (%g%%)",
				   o.pdr_pct, o.ndr_pct);
	if (sweep_load_route(&o.base, &ri, err, sizeof(err)))
		return cmd_fail(EXIT_FAIL, "%s", err);

	o.stop = &stop_flag;
	o.progress = progress;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	print_init(o.json ? PRINT_JSON : PRINT_TEXT, stdout);
	if (!o.no_ledger) {
		struct collect_opts co = { .drop_reasons = !o.no_reasons };

		eng = collect_engine_new(&co);
	}
	res = xcalloc((size_t)o.nsizes, sizeof(*res));
	print_open_object(NULL);
	print_head(&o, &ri);
	print_open_array("results");
	for (int i = 0; i < o.nsizes && !stop_flag; i++) {
		int r = sweep_search_size(&o, eng, o.sizes[i], &res[i]);

		if (r) {
			print_size_result(&o, &res[i]); /* the trials that ran, in text */
			rc = cmd_fail(EXIT_FAIL, "trial failed at %u B: %s", o.sizes[i], res[i].error);
			break;
		}
		print_size_result(&o, &res[i]);
	}
	if (rc == EXIT_OK) {
		print_close_array();
		if (stop_flag) {
			print_bool(PRINT_JSONONLY, "interrupted", NULL, true);
			print_text("interrupted\n");
			rc = EXIT_FAIL;
		}
		print_close_object();
	}
	for (int i = 0; i < o.nsizes; i++)
		sweep_size_result_release(&res[i]);
	free(res);
	collect_engine_free(eng);
	return rc;
}
