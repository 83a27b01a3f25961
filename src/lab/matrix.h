/* matrix.h: the per-layer cost table behind `dptune lab matrix`: for one scenario, build
 * the lab, start a load server inside its server namespace (a thread of this process),
 * run the NDR/PDR search (traffic/sweep.h) from its client namespace, tear it down, and
 * keep what the table shows. */
#ifndef DPTUNE_LAB_MATRIX_H
#define DPTUNE_LAB_MATRIX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "../traffic/sweep.h"

struct matrix_row {
	char scenario[16];
	char lab[16];           /* the lab's name: m<pid>_<scenario>, unique to this process */
	char why[320];          /* could not run: why ("" when it ran) */
	bool failed;            /* ... because something failed (not a feature the host lacks) */
	char warning[160];      /* the lab was not fully torn down: what to run */
	double ndr, pdr;
	bool confirmed, unstable, sender_bound;
	double confirm_pps;     /* the rate the confirmation trial ran at (0: none) */
	unsigned trials;        /* trials run: probe, search and confirmation */
	unsigned search_trials; /* those counted against --max-trials */
	unsigned sender_limited;/* trials where the sender could not reach the rate asked */
	const char *stop;       /* why the search stopped (sweep_stop_text) */
	uint64_t sent, received, lost; /* over every trial */
	/* the sending threads' CPU time per datagram in the probe at the sender's maximum: on
	 * these paths the sending CPU runs most of the path, so this is the path's cost per
	 * packet, whatever share of the CPU the sender got (0: not measured) */
	double cpu_ns_per_pkt;
	double seconds;
	char first_layer[16], first_where[160], first_counter[64];
	uint64_t first_delta;
	char path[256];
};

/* Run scenario scen with the sweep options base (size base->base.size), progress lines
 * to log when not NULL. The row says what was found, or in row->why why it could not run. */
void matrix_run_scenario(const struct sweep_opts *base, struct collect_engine *eng,
			 const char *scen, struct matrix_row *row, FILE *log);

#endif
