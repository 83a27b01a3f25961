/* promwriter.c: the Prometheus / OpenMetrics text writer (promwriter.h). Numbers are
 * formatted by hand (printf is most of the cost at 50k samples a scrape). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "promwriter.h"
#include "../core/util.h"

void pw_init(struct promwriter *w)
{
	memset(w, 0, sizeof(*w));
}

void pw_release(struct promwriter *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

void pw_reset(struct promwriter *w, enum pw_format fmt)
{
	w->len = 0;
	w->fmt = fmt;
	w->in_labels = false;
	w->samples = 0;
}

static inline void need(struct promwriter *w, size_t n)
{
	if (w->len + n + 1 > w->cap) {
		size_t c = w->cap ? w->cap : 65536;

		while (c < w->len + n + 1)
			c *= 2;
		w->buf = xrealloc(w->buf, c);
		w->cap = c;
	}
}

void pw_raw(struct promwriter *w, const char *s, size_t n)
{
	need(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static inline void put_c(struct promwriter *w, char c)
{
	need(w, 1);
	w->buf[w->len++] = c;
	w->buf[w->len] = '\0';
}

static inline void put_s(struct promwriter *w, const char *s)
{
	pw_raw(w, s, strlen(s));
}

/* HELP text escapes backslash and newline; label values also the double quote. */
static void escape(struct promwriter *w, const char *v, size_t n, bool quote)
{
	size_t plain = 0;

	/* the common case: nothing to escape, one copy */
	while (plain < n && v[plain] != '\\' && v[plain] != '"' && v[plain] != '\n')
		plain++;
	need(w, plain + 2 * (n - plain));
	memcpy(w->buf + w->len, v, plain);
	w->len += plain;
	for (size_t i = plain; i < n; i++) {
		char c = v[i];

		if (c == '\\' || (quote && c == '"')) {
			w->buf[w->len++] = '\\';
			w->buf[w->len++] = c;
		} else if (c == '\n') {
			w->buf[w->len++] = '\\';
			w->buf[w->len++] = 'n';
		} else {
			w->buf[w->len++] = c;
		}
	}
	w->buf[w->len] = '\0';
}

void pw_escape_value(struct promwriter *w, const char *v, size_t n)
{
	escape(w, v, n, true);
}

void pw_family(struct promwriter *w, const char *name, enum pw_type type, const char *help)
{
	size_t nl = strlen(name);

	if (w->fmt == PW_OPENMETRICS && type == PW_COUNTER && nl > 6 &&
	    !strcmp(name + nl - 6, "_total"))
		nl -= 6;
	put_s(w, "# HELP ");
	pw_raw(w, name, nl);
	put_c(w, ' ');
	escape(w, help, strlen(help), w->fmt == PW_OPENMETRICS);
	put_s(w, "\n# TYPE ");
	pw_raw(w, name, nl);
	put_s(w, type == PW_COUNTER ? " counter\n" : " gauge\n");
}

void pw_sample_begin(struct promwriter *w, const char *name)
{
	put_s(w, name);
	w->in_labels = false;
}

void pw_label_n(struct promwriter *w, const char *key, const char *value, size_t n)
{
	if (!n)
		return;
	put_c(w, w->in_labels ? ',' : '{');
	w->in_labels = true;
	put_s(w, key);
	put_s(w, "=\"");
	escape(w, value, n, true);
	put_c(w, '"');
}

void pw_labels_raw(struct promwriter *w, const char *text, size_t n)
{
	if (!n)
		return;
	put_c(w, w->in_labels ? ',' : '{');
	w->in_labels = true;
	pw_raw(w, text, n);
}

void pw_label(struct promwriter *w, const char *key, const char *value)
{
	if (value)
		pw_label_n(w, key, value, strlen(value));
}

/* Decimal digits of v into the end of b (size >= 21); returns where they start. */
static char *u64_digits(uint64_t v, char *end)
{
	char *p = end;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

void pw_label_int(struct promwriter *w, const char *key, long long v)
{
	char b[24], *p = u64_digits(v < 0 ? (uint64_t)-v : (uint64_t)v, b + sizeof(b));

	if (v < 0)
		*--p = '-';
	pw_label_n(w, key, p, (size_t)(b + sizeof(b) - p));
}

static void end_labels(struct promwriter *w)
{
	if (w->in_labels)
		put_c(w, '}');
	w->in_labels = false;
	put_c(w, ' ');
}

void pw_value_u64(struct promwriter *w, uint64_t v)
{
	char b[24], *p = u64_digits(v, b + sizeof(b) - 1);

	b[sizeof(b) - 1] = '\n';
	end_labels(w);
	pw_raw(w, p, (size_t)(b + sizeof(b) - p));
	w->samples++;
}

void pw_value_double(struct promwriter *w, double v)
{
	char b[40];
	int n;

	end_labels(w);
	if (isnan(v))
		n = snprintf(b, sizeof(b), "NaN\n");
	else if (isinf(v))
		n = snprintf(b, sizeof(b), "%s\n", v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		n = snprintf(b, sizeof(b), "%.0f\n", v);
	else
		n = snprintf(b, sizeof(b), "%.9g\n", v);
	pw_raw(w, b, (size_t)n);
	w->samples++;
}

void pw_finish(struct promwriter *w)
{
	if (w->fmt == PW_OPENMETRICS)
		put_s(w, "# EOF\n");
}
