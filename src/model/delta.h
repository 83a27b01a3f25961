/* delta.h: compare two snapshots of the same host: per-metric deltas and rates. */
#ifndef DPTUNE_DELTA_H
#define DPTUNE_DELTA_H

#include "snapshot.h"

struct delta_row {
	const struct metric *cur;  /* in the newer snapshot */
	const struct metric *prev; /* matching metric in the older one, or NULL (new); for an
				    * MF_ZERO_BASE row that is new, cur itself (previous 0) */
	uint64_t delta;            /* counters: increase (32-bit wrap handled); else 0 */
	double rate;               /* delta per second of interval */
	bool moved;                /* counter increased, or gauge/knob value changed */
	uint8_t kind, flags;       /* cur's (a copy: deciding whether to show an unmoved row
				    * needs no read of cur, 54,000 rows a sample) */
};

struct delta {
	double interval;   /* seconds between the snapshots (monotonic clock) */
	struct delta_row *rows;
	size_t nrows;      /* rows here: every row of cur, or the notable ones (below) */
	size_t ncur;       /* rows of cur */
};

/* A row that did not move and that its collector did not mark as judged by its value
 * (MF_WATCH, analyze_row_abnormal): under -i, stat shows none of these. */
static inline bool delta_row_quiet(const struct delta_row *r)
{
	return !r->moved && !(r->flags & MF_WATCH);
}

/* Match every metric of cur to prev by (netns inode, layer, obj, queue, cpu, name; labels too for
 * MF_LABEL_KEY rows).
 * prev may be NULL (then deltas are 0 and interval 0). Returns 0. */
int delta_compute(struct delta *d, const struct snapshot *prev, const struct snapshot *cur);
/* The same join, keeping only the rows that moved, are judged by their value (not
 * delta_row_quiet) or are new (no row in prev), and every knob if knobs; with prev NULL,
 * every row. In cur's order; delta_find works on it too. For a reader of a few of 54,000
 * rows (stat -i, record): the others are never written. */
int delta_compute_notable(struct delta *d, const struct snapshot *prev,
			  const struct snapshot *cur, bool knobs);
void delta_release(struct delta *d);

/* Find one row; returns NULL if absent. */
const struct delta_row *delta_find(const struct delta *d, const struct snapshot *cur,
				   const char *ns_name, enum dp_layer layer, const char *obj,
				   const char *name);

#endif
