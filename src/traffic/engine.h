/* engine.h: the data path of a test. A sender (tx) runs paced threads that send numbered
 * datagrams with sendmmsg over a set of UDP sockets; a receiver (rx) runs threads that read
 * them with recvmmsg and account per flow. Both sides of `dptune bench` and `dptune serve`
 * use them (forward, reverse, bidirectional).
 *
 * Flows: flow f leaves socket f % nsock (its source port/address) towards destination
 * (f / nsock) % ndst (a destination port), so flows <= nsock * ndst distinct 5-tuples. The
 * receiver accepts flow f only on its socket (f / peer_nsock) % nsock; one thread owns each
 * socket, so each flow's state is touched by one thread. */
#ifndef DPTUNE_TRAFFIC_ENGINE_H
#define DPTUNE_TRAFFIC_ENGINE_H

#include <pthread.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include "flow.h"
#include "hist.h"
#include "result.h"

#define ENGINE_MAX_THREADS 64
#define ENGINE_MAX_RATE 1e9 /* pps: beyond 400 GbE at 64 bytes (595 Mpps) */
#define ENGINE_BATCH 32

struct tx_cfg {
	int nsock;
	const int *fds;			      /* unconnected UDP sockets, bound */
	uint32_t ndst;
	const struct sockaddr_storage *dst;   /* ndst destinations */
	socklen_t dstlen;
	uint32_t nflows, test_id;
	unsigned size;			      /* UDP payload bytes, >= DGRAM_HDR_LEN */
	double rate;			      /* datagrams per second in total; 0 = max */
	uint64_t count;			      /* total; 0 = until duration */
	double duration;		      /* seconds; 0 = until count */
	unsigned threads, batch;	      /* batch 0 = ENGINE_BATCH */
	const int *cpus;		      /* pin thread i to cpus[i % ncpus]; none if ncpus 0 */
	int ncpus;
	/* paced threads run SCHED_FIFO priority 1 (as many as leave one CPU online to other
	 * tasks; the rest at normal priority) and sleep to each batch instead of spinning
	 * the last stretch with sched_yield (a yield at FIFO would not give the CPU away; at
	 * normal priority one costs a whole scheduler slice when a build shares the CPU) */
	bool sched_fifo;
	/* raw mode (bench --raw): every thread sends on its own AF_PACKET socket bound to
	 * raw_to's device, each datagram raw_link (raw_linklen bytes: 0 on a device without
	 * link headers, which then takes raw_to as the address of every send) and IP and UDP
	 * headers built from its socket's bound port and address (raw_src when that is a
	 * wildcard) and the flow's destination; the UDP sockets stay bound, unused */
	bool raw;
	struct sockaddr_ll raw_to;
	struct sockaddr_storage raw_src;
	uint8_t raw_link[16];
	unsigned raw_linklen;
};

struct tx_thread;
struct raw_tmpl;
struct tx_engine {
	struct tx_cfg cfg;
	unsigned nthreads;
	struct tx_thread *th;
	uint64_t *seq;	   /* per flow: next sequence = datagrams sent */
	bool *connected;   /* per socket: connected to its flows' only destination */
	struct raw_tmpl *tmpl; /* raw mode: per flow */
	int stop;
	double t0, t_end;  /* start, and when the last thread finished */
	/* CPU time of the sender threads (CLOCK_THREAD_CPUTIME_ID): their sends, and the
	 * softirq work of the path run in their context (on a kernel without
	 * IRQ_TIME_ACCOUNTING, what the sending CPU spent per packet) */
	uint64_t cpu_ns;
	/* paced wake-ups that came 0.5 ms or more after the batch was due: the CPU was busy
	 * with other tasks (what --sched fifo avoids) */
	uint64_t late_wakeups;
	bool started;
};

/* Start the sender threads; 0 or -errno. */
int tx_start(struct tx_engine *e, const struct tx_cfg *cfg) __attribute__((warn_unused_result));
bool tx_done(struct tx_engine *e);
uint64_t tx_sent(struct tx_engine *e); /* live total */
/* Stop (if still running), join; afterwards e->seq[f] is what flow f sent and
 * e->t_end - e->t0 the sending time. Safe to call twice. */
void tx_stop(struct tx_engine *e);
uint64_t tx_errors(struct tx_engine *e);
/* The errno that stopped a sender thread (the datagrams or the socket are wrong, e.g.
 * EINVAL, EMSGSIZE), or 0. */
int tx_fatal(struct tx_engine *e);
/* The errno with which a sender thread could not take SCHED_FIFO (cfg.sched_fifo; EPERM
 * without CAP_SYS_NICE), or 0; that thread sent nothing. */
int tx_sched_error(struct tx_engine *e);
void tx_release(struct tx_engine *e);

struct rx_cfg {
	int nsock;
	const int *fds;	   /* bound UDP sockets (SO_RXQ_OVFL set by engine_udp_socket) */
	uint32_t nflows, peer_nsock, test_id;
	unsigned threads;
	bool latency_valid;
	const int *cpus;
	int ncpus;
};

struct rx_thread;
struct rx_engine {
	struct rx_cfg cfg;
	unsigned nthreads;
	struct rx_thread *th;
	struct flow_stats *flows;
	int stop;
	bool started;
};

int rx_start(struct rx_engine *e, const struct rx_cfg *cfg) __attribute__((warn_unused_result));
/* Live totals: datagrams, bytes, missing so far (sequence gaps), garbage. */
void rx_totals(struct rx_engine *e, uint64_t *rx, uint64_t *bytes, uint64_t *missing,
	       uint64_t *garbage);
/* Wait until `expected` datagrams arrived, or nothing arrived for quiet_ms, or max_ms passed;
 * then stop the threads, which drain their sockets before exiting. Safe to call twice. */
void rx_stop(struct rx_engine *e, uint64_t expected, int quiet_ms, int max_ms);
/* After rx_stop: close the books with the sender's per-flow counts (sent may be NULL or
 * shorter than nflows: unknown, then the highest sequence seen counts) and fill d. */
void rx_result(struct rx_engine *e, const uint64_t *sent, uint32_t nsent, struct dir_result *d);
void rx_release(struct rx_engine *e);

/* A UDP socket of `family` bound to addr (port in addr; 0 = any). For rx: a 16 MiB receive
 * buffer (SO_RCVBUFFORCE, else SO_RCVBUF) and SO_RXQ_OVFL; for tx: a large send buffer and
 * a 100 ms send timeout. Returns the fd or -errno. */
int engine_udp_socket(const struct sockaddr_storage *addr, socklen_t len, bool rx);
/* Receive buffer of receive sockets: 0 (default) forces 16 MiB; > 0 asks SO_RCVBUF of that
 * size as an ordinary application would (`serve --rcvbuf`, to study socket drops). */
extern int engine_rcvbuf_bytes;
#define ENGINE_RCVBUF_DEFAULT (16 << 20) /* forced when engine_rcvbuf_bytes is 0 */
/* Parse a CPU list ("0,2-3") into cpus (max n); returns the count or -EINVAL. */
int engine_parse_cpus(const char *s, int *cpus, int n);

#endif
