/* util.c: allocation, string buffers, strict parsers, clocks and small file I/O. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <ctype.h>
#include "util.h"

static void oom(size_t n)
{
	fprintf(stderr, "dptune: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p)
		oom(n * sz);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom(strlen(s));
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom(0);
	return p;
}

void grow_array(void **arr, size_t *cap, size_t need, size_t sz)
{
	size_t n;

	if (need <= *cap)
		return;
	n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	*arr = xrealloc(*arr, n * sz);
	*cap = n;
}

void sb_init(struct strbuf *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb_init(sb);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need > sb->cap) {
		size_t n = sb->cap ? sb->cap : 256;

		while (n < need)
			n *= 2;
		sb->buf = xrealloc(sb->buf, n);
		sb->cap = n;
	}
}

void sb_add(struct strbuf *sb, const void *data, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_addstr(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	char probe[1];
	int n;

	if (!fmt)
		return;
	va_copy(cp, ap);
	n = vsnprintf(probe, sizeof(probe), fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	sb_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int r = parse_u64(s, &v);

	if (r)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int parse_int(const char *s, int *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v > INT32_MAX || v < INT32_MIN)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* Parse a positive decimal with an optional k/M/G suffix; rest must equal one of tails. */
static int parse_scaled(const char *s, double *out, const char *const *tails)
{
	char *end;
	double v, mul = 1;

	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || !isfinite(v))
		return -ERANGE;
	if (*end == 'k' || *end == 'K')
		mul = 1e3, end++;
	else if (*end == 'M')
		mul = 1e6, end++;
	else if (*end == 'G')
		mul = 1e9, end++;
	for (; *tails; tails++)
		if (!strcmp(end, *tails)) {
			*out = v * mul;
			return 0;
		}
	return -EINVAL;
}

int parse_rate(const char *s, double *pps, bool *is_max)
{
	static const char *const tails[] = { "", "pps", NULL };
	int r;

	if (is_max)
		*is_max = false;
	if (s && !strcmp(s, "max")) {
		if (!is_max)
			return -EINVAL;
		*is_max = true;
		*pps = 0;
		return 0;
	}
	r = parse_scaled(s, pps, tails);
	if (r)
		return r;
	if (*pps <= 0)
		return -ERANGE;
	return 0;
}

int parse_seconds(const char *s, double *sec, bool allow_zero)
{
	char *end;
	double v;

	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || !isfinite(v))
		return -ERANGE;
	if (!strcmp(end, "ms"))
		v /= 1000;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		v *= 60;
	else if (*end && strcmp(end, "s"))
		return -EINVAL;
	if (v < 0 || (!allow_zero && v <= 0) || v > 86400 * 365)
		return -ERANGE;
	*sec = v;
	return 0;
}

int parse_size_list(const char *s, unsigned *out, int max, unsigned minv, unsigned maxv)
{
	char tmp[256], *save = NULL, *tok;
	int n = 0;

	if (!s || strlen(s) >= sizeof(tmp))
		return -EINVAL;
	strcpy(tmp, s);
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint32_t v;

		if (n >= max)
			return -E2BIG;
		if (parse_u32(tok, &v))
			return -EINVAL;
		if (v < minv || v > maxv)
			return -ERANGE;
		out[n++] = v;
	}
	return n ? n : -EINVAL;
}

const char *fmt_rate(char *buf, size_t n, double v)
{
	if (v >= 1e9)
		snprintf(buf, n, "%.2fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, n, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else if (v == floor(v))
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.1f", v);
	return buf;
}

double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


int read_file_sb(const char *path, struct strbuf *sb, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	sb_reset(sb);
	for (;;) {
		ssize_t n;

		sb_grow(sb, 4096);
		n = read(fd, sb->buf + sb->len, sb->cap - sb->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		sb->len += (size_t)n;
		if (sb->len > max) {
			r = -EFBIG;
			break;
		}
	}
	if (sb->buf)
		sb->buf[sb->len] = '\0';
	close(fd);
	return r;
}

int read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = read(fd, buf, n - 1);
	if (r < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	close(fd);
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return 0;
}


int write_small(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(val);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = write(fd, val, len);
	if (r < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (close(fd))
		return -errno;
	return (size_t)r == len ? 0 : -EIO;
}

int split_ws(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;

	while (*p && n < max) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		fields[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

uint64_t counter_delta(uint64_t prev, uint64_t cur, bool wrap32)
{
	if (cur >= prev)
		return cur - prev;
	if (wrap32 && prev <= UINT32_MAX && cur <= UINT32_MAX)
		return (uint64_t)UINT32_MAX + 1 - prev + cur;
	return 0; /* counter reset (device re-created, ns replaced): no rate */
}

int cpulist_parse(const char *buf, size_t len, int *ids, int max)
{
	const char *p = buf, *end = buf + len;
	int n = 0;

	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t'))
		p++;
	while (p < end && *p != '\n' && *p != ' ') {
		long a = 0, b;
		int digits = 0;

		while (p < end && *p >= '0' && *p <= '9' && digits < 7) {
			a = a * 10 + (*p++ - '0');
			digits++;
		}
		if (!digits)
			return -EINVAL;
		b = a;
		if (p < end && *p == '-') {
			p++;
			b = 0;
			digits = 0;
			while (p < end && *p >= '0' && *p <= '9' && digits < 7) {
				b = b * 10 + (*p++ - '0');
				digits++;
			}
			if (!digits || b < a)
				return -EINVAL;
		}
		for (long i = a; i <= b && n < max; i++)
			ids[n++] = (int)i;
		if (p < end && *p == ',')
			p++;
		else if (p < end && *p != '\n' && *p != ' ')
			return -EINVAL;
	}
	return n;
}

const char *buf_tok(const char **p, const char *end, size_t *tlen)
{
	const char *s = *p, *t;

	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	if (s >= end)
		return NULL;
	t = s;
	while (t < end && *t != ' ' && *t != '\t' && *t != '\r')
		t++;
	*tlen = (size_t)(t - s);
	*p = t;
	return s;
}

bool env_on(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0");
}
