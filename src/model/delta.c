/* delta.c: key-hash join of two snapshots. Collectors emit metrics in a stable order,
 * so the row after the previous match is tried first and the hash table is only the
 * fallback, built at the first miss. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "delta.h"
#include "intern.h"

static uint64_t mkey(const struct snapshot *s, const struct metric *m)
{
	uint64_t h = s->ns[m->ns].inode * 0x9E3779B97F4A7C15ull;

	h ^= (uintptr_t)m->obj * 0xC2B2AE3D27D4EB4Full;
	h ^= (uintptr_t)m->name * 0x165667B19E3779F9ull;
	if (m->flags & MF_LABEL_KEY)
		h ^= (uintptr_t)m->labels * 0x27D4EB2F165667C5ull;
	h ^= ((uint64_t)m->layer << 56) ^ ((uint64_t)(uint32_t)m->queue << 20) ^ (uint32_t)m->cpu;
	h ^= h >> 29;
	return h;
}

static bool same_key(const struct snapshot *a, const struct metric *x,
		     const struct snapshot *b, const struct metric *y)
{
	return x->obj == y->obj && x->name == y->name && x->layer == y->layer &&
	       (!(x->flags & MF_LABEL_KEY) || x->labels == y->labels) &&
	       x->queue == y->queue && x->cpu == y->cpu &&
	       a->ns[x->ns].inode == b->ns[y->ns].inode &&
	       (a->ns[x->ns].inode || a->ns[x->ns].name == b->ns[y->ns].name);
}

static size_t *build_slots(const struct snapshot *prev, size_t *nslots)
{
	size_t n = 1, *slots;

	while (n < prev->nm * 2)
		n <<= 1;
	slots = xmalloc(n * sizeof(*slots));
	memset(slots, 0xff, n * sizeof(*slots));
	for (size_t i = 0; i < prev->nm; i++) {
		size_t j = mkey(prev, &prev->m[i]) & (n - 1);

		while (slots[j] != (size_t)-1)
			j = (j + 1) & (n - 1);
		slots[j] = i;
	}
	*nslots = n;
	return slots;
}

/* For each namespace of cur, the index of the same one in prev (UINT32_MAX if none): the
 * likely-row test then compares two indices instead of two inodes through two tables. */
static uint32_t *ns_map(const struct snapshot *prev, const struct snapshot *cur)
{
	uint32_t *map = xmalloc((cur->nns ? cur->nns : 1) * sizeof(*map));

	for (size_t i = 0; i < cur->nns; i++) {
		const struct netns_info *n = &cur->ns[i];
		size_t j = i < prev->nns ? i : 0, k;

		map[i] = UINT32_MAX;
		for (k = 0; k < prev->nns; k++, j = j + 1 < prev->nns ? j + 1 : 0)
			if (prev->ns[j].inode == n->inode && (n->inode || prev->ns[j].name == n->name))
				break;
		if (k < prev->nns)
			map[i] = (uint32_t)j;
	}
	return map;
}

/* KEEP_ALL: a row for every row of cur. KEEP_NOTABLE: not the quiet ones that prev has
 * (delta_row_quiet). KEEP_NOTABLE_KNOBS: those, and every knob. */
enum keep { KEEP_ALL, KEEP_NOTABLE, KEEP_NOTABLE_KNOBS };

struct join {
	const struct snapshot *prev, *cur;
	struct delta *d;
	enum keep keep;
	size_t n, cap;
	uint32_t *runs; /* prev's runs by source: index + 1, 0 for an empty slot */
	size_t nslots;
};

static size_t run_slot(const void *src, size_t nslots)
{
	uint64_t h = (uintptr_t)src * 0x9E3779B97F4A7C15ull;

	return (size_t)(h ^ (h >> 29)) & (nslots - 1);
}

/* The run of prev with the same source at the same version as r, or NULL. */
static const struct snap_run *prev_run(struct join *j, const struct snap_run *r)
{
	const struct snapshot *prev = j->prev;

	if (!j->runs) {
		j->nslots = 1;
		while (j->nslots < prev->nruns * 2)
			j->nslots <<= 1;
		j->runs = xcalloc(j->nslots, sizeof(*j->runs));
		for (size_t i = 0; i < prev->nruns; i++) {
			size_t k = run_slot(prev->runs[i].src, j->nslots);

			while (j->runs[k])
				k = (k + 1) & (j->nslots - 1);
			j->runs[k] = (uint32_t)i + 1;
		}
	}
	for (size_t k = run_slot(r->src, j->nslots); j->runs[k]; k = (k + 1) & (j->nslots - 1)) {
		const struct snap_run *p = &prev->runs[j->runs[k] - 1];

		if (p->src == r->src)
			return p->ver == r->ver && p->n == r->n && p->start + p->n <= prev->nm ? p
												  : NULL;
	}
	return NULL;
}

static void put_row(struct join *j, const struct delta_row *r)
{
	/* the common case under -i: a row nobody will look at is not written */
	if (j->keep != KEEP_ALL && j->prev && r->prev && delta_row_quiet(r) &&
	    !(j->keep == KEEP_NOTABLE_KNOBS && r->kind == MK_KNOB))
		return;
	if (j->n == j->cap)
		grow_array((void **)&j->d->rows, &j->cap, j->n + 1, sizeof(*j->d->rows));
	j->d->rows[j->n++] = *r;
}

/* Rows of cur [i, i + cr->n) are prev's run pr, row for row: nothing moved, and neither
 * side's keys or values need reading (nor, when no row of it can be of note, its kind). */
/* With DPTUNE_CHECK_RUNS in the environment, every run mapped by position is proved row
 * for row (the key the keyed join matches on, kind, flags, value, text), and the first
 * that is not prev's aborts the process (tests/integration/20-stat-runs.t). */
static void check_run(const struct join *j, size_t i, const struct snap_run *cr,
		      const struct snap_run *pr)
{
	static int on = -1;

	if (on < 0)
		on = getenv("DPTUNE_CHECK_RUNS") != NULL;
	for (uint32_t k = 0; on && k < cr->n; k++) {
		const struct metric *a = &j->cur->m[i + k], *b = &j->prev->m[pr->start + k];

		if (!same_key(j->cur, a, j->prev, b) || a->value != b->value || a->text != b->text ||
		    a->kind != b->kind || a->flags != b->flags) {
			fprintf(stderr, "dptune: DPTUNE_CHECK_RUNS: row %u of a run (%s %s) is not "
				"the previous snapshot's\n", k, a->obj, a->name);
			abort();
		}
	}
}

static void put_run(struct join *j, size_t i, const struct snap_run *cr,
		    const struct snap_run *pr)
{
	check_run(j, i, cr, pr);
	if (j->keep == KEEP_NOTABLE && cr->quiet)
		return;
	for (uint32_t k = 0; k < cr->n; k++) {
		const struct metric *m = &j->cur->m[i + k];
		struct delta_row r = { .cur = m, .prev = &j->prev->m[pr->start + k],
				       .kind = m->kind, .flags = m->flags };

		put_row(j, &r);
	}
}

/* For each run of cur, prev's run of the same source at the same version (prev_run) or
 * NULL. The rows between runs (and in runs with a watched row) are the ones the join reads,
 * each a cache and TLB miss of its own in a buffer of megabytes: they are asked for here,
 * all at once, so that the misses overlap instead of following one another. */
static const struct snap_run **match_runs(struct join *j)
{
	const struct snapshot *cur = j->cur, *prev = j->prev;
	const struct snap_run **twin = xmalloc(cur->nruns * sizeof(*twin));

	for (size_t k = 0; k < cur->nruns; k++) {
		const struct snap_run *cr = &cur->runs[k];
		size_t end = (size_t)cr->start + cr->n;

		twin[k] = prev_run(j, cr);
		if (!cr->quiet || j->keep != KEEP_NOTABLE)
			__builtin_prefetch(&cur->m[cr->start]);
		if (end < cur->nm && (k + 1 == cur->nruns || cur->runs[k + 1].start > end)) {
			__builtin_prefetch(&cur->m[end]);
			if (twin[k] && (size_t)twin[k]->start + twin[k]->n < prev->nm)
				__builtin_prefetch(&prev->m[twin[k]->start + twin[k]->n]);
		}
	}
	return twin;
}

static int delta_run(struct delta *d, const struct snapshot *prev, const struct snapshot *cur,
		     enum keep keep)
{
	size_t nslots = 0, *slots = NULL, hint = 0, ri = 0;
	bool have_prev = prev && prev->nm, runs = have_prev && prev->nruns && cur->nruns;
	uint32_t *map = have_prev ? ns_map(prev, cur) : NULL;
	double iv;
	struct join j = { .prev = prev, .cur = cur, .d = d, .keep = keep };
	const struct snap_run **twin = runs ? match_runs(&j) : NULL;

	d->interval = iv = prev ? cur->t_mono - prev->t_mono : 0;
	d->ncur = cur->nm;
	/* every field of every row is written below: no zeroing of a few MB per snapshot */
	j.cap = keep == KEEP_ALL || !prev ? cur->nm : 256;
	d->rows = xmalloc((j.cap ? j.cap : 1) * sizeof(*d->rows));
	for (size_t i = 0; i < cur->nm;) {
		const struct metric *m = &cur->m[i], *p = NULL;
		struct delta_row r;
		bool counter = m->kind == MK_COUNTER || m->kind == MK_COUNTER32;

		while (runs && ri < cur->nruns && cur->runs[ri].start < i)
			ri++;
		if (runs && ri < cur->nruns && cur->runs[ri].start == i) {
			const struct snap_run *cr = &cur->runs[ri], *pr = twin[ri];

			ri++;
			if (pr) { /* the same rows as prev's, where they were */
				put_run(&j, i, cr, pr);
				i += cr->n;
				hint = pr->start + pr->n;
				continue;
			}
		}
		if (have_prev) {
			/* collectors emit in a stable order: the row after the last match is the
			 * likely one (its key compared inline, the namespace by index); the hash
			 * table is built only at the first miss */
			const struct metric *h = &prev->m[hint < prev->nm ? hint : 0];

			if (hint < prev->nm && h->name == m->name && h->obj == m->obj &&
			    h->ns == map[m->ns] && h->layer == m->layer && h->queue == m->queue &&
			    h->cpu == m->cpu &&
			    (!(m->flags & MF_LABEL_KEY) || h->labels == m->labels)) {
				p = h;
			} else {
				if (!slots)
					slots = build_slots(prev, &nslots);
				size_t k = mkey(cur, m) & (nslots - 1);

				while (slots[k] != (size_t)-1) {
					if (same_key(cur, m, prev, &prev->m[slots[k]])) {
						p = &prev->m[slots[k]];
						break;
					}
					k = (k + 1) & (nslots - 1);
				}
			}
			if (p)
				hint = (size_t)(p - prev->m) + 1;
		}
		r.cur = m;
		r.prev = p;
		r.delta = 0;
		r.rate = 0;
		r.moved = false;
		r.kind = m->kind;
		r.flags = m->flags;
		if (!p && prev && (m->flags & MF_ZERO_BASE) && counter) {
			r.prev = m; /* stands for "known": its previous value was 0 */
			r.delta = m->value;
		} else if (p && counter && p->value != m->value) {
			r.delta = counter_delta(p->value, m->value, m->kind == MK_COUNTER32);
		} else if (p && !counter) {
			r.moved = p->value != m->value || p->text != m->text;
		}
		if (r.delta) {
			r.moved = true;
			r.rate = iv > 0 ? (double)r.delta / iv : 0;
		}
		put_row(&j, &r);
		i++;
	}
	d->nrows = j.n;
	free(slots);
	free(map);
	free(j.runs);
	free(twin);
	return 0;
}

int delta_compute(struct delta *d, const struct snapshot *prev, const struct snapshot *cur)
{
	return delta_run(d, prev, cur, KEEP_ALL);
}

int delta_compute_notable(struct delta *d, const struct snapshot *prev,
			  const struct snapshot *cur, bool knobs)
{
	return delta_run(d, prev, cur, knobs ? KEEP_NOTABLE_KNOBS : KEEP_NOTABLE);
}

void delta_release(struct delta *d)
{
	free(d->rows);
	d->rows = NULL;
	d->nrows = d->ncur = 0;
}

const struct delta_row *delta_find(const struct delta *d, const struct snapshot *cur,
				   const char *ns_name, enum dp_layer layer, const char *obj,
				   const char *name)
{
	const char *o = intern(obj ? obj : ""), *n = intern(name);
	int ns = snap_ns_by_name(cur, ns_name);

	if (ns < 0)
		return NULL;
	for (size_t i = 0; i < d->nrows; i++) {
		const struct metric *m = d->rows[i].cur;

		if (m->ns == (uint32_t)ns && m->layer == layer && m->obj == o && m->name == n)
			return &d->rows[i];
	}
	return NULL;
}
