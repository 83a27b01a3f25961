/* delta.c: key-hash join of two snapshots. Collectors emit metrics in a stable order,
 * so the row after the previous match is tried first and the hash table is only the
 * fallback, built at the first miss. */
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

/* KEEP_ALL: a row for every row of cur. KEEP_NOTABLE: not the quiet ones
 * (delta_row_quiet), nor knobs. KEEP_NOTABLE_KNOBS: not the quiet ones but every knob. */
enum keep { KEEP_ALL, KEEP_NOTABLE, KEEP_NOTABLE_KNOBS };

static int delta_run(struct delta *d, const struct snapshot *prev, const struct snapshot *cur,
		     enum keep keep)
{
	size_t nslots = 0, *slots = NULL, hint = 0, n = 0, cap;
	bool have_prev = prev && prev->nm;
	uint32_t *map = have_prev ? ns_map(prev, cur) : NULL;
	double iv;

	d->interval = iv = prev ? cur->t_mono - prev->t_mono : 0;
	d->ncur = cur->nm;
	/* every field of every row is written below: no zeroing of a few MB per snapshot */
	cap = keep == KEEP_ALL || !prev ? cur->nm : 256;
	d->rows = xmalloc((cap ? cap : 1) * sizeof(*d->rows));
	for (size_t i = 0; i < cur->nm; i++) {
		const struct metric *m = &cur->m[i], *p = NULL;
		struct delta_row r;
		bool counter = m->kind == MK_COUNTER || m->kind == MK_COUNTER32;

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
				size_t j = mkey(cur, m) & (nslots - 1);

				while (slots[j] != (size_t)-1) {
					if (same_key(cur, m, prev, &prev->m[slots[j]])) {
						p = &prev->m[slots[j]];
						break;
					}
					j = (j + 1) & (nslots - 1);
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
		/* the common case under -i: a row nobody will look at is not written */
		if (keep != KEEP_ALL && prev && delta_row_quiet(&r) &&
		    !(keep == KEEP_NOTABLE_KNOBS && r.kind == MK_KNOB))
			continue;
		if (n == cap)
			grow_array((void **)&d->rows, &cap, n + 1, sizeof(*d->rows));
		d->rows[n++] = r;
	}
	d->nrows = n;
	free(slots);
	free(map);
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
