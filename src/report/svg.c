/* svg.c: chart primitives for the report (svg.h). Fixed geometry: 860 px wide plots,
 * labels in the margins; numbers on axes are "nice" (1, 2, 5 x 10^k). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "svg.h"

#define W 860
#define ML 150 /* left margin: row labels */
#define MR 150 /* right margin: legend */
#define MT 28
#define MB 38

static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
};

const char *svg_color(size_t i)
{
	return palette[i % ARRAY_SIZE(palette)];
}

void svg_esc(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': sb_addstr(sb, "&lt;"); break;
		case '>': sb_addstr(sb, "&gt;"); break;
		case '&': sb_addstr(sb, "&amp;"); break;
		case '"': sb_addstr(sb, "&quot;"); break;
		case '\'': sb_addstr(sb, "&#39;"); break;
		default: sb_add(sb, s, 1);
		}
	}
}

void svg_num(struct strbuf *sb, double v)
{
	if (!isfinite(v))
		v = 0;
	if (fabs(v) < 9e15 && v == floor(v))
		sb_addf(sb, "%.0f", v);
	else
		sb_addf(sb, "%.4g", v);
}

/* A short axis label: 1.2k, 3M, 0.5. */
static void axis_num(struct strbuf *sb, double v)
{
	const char *suf = "";

	if (fabs(v) >= 1e9)
		v /= 1e9, suf = "G";
	else if (fabs(v) >= 1e6)
		v /= 1e6, suf = "M";
	else if (fabs(v) >= 1e4)
		v /= 1e3, suf = "k";
	sb_addf(sb, "%g%s", v == floor(v) ? v : round(v * 100) / 100, suf);
}

static double nice_ceil(double v)
{
	double p, f;

	if (v <= 0 || !isfinite(v))
		return 1;
	p = pow(10, floor(log10(v)));
	f = v / p;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

static void open_svg(struct strbuf *sb, const char *id, const char *kind, const char *title,
		     const char *unit, int h)
{
	sb_addstr(sb, "<figure class=\"chart\"><svg id=\"");
	svg_esc(sb, id);
	sb_addf(sb, "\" class=\"%s\" data-unit=\"", kind);
	svg_esc(sb, unit);
	sb_addf(sb, "\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\">", W, h, W, h);
	sb_addf(sb, "<text class=\"title\" x=\"%d\" y=\"16\">", ML);
	svg_esc(sb, title);
	sb_addstr(sb, " (");
	svg_esc(sb, unit);
	sb_addstr(sb, ")</text>");
}

static void close_svg(struct strbuf *sb)
{
	sb_addstr(sb, "</svg></figure>\n");
}

/* The ticks of an axis over [a, b] at multiples of step: their count (at most 12) and
 * the first in *first. A corrupt recording can give a span a double cannot step through
 * (times near 1e48 a few seconds apart: v + step == v), so the count is computed, never
 * found by stepping until past b. */
static int axis_ticks(double a, double b, double step, double *first)
{
	double v0, n;

	if (!(step > 0) || !isfinite(a) || !isfinite(b) || !isfinite(step))
		return 0;
	v0 = ceil(a / step) * step;
	if (!isfinite(v0))
		return 0;
	*first = v0;
	if (v0 + step == v0)
		return v0 <= b + 1e-9 ? 1 : 0;
	n = floor((b + 1e-9 - v0) / step) + 1;
	if (!(n >= 1))
		return 0;
	return n > 12 ? 12 : (int)n;
}

/* Time axis under a plot of width pw starting at x0, for [t0, t1] seconds. */
static void time_axis(struct strbuf *sb, int x0, int pw, int y, double t0, double t1)
{
	double span = t1 - t0 > 0 ? t1 - t0 : 1, step = nice_ceil(span / 6);

	sb_addf(sb, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", x0, y,
		x0 + pw, y);
	double first = 0;
	int n = axis_ticks(t0, t1, step, &first);

	for (int i = 0; i < n; i++) {
		double v = first + i * step, x = x0 + (v - t0) / span * pw;

		sb_addf(sb, "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
			"<text class=\"xl\" x=\"%.1f\" y=\"%d\">", x, y, x, y + 4, x, y + 15);
		axis_num(sb, v);
		sb_addstr(sb, "</text>");
	}
	sb_addf(sb, "<text class=\"xt\" x=\"%d\" y=\"%d\">time since the start (s)</text>",
		x0 + pw / 2, y + 30);
}

/* Value axis at x0 from y0 (bottom) up h pixels, for [0, max]. */
static void value_axis(struct strbuf *sb, int x0, int y0, int h, double max, const char *unit)
{
	sb_addf(sb, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", x0, y0, x0,
		y0 - h);
	for (int i = 0; i <= 4; i++) {
		int y = y0 - h * i / 4;

		sb_addf(sb, "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
			"<text class=\"yl\" x=\"%d\" y=\"%d\">", x0, y, W - MR, y, x0 - 4, y + 4);
		axis_num(sb, max * i / 4);
		sb_addstr(sb, "</text>");
	}
	sb_addf(sb, "<text class=\"yt\" transform=\"translate(%d,%d) rotate(-90)\">", 12,
		y0 - h / 2);
	svg_esc(sb, unit);
	sb_addstr(sb, "</text>");
}

static void legend_item(struct strbuf *sb, int i, const char *color, const char *name)
{
	int y = MT + 8 + i * 16;

	sb_addf(sb, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
		"<text class=\"lg\" x=\"%d\" y=\"%d\">", W - MR + 12, y, color, W - MR + 26, y + 9);
	svg_esc(sb, name);
	sb_addstr(sb, "</text>");
}

/* The spans over a time plot: a shaded band behind (filled) or an outline over it, with
 * the label at its top left. */
static void draw_spans(struct strbuf *sb, const struct svg_span *sp, size_t n, int x0, int pw,
		       int y0, int ph, double t0, double span, bool filled)
{
	for (size_t i = 0; i < n; i++) {
		double a = x0 + (sp[i].t0 - t0) / span * pw, b = x0 + (sp[i].t1 - t0) / span * pw;

		if (a < x0)
			a = x0;
		if (b > x0 + pw)
			b = x0 + pw;
		if (b <= a)
			continue;
		sb_addf(sb, "<rect class=\"span\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
			"fill=\"%s\" stroke=\"#3a7\" stroke-dasharray=\"3 2\" data-span=\"", a, y0,
			b - a, ph, filled ? "#e6f4ea" : "none");
		svg_esc(sb, sp[i].label);
		sb_addf(sb, "\"/><text class=\"sp\" x=\"%.1f\" y=\"%d\">", a + 3, y0 + 10);
		svg_esc(sb, sp[i].label);
		sb_addstr(sb, "</text>");
	}
}

/* White to dark red. */
static void heat_color(char *buf, size_t n, double f)
{
	int r, g, b;

	f = f < 0 ? 0 : f > 1 ? 1 : f;
	f = sqrt(f); /* so that small values show */
	r = (int)(255 - f * (255 - 165));
	g = (int)(245 - f * 245);
	b = (int)(235 - f * 220);
	snprintf(buf, n, "#%02x%02x%02x", r, g, b);
}

void svg_heatmap(struct strbuf *sb, const char *id, const char *title, const char *unit,
		 const char *const *rows, size_t nrows, const double *t, size_t ncols,
		 double t_end, const double *v, const struct svg_span *spans, size_t nspans)
{
	int pw = W - ML - MR, ch = nrows > 24 ? 8 : 16, ph = (int)nrows * ch;
	double max = 0, t0 = ncols ? t[0] : 0;
	double span = t_end - t0 > 0 ? t_end - t0 : 1;
	char col[16];

	for (size_t i = 0; i < nrows * ncols; i++)
		if (v[i] > max)
			max = v[i];
	open_svg(sb, id, "heatmap", title, unit, MT + ph + MB + 6);
	sb_addf(sb, "<rect class=\"bg\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		"fill=\"#fff5eb\"/>", ML, MT, pw, ph);
	for (size_t r = 0; r < nrows; r++) {
		int y = MT + (int)r * ch;

		if (ch >= 12 || r % 2 == 0) {
			sb_addf(sb, "<text class=\"yl\" x=\"%d\" y=\"%d\">", ML - 4, y + ch - 4);
			svg_esc(sb, rows[r]);
			sb_addstr(sb, "</text>");
		}
		for (size_t c = 0; c < ncols; c++) {
			double x0 = ML + (t[c] - t0) / span * pw;
			double x1 = ML + ((c + 1 < ncols ? t[c + 1] : t_end) - t0) / span * pw;
			double val = v[r * ncols + c];

			if (val <= 0)
				continue;
			heat_color(col, sizeof(col), max > 0 ? val / max : 0);
			sb_addf(sb, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
				"fill=\"%s\" data-series=\"", x0, y, x1 - x0 + 0.3, ch, col);
			svg_esc(sb, rows[r]);
			sb_addstr(sb, "\" data-t=\"");
			svg_num(sb, round(t[c] * 1000) / 1000);
			sb_addstr(sb, "\" data-value=\"");
			svg_num(sb, val);
			sb_addstr(sb, "\"/>");
		}
	}
	draw_spans(sb, spans, nspans, ML, pw, MT, ph, t0, span, false);
	time_axis(sb, ML, pw, MT + ph, t0, t_end);
	/* legend: the colour scale */
	for (int i = 0; i <= 10; i++) {
		heat_color(col, sizeof(col), i / 10.0);
		sb_addf(sb, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"8\" fill=\"%s\"/>",
			W - MR + 12, MT + 8 * (10 - i), col);
	}
	sb_addf(sb, "<text class=\"lg\" x=\"%d\" y=\"%d\">", W - MR + 28, MT + 8);
	axis_num(sb, max);
	sb_addstr(sb, " ");
	svg_esc(sb, unit);
	sb_addf(sb, "</text><text class=\"lg\" x=\"%d\" y=\"%d\">0</text>", W - MR + 28, MT + 88);
	close_svg(sb);
}

void svg_stacked(struct strbuf *sb, const char *id, const char *title, const char *unit,
		 const char *const *series, size_t nseries, const double *t, size_t ncols,
		 double t_end, const double *v, const struct svg_span *spans, size_t nspans)
{
	int pw = W - ML - MR, ph = 200, y0 = MT + ph;
	double max = 0, t0 = ncols ? t[0] : 0, span;

	span = t_end - t0 > 0 ? t_end - t0 : 1;
	for (size_t c = 0; c < ncols; c++) {
		double s = 0;

		for (size_t k = 0; k < nseries; k++)
			s += v[k * ncols + c];
		if (s > max)
			max = s;
	}
	max = nice_ceil(max);
	open_svg(sb, id, "stacked", title, unit, MT + ph + MB + 10);
	value_axis(sb, ML, y0, ph, max, unit);
	draw_spans(sb, spans, nspans, ML, pw, MT, ph, t0, span, true);
	for (size_t c = 0; c < ncols; c++) {
		double x0 = ML + (t[c] - t0) / span * pw;
		double x1 = ML + ((c + 1 < ncols ? t[c + 1] : t_end) - t0) / span * pw, acc = 0;

		for (size_t k = 0; k < nseries; k++) {
			double val = v[k * ncols + c], h = val / max * ph;

			if (val <= 0)
				continue;
			sb_addf(sb, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"fill=\"%s\" data-series=\"", x0, y0 - acc - h,
				x1 - x0 > 1.5 ? x1 - x0 - 0.5 : x1 - x0, h, svg_color(k));
			svg_esc(sb, series[k]);
			sb_addstr(sb, "\" data-t=\"");
			svg_num(sb, round(t[c] * 1000) / 1000);
			sb_addstr(sb, "\" data-value=\"");
			svg_num(sb, val);
			sb_addstr(sb, "\"/>");
			acc += h;
		}
	}
	time_axis(sb, ML, pw, y0, t0, t_end);
	for (size_t k = 0; k < nseries; k++)
		legend_item(sb, (int)k, svg_color(k), series[k]);
	close_svg(sb);
}

void svg_bars(struct strbuf *sb, const char *id, const char *title, const char *unit,
	      const char *const *labels, size_t n, const double *v, const char *series_name)
{
	svg_bars_grouped(sb, id, title, unit, labels, n, v, &series_name, 1);
}

void svg_bars_grouped(struct strbuf *sb, const char *id, const char *title, const char *unit,
		      const char *const *labels, size_t n, const double *v,
		      const char *const *legend, size_t ngroup)
{
	int pw = W - ML - MR, bh = 18, ph = (int)n * (bh + 4);
	double max = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	max = nice_ceil(max);
	open_svg(sb, id, "bars", title, unit, MT + ph + MB + 6);
	for (size_t i = 0; i < n; i++) {
		int y = MT + (int)i * (bh + 4);
		double w = v[i] > 0 ? v[i] / max * pw : 0;

		sb_addf(sb, "<text class=\"yl\" x=\"%d\" y=\"%d\">", ML - 4, y + 13);
		svg_esc(sb, labels[i]);
		sb_addf(sb, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
			"data-series=\"", ML, y, w, bh, svg_color(i % ngroup));
		svg_esc(sb, labels[i]);
		sb_addstr(sb, "\" data-value=\"");
		svg_num(sb, v[i]);
		sb_addf(sb, "\"/><text class=\"bv\" x=\"%.1f\" y=\"%d\">", ML + w + 4, y + 13);
		svg_num(sb, v[i]);
		sb_addstr(sb, "</text>");
	}
	/* value axis along the bottom */
	sb_addf(sb, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", ML,
		MT + ph, ML + pw, MT + ph);
	for (int i = 0; i <= 4; i++) {
		int x = ML + pw * i / 4;

		sb_addf(sb, "<line class=\"tick\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
			"<text class=\"xl\" x=\"%d\" y=\"%d\">", x, MT + ph, x, MT + ph + 4, x,
			MT + ph + 15);
		axis_num(sb, max * i / 4);
		sb_addstr(sb, "</text>");
	}
	sb_addf(sb, "<text class=\"xt\" x=\"%d\" y=\"%d\">", ML + pw / 2, MT + ph + 30);
	svg_esc(sb, unit);
	sb_addstr(sb, "</text>");
	for (size_t k = 0; k < ngroup; k++)
		legend_item(sb, (int)k, svg_color(k), legend[k]);
	close_svg(sb);
}

void svg_lines(struct strbuf *sb, const char *id, const char *title, const char *xunit,
	       const char *unit, const char *const *series, size_t nseries, const double *x,
	       size_t npoints, const double *y, const struct svg_mark *marks, size_t nmarks)
{
	int pw = W - ML - MR, ph = 180, y0 = MT + ph;
	double max = 0, x0 = npoints ? x[0] : 0, x1 = npoints ? x[npoints - 1] : 1, span;

	for (size_t i = 0; i < nseries * npoints; i++)
		if (y[i] > max)
			max = y[i];
	for (size_t i = 0; i < nmarks; i++)
		if (marks[i].v > max)
			max = marks[i].v;
	max = nice_ceil(max);
	if (x1 <= x0)
		x1 = x0 + 1;
	span = x1 - x0;
	open_svg(sb, id, "lines", title, unit, MT + ph + MB + 10);
	value_axis(sb, ML, y0, ph, max, unit);
	for (size_t k = 0; k < nseries; k++) {
		sb_addf(sb, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
			svg_color(k));
		for (size_t p = 0; p < npoints; p++)
			sb_addf(sb, "%.1f,%.1f ", ML + (x[p] - x0) / span * pw,
				y0 - y[k * npoints + p] / max * ph);
		sb_addstr(sb, "\"/>");
		for (size_t p = 0; p < npoints; p++) {
			double val = y[k * npoints + p];

			if (npoints > 120 && val <= 0)
				continue; /* points carry values; zeros on long lines add only bytes */
			sb_addf(sb, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\" "
				"data-series=\"", ML + (x[p] - x0) / span * pw, y0 - val / max * ph,
				npoints > 60 ? "1.5" : "3", svg_color(k));
			svg_esc(sb, series[k]);
			sb_addstr(sb, "\" data-t=\"");
			svg_num(sb, round(x[p] * 1000) / 1000);
			sb_addstr(sb, "\" data-value=\"");
			svg_num(sb, val);
			sb_addstr(sb, "\"/>");
		}
		legend_item(sb, (int)k, svg_color(k), series[k]);
	}
	for (size_t i = 0; i < nmarks; i++) {
		double yy = y0 - marks[i].v / max * ph;

		sb_addf(sb, "<line class=\"mark\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
			"data-series=\"", ML, yy, ML + pw, yy);
		svg_esc(sb, marks[i].label);
		sb_addstr(sb, "\" data-value=\"");
		svg_num(sb, marks[i].v);
		sb_addf(sb, "\"/><text class=\"mk\" x=\"%d\" y=\"%.1f\">", ML + pw - 4, yy - 3);
		svg_esc(sb, marks[i].label);
		sb_addstr(sb, " ");
		axis_num(sb, marks[i].v);
		sb_addstr(sb, "</text>");
	}
	/* x axis */
	sb_addf(sb, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", ML, y0,
		ML + pw, y0);
	{
		double step = nice_ceil(span / 6), first = 0;
		int n = axis_ticks(x0, x1, step, &first);

		for (int i = 0; i < n; i++) {
			double v = first + i * step, xx = ML + (v - x0) / span * pw;

			sb_addf(sb, "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
				"<text class=\"xl\" x=\"%.1f\" y=\"%d\">", xx, y0, xx, y0 + 4, xx,
				y0 + 15);
			axis_num(sb, v);
			sb_addstr(sb, "</text>");
		}
	}
	sb_addf(sb, "<text class=\"xt\" x=\"%d\" y=\"%d\">", ML + pw / 2, y0 + 30);
	svg_esc(sb, xunit);
	sb_addstr(sb, "</text>");
	close_svg(sb);
}
