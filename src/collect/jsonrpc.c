/* jsonrpc.c: JSON-RPC client over a unix stream socket (OVSDB, OVS unixctl), with an
 * incremental json_tokener reader, a deadline per call and a size limit per reply. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "jsonrpc.h"
#include "../core/util.h"

struct jsonrpc {
	int fd;
	char *path;
	int64_t next_id;
	struct jsonrpc_reader rd;
	char pend[4096]; /* bytes read past the previous reply */
	size_t npend;
};

void jsonrpc_reader_init(struct jsonrpc_reader *rd, size_t max)
{
	rd->tok = json_tokener_new_ex(64);
	if (!rd->tok) {
		fprintf(stderr, "dptune: out of memory\n");
		abort();
	}
	rd->msg_bytes = 0;
	rd->max = max;
}

void jsonrpc_reader_release(struct jsonrpc_reader *rd)
{
	if (rd->tok)
		json_tokener_free(rd->tok);
	rd->tok = NULL;
}

static void reader_reset(struct jsonrpc_reader *rd)
{
	json_tokener_reset(rd->tok);
	rd->msg_bytes = 0;
}

int jsonrpc_reader_feed(struct jsonrpc_reader *rd, const char *buf, size_t len, size_t *used,
			json_object **msg)
{
	size_t skip = 0, take, end;
	json_object *o;
	enum json_tokener_error e;

	*msg = NULL;
	*used = 0;
	/* Whitespace between messages must not count toward a message or start one. */
	if (!rd->msg_bytes)
		while (skip < len && (buf[skip] == ' ' || buf[skip] == '\n' ||
				      buf[skip] == '\r' || buf[skip] == '\t'))
			skip++;
	if (skip == len) {
		*used = len;
		return 0;
	}
	take = len - skip;
	if (take > rd->max - rd->msg_bytes + 1)
		take = rd->max - rd->msg_bytes + 1; /* one byte over the limit is enough to know */
	if (take > INT32_MAX)
		take = INT32_MAX;
	o = json_tokener_parse_ex(rd->tok, buf + skip, (int)take);
	e = json_tokener_get_error(rd->tok);
	end = json_tokener_get_parse_end(rd->tok);
	if (end > take)
		end = take;
	if (!o && e == json_tokener_continue) {
		rd->msg_bytes += take;
		*used = skip + take;
		if (rd->msg_bytes > rd->max) {
			reader_reset(rd);
			return -EFBIG;
		}
		return 0;
	}
	if (!o || e != json_tokener_success) {
		json_object_put(o);
		reader_reset(rd);
		*used = skip + end;
		return -EPROTO;
	}
	rd->msg_bytes += end;
	*used = skip + end;
	if (rd->msg_bytes > rd->max) {
		json_object_put(o);
		reader_reset(rd);
		return -EFBIG;
	}
	reader_reset(rd);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -EPROTO;
	}
	*msg = o;
	return 1;
}

int jsonrpc_reply_check(json_object *msg, int64_t id, json_object **result, char *err,
			size_t errn)
{
	json_object *jid, *jres = NULL, *jerr = NULL, *jm;

	*result = NULL;
	if (err && errn)
		err[0] = '\0';
	if (!json_object_is_type(msg, json_type_object))
		return -EPROTO;
	if (json_object_object_get_ex(msg, "method", &jm) && jm &&
	    !json_object_is_type(jm, json_type_null))
		return 1; /* a request or notification from the peer */
	if (!json_object_object_get_ex(msg, "id", &jid) || !jid ||
	    !json_object_is_type(jid, json_type_int) || json_object_get_int64(jid) != id)
		return 1;
	json_object_object_get_ex(msg, "error", &jerr);
	if (jerr && !json_object_is_type(jerr, json_type_null)) {
		if (err && errn) {
			const char *s = json_object_is_type(jerr, json_type_string) ?
				json_object_get_string(jerr) :
				json_object_to_json_string_ext(jerr, JSON_C_TO_STRING_PLAIN);
			size_t n;

			snprintf(err, errn, "%s", s ? s : "error");
			n = strlen(err);
			while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
				err[--n] = '\0';
		}
		return -EREMOTEIO;
	}
	if (!json_object_object_get_ex(msg, "result", &jres))
		return -EPROTO;
	*result = json_object_get(jres); /* NULL for JSON null is fine */
	return 0;
}

int jsonrpc_parse_reply(const char *buf, size_t len, int64_t id, size_t max,
			json_object **result, char *err, size_t errn)
{
	struct jsonrpc_reader rd;
	size_t off = 0;
	int r = -ENODATA;

	*result = NULL;
	jsonrpc_reader_init(&rd, max);
	while (off < len) {
		json_object *msg;
		size_t used;

		r = jsonrpc_reader_feed(&rd, buf + off, len - off, &used, &msg);
		if (r < 0)
			break;
		off += used;
		if (r == 0) {
			r = -ENODATA;
			if (!used)
				break;
			continue;
		}
		r = jsonrpc_reply_check(msg, id, result, err, errn);
		json_object_put(msg);
		if (r <= 0)
			break;
		r = -ENODATA;
	}
	jsonrpc_reader_release(&rd);
	return r;
}

int jsonrpc_open(const char *path, struct jsonrpc **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct jsonrpc *r;
	int fd;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(fd);
		return e == EAGAIN ? -ECONNREFUSED : -e;
	}
	r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->path = xstrdup(path);
	r->next_id = 1;
	jsonrpc_reader_init(&r->rd, JSONRPC_MAX_REPLY);
	*out = r;
	return 0;
}

void jsonrpc_close(struct jsonrpc *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	jsonrpc_reader_release(&r->rd);
	free(r->path);
	free(r);
}

const char *jsonrpc_path(const struct jsonrpc *r)
{
	return r->path;
}

static int remaining_ms(double deadline)
{
	double d = (deadline - now_mono()) * 1000.0;

	return d <= 0 ? 0 : (int)d + 1;
}

static int send_all(struct jsonrpc *r, const char *s, size_t n, double deadline)
{
	while (n) {
		ssize_t k = send(r->fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (k > 0) {
			s += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno != EAGAIN)
			return -errno;
		struct pollfd p = { .fd = r->fd, .events = POLLOUT };
		int ms = remaining_ms(deadline), pr;

		if (!ms)
			return -ETIMEDOUT;
		pr = poll(&p, 1, ms);
		if (pr < 0 && errno != EINTR)
			return -errno;
		if (pr == 0)
			return -ETIMEDOUT;
	}
	return 0;
}

/* Answer an "echo" request (ovsdb-server's inactivity probe) so the peer keeps us. */
static int answer_echo(struct jsonrpc *r, json_object *msg, double deadline)
{
	json_object *jm, *jid, *jp, *rep;
	const char *s;
	int ret;

	if (!json_object_object_get_ex(msg, "method", &jm) ||
	    !json_object_is_type(jm, json_type_string) ||
	    strcmp(json_object_get_string(jm), "echo") ||
	    !json_object_object_get_ex(msg, "id", &jid))
		return 0;
	json_object_object_get_ex(msg, "params", &jp);
	rep = json_object_new_object();
	json_object_object_add(rep, "id", json_object_get(jid));
	json_object_object_add(rep, "result", jp ? json_object_get(jp) : json_object_new_array());
	json_object_object_add(rep, "error", NULL);
	s = json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN);
	ret = send_all(r, s, strlen(s), deadline);
	json_object_put(rep);
	return ret;
}

int jsonrpc_call(struct jsonrpc *r, const char *method, json_object *params, int timeout_ms,
		 json_object **result, char *err, size_t errn)
{
	double deadline = now_mono() + timeout_ms / 1000.0;
	int64_t id = r->next_id++;
	json_object *req = json_object_new_object();
	char buf[65536];
	const char *s;
	int ret;

	*result = NULL;
	if (err && errn)
		err[0] = '\0';
	json_object_object_add(req, "method", json_object_new_string(method));
	json_object_object_add(req, "params", params ? params : json_object_new_array());
	json_object_object_add(req, "id", json_object_new_int64(id));
	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	ret = send_all(r, s, strlen(s), deadline);
	json_object_put(req);
	if (ret)
		return ret;
	for (;;) {
		size_t n = 0, off = 0;

		if (r->npend) {
			memcpy(buf, r->pend, r->npend);
			n = r->npend;
			r->npend = 0;
		} else {
			struct pollfd p = { .fd = r->fd, .events = POLLIN };
			int ms = remaining_ms(deadline), pr;
			ssize_t k;

			if (!ms)
				return -ETIMEDOUT;
			pr = poll(&p, 1, ms);
			if (pr < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (pr == 0)
				return -ETIMEDOUT;
			k = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (k < 0) {
				if (errno == EINTR || errno == EAGAIN)
					continue;
				return -errno;
			}
			if (k == 0)
				return -ECONNRESET;
			n = (size_t)k;
		}
		while (off < n) {
			json_object *msg;
			size_t used;

			ret = jsonrpc_reader_feed(&r->rd, buf + off, n - off, &used, &msg);
			if (ret < 0)
				return ret;
			off += used;
			if (ret == 0)
				break;
			ret = jsonrpc_reply_check(msg, id, result, err, errn);
			if (ret == 1) {
				ret = answer_echo(r, msg, deadline);
				json_object_put(msg);
				if (ret)
					return ret;
				continue;
			}
			json_object_put(msg);
			if (off < n) {
				/* Unsolicited bytes after our reply: keep what fits for next time. */
				if (n - off > sizeof(r->pend))
					return -EPROTO;
				memcpy(r->pend, buf + off, n - off);
				r->npend = n - off;
			}
			return ret;
		}
	}
}
