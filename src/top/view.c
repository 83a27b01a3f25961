/* view.c: the rows and the frame of `dptune top` (view.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "view.h"
#include "../core/util.h"

static const char *const sort_names[TOP_SORT__COUNT] = { "rate", "total", "layer", "netns" };

const char *top_sort_name(enum top_sort s)
{
	return (unsigned)s < TOP_SORT__COUNT ? sort_names[s] : "?";
}

int top_sort_from_name(const char *s)
{
	for (int i = 0; i < TOP_SORT__COUNT; i++)
		if (!strcmp(s, sort_names[i]))
			return i;
	return -1;
}

void top_view_init(struct top_view *v)
{
	memset(v, 0, sizeof(*v));
	v->layer = -1;
	v->hold = TOP_HOLD_DEFAULT;
}

void top_view_release(struct top_view *v)
{
	free(v->cpus);
	free(v->drops);
	free(v->rows);
	top_view_init(v);
}

/* ---- per CPU ------------------------------------------------------------------------ */

struct cpu_acc {
	double si, steal, total, net_rx, drops, irqs;
	bool have_ticks, have;
};

static void update_cpus(struct top_view *v, const struct snapshot *cur, const struct delta *d)
{
	struct cpu_acc *acc;
	int maxcpu = -1;
	size_t n = 0;

	for (size_t i = 0; i < cur->nm; i++)
		if (cur->m[i].cpu > maxcpu && cur->m[i].cpu < 65536 &&
		    (cur->m[i].layer == LAYER_SOFTIRQ || cur->m[i].layer == LAYER_BACKLOG))
			maxcpu = cur->m[i].cpu;
	free(v->cpus);
	v->cpus = NULL;
	v->ncpus = 0;
	if (maxcpu < 0)
		return;
	acc = xcalloc((size_t)maxcpu + 1, sizeof(*acc));
	for (size_t i = 0; i < d->nrows; i++) {
		const struct delta_row *r = &d->rows[i];
		const struct metric *m = r->cur;
		struct cpu_acc *a;
		double dv = (double)r->delta;

		if (m->cpu < 0 || m->cpu > maxcpu)
			continue;
		a = &acc[m->cpu];
		if (m->layer == LAYER_SOFTIRQ) {
			a->have = true;
			if (!strcmp(m->name, "softirq_ticks")) {
				a->si += dv;
			} else if (!strcmp(m->name, "steal_ticks")) {
				a->steal += dv;
			} else if (!strcmp(m->name, "total_ticks")) {
				a->total += dv;
				a->have_ticks = r->prev != NULL;
			} else if (!strcmp(m->name, "net_rx")) {
				a->net_rx += r->rate;
			}
		} else if (m->layer == LAYER_BACKLOG) {
			a->have = true;
			if (!strcmp(m->name, "dropped"))
				a->drops += r->rate;
		} else if (m->layer == LAYER_IRQ &&
			   (m->kind == MK_COUNTER || m->kind == MK_COUNTER32)) {
			a->irqs += r->rate;
		}
	}
	for (int c = 0; c <= maxcpu; c++)
		n += acc[c].have;
	v->cpus = xcalloc(n ? n : 1, sizeof(*v->cpus));
	for (int c = 0; c <= maxcpu; c++) {
		struct top_cpu *tc;

		if (!acc[c].have)
			continue;
		tc = &v->cpus[v->ncpus++];
		tc->cpu = c;
		tc->si_pct = tc->steal_pct = -1;
		if (acc[c].have_ticks && acc[c].total > 0) {
			tc->si_pct = 100.0 * acc[c].si / acc[c].total;
			tc->steal_pct = 100.0 * acc[c].steal / acc[c].total;
		}
		tc->net_rx = acc[c].net_rx;
		tc->drops = acc[c].drops;
		tc->irqs = acc[c].irqs;
	}
	free(acc);
}

/* ---- drop rows ---------------------------------------------------------------------- */

static bool is_drop(const struct metric *m)
{
	return (m->flags & MF_DROP) && !(m->flags & MF_BENIGN) &&
	       (m->kind == MK_COUNTER || m->kind == MK_COUNTER32);
}

static uint64_t key_hash(uint64_t inode, const struct metric *m)
{
	uint64_t h = inode * 0x9E3779B97F4A7C15ull;

	h ^= (uintptr_t)m->obj * 0xC2B2AE3D27D4EB4Full;
	h ^= (uintptr_t)m->name * 0x165667B19E3779F9ull;
	h ^= ((uint64_t)m->layer << 56) ^ ((uint64_t)(uint32_t)m->queue << 20) ^ (uint32_t)m->cpu;
	return h ^ (h >> 29);
}

static bool same(const struct top_drop *t, uint64_t inode, const char *ns, const struct metric *m)
{
	return t->obj == m->obj && t->name == m->name && t->layer == m->layer &&
	       t->queue == m->queue && t->cpu == m->cpu && t->ns_inode == inode &&
	       (inode || t->ns == ns) && (!(m->flags & MF_LABEL_KEY) || t->labels == m->labels);
}

/* The tracked rows in an open-addressing table of indexes (n a power of two). */
static size_t *index_drops(const struct top_view *v, size_t *n)
{
	size_t *slots;

	*n = 16;
	while (*n < v->ndrops * 2)
		*n <<= 1;
	slots = xmalloc(*n * sizeof(*slots));
	memset(slots, 0xff, *n * sizeof(*slots));
	for (size_t i = 0; i < v->ndrops; i++) {
		const struct top_drop *t = &v->drops[i];
		struct metric m = { .obj = t->obj, .name = t->name, .layer = t->layer,
				    .queue = t->queue, .cpu = t->cpu };
		size_t j = key_hash(t->ns_inode, &m) & (*n - 1);

		while (slots[j] != (size_t)-1)
			j = (j + 1) & (*n - 1);
		slots[j] = i;
	}
	return slots;
}

static struct top_drop *find_drop(struct top_view *v, const size_t *slots, size_t n,
				  uint64_t inode, const char *ns, const struct metric *m)
{
	for (size_t j = key_hash(inode, m) & (n - 1); slots[j] != (size_t)-1; j = (j + 1) & (n - 1))
		if (same(&v->drops[slots[j]], inode, ns, m))
			return &v->drops[slots[j]];
	return NULL;
}

static void update_drops(struct top_view *v, const struct snapshot *prev,
			 const struct snapshot *cur, const struct delta *d)
{
	size_t nslots, *slots = index_drops(v, &nslots), old = v->ndrops, keep = 0;

	for (size_t i = 0; i < v->ndrops; i++) {
		v->drops[i].seen = false;
		v->drops[i].rate = 0;
		v->drops[i].delta = 0;
	}
	for (size_t i = 0; i < d->nrows; i++) {
		const struct delta_row *r = &d->rows[i];
		const struct metric *m = r->cur;
		const struct netns_info *ns = &cur->ns[m->ns];
		bool moved = prev && r->prev && r->delta > 0;
		struct top_drop *t;

		if (!is_drop(m))
			continue;
		t = old ? find_drop(v, slots, nslots, ns->inode, ns->name, m) : NULL;
		if (!t) {
			/* new rows: those that moved, and with --all every one that counted */
			if (!moved && !(v->all && m->value))
				continue;
			grow_array((void **)&v->drops, &v->drops_cap, v->ndrops + 1,
				   sizeof(*v->drops));
			t = &v->drops[v->ndrops++];
			*t = (struct top_drop){ .ns_inode = ns->inode, .ns = ns->name,
						.obj = m->obj, .name = m->name, .queue = m->queue,
						.cpu = m->cpu, .layer = m->layer, .flags = m->flags };
		}
		t->seen = true;
		t->ns = ns->name;
		t->labels = m->labels;
		t->total = m->value;
		if (moved) {
			t->delta = r->delta;
			t->rate = r->rate;
			t->last_moved = cur->t_mono;
		}
	}
	free(slots);
	/* forget what is gone from the kernel, or stopped longer ago than the hold */
	for (size_t i = 0; i < v->ndrops; i++) {
		const struct top_drop *t = &v->drops[i];
		bool recent = t->last_moved > 0 && cur->t_mono - t->last_moved <= v->hold;

		if (t->seen && (recent || (v->all && t->total)))
			v->drops[keep++] = *t;
	}
	v->ndrops = keep;
}

void top_view_update(struct top_view *v, const struct snapshot *prev,
		     const struct snapshot *cur, const struct delta *d)
{
	v->t_mono = cur->t_mono;
	v->t_real = cur->t_real;
	v->interval = d->interval;
	v->have_rates = prev != NULL;
	v->updates++;
	update_cpus(v, cur, d);
	update_drops(v, prev, cur, d);
	top_view_refresh(v);
}

static bool row_wanted(const struct top_view *v, const struct top_drop *t, bool ns_filter)
{
	if (v->layer >= 0 && t->layer != v->layer)
		return false;
	if (ns_filter && v->netns[0] && strcmp(t->ns, v->netns))
		return false;
	if (v->all)
		return t->total > 0 || t->last_moved > 0;
	return t->last_moved > 0 && v->t_mono - t->last_moved <= v->hold;
}

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b;
}

static int cmp_dbl_desc(double a, double b)
{
	return a > b ? -1 : a < b;
}

static int cmp_path(const struct top_drop *p, const struct top_drop *q)
{
	int c;

	if (p->layer != q->layer)
		return p->layer < q->layer ? -1 : 1;
	if (p->ns != q->ns && (c = strcmp(p->ns, q->ns)))
		return c;
	if (p->obj != q->obj && (c = strcmp(p->obj, q->obj)))
		return c;
	if (p->name != q->name && (c = strcmp(p->name, q->name)))
		return c;
	if (p->queue != q->queue)
		return p->queue < q->queue ? -1 : 1;
	return p->cpu < q->cpu ? -1 : p->cpu > q->cpu;
}

static enum top_sort sort_key; /* qsort has no context argument */

static int cmp_rows(const void *a, const void *b)
{
	const struct top_drop *p = *(const struct top_drop *const *)a;
	const struct top_drop *q = *(const struct top_drop *const *)b;
	int c = 0;

	switch (sort_key) {
	case TOP_SORT_RATE:
		if (!(c = cmp_dbl_desc(p->rate, q->rate)))
			if (!(c = cmp_dbl_desc(p->last_moved, q->last_moved)))
				c = cmp_u64_desc(p->total, q->total);
		break;
	case TOP_SORT_TOTAL:
		c = cmp_u64_desc(p->total, q->total);
		break;
	case TOP_SORT_NETNS:
		if (!(c = strcmp(p->ns, q->ns)))
			c = cmp_dbl_desc(p->rate, q->rate);
		break;
	default:
		break;
	}
	return c ? c : cmp_path(p, q);
}

void top_view_refresh(struct top_view *v)
{
	v->nrows = 0;
	v->nmoving = 0;
	grow_array((void **)&v->rows, &v->rows_cap, v->ndrops + 1, sizeof(*v->rows));
	for (size_t i = 0; i < v->ndrops; i++)
		if (row_wanted(v, &v->drops[i], true)) {
			v->rows[v->nrows++] = &v->drops[i];
			v->nmoving += v->drops[i].delta > 0;
		}
	sort_key = v->sort;
	if (v->nrows > 1)
		qsort(v->rows, v->nrows, sizeof(*v->rows), cmp_rows);
}

/* ---- key actions -------------------------------------------------------------------- */

void top_view_set_netns(struct top_view *v, const char *name)
{
	snprintf(v->netns, sizeof(v->netns), "%s", name ? name : "");
	top_view_refresh(v);
}

void top_view_cycle_netns(struct top_view *v)
{
	const char *next = NULL;

	/* the smallest name after the current one among the namespaces with a row */
	for (size_t i = 0; i < v->ndrops; i++) {
		const char *n = v->drops[i].ns;

		if (!row_wanted(v, &v->drops[i], false))
			continue;
		if (v->netns[0] && strcmp(n, v->netns) <= 0)
			continue;
		if (!next || strcmp(n, next) < 0)
			next = n;
	}
	top_view_set_netns(v, next);
}

void top_view_cycle_layer(struct top_view *v)
{
	v->layer = v->layer + 1 >= LAYER__COUNT ? -1 : v->layer + 1;
	top_view_refresh(v);
}

void top_view_cycle_sort(struct top_view *v)
{
	v->sort = (enum top_sort)((v->sort + 1) % TOP_SORT__COUNT);
	top_view_refresh(v);
}

/* ---- the frame ---------------------------------------------------------------------- */

void top_fit(char *buf, size_t n, const char *s, int width, bool pad)
{
	int len = (int)strlen(s), w = width;

	if (!n)
		return;
	if (w < 0)
		w = 0;
	if ((size_t)w >= n)
		w = (int)n - 1;
	if (len > w) {
		memcpy(buf, s, (size_t)w);
		if (w > 0)
			buf[w - 1] = '~';
		buf[w] = '\0';
		return;
	}
	snprintf(buf, n, pad ? "%-*s" : "%.*s", pad ? w : len, s);
}

static struct top_line *add_line(struct top_line *lines, size_t max, size_t *nl, int width,
				  enum top_attr attr, const char *text)
{
	struct top_line *l;

	if (*nl >= max)
		return NULL;
	l = &lines[(*nl)++];
	memset(l, 0, sizeof(*l));
	l->attr = attr;
	top_fit(l->text, sizeof(l->text), text, width, false);
	for (char *p = l->text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return l;
}

static const char *num(char *buf, size_t n, double v, bool known)
{
	if (!known)
		return snprintf(buf, n, "-"), buf;
	return fmt_rate(buf, n, v);
}

static const char *total(char *buf, size_t n, uint64_t v)
{
	if (v < 10000000000ull)
		snprintf(buf, n, "%llu", (unsigned long long)v);
	else
		fmt_rate(buf, n, (double)v);
	return buf;
}

/* The busiest CPUs when not all fit: by drops, then si %, then NET_RX. */
static void pick_cpus(struct top_view *v, size_t room)
{
	for (size_t i = 0; i < v->ncpus; i++)
		v->cpus[i].shown = true;
	while (room < v->ncpus) {
		size_t quiet = (size_t)-1, shown = 0;

		for (size_t i = 0; i < v->ncpus; i++) {
			const struct top_cpu *c = &v->cpus[i];

			if (!c->shown)
				continue;
			shown++;
			if (quiet == (size_t)-1 || c->drops < v->cpus[quiet].drops ||
			    (c->drops == v->cpus[quiet].drops &&
			     (c->si_pct < v->cpus[quiet].si_pct ||
			      (c->si_pct == v->cpus[quiet].si_pct &&
			       c->net_rx < v->cpus[quiet].net_rx))))
				quiet = i;
		}
		if (shown <= room || quiet == (size_t)-1)
			break;
		v->cpus[quiet].shown = false;
	}
}

static void object_text(char *buf, size_t n, const struct top_drop *t)
{
	size_t l = (size_t)snprintf(buf, n, "%s", t->obj && *t->obj ? t->obj : "");

	if (t->queue >= 0 && l < n)
		l += (size_t)snprintf(buf + l, n - l, "%sq%d", l ? " " : "", (int)t->queue);
	if (t->cpu >= 0 && l < n)
		l += (size_t)snprintf(buf + l, n - l, "%scpu%d", l ? " " : "", (int)t->cpu);
	if (t->labels && *t->labels && l < n)
		l += (size_t)snprintf(buf + l, n - l, "%s%s", l ? " " : "", t->labels);
	if (!l)
		snprintf(buf, n, "-");
}

/* Widths of NETNS, OBJECT and COUNTER in room columns: sized to the rows shown, then the
 * widest cut first, down to a floor. */
static void drop_widths(const struct top_view *v, size_t from, size_t to, int room, int w[3])
{
	static const int floor_w[3] = { 6, 6, 8 };
	char obj[256];

	w[0] = 5; /* "NETNS" */
	w[1] = 6; /* "OBJECT" */
	w[2] = 7; /* "COUNTER" */
	for (size_t i = from; i < to; i++) {
		const struct top_drop *t = v->rows[i];
		int l;

		object_text(obj, sizeof(obj), t);
		if ((l = (int)strlen(t->ns)) > w[0])
			w[0] = l;
		if ((l = (int)strlen(obj)) > w[1])
			w[1] = l;
		if ((l = (int)strlen(t->name)) > w[2])
			w[2] = l;
	}
	while (w[0] + w[1] + w[2] > room) {
		int k = w[0] - floor_w[0] >= w[1] - floor_w[1] ? 0 : 1;

		if (w[2] - floor_w[2] > w[k] - floor_w[k])
			k = 2;
		if (w[k] <= floor_w[k])
			break;
		w[k]--;
	}
}

size_t top_view_frame(struct top_view *v, const struct top_frame_opts *o,
		      struct top_line *lines, size_t max)
{
	char buf[TOP_LINE_MAX * 2], a[32], b[32], c[32], e[32], f[32], clock[16] = "";
	int width = o->width, height = o->height, bar, w[3];
	size_t nl = 0, cpu_room, drop_room, shown = 0, from;
	struct top_line *l;
	struct tm tm;
	time_t tt = (time_t)v->t_real;

	if (width > TOP_LINE_MAX - 1)
		width = TOP_LINE_MAX - 1;
	if (width < 1 || height < 1)
		return 0;
	if ((size_t)height < max)
		max = (size_t)height;
	if (v->t_real > 0 && localtime_r(&tt, &tm))
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);

	/* title */
	snprintf(buf, sizeof(buf), "dptune top  %s%zu CPUs  every %.3gs  netns:%s  layer:%s  "
		 "sort:%s%s  %s", o->paused ? "PAUSED  " : "", v->ncpus,
		 v->period > 0 ? v->period : v->interval,
		 v->netns[0] ? v->netns : "all", v->layer >= 0 ? layer_name(v->layer) : "all",
		 top_sort_name(v->sort), v->all ? "  all" : "", clock);
	add_line(lines, max, &nl, width, TOP_A_TITLE, buf);

	/* CPUs: at most half of what is left after title, headings and the key line */
	cpu_room = height > 6 ? (size_t)(height - 5) / 2 : 1;
	pick_cpus(v, cpu_room);
	for (size_t i = 0; i < v->ncpus; i++)
		shown += v->cpus[i].shown;
	bar = width - 48;
	if (bar > 50)
		bar = 50;
	if (bar < 10)
		bar = 10;
	snprintf(buf, sizeof(buf), "%-5s %5s %-*s %5s %9s %8s %8s", "CPU", "si%",
		 bar + 2, shown < v->ncpus ? "(busiest shown)" : "softirq time", "st%",
		 "NET_RX/s", "drops/s", "IRQs/s");
	add_line(lines, max, &nl, width, TOP_A_HEAD, buf);
	for (size_t i = 0; i < v->ncpus; i++) {
		const struct top_cpu *tc = &v->cpus[i];
		char cpu[16], bars[64];
		int fill = 0;

		if (!tc->shown)
			continue;
		if (tc->si_pct >= 0)
			fill = (int)(tc->si_pct / 100.0 * bar + 0.5);
		if (fill > bar)
			fill = bar;
		memset(bars, '|', (size_t)fill);
		memset(bars + fill, ' ', (size_t)(bar - fill));
		bars[bar] = '\0';
		snprintf(cpu, sizeof(cpu), "cpu%d", tc->cpu);
		if (tc->si_pct >= 0) {
			snprintf(a, sizeof(a), "%.1f", tc->si_pct);
			snprintf(b, sizeof(b), "%.1f", tc->steal_pct);
		} else {
			snprintf(a, sizeof(a), "-");
			snprintf(b, sizeof(b), "-");
		}
		snprintf(buf, sizeof(buf), "%-5s %5s [%s] %5s %9s %8s %8s", cpu, a, bars, b,
			 num(c, sizeof(c), tc->net_rx, v->have_rates),
			 num(e, sizeof(e), tc->drops, v->have_rates),
			 num(f, sizeof(f), tc->irqs, v->have_rates));
		l = add_line(lines, max, &nl, width, TOP_A_NORMAL, buf);
		if (l && fill && 13 < width) {
			l->bar_at = 13;
			l->bar_len = fill < width - 13 ? fill : width - 13;
		}
	}

	/* drop counters */
	if (!v->have_rates)
		snprintf(buf, sizeof(buf), "drop counters: sampling...");
	else
		snprintf(buf, sizeof(buf), "drop counters%s: %zu shown, %zu moving",
			 v->all ? " (every one that counted)" : " that moved lately", v->nrows,
			 v->nmoving);
	add_line(lines, max, &nl, width, TOP_A_HEAD, buf);
	drop_room = max > nl + 2 ? max - nl - 2 : 0; /* the heading and the key line */
	from = 0;
	if (drop_room) {
		size_t to = v->nrows < drop_room ? v->nrows : drop_room;
		char ns[256], obj[256], name[256], objt[256];

		if (v->nrows > drop_room && to)
			to--; /* room for "+N more" */
		drop_widths(v, from, to, width - 9 - 9 - 11 - 5, w);
		snprintf(buf, sizeof(buf), "%-9s %-*s %-*s %-*s %9s %11s", "LAYER", w[0], "NETNS",
			 w[1], "OBJECT", w[2], "COUNTER", "RATE/s", "TOTAL");
		add_line(lines, max, &nl, width, TOP_A_HEAD, buf);
		for (size_t i = from; i < to; i++) {
			const struct top_drop *t = v->rows[i];

			object_text(objt, sizeof(objt), t);
			top_fit(ns, sizeof(ns), t->ns, w[0], true);
			top_fit(obj, sizeof(obj), objt, w[1], true);
			top_fit(name, sizeof(name), t->name, w[2], true);
			snprintf(buf, sizeof(buf), "%-9s %s %s %s %9s %11s", layer_name(t->layer),
				 ns, obj, name, fmt_rate(a, sizeof(a), t->rate),
				 total(b, sizeof(b), t->total));
			add_line(lines, max, &nl, width, t->delta ? TOP_A_HOT : TOP_A_DIM, buf);
		}
		if (to < v->nrows) {
			snprintf(buf, sizeof(buf), "  +%zu more (n: one namespace, l: one layer)",
				 v->nrows - to);
			add_line(lines, max, &nl, width, TOP_A_DIM, buf);
		}
		if (!v->nrows && v->have_rates && nl + 1 < max) {
			snprintf(buf, sizeof(buf), "  no drop counter %s%s%s%s%s",
				 v->all ? "has counted" : "moved in the last ",
				 v->all ? "" : fmt_rate(a, sizeof(a), v->hold), v->all ? "" : " s",
				 v->netns[0] || v->layer >= 0 ? " here (n/l: change the filter)" : "",
				 v->all ? "" : " (a: every one that counted)");
			add_line(lines, max, &nl, width, TOP_A_DIM, buf);
		}
	}

	/* the key line, always the last line of the screen */
	if (o->msg)
		snprintf(buf, sizeof(buf), "%s", o->msg);
	else if (o->help)
		snprintf(buf, sizeof(buf), "q quit  p pause  n/N netns (next/by name)  "
			 "l layer  s sort  a all  h help");
	else
		snprintf(buf, sizeof(buf), "h help  q quit  n netns  l layer  s sort  p pause");
	while (nl + 1 < max) /* blank lines down to the last one */
		add_line(lines, max, &nl, width, TOP_A_NORMAL, "");
	if (nl < max)
		add_line(lines, max, &nl, width, TOP_A_FOOTER, buf);
	return nl;
}
