/* print.c: the text/JSON print layer. The JSON side is a streaming writer: each value is
 * appended, already serialised, to one reusable growing buffer (a strbuf) as it is
 * printed; a small stack of "array? first element?" flags places the commas. The buffer
 * holds one document until its outermost container closes, then goes out in one write
 * (so print_abort() can drop a half-built document) and is emptied, keeping its memory:
 * no tree, no allocation per value or per row once the buffer has grown.
 *
 * JSON written: strings per RFC 8259 (", \ and the control characters escaped, \n \t ...
 * by name, the others as \u00XX; valid UTF-8 passed through; each byte that does not
 * start or continue a valid UTF-8 sequence replaced by U+FFFD, so the output is always
 * valid UTF-8); integers exact (uint64 to 2^64-1); doubles in the shortest of %.15g,
 * %.16g, %.17g that reads back to the same double, always with a '.' or an exponent so
 * they stay doubles for a reader, NaN and infinities as null. Key order is print order. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "print.h"

#define PRINT_DEPTH 64

static enum print_mode mode = PRINT_TEXT;
static FILE *out;
static struct strbuf doc;            /* the document being built, reused */
static int depth;                    /* open containers (up to PRINT_DEPTH) */
static int overflow;                 /* containers opened beyond PRINT_DEPTH: dropped */
static bool is_array[PRINT_DEPTH];
static bool has_item[PRINT_DEPTH];

static void reset_doc(void)
{
	depth = 0;
	overflow = 0;
	doc.len = 0;
}

void print_init(enum print_mode m, FILE *fp)
{
	mode = m;
	out = fp;
	reset_doc();
}

enum print_mode print_mode(void)
{
	return mode;
}

bool print_is_json(void)
{
	return mode == PRINT_JSON;
}

FILE *print_fp(void)
{
	return out ? out : stdout;
}

/* Room for n more bytes at doc.buf + doc.len (strbuf keeps one for its NUL). */
static inline char *room(size_t n)
{
	if (doc.len + n + 1 > doc.cap)
		sb_grow(&doc, n);
	return doc.buf + doc.len;
}

static inline void put(const char *s, size_t n)
{
	memcpy(room(n), s, n);
	doc.len += n;
}

static inline void putc1(char c)
{
	*room(1) = c;
	doc.len++;
}

/* Bytes that go out as they are inside a JSON string: printable ASCII but " and \. */
static inline bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Length of the valid UTF-8 sequence starting at s (at most n bytes), 0 if invalid
 * (overlong forms, surrogates and code points past U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* s as a quoted JSON string. */
static void put_string(const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0;

	putc1('"');
	while (i < n) {
		size_t run = i;

		while (run < n && plain(s[run]))
			run++;
		if (run > i) {
			put((const char *)s + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = s[i];

		if (c >= 0x80) {
			size_t l = utf8_len(s + i, n - i);

			if (l) {
				put((const char *)s + i, l);
				i += l;
			} else {
				put("\xef\xbf\xbd", 3);
				i++;
			}
			continue;
		}
		switch (c) {
		case '"': put("\\\"", 2); break;
		case '\\': put("\\\\", 2); break;
		case '\b': put("\\b", 2); break;
		case '\f': put("\\f", 2); break;
		case '\n': put("\\n", 2); break;
		case '\r': put("\\r", 2); break;
		case '\t': put("\\t", 2); break;
		default: {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			put(e, 6);
		}
		}
		i++;
	}
	putc1('"');
}

/* The separator and the key before a value or a container; false when there is no open
 * document to put it in (the value is then dropped, as json-c dropped it). */
static bool begin_item(const char *key)
{
	if (!depth || overflow)
		return false;
	if (has_item[depth - 1])
		putc1(',');
	has_item[depth - 1] = true;
	if (!is_array[depth - 1]) {
		put_string(key ? key : "");
		putc1(':');
	}
	return true;
}

static void open_container(const char *key, bool array)
{
	if (depth >= PRINT_DEPTH || overflow) {
		overflow++;
		return;
	}
	if (depth)
		begin_item(key);
	putc1(array ? '[' : '{');
	is_array[depth] = array;
	has_item[depth] = false;
	depth++;
}

static void close_container(void)
{
	FILE *fp;

	if (overflow) {
		overflow--;
		return;
	}
	if (!depth)
		return;
	depth--;
	putc1(is_array[depth] ? ']' : '}');
	if (depth)
		return;
	putc1('\n');
	fp = print_fp();
	fwrite(doc.buf, 1, doc.len, fp);
	fflush(fp);
	doc.len = 0;
}

void print_open_object(const char *key)
{
	if (mode == PRINT_JSON)
		open_container(key, false);
}

void print_close_object(void)
{
	if (mode == PRINT_JSON)
		close_container();
}

void print_open_array(const char *key)
{
	if (mode == PRINT_JSON)
		open_container(key, true);
}

void print_close_array(void)
{
	if (mode == PRINT_JSON)
		close_container();
}

static bool to_text(enum print_when w)
{
	return mode == PRINT_TEXT && w != PRINT_JSONONLY;
}

static bool to_json(enum print_when w)
{
	return mode == PRINT_JSON && w != PRINT_FP;
}

/* Decimal digits of v, written backwards ending at end; returns the first digit. */
static char *u64_digits(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

static void put_u64(uint64_t v, bool neg)
{
	char b[24], *p = u64_digits(b + sizeof(b), v);

	if (neg)
		*--p = '-';
	put(p, (size_t)(b + sizeof(b) - p));
}

static void put_double(double v)
{
	char b[40];
	int n = 0;

	if (!isfinite(v)) {
		put("null", 4);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(b, sizeof(b), "%.*g", prec, v);
		if (prec == 17 || strtod(b, NULL) == v)
			break;
	}
	put(b, (size_t)n);
	/* "5" and "-0" would read back as integers: keep them doubles. */
	if (!memchr(b, '.', (size_t)n) && !memchr(b, 'e', (size_t)n))
		put(".0", 2);
}

void print_str(enum print_when w, const char *key, const char *fmt, const char *v)
{
	if (to_json(w)) {
		if (!begin_item(key))
			return;
		if (v)
			put_string(v);
		else
			put("null", 4);
	} else if (to_text(w) && fmt) {
		fprintf(print_fp(), fmt, v ? v : "-");
	}
}

void print_u64(enum print_when w, const char *key, const char *fmt, uint64_t v)
{
	if (to_json(w)) {
		if (begin_item(key))
			put_u64(v, false);
	} else if (to_text(w) && fmt) {
		fprintf(print_fp(), fmt, (unsigned long long)v);
	}
}

void print_i64(enum print_when w, const char *key, const char *fmt, int64_t v)
{
	if (to_json(w)) {
		if (begin_item(key))
			put_u64(v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0);
	} else if (to_text(w) && fmt) {
		fprintf(print_fp(), fmt, (long long)v);
	}
}

void print_double(enum print_when w, const char *key, const char *fmt, double v)
{
	if (to_json(w)) {
		if (begin_item(key))
			put_double(v);
	} else if (to_text(w) && fmt) {
		fprintf(print_fp(), fmt, v);
	}
}

void print_bool(enum print_when w, const char *key, const char *fmt, bool v)
{
	if (to_json(w)) {
		if (begin_item(key))
			put(v ? "true" : "false", v ? 4 : 5);
	} else if (to_text(w) && fmt) {
		fprintf(print_fp(), fmt, v ? "yes" : "no");
	}
}

void print_null(enum print_when w, const char *key, const char *fmt)
{
	if (to_json(w)) {
		if (begin_item(key))
			put("null", 4);
	} else if (to_text(w) && fmt) {
		fputs(fmt, print_fp());
	}
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (mode != PRINT_TEXT)
		return;
	va_start(ap, fmt);
	vfprintf(print_fp(), fmt, ap);
	va_end(ap);
}

void print_nl(void)
{
	if (mode == PRINT_TEXT)
		fputc('\n', print_fp());
}

void print_flush(void)
{
	fflush(print_fp());
}

void print_abort(void)
{
	reset_doc();
}
