/* server.c: `dptune serve`'s engine: a listener thread and one thread per client that runs
 * the control state machine (ctl.h) and the test's data path (engine.h). Everything a peer
 * sends is checked; a bad message is counted and ends that client's session only. */
#include <errno.h>
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
#include <sys/random.h>
#include <sys/socket.h>
#include "../core/util.h"
#include "ctl.h"
#include "dgram.h"
#include "engine.h"
#include "serve.h"

#define HANDSHAKE_MS 10000
#define SLICE_MS 100

struct client {
	struct server *srv;
	int fd;
	pthread_t tid;
	struct client *next;
	int finished; /* atomic: the thread is about to exit */
	char peer[80];
};

struct server {
	struct serve_opts o;
	int lfd;
	uint16_t port;
	struct sockaddr_storage addr; /* the control socket's */
	pthread_t tid;
	int stop; /* atomic */
	pthread_mutex_t lock;
	struct client *clients;
	unsigned nclients;
	struct serve_stats st;
	uint16_t next_port; /* data port allocation cursor */
};

void serve_opts_init(struct serve_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->port = 5301;
	o->max_duration = 60;
	o->max_flows = 4096;
	o->max_clients = 16;
	o->threads = 1;
}

static void stat_add(struct server *s, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&s->lock);
	*field += n;
	pthread_mutex_unlock(&s->lock);
}

void serve_get_stats(struct server *s, struct serve_stats *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->st;
	pthread_mutex_unlock(&s->lock);
}

uint16_t serve_port(const struct server *s)
{
	return s->port;
}

void serve_addr(const struct server *s, char *buf, size_t n)
{
	const void *a = s->addr.ss_family == AF_INET ?
		(const void *)&((const struct sockaddr_in *)&s->addr)->sin_addr :
		(const void *)&((const struct sockaddr_in6 *)&s->addr)->sin6_addr;

	if (!inet_ntop(s->addr.ss_family, a, buf, (socklen_t)n))
		snprintf(buf, n, "?");
}

int serve_rcvbuf_probe(struct serve_rcvbuf *rb)
{
	int fd, v = 0;
	socklen_t sl = sizeof(v);
	FILE *f;

	memset(rb, 0, sizeof(*rb));
	rb->asked = engine_rcvbuf_bytes > 0 ? engine_rcvbuf_bytes : ENGINE_RCVBUF_DEFAULT;
	rb->rmem_max = -1;
	f = fopen("/proc/sys/net/core/rmem_max", "re");
	if (f) {
		if (fscanf(f, "%ld", &rb->rmem_max) != 1)
			rb->rmem_max = -1;
		fclose(f);
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && errno == EAFNOSUPPORT)
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* as engine_udp_socket() does for receive sockets */
	v = (int)rb->asked;
	if (engine_rcvbuf_bytes <= 0 && !setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)))
		rb->forced = true;
	else
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	v = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &sl)) {
		int e = -errno;

		close(fd);
		return e;
	}
	close(fd);
	rb->obtained = v / 2;
	rb->clamped = rb->obtained < rb->asked;
	return 0;
}

static bool stopping(struct server *s)
{
	return __atomic_load_n(&s->stop, __ATOMIC_RELAXED);
}

static void fmt_peer(const struct sockaddr_storage *a, char *buf, size_t n)
{
	char host[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;

	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)a;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		snprintf(buf, n, "%s:%u", host, port);
	} else {
		const struct sockaddr_in6 *s6 = (const void *)a;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		snprintf(buf, n, "[%s]:%u", host, port);
	}
}

static void set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

static uint16_t get_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
}

/* Wait for one message, in slices so a stopping server is noticed. 1, 0 timeout, -errno. */
static int srv_recv(struct client *c, struct ctl_conn *cc, int timeout_ms, struct ctl_msg *m)
{
	const char *body;
	size_t len;
	int r, waited = 0;

	for (;;) {
		int slice = timeout_ms - waited < SLICE_MS ? timeout_ms - waited : SLICE_MS;

		if (stopping(c->srv))
			return -ECANCELED;
		r = ctl_recv_frame(cc, slice, &body, &len);
		if (r < 0)
			return r;
		if (r == 1)
			break;
		waited += slice;
		if (waited >= timeout_ms)
			return 0;
	}
	r = ctl_msg_parse(body, len, m);
	return r ? r : 1;
}

static void send_error(int fd, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void send_error(int fd, const char *fmt, ...)
{
	struct ctl_msg m;
	va_list ap;

	ctl_msg_init(&m, CTL_ERROR);
	va_start(ap, fmt);
	vsnprintf(m.error, sizeof(m.error), fmt, ap);
	va_end(ap);
	ctl_send_msg(fd, &m);
}

/* Check a TEST request against the server's limits; NULL or the reason. */
static const char *validate(const struct serve_opts *o, const struct ctl_msg *t)
{
	double dur;

	if (t->mode < CTL_MODE_FWD || t->mode > CTL_MODE_BIDIR)
		return "mode must be forward, reverse or bidir";
	if (!t->flows || t->flows > CTL_MAX_FLOWS || (o->max_flows && t->flows > o->max_flows))
		return "flows over the server's --max-flows";
	if (!t->nsock || t->nsock > t->flows)
		return "nsock must be in 1..flows";
	if (t->size < DGRAM_HDR_LEN || t->size > DGRAM_MAX_PAYLOAD)
		return "size out of range";
	if (o->max_rate > 0 && (t->rate <= 0 || t->rate > o->max_rate))
		return "rate over the server's --max-rate";
	if (!t->count && t->duration <= 0)
		return "a test needs a duration or a count";
	dur = t->duration > 0 ? t->duration : (t->rate > 0 ? (double)t->count / t->rate : 0);
	if (o->max_duration > 0 && dur > o->max_duration)
		return "duration over the server's --max-duration";
	if ((t->mode & CTL_MODE_REV) && !t->nports)
		return "reverse needs the client's receive ports";
	if ((t->mode & CTL_MODE_REV) && t->threads > ENGINE_MAX_THREADS)
		return "too many threads";
	return NULL;
}

/* Open n receive sockets on local address la, ports from the server's cursor upward. */
static int open_rx_ports(struct server *s, const struct sockaddr_storage *la, socklen_t len,
			 int *fds, uint16_t *ports, unsigned n)
{
	struct sockaddr_storage a = *la;
	unsigned got = 0, tries = 0;

	pthread_mutex_lock(&s->lock);
	while (got < n && tries < 4000) {
		uint16_t p = s->next_port;
		int fd;

		s->next_port = p >= 65000 ? (uint16_t)(s->port + 1) : (uint16_t)(p + 1);
		tries++;
		set_port(&a, p);
		fd = engine_udp_socket(&a, len, true);
		if (fd < 0)
			continue;
		fds[got] = fd;
		ports[got++] = p;
	}
	pthread_mutex_unlock(&s->lock);
	if (got < n) {
		while (got)
			close(fds[--got]);
		return -EADDRINUSE;
	}
	return 0;
}

static void report(struct client *c, uint32_t id, int mode, const struct dir_result *d,
		   const char *err)
{
	struct server *s = c->srv;

	if (!s->o.on_test)
		return;
	pthread_mutex_lock(&s->lock);
	s->o.on_test(c->peer, id, mode, d, err, s->o.arg);
	pthread_mutex_unlock(&s->lock);
}

/* One client's session: its state, shared by its phases (session()). */
struct sess {
	struct client *c;
	struct server *s;
	struct ctl_conn *cc;
	bool *bad;		/* the peer broke the protocol (counted as ctl_rejected) */
	struct sockaddr_storage la, pa; /* our and the peer's control addresses */
	socklen_t lalen, palen;
	bool shared;		/* same boot id: one-way latency is valid */
	struct ctl_msg t, stop;	/* the TEST request; the client's STOP */
	uint32_t id;
	int rxfd[CTL_MAX_PORTS], *txfd, ntx;
	unsigned nrx;
	struct sockaddr_storage dst[CTL_MAX_PORTS];
	struct rx_engine rx;
	struct tx_engine tx;
	bool rx_on, tx_on, done_sent;
	struct dir_result d;	/* what we measured (forward) */
};

/* Whether a failed receive was the peer breaking the protocol, not leaving or stopping. */
static bool peer_bad(int r, const struct ctl_msg *m)
{
	return r != -ECONNRESET && r != -ECANCELED && !(r == 1 && m->type == CTL_BYE);
}

/* Handshake: the client's HELLO, ours back with the server's limits. */
static const char *sess_handshake(struct sess *x)
{
	struct ctl_msg m;
	char boot[40];
	int r;

	if (getsockname(x->c->fd, (struct sockaddr *)&x->la, &x->lalen) ||
	    getpeername(x->c->fd, (struct sockaddr *)&x->pa, &x->palen))
		return "cannot read the connection's addresses";
	ctl_msg_init(&m, 0); /* released below even when nothing was received */
	r = srv_recv(x->c, x->cc, HANDSHAKE_MS, &m);
	if (r <= 0 || m.type != CTL_HELLO || m.version != CTL_VERSION) {
		if (r == 1 && m.type == CTL_HELLO)
			send_error(x->c->fd, "protocol version %u not supported (this server: %d)",
				   m.version, CTL_VERSION);
		ctl_msg_release(&m);
		*x->bad = r != -ECONNRESET && r != -ECANCELED;
		return "bad or missing hello";
	}
	ctl_boot_id(boot, sizeof(boot));
	x->shared = m.boot_id[0] && !strcmp(m.boot_id, boot) && strcmp(boot, "unknown");
	ctl_msg_release(&m);
	ctl_msg_init(&m, CTL_HELLO);
	snprintf(m.boot_id, sizeof(m.boot_id), "%s", boot);
	m.max_rate = x->s->o.max_rate;
	m.max_duration = x->s->o.max_duration;
	m.max_flows = x->s->o.max_flows;
	if (ctl_send_msg(x->c->fd, &m))
		return "send failed";
	return NULL;
}

/* Open: the TEST request checked against the limits, (forward) our receive ports and
 * receiver started, and the OK with the test id and those ports. */
static const char *sess_open(struct sess *x)
{
	struct server *s = x->s;
	struct ctl_msg m;
	uint16_t ports[CTL_MAX_PORTS];
	const char *err;
	int r;

	r = srv_recv(x->c, x->cc, HANDSHAKE_MS, &x->t);
	if (r <= 0 || x->t.type != CTL_TEST) {
		*x->bad = peer_bad(r, &x->t);
		return "bad or missing test request";
	}
	if ((err = validate(&s->o, &x->t))) {
		send_error(x->c->fd, "%s", err);
		return err;
	}
	if (getrandom(&x->id, sizeof(x->id), 0) != sizeof(x->id))
		x->id = (uint32_t)(now_mono() * 1e6);
	ctl_msg_init(&m, CTL_OK);
	m.test_id = x->id;
	m.mode = x->t.mode;
	m.flows = x->t.flows;
	if (x->t.mode & CTL_MODE_FWD) {
		struct rx_cfg rc = { 0 };
		unsigned n = (x->t.flows + x->t.nsock - 1) / x->t.nsock;

		if (n > CTL_MAX_PORTS)
			n = CTL_MAX_PORTS;
		if (open_rx_ports(s, &x->la, x->lalen, x->rxfd, ports, n)) {
			send_error(x->c->fd, "no free data ports");
			return "no free data ports";
		}
		x->nrx = n;
		rc.nsock = (int)n;
		rc.fds = x->rxfd;
		rc.nflows = x->t.flows;
		rc.peer_nsock = x->t.nsock;
		rc.test_id = x->id;
		rc.threads = s->o.threads;
		rc.latency_valid = x->shared;
		rc.cpus = s->o.cpus;
		rc.ncpus = s->o.ncpus;
		if (rx_start(&x->rx, &rc)) {
			send_error(x->c->fd, "cannot start receiver threads");
			return "cannot start receiver threads";
		}
		x->rx_on = true;
		m.nports = n;
		memcpy(m.ports, ports, n * sizeof(ports[0]));
	}
	if (ctl_send_msg(x->c->fd, &m))
		return "send failed";
	return NULL;
}

/* Start: the client's START, then (reverse) our send sockets and senders. */
static const char *sess_start(struct sess *x)
{
	struct server *s = x->s;
	const struct ctl_msg *t = &x->t;
	struct tx_cfg tc = { 0 };
	struct sockaddr_storage a = x->la;
	struct ctl_msg m;
	int r;

	ctl_msg_init(&m, 0);
	r = srv_recv(x->c, x->cc, HANDSHAKE_MS, &m);
	if (r <= 0 || m.type != CTL_START) {
		*x->bad = peer_bad(r, &m);
		ctl_msg_release(&m);
		return "bad or missing start";
	}
	ctl_msg_release(&m);
	if (!(t->mode & CTL_MODE_REV))
		return NULL;
	x->txfd = xcalloc(t->nsock, sizeof(int));
	set_port(&a, 0);
	for (x->ntx = 0; x->ntx < (int)t->nsock; x->ntx++) {
		x->txfd[x->ntx] = engine_udp_socket(&a, x->lalen, false);
		if (x->txfd[x->ntx] < 0)
			return "cannot open send sockets";
	}
	for (uint32_t i = 0; i < t->nports; i++) {
		x->dst[i] = x->pa;
		set_port(&x->dst[i], t->ports[i]);
	}
	tc.nsock = x->ntx;
	tc.fds = x->txfd;
	tc.ndst = t->nports;
	tc.dst = x->dst;
	tc.dstlen = x->palen;
	tc.nflows = t->flows;
	tc.test_id = x->id;
	tc.size = t->size;
	tc.rate = t->rate;
	tc.count = t->count;
	tc.duration = t->duration;
	tc.threads = t->threads ? t->threads : 1;
	tc.cpus = s->o.cpus;
	tc.ncpus = s->o.ncpus;
	if (tx_start(&x->tx, &tc))
		return "cannot start sender threads";
	x->tx_on = true;
	return NULL;
}

/* DONE: our senders stopped, and what each flow sent. */
static const char *sess_send_done(struct sess *x)
{
	struct ctl_msg m;

	tx_stop(&x->tx);
	ctl_msg_init(&m, CTL_DONE);
	m.nsent = x->t.flows;
	m.sent = x->tx.seq;
	m.tx_seconds = x->tx.t_end - x->tx.t0;
	if (ctl_send_msg(x->c->fd, &m))
		return "send failed";
	x->done_sent = true;
	return NULL;
}

/* Run: intervals out, DONE when our senders finish, until the client's STOP; a hard
 * deadline bounds everything. */
static const char *sess_run(struct sess *x)
{
	double t0 = now_mono(), next_iv = t0 + 1, deadline;
	const char *err;
	int r;

	deadline = t0 + 30 + (x->s->o.max_duration > 0 ? x->s->o.max_duration :
			      x->t.duration > 0 ? x->t.duration : 3600);
	for (;;) {
		double now = now_mono();

		if (now > deadline)
			return "test exceeded its time limit";
		if (x->tx_on && !x->done_sent && tx_done(&x->tx) && (err = sess_send_done(x)))
			return err;
		if (x->rx_on && now >= next_iv) {
			struct ctl_msg m;

			ctl_msg_init(&m, CTL_INTERVAL);
			m.t = now - t0;
			rx_totals(&x->rx, &m.rx, &m.bytes, &m.missing, NULL);
			if (ctl_send_msg(x->c->fd, &m))
				return "send failed";
			next_iv += 1;
		}
		r = srv_recv(x->c, x->cc, SLICE_MS, &x->stop);
		if (r == 0)
			continue;
		if (r < 0 || x->stop.type != CTL_STOP) {
			*x->bad = peer_bad(r, &x->stop);
			return "connection lost or bad message during the test";
		}
		return NULL;
	}
}

/* Collect: (reverse, stopped early) DONE; (forward) drain and count what the client says
 * it sent; RESULTS back. */
static const char *sess_collect(struct sess *x)
{
	struct strbuf sb;
	const char *err;
	int r;

	if (x->tx_on && !x->done_sent && (err = sess_send_done(x)))
		return err;
	if (x->rx_on) {
		uint64_t expected = 0;

		for (uint32_t i = 0; i < x->stop.nsent && i < x->t.flows; i++)
			expected += x->stop.sent[i];
		rx_stop(&x->rx, expected, 300, 3000);
		rx_result(&x->rx, x->stop.sent, x->stop.nsent, &x->d);
		x->d.tx_seconds = x->stop.tx_seconds;
		stat_add(x->s, &x->s->st.garbage, x->d.garbage);
	}
	sb_init(&sb);
	ctl_results_encode(&x->d, &sb);
	r = ctl_send_all(x->c->fd, sb.buf, sb.len);
	sb_release(&sb);
	return r ? "send failed" : NULL;
}

/* Report: count the test, tell the operator, wait for BYE (or the peer closing). */
static void sess_report(struct sess *x)
{
	struct ctl_msg m;

	stat_add(x->s, &x->s->st.tests, 1);
	report(x->c, x->id, (int)x->t.mode, x->rx_on ? &x->d : NULL, NULL);
	if (srv_recv(x->c, x->cc, HANDSHAKE_MS, &m) == 1)
		ctl_msg_release(&m);
}

static void sess_release(struct sess *x, const char *err)
{
	struct server *s = x->s;

	if (err && x->id) {
		stat_add(s, &s->st.tests_failed, 1);
		report(x->c, x->id, (int)x->t.mode, NULL, err);
	}
	if (x->tx_on)
		tx_release(&x->tx);
	if (x->rx_on) {
		if (!x->d.valid) { /* aborted: still count the garbage it saw */
			uint64_t g = 0;

			rx_stop(&x->rx, 0, 0, 0);
			rx_totals(&x->rx, NULL, NULL, NULL, &g);
			stat_add(s, &s->st.garbage, g);
		}
		rx_release(&x->rx);
	}
	for (int i = 0; i < x->ntx; i++)
		close(x->txfd[i]);
	free(x->txfd);
	for (unsigned i = 0; i < x->nrx; i++)
		close(x->rxfd[i]);
	dir_result_release(&x->d);
	ctl_msg_release(&x->t);
	ctl_msg_release(&x->stop);
}

/* One client's session, in the phases of bench_run (client.c). Returns an error text for
 * the log, or NULL. */
static const char *session(struct client *c, struct ctl_conn *cc, bool *bad)
{
	struct sess *x = xcalloc(1, sizeof(*x));
	const char *err;

	x->c = c;
	x->s = c->srv;
	x->cc = cc;
	x->bad = bad;
	x->lalen = sizeof(x->la);
	x->palen = sizeof(x->pa);
	ctl_msg_init(&x->t, 0);
	ctl_msg_init(&x->stop, 0);
	if ((err = sess_handshake(x))) {
		free(x);
		return err;
	}
	if (!(err = sess_open(x)) && !(err = sess_start(x)) && !(err = sess_run(x)) &&
	    !(err = sess_collect(x)))
		sess_report(x);
	sess_release(x, err);
	free(x);
	return err;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	struct ctl_conn cc;
	bool bad = false;
	const char *err;
	struct timeval tv = { .tv_sec = 5 };

	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ctl_conn_init(&cc, c->fd, CTL_MAX_FRAME);
	err = session(c, &cc, &bad);
	if (bad)
		stat_add(c->srv, &c->srv->st.ctl_rejected, 1);
	(void)err;
	ctl_conn_release(&cc);
	close(c->fd);
	c->fd = -1;
	__atomic_store_n(&c->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Join the threads of clients that have finished. */
static void reap(struct server *s, bool all)
{
	struct client **pp = &s->clients;

	for (;;) {
		struct client *c;

		pthread_mutex_lock(&s->lock);
		c = *pp;
		if (!c) {
			pthread_mutex_unlock(&s->lock);
			return;
		}
		if (!all && !__atomic_load_n(&c->finished, __ATOMIC_ACQUIRE)) {
			pp = &c->next;
			pthread_mutex_unlock(&s->lock);
			continue;
		}
		*pp = c->next;
		s->nclients--;
		pthread_mutex_unlock(&s->lock);
		pthread_join(c->tid, NULL);
		free(c);
	}
}

static void *accept_main(void *arg)
{
	struct server *s = arg;

	while (!stopping(s)) {
		struct pollfd pfd = { .fd = s->lfd, .events = POLLIN };
		struct sockaddr_storage pa;
		socklen_t plen = sizeof(pa);
		struct client *c;
		int fd, one = 1;

		reap(s, false);
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		fd = accept4(s->lfd, (struct sockaddr *)&pa, &plen, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		pthread_mutex_lock(&s->lock);
		s->st.clients++;
		if (s->nclients >= s->o.max_clients) {
			s->st.refused++;
			pthread_mutex_unlock(&s->lock);
			send_error(fd, "server busy: %u clients (--max-clients)", s->o.max_clients);
			close(fd);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->srv = s;
		c->fd = fd;
		fmt_peer(&pa, c->peer, sizeof(c->peer));
		if (pthread_create(&c->tid, NULL, client_main, c)) {
			pthread_mutex_unlock(&s->lock);
			close(fd);
			free(c);
			continue;
		}
		c->next = s->clients;
		s->clients = c;
		s->nclients++;
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

int serve_start(const struct serve_opts *o, struct server **out, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV },
			*ai = NULL;
	struct sockaddr_storage a;
	socklen_t alen = sizeof(a);
	struct server *s;
	char port[8];
	int fd = -1, one = 1, r;

	snprintf(port, sizeof(port), "%u", o->port);
	if (!o->bind)
		hints.ai_family = AF_INET6;
	r = getaddrinfo(o->bind, port, &hints, &ai);
	if (r) {
		snprintf(err, errlen, "cannot resolve '%s': %s", o->bind ? o->bind : "::",
			 gai_strerror(r));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && !o->bind && errno == EAFNOSUPPORT) { /* no IPv6: all of IPv4 */
		struct sockaddr_in *s4 = (void *)ai->ai_addr;

		memset(s4, 0, sizeof(*s4));
		s4->sin_family = AF_INET;
		s4->sin_port = htons(o->port);
		ai->ai_family = AF_INET;
		ai->ai_addrlen = sizeof(*s4);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "socket: %s", strerror(-r));
		freeaddrinfo(ai);
		return r;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6 && !o->bind) {
		int off = 0;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
		r = -errno;
		snprintf(err, errlen, "cannot listen on %s port %u: %s", o->bind ? o->bind : "::",
			 o->port, strerror(-r));
		close(fd);
		freeaddrinfo(ai);
		return r;
	}
	freeaddrinfo(ai);
	s = xcalloc(1, sizeof(*s));
	s->o = *o;
	if (!s->o.max_clients)
		s->o.max_clients = 16;
	s->lfd = fd;
	getsockname(fd, (struct sockaddr *)&a, &alen);
	s->addr = a;
	s->port = get_port(&a);
	s->next_port = (uint16_t)(s->port + 1);
	pthread_mutex_init(&s->lock, NULL);
	r = pthread_create(&s->tid, NULL, accept_main, s);
	if (r) {
		snprintf(err, errlen, "cannot start the listener thread: %s", strerror(r));
		close(fd);
		free(s);
		return -r;
	}
	*out = s;
	return 0;
}

void serve_stop(struct server *s)
{
	if (!s)
		return;
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
	pthread_join(s->tid, NULL);
	reap(s, true);
	close(s->lfd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
