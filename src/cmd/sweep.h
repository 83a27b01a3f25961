/* sweep.h (cmd): what one trial of `dptune sweep` asks of the load engine and gets back;
 * sweep_load.c implements it over the traffic library. */
#ifndef DPTUNE_CMD_SWEEP_H
#define DPTUNE_CMD_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

struct trial_spec {
	const char *host;        /* the dptune serve address */
	uint16_t port;           /* its control port */
	const char *bind;        /* local source address(es), or NULL */
	const char *client_netns;/* send from this namespace (name), or NULL */
	double rate;             /* pps; 0 = as fast as possible */
	unsigned size, flows, threads;
	double duration;         /* seconds of traffic */
	bool ipv6;
};

struct trial_out {
	uint64_t sent, received, lost, out_of_order, duplicates;
	double sent_pps, received_pps;
	double lat_p50_us, lat_p99_us, lat_max_us;
	bool latency_valid;
	bool sender_limited;     /* the sender reached < 95 % of the rate asked */
	uint64_t rx_sock_drops;  /* the receiving sockets' own drops (SO_RXQ_OVFL) */
	uint64_t rx_pid;         /* the receiving process, when the server told */
	char rx_comm[16];
};

/* Run one trial. 0, or -errno with err[] saying what failed and what to do. */
int sweep_load_trial(const struct trial_spec *t, struct trial_out *o, char *err, size_t errlen);

#include <signal.h>
#include "../analyze/ledger.h"
#include "../traffic/sweep.h"

struct collect_engine;

#define MAX_SIZES 16
#define MAX_RECS 256

/* The options of one sweep (what `dptune sweep` parses; `lab matrix` fills it too). */
struct sweep_cli {
	struct trial_spec base;
	double ndr_pct, pdr_pct, precision_pct, warmup, pause, rate_min, rate_max;
	unsigned max_trials;
	unsigned sizes[MAX_SIZES];
	int nsizes;
	bool json, no_ledger, no_reasons;
};

struct trial_rec {
	unsigned idx;
	double offered;        /* 0 for the probe at the sender's maximum */
	const char *kind;      /* "probe", "search", "confirm" */
	struct trial_out out;
	double loss;           /* fraction */
	bool pass[SWEEP_MAX_TARGETS];
	struct ledger ledger;
	bool have_ledger;
	double elapsed;
};

struct size_result {
	unsigned size;
	struct trial_rec *rec;
	size_t nrec;
	struct sweep s;
	bool unstable, confirmed;
	bool sender_bound;     /* no loss up to the sender's maximum: the path can do more */
	bool confirm_inconclusive; /* the confirmation trial was sender-limited */
	int first_loss;        /* index into rec of the lowest-rate trial above NDR, -1 */
	double seconds;
	char error[256];
};

void sweep_cli_defaults(struct sweep_cli *o);
/* One search at one payload size: warm-up, probe (without rate_max), bisection,
 * confirmation, first loss above NDR. 0, or -errno with sr->error set. eng may be NULL
 * (no ledger). Stops early when sweep_stop_flag is set. */
int sweep_search_size(const struct sweep_cli *o, struct collect_engine *eng, unsigned size,
		      struct size_result *sr);
void sweep_size_result_release(struct size_result *sr);
extern volatile sig_atomic_t sweep_stop_flag;

#endif
