/* sweep.c: `dptune sweep`: the highest packet rate without loss (NDR) and with bounded
 * loss (PDR), by binary search over fixed-rate trials of the load engine, with the drop
 * ledger of every trial read from the counters of every layer and namespace. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cmd.h"
#include "sweep.h"
#include "../core/log.h"
#include "../collect/collect.h"
#include "../model/delta.h"
#include "../analyze/ledger.h"
#include "../traffic/sweep.h"
#include "../traffic/bench.h"
#include "../traffic/dgram.h"
#include "../output/print.h"


volatile sig_atomic_t sweep_stop_flag;
static void on_signal(int sig)
{
	(void)sig;
	sweep_stop_flag = 1;
}

static void sweep_usage(FILE *fp)
{
	fprintf(fp,
"usage: dptune sweep HOST [--port PORT] [--size BYTES | --sizes LIST] [--flows N]\n"
"                   [--threads N] [--duration SECONDS] [--ndr PCT] [--pdr PCT]\n"
"                   [--precision PCT] [--rate-min PPS] [--rate-max PPS] [--max-trials N]\n"
"                   [--warmup SECONDS] [--pause SECONDS] [--client-netns NAME]\n"
"                   [--bind ADDR] [-6] [--json] [--no-ledger] [--no-drop-reasons]\n"
"\n"
"Find the highest packet rate a path carries with no loss (NDR) and with bounded loss\n"
"(PDR) by a binary search over fixed-rate trials against `dptune serve` on HOST, and\n"
"record for every trial the counters of every layer and namespace that rose (the drop\n"
"ledger). Trials where the sender could not reach the rate are marked and never count.\n"
"\n"
"  --port PORT          the server's control port (default 5301)\n"
"  --size BYTES         UDP payload size (default 64); --sizes 64,512,1400 for one\n"
"                       search per size\n"
"  --flows N            concurrent 5-tuples, so RSS and RPS spread the load (default 8)\n"
"  --threads N          sender threads (default 1)\n"
"  --duration SECONDS   length of each trial (default 2)\n"
"  --ndr PCT            loss allowed at the NDR, percent (default 0.001)\n"
"  --pdr PCT            loss allowed at the PDR, percent (default 0.1)\n"
"  --precision PCT      stop when the bracket is within PCT %% of the rate (default 1)\n"
"  --rate-min PPS       lowest rate tried (default 1k)\n"
"  --rate-max PPS       highest rate tried (default: what the sender reaches at max)\n"
"  --max-trials N       search trials per size at most (default 30)\n"
"  --warmup SECONDS     traffic before the search (neighbours, flows) (default 1)\n"
"  --pause SECONDS      wait after a trial before reading counters (default 0.5)\n"
"  --client-netns NAME  send from inside this network namespace\n"
"  --bind ADDR          local source address\n"
"  -6                   IPv6\n"
"  --json               one JSON document with every trial\n"
"  --no-ledger          do not read counters around trials\n"
"  --no-drop-reasons    do not attach BPF for kernel drop reasons\n");
}

enum {
	O_PORT = 256, O_SIZE, O_SIZES, O_FLOWS, O_THREADS, O_DURATION, O_NDR, O_PDR, O_PREC,
	O_RMIN, O_RMAX, O_MAXT, O_WARM, O_PAUSE, O_CNS, O_BIND, O_JSON, O_NOLEDGER, O_NOREASONS,
};

static const struct option sweep_opts[] = {
	{ "port", required_argument, NULL, O_PORT },
	{ "size", required_argument, NULL, O_SIZE },
	{ "sizes", required_argument, NULL, O_SIZES },
	{ "flows", required_argument, NULL, O_FLOWS },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "ndr", required_argument, NULL, O_NDR },
	{ "pdr", required_argument, NULL, O_PDR },
	{ "precision", required_argument, NULL, O_PREC },
	{ "rate-min", required_argument, NULL, O_RMIN },
	{ "rate-max", required_argument, NULL, O_RMAX },
	{ "max-trials", required_argument, NULL, O_MAXT },
	{ "warmup", required_argument, NULL, O_WARM },
	{ "pause", required_argument, NULL, O_PAUSE },
	{ "client-netns", required_argument, NULL, O_CNS },
	{ "bind", required_argument, NULL, O_BIND },
	{ "json", no_argument, NULL, O_JSON },
	{ "no-ledger", no_argument, NULL, O_NOLEDGER },
	{ "no-drop-reasons", no_argument, NULL, O_NOREASONS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_pct(const char *s, double *v, double max)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno || *end || *v < 0 || *v > max || !isfinite(*v) ? -EINVAL : 0;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - floor(s)) * 1e9) };

	while (!sweep_stop_flag && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void progress(const struct sweep_cli *o, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void progress(const struct sweep_cli *o, const char *fmt, ...)
{
	va_list ap;

	if (!isatty(STDERR_FILENO))
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

/* One trial with its counters: snapshot, traffic, pause, snapshot, ledger. */
static int one_trial(const struct sweep_cli *o, struct collect_engine *eng, unsigned size,
		     double rate, struct trial_rec *rec, char *err, size_t errlen)
{
	struct trial_spec t = o->base;
	struct snapshot a, b;
	struct delta d;
	double t0 = now_mono();
	int r;

	t.size = size;
	t.rate = rate;
	snap_init(&a);
	snap_init(&b);
	if (eng && collect_snapshot(eng, &a))
		eng = NULL;
	r = sweep_load_trial(&t, &rec->out, err, errlen);
	if (!r && eng) {
		sleep_s(o->pause);
		if (!collect_snapshot(eng, &b)) {
			delta_compute(&d, &a, &b);
			ledger_build(&rec->ledger, &b, &d);
			rec->have_ledger = true;
			/* the receiving sockets are closed when the test ends, before this
			 * snapshot: the drops they counted themselves come with the results */
			if (!r && rec->out.rx_sock_drops) {
				const char *ns = "?";
				char labels[64];

				for (size_t i = 0; i < rec->ledger.n; i++)
					if (rec->ledger.e[i].layer == LAYER_SOCKET ||
					    rec->ledger.e[i].layer == LAYER_UDP)
						ns = rec->ledger.e[i].netns;
				snprintf(labels, sizeof(labels), "pid=%llu,comm=%s",
					 (unsigned long long)rec->out.rx_pid,
					 rec->out.rx_comm[0] ? rec->out.rx_comm : "?");
				ledger_add(&rec->ledger, LAYER_SOCKET, ns, "receiver sockets",
					   "rxq_ovfl", rec->out.rx_pid ? labels : NULL,
					   rec->out.rx_sock_drops);
			}
			delta_release(&d);
		}
	}
	snap_release(&a);
	snap_release(&b);
	rec->offered = rate;
	rec->elapsed = now_mono() - t0;
	if (!r) {
		uint64_t sent = rec->out.sent;

		rec->loss = sent ? (double)rec->out.lost / (double)sent : 1.0;
	}
	return r;
}

static struct trial_rec *new_rec(struct size_result *sr, const char *kind)
{
	struct trial_rec *rec;

	if (sr->nrec >= MAX_RECS)
		return NULL;
	rec = &sr->rec[sr->nrec];
	memset(rec, 0, sizeof(*rec));
	rec->ledger.top = rec->ledger.detail = -1;
	rec->idx = (unsigned)sr->nrec + 1;
	rec->kind = kind;
	return rec;
}

static void mark_pass(struct size_result *sr, struct trial_rec *rec)
{
	for (int i = 0; i < sr->s.nt; i++)
		rec->pass[i] = !rec->out.sender_limited && rec->loss <= sr->s.t[i].max_loss;
}

int sweep_search_size(const struct sweep_cli *o, struct collect_engine *eng, unsigned size,
		      struct size_result *sr)
{
	struct sweep_params sp = {
		.rate_min = o->rate_min, .rate_max = o->rate_max,
		.precision = o->precision_pct / 100, .max_trials = o->max_trials,
	};
	struct trial_rec *rec, warm = { 0 };
	double t0 = now_mono(), rate;
	int r;

	sr->size = size;
	sr->first_loss = -1;
	sr->rec = xcalloc(MAX_RECS, sizeof(*sr->rec));

	/* Warm-up: neighbours resolved, flows known to every hop, caches warm. */
	if (o->warmup > 0) {
		struct trial_spec t = o->base;

		t.size = size;
		t.rate = o->rate_min > 10000 ? o->rate_min : 10000;
		t.duration = o->warmup;
		progress(o, "sweep %u B: warm-up", size);
		r = sweep_load_trial(&t, &warm.out, sr->error, sizeof(sr->error));
		if (r)
			return r;
	}
	/* Without --rate-max, the first trial finds what the sender reaches at full speed:
	 * the ceiling of the search (beyond it nothing measures the datapath). */
	if (sp.rate_max <= 0) {
		rec = new_rec(sr, "probe");
		progress(o, "sweep %u B: probing the sender's maximum", size);
		r = one_trial(o, eng, size, 0, rec, sr->error, sizeof(sr->error));
		if (r)
			return r;
		sr->nrec++;
		sp.rate_max = rec->out.sent_pps;
		if (sp.rate_max < sp.rate_min) {
			snprintf(sr->error, sizeof(sr->error), "the sender reached only %.0f pps, "
				 "below --rate-min %.0f", sp.rate_max, sp.rate_min);
			return -ERANGE;
		}
	}
	sweep_init(&sr->s, &sp);
	sweep_add_target(&sr->s, "NDR", o->ndr_pct / 100);
	sweep_add_target(&sr->s, "PDR", o->pdr_pct / 100);
	if (sr->nrec) { /* the probe counts as a trial at the rate it reached */
		struct sweep_trial_result tr = { .offered = sp.rate_max, .achieved = sp.rate_max,
						 .loss = sr->rec[0].loss };

		sr->rec[0].offered = sp.rate_max;
		sweep_record(&sr->s, &tr);
		sr->s.trials--; /* the probe is not part of the trial budget */
		mark_pass(sr, &sr->rec[0]);
	}
	while (!sweep_stop_flag && (rate = sweep_next(&sr->s)) > 0) {
		struct sweep_trial_result tr;

		rec = new_rec(sr, "search");
		if (!rec)
			break;
		progress(o, "sweep %u B: trial %u at %.0f pps (NDR in [%.0f, %.0f])", size,
			 rec->idx, rate, sr->s.t[0].lo, sr->s.t[0].hi ? sr->s.t[0].hi : sr->s.ceiling);
		r = one_trial(o, eng, size, rate, rec, sr->error, sizeof(sr->error));
		tr = (struct sweep_trial_result){
			.offered = rate, .achieved = rec->out.sent_pps, .loss = rec->loss,
			.sender_limited = rec->out.sender_limited, .failed = r != 0,
		};
		sweep_record(&sr->s, &tr);
		if (r)
			return r;
		sr->nrec++;
		mark_pass(sr, rec);
	}
	/* Confirm the NDR once more: a path that passes once and fails the next time at the
	 * same rate is unstable, and the search says so. */
	double ndr = sweep_result(&sr->s, 0);

	/* When nothing was lost up to the sender's maximum, the NDR is the sender's limit, not
	 * the path's; a paced trial cannot hold that exact rate, so confirm just below it. */
	sr->sender_bound = sr->s.stop == SWEEP_AT_MAX;
	double confirm_at = sr->sender_bound ? ndr * 0.95 : ndr;

	for (int attempt = 0; !sweep_stop_flag && ndr > 0 && attempt < 2; attempt++) {
		rec = new_rec(sr, "confirm");
		if (!rec)
			break;
		progress(o, "sweep %u B: confirming NDR at %.0f pps", size, confirm_at);
		r = one_trial(o, eng, size, confirm_at, rec, sr->error, sizeof(sr->error));
		if (r)
			return r;
		sr->nrec++;
		mark_pass(sr, rec);
		if (rec->out.sender_limited) { /* not a datapath result: once more */
			sr->confirm_inconclusive = true;
			continue;
		}
		sr->confirm_inconclusive = false;
		sr->confirmed = rec->pass[0];
		sr->unstable = !rec->pass[0] || sr->s.inconsistent;
		break;
	}
	/* The first trial above the NDR: the lowest rate that lost more than NDR allows. */
	for (size_t i = 0; i < sr->nrec; i++) {
		const struct trial_rec *t = &sr->rec[i];

		if (t->out.sender_limited || t->pass[0])
			continue;
		if (sr->first_loss < 0 || t->offered < sr->rec[sr->first_loss].offered)
			sr->first_loss = (int)i;
	}
	progress(o, "%s", "");
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	sr->seconds = now_mono() - t0;
	return 0;
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

static void print_trial(const struct size_result *sr, const struct trial_rec *t)
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
	for (int i = 0; i < sr->s.nt; i++) {
		char key[32];

		snprintf(key, sizeof(key), "pass_%s", sr->s.t[i].name);
		print_bool(PRINT_JSONONLY, key, NULL, t->pass[i]);
	}
	if (t->out.sender_limited)
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

static void print_size_result(const struct sweep_cli *o, const struct size_result *sr)
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
		print_text("%s (loss <= %g%%): %s%s pps%s\n", sr->s.t[i].name,
			   sr->s.t[i].max_loss * 100, sr->sender_bound && v > 0 ? ">= " : "",
			   v > 0 ? fmt_rate(a, sizeof(a), v) : "none",
			   i != 0 || v <= 0 ? "" :
			   sr->confirmed ? " (confirmed)" :
			   sr->confirm_inconclusive ? " (confirmation inconclusive: sender-limited)" :
			   " (NOT confirmed: unstable)");
		print_close_object();
	}
	print_bool(PRINT_JSONONLY, "confirmed", NULL, sr->confirmed);
	print_bool(PRINT_JSONONLY, "sender_bound", NULL, sr->sender_bound);
	print_bool(PRINT_JSONONLY, "confirm_inconclusive", NULL, sr->confirm_inconclusive);
	if (sr->sender_bound)
		print_text("the path carried everything the sender could send: its own limit is "
			   "higher (add --threads, or senders on more hosts)\n");
	print_bool(PRINT_JSONONLY, "unstable", NULL, sr->unstable);
	print_str(PRINT_ANY, "stop", "search: %s", sweep_stop_text(sr->s.stop));
	print_u64(PRINT_ANY, "search_trials", " after %llu trials", sr->s.trials);
	print_double(PRINT_ANY, "seconds", " in %.0f s\n", sr->seconds);
	if (sr->unstable)
		print_text("warning: the path is unstable: a rate passed once and failed another time\n");

	print_open_object("first_loss");
	if (sr->first_loss >= 0) {
		const struct trial_rec *t = &sr->rec[sr->first_loss];
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

void sweep_cli_defaults(struct sweep_cli *o)
{
	*o = (struct sweep_cli){
		.base = { .port = BENCH_DEFAULT_PORT, .size = 64, .flows = 8, .threads = 1, .duration = 2 },
		.ndr_pct = 0.001, .pdr_pct = 0.1, .precision_pct = 1, .warmup = 1, .pause = 0.5,
		.rate_min = 1000, .max_trials = 30,
	};
}

void sweep_size_result_release(struct size_result *sr)
{
	for (size_t j = 0; j < sr->nrec; j++)
		ledger_release(&sr->rec[j].ledger);
	free(sr->rec);
	sr->rec = NULL;
	sr->nrec = 0;
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep_cli o;
	struct collect_engine *eng = NULL;
	struct size_result *res;
	int opt, rc = EXIT_OK;
	uint32_t u;
	bool ismax;

	sweep_cli_defaults(&o);
	while ((opt = getopt_long(argc, argv, "6h", sweep_opts, NULL)) != -1) {
		switch (opt) {
		case O_PORT:
			if (parse_u32(optarg, &u) || !u || u > 65535)
				return usage_error("invalid --port '%s'", optarg);
			o.base.port = (uint16_t)u;
			break;
		case O_SIZE:
			if (parse_size_list(optarg, o.sizes, 1, 32, 65000) != 1)
				return usage_error("invalid --size '%s': give bytes from 32 to 65000", optarg);
			o.nsizes = 1;
			break;
		case O_SIZES:
			o.nsizes = parse_size_list(optarg, o.sizes, MAX_SIZES, 32, 65000);
			if (o.nsizes <= 0)
				return usage_error("invalid --sizes '%s': give a list like 64,512,1400 "
						   "(32 to 65000 bytes)", optarg);
			break;
		case O_FLOWS:
			if (parse_u32(optarg, &u) || !u || u > 65536)
				return usage_error("invalid --flows '%s'", optarg);
			o.base.flows = u;
			break;
		case O_THREADS:
			if (parse_u32(optarg, &u) || !u || u > 256)
				return usage_error("invalid --threads '%s'", optarg);
			o.base.threads = u;
			break;
		case O_DURATION:
			if (parse_seconds(optarg, &o.base.duration, false))
				return usage_error("invalid --duration '%s'", optarg);
			break;
		case O_NDR:
			if (parse_pct(optarg, &o.ndr_pct, 100))
				return usage_error("invalid --ndr '%s': a loss percentage", optarg);
			break;
		case O_PDR:
			if (parse_pct(optarg, &o.pdr_pct, 100))
				return usage_error("invalid --pdr '%s': a loss percentage", optarg);
			break;
		case O_PREC:
			if (parse_pct(optarg, &o.precision_pct, 50) || o.precision_pct <= 0)
				return usage_error("invalid --precision '%s': a percentage (0, 50]", optarg);
			break;
		case O_RMIN:
			if (parse_rate(optarg, &o.rate_min, NULL))
				return usage_error("invalid --rate-min '%s': e.g. 10k", optarg);
			break;
		case O_RMAX:
			if (parse_rate(optarg, &o.rate_max, &ismax))
				return usage_error("invalid --rate-max '%s': e.g. 1.2M or max", optarg);
			break;
		case O_MAXT:
			if (parse_u32(optarg, &u) || !u || u > 200)
				return usage_error("invalid --max-trials '%s' (1 to 200)", optarg);
			o.max_trials = u;
			break;
		case O_WARM:
			if (parse_seconds(optarg, &o.warmup, true))
				return usage_error("invalid --warmup '%s'", optarg);
			break;
		case O_PAUSE:
			if (parse_seconds(optarg, &o.pause, true))
				return usage_error("invalid --pause '%s'", optarg);
			break;
		case O_CNS: o.base.client_netns = optarg; break;
		case O_BIND: o.base.bind = optarg; break;
		case '6': o.base.ipv6 = true; break;
		case O_JSON: o.json = true; break;
		case O_NOLEDGER: o.no_ledger = true; break;
		case O_NOREASONS: o.no_reasons = true; break;
		case 'h':
			sweep_usage(stdout);
			return EXIT_OK;
		default:
			sweep_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("which host? give the address of a running `dptune serve`");
	o.base.host = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.nsizes) {
		o.sizes[0] = o.base.size;
		o.nsizes = 1;
	}
	if (o.rate_max > 0 && o.rate_max <= o.rate_min)
		return usage_error("--rate-max must be above --rate-min");
	if (o.pdr_pct < o.ndr_pct)
		return usage_error("--pdr (%g%%) must allow at least the loss --ndr allows (%g%%)",
				   o.pdr_pct, o.ndr_pct);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	print_init(o.json ? PRINT_JSON : PRINT_TEXT, stdout);
	if (!o.no_ledger) {
		struct collect_opts co = { .drop_reasons = !o.no_reasons };

		eng = collect_engine_new(&co);
	}
	res = xcalloc((size_t)o.nsizes, sizeof(*res));
	print_open_object(NULL);
	print_str(PRINT_ANY, "host", "dptune sweep: %s", o.base.host);
	print_u64(PRINT_ANY, "port", ":%llu", o.base.port);
	print_u64(PRINT_ANY, "flows", ", %llu flows", o.base.flows);
	print_u64(PRINT_ANY, "threads", ", %llu sender threads", o.base.threads);
	print_double(PRINT_ANY, "trial_seconds", ", %g s trials", o.base.duration);
	print_double(PRINT_ANY, "precision_percent", ", precision %g%%\n", o.precision_pct);
	print_open_array("results");
	for (int i = 0; i < o.nsizes && !sweep_stop_flag; i++) {
		int r = sweep_search_size(&o, eng, o.sizes[i], &res[i]);

		if (r) {
			err_msg("trial failed at %u B: %s", o.sizes[i], res[i].error);
			rc = EXIT_FAIL;
		}
		print_size_result(&o, &res[i]);
		if (r)
			break;
	}
	print_close_array();
	if (sweep_stop_flag) {
		print_bool(PRINT_JSONONLY, "interrupted", NULL, true);
		print_text("interrupted\n");
		rc = EXIT_FAIL;
	}
	print_close_object();
	for (int i = 0; i < o.nsizes; i++)
		sweep_size_result_release(&res[i]);
	free(res);
	collect_engine_free(eng);
	return rc;
}
