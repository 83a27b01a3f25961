/* observation.h: the analysis of one observation window (counters before and after a
 * window or a command, the drop ledger, the findings), and what a watched load said it
 * lost (the last `dptune bench --json` document in its output), checked against the
 * counters (conservation). Pure: works on snapshots and buffers, no I/O; the reads are
 * in observe/watch.c. */
#ifndef DPTUNE_OBSERVATION_H
#define DPTUNE_OBSERVATION_H

#include <stddef.h>
#include <stdint.h>
#include "../model/delta.h"
#include "ledger.h"
#include "doctor.h"

/* What a load generator reported about its own traffic. */
struct load_result {
	uint64_t lost, sent;
	char server[64];   /* the address it sent to ("server" key), or "" */
};

/* Find the lost/sent packet counts in the last JSON document of buf (len bytes, need not
 * be NUL-terminated) that has a "lost_packets" key, at top level or under "forward",
 * "summary" or "end" (dptune bench, iperf3-like shapes). Documents start at the start of
 * a line. 0, or -ENOENT when no document has one. */
int load_result_parse(const char *buf, size_t len, struct load_result *r);

/* One observation window: counters before and after, their delta, the drop ledger and
 * the findings; with a command, its exit status and the load result it printed. */
struct observation {
	struct snapshot a, b;
	struct delta d;
	struct ledger l;
	struct doctor_report rep;
	struct knob_owners owners;
	uint64_t lost, sent;      /* from the load result, when have_lost */
	bool have_lost;
	char load_server[64];     /* the load's destination address, or "" */
	bool have_cmd;            /* a command was watched */
	int cmd_rc;               /* its exit status (128+N when killed by signal N) */
	bool interrupted;         /* the window was cut short (SIGINT/SIGTERM) */
};

void observation_init(struct observation *o);
/* Compute delta, ledger and findings from o->a, o->b, o->owners and the load result.
 * Pure. */
void observation_analyze(struct observation *o);
void observation_release(struct observation *o);

/* Did the watched command give a window worth diagnosing? False when it exited non-zero
 * without printing a load result (a command that failed or did not run: no diagnosis),
 * unless the window was interrupted. A load that reported its result and exited non-zero
 * (bench: sender-limited) still loaded the path. */
bool observation_cmd_ok(const struct observation *o);

/* Conservation: packets the load says it lost that no counter explains (0 without a load
 * result). */
uint64_t observation_unexplained(const struct observation *o);

/* One layer of the drop waterfall: the ledger entries of that layer and the largest. */
struct waterfall_layer {
	enum dp_layer layer;
	uint64_t dropped;     /* the largest counter of the layer (aliases of one drop are
			       * not summed) */
	size_t first, n;      /* its entries: l->e[first .. first+n-1] (a ledger is sorted
			       * by layer) */
};

/* The layers with drops, in datapath order; returns how many were written (at most
 * LAYER__COUNT). */
size_t waterfall_build(const struct ledger *l, struct waterfall_layer *w);

#endif
