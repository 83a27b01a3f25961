/* server.h: the HTTP side of `dptune export`: libmicrohttpd with bounded connections,
 * timeouts and request memory; /metrics collected at scrape time by one collector
 * thread, scrapes that arrive during a collection wait for it and share its result. */
#ifndef DPTUNE_EXPORT_SERVER_H
#define DPTUNE_EXPORT_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include "render.h"
#include "webconfig.h"
#include "../collect/collect.h"

struct exp_server_opts {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct collect_opts co;
	struct exp_filter filter;
	size_t max_series;          /* 0: none */
	unsigned max_conn;          /* MHD_OPTION_CONNECTION_LIMIT */
	unsigned per_ip;            /* MHD_OPTION_PER_IP_CONNECTION_LIMIT */
	unsigned timeout;           /* seconds, MHD_OPTION_CONNECTION_TIMEOUT */
	size_t conn_memory;         /* MHD_OPTION_CONNECTION_MEMORY_LIMIT */
	unsigned max_results;       /* distinct scrape results held by slow readers */
	const struct webconfig *web; /* NULL: plain HTTP, no auth */
	char *tls_cert, *tls_key;   /* PEM text when TLS */
};

struct exp_server;

/* Parse "ADDR:PORT", "[V6]:PORT" or ":PORT" (loopback) into o->addr. 0 or -EINVAL. */
int exp_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len);
bool exp_addr_is_loopback(const struct sockaddr_storage *ss);

/* Take the first snapshot (collector status at start), then block SIGINT, SIGTERM and
 * SIGHUP in the calling thread (the caller sigwait()s for them) and start the collector
 * thread and the HTTP daemon, which inherit that mask. NULL with err on failure (port
 * taken, TLS refused). */
struct exp_server *exp_server_start(const struct exp_server_opts *o, char *err, size_t errlen);
/* The collectors' status of the first snapshot, for the start-up message. */
const struct snapshot *exp_server_first(const struct exp_server *s);
unsigned exp_server_port(const struct exp_server *s);
void exp_server_stop(struct exp_server *s);

#endif
