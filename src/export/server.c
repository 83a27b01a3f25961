/* server.c: libmicrohttpd serving /metrics and / (server.h).
 *
 * Threads: MHD's internal polling thread (epoll) answers every connection and never
 * blocks on the kernel: a /metrics request is suspended and queued; the collector
 * thread takes one snapshot for every request queued when it starts, renders it once
 * into a result buffer and resumes them all with that buffer. A request that arrives
 * while a collection runs waits for that collection and gets its result. Results are
 * reference-counted and reused (their buffers keep their size), and at most
 * max_results distinct ones are held by slow readers: past that a scrape gets 503
 * rather than memory growing. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "server.h"
#include "../core/log.h"
#include "../core/util.h"
#include "../output/promwriter.h"

#ifndef DPTUNE_VERSION
#define DPTUNE_VERSION "0.4.0"
#endif
#ifndef DPTUNE_GIT
#define DPTUNE_GIT "unknown"
#endif

struct result {
	int refs;            /* responses (and requests about to respond) using it */
	bool failed;         /* the collection read nothing: 500 */
	bool have_om;
	struct promwriter text, om;
};

enum req_state { RQ_NEW, RQ_WAITING, RQ_READY };

struct req {
	struct MHD_Connection *conn;
	enum req_state state;
	bool om;
	struct result *res;  /* one reference, handed to the response */
};

struct exp_server {
	struct exp_server_opts o;
	struct MHD_Daemon *d;
	pthread_t thr;
	bool thr_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, collecting, want_om;
	struct req **wait;
	size_t nwait, wait_cap;
	struct MHD_Connection **resume; /* collector thread's scratch */
	size_t resume_cap;
	uint64_t scrapes_seen;          /* s->scrapes when this collection was published */
	struct result **pool;
	size_t npool;
	uint64_t collections, scrapes;
	bool limit_was_hit;
	struct collect_engine *eng;
	struct snapshot snap, first;
	struct exp_render *rend;
	/* basic auth: the last password that matched each user (bcrypt costs ~50 ms) */
	char **auth_ok;
	pthread_mutex_t auth_mu;
};

/* ---- listen address ---- */

int exp_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon;
	uint32_t port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(rb - s - 1), s + 1);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host) || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	}
	if (parse_u32(colon + 1, &port) || port > 65535)
		return -EINVAL;
	if (!host[0])
		snprintf(host, sizeof(host), "127.0.0.1");
	{
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
			a4->sin_family = AF_INET;
			a4->sin_port = htons((uint16_t)port);
			*len = sizeof(*a4);
		} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
			a6->sin6_family = AF_INET6;
			a6->sin6_port = htons((uint16_t)port);
			*len = sizeof(*a6);
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

bool exp_addr_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* ---- results ---- */

static void result_unref(struct exp_server *s, struct result *r)
{
	pthread_mutex_lock(&s->mu);
	r->refs--;
	pthread_mutex_unlock(&s->mu);
}

/* A result no response uses, to write the next collection into; NULL when max_results
 * are all held. Under s->mu. */
static struct result *result_get(struct exp_server *s)
{
	for (size_t i = 0; i < s->npool; i++)
		if (!s->pool[i]->refs)
			return s->pool[i];
	if (s->npool >= s->o.max_results)
		return NULL;
	s->pool = xrealloc(s->pool, (s->npool + 1) * sizeof(*s->pool));
	s->pool[s->npool] = xcalloc(1, sizeof(struct result));
	pw_init(&s->pool[s->npool]->text);
	pw_init(&s->pool[s->npool]->om);
	return s->pool[s->npool++];
}

/* ---- rendering ---- */

static void self_metrics(struct exp_server *s, struct promwriter *w, double t0, size_t rows,
			 bool hit)
{
	const struct snapshot *sn = &s->snap;
	const struct exp_family *f;

#define FAM(n) (f = exp_family((size_t)exp_family_index(n)), pw_family(w, f->name, f->type, f->help), f->name)
	pw_sample_begin(w, FAM("dptune_scrape_series"));
	pw_value_u64(w, rows);
	pw_sample_begin(w, FAM("dptune_series_limit_hit"));
	pw_value_u64(w, hit);
	if (s->o.max_series) {
		pw_sample_begin(w, FAM("dptune_series_limit"));
		pw_value_u64(w, s->o.max_series);
	}
	FAM("dptune_collector_up");
	for (size_t i = 0; i < sn->nst; i++) {
		pw_sample_begin(w, f->name);
		pw_label(w, "collector", sn->st[i].name);
		pw_value_u64(w, sn->st[i].err == 0);
	}
	FAM("dptune_collector_duration_seconds");
	for (size_t i = 0; i < sn->nst; i++) {
		pw_sample_begin(w, f->name);
		pw_label(w, "collector", sn->st[i].name);
		pw_value_double(w, (double)sn->st[i].time_ns / 1e9);
	}
	pw_sample_begin(w, FAM("dptune_namespaces"));
	pw_value_u64(w, sn->nns);
	pw_sample_begin(w, FAM("dptune_collections_total"));
	pw_value_u64(w, s->collections);
	pw_sample_begin(w, FAM("dptune_scrapes_total"));
	pw_value_u64(w, s->scrapes_seen);
	pw_sample_begin(w, FAM("dptune_build_info"));
	pw_label(w, "version", DPTUNE_VERSION);
	pw_label(w, "git", DPTUNE_GIT);
	pw_value_u64(w, 1);
	pw_sample_begin(w, FAM("dptune_scrape_duration_seconds"));
	pw_value_double(w, now_mono() - t0);
#undef FAM
	pw_finish(w);
}

static void render(struct exp_server *s, struct promwriter *w, enum pw_format fmt, double t0)
{
	bool hit = false;
	size_t n;

	pw_reset(w, fmt);
	n = exp_render_rows(s->rend, &s->snap, &s->o.filter, s->o.max_series, w, &hit);
	if (hit != s->limit_was_hit) {
		if (hit)
			warn_msg("--max-series %zu reached: this scrape and those after it leave "
				 "series out (dptune_series_limit_hit is 1); narrow it with "
				 "--netns/--dev/--layer or raise the limit", s->o.max_series);
		else
			warn_msg("series back under --max-series %zu", s->o.max_series);
		s->limit_was_hit = hit;
	}
	self_metrics(s, w, t0, n, hit);
}

/* ---- the collector thread ---- */

static void *collector_main(void *arg)
{
	struct exp_server *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct result *res;
		bool om, failed;
		double t0;
		int r;

		while (!s->stop && !s->collecting)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stop)
			break;
		om = s->want_om;
		s->want_om = false;
		pthread_mutex_unlock(&s->mu);

		t0 = now_mono();
		r = collect_snapshot(s->eng, &s->snap);
		failed = r != 0;
		if (failed)
			warn_msg("cannot read the kernel's counters: %s", strerror(-r));
		else
			exp_render_labels(s->rend, &s->snap);

		pthread_mutex_lock(&s->mu);
		s->collections++;
		s->scrapes_seen = s->scrapes;
		res = result_get(s);
		if (res) {
			res->refs++; /* ours while rendering */
			pthread_mutex_unlock(&s->mu);
			res->failed = failed;
			res->have_om = false;
			if (!failed) {
				render(s, &res->text, PW_TEXT004, t0);
				if (om) {
					render(s, &res->om, PW_OPENMETRICS, t0);
					res->have_om = true;
				}
			}
			pthread_mutex_lock(&s->mu);
			res->refs--;
		}
		/* hand the result to every waiting request it suits; an OpenMetrics request
		 * that joined after rendering began waits for the next collection. The
		 * connections are resumed after s->mu is released: MHD takes its own locks
		 * there, and calls back into us (result_unref) under them. */
		{
			size_t keep = 0, nres = 0;

			grow_array((void **)&s->resume, &s->resume_cap, s->nwait + 1,
				   sizeof(*s->resume));
			for (size_t i = 0; i < s->nwait; i++) {
				struct req *q = s->wait[i];

				if (res && q->om && !res->have_om && !res->failed) {
					s->wait[keep++] = q;
					s->want_om = true;
					continue;
				}
				q->res = res;
				if (res)
					res->refs++;
				q->state = RQ_READY;
				s->resume[nres++] = q->conn;
			}
			s->nwait = keep;
			s->collecting = keep > 0;
			pthread_mutex_unlock(&s->mu);
			for (size_t i = 0; i < nres; i++)
				MHD_resume_connection(s->resume[i]);
			pthread_mutex_lock(&s->mu);
		}
	}
	/* stopping: answer whoever still waits (503) */
	{
		size_t n = s->nwait;

		grow_array((void **)&s->resume, &s->resume_cap, n + 1, sizeof(*s->resume));
		for (size_t i = 0; i < n; i++) {
			s->wait[i]->res = NULL;
			s->wait[i]->state = RQ_READY;
			s->resume[i] = s->wait[i]->conn;
		}
		s->nwait = 0;
		pthread_mutex_unlock(&s->mu);
		for (size_t i = 0; i < n; i++)
			MHD_resume_connection(s->resume[i]);
	}
	return NULL;
}

/* ---- HTTP ---- */

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text,
				  const char *ctype)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
								    MHD_RESPMEM_PERSISTENT);
	enum MHD_Result r;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static const char index_html[] =
	"<!DOCTYPE html>\n<html><head><title>dptune exporter</title></head><body>\n"
	"<h1>dptune exporter</h1>\n"
	"<p>Every drop and load counter of the Linux datapath, in every network namespace.</p>\n"
	"<p><a href=\"/metrics\">Metrics</a> (the families are listed in docs/metrics.md and by "
	"<code>dptune export --list-metrics</code>).</p>\n"
	"<p>dptune " DPTUNE_VERSION "</p>\n</body></html>\n";

/* Basic auth against the web config; true when none is configured or it matches. */
static bool authorized(struct exp_server *s, struct MHD_Connection *c)
{
	const struct webconfig *wc = s->o.web;
	char *pass = NULL, *user;
	bool ok = false;

	if (!wc || !wc->nusers)
		return true;
	user = MHD_basic_auth_get_username_password(c, &pass);
	if (!user || !pass)
		goto out;
	pthread_mutex_lock(&s->auth_mu);
	for (size_t i = 0; i < wc->nusers; i++)
		if (!strcmp(wc->users[i].name, user) && s->auth_ok[i] &&
		    !strcmp(s->auth_ok[i], pass)) {
			ok = true;
			break;
		}
	pthread_mutex_unlock(&s->auth_mu);
	if (!ok && webconfig_check(wc, user, pass)) {
		ok = true;
		pthread_mutex_lock(&s->auth_mu);
		for (size_t i = 0; i < wc->nusers; i++)
			if (!strcmp(wc->users[i].name, user)) {
				free(s->auth_ok[i]);
				s->auth_ok[i] = xstrdup(pass);
			}
		pthread_mutex_unlock(&s->auth_mu);
	}
out:
	if (user)
		MHD_free(user);
	if (pass)
		MHD_free(pass);
	return ok;
}

struct resp_ref {
	struct exp_server *s;
	struct result *r;
};

static void result_release_cb(void *cls)
{
	struct resp_ref *rr = cls;

	result_unref(rr->s, rr->r);
	free(rr);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct exp_server *s = cls;
	struct req *q = *con_cls;

	(void)version;
	(void)upload;
	if (!q) {
		q = xcalloc(1, sizeof(*q));
		q->conn = c;
		*con_cls = q;
		if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
			return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n",
					  "text/plain; charset=utf-8");
		if (!authorized(s, c)) {
			struct MHD_Response *resp = MHD_create_response_from_buffer(
				13, (void *)"Unauthorized\n", MHD_RESPMEM_PERSISTENT);
			enum MHD_Result r;

			if (!resp)
				return MHD_NO;
			r = MHD_queue_basic_auth_fail_response(c, "dptune", resp);
			MHD_destroy_response(resp);
			return r;
		}
		if (strcmp(url, "/metrics")) {
			if (!strcmp(url, "/"))
				return reply_text(c, MHD_HTTP_OK, index_html, "text/html; charset=utf-8");
			return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n",
					  "text/plain; charset=utf-8");
		}
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* a body on a GET: read and ignored (bounded by MHD) */
		return MHD_YES;
	}
	if (q->state == RQ_NEW) {
		const char *acc = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							      MHD_HTTP_HEADER_ACCEPT);

		q->om = acc && strstr(acc, "application/openmetrics-text");
		pthread_mutex_lock(&s->mu);
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "stopping\n",
					  "text/plain; charset=utf-8");
		}
		s->scrapes++;
		grow_array((void **)&s->wait, &s->wait_cap, s->nwait + 1, sizeof(*s->wait));
		s->wait[s->nwait++] = q;
		if (q->om)
			s->want_om = s->want_om || !s->collecting;
		if (!s->collecting) {
			s->collecting = true;
			pthread_cond_signal(&s->cv);
		}
		q->state = RQ_WAITING;
		MHD_suspend_connection(c);
		pthread_mutex_unlock(&s->mu);
		return MHD_YES;
	}
	if (q->state == RQ_WAITING)
		return MHD_YES; /* cannot happen: suspended */
	/* RQ_READY */
	if (!q->res)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "too many scrapes in flight (or stopping); retry\n",
				  "text/plain; charset=utf-8");
	if (q->res->failed) {
		result_unref(s, q->res);
		q->res = NULL;
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "cannot read the kernel's counters (see the exporter's log)\n",
				  "text/plain; charset=utf-8");
	}
	{
		struct promwriter *w = q->om ? &q->res->om : &q->res->text;
		struct resp_ref *rr = xmalloc(sizeof(*rr));
		struct MHD_Response *resp;
		enum MHD_Result r;

		rr->s = s;
		rr->r = q->res;
		q->res = NULL; /* the response holds the reference now */
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
			w->len, w->buf, result_release_cb, rr);
		if (!resp) {
			result_release_cb(rr);
			return MHD_NO;
		}
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					q->om ? "application/openmetrics-text; version=1.0.0; charset=utf-8" :
						"text/plain; version=0.0.4; charset=utf-8");
		r = MHD_queue_response(c, MHD_HTTP_OK, resp);
		MHD_destroy_response(resp);
		return r;
	}
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct exp_server *s = cls;
	struct req *q = *con_cls;

	(void)c;
	(void)toe;
	if (!q)
		return;
	if (q->res)
		result_unref(s, q->res);
	free(q);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	dbg_msg("http: %s", buf);
}

struct exp_server *exp_server_start(const struct exp_server_opts *o, char *err, size_t errlen)
{
	struct exp_server *s = xcalloc(1, sizeof(*s));
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	int r;

	s->o = *o;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->auth_mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (o->web && o->web->nusers)
		s->auth_ok = xcalloc(o->web->nusers, sizeof(*s->auth_ok));
	snap_init(&s->snap);
	snap_init(&s->first);
	s->eng = collect_engine_new(&s->o.co);
	s->rend = exp_render_new(o->co.proc_root);
	r = collect_snapshot(s->eng, &s->first);
	if (r) {
		snprintf(err, errlen, "cannot read the kernel's counters: %s", strerror(-r));
		goto fail;
	}
	if (o->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "this libmicrohttpd was built without TLS");
			goto fail;
		}
		flags |= MHD_USE_TLS;
	}
	if (o->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	{
		/* the threads started here inherit this mask: SIGINT, SIGTERM and SIGHUP go to
		 * the caller's sigwait() alone (before this, a signal ends a slow first
		 * collection at once) */
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	}
	if (pthread_create(&s->thr, NULL, collector_main, s)) {
		snprintf(err, errlen, "cannot start the collector thread");
		goto fail;
	}
	s->thr_started = true;
	if (o->tls_cert)
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, s,
			MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&s->o.addr,
			MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
			MHD_OPTION_CONNECTION_LIMIT, o->max_conn,
			MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_ip,
			MHD_OPTION_CONNECTION_TIMEOUT, o->timeout,
			MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->conn_memory,
			MHD_OPTION_NOTIFY_COMPLETED, completed, s,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			MHD_OPTION_HTTPS_MEM_CERT, o->tls_cert,
			MHD_OPTION_HTTPS_MEM_KEY, o->tls_key,
			MHD_OPTION_END);
	else
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, s,
			MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&s->o.addr,
			MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
			MHD_OPTION_CONNECTION_LIMIT, o->max_conn,
			MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_ip,
			MHD_OPTION_CONNECTION_TIMEOUT, o->timeout,
			MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->conn_memory,
			MHD_OPTION_NOTIFY_COMPLETED, completed, s,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			MHD_OPTION_END);
	if (!s->d) {
		snprintf(err, errlen, "cannot listen (address in use, or not ours: see -v)");
		goto fail;
	}
	return s;
fail:
	exp_server_stop(s);
	return NULL;
}

const struct snapshot *exp_server_first(const struct exp_server *s)
{
	return &s->first;
}

unsigned exp_server_port(const struct exp_server *s)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);

	return di ? di->port : 0;
}

void exp_server_stop(struct exp_server *s)
{
	if (!s)
		return;
	if (s->thr_started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thr, NULL);
	}
	if (s->d)
		MHD_stop_daemon(s->d);
	for (size_t i = 0; i < s->npool; i++) {
		pw_release(&s->pool[i]->text);
		pw_release(&s->pool[i]->om);
		free(s->pool[i]);
	}
	free(s->pool);
	free(s->wait);
	free(s->resume);
	if (s->auth_ok) {
		for (size_t i = 0; i < s->o.web->nusers; i++)
			free(s->auth_ok[i]);
		free(s->auth_ok);
	}
	snap_release(&s->snap);
	snap_release(&s->first);
	exp_render_free(s->rend);
	collect_engine_free(s->eng);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->auth_mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
