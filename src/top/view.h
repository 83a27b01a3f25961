/* view.h: what `dptune top` shows, without a terminal: from two snapshots and their delta
 * (model/delta.h), the per-CPU rows (si %, steal %, NET_RX/s, softnet drops/s, network
 * IRQs/s) and the drop counters that moved lately, with their layer, namespace and
 * object, filtered by namespace and layer and sorted by a key; then the frame: the
 * screen's lines at a given size, truncated (never wrapped) to its width. Pure: time
 * comes from the snapshots, nothing is read or drawn here (screen.c draws the lines),
 * so every rule of the view is unit-tested. */
#ifndef DPTUNE_TOP_VIEW_H
#define DPTUNE_TOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../model/delta.h"

enum top_sort {
	TOP_SORT_RATE,  /* fastest first */
	TOP_SORT_TOTAL, /* largest counter first */
	TOP_SORT_LAYER, /* datapath order: layer, namespace, object, counter */
	TOP_SORT_NETNS, /* namespace name, then fastest first */
	TOP_SORT__COUNT
};

#define TOP_SORT_CHOICES "rate|total|layer|netns"
#define TOP_HOLD_DEFAULT 10.0 /* seconds a row stays after its counter stopped */

const char *top_sort_name(enum top_sort s);
int top_sort_from_name(const char *s); /* -1 if unknown */

struct top_cpu {
	int cpu;
	double si_pct, steal_pct; /* share of the interval's ticks; -1 when unknown */
	double net_rx;            /* NET_RX softirqs per second */
	double drops;             /* softnet backlog drops per second */
	double irqs;              /* network device interrupts per second on this CPU */
	bool shown;               /* in the frame (the busiest when not all fit) */
};

struct top_drop {
	uint64_t ns_inode;
	const char *ns, *obj, *name, *labels; /* interned (model/intern.h), as in the snapshot */
	int32_t queue, cpu;
	uint8_t layer, flags;
	double rate;       /* per second over the last interval */
	uint64_t delta;    /* increase over the last interval */
	uint64_t total;    /* the counter's value */
	double last_moved; /* monotonic time of the last increase (0: never seen moving) */
	bool seen;         /* in the latest snapshot */
};

struct top_view {
	/* what to show (set directly, or with the key actions below; then top_view_refresh) */
	char netns[256];    /* only this namespace, or "" for all */
	int layer;          /* only this enum dp_layer, or -1 for all */
	enum top_sort sort;
	bool all;           /* every drop counter that ever counted, not only recent movers */
	double hold;        /* seconds a row stays after its counter stopped moving */
	double period;      /* the interval asked for (the title), or 0: the one measured */
	/* what the last update found */
	bool have_rates;    /* two snapshots seen: rates are known */
	double t_mono, t_real, interval;
	uint64_t updates;
	struct top_cpu *cpus;
	size_t ncpus;
	struct top_drop *drops; /* every tracked drop counter */
	size_t ndrops, drops_cap;
	struct top_drop **rows; /* the visible ones, sorted */
	size_t nrows, rows_cap;
	size_t nmoving;         /* visible rows that moved in the last interval */
};

void top_view_init(struct top_view *v);
void top_view_release(struct top_view *v);

/* Take one interval: prev may be NULL (the first snapshot: no rates yet); d is
 * delta_compute(prev, cur). The snapshots may be released afterwards (the rows keep only
 * interned strings). Then refreshes the rows. */
void top_view_update(struct top_view *v, const struct snapshot *prev,
		     const struct snapshot *cur, const struct delta *d);
/* Filter and sort the tracked rows again (after a setting changed). */
void top_view_refresh(struct top_view *v);

/* Key actions; each refreshes. */
/* all -> each namespace that has a drop row (by name) -> all */
void top_view_cycle_netns(struct top_view *v);
/* all -> nic -> irq -> ... -> socket -> all */
void top_view_cycle_layer(struct top_view *v);
void top_view_cycle_sort(struct top_view *v);
/* Only namespace name (NULL or "" for all). */
void top_view_set_netns(struct top_view *v, const char *name);

enum top_attr {
	TOP_A_NORMAL,
	TOP_A_TITLE,   /* the first line */
	TOP_A_HEAD,    /* column headings */
	TOP_A_HOT,     /* a drop row that moved in the last interval */
	TOP_A_DIM,     /* a drop row held after it stopped */
	TOP_A_FOOTER,  /* keys and messages */
};

#define TOP_LINE_MAX 512

struct top_line {
	char text[TOP_LINE_MAX]; /* at most the frame's width, no control characters */
	enum top_attr attr;
	int bar_at, bar_len;     /* the filled part of a CPU's si % bar (bar_len 0: none) */
};

struct top_frame_opts {
	int width, height;
	bool paused, help;
	const char *msg;  /* a message for the last line (a prompt, an error), or NULL */
};

/* The screen as lines: title, CPU heading and rows (the busiest when they do not all fit
 * in half the height), drop heading and rows (with "+N more" when cut), the key line.
 * Returns the number of lines written (at most max and height). */
size_t top_view_frame(struct top_view *v, const struct top_frame_opts *o,
		      struct top_line *lines, size_t max);

/* Pure helper: s cut to width columns (a '~' marks a cut), left-aligned, padded when pad. */
void top_fit(char *buf, size_t n, const char *s, int width, bool pad);

#endif
