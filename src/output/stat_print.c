/* stat_print.c: the rows of `dptune stat` in text and JSON from the same print calls. */
#include <stdlib.h>
#include <string.h>
#include "stat_print.h"
#include "print.h"
#include "../analyze/abnormal.h"

static const char *kind_name(unsigned k)
{
	switch (k) {
	case MK_COUNTER: case MK_COUNTER32: return "counter";
	case MK_GAUGE: return "gauge";
	default: return "knob";
	}
}

bool stat_row_visible(const struct stat_filter *f, const struct snapshot *s,
		      const struct delta_row *r, bool have_prev)
{
	const struct metric *m = r->cur;

	if (f->layer_mask && !(f->layer_mask & (1u << m->layer)))
		return false;
	if (f->netns && strcmp(s->ns[m->ns].name, f->netns))
		return false;
	if (f->dev && strcmp(m->obj, f->dev))
		return false;
	if (m->kind == MK_KNOB && !f->knobs && !f->all)
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

static void print_row(const struct snapshot *s, const struct delta_row *r, bool have_prev)
{
	const struct metric *m = r->cur;
	char obj[160], num[32];

	snprintf(obj, sizeof(obj), "%s", *m->obj ? m->obj : "-");
	if (m->queue >= 0) {
		size_t n = strlen(obj);

		snprintf(obj + n, sizeof(obj) - n, "%sq%d", *m->obj ? "/" : "", m->queue);
	}
	if (m->cpu >= 0) {
		size_t n = strlen(obj);

		if (!strcmp(obj, "-"))
			n = 0;
		snprintf(obj + n, sizeof(obj) - n, "%scpu%d", n ? "/" : "", m->cpu);
	}
	print_open_object(NULL);
	print_str(PRINT_ANY, "layer", "%-9s ", layer_name(m->layer));
	print_str(PRINT_ANY, "netns", "%-12s ", s->ns[m->ns].name);
	print_str(PRINT_JSONONLY, "object", NULL, m->obj);
	print_str(PRINT_FP, NULL, "%-18s ", obj);
	if (m->queue >= 0)
		print_i64(PRINT_JSONONLY, "queue", NULL, m->queue);
	if (m->cpu >= 0)
		print_i64(PRINT_JSONONLY, "cpu", NULL, m->cpu);
	print_str(PRINT_ANY, "counter", "%-24s", m->name);
	print_str(PRINT_JSONONLY, "kind", NULL, kind_name(m->kind));
	if (m->text) {
		print_str(PRINT_ANY, "text", " %14s", m->text);
		print_u64(PRINT_JSONONLY, "value", NULL, m->value);
	} else {
		print_u64(PRINT_ANY, "value", " %14llu", m->value);
	}
	if (have_prev && (m->kind == MK_COUNTER || m->kind == MK_COUNTER32)) {
		if (r->prev) {
			print_u64(PRINT_ANY, "delta", " %10llu", r->delta);
			print_double(PRINT_JSONONLY, "rate", NULL, r->rate);
			print_str(PRINT_FP, NULL, " %9s/s", fmt_rate(num, sizeof(num), r->rate));
		} else {
			print_null(PRINT_ANY, "delta", "        new");
		}
	}
	if (m->flags & MF_DROP)
		print_bool(PRINT_JSONONLY, "drop", NULL, true);
	if (analyze_row_abnormal(s, m))
		print_bool(PRINT_ANY, "abnormal", " %s", true);
	print_labels(m->labels);
	print_close_object();
	print_nl();
}

static void print_links(const struct stat_filter *f, const struct snapshot *s)
{
	print_open_array("links");
	if (s->nlinks && !print_is_json())
		print_text("\n%-12s %-16s %-8s %5s %6s %7s %-10s %s\n", "NETNS", "DEVICE", "KIND",
			   "MTU", "TXQLEN", "QUEUES", "QDISC", "RELATIONS");
	for (size_t i = 0; i < s->nlinks; i++) {
		const struct link_info *l = &s->links[i];
		const struct link_info *m = l->master ? snap_link_by_index(s, l->ns, l->master) : NULL;
		const struct link_info *p = l->link && l->link_netnsid < 0 ?
			snap_link_by_index(s, l->ns, l->link) : NULL;
		char q[24];

		if (f->netns && strcmp(s->ns[l->ns].name, f->netns))
			continue;
		if (f->dev && strcmp(l->name, f->dev))
			continue;
		snprintf(q, sizeof(q), "%u/%u", l->num_rx_queues, l->num_tx_queues);
		print_open_object(NULL);
		print_str(PRINT_ANY, "netns", "%-12s ", s->ns[l->ns].name);
		print_str(PRINT_ANY, "name", "%-16s ", l->name);
		print_i64(PRINT_JSONONLY, "ifindex", NULL, l->ifindex);
		print_str(PRINT_ANY, "kind", "%-8s ", *l->kind ? l->kind :
			  !strcmp(l->name, "lo") ? "loopback" : "nic");
		if (l->driver)
			print_str(PRINT_JSONONLY, "driver", NULL, l->driver);
		print_u64(PRINT_ANY, "mtu", "%5llu ", l->mtu);
		print_u64(PRINT_ANY, "txqlen", "%6llu ", l->txqlen);
		print_u64(PRINT_JSONONLY, "rx_queues", NULL, l->num_rx_queues);
		print_u64(PRINT_JSONONLY, "tx_queues", NULL, l->num_tx_queues);
		print_str(PRINT_FP, NULL, "%7s ", q);
		print_str(PRINT_ANY, "qdisc", "%-10s", l->qdisc ? l->qdisc : "-");
		print_u64(PRINT_JSONONLY, "operstate", NULL, l->operstate);
		if (l->master) {
			print_i64(PRINT_JSONONLY, "master_ifindex", NULL, l->master);
			print_str(PRINT_ANY, "master", " master=%s", m ? m->name : "?");
		}
		if (l->link) {
			print_i64(PRINT_JSONONLY, "link_ifindex", NULL, l->link);
			if (p)
				print_str(PRINT_ANY, "link", " link=%s", p->name);
			else
				print_i64(PRINT_FP, NULL, " link=if%lld", l->link);
		}
		if (l->link_netnsid >= 0)
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
}

size_t stat_print(const struct stat_filter *f, const struct snapshot *prev,
		  const struct snapshot *cur, const struct delta *d, unsigned seq)
{
	const struct delta_row **rows = xmalloc((d->nrows ? d->nrows : 1) * sizeof(*rows));
	bool have_prev = prev != NULL;
	size_t n = 0;

	for (size_t i = 0; i < d->nrows; i++)
		if (stat_row_visible(f, cur, &d->rows[i], have_prev))
			rows[n++] = &d->rows[i];
	qsort(rows, n, sizeof(*rows), cmp_rows);

	print_open_object(NULL);
	print_double(PRINT_JSONONLY, "time", NULL, cur->t_real);
	print_u64(PRINT_JSONONLY, "seq", NULL, seq);
	if (have_prev)
		print_double(PRINT_JSONONLY, "interval", NULL, d->interval);
	if (have_prev)
		print_text("# interval %u: %.3f s, %zu namespaces, %zu rows shown of %zu\n", seq,
			   d->interval, cur->nns, n, d->nrows);
	else
		print_text("# snapshot: %zu namespaces, %zu rows shown of %zu%s\n", cur->nns, n,
			   d->nrows, f->all ? "" : " (drops and errors only; -i 1 for rates, --all for everything)");

	print_open_array("namespaces");
	for (size_t i = 0; i < cur->nns; i++) {
		static const char *const src[] = { "host", "named", "process", "recorded" };

		if (f->netns && strcmp(cur->ns[i].name, f->netns))
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

	if (n && !print_is_json())
		print_text("%-9s %-12s %-18s %-24s %14s%s\n", "LAYER", "NETNS", "OBJECT", "COUNTER",
			   "VALUE", have_prev ? "      DELTA      RATE" : "");
	print_open_array("rows");
	for (size_t i = 0; i < n; i++)
		print_row(cur, rows[i], have_prev);
	print_close_array();
	if (f->links || (print_is_json() && seq <= 1))
		print_links(f, cur);
	print_close_object();
	if (!print_is_json())
		print_text("\n");
	print_flush();
	free(rows);
	return n;
}
