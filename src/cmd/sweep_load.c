/* sweep_load.c: one sweep trial through the load engine's client API (bench_run), sent
 * from inside --client-netns when given: the calling thread enters that namespace, so the
 * sockets and sender threads bench_run creates live there, and comes back after. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "sweep.h"
#include "../core/netns.h"
#include "../traffic/bench.h"

int sweep_load_trial(const struct trial_spec *t, struct trial_out *o, char *err, size_t errlen)
{
	struct bench_opts bo;
	struct bench_result br;
	int r, nsfd = -1, selffd = -1;

	bench_opts_init(&bo);
	bo.host = t->host;
	bo.port = t->port;
	bo.family = t->ipv6 ? AF_INET6 : 0;
	bo.rate = t->rate;
	bo.size = t->size;
	bo.flows = t->flows;
	bo.threads = t->threads;
	bo.duration = t->duration;
	if (t->bind) {
		bo.src[0] = t->bind;
		bo.nsrc = 1;
	}
	if (t->client_netns) {
		nsfd = netns_open_name(NULL, t->client_netns);
		r = nsfd < 0 ? nsfd : netns_switch(nsfd, &selffd);
		if (r) {
			snprintf(err, errlen, "cannot enter namespace %s: %s (see 'ip netns list'; "
				 "run as root)", t->client_netns, strerror(-r));
			if (nsfd >= 0)
				close(nsfd);
			return r;
		}
	}
	memset(&br, 0, sizeof(br));
	r = bench_run(&bo, &br);
	if (selffd >= 0) {
		int back = netns_restore(&selffd);

		if (back && !r) {
			r = back;
			snprintf(br.error, sizeof(br.error), "cannot return to our namespace: %s",
				 strerror(-back));
		}
		close(nsfd);
	}
	if (r) {
		snprintf(err, errlen, "%s", br.error[0] ? br.error : strerror(-r));
		bench_result_release(&br);
		return r;
	}
	memset(o, 0, sizeof(*o));
	o->sent = br.fwd.sent;
	o->received = br.fwd.rx;
	o->lost = br.fwd.sent > br.fwd.rx ? br.fwd.sent - br.fwd.rx : 0;
	o->out_of_order = br.fwd.ooo;
	o->duplicates = br.fwd.dup;
	o->sent_pps = br.fwd.sent_pps;
	o->received_pps = br.fwd.received_pps;
	o->latency_valid = br.fwd.latency_valid && isfinite(br.fwd.lat_us[0]);
	if (o->latency_valid) {
		o->lat_p50_us = br.fwd.lat_us[0];
		o->lat_p99_us = br.fwd.lat_us[2];
		o->lat_max_us = br.fwd.lat_us[4];
	}
	o->sender_limited = t->rate > 0 && br.fwd_sender_limited;
	o->rx_sock_drops = br.fwd.rxq_ovfl;
	o->rx_pid = br.fwd.rx_pid;
	snprintf(o->rx_comm, sizeof(o->rx_comm), "%s", br.fwd.rx_comm);
	bench_result_release(&br);
	return 0;
}
