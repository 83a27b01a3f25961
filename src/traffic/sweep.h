/* sweep.h: the NDR/PDR search (after NFVbench): a binary search over the offered packet
 * rate that serves several loss targets at once. Pure state machine: the caller runs each
 * trial and feeds the result back, so the search is tested on simulated paths. */
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

#endif
