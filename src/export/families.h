/* families.h: the metric families `dptune export` serves: their names, types, labels,
 * help and the kernel source of each, and the rule that maps a snapshot row to one.
 * The table is the single source of `dptune export --list-metrics` and of
 * docs/metrics.md (tests/integration/70-export.t diffs the two). */
#ifndef DPTUNE_EXPORT_FAMILIES_H
#define DPTUNE_EXPORT_FAMILIES_H

#include <stdbool.h>
#include <stddef.h>
#include "../model/snapshot.h"
#include "../output/promwriter.h"

/* How a row's value and labels become a sample. */
enum exp_xform {
	XF_NONE,
	XF_TICKS,    /* USER_HZ ticks -> seconds */
	XF_PAGES,    /* pages -> bytes */
	XF_SUMCPU,   /* summed over CPUs per namespace (conntrack statistics) */
	XF_LINK,     /* a device counter: labels netns, device, kind */
	XF_STAT,     /* the row name goes into the stat label */
};

struct exp_family {
	const char *name;    /* sample name: counters end in _total */
	enum pw_type type;
	const char *labels;  /* documented labels, comma-separated */
	const char *help;
	const char *source;  /* kernel path or interface */
};

/* Every family, in the order they are written (built once, thread-safe). */
size_t exp_family_count(void);
const struct exp_family *exp_family(size_t i);
int exp_family_index(const char *name); /* -1 if none */

/* What a row is exported as: family index (or -1: not exported), extra fixed label, the
 * value transform, and the label to carry the row's name in (XF_STAT). */
struct exp_route {
	int fam;
	enum exp_xform xf;
	const char *xkey, *xval; /* a fixed label (mode="idle"), or NULL */
	const char *stat;        /* the stat label's value, or NULL */
};

/* Route a row by its layer, kind, name, object, queue and labels. The renderer caches
 * the answer; device counters that a driver statistic repeats are told apart there. */
void exp_route_row(const struct metric *m, struct exp_route *r);

/* Write the family list: markdown (docs/metrics.md) or one "name type labels" a line. */
void exp_list_families(struct promwriter *w, bool markdown);

#endif
