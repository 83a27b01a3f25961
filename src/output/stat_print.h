/* stat_print.h: render a snapshot (and its delta from the previous one) as the rows of
 * `dptune stat`, grouped by layer in datapath order, then namespace, then object; and
 * the knob and device tables. Text columns are sized to their content, so long names
 * (Neutron's qrouter-<uuid>, pid:N(comm)) keep every column of a table aligned. */
#ifndef DPTUNE_STAT_PRINT_H
#define DPTUNE_STAT_PRINT_H

#include "../model/delta.h"

struct stat_filter {
	bool all;              /* everything, not only what moved or is abnormal */
	bool knobs;            /* also print the knob table (every setting), first document */
	const char *netns;     /* only these namespaces (comma list), or NULL */
	const char *dev;       /* only rows whose object is one of these devices (comma list) */
	unsigned layer_mask;   /* bit per enum dp_layer; 0 = all */
	bool links;            /* print the device table (text) / "links" (always in JSON) */
};

/* Is name in list? list is a comma list of names, or a name that itself holds commas
 * (a process's comm may); NULL list matches everything. Pure. */
bool stat_name_in_list(const char *list, const char *name);

/* Would this row be shown? Pure. */
bool stat_row_visible(const struct stat_filter *f, const struct snapshot *s,
		      const struct delta_row *r, bool have_prev);

/* Print one interval (prev may be NULL for a one-shot). Returns rows printed. */
size_t stat_print(const struct stat_filter *f, const struct snapshot *prev,
		  const struct snapshot *cur, const struct delta *d, unsigned seq);

#endif
