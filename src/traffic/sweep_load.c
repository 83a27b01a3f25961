/* sweep_load.c: one sweep trial through the load engine's client API (bench_run), and the
 * route the trials leave by, from inside --client-netns when given: the calling thread
 * enters that namespace, so the sockets and sender threads bench_run creates live there,
 * and comes back after. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "sweep.h"
#include "../core/netns.h"
#include "bench.h"
#include "route.h"

/* Enter the namespace named ns, saving ours in *selffd; *nsfd is closed by load_leave.
 * 0, or -errno with err[] set (and nothing left open). */
static int load_enter(const char *ns, int *nsfd, int *selffd, char *err, size_t errlen)
{
	int r;

	*selffd = -1;
	*nsfd = netns_open_name(NULL, ns);
	r = *nsfd < 0 ? *nsfd : netns_switch(*nsfd, selffd);
	if (r) {
		snprintf(err, errlen, "cannot enter namespace %s: %s (see 'ip netns list'; "
			 "run as root)", ns, strerror(-r));
		if (*nsfd >= 0)
			close(*nsfd);
		*nsfd = -1;
		return r;
	}
	return 0;
}

/* Come back from load_enter (a no-op when nothing was entered). 0, or -errno. */
static int load_leave(int nsfd, int selffd)
{
	int r = 0;

	if (selffd >= 0) {
		r = netns_restore(&selffd);
		close(nsfd);
	}
	return r;
}

int sweep_load_route(const struct sweep_trial_spec *t, struct route_info *ri,
		     char *err, size_t errlen)
{
	int r, back, nsfd = -1, selffd = -1;

	if (t->client_netns) {
		r = load_enter(t->client_netns, &nsfd, &selffd, err, errlen);
		if (r)
			return r;
	}
	r = route_get(t->host, t->ipv6 ? AF_INET6 : 0, t->bind, ri, err, errlen);
	if (r && !strncmp(err, "no route", 8)) {
		size_t l = strlen(err);

		snprintf(err + l, errlen - l, "%s%s (see 'ip%s%s route get %s%s%s')",
			 t->client_netns ? " from namespace " : "",
			 t->client_netns ? t->client_netns : "",
			 t->client_netns ? " -n " : "", t->client_netns ? t->client_netns : "",
			 ri->dst, t->bind ? " from " : "", t->bind ? t->bind : "");
	}
	back = load_leave(nsfd, selffd);
	if (back && !r) {
		r = back;
		snprintf(err, errlen, "cannot return to our namespace: %s", strerror(-back));
	}
	snprintf(ri->netns, sizeof(ri->netns), "%s", t->client_netns ? t->client_netns : "host");
	return r;
}

int sweep_load_trial(const struct sweep_trial_spec *t, struct sweep_trial_out *o,
		     char *err, size_t errlen)
{
	struct bench_opts bo;
	struct bench_result br;
	int r, back, nsfd = -1, selffd = -1;

	bench_opts_init(&bo);
	bo.host = t->host;
	bo.port = t->port;
	bo.family = t->ipv6 ? AF_INET6 : 0;
	bo.rate = t->rate;
	bo.size = t->size;
	bo.flows = t->flows;
	bo.threads = t->threads;
	bo.duration = t->duration;
	bo.sched_fifo = t->sched_fifo;
	if (t->bind) {
		bo.src[0] = t->bind;
		bo.nsrc = 1;
	}
	if (t->client_netns) {
		r = load_enter(t->client_netns, &nsfd, &selffd, err, errlen);
		if (r)
			return r;
	}
	memset(&br, 0, sizeof(br));
	r = bench_run(&bo, &br);
	back = load_leave(nsfd, selffd);
	if (back && !r) {
		r = back;
		snprintf(br.error, sizeof(br.error), "cannot return to our namespace: %s",
			 strerror(-back));
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
	o->tx_cpu_ns = br.fwd_tx_cpu_ns;
	o->tx_late = br.fwd_tx_late;
	o->rx_pid = br.fwd.rx_pid;
	snprintf(o->rx_comm, sizeof(o->rx_comm), "%s", br.fwd.rx_comm);
	bench_result_release(&br);
	return 0;
}
