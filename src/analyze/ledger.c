/* ledger.c: drop attribution for one interval or trial. */
#include <stdlib.h>
#include <string.h>
#include "ledger.h"
#include "../model/intern.h"

static int group_of(uint8_t layer)
{
	switch (layer) {
	case LAYER_NIC: return 0;
	case LAYER_BACKLOG: case LAYER_VDEV: case LAYER_IP: return 1;
	case LAYER_QDISC: return 2;
	case LAYER_NETFILTER: return 3;
	case LAYER_UDP: case LAYER_SOCKET: return 4;
	default: return 5;
	}
}

static bool is_reason(const char *counter)
{
	return !strncmp(counter, "drop:", 5);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct ledger_entry *x = a, *y = b;

	if (x->layer != y->layer)
		return x->layer < y->layer ? -1 : 1;
	if (x->delta != y->delta)
		return x->delta > y->delta ? -1 : 1;
	return strcmp(x->counter, y->counter);
}

/* Where packets died: the largest kernel drop reason when there are any (it names the
 * exact site), else the largest counter; then the detail in that layer. */
static void ledger_choose(struct ledger *l)
{
	uint64_t best = 0;

	l->top = l->detail = -1;
	for (size_t i = 0; i < l->n; i++) {
		if (l->exact && !is_reason(l->e[i].counter))
			continue;
		if (l->e[i].delta > best) {
			best = l->e[i].delta;
			l->top = (int)i;
		}
	}
	best = 0;
	for (size_t i = 0; l->top >= 0 && i < l->n; i++) {
		const struct ledger_entry *e = &l->e[i];

		if (e->layer != l->e[l->top].layer || is_reason(e->counter))
			continue;
		/* prefer a row that says who (labels: pid, comm) over an anonymous one */
		uint64_t score = e->delta * 2 + (e->labels ? 1 : 0);

		if (score > best) {
			best = score;
			l->detail = (int)i;
		}
	}
}

void ledger_add(struct ledger *l, enum dp_layer layer, const char *netns, const char *obj,
		const char *counter, const char *labels, uint64_t delta)
{
	size_t cap = l->n; /* grow_array doubles from the current count */

	grow_array((void **)&l->e, &cap, l->n + 1, sizeof(*l->e));
	l->e[l->n++] = (struct ledger_entry){
		.layer = (uint8_t)layer, .netns = intern(netns), .obj = intern(obj),
		.counter = intern(counter), .labels = labels ? intern(labels) : NULL,
		.queue = -1, .cpu = -1, .delta = delta,
	};
	qsort(l->e, l->n, sizeof(*l->e), cmp_entry);
	if (!l->exact) {
		/* the estimate: the same packets as UdpRcvbufErrors, so a group maximum */
		uint64_t groupmax[6] = { 0 };

		l->explained = 0;
		for (size_t i = 0; i < l->n; i++)
			if (l->e[i].delta > groupmax[group_of(l->e[i].layer)])
				groupmax[group_of(l->e[i].layer)] = l->e[i].delta;
		for (int g = 0; g < 6; g++)
			l->explained += groupmax[g];
	}
	ledger_choose(l);
}

void ledger_build(struct ledger *l, const struct snapshot *cur, const struct delta *d)
{
	uint64_t groupmax[6] = { 0 }, reasons = 0;
	size_t cap = 0;

	memset(l, 0, sizeof(*l));
	l->top = l->detail = -1;
	for (size_t i = 0; i < d->nrows; i++) {
		const struct delta_row *r = &d->rows[i];
		const struct metric *m = r->cur;

		if (!(m->flags & MF_DROP) || (m->flags & MF_BENIGN) || !r->delta)
			continue;
		if (m->kind != MK_COUNTER && m->kind != MK_COUNTER32)
			continue;
		grow_array((void **)&l->e, &cap, l->n + 1, sizeof(*l->e));
		l->e[l->n++] = (struct ledger_entry){
			.layer = m->layer, .netns = cur->ns[m->ns].name, .obj = m->obj,
			.counter = m->name, .labels = m->labels, .queue = m->queue, .cpu = m->cpu,
			.delta = r->delta,
		};
		if (is_reason(m->name))
			reasons += r->delta;
		else if (r->delta > groupmax[group_of(m->layer)])
			groupmax[group_of(m->layer)] = r->delta;
	}
	if (l->n)
		qsort(l->e, l->n, sizeof(*l->e), cmp_entry);
	if (reasons) {
		l->explained = reasons;
		l->exact = true;
	} else {
		for (int g = 0; g < 6; g++)
			l->explained += groupmax[g];
	}
	ledger_choose(l);
}

void ledger_release(struct ledger *l)
{
	free(l->e);
	memset(l, 0, sizeof(*l));
	l->top = l->detail = -1;
}

static uint64_t dev_delta(const struct snapshot *cur, const struct delta *d, const char *ns,
			  const char *dev, const char *name, bool *found)
{
	const struct delta_row *r = delta_find(d, cur, ns, LAYER_VDEV, dev, name);

	if (!r)
		r = delta_find(d, cur, ns, LAYER_NIC, dev, name);
	if (r)
		*found = true;
	return r ? r->delta : 0;
}

void ledger_hop_fill(const struct snapshot *cur, const struct delta *d, struct hop_point *p,
		     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool f = false;

		p[i].packets = dev_delta(cur, d, p[i].netns, p[i].dev,
					 p[i].rx ? "rx_packets" : "tx_packets", &f);
		p[i].have = f;
		p[i].dropped = dev_delta(cur, d, p[i].netns, p[i].dev,
					 p[i].rx ? "rx_dropped" : "tx_dropped", &f);
	}
}

static bool segment_lost(uint64_t in, uint64_t out, uint64_t dropped, uint64_t min_lost,
			 uint64_t *lost)
{
	uint64_t kept = out + dropped;

	*lost = in > kept ? in - kept : 0;
	return *lost && *lost >= min_lost && *lost * 20 >= in;
}

int ledger_hop_conservation(const struct hop_point *p, size_t n, uint64_t min_lost,
			    struct hop_loss *out)
{
	int prev = -1;

	for (size_t i = 0; i < n; i++) {
		uint64_t lost;

		if (!p[i].have)
			continue;
		if (prev >= 0) {
			const struct hop_point *a = &p[prev], *b = &p[i];

			if (segment_lost(a->packets, b->packets, a->dropped + b->dropped, min_lost,
					 &lost)) {
				out->from = prev;
				out->to = (int)i;
				out->in = a->packets;
				out->out = b->packets;
				out->dropped = a->dropped + b->dropped;
				out->lost = lost;
				return 1;
			}
		}
		if (p[i].sink) {
			if (segment_lost(p[i].packets, 0, p[i].dropped, min_lost, &lost)) {
				out->from = out->to = (int)i;
				out->in = p[i].packets;
				out->out = 0;
				out->dropped = p[i].dropped;
				out->lost = lost;
				return 1;
			}
			return 0;
		}
		prev = (int)i;
	}
	return 0;
}
