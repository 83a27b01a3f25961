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
};

/* Run one trial. 0, or -errno with err[] saying what failed and what to do. */
int sweep_load_trial(const struct trial_spec *t, struct trial_out *o, char *err, size_t errlen);

#endif
