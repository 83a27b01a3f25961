/* svg.h: the charts of the HTML report as inline SVG text, drawn here rather than by a
 * vendored JavaScript library: the report must open offline, be one file, stay small
 * for an hour of samples, and carry the values it shows in attributes a test can read
 * (data-value, data-series, data-t on every bar and cell). Every chart has a title, its
 * axes with units, and a legend. Pure: strings in, text out. */
#ifndef DPTUNE_SVG_H
#define DPTUNE_SVG_H

#include <stddef.h>
#include "../core/util.h"

/* HTML/XML-escaped text. */
void svg_esc(struct strbuf *sb, const char *s);

/* A value as an attribute: integers exactly, other numbers to 4 significant digits. */
void svg_num(struct strbuf *sb, double v);

/* A span of time to mark on a time chart (a command that ran), or none (NULL, 0). */
struct svg_span {
	double t0, t1;
	const char *label;
};

/* Heatmap: rows (labels) x columns (time bins starting at t[c], the last ending at
 * t_end), values v[r * ncols + c]; zero cells are left as background. */
void svg_heatmap(struct strbuf *sb, const char *id, const char *title, const char *unit,
		 const char *const *rows, size_t nrows, const double *t, size_t ncols,
		 double t_end, const double *v, const struct svg_span *spans, size_t nspans);

/* Stacked bars over time: series (legend, colours) x time bins; v[s * ncols + c]. */
void svg_stacked(struct strbuf *sb, const char *id, const char *title, const char *unit,
		 const char *const *series, size_t nseries, const double *t, size_t ncols,
		 double t_end, const double *v, const struct svg_span *spans, size_t nspans);

/* One bar per category (a waterfall in datapath order, a cost table); v[i]; series_name
 * names the bars in the legend. */
void svg_bars(struct strbuf *sb, const char *id, const char *title, const char *unit,
	      const char *const *labels, size_t n, const double *v, const char *series_name);
/* Same with bars in groups of ngroup (before, after...): bar i has the colour and legend
 * name legend[i % ngroup]. */
void svg_bars_grouped(struct strbuf *sb, const char *id, const char *title, const char *unit,
		      const char *const *labels, size_t n, const double *v,
		      const char *const *legend, size_t ngroup);

/* Lines over x (x[p], p < npoints): y[s * npoints + p]; hlines: optional horizontal
 * markers (value, label), e.g. NDR and PDR. */
struct svg_mark {
	double v;
	const char *label;
};
void svg_lines(struct strbuf *sb, const char *id, const char *title, const char *xunit,
	       const char *unit, const char *const *series, size_t nseries, const double *x,
	       size_t npoints, const double *y, const struct svg_mark *marks, size_t nmarks);

/* The colour of series i (a fixed palette). */
const char *svg_color(size_t i);

#endif
