/* engine.c: paced sendmmsg sender threads and recvmmsg receiver threads (see engine.h). */
#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <linux/sock_diag.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "../core/util.h"
#include "dgram.h"
#include "engine.h"
#include "raw.h"
#include "tbucket.h"

#define RCVBUF_BYTES ENGINE_RCVBUF_DEFAULT
#define SNDBUF_BYTES (4 << 20)
#define TX_WAKE_EARLY_NS 50000	  /* a paced sender's first guess of its timers' lateness */
#define TX_WAKE_EARLY_MAX_NS 100000 /* and the most it believes */
#define TX_LATE_NS 500000 /* a wake-up this late lost the CPU to another task (counted) */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pin(const int *cpus, int ncpus, unsigned i)
{
	cpu_set_t set;

	if (!ncpus)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpus[i % (unsigned)ncpus], &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int engine_rcvbuf_bytes;

int engine_udp_socket(const struct sockaddr_storage *addr, socklen_t len, bool rx)
{
	int fd, one = 1, v, r;
	struct timeval tv = { .tv_usec = 100000 };

	fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (addr->ss_family == AF_INET6) {
		int off = 0;
		/* A v4-mapped local address needs dual stack. */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	}
	if (rx && engine_rcvbuf_bytes > 0) {
		/* as an application asks: SO_RCVBUF, capped by net.core.rmem_max */
		v = engine_rcvbuf_bytes;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
		setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	} else if (rx) {
		v = RCVBUF_BYTES;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)))
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
		setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	} else {
		v = SNDBUF_BYTES;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)))
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (bind(fd, (const struct sockaddr *)addr, len)) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int engine_parse_cpus(const char *s, int *cpus, int n)
{
	static int ids[CPU_SETSIZE + 1];
	int cnt;

	/* an option, not a kernel file: a list longer than the caller can hold, or a CPU
	 * beyond CPU_SETSIZE, is an error, not silently cut */
	if (!s || !*s)
		return -EINVAL;
	cnt = cpulist_parse(s, strlen(s), ids, CPU_SETSIZE + 1);
	if (cnt <= 0 || cnt > n)
		return -EINVAL;
	for (int i = 0; i < cnt; i++) {
		if (ids[i] >= CPU_SETSIZE)
			return -EINVAL;
		cpus[i] = ids[i];
	}
	return cnt;
}

/* Start fn on each of n thread structs (`stride` bytes apart from `base`), each with its
 * pthread_t at tid_off and its `joined` flag at joined_off. When one cannot start: *stop
 * is set, those started are joined, every struct is marked joined, and -errno returned. */
static int threads_start(void *base, size_t stride, size_t tid_off, size_t joined_off,
			 unsigned n, void *(*fn)(void *), int *stop)
{
#define TH_AT(i) ((char *)base + (size_t)(i) * stride)
	for (unsigned i = 0; i < n; i++) {
		int r = pthread_create((pthread_t *)(void *)(TH_AT(i) + tid_off), NULL, fn, TH_AT(i));

		if (!r)
			continue;
		__atomic_store_n(stop, 1, __ATOMIC_RELEASE);
		for (unsigned k = 0; k < n; k++) {
			if (k < i)
				pthread_join(*(pthread_t *)(void *)(TH_AT(k) + tid_off), NULL);
			*(bool *)(void *)(TH_AT(k) + joined_off) = true;
		}
		return -r;
	}
	return 0;
#undef TH_AT
}

/* ---- sender ---- */

struct tx_thread {
	struct tx_engine *e;
	pthread_t tid;
	unsigned idx;
	int *socks;	  /* socket indexes this thread owns */
	int nsocks;
	double rate;
	uint64_t quota;	  /* 0 = unlimited */
	uint64_t sent;	  /* atomic */
	uint64_t errors;  /* atomic */
	int fatal;	  /* atomic: the errno that stopped this thread, 0 if none */
	int sched_err;	  /* atomic: the errno of pthread_setschedparam (cfg.sched_fifo) */
	int done;	  /* atomic */
	double t_end;	  /* when this thread stopped sending */
	uint64_t cpu_ns;  /* CPU time this thread used, set when it ends */
	uint64_t late;	  /* wake-ups (sleep or yield) TX_LATE_NS or more after they were due */
	uint32_t *flows;  /* flows this thread sends, grouped by socket */
	uint32_t nflows;
	/* the socket groups of flows[]: a batch is filled from one group (one socket, so one
	 * sendmmsg carries the whole batch), and the next batch takes the next group */
	uint32_t *gstart, *glen, *gpos;
	uint32_t ngroups, gcur, gvisits; /* a group gets glen batches in a row: fair per flow */
	int raw_fd;	  /* raw mode: this thread's AF_PACKET socket */
	bool joined;
};

static void tx_sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };

	nanosleep(&ts, NULL);
}

/* Errors that say the datagrams themselves or the socket are wrong. The path's own
 * refusals (EPERM from an OUTPUT drop rule, ENETUNREACH, ECONNREFUSED, ENOBUFS) are what a
 * test measures: the sender retries those. */
static bool tx_errno_fatal(int err)
{
	switch (err) {
	case EINVAL: case EMSGSIZE: case EFAULT: case EBADF: case ENOTSOCK: case EAFNOSUPPORT:
	case EOPNOTSUPP: case EDESTADDRREQ: case ENODEV: case ENXIO:
		return true;
	default:
		return false;
	}
}

/* Send want prepared messages; runs of the same socket go out in one sendmmsg. Returns
 * how many left (a prefix of the batch). */
static unsigned tx_send(struct tx_thread *t, struct mmsghdr *msg, const int *fd_of,
			unsigned want, uint64_t end_ns)
{
	struct tx_engine *e = t->e;
	unsigned done = 0;

	while (done < want) {
		unsigned run = 1;
		int n;

		while (done + run < want && fd_of[done + run] == fd_of[done])
			run++;
		n = sendmmsg(fd_of[done], msg + done, run, 0);
		if (n > 0) {
			done += (unsigned)n;
			continue;
		}
		__atomic_add_fetch(&t->errors, 1, __ATOMIC_RELAXED);
		if (tx_errno_fatal(errno)) { /* retrying cannot help: stop and say why */
			__atomic_store_n(&t->fatal, errno, __ATOMIC_RELAXED);
			break;
		}
		if (__atomic_load_n(&e->stop, __ATOMIC_RELAXED) || (end_ns && mono_ns() >= end_ns))
			break;
		if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
			tx_sleep_ns(20000);
		else
			tx_sleep_ns(1000000);
	}
	return done;
}

static void tx_sleep_until(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* A socket whose flows all go to one destination is connected: no route lookup per
 * datagram (about twice the packet rate of sendto on an unconnected socket). Each thread
 * connects its own sockets once pinned, so each holds the route cached for its own CPU:
 * connected from one thread, all sockets would share one route and every datagram of every
 * thread would bounce its reference count between the CPUs. */
static void tx_connect(struct tx_thread *t)
{
	struct tx_engine *e = t->e;
	const struct tx_cfg *c = &e->cfg;

	for (int k = 0; k < t->nsocks; k++) {
		int s = t->socks[k];
		uint32_t d0 = ((uint32_t)s / (uint32_t)c->nsock) % c->ndst;
		bool one = true;

		for (uint32_t f = (uint32_t)s; f < c->nflows; f += (uint32_t)c->nsock)
			if ((f / (uint32_t)c->nsock) % c->ndst != d0)
				one = false;
		if (one && !connect(c->fds[s], (const struct sockaddr *)&c->dst[d0], c->dstlen))
			e->connected[s] = true;
	}
}

static void *tx_main(void *arg)
{
	struct tx_thread *t = arg;
	struct tx_engine *e = t->e;
	const struct tx_cfg *c = &e->cfg;
	unsigned batch = c->batch ? c->batch : ENGINE_BATCH, b;
	struct mmsghdr msg[ENGINE_BATCH];
	struct iovec iov[ENGINE_BATCH];
	uint32_t flow_of[ENGINE_BATCH];
	int fd_of[ENGINE_BATCH];
	/* each datagram's payload; in raw mode after room for its headers, one iovec for all */
	size_t room = c->raw ? RAW_HDR_MAX : 0, hl = c->raw ? e->tmpl[0].len : 0;
	char *bufs, *pay[ENGINE_BATCH];
	struct tbucket tb;
	uint64_t now, end_ns = 0, sent = 0, early = TX_WAKE_EARLY_NS;
	double late_avg = TX_WAKE_EARLY_NS;
	/* FIFO for as many threads as leave one CPU to everything else (the receive path, the
	 * receiver): thread i when i + 1 < the CPUs online, the others at normal priority */
	bool fifo = c->sched_fifo && t->rate > 0 && t->nflows &&
		    (long)t->idx + 1 < sysconf(_SC_NPROCESSORS_ONLN);

	pin(c->cpus, c->ncpus, t->idx);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake-ups on time, not 50 us late */
	if (fifo) {
		struct sched_param sp = { .sched_priority = 1 };
		int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);

		if (err) {
			__atomic_store_n(&t->sched_err, err, __ATOMIC_RELAXED);
			t->t_end = now_mono();
			__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
			return NULL;
		}
	}
	if (!c->raw)
		tx_connect(t);
	if (batch > ENGINE_BATCH)
		batch = ENGINE_BATCH;
	if (c->rate > 0)
		batch = tb_batch_for_rate(t->rate, batch);
	bufs = xcalloc(ENGINE_BATCH, room + c->size);
	memset(msg, 0, sizeof(msg));
	for (unsigned i = 0; i < ENGINE_BATCH; i++) {
		pay[i] = bufs + (size_t)i * (room + c->size) + room;
		iov[i].iov_base = pay[i] - hl;
		iov[i].iov_len = hl + c->size;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
		msg[i].msg_hdr.msg_namelen = c->dstlen;
		if (c->raw && !c->raw_linklen) { /* no link header: the address says the protocol */
			msg[i].msg_hdr.msg_name = (void *)&c->raw_to;
			msg[i].msg_hdr.msg_namelen = sizeof(c->raw_to);
		} else if (c->raw) { /* the bound device, the link header in the datagram */
			msg[i].msg_hdr.msg_name = NULL;
			msg[i].msg_hdr.msg_namelen = 0;
		}
	}
	now = mono_ns();
	if (c->duration > 0)
		end_ns = (uint64_t)(e->t0 * 1e9) + (uint64_t)(c->duration * 1e9);
	tb_init(&tb, t->rate, batch, now);
	while (!__atomic_load_n(&e->stop, __ATOMIC_RELAXED) && t->nflows) {
		unsigned want = batch, done;

		if (t->quota && sent >= t->quota)
			break;
		now = mono_ns();
		if (end_ns && now >= end_ns)
			break;
		if (t->quota && t->quota - sent < want)
			want = (unsigned)(t->quota - sent);
		if (t->rate > 0) {
			uint64_t d = tb_delay_ns(&tb, now, want);

			if (d && fifo) {
				/* At FIFO a wake-up is late by the timer's lateness only
				 * (tens of us, which the shaper's hold forgives), never by
				 * another task's slice: sleep to the batch, spin nothing. */
				tx_sleep_until(now + d);
				if (mono_ns() >= now + d + TX_LATE_NS)
					t->late++;
				continue;
			}
			if (d) {
				/* Sleep to `early` before the batch is due (a timer wakes a
				 * thread some 40 us late on a VM), spin the rest: a
				 * paced sender then costs its CPU little more than its sends,
				 * and leaves the rest to the receive path it measures. */
				if (d > early + 10000) {
					uint64_t at = now + d - early, late;

					tx_sleep_until(at);
					/* learn how late this machine's timers fire: the
					 * average lateness plus a quarter, at least 5 us */
					late = mono_ns() - at;
					if (late >= TX_LATE_NS)
						t->late++;
					if (late > 1000000)
						late = 1000000;
					late_avg += ((double)late - late_avg) / 16;
					early = (uint64_t)(late_avg * 1.25) + 5000;
					if (early > TX_WAKE_EARLY_MAX_NS) /* late from contention, */
						early = TX_WAKE_EARLY_MAX_NS; /* not the timer */
				} else if (d > 5000) {
					sched_yield(); /* spin, but let this CPU's other work run */
					if (mono_ns() >= now + d + TX_LATE_NS)
						t->late++; /* the yield cost a time slice */
				}
				continue;
			}
			want = tb_take(&tb, now, want);
			if (!want)
				continue;
		}
		uint32_t g = t->gcur;

		for (b = 0; b < want; b++) {
			uint32_t f = t->flows[t->gstart[g] + t->gpos[g]];
			struct dgram_hdr h = { .test_id = c->test_id, .flow = f, .seq = e->seq[f]++,
					       .ts_ns = now };

			if (++t->gpos[g] >= t->glen[g])
				t->gpos[g] = 0;
			dgram_encode(pay[b], &h);
			flow_of[b] = f;
			if (c->raw) {
				raw_tmpl_fill(&e->tmpl[f], pay[b], (uint8_t *)pay[b] - hl);
				fd_of[b] = t->raw_fd;
				continue;
			}
			if (e->connected[f % (uint32_t)c->nsock]) {
				msg[b].msg_hdr.msg_name = NULL;
				msg[b].msg_hdr.msg_namelen = 0;
			} else {
				msg[b].msg_hdr.msg_name = (void *)&c->dst[(f / (uint32_t)c->nsock) % c->ndst];
				msg[b].msg_hdr.msg_namelen = c->dstlen;
			}
			fd_of[b] = c->fds[f % (uint32_t)c->nsock];
		}
		done = tx_send(t, msg, fd_of, want, end_ns);
		/* Unsent messages hold the newest sequence of their flow: give them back. */
		for (b = want; b-- > done;) {
			e->seq[flow_of[b]]--;
			t->gpos[g] = t->gpos[g] ? t->gpos[g] - 1 : t->glen[g] - 1;
		}
		if (++t->gvisits >= t->glen[g]) {
			t->gvisits = 0;
			if (++t->gcur >= t->ngroups)
				t->gcur = 0;
		}
		sent += done;
		__atomic_store_n(&t->sent, sent, __ATOMIC_RELAXED);
		if (done < want)
			break;
	}
	t->t_end = now_mono();
	t->cpu_ns = thread_cpu_ns();
	free(bufs);
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool addr_is_any(const struct sockaddr_storage *a)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	return a->ss_family == AF_INET ?
	       ((const struct sockaddr_in *)a)->sin_addr.s_addr == htonl(INADDR_ANY) :
	       !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &any6, sizeof(any6));
}

/* Raw mode: a header template per flow (from its socket's bound address and port to its
 * destination) and an AF_PACKET socket per thread. 0 or -errno, nothing left behind. */
static int tx_raw_setup(struct tx_engine *e, unsigned n, int *rawfd)
{
	const struct tx_cfg *c = &e->cfg;
	struct sockaddr_storage *src = xcalloc((size_t)c->nsock, sizeof(*src));
	int r = 0;
	unsigned opened = 0;
	bool partial = !env_on("DPTUNE_RAW_FULL_CSUM"); /* the other way, for its test */

	for (int s = 0; s < c->nsock && !r; s++) {
		socklen_t sl = sizeof(src[s]);

		if (getsockname(c->fds[s], (struct sockaddr *)&src[s], &sl))
			r = -errno;
		else if (addr_is_any(&src[s])) { /* the route's source, the socket's port */
			in_port_t port = src[s].ss_family == AF_INET ?
					 ((struct sockaddr_in *)&src[s])->sin_port :
					 ((struct sockaddr_in6 *)&src[s])->sin6_port;

			src[s] = c->raw_src;
			if (src[s].ss_family == AF_INET)
				((struct sockaddr_in *)&src[s])->sin_port = port;
			else
				((struct sockaddr_in6 *)&src[s])->sin6_port = port;
		}
	}
	/* checksums left partial, as the kernel's UDP leaves them, where the kernel takes a
	 * virtio-net header on packet sockets; computed here otherwise */
	if (!r) {
		rawfd[0] = raw_socket(c->raw_to.sll_ifindex, partial);
		if (partial && (rawfd[0] == -ENOPROTOOPT || rawfd[0] == -EINVAL)) {
			partial = false;
			rawfd[0] = raw_socket(c->raw_to.sll_ifindex, false);
		}
		if (rawfd[0] < 0)
			r = rawfd[0];
		else
			opened = 1;
	}
	for (; opened < n && !r; opened++) {
		rawfd[opened] = raw_socket(c->raw_to.sll_ifindex, partial);
		if (rawfd[opened] < 0)
			r = rawfd[opened];
	}
	e->tmpl = xcalloc(c->nflows, sizeof(*e->tmpl));
	for (uint32_t f = 0; f < c->nflows && !r; f++)
		r = raw_tmpl_init(&e->tmpl[f], c->raw_link, c->raw_linklen,
				  &src[f % (uint32_t)c->nsock],
				  &c->dst[(f / (uint32_t)c->nsock) % c->ndst], c->size, partial);
	free(src);
	if (r) {
		for (unsigned i = 0; i < opened && rawfd[i] >= 0; i++)
			close(rawfd[i]);
		free(e->tmpl);
		e->tmpl = NULL;
	}
	return r;
}

int tx_start(struct tx_engine *e, const struct tx_cfg *cfg)
{
	unsigned n;
	uint64_t base, extra;

	memset(e, 0, sizeof(*e));
	e->cfg = *cfg;
	if (cfg->nsock < 1 || (uint32_t)cfg->nsock > cfg->nflows || !cfg->ndst || !cfg->nflows ||
	    cfg->size < DGRAM_HDR_LEN ||
	    (!cfg->count && cfg->duration <= 0))
		return -EINVAL;
	n = cfg->threads ? cfg->threads : 1;
	if (n > (unsigned)cfg->nsock)
		n = (unsigned)cfg->nsock;
	if (n > ENGINE_MAX_THREADS)
		n = ENGINE_MAX_THREADS;
	int rawfd[ENGINE_MAX_THREADS];

	if (cfg->raw) {
		int r = tx_raw_setup(e, n, rawfd);

		if (r)
			return r;
	}
	e->nthreads = n;
	e->th = xcalloc(n, sizeof(*e->th));
	for (unsigned i = 0; i < n; i++)
		e->th[i].raw_fd = cfg->raw ? rawfd[i] : -1;
	e->seq = xcalloc(cfg->nflows, sizeof(*e->seq));
	for (unsigned i = 0; i < n; i++) {
		struct tx_thread *t = &e->th[i];
		uint32_t flows = 0;

		t->e = e;
		t->idx = i;
		t->socks = xcalloc((size_t)cfg->nsock / n + 1, sizeof(int));
		t->flows = xcalloc(cfg->nflows, sizeof(uint32_t));
		t->gstart = xcalloc((size_t)cfg->nsock / n + 1, sizeof(uint32_t));
		t->glen = xcalloc((size_t)cfg->nsock / n + 1, sizeof(uint32_t));
		t->gpos = xcalloc((size_t)cfg->nsock / n + 1, sizeof(uint32_t));
		for (int s = (int)i; s < cfg->nsock; s += (int)n) {
			uint32_t first = t->nflows;

			t->socks[t->nsocks++] = s;
			for (uint32_t f = (uint32_t)s; f < cfg->nflows; f += (uint32_t)cfg->nsock)
				t->flows[t->nflows++] = f;
			if (t->nflows > first) {
				t->gstart[t->ngroups] = first;
				t->glen[t->ngroups++] = t->nflows - first;
			}
		}
		flows = t->nflows;
		t->rate = cfg->rate * flows / cfg->nflows;
		if (cfg->count) {
			base = cfg->count / cfg->nflows;
			extra = cfg->count % cfg->nflows;
			/* Flows [0, extra) get one more; sum over this thread's flows. */
			t->quota = base * flows;
			for (int k = 0; k < t->nsocks; k++)
				for (uint32_t f = (uint32_t)t->socks[k]; f < cfg->nflows && f < extra;
				     f += (uint32_t)cfg->nsock)
					t->quota++;
			if (!t->quota)
				t->nflows = 0; /* nothing to send */
		}
	}
	e->connected = xcalloc((size_t)cfg->nsock, sizeof(bool));
	e->t0 = now_mono();
	e->started = true;
	return threads_start(e->th, sizeof(*e->th), offsetof(struct tx_thread, tid),
			     offsetof(struct tx_thread, joined), n, tx_main, &e->stop);
}

bool tx_done(struct tx_engine *e)
{
	for (unsigned i = 0; i < e->nthreads; i++)
		if (!__atomic_load_n(&e->th[i].done, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

uint64_t tx_sent(struct tx_engine *e)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < e->nthreads; i++)
		s += __atomic_load_n(&e->th[i].sent, __ATOMIC_RELAXED);
	return s;
}

int tx_sched_error(struct tx_engine *e)
{
	for (unsigned i = 0; i < e->nthreads; i++) {
		int err = __atomic_load_n(&e->th[i].sched_err, __ATOMIC_RELAXED);

		if (err)
			return err;
	}
	return 0;
}

int tx_fatal(struct tx_engine *e)
{
	for (unsigned i = 0; i < e->nthreads; i++) {
		int err = __atomic_load_n(&e->th[i].fatal, __ATOMIC_RELAXED);

		if (err)
			return err;
	}
	return 0;
}

uint64_t tx_errors(struct tx_engine *e)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < e->nthreads; i++)
		s += __atomic_load_n(&e->th[i].errors, __ATOMIC_RELAXED);
	return s;
}

void tx_stop(struct tx_engine *e)
{
	bool joined_any = false;

	if (!e->started)
		return;
	if (!tx_done(e))
		__atomic_store_n(&e->stop, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < e->nthreads; i++) {
		if (e->th[i].joined)
			continue;
		pthread_join(e->th[i].tid, NULL);
		e->th[i].joined = true;
		joined_any = true;
	}
	if (joined_any || !e->t_end) {
		e->t_end = e->t0;
		e->cpu_ns = 0;
		e->late_wakeups = 0;
		for (unsigned i = 0; i < e->nthreads; i++) {
			e->late_wakeups += e->th[i].late;
			if (e->th[i].t_end > e->t_end)
				e->t_end = e->th[i].t_end;
			e->cpu_ns += e->th[i].cpu_ns;
		}
	}
}

void tx_release(struct tx_engine *e)
{
	tx_stop(e);
	for (unsigned i = 0; i < e->nthreads && e->th; i++) {
		free(e->th[i].socks);
		free(e->th[i].flows);
		free(e->th[i].gstart);
		free(e->th[i].glen);
		free(e->th[i].gpos);
	}
	for (unsigned i = 0; i < e->nthreads && e->th; i++)
		if (e->th[i].raw_fd >= 0)
			close(e->th[i].raw_fd);
	free(e->th);
	free(e->seq);
	free(e->tmpl);
	e->tmpl = NULL;
	free(e->connected);
	e->connected = NULL;
	e->th = NULL;
	e->seq = NULL;
	e->nthreads = 0;
	e->started = false;
}

/* ---- receiver ---- */

struct rx_thread {
	struct rx_engine *e;
	pthread_t tid;
	unsigned idx;
	int *socks;
	int nsocks;
	uint64_t rx, bytes, garbage; /* atomic */
	int64_t missing;	     /* atomic */
	uint32_t *ovfl;		     /* per owned socket: SO_RXQ_OVFL, cumulative */
	uint64_t first_ns, last_ns;
	struct hist lat;
	bool joined;
};

#define RX_BUF (DGRAM_MAX_PAYLOAD + 1)
#define RX_CMSG 64
#define RX_TICK_NS 50000   /* read interval under heavy traffic */
#define RX_TICK_MIN_NS 20000 /* a shorter one is not worth it: wait in poll instead */
#define RX_BUSY_PER_MS 64  /* datagrams per ms (64 kpps) that make traffic heavy */
#define RX_TRUESIZE 1024   /* receive buffer bytes a small datagram takes, generously */
#define RX_TIMER_LATE_NS 40000 /* how late a timer fires on a VM */

static void rx_batch(struct rx_thread *t, int k, struct mmsghdr *msg, int n, uint64_t now)
{
	struct rx_engine *e = t->e;
	const struct rx_cfg *c = &e->cfg;
	int sidx = t->socks[k];
	uint64_t rx = 0, bytes = 0, garbage = 0;
	int64_t missing = 0;

	for (int i = 0; i < n; i++) {
		struct msghdr *mh = &msg[i].msg_hdr;
		struct dgram_hdr h;
		struct cmsghdr *cm;

		for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(uint32_t)))
				memcpy(&t->ovfl[k], CMSG_DATA(cm), sizeof(uint32_t));
		if ((mh->msg_flags & MSG_TRUNC) ||
		    dgram_parse(mh->msg_iov->iov_base, msg[i].msg_len, &h) ||
		    h.test_id != c->test_id || h.flow >= c->nflows ||
		    (h.flow / c->peer_nsock) % (uint32_t)c->nsock != (uint32_t)sidx) {
			garbage++;
			continue;
		}
		missing += flow_rx(&e->flows[h.flow], h.seq, msg[i].msg_len, h.ts_ns, now,
				   c->latency_valid);
		if (c->latency_valid && now >= h.ts_ns)
			hist_add(&t->lat, now - h.ts_ns);
		rx++;
		bytes += msg[i].msg_len;
	}
	if (rx) {
		if (!t->first_ns)
			t->first_ns = now;
		t->last_ns = now;
	}
	__atomic_add_fetch(&t->rx, rx, __ATOMIC_RELAXED);
	__atomic_add_fetch(&t->bytes, bytes, __ATOMIC_RELAXED);
	__atomic_add_fetch(&t->garbage, garbage, __ATOMIC_RELAXED);
	__atomic_add_fetch(&t->missing, missing, __ATOMIC_RELAXED);
}

/* Read socket k until it is empty; returns datagrams read. */
static int rx_drain_one(struct rx_thread *t, int k, struct mmsghdr *msg, struct iovec *iov,
			char *cbuf, char *bufs)
{
	int fd = t->e->cfg.fds[t->socks[k]], total = 0;

	for (;;) {
		int n;

		for (int i = 0; i < ENGINE_BATCH; i++) {
			iov[i].iov_base = bufs + (size_t)i * RX_BUF;
			iov[i].iov_len = RX_BUF;
			memset(&msg[i].msg_hdr, 0, sizeof(msg[i].msg_hdr));
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			msg[i].msg_hdr.msg_control = cbuf + i * RX_CMSG;
			msg[i].msg_hdr.msg_controllen = RX_CMSG;
		}
		n = recvmmsg(fd, msg, ENGINE_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return total;
		rx_batch(t, k, msg, n, mono_ns());
		total += n;
		if (n < ENGINE_BATCH)
			return total;
	}
}

static void *rx_main(void *arg)
{
	struct rx_thread *t = arg;
	struct rx_engine *e = t->e;
	struct mmsghdr msg[ENGINE_BATCH];
	struct iovec iov[ENGINE_BATCH];
	char *bufs = xmalloc((size_t)ENGINE_BATCH * RX_BUF);
	char *cbuf = xcalloc(ENGINE_BATCH, RX_CMSG);
	struct pollfd *pfd = xcalloc((size_t)t->nsocks, sizeof(*pfd));
	uint64_t win_start = mono_ns();
	unsigned win = 0;
	uint64_t tick = 0; /* 0: wait in poll */
	int rcvbuf = 0;

	pin(e->cfg.cpus, e->cfg.ncpus, t->idx);
	for (int k = 0; k < t->nsocks; k++) {
		int v = 0;
		socklen_t sl = sizeof(v);

		pfd[k].fd = e->cfg.fds[t->socks[k]];
		pfd[k].events = POLLIN;
		if (!getsockopt(pfd[k].fd, SOL_SOCKET, SO_RCVBUF, &v, &sl) && (!rcvbuf || v < rcvbuf))
			rcvbuf = v;
	}
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	while (!__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE)) {
		uint64_t now;
		int r, got = 0;

		if (tick) {
			/* Heavy traffic: read every tick without waiting in the sockets' wait
			 * queues, so a sender does not pay a wake-up per datagram (on veth the
			 * sending CPU runs the receive path, wake-up included). */
			for (int k = 0; k < t->nsocks; k++)
				got += rx_drain_one(t, k, msg, iov, cbuf, bufs);
			tx_sleep_ns(tick);
		} else {
			r = poll(pfd, (nfds_t)t->nsocks, 20);
			if (r > 0)
				for (int k = 0; k < t->nsocks; k++)
					if (pfd[k].revents & POLLIN)
						got += rx_drain_one(t, k, msg, iov, cbuf, bufs);
		}
		/* the mode follows the rate of the last millisecond */
		win += (unsigned)got;
		now = mono_ns();
		if (now - win_start >= 1000000) {
			double per_ns = (double)win / (double)(now - win_start);

			/* a tick that, with a timer's lateness, fills at most a quarter of the
			 * smallest receive buffer */
			tick = 0;
			if (win >= RX_BUSY_PER_MS && now - win_start < 2000000) {
				double t_fill = 0.25 * rcvbuf / RX_TRUESIZE / per_ns - RX_TIMER_LATE_NS;

				tick = t_fill > 0 ? (uint64_t)t_fill : 0;
				if (tick > RX_TICK_NS)
					tick = RX_TICK_NS;
				if (tick < RX_TICK_MIN_NS)
					tick = 0;
			}
			win = 0;
			win_start = now;
		}
	}
	/* Drain: what is queued now arrived during the test. */
	for (int k = 0; k < t->nsocks; k++)
		rx_drain_one(t, k, msg, iov, cbuf, bufs);
	free(pfd);
	free(cbuf);
	free(bufs);
	return NULL;
}

int rx_start(struct rx_engine *e, const struct rx_cfg *cfg)
{
	unsigned n;

	memset(e, 0, sizeof(*e));
	e->cfg = *cfg;
	if (cfg->nsock < 1 || !cfg->nflows || !cfg->peer_nsock)
		return -EINVAL;
	n = cfg->threads ? cfg->threads : 1;
	if (n > (unsigned)cfg->nsock)
		n = (unsigned)cfg->nsock;
	if (n > ENGINE_MAX_THREADS)
		n = ENGINE_MAX_THREADS;
	e->nthreads = n;
	e->th = xcalloc(n, sizeof(*e->th));
	e->flows = xcalloc(cfg->nflows, sizeof(*e->flows));
	for (uint32_t f = 0; f < cfg->nflows; f++)
		flow_init(&e->flows[f]);
	for (unsigned i = 0; i < n; i++) {
		struct rx_thread *t = &e->th[i];

		t->e = e;
		t->idx = i;
		t->socks = xcalloc((size_t)cfg->nsock / n + 1, sizeof(int));
		t->ovfl = xcalloc((size_t)cfg->nsock / n + 1, sizeof(uint32_t));
		for (int s = (int)i; s < cfg->nsock; s += (int)n)
			t->socks[t->nsocks++] = s;
		hist_init(&t->lat);
	}
	e->started = true;
	return threads_start(e->th, sizeof(*e->th), offsetof(struct rx_thread, tid),
			     offsetof(struct rx_thread, joined), n, rx_main, &e->stop);
}

void rx_totals(struct rx_engine *e, uint64_t *rx, uint64_t *bytes, uint64_t *missing,
	       uint64_t *garbage)
{
	uint64_t a = 0, b = 0, g = 0;
	int64_t m = 0;

	for (unsigned i = 0; i < e->nthreads; i++) {
		a += __atomic_load_n(&e->th[i].rx, __ATOMIC_RELAXED);
		b += __atomic_load_n(&e->th[i].bytes, __ATOMIC_RELAXED);
		g += __atomic_load_n(&e->th[i].garbage, __ATOMIC_RELAXED);
		m += __atomic_load_n(&e->th[i].missing, __ATOMIC_RELAXED);
	}
	if (rx)
		*rx = a;
	if (bytes)
		*bytes = b;
	if (missing)
		*missing = m > 0 ? (uint64_t)m : 0;
	if (garbage)
		*garbage = g;
}

void rx_stop(struct rx_engine *e, uint64_t expected, int quiet_ms, int max_ms)
{
	double start = now_mono(), last_change = start;
	uint64_t prev = UINT64_MAX, rx;

	if (!e->started)
		return;
	while (!__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE)) {
		double now = now_mono();
		struct timespec ts = { .tv_nsec = 5000000 };

		rx_totals(e, &rx, NULL, NULL, NULL);
		if (expected && rx >= expected)
			break;
		if (rx != prev) {
			prev = rx;
			last_change = now;
		}
		if ((now - last_change) * 1000 >= quiet_ms || (now - start) * 1000 >= max_ms)
			break;
		nanosleep(&ts, NULL);
	}
	__atomic_store_n(&e->stop, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < e->nthreads; i++) {
		if (e->th[i].joined)
			continue;
		pthread_join(e->th[i].tid, NULL);
		e->th[i].joined = true;
	}
}

/* A receiving socket's drops: the kernel's count (SO_MEMINFO), or the last SO_RXQ_OVFL
 * seen when that cannot be read. SO_RXQ_OVFL is stamped on each datagram as it is queued,
 * so drops after the last datagram the receiver read (a receiver starved of its CPU as the
 * test ends, with a full queue) never reach it. */
static uint64_t sock_drops(int fd, uint32_t seen)
{
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mi);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &len) || len < sizeof(mi[0]) *
	    (SK_MEMINFO_DROPS + 1) || mi[SK_MEMINFO_DROPS] < seen)
		return seen;
	return mi[SK_MEMINFO_DROPS];
}

void rx_result(struct rx_engine *e, const uint64_t *sent, uint32_t nsent, struct dir_result *d)
{
	struct hist *h = xmalloc(sizeof(*h));
	uint64_t first = 0, last = 0, jn = 0;
	double jsum = 0;
	static const double pct[4] = { 50, 90, 99, 99.9 };

	memset(d, 0, sizeof(*d));
	d->valid = true;
	hist_init(h);
	d->nflows = e->cfg.nflows;
	d->flows = xcalloc(d->nflows, sizeof(*d->flows));
	d->latency_valid = e->cfg.latency_valid;
	for (unsigned i = 0; i < e->nthreads; i++) {
		struct rx_thread *t = &e->th[i];

		hist_merge(h, &t->lat);
		d->garbage += t->garbage;
		for (int k = 0; k < t->nsocks; k++)
			d->rxq_ovfl += sock_drops(e->cfg.fds[t->socks[k]], t->ovfl[k]);
		if (t->first_ns && (!first || t->first_ns < first))
			first = t->first_ns;
		if (t->last_ns > last)
			last = t->last_ns;
	}
	for (uint32_t i = 0; i < d->nflows; i++) {
		struct flow_stats *f = &e->flows[i];
		struct flow_result *r = &d->flows[i];

		flow_finish(f, sent && i < nsent ? sent[i] : 0);
		r->sent = f->expected;
		r->rx = f->rx;
		r->dup = f->dup;
		r->ooo = f->ooo;
		r->late = f->late;
		r->lost = f->lost;
		r->max_burst = f->max_burst;
		r->jitter_ms = f->jitter_ns / 1e6;
		r->lat_min_us = f->lat_n ? f->lat_min / 1e3 : NAN;
		r->lat_avg_us = f->lat_n ? (double)f->lat_sum / (double)f->lat_n / 1e3 : NAN;
		r->lat_max_us = f->lat_n ? f->lat_max / 1e3 : NAN;
		d->sent += r->sent;
		d->rx += r->rx;
		d->dup += r->dup;
		d->ooo += r->ooo;
		d->late += r->late;
		d->lost += r->lost;
		d->bytes += f->bytes;
		if (r->max_burst > d->max_burst)
			d->max_burst = r->max_burst;
		jsum += f->jitter_ns * (double)f->rx;
		jn += f->rx;
	}
	d->jitter_ms = jn ? jsum / (double)jn / 1e6 : 0;
	for (int i = 0; i < 5; i++)
		d->lat_us[i] = NAN;
	d->lat_min_us = NAN;
	if (d->latency_valid && h->count) {
		for (int i = 0; i < 4; i++)
			d->lat_us[i] = hist_percentile(h, pct[i]) / 1e3;
		d->lat_us[4] = h->max / 1e3;
		d->lat_min_us = h->min / 1e3;
	}
	d->rx_seconds = last > first ? (double)(last - first) / 1e9 : 0;
	free(h);
}

void rx_release(struct rx_engine *e)
{
	rx_stop(e, 0, 0, 0);
	for (unsigned i = 0; i < e->nthreads && e->th; i++) {
		free(e->th[i].socks);
		free(e->th[i].ovfl);
	}
	free(e->th);
	free(e->flows);
	e->th = NULL;
	e->flows = NULL;
	e->nthreads = 0;
	e->started = false;
}
