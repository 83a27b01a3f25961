/* serve.h: the load engine's server: a TCP control listener that runs several clients'
 * tests at once, each in its own thread, within limits set by the operator. Runs in a
 * thread of the caller's process (serve_start/serve_stop), so `dptune sweep` can embed it. */
#ifndef DPTUNE_TRAFFIC_SERVE_H
#define DPTUNE_TRAFFIC_SERVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "result.h"

struct serve_opts {
	const char *bind;     /* address to listen on; NULL = all (dual stack) */
	uint16_t port;	      /* control port; data ports are taken from port+1 upwards */
	double max_duration;  /* seconds a test may last (0 = no limit) */
	double max_rate;      /* datagrams/s a client may ask for (0 = no limit) */
	uint32_t max_flows;   /* flows per test */
	unsigned max_clients; /* concurrent control connections */
	unsigned threads;     /* receiver threads per test */
	int cpus[256];
	int ncpus;
	/* Called (serialized) when a test ends: peer, test id, mode, the measured direction
	 * (NULL for reverse-only) and an error text or NULL. */
	void (*on_test)(const char *peer, uint32_t test_id, int mode, const struct dir_result *d,
			const char *error, void *arg);
	void *arg;
};

struct serve_stats {
	uint64_t clients, tests, tests_failed;
	uint64_t ctl_rejected;	/* malformed, truncated, oversized, out-of-order, too slow */
	uint64_t refused;	/* connections over max_clients */
	uint64_t garbage;	/* datagrams rejected on data ports */
};

struct server;
void serve_opts_init(struct serve_opts *o);
/* Bind and start accepting; 0 or -errno (*err names what failed). */
int serve_start(const struct serve_opts *o, struct server **out, char *err, size_t errlen)
	__attribute__((warn_unused_result));
uint16_t serve_port(const struct server *s);
/* The address the control socket is bound to, as text ("::", "10.0.0.2"). */
void serve_addr(const struct server *s, char *buf, size_t n);

/* The receive buffer a data socket gets: bytes asked, bytes the kernel granted (SO_RCVBUF
 * read back, halved: the kernel doubles what it grants for its bookkeeping), whether it
 * was forced (SO_RCVBUFFORCE, needs CAP_NET_ADMIN) and net.core.rmem_max (-1 unknown),
 * which caps an unforced buffer. */
struct serve_rcvbuf {
	long asked, obtained, rmem_max;
	bool forced, clamped; /* clamped: obtained < asked */
};
/* Open one receive socket as a test would (unbound), read back what it got; 0 or -errno. */
int serve_rcvbuf_probe(struct serve_rcvbuf *rb) __attribute__((warn_unused_result));
void serve_get_stats(struct server *s, struct serve_stats *st);
/* Stop accepting, end running tests, join every thread, free. */
void serve_stop(struct server *s);

#endif
