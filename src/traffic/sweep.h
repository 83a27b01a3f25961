/* sweep.h: the NDR/PDR search (after NFVbench). Two parts:
 * - the search: a binary search over the offered packet rate that serves several loss
 *   targets at once; a pure state machine (sweep.c): the caller runs each trial and feeds
 *   the result back, so the search is tested on simulated paths;
 * - the driver (sweep_run.c, sweep_load.c): warm-up, probe, search, confirmation, the
 *   drop ledger of every trial, run through the load engine (bench_run) or through a
 *   trial function the caller gives (tests). `dptune sweep` and `dptune lab matrix` call it. */
#ifndef DPTUNE_SWEEP_H
#define DPTUNE_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

#define SWEEP_MAX_TARGETS 4

struct sweep_target {
	const char *name;     /* "NDR", "PDR" */
	double max_loss;      /* fraction: 0.00001 for 0.001 % */
	double lo;            /* highest rate that passed (0: none yet) */
	double hi;            /* lowest rate that failed (0: none yet) */
	bool converged;
};

struct sweep_params {
	double rate_min, rate_max; /* bounds of the search, pps */
	double precision;          /* relative: 0.01 stops when (hi - lo) <= 1 % of hi */
	unsigned max_trials;
};

struct sweep_trial_result {
	double offered;        /* pps asked */
	double achieved;       /* pps the sender achieved */
	double loss;           /* fraction lost */
	bool sender_limited;   /* achieved < 95 % of offered: not a datapath result */
	bool failed;           /* the trial did not run (error) */
};

enum sweep_stop {
	SWEEP_RUNNING,
	SWEEP_CONVERGED,       /* every target bracketed to the precision */
	SWEEP_MAX_TRIALS,      /* trial budget spent */
	SWEEP_AT_MIN,          /* loss even at rate_min */
	SWEEP_AT_MAX,          /* no loss up to rate_max (the sender's limit) */
	SWEEP_ERROR,           /* a trial failed to run */
};

struct sweep {
	struct sweep_params p;
	struct sweep_target t[SWEEP_MAX_TARGETS];
	int nt;
	unsigned trials;
	double ceiling;        /* rate_max, lowered when the sender cannot reach a rate */
	bool inconsistent;     /* a rate passed above one that failed (noisy path) */
	double retry;          /* a rate whose trial was sender-limited once: tried again */
	unsigned sender_limited; /* sender-limited trials seen */
	enum sweep_stop stop;
};

void sweep_init(struct sweep *s, const struct sweep_params *p);
/* Add a target (in order of priority, NDR first); returns its index or -1. */
int sweep_add_target(struct sweep *s, const char *name, double max_loss);
/* The next rate to try, or 0 when the search is over (s->stop says why). */
double sweep_next(struct sweep *s);
/* Feed one trial's result back. */
void sweep_record(struct sweep *s, const struct sweep_trial_result *r);
/* The rate found for target i: its highest passing rate (0 if none passed). */
double sweep_result(const struct sweep *s, int i);
const char *sweep_stop_text(enum sweep_stop st);


/* ---- the driver ---- */

#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include "../analyze/ledger.h"

struct collect_engine;

#define SWEEP_MAX_SIZES 16
#define SWEEP_MAX_RECS 256

/* What one trial asks of the load engine. */
struct sweep_trial_spec {
	const char *host;        /* the dptune serve address */
	uint16_t port;           /* its control port */
	const char *bind;        /* local source address(es), or NULL */
	const char *client_netns;/* send from this namespace (name), or NULL */
	double rate;             /* pps; 0 = as fast as possible */
	unsigned size, flows, threads;
	double duration;         /* seconds of traffic */
	bool ipv6;
	bool sched_fifo;         /* paced senders at SCHED_FIFO (bench --sched fifo) */
};

/* What one trial measured. */
struct sweep_trial_out {
	uint64_t sent, received, lost, out_of_order, duplicates;
	double sent_pps, received_pps;
	double lat_p50_us, lat_p99_us, lat_max_us;
	bool latency_valid;
	bool sender_limited;     /* the sender reached < 95 % of the rate asked */
	uint64_t rx_sock_drops;  /* the receiving sockets' own drops (SO_RXQ_OVFL) */
	uint64_t tx_cpu_ns;      /* CPU time of the sender threads (0: not measured) */
	uint64_t tx_late;        /* the sender's wake-ups 0.5 ms or more late (CPU taken) */
	uint64_t rx_pid;         /* the receiving process, when the server told */
	char rx_comm[16];
};

/* Runs one trial: 0, or -errno with err[] saying what failed and what to do. */
typedef int (*sweep_trial_fn)(const struct sweep_trial_spec *t, struct sweep_trial_out *o,
			      char *err, size_t errlen);

/* The options of one sweep (what `dptune sweep` parses; `lab matrix` fills it too). */
struct sweep_opts {
	struct sweep_trial_spec base;
	double ndr_pct, pdr_pct, precision_pct, warmup, pause, rate_min, rate_max;
	unsigned max_trials;
	unsigned sizes[SWEEP_MAX_SIZES];
	int nsizes;
	bool json, no_ledger, no_reasons;
	sweep_trial_fn trial;    /* NULL: sweep_load_trial (the load engine) */
	/* optional: told what the search is doing (a progress line), with ctx */
	void (*progress)(void *ctx, const char *msg);
	void *progress_ctx;
	const volatile sig_atomic_t *stop; /* optional: stop early when it becomes non-zero */
};

struct sweep_trial_rec {
	unsigned idx;
	double offered;        /* 0 for the probe at the sender's maximum */
	const char *kind;      /* "probe", "search", "confirm" */
	struct sweep_trial_out out;
	double loss;           /* fraction */
	bool pass[SWEEP_MAX_TARGETS];
	struct ledger ledger;
	bool have_ledger;
	double elapsed;
};

struct sweep_size_result {
	unsigned size;
	struct sweep_trial_rec *rec;
	size_t nrec;           /* trials run (probe, search and confirmation) */
	struct sweep s;        /* s.trials: those counted against max_trials */
	bool unstable;
	bool confirmed;        /* a confirmation trial passed at exactly the NDR reported */
	double confirm_pps;    /* the rate of the last conclusive confirmation trial, 0: none */
	bool confirm_pass;     /* ... and whether it passed the NDR's loss target */
	bool sender_bound;     /* no loss up to the sender's maximum: the path can do more */
	bool confirm_inconclusive; /* the confirmation trial was sender-limited */
	int first_loss;        /* index into rec of the lowest-rate trial above NDR, -1 */
	double seconds;
	char error[256];
};

void sweep_opts_defaults(struct sweep_opts *o);
/* Put the receiving sockets' own drops (rec->out.rx_sock_drops, with the receiving
 * process) into rec's ledger, in the namespace whose socket or UDP counters rose by the
 * nearest count. */
void sweep_add_socket_drops(struct sweep_trial_rec *rec);
/* One search at one payload size: warm-up, probe (without rate_max), bisection,
 * confirmation, first loss above NDR. 0, or -errno with sr->error set. eng may be NULL
 * (no ledger). Stops early when *o->stop becomes non-zero. */
int sweep_search_size(const struct sweep_opts *o, struct collect_engine *eng, unsigned size,
		      struct sweep_size_result *sr) __attribute__((warn_unused_result));
void sweep_size_result_release(struct sweep_size_result *sr);

/* One trial through the load engine (bench_run), sent from inside t->client_netns when
 * given. 0, or -errno with err[] saying what failed and what to do. */
int sweep_load_trial(const struct sweep_trial_spec *t, struct sweep_trial_out *o,
		     char *err, size_t errlen);

struct route_info;
/* The route the trials of t leave by: looked up inside t->client_netns (or here) towards
 * t->host, from t->bind when given. 0, or -errno with err[] set. */
int sweep_load_route(const struct sweep_trial_spec *t, struct route_info *ri,
		     char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
