/* ctl.c: control channel codec and framed I/O (see ctl.h). */
#include <endian.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <json-c/json.h>
#include "ctl.h"

static const char *const type_names[] = {
	[CTL_HELLO] = "hello", [CTL_TEST] = "test", [CTL_OK] = "ok", [CTL_ERROR] = "error",
	[CTL_START] = "start", [CTL_INTERVAL] = "interval", [CTL_DONE] = "done",
	[CTL_STOP] = "stop", [CTL_RESULTS] = "results", [CTL_BYE] = "bye",
};

void dir_result_release(struct dir_result *d)
{
	free(d->flows);
	d->flows = NULL;
	d->nflows = 0;
}

void ctl_msg_init(struct ctl_msg *m, enum ctl_type type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->version = CTL_VERSION;
}

void ctl_msg_release(struct ctl_msg *m)
{
	free(m->sent);
	m->sent = NULL;
	m->nsent = 0;
}

int ctl_frame_parse(const void *buf, size_t len, size_t max, size_t *body_len)
{
	uint32_t n;

	if (len < 4)
		return 0;
	memcpy(&n, buf, 4);
	n = be32toh(n);
	if (!n)
		return -EINVAL;
	if (n > max)
		return -EMSGSIZE;
	if (len - 4 < n)
		return 0;
	*body_len = n;
	return 1;
}

/* Strictly typed field readers: a missing key leaves *v alone and returns 0 unless required. */
static int get_u64(json_object *o, const char *key, uint64_t *v, uint64_t maxv, bool req)
{
	json_object *f;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &f))
		return req ? -EINVAL : 0;
	if (!json_object_is_type(f, json_type_int))
		return -EINVAL;
	errno = 0;
	if (json_object_get_int64(f) < 0) {
		return -EINVAL;
	}
	if (json_object_get_int64(f) == INT64_MAX) {
		*v = json_object_get_uint64(f);
	} else {
		x = json_object_get_int64(f);
		*v = (uint64_t)x;
	}
	if (*v > maxv)
		return -EINVAL;
	return 0;
}

static int get_u32(json_object *o, const char *key, uint32_t *v, uint32_t maxv, bool req)
{
	uint64_t x = *v;
	int r = get_u64(o, key, &x, maxv, req);

	if (!r)
		*v = (uint32_t)x;
	return r;
}

static int get_dbl(json_object *o, const char *key, double *v, double maxv, bool req)
{
	json_object *f;
	double x;

	if (!json_object_object_get_ex(o, key, &f))
		return req ? -EINVAL : 0;
	if (json_object_is_type(f, json_type_null)) {
		*v = NAN;
		return 0;
	}
	if (!json_object_is_type(f, json_type_int) && !json_object_is_type(f, json_type_double))
		return -EINVAL;
	x = json_object_get_double(f);
	if (!isfinite(x) || x < 0 || x > maxv)
		return -EINVAL;
	*v = x;
	return 0;
}

static int get_str(json_object *o, const char *key, char *buf, size_t n)
{
	json_object *f;

	if (!json_object_object_get_ex(o, key, &f))
		return 0;
	if (!json_object_is_type(f, json_type_string))
		return -EINVAL;
	snprintf(buf, n, "%s", json_object_get_string(f));
	return 0;
}

static int get_bool(json_object *o, const char *key, bool *v)
{
	json_object *f;

	if (!json_object_object_get_ex(o, key, &f))
		return 0;
	if (!json_object_is_type(f, json_type_boolean))
		return -EINVAL;
	*v = json_object_get_boolean(f);
	return 0;
}

/* Returns the array under key with at most max elements, NULL if absent; *bad on misuse. */
static json_object *get_array(json_object *o, const char *key, size_t max, bool *bad)
{
	json_object *f;

	if (!json_object_object_get_ex(o, key, &f))
		return NULL;
	if (!json_object_is_type(f, json_type_array) || json_object_array_length(f) > max) {
		*bad = true;
		return NULL;
	}
	return f;
}

static json_object *parse_json(const char *body, size_t len)
{
	struct json_tokener *tok;
	json_object *o;

	if (!body || !len || len > INT32_MAX)
		return NULL;
	tok = json_tokener_new_ex(8);
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

static int parse_u64_array(json_object *a, uint64_t **out, uint32_t *n)
{
	size_t len = json_object_array_length(a);

	*out = len ? xcalloc(len, sizeof(**out)) : NULL;
	*n = (uint32_t)len;
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(a, i);

		if (!json_object_is_type(e, json_type_int) || json_object_get_int64(e) < 0) {
			free(*out);
			*out = NULL;
			*n = 0;
			return -EINVAL;
		}
		(*out)[i] = (uint64_t)json_object_get_int64(e);
	}
	return 0;
}

int ctl_msg_parse(const char *body, size_t len, struct ctl_msg *m)
{
	json_object *o, *f, *a;
	const char *t;
	bool bad = false;
	int r = 0;

	ctl_msg_init(m, 0);
	o = parse_json(body, len);
	if (!o)
		return -EINVAL;
	if (!json_object_object_get_ex(o, "type", &f) || !json_object_is_type(f, json_type_string)) {
		r = -EINVAL;
		goto out;
	}
	t = json_object_get_string(f);
	for (unsigned i = 1; i < ARRAY_SIZE(type_names); i++)
		if (type_names[i] && !strcmp(t, type_names[i]))
			m->type = i;
	if (!m->type) {
		r = -EPROTO;
		goto out;
	}
	m->version = 0;
	if (get_u32(o, "version", &m->version, 1000, false) ||
	    get_str(o, "boot_id", m->boot_id, sizeof(m->boot_id)) ||
	    get_dbl(o, "max_rate", &m->max_rate, 1e10, false) ||
	    get_dbl(o, "max_duration", &m->max_duration, 1e9, false) ||
	    get_u32(o, "max_flows", &m->max_flows, CTL_MAX_FLOWS, false) ||
	    get_u32(o, "mode", &m->mode, 3, false) ||
	    get_u32(o, "flows", &m->flows, CTL_MAX_FLOWS, false) ||
	    get_u32(o, "size", &m->size, 65535, false) ||
	    get_u32(o, "nsock", &m->nsock, CTL_MAX_FLOWS, false) ||
	    get_u32(o, "threads", &m->threads, 1024, false) ||
	    get_dbl(o, "rate", &m->rate, 1e10, false) ||
	    get_dbl(o, "duration", &m->duration, 1e9, false) ||
	    get_u64(o, "count", &m->count, UINT64_MAX / 2, false) ||
	    get_u32(o, "test_id", &m->test_id, UINT32_MAX, false) ||
	    get_str(o, "error", m->error, sizeof(m->error)) ||
	    get_dbl(o, "t", &m->t, 1e9, false) ||
	    get_u64(o, "rx", &m->rx, UINT64_MAX / 2, false) ||
	    get_u64(o, "bytes", &m->bytes, UINT64_MAX / 2, false) ||
	    get_u64(o, "missing", &m->missing, UINT64_MAX / 2, false) ||
	    get_dbl(o, "tx_seconds", &m->tx_seconds, 1e9, false)) {
		r = -EINVAL;
		goto out;
	}
	if (isnan(m->max_rate) || isnan(m->max_duration) || isnan(m->rate) || isnan(m->duration) ||
	    isnan(m->t) || isnan(m->tx_seconds)) {
		r = -EINVAL;
		goto out;
	}
	a = get_array(o, "ports", CTL_MAX_PORTS, &bad);
	if (bad) {
		r = -EINVAL;
		goto out;
	}
	if (a) {
		m->nports = (uint32_t)json_object_array_length(a);
		for (uint32_t i = 0; i < m->nports; i++) {
			json_object *e = json_object_array_get_idx(a, i);
			int64_t p;

			if (!json_object_is_type(e, json_type_int)) {
				r = -EINVAL;
				goto out;
			}
			p = json_object_get_int64(e);
			if (p < 1 || p > 65535) {
				r = -EINVAL;
				goto out;
			}
			m->ports[i] = (uint16_t)p;
		}
	}
	a = get_array(o, "sent", CTL_MAX_FLOWS, &bad);
	if (bad || (a && parse_u64_array(a, &m->sent, &m->nsent))) {
		r = -EINVAL;
		goto out;
	}
out:
	json_object_put(o);
	return r;
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)(v > INT64_MAX ? INT64_MAX : v)));
}

static void add_dbl(json_object *o, const char *k, double v)
{
	json_object_object_add(o, k, isfinite(v) ? json_object_new_double(v) : NULL);
}

static void frame_json(json_object *o, struct strbuf *sb)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	uint32_t n = htobe32((uint32_t)strlen(s));

	sb_add(sb, &n, 4);
	sb_addstr(sb, s);
	json_object_put(o);
}

void ctl_msg_encode(const struct ctl_msg *m, struct strbuf *sb)
{
	json_object *o = json_object_new_object(), *a;

	json_object_object_add(o, "type", json_object_new_string(type_names[m->type]));
	add_u64(o, "version", m->version);
	switch (m->type) {
	case CTL_HELLO:
		json_object_object_add(o, "boot_id", json_object_new_string(m->boot_id));
		add_dbl(o, "max_rate", m->max_rate);
		add_dbl(o, "max_duration", m->max_duration);
		add_u64(o, "max_flows", m->max_flows);
		break;
	case CTL_TEST:
	case CTL_OK:
		add_u64(o, "mode", m->mode);
		add_u64(o, "flows", m->flows);
		add_u64(o, "size", m->size);
		add_u64(o, "nsock", m->nsock);
		add_u64(o, "threads", m->threads);
		add_dbl(o, "rate", m->rate);
		add_dbl(o, "duration", m->duration);
		add_u64(o, "count", m->count);
		add_u64(o, "test_id", m->test_id);
		a = json_object_new_array();
		for (uint32_t i = 0; i < m->nports && i < CTL_MAX_PORTS; i++)
			json_object_array_add(a, json_object_new_int(m->ports[i]));
		json_object_object_add(o, "ports", a);
		break;
	case CTL_ERROR:
		json_object_object_add(o, "error", json_object_new_string(m->error));
		break;
	case CTL_INTERVAL:
		add_dbl(o, "t", m->t);
		add_u64(o, "rx", m->rx);
		add_u64(o, "bytes", m->bytes);
		add_u64(o, "missing", m->missing);
		break;
	case CTL_DONE:
	case CTL_STOP:
		add_dbl(o, "tx_seconds", m->tx_seconds);
		a = json_object_new_array();
		for (uint32_t i = 0; i < m->nsent; i++)
			json_object_array_add(a, json_object_new_int64((int64_t)m->sent[i]));
		json_object_object_add(o, "sent", a);
		break;
	default:
		break;
	}
	frame_json(o, sb);
}

void ctl_results_encode(const struct dir_result *d, struct strbuf *sb)
{
	json_object *o = json_object_new_object(), *a, *l;
	static const char *const lk[5] = { "p50", "p90", "p99", "p999", "max" };

	json_object_object_add(o, "type", json_object_new_string("results"));
	add_u64(o, "version", CTL_VERSION);
	add_u64(o, "sent", d->sent);
	add_u64(o, "rx", d->rx);
	add_u64(o, "dup", d->dup);
	add_u64(o, "ooo", d->ooo);
	add_u64(o, "late", d->late);
	add_u64(o, "lost", d->lost);
	add_u64(o, "max_burst", d->max_burst);
	add_u64(o, "bytes", d->bytes);
	add_u64(o, "garbage", d->garbage);
	add_u64(o, "rxq_ovfl", d->rxq_ovfl);
	/* who received: the socket drops above belong to this process */
	{
		char comm[16] = "";
		FILE *f = fopen("/proc/self/comm", "r");

		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		add_u64(o, "rx_pid", (uint64_t)getpid());
		json_object_object_add(o, "rx_comm", json_object_new_string(comm));
	}
	add_dbl(o, "jitter_ms", d->jitter_ms);
	add_dbl(o, "rx_seconds", d->rx_seconds);
	json_object_object_add(o, "latency_valid", json_object_new_boolean(d->latency_valid));
	l = json_object_new_object();
	for (int i = 0; i < 5; i++)
		add_dbl(l, lk[i], d->lat_us[i]);
	add_dbl(l, "min", d->lat_min_us);
	json_object_object_add(o, "latency_us", l);
	a = json_object_new_array();
	for (uint32_t i = 0; i < d->nflows; i++) {
		const struct flow_result *f = &d->flows[i];
		json_object *e = json_object_new_array();

		/* Compact rows: sent rx dup ooo late lost burst jitter_ms lat_min lat_avg lat_max */
		json_object_array_add(e, json_object_new_int64((int64_t)f->sent));
		json_object_array_add(e, json_object_new_int64((int64_t)f->rx));
		json_object_array_add(e, json_object_new_int64((int64_t)f->dup));
		json_object_array_add(e, json_object_new_int64((int64_t)f->ooo));
		json_object_array_add(e, json_object_new_int64((int64_t)f->late));
		json_object_array_add(e, json_object_new_int64((int64_t)f->lost));
		json_object_array_add(e, json_object_new_int64((int64_t)f->max_burst));
		json_object_array_add(e, json_object_new_double(f->jitter_ms));
		json_object_array_add(e, isfinite(f->lat_min_us) ? json_object_new_double(f->lat_min_us) : NULL);
		json_object_array_add(e, isfinite(f->lat_avg_us) ? json_object_new_double(f->lat_avg_us) : NULL);
		json_object_array_add(e, isfinite(f->lat_max_us) ? json_object_new_double(f->lat_max_us) : NULL);
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "flows", a);
	frame_json(o, sb);
}

int ctl_results_parse(const char *body, size_t len, struct dir_result *d)
{
	static const char *const lk[5] = { "p50", "p90", "p99", "p999", "max" };
	json_object *o, *f, *a, *l;
	bool bad = false;
	int r = -EINVAL;

	memset(d, 0, sizeof(*d));
	o = parse_json(body, len);
	if (!o)
		return -EINVAL;
	if (!json_object_object_get_ex(o, "type", &f) || !json_object_is_type(f, json_type_string) ||
	    strcmp(json_object_get_string(f), "results"))
		goto out;
	if (get_u64(o, "sent", &d->sent, INT64_MAX, false) ||
	    get_u64(o, "rx", &d->rx, INT64_MAX, true) ||
	    get_u64(o, "dup", &d->dup, INT64_MAX, false) ||
	    get_u64(o, "ooo", &d->ooo, INT64_MAX, false) ||
	    get_u64(o, "late", &d->late, INT64_MAX, false) ||
	    get_u64(o, "lost", &d->lost, INT64_MAX, false) ||
	    get_u64(o, "max_burst", &d->max_burst, INT64_MAX, false) ||
	    get_u64(o, "bytes", &d->bytes, INT64_MAX, false) ||
	    get_u64(o, "garbage", &d->garbage, INT64_MAX, false) ||
	    get_u64(o, "rxq_ovfl", &d->rxq_ovfl, INT64_MAX, false) ||
	    get_u64(o, "rx_pid", &d->rx_pid, INT32_MAX, false) ||
	    get_dbl(o, "jitter_ms", &d->jitter_ms, 1e12, false) ||
	    get_dbl(o, "rx_seconds", &d->rx_seconds, 1e9, false) ||
	    get_bool(o, "latency_valid", &d->latency_valid))
		goto out;
	{
		json_object *cm;

		if (json_object_object_get_ex(o, "rx_comm", &cm) &&
		    json_object_is_type(cm, json_type_string))
			snprintf(d->rx_comm, sizeof(d->rx_comm), "%.15s", json_object_get_string(cm));
	}
	for (int i = 0; i < 5; i++)
		d->lat_us[i] = NAN;
	d->lat_min_us = NAN;
	if (json_object_object_get_ex(o, "latency_us", &l)) {
		if (!json_object_is_type(l, json_type_object))
			goto out;
		for (int i = 0; i < 5; i++)
			if (get_dbl(l, lk[i], &d->lat_us[i], 1e15, false))
				goto out;
		if (get_dbl(l, "min", &d->lat_min_us, 1e15, false))
			goto out;
	}
	a = get_array(o, "flows", CTL_MAX_FLOWS, &bad);
	if (bad)
		goto out;
	if (a) {
		d->nflows = (uint32_t)json_object_array_length(a);
		d->flows = d->nflows ? xcalloc(d->nflows, sizeof(*d->flows)) : NULL;
		for (uint32_t i = 0; i < d->nflows; i++) {
			json_object *e = json_object_array_get_idx(a, i);
			struct flow_result *fr = &d->flows[i];
			uint64_t *u[7] = { &fr->sent, &fr->rx, &fr->dup, &fr->ooo, &fr->late,
					   &fr->lost, &fr->max_burst };
			double *dv[4] = { &fr->jitter_ms, &fr->lat_min_us, &fr->lat_avg_us,
					  &fr->lat_max_us };

			if (!json_object_is_type(e, json_type_array) ||
			    json_object_array_length(e) != 11)
				goto out_flows;
			for (int k = 0; k < 7; k++) {
				json_object *x = json_object_array_get_idx(e, (size_t)k);

				if (!json_object_is_type(x, json_type_int) ||
				    json_object_get_int64(x) < 0)
					goto out_flows;
				*u[k] = (uint64_t)json_object_get_int64(x);
			}
			for (int k = 0; k < 4; k++) {
				json_object *x = json_object_array_get_idx(e, (size_t)k + 7);

				if (!x) {
					*dv[k] = NAN;
					continue;
				}
				if (!json_object_is_type(x, json_type_double) &&
				    !json_object_is_type(x, json_type_int))
					goto out_flows;
				*dv[k] = json_object_get_double(x);
				if (!isfinite(*dv[k]))
					goto out_flows;
			}
		}
	}
	d->valid = true;
	r = 0;
	goto out;
out_flows:
	dir_result_release(d);
out:
	json_object_put(o);
	return r;
}

void ctl_conn_init(struct ctl_conn *c, int fd, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->max = max;
	sb_init(&c->in);
}

void ctl_conn_release(struct ctl_conn *c)
{
	sb_release(&c->in);
}

int ctl_recv_frame(struct ctl_conn *c, int timeout_ms, const char **body, size_t *len)
{
	double deadline = now_mono() + timeout_ms / 1000.0;

	if (c->consumed) { /* drop the frame handed out last time */
		memmove(c->in.buf, c->in.buf + c->consumed, c->in.len - c->consumed);
		c->in.len -= c->consumed;
		c->consumed = 0;
		c->partial_since = c->in.len ? now_mono() : 0;
	}
	for (;;) {
		size_t n = 0;
		int r = ctl_frame_parse(c->in.buf, c->in.len, c->max, &n);
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		double now = now_mono(), wait;
		ssize_t got;

		if (r < 0)
			return r;
		if (r == 1) {
			*body = c->in.buf + 4;
			*len = n;
			c->consumed = n + 4;
			return 1;
		}
		if (c->partial_since && now - c->partial_since > CTL_FRAME_TIMEOUT_MS / 1000.0)
			return -ETIMEDOUT;
		if (now >= deadline)
			return 0;
		wait = deadline - now;
		if (c->partial_since && c->partial_since + CTL_FRAME_TIMEOUT_MS / 1000.0 - now < wait)
			wait = c->partial_since + CTL_FRAME_TIMEOUT_MS / 1000.0 - now;
		r = poll(&pfd, 1, (int)(wait * 1000) + 1);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		sb_grow(&c->in, 65536);
		got = recv(c->fd, c->in.buf + c->in.len, c->in.cap - c->in.len - 1, MSG_DONTWAIT);
		if (got == 0)
			return -ECONNRESET;
		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if (!c->in.len)
			c->partial_since = now_mono();
		c->in.len += (size_t)got;
		if (c->in.len > c->max + 4 + (1u << 20))
			return -EMSGSIZE;
	}
}

int ctl_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ctl_send_msg(int fd, const struct ctl_msg *m)
{
	struct strbuf sb;
	int r;

	sb_init(&sb);
	ctl_msg_encode(m, &sb);
	r = ctl_send_all(fd, sb.buf, sb.len);
	sb_release(&sb);
	return r;
}

void ctl_boot_id(char *buf, size_t n)
{
	if (read_small("/proc/sys/kernel/random/boot_id", buf, n))
		snprintf(buf, n, "unknown");
}
