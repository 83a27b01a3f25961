/* client.c: bench_run(), the client side of one trial (see bench.h), in phases: plan,
 * handshake (connect, route, HELLO), open (sockets, TEST/OK), start (START, senders), wait
 * (intervals until done or interrupted), collect (STOP, DONE, RESULTS), report (rates and
 * the sender-limited verdict). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include "../core/util.h"
#include "bench.h"
#include "dgram.h"
#include "engine.h"
#include "raw.h"

#define CONNECT_MS 5000
#define REPLY_MS 10000

void bench_opts_init(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->port = BENCH_DEFAULT_PORT;
	o->mode = CTL_MODE_FWD;
	o->rate = 10000;
	o->size = 64;
	o->flows = 1;
	o->threads = 1;
	o->duration = 10;
}

void bench_result_release(struct bench_result *r)
{
	dir_result_release(&r->fwd);
	dir_result_release(&r->rev);
}

static int fail(struct bench_result *r, int err, const char *fmt, ...) PRINTF_LIKE(3, 4);
static int fail(struct bench_result *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	return err;
}

int bench_host_parse(const char *arg, char *host, size_t n, const char **why)
{
	const char *close_br;
	size_t len;

	*why = NULL;
	if (!arg || !arg[0]) {
		*why = "empty HOST";
		return -EINVAL;
	}
	if (arg[0] != '[') {
		const char *colon = strchr(arg, ':');

		/* one colon: "host:port", which is not an IPv6 address */
		if (colon && !strchr(colon + 1, ':')) {
			*why = "a port does not go in HOST: give it with --port";
			return -EINVAL;
		}
		if (strlen(arg) >= n) {
			*why = "HOST too long";
			return -EINVAL;
		}
		snprintf(host, n, "%s", arg);
		return 0;
	}
	close_br = strchr(arg, ']');
	if (!close_br) {
		*why = "unclosed '[': write an IPv6 address as [fd00::2] or fd00::2";
		return -EINVAL;
	}
	if (close_br[1]) {
		*why = close_br[1] == ':' ? "a port does not go in HOST: give it with --port" :
			"unexpected text after ']'";
		return -EINVAL;
	}
	len = (size_t)(close_br - arg - 1);
	if (!len || len >= n || !memchr(arg + 1, ':', len)) {
		*why = "brackets hold an IPv6 address: [fd00::2]";
		return -EINVAL;
	}
	memcpy(host, arg + 1, len);
	host[len] = 0;
	return 0;
}

static void set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

static int connect_ctl(const struct bench_opts *o, struct bench_result *r,
		       struct sockaddr_storage *sa, socklen_t *salen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = o->family,
				  .ai_flags = AI_NUMERICSERV }, *ai, *p;
	char port[8], host[256];
	const char *why;
	int fd = -1, e = 0, g;

	if (bench_host_parse(o->host, host, sizeof(host), &why))
		return fail(r, -EINVAL, "invalid HOST '%s': %s", o->host ? o->host : "", why);
	snprintf(port, sizeof(port), "%u", o->port ? o->port : BENCH_DEFAULT_PORT);
	g = getaddrinfo(host, port, &hints, &ai);
	if (g)
		return fail(r, -EHOSTUNREACH, "cannot resolve '%s': %s", o->host, gai_strerror(g));
	for (p = ai; p; p = p->ai_next) {
		struct pollfd pfd;
		socklen_t el = sizeof(e);

		fd = socket(p->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, p->ai_addr, p->ai_addrlen) && errno != EINPROGRESS) {
			e = errno;
			close(fd);
			fd = -1;
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, CONNECT_MS) != 1) {
			e = ETIMEDOUT;
			close(fd);
			fd = -1;
			continue;
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
		if (e) {
			close(fd);
			fd = -1;
			continue;
		}
		memcpy(sa, p->ai_addr, p->ai_addrlen);
		*salen = p->ai_addrlen;
		break;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return fail(r, -(e ? e : EHOSTUNREACH), "cannot connect to %s port %s: %s (is "
			    "'dptune serve' running there?)", o->host, port, strerror(e ? e : EHOSTUNREACH));
	{
		int fl = fcntl(fd, F_GETFL), one = 1;
		struct timeval tv = { .tv_sec = 5 };

		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	return fd;
}

static bool cancelled(const struct bench_opts *o)
{
	return o->cancel && *o->cancel;
}

/* Wait up to timeout_ms for a frame, in slices so that a cancel is seen within 100 ms
 * (-EINTR) when `cancellable`. Else as ctl_recv_frame(), with -ETIMEDOUT for a timeout. */
static int recv_frame(const struct bench_opts *o, struct ctl_conn *cc, int timeout_ms,
		      bool cancellable, const char **body, size_t *len)
{
	int waited = 0, r;

	for (;;) {
		int slice = timeout_ms - waited < 100 ? timeout_ms - waited : 100;

		if (cancellable && cancelled(o))
			return -EINTR;
		r = ctl_recv_frame(cc, slice, body, len);
		if (r)
			return r;
		waited += slice;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
	}
}

/* Wait for a message: 1, or -errno as recv_frame(), or the parser's error. */
static int recv_msg(const struct bench_opts *o, struct ctl_conn *cc, int timeout_ms,
		    bool cancellable, struct ctl_msg *m)
{
	const char *body;
	size_t len;
	int r = recv_frame(o, cc, timeout_ms, cancellable, &body, &len);

	if (r <= 0)
		return r;
	r = ctl_msg_parse(body, len, m);
	return r ? r : 1;
}

/* The bytes a peer sent, printable: "HTTP/1.0 200 OK\r\n". */
static void escape_bytes(const unsigned char *b, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < outlen; i++) {
		unsigned char c = b[i];

		if (c == '\r' || c == '\n' || c == '\t')
			o += (size_t)snprintf(out + o, outlen - o, "\\%c",
					      c == '\r' ? 'r' : c == '\n' ? 'n' : 't');
		else if (c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	out[o < outlen ? o : outlen - 1] = 0;
}

/* Whether the first n bytes a server sent can begin the protocol's greeting: a frame
 * (4-byte big-endian length, at most CTL_MAX_RESULTS) whose body is a JSON object. */
static bool greeting_prefix_ok(const unsigned char *b, size_t n)
{
	uint32_t len;

	if (n >= 1 && b[0] != 0) /* 16 MiB or more: no frame of ours */
		return false;
	if (n < 4)
		return true;
	len = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	if (!len || len > CTL_MAX_RESULTS)
		return false;
	return n < 5 || b[4] == '{';
}

/* Wait until the server's first bytes arrive and check that they can begin a greeting,
 * without consuming them: a server of another protocol (HTTP, SSH) is named at once rather
 * than after the reply timeout. 0, -EPROTO (r->error quotes what was received),
 * -ECONNRESET, -EINTR (cancelled) or -ETIMEDOUT. */
static int await_greeting(const struct bench_opts *o, int fd, const char *port,
			  struct bench_result *r)
{
	double deadline = now_mono() + REPLY_MS / 1000.0;
	unsigned char b[48];
	char shown[200];
	ssize_t n = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int p;

		if (cancelled(o))
			return fail(r, -EINTR, "interrupted before the test started");
		if (now_mono() > deadline)
			return fail(r, -ETIMEDOUT, "no greeting from %s port %s within %d s: is "
				    "it a 'dptune serve' (and not overloaded)?", o->host, port,
				    REPLY_MS / 1000);
		p = poll(&pfd, 1, 100);
		if (p < 0 && errno != EINTR)
			return fail(r, -errno, "control connection to %s port %s: %s", o->host,
				    port, strerror(errno));
		if (p <= 0)
			continue;
		n = recv(fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);
		if (n == 0)
			return fail(r, -ECONNRESET, "%s port %s closed the connection without a "
				    "greeting: is it a 'dptune serve'?", o->host, port);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return fail(r, -errno, "control connection to %s port %s: %s", o->host,
				    port, strerror(errno));
		}
		if (!greeting_prefix_ok(b, (size_t)n))
			break;
		if (n >= 5)
			return 0;
		usleep(10000); /* a valid beginning: wait for the rest */
	}
	escape_bytes(b, (size_t)n, shown, sizeof(shown));
	return fail(r, -EPROTO, "%s port %s is not a dptune server: it sent \"%s%s\" where "
		    "'dptune serve' sends its greeting (a length-prefixed JSON hello)", o->host,
		    port, shown, n == (ssize_t)sizeof(b) ? "..." : "");
}

static void addr_text(const struct sockaddr_storage *a, char *buf, size_t n)
{
	if (!inet_ntop(a->ss_family, a->ss_family == AF_INET ?
		       (const void *)&((const struct sockaddr_in *)a)->sin_addr :
		       (const void *)&((const struct sockaddr_in6 *)a)->sin6_addr, buf, (socklen_t)n))
		snprintf(buf, n, "?");
}

/* The route to the server (dst) and the connection's own address (src). */
static void bench_path_read(const struct sockaddr_storage *dst, const struct sockaddr_storage *src,
			    struct bench_path *p)
{
	struct raw_path rp;

	memset(p, 0, sizeof(*p));
	addr_text(dst, p->dst, sizeof(p->dst));
	addr_text(src, p->src, sizeof(p->src));
	if (raw_route(dst, &rp, p->error, sizeof(p->error)))
		return;
	snprintf(p->dev, sizeof(p->dev), "%s", rp.ifname);
	if (rp.have_gw)
		addr_text(&rp.nexthop, p->gateway, sizeof(p->gateway));
	p->known = true;
}

/* Raise the open-file limit for thousands of flows; best effort. */
static void raise_nofile(unsigned need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < need + 64) {
		rl.rlim_cur = rl.rlim_max < need + 64 ? rl.rlim_max : need + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* One trial's state, shared by its phases (bench_run). */
struct run {
	const struct bench_opts *o;
	struct bench_result *r;
	struct ctl_conn cc;
	int fd;
	/* handshake */
	struct sockaddr_storage sa, la; /* the server's and our control addresses */
	socklen_t salen, lalen;
	double limit;		/* the server's --max-duration (0 none) */
	/* open */
	uint32_t nsock, nports;
	unsigned threads;
	struct ctl_msg ok;	/* the server's OK: test id, its receive ports */
	int *txfd, ntx;
	int rxfd[CTL_MAX_PORTS], nrx;
	struct sockaddr_storage dst[CTL_MAX_PORTS];
	struct raw_path path;	/* --raw: the route, device, next hop */
	/* start, run, collect */
	struct tx_engine tx;
	struct rx_engine rx;
	bool tx_on, rx_on, done_seen;
	struct ctl_msg done;	/* the server's DONE (reverse: what it sent) */
	double t_fin;
	/* last interval figures */
	uint64_t srv_rx, srv_missing, last_sent, last_srv_rx, last_srv_missing;
	uint64_t last_rx, last_missing, last_rev_sent;
	double t0, last_iv;
};

static void emit_intervals(struct run *u, double now)
{
	const struct bench_opts *o = u->o;
	struct bench_interval iv;

	if (!o->on_interval)
		return;
	if (u->tx_on) {
		memset(&iv, 0, sizeof(iv));
		iv.t0 = u->last_iv - u->t0;
		iv.t1 = now - u->t0;
		iv.sent = tx_sent(&u->tx);
		iv.d_sent = iv.sent - u->last_sent;
		iv.have_sent = true;
		iv.rx = u->srv_rx;
		iv.d_rx = u->srv_rx - u->last_srv_rx;
		iv.missing = u->srv_missing;
		iv.d_missing = u->srv_missing >= u->last_srv_missing ?
			       u->srv_missing - u->last_srv_missing : 0;
		iv.have_rx = u->srv_rx || u->last_srv_rx || iv.t1 > 1.5;
		u->last_sent = iv.sent;
		u->last_srv_rx = u->srv_rx;
		u->last_srv_missing = u->srv_missing;
		o->on_interval(&iv, o->arg);
	}
	if (u->rx_on) {
		memset(&iv, 0, sizeof(iv));
		iv.reverse = true;
		iv.t0 = u->last_iv - u->t0;
		iv.t1 = now - u->t0;
		rx_totals(&u->rx, &iv.rx, NULL, &iv.missing, NULL);
		iv.d_rx = iv.rx - u->last_rx;
		iv.d_missing = iv.missing >= u->last_missing ? iv.missing - u->last_missing : 0;
		iv.have_rx = true;
		u->last_rx = iv.rx;
		u->last_missing = iv.missing;
		o->on_interval(&iv, o->arg);
	}
	u->last_iv = now;
}

static int lost_ctl(struct run *u)
{
	return fail(u->r, -EPIPE, "lost the control connection to %s", u->o->host);
}

/* Check the options, size the test: sockets, ports, threads. */
static int bench_plan(struct run *u)
{
	const struct bench_opts *o = u->o;
	struct bench_result *r = u->r;

	if (o->raw && !(o->mode & CTL_MODE_FWD))
		return fail(r, -EINVAL, "--raw sends from this host: use it with forward or "
			    "bidirectional tests");
	if (!o->host || !o->flows || o->flows > CTL_MAX_FLOWS || o->size < DGRAM_HDR_LEN ||
	    o->size > DGRAM_MAX_PAYLOAD || (!o->count && o->duration <= 0) ||
	    o->mode < CTL_MODE_FWD || o->mode > CTL_MODE_BIDIR)
		return fail(r, -EINVAL, "invalid options");
	u->nsock = o->flows < BENCH_MAX_SOCK ? o->flows : BENCH_MAX_SOCK;
	u->nports = (o->flows + u->nsock - 1) / u->nsock;
	u->threads = o->threads ? o->threads : 1;
	if (u->threads > u->nsock)
		u->threads = u->nsock;
	r->nsock = u->nsock;
	r->nports = u->nports;
	r->threads = u->threads;
	raise_nofile(u->nsock + u->nports + 16);
	return 0;
}

/* Handshake: connect, read the route, HELLO both ways (shared clock, server limits). */
static int bench_handshake(struct run *u)
{
	const struct bench_opts *o = u->o;
	struct bench_result *r = u->r;
	struct ctl_msg m;
	char boot[40], port[8];
	int rc;

	u->salen = sizeof(u->sa);
	u->lalen = sizeof(u->la);
	u->fd = connect_ctl(o, r, &u->sa, &u->salen);
	if (u->fd < 0)
		return u->fd;
	ctl_conn_init(&u->cc, u->fd, CTL_MAX_RESULTS);
	r->ipv6 = u->sa.ss_family == AF_INET6;
	addr_text(&u->sa, r->server, sizeof(r->server));
	getsockname(u->fd, (struct sockaddr *)&u->la, &u->lalen);
	bench_path_read(&u->sa, &u->la, &r->path);
	if (o->on_connected)
		o->on_connected(r, o->arg);

	ctl_msg_init(&m, CTL_HELLO);
	ctl_boot_id(boot, sizeof(boot));
	snprintf(m.boot_id, sizeof(m.boot_id), "%s", boot);
	if (ctl_send_msg(u->fd, &m))
		return lost_ctl(u);
	snprintf(port, sizeof(port), "%u", o->port ? o->port : BENCH_DEFAULT_PORT);
	if ((rc = await_greeting(o, u->fd, port, r)))
		return rc;
	rc = recv_msg(o, &u->cc, REPLY_MS, true, &m);
	if (rc == -EINTR)
		return fail(r, -EINTR, "interrupted before the test started");
	if (rc != 1 || m.type != CTL_HELLO) {
		rc = fail(r, -EPROTO, "%s did not answer as a dptune server (%s)", o->host,
			  rc == 1 && m.type == CTL_ERROR ? m.error : rc < 0 ? strerror(-rc) :
			  "bad reply");
		ctl_msg_release(&m);
		return rc;
	}
	r->clock_shared = !strcmp(m.boot_id, boot) && strcmp(boot, "unknown");
	u->limit = m.max_duration;
	ctl_msg_release(&m);
	return 0;
}

/* Reverse: our receive sockets, whose ports go in the TEST request. */
static int open_rx_sockets(struct run *u)
{
	struct sockaddr_storage a = u->la;

	set_port(&a, 0);
	for (u->nrx = 0; u->nrx < (int)u->nports; u->nrx++) {
		u->rxfd[u->nrx] = engine_udp_socket(&a, u->lalen, true);
		if (u->rxfd[u->nrx] < 0)
			return fail(u->r, u->rxfd[u->nrx], "cannot open a receive socket: %s",
				    strerror(-u->rxfd[u->nrx]));
	}
	return 0;
}

/* Forward: the send sockets (from --src addresses, if given) and the server's ports. */
static int open_tx_sockets(struct run *u)
{
	const struct bench_opts *o = u->o;
	int family = u->sa.ss_family, rc;

	u->txfd = xcalloc(u->nsock, sizeof(int));
	for (u->ntx = 0; u->ntx < (int)u->nsock; u->ntx++) {
		struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM,
					  .ai_flags = AI_NUMERICHOST }, *ai;
		struct sockaddr_storage b;
		socklen_t bl;
		int i = u->ntx;

		memset(&b, 0, sizeof(b));
		b.ss_family = (sa_family_t)family;
		bl = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
		if (o->nsrc) {
			const char *src = o->src[i % o->nsrc];

			if (getaddrinfo(src, NULL, &hints, &ai))
				return fail(u->r, -EINVAL, "source address '%s' is not a %s address",
					    src, family == AF_INET ? "IPv4" : "IPv6");
			memcpy(&b, ai->ai_addr, ai->ai_addrlen);
			bl = ai->ai_addrlen;
			freeaddrinfo(ai);
		}
		rc = engine_udp_socket(&b, bl, false);
		if (rc < 0)
			return fail(u->r, rc, "cannot open send socket %d: %s", i, strerror(-rc));
		u->txfd[i] = rc;
	}
	for (uint32_t i = 0; i < u->nports; i++) {
		u->dst[i] = u->sa;
		set_port(&u->dst[i], u->ok.ports[i]);
	}
	return 0;
}

/* --raw: the route, egress device and next hop the datagrams are written for. */
static int open_raw_path(struct run *u)
{
	struct bench_result *r = u->r;
	struct raw_path *p = &u->path;
	char err[200];
	int rc;

	if ((rc = raw_resolve(&u->sa, p, err, sizeof(err))))
		return fail(r, rc, "--raw: %s", err);
	r->raw = true;
	snprintf(r->raw_dev, sizeof(r->raw_dev), "%s", p->ifname);
	addr_text(&p->nexthop, r->raw_nexthop, sizeof(r->raw_nexthop));
	if (p->halen == 6)
		snprintf(r->raw_lladdr, sizeof(r->raw_lladdr), "%02x:%02x:%02x:%02x:%02x:%02x",
			 p->lladdr[0], p->lladdr[1], p->lladdr[2], p->lladdr[3], p->lladdr[4],
			 p->lladdr[5]);
	else
		snprintf(r->raw_lladdr, sizeof(r->raw_lladdr), "none");
	return 0;
}

/* Open: the sockets of each direction, the TEST request and the server's OK, the
 * receiver (reverse) started so that nothing the server sends is missed. */
static int bench_open(struct run *u)
{
	const struct bench_opts *o = u->o;
	struct bench_result *r = u->r;
	struct ctl_msg m;
	int rc;

	if ((o->mode & CTL_MODE_REV) && (rc = open_rx_sockets(u)))
		return rc;
	ctl_msg_init(&m, CTL_TEST);
	m.mode = (uint32_t)o->mode;
	m.flows = o->flows;
	m.size = o->size;
	m.nsock = u->nsock;
	m.threads = u->threads;
	m.rate = o->rate;
	m.duration = o->duration;
	m.count = o->count;
	if (o->mode & CTL_MODE_REV) {
		m.nports = u->nports;
		for (int i = 0; i < u->nrx; i++) {
			struct sockaddr_storage b;
			socklen_t bl = sizeof(b);

			getsockname(u->rxfd[i], (struct sockaddr *)&b, &bl);
			m.ports[i] = b.ss_family == AF_INET ?
				     ntohs(((struct sockaddr_in *)&b)->sin_port) :
				     ntohs(((struct sockaddr_in6 *)&b)->sin6_port);
		}
	}
	if (ctl_send_msg(u->fd, &m))
		return lost_ctl(u);
	rc = recv_msg(o, &u->cc, REPLY_MS, true, &u->ok);
	if (rc == -EINTR)
		return fail(r, -EINTR, "interrupted before the test started");
	if (rc != 1 || u->ok.type != CTL_OK)
		return fail(r, -EPERM, "the server refused the test: %s",
			    rc == 1 && u->ok.type == CTL_ERROR ? u->ok.error :
			    rc < 0 ? strerror(-rc) : "unexpected reply");
	r->test_id = u->ok.test_id;
	if ((o->mode & CTL_MODE_FWD) && u->ok.nports != u->nports)
		return fail(r, -EPROTO, "the server opened %u data ports, expected %u",
			    u->ok.nports, u->nports);
	if (o->mode & CTL_MODE_REV) {
		struct rx_cfg c = { .nsock = u->nrx, .fds = u->rxfd, .nflows = o->flows,
				    .peer_nsock = u->nsock, .test_id = u->ok.test_id,
				    .threads = u->threads, .latency_valid = r->clock_shared,
				    .cpus = o->cpus, .ncpus = o->ncpus };

		if ((rc = rx_start(&u->rx, &c)))
			return fail(r, rc, "cannot start the receiver: %s", strerror(-rc));
		u->rx_on = true;
	}
	if (o->mode & CTL_MODE_FWD) {
		if ((rc = open_tx_sockets(u)))
			return rc;
		if (o->raw && (rc = open_raw_path(u)))
			return rc;
	}
	return 0;
}

/* Start: START to the server, then our senders. */
static int bench_start(struct run *u)
{
	const struct bench_opts *o = u->o;
	struct bench_result *r = u->r;
	struct ctl_msg m;
	int rc;

	ctl_msg_init(&m, CTL_START);
	if (ctl_send_msg(u->fd, &m))
		return lost_ctl(u);
	u->t0 = u->last_iv = now_mono();
	if (!(o->mode & CTL_MODE_FWD))
		return 0;
	{
		struct tx_cfg c = { .nsock = u->ntx, .fds = u->txfd, .ndst = u->nports,
				    .dst = u->dst, .dstlen = u->salen, .nflows = o->flows,
				    .test_id = u->ok.test_id, .size = o->size, .rate = o->rate,
				    .count = o->count, .duration = o->duration,
				    .threads = u->threads, .cpus = o->cpus, .ncpus = o->ncpus,
				    .raw = o->raw, .sched_fifo = o->sched_fifo };

		if (o->raw) {
			raw_dest(&u->path, u->sa.ss_family, &c.raw_to);
			c.raw_src = u->path.have_src ? u->path.src : u->la;
			c.raw_linklen = raw_link_header(&u->path, u->sa.ss_family, c.raw_link);
		}
		if ((rc = tx_start(&u->tx, &c))) {
			if (o->raw && rc == -EPERM)
				return fail(r, rc, "--raw needs CAP_NET_RAW (run as root)");
			return fail(r, rc, "cannot start the sender: %s", strerror(-rc));
		}
	}
	u->tx_on = true;
	if (o->raw)
		r->raw_csum_partial = u->tx.tmpl[0].partial;
	return 0;
}

/* Run: until our senders are done and (reverse) the server's DONE came, an interrupt, or a
 * hard deadline; intervals follow the server's reports. */
static int bench_wait(struct run *u)
{
	const struct bench_opts *o = u->o;
	struct bench_result *r = u->r;
	struct ctl_msg m;
	double deadline;
	int rc;

	if (o->duration > 0)
		deadline = u->t0 + o->duration + 15;
	else if (o->rate > 0)
		deadline = u->t0 + (double)o->count / o->rate * 1.5 + 15;
	else
		deadline = u->t0 + (u->limit > 0 ? u->limit : 3600) + 15;
	for (;;) {
		double now = now_mono();
		bool tx_fin = !u->tx_on || tx_done(&u->tx);
		bool rev_fin = !(o->mode & CTL_MODE_REV) || u->done_seen;

		if (tx_fin && rev_fin)
			break;
		if (cancelled(o)) {
			r->interrupted = true;
			break;
		}
		if (now > deadline)
			return fail(r, -ETIMEDOUT, "the test did not finish in time");
		/* Forward lines follow the server's reports, so that sent and received cover
		 * the same second; the timer is a fallback when reports stop coming. */
		if (now - u->last_iv >= (u->tx_on ? 1.5 : 1.0))
			emit_intervals(u, now);
		rc = recv_msg(o, &u->cc, 50, false, &m);
		if (rc == -ETIMEDOUT)
			continue;
		if (rc != 1)
			return fail(r, -EPROTO, "control connection failed during the test: %s",
				    strerror(-rc));
		if (m.type == CTL_INTERVAL) {
			u->srv_rx = m.rx;
			u->srv_missing = m.missing;
			if (u->tx_on && now_mono() - u->last_iv >= 0.5)
				emit_intervals(u, now_mono());
		} else if (m.type == CTL_DONE) {
			ctl_msg_release(&u->done);
			u->done = m;
			u->done_seen = true;
			continue;
		} else if (m.type == CTL_ERROR) {
			rc = fail(r, -EPROTO, "server: %s", m.error);
			ctl_msg_release(&m);
			return rc;
		}
		ctl_msg_release(&m);
	}
	u->t_fin = now_mono();
	return 0;
}

/* Collect: STOP with what we sent; (reverse) the server's DONE and our receiver's counts;
 * the server drains and answers with RESULTS. */
static int bench_collect(struct run *u)
{
	const struct bench_opts *o = u->o;
	struct bench_result *r = u->r;
	struct ctl_msg m;
	int rc;

	ctl_msg_init(&m, CTL_STOP);
	if (u->tx_on) {
		tx_stop(&u->tx);
		r->tx_errors = tx_errors(&u->tx);
		if ((rc = tx_sched_error(&u->tx)))
			return fail(r, -rc, "cannot run the sender at SCHED_FIFO: %s (--sched fifo "
				    "needs root or CAP_SYS_NICE)", strerror(rc));
		if ((rc = tx_fatal(&u->tx)))
			return fail(r, -rc, "the sender stopped: sendmmsg failed: %s%s", strerror(rc),
				    rc == EMSGSIZE ? " (datagram larger than the path's MTU?)" : "");
		m.nsent = o->flows;
		m.sent = u->tx.seq;
		m.tx_seconds = u->tx.t_end - u->tx.t0;
		r->fwd_tx_seconds = m.tx_seconds;
		r->fwd_tx_cpu_ns = u->tx.cpu_ns;
		r->fwd_tx_late = u->tx.late_wakeups;
	}
	if (ctl_send_msg(u->fd, &m))
		return lost_ctl(u);
	/* Interrupted: the server stops sending on STOP and says how much it sent. */
	while (u->rx_on && !u->done_seen) {
		rc = recv_msg(o, &u->cc, REPLY_MS, false, &m);
		if (rc != 1)
			return fail(r, -EPROTO, "the server did not say what it sent: %s",
				    strerror(-rc));
		if (m.type == CTL_DONE) {
			u->done = m;
			u->done_seen = true;
			break;
		}
		ctl_msg_release(&m);
	}
	if (u->rx_on) {
		uint64_t expected = 0;

		for (uint32_t i = 0; i < u->done.nsent; i++)
			expected += u->done.sent[i];
		rx_stop(&u->rx, expected, 300, 3000);
		rx_result(&u->rx, u->done.sent, u->done.nsent, &r->rev);
		r->rev_tx_seconds = u->done.tx_seconds;
		r->rev.tx_seconds = u->done.tx_seconds;
	}
	for (;;) {
		const char *body;
		size_t len;

		rc = recv_frame(o, &u->cc, REPLY_MS, false, &body, &len);
		if (rc != 1)
			return fail(r, -EPROTO, "no results from the server: %s", strerror(-rc));
		if (ctl_results_parse(body, len, &r->fwd) == 0)
			return 0;
		/* A late INTERVAL or DONE: skip; anything else is an error. */
		if (ctl_msg_parse(body, len, &m) || (m.type != CTL_INTERVAL && m.type != CTL_DONE)) {
			ctl_msg_release(&m);
			return fail(r, -EPROTO, "bad results message from the server");
		}
		ctl_msg_release(&m);
	}
}

/* Report: the last, partial interval, BYE, the rates and the sender-limited verdict. */
static void bench_report(struct run *u)
{
	const struct bench_opts *o = u->o;
	struct bench_result *r = u->r;
	struct dir_result *dirs[2] = { &r->fwd, &r->rev };
	bool *lim[2] = { &r->fwd_sender_limited, &r->rev_sender_limited };
	struct ctl_msg m;

	/* once the server's totals are known: the lines then add up to the summary */
	if (u->t_fin - u->last_iv > 0.05) {
		if (u->tx_on && r->fwd.valid) {
			u->srv_rx = r->fwd.rx;
			u->srv_missing = r->fwd.lost;
		}
		emit_intervals(u, u->t_fin);
	}
	if (!(o->mode & CTL_MODE_FWD))
		dir_result_release(&r->fwd), memset(&r->fwd, 0, sizeof(r->fwd));
	else
		r->fwd.tx_seconds = r->fwd_tx_seconds;
	ctl_msg_init(&m, CTL_BYE);
	ctl_send_msg(u->fd, &m);

	for (int i = 0; i < 2; i++) {
		struct dir_result *d = dirs[i];
		double secs = d->tx_seconds;

		if (!d->valid)
			continue;
		/* n datagrams paced at rate span (n-1)/rate seconds */
		if (o->rate > 0 && d->sent > 1) {
			double want = o->count ? (double)(d->sent - 1) / o->rate : o->duration;

			d->sent_pps = secs > 0 ? (double)(d->sent - (o->count ? 1 : 0)) / secs : 0;
			if (r->interrupted) /* cut short: only the pace counts */
				*lim[i] = d->sent_pps < 0.95 * o->rate;
			else
				*lim[i] = secs > want / 0.95 + 0.002 ||
					  (o->count && d->sent < o->count) ||
					  (!o->count && d->sent_pps < 0.95 * o->rate);
		} else {
			d->sent_pps = secs > 0 ? (double)d->sent / secs : 0;
		}
		d->received_pps = secs > 0 ? (double)(d->rx - d->dup) / secs : 0;
	}
}

static void bench_release(struct run *u)
{
	if (u->tx_on)
		tx_release(&u->tx);
	if (u->rx_on)
		rx_release(&u->rx);
	for (int i = 0; i < u->ntx; i++)
		close(u->txfd[i]);
	free(u->txfd);
	for (int i = 0; i < u->nrx; i++)
		close(u->rxfd[i]);
	ctl_msg_release(&u->ok);
	ctl_msg_release(&u->done);
	if (u->fd >= 0) {
		ctl_conn_release(&u->cc);
		close(u->fd);
	}
}

int bench_run(const struct bench_opts *o, struct bench_result *r)
{
	struct run *u = xcalloc(1, sizeof(*u));
	int ret;

	memset(r, 0, sizeof(*r));
	u->o = o;
	u->r = r;
	u->fd = -1;
	ctl_msg_init(&u->ok, 0);
	ctl_msg_init(&u->done, 0);
	if (!(ret = bench_plan(u)) && !(ret = bench_handshake(u)) && !(ret = bench_open(u)) &&
	    !(ret = bench_start(u)) && !(ret = bench_wait(u)) && !(ret = bench_collect(u)))
		bench_report(u);
	bench_release(u);
	free(u);
	return ret;
}
