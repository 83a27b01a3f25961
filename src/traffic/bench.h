/* bench.h: the load engine's client API: connect to a `dptune serve`, run one trial and
 * return what each direction measured. `dptune bench` is a thin shell over bench_run();
 * `dptune sweep` calls it in-process once per trial (set rate/size/flows/duration). */
#ifndef DPTUNE_TRAFFIC_BENCH_H
#define DPTUNE_TRAFFIC_BENCH_H

#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include <netinet/in.h>
#include "ctl.h"
#include "result.h"

#define BENCH_MAX_SRC 16
#define BENCH_MAX_CPUS 256
#define BENCH_MAX_SOCK 256    /* source sockets; more flows vary the destination port */
#define BENCH_DEFAULT_PORT 5301

/* One per-second interval (cumulative totals and the deltas of this interval). */
struct bench_interval {
	double t0, t1;		/* seconds since start */
	bool reverse;		/* the server->client direction */
	uint64_t sent, rx, missing;
	uint64_t d_sent, d_rx, d_missing;
	bool have_sent, have_rx; /* the figures known at this end */
};

/* The way the test leaves this namespace: the route to the server, as `ip route get`. */
struct bench_path {
	bool known;				/* the route was read (else error says why) */
	char dev[16];				/* egress device */
	char src[INET6_ADDRSTRLEN];		/* the control connection's own address */
	char gateway[INET6_ADDRSTRLEN];		/* "" when the server is on the link */
	char dst[INET6_ADDRSTRLEN];		/* the server's address */
	char error[160];
};

struct bench_result;

struct bench_opts {
	const char *host;
	uint16_t port;		/* 0 = BENCH_DEFAULT_PORT */
	int family;		/* 0, AF_INET or AF_INET6 */
	int mode;		/* CTL_MODE_FWD, _REV or _BIDIR; 0 = FWD */
	double rate;		/* datagrams/s in each direction; 0 = max */
	unsigned size;		/* UDP payload bytes (>= DGRAM_HDR_LEN) */
	uint32_t flows;		/* 1..CTL_MAX_FLOWS */
	unsigned threads;	/* sender threads (and receiver threads in reverse) */
	double duration;	/* seconds; 0 = count only */
	uint64_t count;		/* datagrams per direction; 0 = duration only */
	const char *src[BENCH_MAX_SRC]; /* source addresses (flows spread over them) */
	int nsrc;
	int cpus[BENCH_MAX_CPUS];
	int ncpus;		/* 0 = do not pin */
	bool raw;		/* send on AF_PACKET past this host's stack (see raw.h) */
	bool sched_fifo;	/* paced sender threads at SCHED_FIFO 1 (tx_cfg.sched_fifo) */
	void (*on_interval)(const struct bench_interval *iv, void *arg);
	/* Called once connected, before the handshake: r->server and r->path are set. */
	void (*on_connected)(const struct bench_result *r, void *arg);
	void *arg;
	/* When set and it becomes non-zero (a signal handler), the test ends early: during
	 * the run, the sending stops and the figures so far are collected as usual (then
	 * r->interrupted); before it, bench_run fails with -EINTR. */
	volatile sig_atomic_t *cancel;
};

struct bench_result {
	struct dir_result fwd;	/* client -> server, measured by the server */
	struct dir_result rev;	/* server -> client, measured here */
	double fwd_tx_seconds, rev_tx_seconds;
	uint64_t fwd_tx_cpu_ns;	/* CPU time of this end's sender threads (tx_engine.cpu_ns) */
	uint64_t fwd_tx_late;	/* their wake-ups 0.5 ms late or more (tx_engine.late_wakeups) */
	bool fwd_sender_limited, rev_sender_limited; /* achieved < 95 % of the rate asked */
	uint64_t tx_errors;
	bool clock_shared;	/* same boot id: one-way latency is meaningful */
	bool ipv6;
	uint32_t test_id, nsock, nports;
	unsigned threads;
	char server[128];
	struct bench_path path;	/* the route the test leaves by */
	bool raw;		/* sent raw: on raw_dev to raw_nexthop (raw_lladdr) */
	char raw_dev[16], raw_nexthop[64], raw_lladdr[24];
	bool raw_csum_partial;	/* UDP checksum left for the device (virtio-net header) */
	bool interrupted;	/* o->cancel ended the run early: partial figures */
	char error[256];	/* why bench_run failed */
};

void bench_opts_init(struct bench_opts *o);
/* HOST as a user writes it: a name, an IPv4 or IPv6 address, or a bracketed IPv6 address
 * ([fd00::2]). 0 with the bare name or address in host, or -EINVAL with *why saying what
 * is wrong (a port in HOST, unclosed bracket). bench_run() applies it to o->host. */
int bench_host_parse(const char *arg, char *host, size_t n, const char **why)
	__attribute__((warn_unused_result));
/* Run one trial. 0 when the test ran (loss is a result, not an error); -errno when it could
 * not (r->error says why: unreachable server, refused by its limits, protocol error). */
int bench_run(const struct bench_opts *o, struct bench_result *r) __attribute__((warn_unused_result));
void bench_result_release(struct bench_result *r);

#endif
