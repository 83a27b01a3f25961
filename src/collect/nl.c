/* nl.c: libmnl helpers for the rtnetlink collectors: socket, dump loop, notification
 * drain, and a buffer-level message and attribute walker (see nl.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include "nl.h"
#include "../core/util.h"

#define NL_BUFSZ (64 * 1024)

struct nl_sock {
	struct mnl_socket *mnl;
	uint32_t seq;
	char *buf;
	bool polled;              /* subscribed, and in ep below */
	bool ready;               /* the last poll saw something to read */
	unsigned long drain_gen;  /* poll_gen at the last drain */
};

/* Every subscribed socket of the process in one epoll set, so that one epoll_wait per
 * snapshot (nl_poll_events) tells which of some hundreds have notifications, instead
 * of one recv() each that finds nothing (2 a namespace: 1.9 % of a snapshot on the
 * 100-namespace host). Level-triggered; an overrun (ENOBUFS) shows as EPOLLERR. */
static int ep = -1;
static size_t npolled;
static unsigned long poll_gen;
static struct epoll_event *evs;
static size_t evs_cap;

static void poll_add(struct nl_sock *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };

	if (ep < 0)
		ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, mnl_socket_get_fd(s->mnl), &ev))
		return; /* nl_drain reads it every time */
	s->polled = true;
	s->drain_gen = poll_gen;
	npolled++;
}

void nl_poll_events(void)
{
	int n;

	if (ep < 0 || !npolled)
		return;
	if (evs_cap < npolled) {
		evs_cap = npolled;
		evs = xrealloc(evs, evs_cap * sizeof(*evs));
	}
	/* all of them fit: a level-triggered set reports each ready socket once per call */
	n = epoll_wait(ep, evs, (int)evs_cap, 0);
	if (n < 0)
		return; /* no new round: every drain reads its socket */
	poll_gen++;
	for (int i = 0; i < n; i++)
		((struct nl_sock *)evs[i].data.ptr)->ready = true;
}

struct nl_sock *nl_open(unsigned groups)
{
	struct nl_sock *s;
	int flags = SOCK_CLOEXEC | (groups ? SOCK_NONBLOCK : 0), e;
	struct timeval tv = { .tv_sec = 3 };

	s = xcalloc(1, sizeof(*s));
	s->mnl = mnl_socket_open2(NETLINK_ROUTE, flags);
	if (!s->mnl)
		goto fail;
	if (mnl_socket_bind(s->mnl, groups, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* A dump never waits long; a wedged kernel must not wedge the monitor. */
	setsockopt(mnl_socket_get_fd(s->mnl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	s->seq = (uint32_t)time(NULL);
	s->buf = xmalloc(NL_BUFSZ);
	if (groups)
		poll_add(s);
	return s;
fail:
	e = errno;
	if (s->mnl)
		mnl_socket_close(s->mnl);
	free(s);
	errno = e;
	return NULL;
}

void nl_close(struct nl_sock *s)
{
	if (!s)
		return;
	if (s->polled) {
		epoll_ctl(ep, EPOLL_CTL_DEL, mnl_socket_get_fd(s->mnl), NULL);
		npolled--;
	}
	mnl_socket_close(s->mnl);
	free(s->buf);
	free(s);
}

int nl_parse_buf(const void *buf, size_t len, uint32_t seq, nl_msg_cb cb, void *data)
{
	const char *p = buf;
	size_t left = buf ? len : 0;

	/* Not mnl_nlmsg_ok(): libmnl 1.0.4 compares (int)nlmsg_len, so a length above 2^31
	 * passes as negative and the walk leaves the buffer (found by fuzz_link). */
	while (left >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;
		size_t ml = nlh->nlmsg_len, adv;

		if (ml < sizeof(*nlh) || ml > left)
			return -EBADMSG; /* truncated, or a header claims more than we hold */
		adv = NLMSG_ALIGN(ml) < left ? NLMSG_ALIGN(ml) : left;
		p += adv;
		left -= adv;
		if (seq && nlh->nlmsg_seq != seq)
			continue;
		if (nlh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			int32_t err;

			if (ml < sizeof(*nlh) + sizeof(err))
				return -EBADMSG;
			memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
			if (err > 0 || err < -4095)
				return -EBADMSG;
			return err ? err : 1; /* an ACK ends the exchange */
		}
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue; /* NOOP, OVERRUN */
		if (cb) {
			int r = cb(nlh, data);

			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Send req with flags and feed the replies to cb: a dump until NLMSG_DONE, a single
 * request its one reply. */
static int nl_exchange(struct nl_sock *s, struct nlmsghdr *req, bool dump, nl_msg_cb cb,
		       void *data)
{
	uint32_t seq = ++s->seq;

	if (!seq)
		seq = ++s->seq;
	req->nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0);
	req->nlmsg_seq = seq;
	req->nlmsg_pid = 0;
	if (mnl_socket_sendto(s->mnl, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s->mnl, s->buf, NL_BUFSZ);
		int r;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		r = nl_parse_buf(s->buf, (size_t)n, seq, cb, data);
		if (r || !dump)
			return r < 0 ? r : 0;
	}
}

int nl_dump(struct nl_sock *s, struct nlmsghdr *req, nl_msg_cb cb, void *data)
{
	return nl_exchange(s, req, true, cb, data);
}

int nl_request(struct nl_sock *s, struct nlmsghdr *req, nl_msg_cb cb, void *data)
{
	return nl_exchange(s, req, false, cb, data);
}

int nl_drain(struct nl_sock *s)
{
	int count = 0;

	/* a poll since the last drain found nothing here: what recv() would find now */
	if (s->polled && s->drain_gen != poll_gen && !s->ready) {
		s->drain_gen = poll_gen;
		return 0;
	}
	s->ready = false;
	s->drain_gen = poll_gen;
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(s->mnl), s->buf, NL_BUFSZ, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return count;
			if (errno == ENOBUFS) { /* overrun: we lost events, so assume a change */
				count++;
				continue;
			}
			return -errno;
		}
		if (n == 0)
			return count;
		count++;
	}
}

struct tb_ctx {
	const struct nlattr **tb;
	unsigned max;
};

static int tb_cb(const struct nlattr *a, void *data)
{
	struct tb_ctx *t = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

int nl_attr_table(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		  unsigned max)
{
	struct tb_ctx t = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrlen))
		return -EBADMSG;
	mnl_attr_parse(nlh, (unsigned)hdrlen, tb_cb, &t);
	return 0;
}

int nl_nested_table(const struct nlattr *nest, const struct nlattr **tb, unsigned max)
{
	struct tb_ctx t = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (!nest || mnl_attr_get_payload_len(nest) < MNL_ATTR_HDRLEN)
		return nest ? 0 : -ENOENT;
	mnl_attr_parse_nested(nest, tb_cb, &t);
	return 0;
}

size_t nl_get_struct(const struct nlattr *a, void *out, size_t n)
{
	size_t len;

	memset(out, 0, n);
	if (!a)
		return 0;
	len = mnl_attr_get_payload_len(a);
	if (len > n)
		len = n;
	memcpy(out, mnl_attr_get_payload(a), len);
	return len;
}

bool nl_get_u8(const struct nlattr *a, uint8_t *v)
{
	return a && mnl_attr_get_payload_len(a) >= 1 && (*v = *(const uint8_t *)mnl_attr_get_payload(a), true);
}

bool nl_get_u16(const struct nlattr *a, uint16_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) < sizeof(*v))
		return false;
	memcpy(v, mnl_attr_get_payload(a), sizeof(*v));
	return true;
}

bool nl_get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) < sizeof(*v))
		return false;
	memcpy(v, mnl_attr_get_payload(a), sizeof(*v));
	return true;
}

bool nl_get_s32(const struct nlattr *a, int32_t *v)
{
	return nl_get_u32(a, (uint32_t *)v);
}

bool nl_get_str(const struct nlattr *a, char *out, size_t n)
{
	size_t len;
	const char *p;

	if (!a || !n)
		return false;
	len = mnl_attr_get_payload_len(a);
	p = mnl_attr_get_payload(a);
	len = strnlen(p, len);
	if (len >= n)
		len = n - 1;
	memcpy(out, p, len);
	out[len] = '\0';
	return len > 0;
}
