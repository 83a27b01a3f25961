/* report.c: the HTML report of one recording, or two side by side (report.h). Sections:
 * summary and warnings; what changed (two recordings); the CPU picture (heatmaps per
 * CPU over time); drops per layer (stacked over time, totals, the waterfall of the worst
 * interval); each namespace and device that dropped; the commands that ran (bench,
 * sweep, lab matrix, doctor, anything else as its JSON). Samples are grouped into at
 * most MAXCOLS time bins, so an hour costs what a few minutes do. */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report.h"
#include "svg.h"

#define MAXCOLS 240
#define HEAT_CELLS 4800 /* CPUs x bins of one heatmap */
#define MAX_IRQ_ROWS 64
#define MAX_DEVICES 16
#define MAX_DEV_LINES 6

struct bins {
	size_t n;
	double *t, *dt, t_end;
	size_t *of; /* bin of each sample */
};

static int ncpus(const struct recording *r);

/* Time bins: at most MAXCOLS, fewer on hosts with many CPUs so that the heatmaps (a cell
 * per CPU per bin) keep the page within a few megabytes. */
static void bins_make(const struct recording *r, struct bins *b)
{
	size_t ns = r->nsamples, cpus = (size_t)ncpus(r), max = MAXCOLS;

	if (cpus * max > HEAT_CELLS)
		max = HEAT_CELLS / cpus > 30 ? HEAT_CELLS / cpus : 30;
	b->n = ns < max ? ns : max;
	b->t = xcalloc(b->n + 1, sizeof(double));
	b->dt = xcalloc(b->n + 1, sizeof(double));
	b->of = xcalloc(ns + 1, sizeof(size_t));
	for (size_t c = 0; c < b->n; c++) {
		size_t i0 = c * ns / b->n, i1 = (c + 1) * ns / b->n;

		b->t[c] = r->samples[i0].t - r->samples[i0].dt;
		for (size_t i = i0; i < i1; i++) {
			b->dt[c] += r->samples[i].dt;
			b->of[i] = c;
		}
	}
	b->t_end = ns ? r->samples[ns - 1].t : 0;
}

static void bins_free(struct bins *b)
{
	free(b->t);
	free(b->dt);
	free(b->of);
}

/* Sum the deltas of every series with row[id] >= 0 into sum[row * ncols + bin]. */
static void accum(const struct recording *r, const struct bins *b, const int *row, double *sum)
{
	for (size_t i = 0; i < r->nsamples; i++) {
		const struct rec_sample *s = &r->samples[i];

		for (size_t k = 0; k < s->n; k++) {
			const struct rec_val *v = &r->vals[s->off + k];

			if (row[v->id] >= 0)
				sum[(size_t)row[v->id] * b->n + b->of[i]] += (double)v->v;
		}
	}
}

static void per_second(const struct bins *b, double *v, size_t nrows)
{
	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c < b->n; c++)
			v[r * b->n + c] = b->dt[c] > 0 ? v[r * b->n + c] / b->dt[c] : 0;
}

static bool is_drop(const struct rec_series *s)
{
	return s->name && s->drop && !s->benign && s->layer >= 0 && s->layer < LAYER__COUNT;
}

void report_layer_drops(const struct recording *r, double totals[LAYER__COUNT])
{
	for (int l = 0; l < LAYER__COUNT; l++)
		totals[l] = 0;
	for (size_t i = 1; i < r->nseries; i++)
		if (is_drop(&r->series[i]))
			totals[r->series[i].layer] += (double)r->series[i].total;
}

#define MAX_SPANS 8

/* The commands of r as spans: "bench", "sweep" (the dptune subcommand, else argv[0]). */
static size_t spans_of(const struct recording *r, struct svg_span *sp)
{
	size_t n = 0;

	for (size_t i = 0; i < r->ncmds && n < MAX_SPANS; i++) {
		const char *label = r->cmds[i].argv[0] ? r->cmds[i].argv[0] : "command";

		for (char **a = r->cmds[i].argv; *a; a++) {
			const char *b = strrchr(*a, '/');

			if (!strcmp(b ? b + 1 : *a, "dptune") && a[1]) {
				label = a[1];
				break;
			}
		}
		sp[n++] = (struct svg_span){ r->cmds[i].start, r->cmds[i].end, label };
	}
	return n;
}

static void idf(char *buf, size_t n, const char *base, const char *sfx)
{
	snprintf(buf, n, "%s%s", base, sfx);
}

static void h2(struct strbuf *sb, const char *text)
{
	sb_addstr(sb, "<h3>");
	svg_esc(sb, text);
	sb_addstr(sb, "</h3>\n");
}

static void note(struct strbuf *sb, const char *text)
{
	sb_addstr(sb, "<p class=\"note\">");
	svg_esc(sb, text);
	sb_addstr(sb, "</p>\n");
}

/* ---- summary ----------------------------------------------------------------------- */

static void summary(struct strbuf *sb, const struct recording *r, const char *sfx)
{
	char when[64] = "?", id[64];
	time_t t = (time_t)r->start;
	struct tm tm;
	double span = r->nsamples ? r->samples[r->nsamples - 1].t : 0;

	if (r->start > 0 && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	idf(id, sizeof(id), "summary", sfx);
	sb_addf(sb, "<table class=\"kv\" id=\"%s\">", id);
	sb_addstr(sb, "<tr><th>file</th><td>");
	svg_esc(sb, r->path);
	sb_addstr(sb, "</td></tr><tr><th>host</th><td>");
	svg_esc(sb, r->host);
	sb_addstr(sb, "</td></tr><tr><th>kernel</th><td>");
	svg_esc(sb, r->kernel);
	sb_addstr(sb, "</td></tr><tr><th>recorded by</th><td>dptune ");
	svg_esc(sb, r->version);
	sb_addf(sb, "</td></tr><tr><th>start</th><td>%s</td></tr>", when);
	sb_addf(sb, "<tr><th>length</th><td data-value=\"%.3f\">%.1f s, %zu samples every %g s, "
		"%d CPUs, %u part%s</td></tr>", span, span, r->nsamples, r->interval, r->cpus,
		r->parts, r->parts == 1 ? "" : "s");
	sb_addstr(sb, "<tr><th>ended</th><td>");
	svg_esc(sb, r->have_end ? r->end_reason : "no end line (cut short)");
	sb_addstr(sb, "</td></tr>");
	for (size_t i = 0; i < r->ncmds; i++) {
		sb_addstr(sb, "<tr><th>command</th><td><code>");
		for (char **a = r->cmds[i].argv; *a; a++) {
			svg_esc(sb, *a);
			sb_addstr(sb, " ");
		}
		sb_addf(sb, "</code> from %.1f s to %.1f s, exit %d</td></tr>", r->cmds[i].start,
			r->cmds[i].end, r->cmds[i].exit);
	}
	sb_addstr(sb, "</table>\n");
}

static void warnings(struct strbuf *sb, const struct recording *r, const char *sfx)
{
	if (!r->st.nwarn_total)
		return;
	sb_addf(sb, "<div class=\"warn\" id=\"warnings%s\"><b>warning: ", sfx);
	svg_esc(sb, r->path);
	sb_addf(sb, " was not read cleanly (%lu problem%s); this report shows what could be "
		"read.</b><ul>", r->st.nwarn_total, r->st.nwarn_total == 1 ? "" : "s");
	for (unsigned i = 0; i < r->st.nwarn; i++) {
		sb_addstr(sb, "<li>");
		svg_esc(sb, r->st.warn[i]);
		sb_addstr(sb, "</li>");
	}
	if (r->st.nwarn_total > r->st.nwarn)
		sb_addf(sb, "<li>... and %lu more</li>", r->st.nwarn_total - r->st.nwarn);
	sb_addstr(sb, "</ul></div>\n");
}

/* ---- the CPU picture --------------------------------------------------------------- */

/* The namespace that holds the per-CPU rows (the host's). */
static const char *cpu_netns(const struct recording *r)
{
	for (size_t i = 1; i < r->nseries; i++)
		if (r->series[i].name && r->series[i].cpu >= 0 &&
		    (r->series[i].layer == LAYER_SOFTIRQ || r->series[i].layer == LAYER_BACKLOG))
			return r->series[i].netns;
	return NULL;
}

static int ncpus(const struct recording *r)
{
	int n = r->cpus;

	for (size_t i = 1; i < r->nseries; i++)
		if (r->series[i].name && r->series[i].cpu >= n)
			n = r->series[i].cpu + 1;
	return n > 1024 ? 1024 : n;
}

/* One per-CPU heatmap: the rate of name (or, with den, 100 * name / den). */
static void cpu_heat(struct strbuf *sb, const struct recording *r, const struct bins *b,
		     const char *sfx, const char *idbase, const char *title, const char *unit,
		     int layer, const char *name, const char *den)
{
	int n = ncpus(r), *row = xmalloc(r->nseries * sizeof(int)), *drow = NULL;
	struct svg_span sp[MAX_SPANS];
	const char *ns = cpu_netns(r);
	double *v = xcalloc((size_t)n * b->n + 1, sizeof(double)), *dv = NULL;
	char **labels = xcalloc((size_t)n + 1, sizeof(char *)), id[96];

	for (size_t i = 0; i < r->nseries; i++) {
		const struct rec_series *s = &r->series[i];
		bool mine = s->name && ns && s->netns == ns && s->layer == layer && s->cpu >= 0 &&
			    s->cpu < n;

		row[i] = mine && !strcmp(s->name, name) ? s->cpu : -1;
	}
	accum(r, b, row, v);
	if (den) {
		drow = xmalloc(r->nseries * sizeof(int));
		dv = xcalloc((size_t)n * b->n + 1, sizeof(double));
		for (size_t i = 0; i < r->nseries; i++) {
			const struct rec_series *s = &r->series[i];

			drow[i] = s->name && ns && s->netns == ns && s->layer == layer && s->cpu >= 0 &&
				  s->cpu < n && !strcmp(s->name, den) ? s->cpu : -1;
		}
		accum(r, b, drow, dv);
		for (size_t k = 0; k < (size_t)n * b->n; k++)
			v[k] = dv[k] > 0 ? 100.0 * v[k] / dv[k] : 0;
	} else {
		per_second(b, v, (size_t)n);
	}
	for (int c = 0; c < n; c++)
		labels[c] = xasprintf("cpu%d", c);
	idf(id, sizeof(id), idbase, sfx);
	svg_heatmap(sb, id, title, unit, (const char *const *)labels, (size_t)n, b->t, b->n,
		    b->t_end, v, sp, spans_of(r, sp));
	for (int c = 0; c < n; c++)
		free(labels[c]);
	free(labels);
	free(row);
	free(drow);
	free(v);
	free(dv);
}

struct irq_row {
	size_t id;
	uint64_t total;
};

static int cmp_irq_total(const void *a, const void *b)
{
	const struct irq_row *x = a, *y = b;

	return x->total < y->total ? 1 : x->total > y->total ? -1 : 0;
}

static int cmp_irq_name(const void *a, const void *b, void *ctx)
{
	const struct recording *r = ctx;
	const struct irq_row *x = a, *y = b;
	const struct rec_series *p = &r->series[x->id], *q = &r->series[y->id];
	int c = strcmp(p->object, q->object);

	if (c)
		return c;
	if (p->queue != q->queue)
		return p->queue < q->queue ? -1 : 1;
	return p->cpu - q->cpu;
}

/* Hard IRQs per device queue per CPU: the busiest rows, in device, queue, CPU order. */
static void irq_heat(struct strbuf *sb, const struct recording *r, const struct bins *b,
		     const char *sfx)
{
	struct irq_row *rows = xcalloc(r->nseries + 1, sizeof(*rows));
	struct svg_span sp[MAX_SPANS];
	int *row = xmalloc(r->nseries * sizeof(int));
	size_t n = 0;
	char id[96], **labels;
	double *v;

	for (size_t i = 1; i < r->nseries; i++)
		if (r->series[i].name && r->series[i].layer == LAYER_IRQ && r->series[i].total &&
		    r->series[i].cpu >= 0)
			rows[n++] = (struct irq_row){ i, r->series[i].total };
	qsort(rows, n, sizeof(*rows), cmp_irq_total);
	if (n > MAX_IRQ_ROWS)
		n = MAX_IRQ_ROWS;
	qsort_r(rows, n, sizeof(*rows), cmp_irq_name, (void *)r);
	idf(id, sizeof(id), "heat-irq", sfx);
	if (!n) {
		sb_addf(sb, "<p class=\"note\" id=\"%s\">No network device interrupt moved during "
			"the recording (virtual devices have none).</p>\n", id);
		free(rows);
		free(row);
		return;
	}
	for (size_t i = 0; i < r->nseries; i++)
		row[i] = -1;
	labels = xcalloc(n + 1, sizeof(char *));
	for (size_t k = 0; k < n; k++) {
		const struct rec_series *s = &r->series[rows[k].id];

		row[rows[k].id] = (int)k;
		if (s->queue >= 0)
			labels[k] = xasprintf("%s/q%d cpu%d", s->object, s->queue, s->cpu);
		else
			labels[k] = xasprintf("%s %s cpu%d", s->object, s->name, s->cpu);
	}
	v = xcalloc(n * b->n + 1, sizeof(double));
	accum(r, b, row, v);
	per_second(b, v, n);
	svg_heatmap(sb, id, "Hard IRQs per device queue per CPU", "interrupts/s",
		    (const char *const *)labels, n, b->t, b->n, b->t_end, v, sp, spans_of(r, sp));
	for (size_t k = 0; k < n; k++)
		free(labels[k]);
	free(labels);
	free(v);
	free(rows);
	free(row);
}

static void sec_cpu(struct strbuf *sb, const struct recording *r, const struct bins *b,
		    const char *sfx)
{
	h2(sb, "The CPU picture");
	if (!cpu_netns(r)) {
		note(sb, "No per-CPU counter moved in this recording (filtered out by --layer or "
		     "--netns?).");
		return;
	}
	cpu_heat(sb, r, b, sfx, "heat-net-rx", "NET_RX softirqs per CPU", "softirqs/s",
		 LAYER_SOFTIRQ, "net_rx", NULL);
	cpu_heat(sb, r, b, sfx, "heat-net-tx", "NET_TX softirqs per CPU", "softirqs/s",
		 LAYER_SOFTIRQ, "net_tx", NULL);
	cpu_heat(sb, r, b, sfx, "heat-si", "Softirq time (si) per CPU", "% of CPU time",
		 LAYER_SOFTIRQ, "softirq_ticks", "total_ticks");
	cpu_heat(sb, r, b, sfx, "heat-steal", "Steal time per CPU", "% of CPU time",
		 LAYER_SOFTIRQ, "steal_ticks", "total_ticks");
	irq_heat(sb, r, b, sfx);
	cpu_heat(sb, r, b, sfx, "heat-softnet-processed", "Softnet packets processed per CPU",
		 "packets/s", LAYER_BACKLOG, "processed", NULL);
	cpu_heat(sb, r, b, sfx, "heat-softnet-dropped", "Softnet backlog drops per CPU",
		 "drops/s", LAYER_BACKLOG, "dropped", NULL);
	cpu_heat(sb, r, b, sfx, "heat-softnet-squeeze", "Softnet time_squeeze per CPU",
		 "squeezes/s", LAYER_BACKLOG, "time_squeeze", NULL);
}

/* ---- drops ------------------------------------------------------------------------- */

static const char *const *layer_labels(void)
{
	static const char *l[LAYER__COUNT];

	for (int i = 0; i < LAYER__COUNT; i++)
		l[i] = layer_name(i);
	return l;
}

struct top {
	size_t id;
	uint64_t v;
};

static int cmp_top(const void *a, const void *b)
{
	const struct top *x = a, *y = b;

	return x->v < y->v ? 1 : x->v > y->v ? -1 : 0;
}

static void series_label(struct strbuf *sb, const struct rec_series *s)
{
	svg_esc(sb, s->object[0] ? s->object : "-");
	if (s->queue >= 0)
		sb_addf(sb, "/q%d", s->queue);
	if (s->cpu >= 0)
		sb_addf(sb, " cpu%d", s->cpu);
}

static void sec_drops(struct strbuf *sb, const struct recording *r, const struct bins *b,
		      const char *sfx)
{
	int *row = xmalloc(r->nseries * sizeof(int));
	double *v = xcalloc(LAYER__COUNT * b->n + 1, sizeof(double)), tot[LAYER__COUNT];
	double worst_v[LAYER__COUNT] = { 0 }, worst = 0;
	struct svg_span sp[MAX_SPANS];
	size_t wi = (size_t)-1;
	char id[96];

	h2(sb, "Drops per layer");
	for (size_t i = 0; i < r->nseries; i++)
		row[i] = i && is_drop(&r->series[i]) ? r->series[i].layer : -1;
	accum(r, b, row, v);
	per_second(b, v, LAYER__COUNT);
	idf(id, sizeof(id), "drops-layers", sfx);
	svg_stacked(sb, id, "Drops per layer over time", "drops/s", layer_labels(), LAYER__COUNT,
		    b->t, b->n, b->t_end, v, sp, spans_of(r, sp));
	report_layer_drops(r, tot);
	idf(id, sizeof(id), "drops-total", sfx);
	svg_bars(sb, id, "Drops per layer over the whole recording", "packets dropped",
		 layer_labels(), LAYER__COUNT, tot, "drops");
	/* the worst interval: most drops in one sample */
	for (size_t i = 0; i < r->nsamples; i++) {
		const struct rec_sample *s = &r->samples[i];
		double sum = 0;

		for (size_t k = 0; k < s->n; k++)
			if (is_drop(&r->series[r->vals[s->off + k].id]))
				sum += (double)r->vals[s->off + k].v;
		if (sum > worst) {
			worst = sum;
			wi = i;
		}
	}
	idf(id, sizeof(id), "drop-waterfall", sfx);
	if (wi == (size_t)-1) {
		sb_addf(sb, "<p class=\"note\" id=\"%s\">No drop counter moved during the "
			"recording.</p>\n", id);
	} else {
		const struct rec_sample *s = &r->samples[wi];
		struct top *top = xcalloc(s->n + 1, sizeof(*top));
		size_t nt = 0;
		char title[160];

		for (size_t k = 0; k < s->n; k++) {
			const struct rec_val *val = &r->vals[s->off + k];

			if (!is_drop(&r->series[val->id]))
				continue;
			worst_v[r->series[val->id].layer] += (double)val->v;
			top[nt++] = (struct top){ val->id, val->v };
		}
		snprintf(title, sizeof(title), "Drop waterfall of the worst interval (%.1f s to "
			 "%.1f s), in datapath order", s->t - s->dt, s->t);
		svg_bars(sb, id, title, "packets dropped in the interval", layer_labels(),
			 LAYER__COUNT, worst_v, "drops in the interval");
		qsort(top, nt, sizeof(*top), cmp_top);
		sb_addf(sb, "<table class=\"grid\" id=\"worst-counters%s\"><tr><th>layer</th>"
			"<th>netns</th><th>object</th><th>counter</th><th>dropped</th></tr>", sfx);
		for (size_t k = 0; k < nt && k < 12; k++) {
			const struct rec_series *se = &r->series[top[k].id];

			sb_addf(sb, "<tr><td>%s</td><td>", layer_name(se->layer));
			svg_esc(sb, se->netns);
			sb_addstr(sb, "</td><td>");
			series_label(sb, se);
			sb_addstr(sb, "</td><td>");
			svg_esc(sb, se->name);
			sb_addf(sb, "</td><td class=\"n\" data-value=\"%llu\">%llu</td></tr>",
				(unsigned long long)top[k].v, (unsigned long long)top[k].v);
		}
		sb_addstr(sb, "</table>\n");
		free(top);
	}
	free(row);
	free(v);
}

/* ---- namespaces and devices that dropped ------------------------------------------- */

struct group {
	const char *netns, *object;
	uint64_t drops;
};

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->drops < y->drops ? 1 : x->drops > y->drops ? -1 : 0;
}

/* One chart of a namespace's object: its drop counters (drops), or its busiest other
 * counters but bytes (which would flatten the rest); one line per counter name, summed
 * over queues and CPUs. Nothing when it has none. */
static void dev_chart(struct strbuf *sb, const struct recording *r, const struct bins *b,
		      const struct group *g, bool drops, const char *id, const char *title,
		      const char *unit)
{
	const char *names[MAX_DEV_LINES];
	uint64_t tot[MAX_DEV_LINES];
	size_t nn = 0;
	int *row;
	double *v;

	for (size_t i = 1; i < r->nseries; i++) {
		const struct rec_series *s = &r->series[i];
		size_t j;

		if (!s->name || s->netns != g->netns || s->object != g->object || !s->total ||
		    s->gauge || drops != is_drop(s) ||
		    (!drops && (strstr(s->name, "bytes") || strstr(s->name, "Octets"))))
			continue;
		for (j = 0; j < nn; j++)
			if (names[j] == s->name)
				break;
		if (j < nn) {
			tot[j] += s->total;
		} else if (nn < MAX_DEV_LINES) {
			names[nn] = s->name;
			tot[nn++] = s->total;
		} else { /* keep the busiest */
			size_t lo = 0;

			for (j = 1; j < nn; j++)
				if (tot[j] < tot[lo])
					lo = j;
			if (s->total > tot[lo]) {
				names[lo] = s->name;
				tot[lo] = s->total;
			}
		}
	}
	if (!nn)
		return;
	row = xmalloc(r->nseries * sizeof(int));
	for (size_t i = 0; i < r->nseries; i++) {
		const struct rec_series *s = &r->series[i];

		row[i] = -1;
		if (!i || s->netns != g->netns || s->object != g->object || drops != is_drop(s))
			continue;
		for (size_t j = 0; j < nn; j++)
			if (names[j] == s->name)
				row[i] = (int)j;
	}
	v = xcalloc(nn * b->n + 1, sizeof(double));
	accum(r, b, row, v);
	per_second(b, v, nn);
	svg_lines(sb, id, title, "time since the start (s)", unit, names, nn, b->t, b->n, v,
		  NULL, 0);
	free(v);
	free(row);
}

static void sec_devices(struct strbuf *sb, const struct recording *r, const struct bins *b,
			const char *sfx)
{
	struct group *g = xcalloc(r->nseries + 1, sizeof(*g));
	size_t ng = 0;

	h2(sb, "Namespaces and devices that dropped");
	for (size_t i = 1; i < r->nseries; i++) {
		const struct rec_series *s = &r->series[i];
		size_t k;

		if (!is_drop(s) || !s->total)
			continue;
		for (k = 0; k < ng; k++)
			if (g[k].netns == s->netns && g[k].object == s->object)
				break;
		if (k == ng)
			g[ng++] = (struct group){ s->netns, s->object, 0 };
		g[k].drops += s->total;
	}
	qsort(g, ng, sizeof(*g), cmp_group);
	if (!ng)
		note(sb, "Nothing dropped.");
	for (size_t k = 0; k < ng && k < MAX_DEVICES; k++) {
		char id[96], title[300];

		snprintf(title, sizeof(title), "%s %s: %llu dropped", g[k].netns,
			 g[k].object[0] ? g[k].object : "(namespace-wide and per-CPU counters)",
			 (unsigned long long)g[k].drops);
		snprintf(id, sizeof(id), "dev-%zu%s", k, sfx);
		dev_chart(sb, r, b, &g[k], true, id, title, "drops/s");
		snprintf(title, sizeof(title), "%s %s: its busiest other counters", g[k].netns,
			 g[k].object[0] ? g[k].object : "(namespace-wide)");
		snprintf(id, sizeof(id), "dev-%zu-traffic%s", k, sfx);
		dev_chart(sb, r, b, &g[k], false, id, title, "per second");
	}
	if (ng > MAX_DEVICES)
		sb_addf(sb, "<p class=\"note\">and %zu more that dropped less.</p>", ng - MAX_DEVICES);
	free(g);
}

/* ---- commands ---------------------------------------------------------------------- */

static struct json_object *jget(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

static double jd(struct json_object *o, const char *k)
{
	struct json_object *v = jget(o, k);

	return v && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))
		       ? json_object_get_double(v) : NAN;
}

static const char *js(struct json_object *o, const char *k)
{
	struct json_object *v = jget(o, k);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static void td_num(struct strbuf *sb, double v)
{
	if (isnan(v)) {
		sb_addstr(sb, "<td class=\"n\">-</td>");
		return;
	}
	sb_addstr(sb, "<td class=\"n\" data-value=\"");
	svg_num(sb, v);
	sb_addstr(sb, "\">");
	svg_num(sb, v);
	sb_addstr(sb, "</td>");
}

/* A rate found by a search: "none" when it found none (0). */
static void td_rate(struct strbuf *sb, double v)
{
	if (!isnan(v) && v <= 0)
		sb_addstr(sb, "<td class=\"n\" data-value=\"0\">none</td>");
	else
		td_num(sb, v);
}

static void cmd_sweep(struct strbuf *sb, struct json_object *doc, size_t ci, const char *sfx)
{
	struct json_object *res = jget(doc, "results");

	for (size_t k = 0; k < json_object_array_length(res); k++) {
		struct json_object *sr = json_object_array_get_idx(res, k);
		struct json_object *tr = jget(sr, "trials"), *fl = jget(sr, "first_loss");
		size_t n = tr && json_object_is_type(tr, json_type_array) ?
			   json_object_array_length(tr) : 0;
		double *x = xcalloc(n + 1, sizeof(double)), *y = xcalloc(3 * n + 1, sizeof(double));
		double *loss = xcalloc(n + 1, sizeof(double));
		char **lab = xcalloc(n + 1, sizeof(char *)), id[96], title[160];
		const char *names[3] = { "offered", "sent", "delivered" };
		struct svg_mark marks[2];
		size_t nm = 0;
		double ndr = jd(jget(sr, "ndr"), "pps"), pdr = jd(jget(sr, "pdr"), "pps");

		for (size_t i = 0; i < n; i++) {
			struct json_object *t = json_object_array_get_idx(tr, i);

			x[i] = (double)(i + 1);
			y[i] = jd(t, "offered_pps");
			y[n + i] = jd(t, "sent_pps");
			y[2 * n + i] = jd(t, "received_pps");
			loss[i] = jd(t, "lost_percent");
			lab[i] = xasprintf("trial %zu (%s%s)", i + 1, js(t, "kind") ? js(t, "kind") : "",
					   jget(t, "sender_limited") &&
					   json_object_get_boolean(jget(t, "sender_limited")) ?
					   ", sender-limited" : "");
		}
		for (size_t i = 0; i < 3 * n; i++)
			if (isnan(y[i]))
				y[i] = 0;
		for (size_t i = 0; i < n; i++)
			if (isnan(loss[i]))
				loss[i] = 0;
		if (ndr > 0)
			marks[nm++] = (struct svg_mark){ ndr, "NDR" };
		if (pdr > 0)
			marks[nm++] = (struct svg_mark){ pdr, "PDR" };
		snprintf(title, sizeof(title), "Sweep, %g-byte payload: offered vs delivered per "
			 "trial", jd(sr, "size"));
		snprintf(id, sizeof(id), "sweep-%zu-%zu%s", ci, k, sfx);
		svg_lines(sb, id, title, "trial", "packets/s", names, 3, x, n, y, marks, nm);
		snprintf(id, sizeof(id), "sweep-loss-%zu-%zu%s", ci, k, sfx);
		svg_bars(sb, id, "Loss per trial", "% of packets lost", (const char *const *)lab, n,
			 loss, "loss");
		sb_addf(sb, "<table class=\"kv\" id=\"sweep-result-%zu-%zu%s\"><tr data-result=\"ndr\">"
			"<th>NDR (pps)</th>", ci, k, sfx);
		td_rate(sb, ndr);
		sb_addstr(sb, "</tr><tr data-result=\"pdr\"><th>PDR (pps)</th>");
		td_rate(sb, pdr);
		sb_addstr(sb, "</tr></table>\n");
		if (fl && jget(fl, "ledger")) {
			struct json_object *led = jget(fl, "ledger");

			sb_addstr(sb, "<p>Ledger of the first losing trial (trial ");
			svg_num(sb, isnan(jd(fl, "trial")) ? 0 : jd(fl, "trial"));
			if (!isnan(jd(fl, "offered_pps"))) {
				sb_addstr(sb, " at ");
				svg_num(sb, jd(fl, "offered_pps"));
				sb_addstr(sb, " pps");
			}
			if (!isnan(jd(fl, "lost_packets"))) {
				sb_addstr(sb, ", ");
				svg_num(sb, jd(fl, "lost_packets"));
				sb_addstr(sb, " lost");
			}
			sb_addstr(sb, "):</p><table class=\"grid\"><tr><th>layer</th><th>netns</th>"
				  "<th>object</th><th>counter</th><th>delta</th></tr>");
			for (size_t i = 0; i < json_object_array_length(led) && i < 20; i++) {
				struct json_object *e = json_object_array_get_idx(led, i);

				sb_addstr(sb, "<tr><td>");
				svg_esc(sb, js(e, "layer"));
				sb_addstr(sb, "</td><td>");
				svg_esc(sb, js(e, "netns"));
				sb_addstr(sb, "</td><td>");
				svg_esc(sb, js(e, "object"));
				sb_addstr(sb, "</td><td>");
				svg_esc(sb, js(e, "counter"));
				sb_addstr(sb, "</td>");
				td_num(sb, jd(e, "delta"));
				sb_addstr(sb, "</tr>");
			}
			sb_addstr(sb, "</table>\n");
		}
		for (size_t i = 0; i < n; i++)
			free(lab[i]);
		free(lab);
		free(x);
		free(y);
		free(loss);
	}
}

static void cmd_matrix(struct strbuf *sb, struct json_object *doc, size_t ci, const char *sfx)
{
	struct json_object *sc = jget(doc, "scenarios");
	size_t n = json_object_array_length(sc), m = 0;
	const char **lab = xcalloc(n + 1, sizeof(char *));
	double *v = xcalloc(n + 1, sizeof(double));
	char id[96];

	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(sc, i);

		if (!js(s, "scenario") || isnan(jd(s, "ndr_pps")))
			continue;
		lab[m] = js(s, "scenario");
		v[m++] = jd(s, "ndr_pps");
	}
	snprintf(id, sizeof(id), "matrix-%zu%s", ci, sfx);
	svg_bars(sb, id, "Lab matrix: the highest rate without loss (NDR) per scenario",
		 "packets/s", lab, m, v, "NDR");
	/* the cost of each datapath: its NDR relative to the bare veth pair */
	m = 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(sc, i);

		if (!js(s, "scenario") || isnan(jd(s, "relative_to_veth")))
			continue;
		lab[m] = js(s, "scenario");
		v[m++] = jd(s, "relative_to_veth");
	}
	if (m) {
		snprintf(id, sizeof(id), "matrix-rel-%zu%s", ci, sfx);
		svg_bars(sb, id, "Lab matrix: NDR relative to veth (1 = as fast as a bare veth pair)",
			 "NDR / NDR of veth", lab, m, v, "relative NDR");
	}
	free(lab);
	free(v);
}

static void cmd_doctor(struct strbuf *sb, struct json_object *doc, size_t ci, const char *sfx)
{
	struct json_object *f = jget(doc, "findings");
	size_t n = json_object_array_length(f);

	sb_addf(sb, "<table class=\"grid\" id=\"findings-%zu%s\"><tr><th>severity</th>"
		"<th>confidence</th><th>layer</th><th>netns</th><th>object</th><th>rule</th>"
		"<th>cause</th><th>evidence</th><th>change</th></tr>", ci, sfx);
	for (size_t i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(f, i), *ch = jget(x, "change");
		const char *cols[] = { js(x, "severity"), js(x, "confidence"), js(x, "layer"),
				       js(x, "netns"), js(x, "object"), js(x, "rule"),
				       js(x, "cause"), js(x, "evidence") };

		sb_addstr(sb, "<tr data-rule=\"");
		svg_esc(sb, js(x, "rule"));
		sb_addstr(sb, "\">");
		for (size_t k = 0; k < ARRAY_SIZE(cols); k++) {
			sb_addstr(sb, "<td>");
			svg_esc(sb, cols[k] ? cols[k] : "");
			sb_addstr(sb, "</td>");
		}
		sb_addstr(sb, "<td>");
		if (ch && js(ch, "target")) {
			svg_esc(sb, js(ch, "target"));
			sb_addstr(sb, ": ");
			svg_esc(sb, js(ch, "current"));
			sb_addstr(sb, " &rarr; ");
			svg_esc(sb, js(ch, "proposed"));
		}
		sb_addstr(sb, "</td></tr>");
	}
	sb_addstr(sb, "</table>\n");
	if (!n)
		note(sb, "Doctor found nothing.");
}

static void cmd_bench(struct strbuf *sb, struct json_object *doc, size_t ci, const char *sfx)
{
	const char *dirs[] = { "forward", "reverse" };

	sb_addf(sb, "<table class=\"grid\" id=\"bench-%zu%s\"><tr><th>direction</th><th>sent</th>"
		"<th>sent pps</th><th>received</th><th>lost</th><th>lost %%</th></tr>", ci, sfx);
	for (size_t k = 0; k < 2; k++) {
		struct json_object *d = jget(doc, dirs[k]);

		if (!d)
			continue;
		sb_addf(sb, "<tr><td>%s</td>", dirs[k]);
		td_num(sb, jd(d, "sent"));
		td_num(sb, jd(d, "sent_pps"));
		td_num(sb, jd(d, "received"));
		td_num(sb, jd(d, "lost_packets"));
		td_num(sb, jd(d, "lost_percent"));
		sb_addstr(sb, "</tr>");
	}
	sb_addstr(sb, "</table>\n");
}

static void sec_commands(struct strbuf *sb, const struct recording *r, const char *sfx)
{
	if (!r->ncmds)
		return;
	h2(sb, "Commands recorded");
	for (size_t i = 0; i < r->ncmds; i++) {
		const struct rec_command *c = &r->cmds[i];
		size_t n = json_object_array_length(c->output);

		sb_addstr(sb, "<h4><code>");
		for (char **a = c->argv; *a; a++) {
			svg_esc(sb, *a);
			sb_addstr(sb, " ");
		}
		sb_addf(sb, "</code> (%.1f s to %.1f s, exit %d)</h4>\n", c->start, c->end, c->exit);
		for (size_t k = 0; k < n; k++) {
			struct json_object *doc = json_object_array_get_idx(c->output, k);

			if (jget(doc, "results") && json_object_is_type(jget(doc, "results"),
									json_type_array))
				cmd_sweep(sb, doc, i, sfx);
			else if (jget(doc, "scenarios") &&
				 json_object_is_type(jget(doc, "scenarios"), json_type_array))
				cmd_matrix(sb, doc, i, sfx);
			else if (jget(doc, "findings") &&
				 json_object_is_type(jget(doc, "findings"), json_type_array))
				cmd_doctor(sb, doc, i, sfx);
			else if (jget(doc, "forward") || jget(doc, "reverse"))
				cmd_bench(sb, doc, i, sfx);
			else if (!jget(doc, "interval")) { /* bench's per-interval lines: skipped */
				const char *txt = json_object_to_json_string_ext(
					doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

				sb_addstr(sb, "<pre class=\"json\">");
				if (strlen(txt) > 8192) {
					char *cut = xasprintf("%.8192s\n...", txt);

					svg_esc(sb, cut);
					free(cut);
				} else {
					svg_esc(sb, txt);
				}
				sb_addstr(sb, "</pre>\n");
			}
		}
		if (c->text) {
			sb_addstr(sb, "<pre class=\"json\">");
			svg_esc(sb, c->text);
			sb_addstr(sb, "</pre>\n");
		}
	}
}

/* ---- comparison -------------------------------------------------------------------- */

static double first_ndr(const struct recording *r)
{
	for (size_t i = 0; i < r->ncmds; i++)
		for (size_t k = 0; k < json_object_array_length(r->cmds[i].output); k++) {
			struct json_object *res = jget(json_object_array_get_idx(r->cmds[i].output, k),
						       "results");

			if (res && json_object_is_type(res, json_type_array) &&
			    json_object_array_length(res))
				return jd(jget(json_object_array_get_idx(res, 0), "ndr"), "pps");
		}
	return NAN;
}

static double bench_lost(const struct recording *r)
{
	double lost = NAN;

	for (size_t i = 0; i < r->ncmds; i++)
		for (size_t k = 0; k < json_object_array_length(r->cmds[i].output); k++) {
			struct json_object *f = jget(json_object_array_get_idx(r->cmds[i].output, k),
						     "forward");
			double v = jd(f, "lost_packets");

			if (!isnan(v))
				lost = isnan(lost) ? v : lost + v;
		}
	return lost;
}

static double span_of(const struct recording *r)
{
	double s = 0;

	for (size_t i = 0; i < r->nsamples; i++)
		s += r->samples[i].dt;
	return s;
}

static void sec_compare(struct strbuf *sb, const struct recording *a, const struct recording *b)
{
	double ta[LAYER__COUNT], tb[LAYER__COUNT], sa = span_of(a), sbs = span_of(b);
	double v2[2 * LAYER__COUNT];
	size_t changed = 0;
	const char *lab2[2 * LAYER__COUNT];
	char *labs[2 * LAYER__COUNT];

	h2(sb, "What changed between the two recordings");
	report_layer_drops(a, ta);
	report_layer_drops(b, tb);
	sb_addstr(sb, "<table class=\"grid\" id=\"compare-knobs\"><tr><th>knob</th><th>netns</th>"
		  "<th>object</th><th>before</th><th>after</th></tr>");
	for (size_t i = 0; i < b->nknobs; i++) {
		const struct rec_knob *kb = &b->knobs[i], *ka = NULL;
		const char *before;

		for (size_t j = 0; j < a->nknobs && !ka; j++)
			if (a->knobs[j].name == kb->name && a->knobs[j].netns == kb->netns &&
			    a->knobs[j].object == kb->object && a->knobs[j].queue == kb->queue &&
			    a->knobs[j].cpu == kb->cpu)
				ka = &a->knobs[j];
		/* before: the first recording's end (or, if it lacks the knob, the second's
		 * start); after: the second's end */
		before = ka ? ka->last : kb->first;
		if (before == kb->last)
			continue;
		changed++;
		sb_addstr(sb, "<tr data-knob=\"");
		svg_esc(sb, kb->name);
		sb_addstr(sb, "\" data-netns=\"");
		svg_esc(sb, kb->netns);
		sb_addstr(sb, "\" data-before=\"");
		svg_esc(sb, before);
		sb_addstr(sb, "\" data-after=\"");
		svg_esc(sb, kb->last);
		sb_addstr(sb, "\"><td>");
		svg_esc(sb, kb->name);
		sb_addstr(sb, "</td><td>");
		svg_esc(sb, kb->netns);
		sb_addstr(sb, "</td><td>");
		svg_esc(sb, kb->object[0] ? kb->object : "-");
		if (kb->queue >= 0)
			sb_addf(sb, "/q%d", kb->queue);
		sb_addstr(sb, "</td><td>");
		svg_esc(sb, before);
		sb_addstr(sb, "</td><td>");
		svg_esc(sb, kb->last);
		sb_addstr(sb, "</td></tr>");
	}
	if (!changed)
		sb_addstr(sb, "<tr><td colspan=\"5\">no knob changed</td></tr>");
	sb_addstr(sb, "</table>\n");

	sb_addstr(sb, "<table class=\"grid\" id=\"compare-drops\"><tr><th>layer</th>"
		  "<th>dropped before</th><th>dropped after</th><th>before /s</th>"
		  "<th>after /s</th><th>change</th></tr>");
	for (int l = 0; l < LAYER__COUNT; l++) {
		double ra = sa > 0 ? ta[l] / sa : 0, rb = sbs > 0 ? tb[l] / sbs : 0;

		sb_addf(sb, "<tr data-layer=\"%s\" data-before=\"%.0f\" data-after=\"%.0f\">"
			"<td>%s</td>", layer_name(l), ta[l], tb[l], layer_name(l));
		td_num(sb, ta[l]);
		td_num(sb, tb[l]);
		td_num(sb, round(ra * 100) / 100);
		td_num(sb, round(rb * 100) / 100);
		if (ra > 0)
			sb_addf(sb, "<td class=\"n\">%+.0f%%</td></tr>", (rb - ra) / ra * 100);
		else
			sb_addf(sb, "<td class=\"n\">%s</td></tr>", rb > 0 ? "new" : "-");
	}
	sb_addstr(sb, "</table>\n");
	for (int l = 0; l < LAYER__COUNT; l++) {
		labs[2 * l] = xasprintf("%s before", layer_name(l));
		labs[2 * l + 1] = xasprintf("%s after", layer_name(l));
		lab2[2 * l] = labs[2 * l];
		lab2[2 * l + 1] = labs[2 * l + 1];
		v2[2 * l] = sa > 0 ? ta[l] / sa : 0;
		v2[2 * l + 1] = sbs > 0 ? tb[l] / sbs : 0;
	}
	svg_bars_grouped(sb, "compare-drops-chart", "Drops per layer, before and after "
			 "(average over each recording)", "drops/s", lab2, 2 * LAYER__COUNT, v2,
			 (const char *const[]){ "before", "after" }, 2);
	for (int l = 0; l < 2 * LAYER__COUNT; l++)
		free(labs[l]);
	sb_addstr(sb, "<table class=\"grid\" id=\"compare-results\"><tr><th>result</th>"
		  "<th>before</th><th>after</th></tr><tr data-result=\"ndr\"><td>NDR (pps)</td>");
	td_num(sb, first_ndr(a));
	td_num(sb, first_ndr(b));
	sb_addstr(sb, "</tr><tr data-result=\"bench-lost\"><td>packets lost by bench</td>");
	td_num(sb, bench_lost(a));
	td_num(sb, bench_lost(b));
	sb_addstr(sb, "</tr></table>\n");
}

/* ---- page -------------------------------------------------------------------------- */

static const char css[] =
"body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#222;background:#fff}"
"h1{font-size:20px}h2{font-size:17px;border-bottom:1px solid #ccc}h3{font-size:15px;margin-top:24px}"
"table{border-collapse:collapse;margin:8px 0}td,th{padding:2px 8px;text-align:left;"
"border-bottom:1px solid #eee;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}"
".kv th{color:#555;font-weight:normal}.warn{background:#fff3cd;border:1px solid #e0c060;"
"padding:8px;margin:8px 0}.note{color:#666}figure.chart{margin:8px 0}svg{max-width:100%;height:auto}"
"svg text{font:11px system-ui,sans-serif;fill:#333}svg .title{font-weight:bold;font-size:12px}"
"svg .yl{text-anchor:end}svg .xl,svg .xt{text-anchor:middle}svg .yt{text-anchor:middle}"
"svg .bv{fill:#555}svg .mk{text-anchor:end;fill:#b00}svg .axis,svg .tick{stroke:#666}"
"svg .sp{fill:#3a7;font-size:10px}svg .grid{stroke:#eee}svg .mark{stroke:#b00;stroke-dasharray:4 3}"
".pair{display:flex;gap:16px}.pair>div{flex:1;min-width:0}pre.json{background:#f6f6f6;"
"padding:6px;max-height:300px;overflow:auto;font-size:12px}"
"#tip{position:absolute;display:none;background:#333;color:#fff;padding:3px 6px;"
"border-radius:3px;font-size:12px;pointer-events:none;white-space:nowrap}";

static const char js_tip[] =
"(function(){var t=document.createElement('div');t.id='tip';document.body.appendChild(t);"
"document.addEventListener('mousemove',function(e){var g=e.target;"
"var v=g&&g.getAttribute?g.getAttribute('data-value'):null;"
"if(v===null){t.style.display='none';return;}"
"var s=g.getAttribute('data-series')||'',tt=g.getAttribute('data-t'),"
"svg=g.closest?g.closest('svg'):null,u=svg?(svg.getAttribute('data-unit')||''):'';"
"t.textContent=s+(tt!==null?' at '+tt+' s':'')+': '+v+' '+u;t.style.display='block';"
"t.style.left=(e.pageX+12)+'px';t.style.top=(e.pageY+12)+'px';});})();";

typedef void (*section_fn)(struct strbuf *sb, const struct recording *r, const struct bins *b,
			   const char *sfx);

static void sec_commands_b(struct strbuf *sb, const struct recording *r, const struct bins *b,
			   const char *sfx)
{
	(void)b;
	sec_commands(sb, r, sfx);
}

static void sec_summary(struct strbuf *sb, const struct recording *r, const struct bins *b,
			const char *sfx)
{
	(void)b;
	warnings(sb, r, sfx);
	summary(sb, r, sfx);
}

void report_html(struct strbuf *out, const struct recording *a, const struct recording *b)
{
	static const struct { const char *id, *title; section_fn fn; } secs[] = {
		{ "sec-summary", "Recording", sec_summary },
		{ "sec-cpu", "CPUs", sec_cpu },
		{ "sec-drops", "Drops", sec_drops },
		{ "sec-devices", "Where", sec_devices },
		{ "sec-commands", "Commands", sec_commands_b },
	};
	const struct recording *rs[2] = { a, b };
	struct bins bs[2];
	size_t n = b ? 2 : 1;

	for (size_t i = 0; i < n; i++)
		bins_make(rs[i], &bs[i]);
	sb_addstr(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		  "<meta name=\"generator\" content=\"dptune report\"><title>dptune report: ");
	svg_esc(out, a->host);
	sb_addstr(out, "</title><style>");
	sb_addstr(out, css);
	sb_addstr(out, "</style></head><body>\n<h1>dptune report");
	if (b)
		sb_addstr(out, ": before and after");
	sb_addstr(out, "</h1>\n");
	if (b) {
		sb_addstr(out, "<section id=\"sec-compare\">");
		sec_compare(out, a, b);
		sb_addstr(out, "</section>\n");
	}
	for (size_t s = 0; s < ARRAY_SIZE(secs); s++) {
		sb_addf(out, "<section id=\"%s\"><h2>%s</h2>\n", secs[s].id, secs[s].title);
		if (!b) {
			secs[s].fn(out, a, &bs[0], "");
		} else {
			sb_addstr(out, "<div class=\"pair\"><div><h3 class=\"side\">before</h3>");
			secs[s].fn(out, a, &bs[0], "-before");
			sb_addstr(out, "</div><div><h3 class=\"side\">after</h3>");
			secs[s].fn(out, b, &bs[1], "-after");
			sb_addstr(out, "</div></div>");
		}
		sb_addstr(out, "</section>\n");
	}
	sb_addstr(out, "<script>");
	sb_addstr(out, js_tip);
	sb_addstr(out, "</script>\n</body></html>\n");
	for (size_t i = 0; i < n; i++)
		bins_free(&bs[i]);
}
