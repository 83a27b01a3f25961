/* report.h: one or two recordings (record/model.h) as one self-contained HTML page:
 * inline CSS, inline SVG charts (svg.h), a few lines of inline JavaScript for hover
 * tooltips, nothing fetched. Pure: recordings in, text out. */
#ifndef DPTUNE_REPORT_H
#define DPTUNE_REPORT_H

#include "../record/model.h"

/* Write the page for a (and, when b is not NULL, b side by side as "before" and "after",
 * with a table of what changed) into out. Warnings of each recording are shown at the
 * top of the page. */
void report_html(struct strbuf *out, const struct recording *a, const struct recording *b);

/* The drops of each layer over the whole recording (drop counters that are not benign),
 * indexed by enum dp_layer: what the "drops-total" chart shows. */
void report_layer_drops(const struct recording *r, double totals[LAYER__COUNT]);

#endif
