/* ctl.h: the control channel protocol between `dptune bench` and `dptune serve`.
 * TCP; every message is a frame: a 4-byte big-endian body length, then a JSON object with
 * a "type". Version 1. A client: HELLO -> TEST -> (OK | ERROR) -> START -> [INTERVAL...]
 * [DONE] -> STOP -> RESULTS -> BYE. Parsers take buffers (fuzzed by tests/fuzz/fuzz_ctl.c);
 * they check every length, type and range and never trust a count from the peer. */
#ifndef DPTUNE_TRAFFIC_CTL_H
#define DPTUNE_TRAFFIC_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "../core/util.h"
#include "result.h"

#define CTL_VERSION 1
#define CTL_MAX_FRAME (256u << 10)    /* client -> server */
#define CTL_MAX_RESULTS (8u << 20)     /* server -> client (per-flow results) */
#define CTL_MAX_FLOWS 4096u
#define CTL_MAX_PORTS 256u
#define CTL_FRAME_TIMEOUT_MS 5000      /* a started frame must complete within this */

enum ctl_type {
	CTL_HELLO = 1, CTL_TEST, CTL_OK, CTL_ERROR, CTL_START, CTL_INTERVAL, CTL_DONE,
	CTL_STOP, CTL_RESULTS, CTL_BYE,
};

enum { CTL_MODE_FWD = 1, CTL_MODE_REV = 2, CTL_MODE_BIDIR = 3 };

struct ctl_msg {
	enum ctl_type type;
	uint32_t version;
	char boot_id[40];
	/* HELLO reply: the server's limits (0 = none) */
	double max_rate, max_duration;
	uint32_t max_flows;
	/* TEST */
	uint32_t mode, flows, size, nsock, threads;
	double rate, duration; /* rate 0 = max; duration 0 = count only */
	uint64_t count;
	/* TEST (reverse: the client's receive ports) and OK (the server's receive ports) */
	uint32_t nports;
	uint16_t ports[CTL_MAX_PORTS];
	uint32_t test_id;
	/* ERROR */
	char error[256];
	/* INTERVAL: receiver totals so far */
	double t;
	uint64_t rx, bytes, missing;
	/* DONE / STOP: datagrams sent per flow (owned; ctl_msg_release frees) */
	uint32_t nsent;
	uint64_t *sent;
	double tx_seconds;
};

void ctl_msg_init(struct ctl_msg *m, enum ctl_type type);
void ctl_msg_release(struct ctl_msg *m);

/* Frame: returns 1 when buf holds a whole frame (*body_len bytes at buf + 4), 0 when more
 * bytes are needed, -EMSGSIZE when the announced length exceeds max, -EINVAL when it is 0. */
int ctl_frame_parse(const void *buf, size_t len, size_t max, size_t *body_len);
/* Decode a message body (not NUL-terminated). 0, -EINVAL (not JSON, bad field type or
 * range), -EPROTO (unknown type). On error m holds nothing to release. */
int ctl_msg_parse(const char *body, size_t len, struct ctl_msg *m);
/* Encode a message as a whole frame (length prefix included) appended to sb. */
void ctl_msg_encode(const struct ctl_msg *m, struct strbuf *sb);

/* RESULTS: encode one direction's result; parse it back (0, -EINVAL). */
void ctl_results_encode(const struct dir_result *d, struct strbuf *sb);
int ctl_results_parse(const char *body, size_t len, struct dir_result *d);

/* A connection's receive side: buffered, frame-limited, with a slowloris guard. */
struct ctl_conn {
	int fd;
	size_t max;
	struct strbuf in;
	size_t consumed;      /* bytes of `in` already handed out */
	double partial_since; /* monotonic time the pending partial frame started, or 0 */
};
void ctl_conn_init(struct ctl_conn *c, int fd, size_t max);
void ctl_conn_release(struct ctl_conn *c);
/* Wait up to timeout_ms for a frame. 1: body and len point at it (valid until the next call);
 * 0: timeout; -EMSGSIZE: oversized announcement; -ETIMEDOUT: a frame stayed incomplete for
 * CTL_FRAME_TIMEOUT_MS; -ECONNRESET: the peer closed; other -errno from the socket. */
int ctl_recv_frame(struct ctl_conn *c, int timeout_ms, const char **body, size_t *len);
/* Send a whole buffer (blocking, MSG_NOSIGNAL); 0 or -errno. */
int ctl_send_all(int fd, const void *buf, size_t len);
int ctl_send_msg(int fd, const struct ctl_msg *m);

/* This host's boot id (same id = same kernel = shared CLOCK_MONOTONIC). */
void ctl_boot_id(char *buf, size_t n);

#endif
