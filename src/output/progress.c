/* progress.c: the progress line of long runs (progress.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "progress.h"
#include "print.h"
#include "../core/util.h"

static struct progress_level levels[PROGRESS_DEPTH];
static size_t nlevels, ndeep; /* levels kept; levels begun (deeper ones are not kept) */
static bool muted, shown;

const char *progress_hms(char *buf, size_t n, double secs)
{
	unsigned long s;

	if (!(secs >= 0) || secs > 1e8)
		secs = 0;
	s = (unsigned long)(secs + 0.5);
	if (s < 60)
		snprintf(buf, n, "%lus", s);
	else if (s < 3600)
		snprintf(buf, n, "%lu:%02lu", s / 60, s % 60);
	else
		snprintf(buf, n, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	return buf;
}

double progress_eta(const struct progress_level *l, double now)
{
	unsigned done;
	double per, left;

	if (!l->total || l->i < 2 || l->t_step <= l->t0)
		return -1;
	done = l->i - 1;
	if (done >= l->total)
		return 0;
	per = (l->t_step - l->t0) / done;
	/* the steps not begun, and what the running one still needs */
	left = per * (l->total - done) - (now - l->t_step);
	if (left < per * (l->total - l->i))
		left = per * (l->total - l->i);
	return left > 0 ? left : 0;
}

/* Append to buf (of n) at *len what fmt says; never past n - 1. */
static void add(char *buf, size_t n, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*len + 1 >= n)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *len, n - *len, fmt, ap);
	va_end(ap);
	if (r > 0)
		*len = *len + (size_t)r < n ? *len + (size_t)r : n - 1;
}

size_t progress_format(char *buf, size_t n, size_t width, const struct progress_level *lv,
		       size_t nlv, double now)
{
	char t[32];
	size_t len = 0;

	if (!n)
		return 0;
	buf[0] = '\0';
	if (!nlv)
		return 0;
	add(buf, n, &len, "[%s]", progress_hms(t, sizeof(t), now - lv[0].t0));
	for (size_t k = 0; k < nlv; k++) {
		const struct progress_level *l = &lv[k];
		double eta = progress_eta(l, now);

		add(buf, n, &len, "%s %s", k ? " |" : "", l->what);
		if (l->total)
			add(buf, n, &len, " %u/%s%u", l->i, l->upto ? "<=" : "", l->total);
		else if (l->i)
			add(buf, n, &len, " %u", l->i);
		if (eta >= 0)
			add(buf, n, &len, " %s%s left", l->upto ? "<=" : "~",
			    progress_hms(t, sizeof(t), eta));
		if (l->label[0])
			add(buf, n, &len, ": %s", l->label);
	}
	/* one line of the terminal: cut, and say so with a trailing '>' */
	for (size_t k = 0; k < len; k++)
		if (buf[k] == '\n' || buf[k] == '\r' || buf[k] == '\t')
			buf[k] = ' ';
	if (width && len > width) {
		len = width;
		buf[len - 1] = '>';
		buf[len] = '\0';
	}
	return len;
}

static bool to_terminal(void)
{
	return !muted && !print_is_json() && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
}

static size_t term_width(void)
{
	struct winsize ws;

	if (!ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col > 1)
		return (size_t)ws.ws_col - 1; /* the last column would wrap on some terminals */
	return 79;
}

static void draw(void)
{
	char line[1024];

	if (!nlevels || !to_terminal())
		return;
	progress_format(line, sizeof(line), term_width(), levels, nlevels, now_mono());
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	shown = true;
}

static void clear(void)
{
	if (!shown)
		return;
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
	shown = false;
}

static void begin(unsigned total, const char *what, bool upto)
{
	struct progress_level *l;

	if (ndeep++ >= PROGRESS_DEPTH)
		return;
	l = &levels[nlevels++];
	memset(l, 0, sizeof(*l));
	snprintf(l->what, sizeof(l->what), "%s", what ? what : "");
	l->total = total;
	l->upto = upto;
	l->t0 = l->t_step = now_mono();
	draw();
}

void progress_begin(unsigned total, const char *what)
{
	begin(total, what, false);
}

void progress_begin_max(unsigned total, const char *what)
{
	begin(total, what, true);
}

void progress_step(unsigned i, const char *label)
{
	struct progress_level *l;

	if (!ndeep || ndeep > PROGRESS_DEPTH)
		return;
	l = &levels[nlevels - 1];
	if (i != l->i)
		l->t_step = now_mono();
	l->i = i;
	if (l->total && l->upto && i > l->total)
		l->total = i; /* a bound that was passed is no bound */
	snprintf(l->label, sizeof(l->label), "%s", label ? label : "");
	draw();
}

void progress_end(void)
{
	if (!ndeep)
		return;
	if (ndeep-- > PROGRESS_DEPTH)
		return;
	nlevels--;
	if (nlevels)
		draw();
	else
		clear();
}

void progress_mute(bool mute)
{
	if (mute)
		clear();
	muted = mute;
}

bool progress_active(void)
{
	return nlevels && to_terminal();
}
