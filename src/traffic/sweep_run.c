/* sweep_run.c: the sweep driver (sweep.h): one search per payload size over fixed-rate
 * trials (the load engine's, or the caller's trial function), with the drop ledger of
 * every trial read from the counters of every layer and namespace. Prints nothing: the
 * caller is told of progress through a callback and prints the result. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sweep.h"
#include "bench.h"
#include "../core/util.h"
#include "../collect/collect.h"
#include "../model/delta.h"
#include "../output/progress.h"

void sweep_opts_defaults(struct sweep_opts *o)
{
	*o = (struct sweep_opts){
		.base = { .port = BENCH_DEFAULT_PORT, .size = 64, .flows = 8, .threads = 1,
			  .duration = 2 },
		.ndr_pct = 0.001, .pdr_pct = 0.1, .precision_pct = 1, .warmup = 1, .pause = 0.5,
		.rate_min = 1000, .max_trials = 30,
	};
}

static bool stopped(const struct sweep_opts *o)
{
	return o->stop && *o->stop;
}

static void sleep_s(const struct sweep_opts *o, double s)
{
	struct timespec ts = { (time_t)s, (long)((s - floor(s)) * 1e9) };

	while (!stopped(o) && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void progress(const struct sweep_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void progress(const struct sweep_opts *o, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!o->progress || progress_active()) /* the terminal's line says it (progress.h) */
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o->progress(o->progress_ctx, buf);
}

static int run_trial(const struct sweep_opts *o, const struct sweep_trial_spec *t,
		     struct sweep_trial_out *out, char *err, size_t errlen)
{
	return (o->trial ? o->trial : sweep_load_trial)(t, out, err, errlen);
}

/* The receiving sockets are closed when the test ends, before the second snapshot: the
 * drops they counted themselves come with the results, into the ledger, in the namespace
 * whose socket or UDP counter rose by the nearest count (the server's UDP RcvbufErrors
 * rose by as many; on a shared machine other namespaces' sockets drop too, so not just
 * the last one listed). */
void sweep_add_socket_drops(struct sweep_trial_rec *rec)
{
	const char *ns = "?";
	char labels[64];
	uint64_t best = UINT64_MAX, want = rec->out.rx_sock_drops;

	for (size_t i = 0; i < rec->ledger.n; i++) {
		const struct ledger_entry *e = &rec->ledger.e[i];
		uint64_t off = e->delta > want ? e->delta - want : want - e->delta;

		if ((e->layer == LAYER_SOCKET || e->layer == LAYER_UDP) && off < best) {
			best = off;
			ns = e->netns;
		}
	}
	snprintf(labels, sizeof(labels), "pid=%llu,comm=%s", (unsigned long long)rec->out.rx_pid,
		 rec->out.rx_comm[0] ? rec->out.rx_comm : "?");
	ledger_add(&rec->ledger, LAYER_SOCKET, ns, "receiver sockets", "rxq_ovfl",
		   rec->out.rx_pid ? labels : NULL, rec->out.rx_sock_drops);
}

/* One trial with its counters: snapshot, traffic, pause, snapshot, ledger. */
static int one_trial(const struct sweep_opts *o, struct collect_engine *eng, unsigned size,
		     double rate, struct sweep_trial_rec *rec, char *err, size_t errlen)
{
	struct sweep_trial_spec t = o->base;
	struct snapshot a, b;
	struct delta d;
	double t0 = now_mono();
	char lab[64];
	int r;

	t.size = size;
	t.rate = rate;
	snprintf(lab, sizeof(lab), rate > 0 ? "%s trial at %.0f pps" : "%s at full speed", rec->kind, rate);
	progress_step(rec->idx, lab);
	snap_init(&a);
	snap_init(&b);
	if (eng && collect_snapshot(eng, &a))
		eng = NULL;
	r = run_trial(o, &t, &rec->out, err, errlen);
	if (!r && eng) {
		sleep_s(o, o->pause);
		if (!collect_snapshot(eng, &b)) {
			delta_compute(&d, &a, &b);
			ledger_build(&rec->ledger, &b, &d);
			rec->have_ledger = true;
			if (rec->out.rx_sock_drops)
				sweep_add_socket_drops(rec);
			delta_release(&d);
		}
	}
	snap_release(&a);
	snap_release(&b);
	rec->offered = rate;
	rec->elapsed = now_mono() - t0;
	if (!r)
		rec->loss = rec->out.sent ? (double)rec->out.lost / (double)rec->out.sent : 1.0;
	return r;
}

static struct sweep_trial_rec *new_rec(struct sweep_size_result *sr, const char *kind)
{
	struct sweep_trial_rec *rec;

	if (sr->nrec >= SWEEP_MAX_RECS)
		return NULL;
	rec = &sr->rec[sr->nrec];
	memset(rec, 0, sizeof(*rec));
	rec->ledger.top = rec->ledger.detail = -1;
	rec->idx = (unsigned)sr->nrec + 1;
	rec->kind = kind;
	return rec;
}

static void mark_pass(struct sweep_size_result *sr, struct sweep_trial_rec *rec)
{
	for (int i = 0; i < sr->s.nt; i++)
		rec->pass[i] = !rec->out.sender_limited && rec->loss <= sr->s.t[i].max_loss;
}

/* Warm-up: neighbours resolved, flows known to every hop, caches warm. */
static int warm_up(const struct sweep_opts *o, unsigned size, struct sweep_size_result *sr)
{
	struct sweep_trial_spec t = o->base;
	struct sweep_trial_out out;

	t.size = size;
	t.rate = o->rate_min > 10000 ? o->rate_min : 10000;
	t.duration = o->warmup;
	progress(o, "sweep %u B: warm-up", size);
	return run_trial(o, &t, &out, sr->error, sizeof(sr->error));
}

/* Without a highest rate, the first trial finds what the sender reaches at full speed:
 * the ceiling of the search (beyond it nothing measures the datapath). */
static int probe(const struct sweep_opts *o, struct collect_engine *eng, unsigned size,
		 struct sweep_size_result *sr, double *rate_max)
{
	struct sweep_trial_rec *rec = new_rec(sr, "probe");
	int r;

	progress(o, "sweep %u B: probing the sender's maximum", size);
	r = one_trial(o, eng, size, 0, rec, sr->error, sizeof(sr->error));
	if (r)
		return r;
	sr->nrec++;
	*rate_max = rec->out.sent_pps;
	if (*rate_max < o->rate_min) {
		snprintf(sr->error, sizeof(sr->error), "the sender reached only %.0f pps, "
			 "below --rate-min %.0f", *rate_max, o->rate_min);
		return -ERANGE;
	}
	return 0;
}

/* The bisection, until the search says it is over. */
static int search(const struct sweep_opts *o, struct collect_engine *eng, unsigned size,
		  struct sweep_size_result *sr)
{
	struct sweep_trial_rec *rec;
	double rate;
	int r;

	while (!stopped(o) && (rate = sweep_next(&sr->s)) > 0) {
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
	return 0;
}

/* Confirm the NDR once more: a path that passes once and fails the next time at the same
 * rate is unstable, and the search says so. When nothing was lost up to the sender's
 * maximum, the NDR is the sender's limit, not the path's; a paced trial cannot hold that
 * exact rate, so the confirmation runs just below it, and the result says at which rate
 * (sr->confirm_pps): "confirmed" only means a pass at the very rate reported. */
static int confirm(const struct sweep_opts *o, struct collect_engine *eng, unsigned size,
		   struct sweep_size_result *sr)
{
	double ndr = sweep_result(&sr->s, 0);
	double at = sr->sender_bound ? ndr * 0.95 : ndr;
	struct sweep_trial_rec *rec;
	int r;

	for (int attempt = 0; !stopped(o) && ndr > 0 && attempt < 2; attempt++) {
		rec = new_rec(sr, "confirm");
		if (!rec)
			break;
		progress(o, "sweep %u B: confirming NDR at %.0f pps", size, at);
		r = one_trial(o, eng, size, at, rec, sr->error, sizeof(sr->error));
		if (r)
			return r;
		sr->nrec++;
		mark_pass(sr, rec);
		if (rec->out.sender_limited) { /* not a datapath result: once more */
			sr->confirm_inconclusive = true;
			continue;
		}
		sr->confirm_inconclusive = false;
		sr->confirm_pps = at;
		sr->confirm_pass = rec->pass[0];
		sr->confirmed = rec->pass[0] && at == ndr;
		sr->unstable = !rec->pass[0] || sr->s.inconsistent;
		break;
	}
	return 0;
}

/* The first trial above the NDR: the lowest rate that lost more than NDR allows. */
static void find_first_loss(struct sweep_size_result *sr)
{
	for (size_t i = 0; i < sr->nrec; i++) {
		const struct sweep_trial_rec *t = &sr->rec[i];

		if (t->out.sender_limited || t->pass[0])
			continue;
		if (sr->first_loss < 0 || t->offered < sr->rec[sr->first_loss].offered)
			sr->first_loss = (int)i;
	}
}

int sweep_search_size(const struct sweep_opts *o, struct collect_engine *eng, unsigned size,
		      struct sweep_size_result *sr)
{
	struct sweep_params sp = {
		.rate_min = o->rate_min, .rate_max = o->rate_max,
		.precision = o->precision_pct / 100, .max_trials = o->max_trials,
	};
	double t0 = now_mono();
	char what[32];
	int r;

	sr->size = size;
	sr->first_loss = -1;
	sr->rec = xcalloc(SWEEP_MAX_RECS, sizeof(*sr->rec));
	snprintf(what, sizeof(what), "sweep %u B", size);
	progress_begin_max(o->max_trials + 3, what); /* probe and confirmations too */
	if (o->warmup > 0) {
		r = warm_up(o, size, sr);
		if (r)
			goto out;
	}
	if (sp.rate_max <= 0) {
		r = probe(o, eng, size, sr, &sp.rate_max);
		if (r)
			goto out;
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
	r = search(o, eng, size, sr);
	if (r)
		goto out;
	sr->sender_bound = sr->s.stop == SWEEP_AT_MAX;
	r = confirm(o, eng, size, sr);
	if (r)
		goto out;
	find_first_loss(sr);
out:
	progress_end();
	progress(o, "%s", "");
	sr->seconds = now_mono() - t0;
	return r;
}

void sweep_size_result_release(struct sweep_size_result *sr)
{
	for (size_t j = 0; j < sr->nrec; j++)
		ledger_release(&sr->rec[j].ledger);
	free(sr->rec);
	sr->rec = NULL;
	sr->nrec = 0;
}
