/* util.h: small shared helpers: allocation that dies cleanly, string buffers,
 * strict number/rate/duration parsing, monotonic and wall clock. */
#ifndef DPTUNE_UTIL_H
#define DPTUNE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MUST_CHECK __attribute__((warn_unused_result))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* Allocation: abort with a message on out-of-memory (the only sane reaction in a CLI). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Grow *arr (element size sz) so that it holds at least need elements. */
void grow_array(void **arr, size_t *cap, size_t need, size_t sz);

/* Growable byte buffer. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void sb_init(struct strbuf *sb);
void sb_release(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_grow(struct strbuf *sb, size_t extra);
void sb_add(struct strbuf *sb, const void *data, size_t n);
void sb_addstr(struct strbuf *sb, const char *s);
void sb_addf(struct strbuf *sb, const char *fmt, ...) PRINTF_LIKE(2, 3);
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

/* Strict parsers: the whole string must be consumed; return 0 or -EINVAL/-ERANGE. */
int parse_u64(const char *s, uint64_t *out) MUST_CHECK;
int parse_u32(const char *s, uint32_t *out) MUST_CHECK;
int parse_int(const char *s, int *out) MUST_CHECK;
/* "500k", "1.2M", "10kpps", "2500"; "max" gives 0 with *is_max set (is_max may be NULL,
 * then "max" is rejected). */
int parse_rate(const char *s, double *pps, bool *is_max) MUST_CHECK;
/* "1.5", "250ms", "2s", "1m" -> seconds; must be > 0 unless allow_zero. */
int parse_seconds(const char *s, double *sec, bool allow_zero) MUST_CHECK;
/* "64,128,1400" -> array of up to max sizes each in [min,maxv]. */
int parse_size_list(const char *s, unsigned *out, int max, unsigned minv, unsigned maxv) MUST_CHECK;

/* Format a rate compactly ("1.23M", "512k", "37"). Returns buf. */
const char *fmt_rate(char *buf, size_t n, double v);

double now_mono(void);
double now_real(void);

/* Read a whole file (up to max bytes) into sb; returns 0 or -errno. */
int read_file_sb(const char *path, struct strbuf *sb, size_t max) MUST_CHECK;
/* Read a small file and strip trailing newline into buf; 0 or -errno. */
int read_small(const char *path, char *buf, size_t n) MUST_CHECK;
/* Write a string to a file (e.g. a sysfs knob); 0 or -errno. */
int write_small(const char *path, const char *val) MUST_CHECK;

/* An environment switch is on: set, not empty and not "0". */
bool env_on(const char *name);

/* Next token of [*p, end) separated by spaces, tabs or CRs (not newlines): returns its
 * start, sets *tlen and advances *p; NULL when none is left. Never reads past end. */
const char *buf_tok(const char **p, const char *end, size_t *tlen);

/* Split a line into whitespace-separated fields, in place; returns count (<= max). */
int split_ws(char *line, char **fields, int max);

/* Parse a CPU list ("0-3,8,10-11", as in /sys/devices/system/cpu/possible) from a buffer
 * (it may end in a newline) into ids; at most max are stored. Returns how many, or
 * -EINVAL on a malformed list. */
int cpulist_parse(const char *buf, size_t len, int *ids, int max);

/* Unsigned 64-bit delta that treats a 32-bit counter's wrap correctly when wrap32 is set. */
uint64_t counter_delta(uint64_t prev, uint64_t cur, bool wrap32);

#endif
