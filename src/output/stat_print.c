/* stat_print.c: the rows of `dptune stat` in text and JSON from the same print calls. */
#include <stdlib.h>
#include <string.h>
#include "stat_print.h"
#include "print.h"
#include "../model/linkpeer.h"
#include "../analyze/abnormal.h"

static const char *kind_name(unsigned k)
{
	switch (k) {
	case MK_COUNTER: case MK_COUNTER32: return "counter";
	case MK_GAUGE: return "gauge";
	default: return "knob";
	}
}

bool stat_name_in_list(const char *list, const char *name)
{
	size_t len;
	const char *p = list;

	if (!list)
		return true;
	len = strlen(name);
	if (!strcmp(list, name))
		return true;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);

		if (l == len && !strncmp(p, name, len))
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* The filters every table shares: layer, namespace, device. */
static bool passes(const struct stat_filter *f, const struct snapshot *s, const struct metric *m)
{
	if (f->layer_mask && !(f->layer_mask & (1u << m->layer)))
		return false;
	if (!stat_name_in_list(f->netns, s->ns[m->ns].name))
		return false;
	if (f->dev && !stat_name_in_list(f->dev, m->obj))
		return false;
	return true;
}

/* The common case under -i: a row that did not move, neither a gauge nor a counter judged
 * by its value (analyze_row_abnormal), is hidden, decided from the delta row alone (inline
 * in stat_print's loop over 54,000 rows, when the delta holds them all). */
static inline bool quiet_row(const struct stat_filter *f, const struct delta_row *r,
			     bool have_prev)
{
	return have_prev && !f->all && delta_row_quiet(r);
}

bool stat_row_visible(const struct stat_filter *f, const struct snapshot *s,
		      const struct delta_row *r, bool have_prev)
{
	const struct metric *m;

	if (quiet_row(f, r, have_prev))
		return false;
	m = r->cur;
	if (!passes(f, s, m))
		return false;
	/* settings are rows with --all; --knobs prints them as a table of their own */
	if (m->kind == MK_KNOB && !f->all)
		return have_prev && r->moved; /* a knob that changed is news */
	if (f->all)
		return true;
	if (analyze_row_abnormal(s, m))
		return true;
	if (have_prev)
		return r->moved;
	/* one-shot: lifetime drops and errors are what an operator looks for first */
	return (m->flags & MF_DROP) && m->value && !(m->flags & MF_BENIGN);
}

/* Datapath order: layer, namespace index, object, queue, cpu, then emission order. */
static int cmp_rows(const void *a, const void *b)
{
	const struct delta_row *x = *(const struct delta_row *const *)a;
	const struct delta_row *y = *(const struct delta_row *const *)b;
	const struct metric *p = x->cur, *q = y->cur;
	int c;

	if (p->layer != q->layer)
		return p->layer < q->layer ? -1 : 1;
	if (p->ns != q->ns)
		return p->ns < q->ns ? -1 : 1;
	if (p->obj != q->obj && (c = strcmp(p->obj, q->obj)))
		return c;
	if (p->queue != q->queue)
		return p->queue < q->queue ? -1 : 1;
	if (p->cpu != q->cpu)
		return p->cpu < q->cpu ? -1 : 1;
	return p < q ? -1 : p > q;
}

/* Text columns sized to their content: width of each, and the formats built from them. */
enum { C_LAYER, C_NETNS, C_OBJ, C_NAME, C_VALUE, C_DELTA, C_RATE, C_N };

struct cols {
	int w[C_N];
	char fmt[C_N][16];
};

static void col_fit(struct cols *c, int col, const char *s)
{
	int l = (int)strlen(s);

	if (l > c->w[col])
		c->w[col] = l;
}

/* Left-aligned text columns, right-aligned numbers; one space before every column but
 * the first. */
static void cols_build(struct cols *c)
{
	for (int i = 0; i < C_N; i++)
		snprintf(c->fmt[i], sizeof(c->fmt[i]), "%s%%%s%ds", i ? " " : "",
			 i < C_VALUE ? "-" : "", c->w[i]);
}

static void cols_init(struct cols *c, const char *name_head, const char *value_head)
{
	memset(c, 0, sizeof(*c));
	col_fit(c, C_LAYER, "LAYER");
	col_fit(c, C_NETNS, "NETNS");
	col_fit(c, C_OBJ, "OBJECT");
	col_fit(c, C_NAME, name_head);
	col_fit(c, C_VALUE, value_head);
	col_fit(c, C_DELTA, "DELTA");
	col_fit(c, C_RATE, "RATE");
}

static void obj_text(const struct metric *m, char *obj, size_t size)
{
	snprintf(obj, size, "%s", *m->obj ? m->obj : "-");
	if (m->queue >= 0) {
		size_t n = strlen(obj);

		snprintf(obj + n, size - n, "%sq%d", *m->obj ? "/" : "", m->queue);
	}
	if (m->cpu >= 0) {
		size_t n = strlen(obj);

		if (!strcmp(obj, "-"))
			n = 0;
		snprintf(obj + n, size - n, "%scpu%d", n ? "/" : "", m->cpu);
	}
}

static void value_text(const struct metric *m, char *buf, size_t n)
{
	if (m->text)
		snprintf(buf, n, "%s", m->text);
	else
		snprintf(buf, n, "%llu", (unsigned long long)m->value);
}

static bool shows_delta(const struct metric *m, bool have_prev)
{
	return have_prev && (m->kind == MK_COUNTER || m->kind == MK_COUNTER32);
}

static void delta_text(const struct delta_row *r, char *dbuf, size_t dn, char *rbuf, size_t rn)
{
	char num[32];

	if (r->prev) {
		snprintf(dbuf, dn, "%llu", (unsigned long long)r->delta);
		snprintf(rbuf, rn, "%s/s", fmt_rate(num, sizeof(num), r->rate));
	} else {
		snprintf(dbuf, dn, "new");
		rbuf[0] = '\0';
	}
}

static void cols_fit_row(struct cols *c, const struct snapshot *s, const struct delta_row *r,
			 bool have_prev)
{
	const struct metric *m = r->cur;
	char buf[160], rbuf[48];

	col_fit(c, C_LAYER, layer_name(m->layer));
	col_fit(c, C_NETNS, s->ns[m->ns].name);
	obj_text(m, buf, sizeof(buf));
	col_fit(c, C_OBJ, buf);
	col_fit(c, C_NAME, m->name);
	value_text(m, buf, sizeof(buf));
	col_fit(c, C_VALUE, buf);
	if (shows_delta(m, have_prev)) {
		delta_text(r, buf, sizeof(buf), rbuf, sizeof(rbuf));
		col_fit(c, C_DELTA, buf);
		col_fit(c, C_RATE, rbuf);
	}
}

static void print_labels(const char *labels)
{
	char buf[512], *save = NULL, *tok;

	if (!labels || !*labels)
		return;
	snprintf(buf, sizeof(buf), "%s", labels);
	print_open_object("labels");
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			continue;
		*eq = '\0';
		print_str(PRINT_JSONONLY, tok, NULL, eq + 1);
		print_text(" %s=%s", tok, eq + 1);
	}
	print_close_object();
}

/* The columns rows and knobs share: layer, namespace, object (queue, cpu), name, value. */
static void print_ident(const struct cols *c, const struct snapshot *s, const struct metric *m,
			const char *name_key)
{
	char obj[160], val[160];

	obj_text(m, obj, sizeof(obj));
	value_text(m, val, sizeof(val));
	print_str(PRINT_ANY, "layer", c->fmt[C_LAYER], layer_name(m->layer));
	print_str(PRINT_ANY, "netns", c->fmt[C_NETNS], s->ns[m->ns].name);
	print_str(PRINT_JSONONLY, "object", NULL, m->obj);
	print_str(PRINT_FP, NULL, c->fmt[C_OBJ], obj);
	if (m->queue >= 0)
		print_i64(PRINT_JSONONLY, "queue", NULL, m->queue);
	if (m->cpu >= 0)
		print_i64(PRINT_JSONONLY, "cpu", NULL, m->cpu);
	print_str(PRINT_ANY, name_key, c->fmt[C_NAME], m->name);
	print_str(PRINT_JSONONLY, "kind", NULL, kind_name(m->kind));
	if (m->text)
		print_str(PRINT_JSONONLY, "text", NULL, m->text);
	print_u64(PRINT_JSONONLY, "value", NULL, m->value);
	print_str(PRINT_FP, NULL, c->fmt[C_VALUE], val);
}

static void print_row(const struct cols *c, const struct snapshot *s, const struct delta_row *r,
		      bool have_prev)
{
	const struct metric *m = r->cur;
	char dbuf[48], rbuf[48];

	print_open_object(NULL);
	print_ident(c, s, m, "counter");
	if (shows_delta(m, have_prev)) {
		delta_text(r, dbuf, sizeof(dbuf), rbuf, sizeof(rbuf));
		if (r->prev) {
			print_u64(PRINT_JSONONLY, "delta", NULL, r->delta);
			print_double(PRINT_JSONONLY, "rate", NULL, r->rate);
		} else {
			print_null(PRINT_JSONONLY, "delta", NULL);
		}
		print_str(PRINT_FP, NULL, c->fmt[C_DELTA], dbuf);
		print_str(PRINT_FP, NULL, c->fmt[C_RATE], rbuf);
	} else if (have_prev && (analyze_row_abnormal(s, m) || (m->labels && *m->labels))) {
		/* blank cells only when something follows them on the line */
		print_str(PRINT_FP, NULL, c->fmt[C_DELTA], "");
		print_str(PRINT_FP, NULL, c->fmt[C_RATE], "");
	}
	if (m->flags & MF_DROP)
		print_bool(PRINT_JSONONLY, "drop", NULL, true);
	if (analyze_row_abnormal(s, m))
		print_bool(PRINT_ANY, "abnormal", " abnormal", true);
	print_labels(m->labels);
	print_close_object();
	print_nl();
}

static void print_rows(const struct delta_row **rows, size_t n, const struct snapshot *s,
		       bool have_prev)
{
	struct cols c;

	cols_init(&c, "COUNTER", "VALUE");
	for (size_t i = 0; i < n; i++)
		cols_fit_row(&c, s, rows[i], have_prev);
	cols_build(&c);
	if (n && !print_is_json()) {
		print_text(c.fmt[C_LAYER], "LAYER");
		print_text(c.fmt[C_NETNS], "NETNS");
		print_text(c.fmt[C_OBJ], "OBJECT");
		print_text(c.fmt[C_NAME], "COUNTER");
		print_text(c.fmt[C_VALUE], "VALUE");
		if (have_prev) {
			print_text(c.fmt[C_DELTA], "DELTA");
			print_text(c.fmt[C_RATE], "RATE");
		}
		print_nl();
	}
	print_open_array("rows");
	for (size_t i = 0; i < n; i++)
		print_row(&c, s, rows[i], have_prev);
	print_close_array();
}

/* Every setting that passes the filters, whether or not it changed. */
static void print_knobs(const struct stat_filter *f, const struct snapshot *s,
			const struct delta *d)
{
	const struct delta_row **rows = xmalloc((d->nrows ? d->nrows : 1) * sizeof(*rows));
	struct cols c;
	size_t n = 0;

	for (size_t i = 0; i < d->nrows; i++)
		if (d->rows[i].cur->kind == MK_KNOB && passes(f, s, d->rows[i].cur))
			rows[n++] = &d->rows[i];
	qsort(rows, n, sizeof(*rows), cmp_rows);
	cols_init(&c, "KNOB", "VALUE");
	for (size_t i = 0; i < n; i++)
		cols_fit_row(&c, s, rows[i], false);
	cols_build(&c);
	if (!print_is_json()) {
		print_text("\n# knobs: %zu settings\n", n);
		if (n) {
			print_text(c.fmt[C_LAYER], "LAYER");
			print_text(c.fmt[C_NETNS], "NETNS");
			print_text(c.fmt[C_OBJ], "OBJECT");
			print_text(c.fmt[C_NAME], "KNOB");
			print_text(c.fmt[C_VALUE], "VALUE");
			print_nl();
		}
	}
	print_open_array("knobs");
	for (size_t i = 0; i < n; i++) {
		print_open_object(NULL);
		print_ident(&c, s, rows[i]->cur, "knob");
		print_labels(rows[i]->cur->labels);
		print_close_object();
		print_nl();
	}
	print_close_array();
	free(rows);
}

/* The device table's columns. */
enum { L_NETNS, L_NAME, L_KIND, L_MTU, L_TXQLEN, L_QUEUES, L_QDISC, L_N };

static const char *link_kind(const struct link_info *l)
{
	return *l->kind ? l->kind : !strcmp(l->name, "lo") ? "loopback" : "nic";
}

static bool link_visible(const struct stat_filter *f, const struct snapshot *s,
			 const struct link_info *l)
{
	return stat_name_in_list(f->netns, s->ns[l->ns].name) &&
	       (!f->dev || stat_name_in_list(f->dev, l->name));
}

/* " peer=NAME@NS" for a veth, " link=NAME@NS" for a parent; "@NS" only when the device is
 * in another namespace; the raw ifindex and netnsid when it cannot be told. */
static void print_link_ref(const struct snapshot *s, const struct link_info *l,
			   const struct link_info *p)
{
	const char *what = !strcmp(l->kind, "veth") ? "peer" : "link";
	char buf[200];

	print_i64(PRINT_JSONONLY, "link_ifindex", NULL, l->link);
	if (l->link_netnsid >= 0)
		print_i64(PRINT_JSONONLY, "link_netnsid", NULL, l->link_netnsid);
	if (!p) {
		print_i64(PRINT_FP, NULL, " link=if%lld", l->link);
		if (l->link_netnsid >= 0)
			print_i64(PRINT_FP, NULL, " link-netnsid=%lld", l->link_netnsid);
		return;
	}
	print_str(PRINT_JSONONLY, "link", NULL, p->name);
	if (p->ns != l->ns) {
		print_str(PRINT_JSONONLY, "link_netns", NULL, s->ns[p->ns].name);
		snprintf(buf, sizeof(buf), "%s@%s", p->name, s->ns[p->ns].name);
	} else {
		snprintf(buf, sizeof(buf), "%s", p->name);
	}
	print_text(" %s=%s", what, buf);
}

static void print_links(const struct stat_filter *f, const struct snapshot *s)
{
	static const char *const head[L_N] = { "NETNS", "DEVICE", "KIND", "MTU", "TXQLEN",
					       "QUEUES", "QDISC" };
	int *peer = xmalloc((s->nlinks ? s->nlinks : 1) * sizeof(*peer));
	int w[L_N];
	char fmt[L_N][16], num[L_N][24];
	size_t shown = 0;

	linkpeer_resolve(s, peer);
	for (int k = 0; k < L_N; k++)
		w[k] = (int)strlen(head[k]);
	for (size_t i = 0; i < s->nlinks; i++) {
		const struct link_info *l = &s->links[i];
		const char *v[L_N];

		if (!link_visible(f, s, l))
			continue;
		shown++;
		snprintf(num[L_MTU], sizeof(num[0]), "%u", l->mtu);
		snprintf(num[L_TXQLEN], sizeof(num[0]), "%u", l->txqlen);
		snprintf(num[L_QUEUES], sizeof(num[0]), "%u/%u", l->num_rx_queues,
			 l->num_tx_queues);
		v[L_NETNS] = s->ns[l->ns].name;
		v[L_NAME] = l->name;
		v[L_KIND] = link_kind(l);
		v[L_MTU] = num[L_MTU];
		v[L_TXQLEN] = num[L_TXQLEN];
		v[L_QUEUES] = num[L_QUEUES];
		v[L_QDISC] = l->qdisc ? l->qdisc : "-";
		for (int k = 0; k < L_N; k++)
			if ((int)strlen(v[k]) > w[k])
				w[k] = (int)strlen(v[k]);
	}
	for (int k = 0; k < L_N; k++) {
		bool right = k == L_MTU || k == L_TXQLEN || k == L_QUEUES;

		snprintf(fmt[k], sizeof(fmt[k]), "%s%%%s%ds", k ? " " : "", right ? "" : "-", w[k]);
	}
	print_open_array("links");
	if (shown && !print_is_json()) {
		print_text("\n");
		for (int k = 0; k < L_N; k++)
			print_text(fmt[k], head[k]);
		print_text(" RELATIONS\n");
	}
	for (size_t i = 0; i < s->nlinks; i++) {
		const struct link_info *l = &s->links[i];
		const struct link_info *m = l->master ? snap_link_by_index(s, l->ns, l->master) : NULL;

		if (!link_visible(f, s, l))
			continue;
		snprintf(num[L_MTU], sizeof(num[0]), "%u", l->mtu);
		snprintf(num[L_TXQLEN], sizeof(num[0]), "%u", l->txqlen);
		snprintf(num[L_QUEUES], sizeof(num[0]), "%u/%u", l->num_rx_queues,
			 l->num_tx_queues);
		print_open_object(NULL);
		print_str(PRINT_ANY, "netns", fmt[L_NETNS], s->ns[l->ns].name);
		print_str(PRINT_ANY, "name", fmt[L_NAME], l->name);
		print_i64(PRINT_JSONONLY, "ifindex", NULL, l->ifindex);
		print_str(PRINT_ANY, "kind", fmt[L_KIND], link_kind(l));
		if (l->driver)
			print_str(PRINT_JSONONLY, "driver", NULL, l->driver);
		print_u64(PRINT_JSONONLY, "mtu", NULL, l->mtu);
		print_str(PRINT_FP, NULL, fmt[L_MTU], num[L_MTU]);
		print_u64(PRINT_JSONONLY, "txqlen", NULL, l->txqlen);
		print_str(PRINT_FP, NULL, fmt[L_TXQLEN], num[L_TXQLEN]);
		print_u64(PRINT_JSONONLY, "rx_queues", NULL, l->num_rx_queues);
		print_u64(PRINT_JSONONLY, "tx_queues", NULL, l->num_tx_queues);
		print_str(PRINT_FP, NULL, fmt[L_QUEUES], num[L_QUEUES]);
		/* the last column is padded only when relations follow it */
		print_str(PRINT_ANY, "qdisc", l->master || l->link || l->link_netnsid >= 0 ||
			  l->vxlan_id ? fmt[L_QDISC] : " %s", l->qdisc ? l->qdisc : "-");
		print_u64(PRINT_JSONONLY, "operstate", NULL, l->operstate);
		if (l->master) {
			print_i64(PRINT_JSONONLY, "master_ifindex", NULL, l->master);
			print_str(PRINT_ANY, "master", " master=%s", m ? m->name : "?");
		}
		if (l->link)
			print_link_ref(s, l, peer[i] >= 0 ? &s->links[peer[i]] : NULL);
		else if (l->link_netnsid >= 0)
			print_i64(PRINT_ANY, "link_netnsid", " link-netnsid=%lld", l->link_netnsid);
		if (l->vxlan_id) {
			print_u64(PRINT_ANY, "vxlan_id", " vni=%llu", l->vxlan_id);
			print_u64(PRINT_ANY, "vxlan_port", " port=%llu", l->vxlan_port);
			if (l->vxlan_link)
				print_i64(PRINT_ANY, "vxlan_link", " underlay=if%lld", l->vxlan_link);
		}
		print_close_object();
		print_nl();
	}
	print_close_array();
	free(peer);
}

size_t stat_print(const struct stat_filter *f, const struct snapshot *prev,
		  const struct snapshot *cur, const struct delta *d, unsigned seq)
{
	const struct delta_row **rows = xmalloc((d->nrows ? d->nrows : 1) * sizeof(*rows));
	bool have_prev = prev != NULL;
	size_t n = 0;

	for (size_t i = 0; i < d->nrows; i++)
		if (!quiet_row(f, &d->rows[i], have_prev) &&
		    stat_row_visible(f, cur, &d->rows[i], have_prev))
			rows[n++] = &d->rows[i];
	qsort(rows, n, sizeof(*rows), cmp_rows);

	print_open_object(NULL);
	print_double(PRINT_JSONONLY, "time", NULL, cur->t_real);
	print_u64(PRINT_JSONONLY, "seq", NULL, seq);
	if (have_prev)
		print_double(PRINT_JSONONLY, "interval", NULL, d->interval);
	if (have_prev)
		print_text("# interval %u: %.3f s, %zu namespaces, %zu rows shown of %zu\n", seq,
			   d->interval, cur->nns, n, d->ncur);
	else
		print_text("# snapshot: %zu namespaces, %zu rows shown of %zu%s\n", cur->nns, n,
			   d->ncur, f->all ? "" : " (drops and errors only; -i 1 for rates, --all for everything)");

	print_open_array("namespaces");
	for (size_t i = 0; i < cur->nns; i++) {
		static const char *const src[] = { "host", "named", "process", "recorded" };

		if (!stat_name_in_list(f->netns, cur->ns[i].name))
			continue;
		print_open_object(NULL);
		print_str(PRINT_JSONONLY, "name", NULL, cur->ns[i].name);
		print_u64(PRINT_JSONONLY, "inode", NULL, cur->ns[i].inode);
		print_str(PRINT_JSONONLY, "source", NULL, src[cur->ns[i].source]);
		if (cur->ns[i].pid)
			print_i64(PRINT_JSONONLY, "pid", NULL, cur->ns[i].pid);
		print_close_object();
	}
	print_close_array();

	print_open_array("collectors");
	for (size_t i = 0; i < cur->nst; i++) {
		const struct collector_status *st = &cur->st[i];

		print_open_object(NULL);
		print_str(PRINT_JSONONLY, "name", NULL, st->name);
		print_bool(PRINT_JSONONLY, "available", NULL, st->err == 0);
		print_u64(PRINT_JSONONLY, "metrics", NULL, st->nmetrics);
		print_double(PRINT_JSONONLY, "time_ms", NULL, (double)st->time_ns / 1e6);
		if (st->err) {
			print_str(PRINT_JSONONLY, "reason", NULL, st->reason);
			if (seq <= 1)
				print_text("# %s: unavailable: %s\n", st->name, st->reason);
		}
		print_close_object();
	}
	print_close_array();

	print_rows(rows, n, cur, have_prev);
	if (f->knobs && seq <= 1)
		print_knobs(f, cur, d);
	if (f->links || (print_is_json() && seq <= 1))
		print_links(f, cur);
	print_close_object();
	if (!print_is_json())
		print_text("\n");
	print_flush();
	free(rows);
	return n;
}
