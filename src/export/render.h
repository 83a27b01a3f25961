/* render.h: one snapshot as a Prometheus / OpenMetrics exposition (families.h names the
 * families). Rows are routed, grouped by family with a counting sort and written
 * straight into a promwriter: no tree, no allocation per row once the buffers grew. */
#ifndef DPTUNE_EXPORT_RENDER_H
#define DPTUNE_EXPORT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include "families.h"
#include "../model/snapshot.h"
#include "../output/promwriter.h"

struct exp_filter {
	const char *netns; /* comma list of namespace labels or names, or NULL */
	const char *dev;   /* comma list of devices, or NULL */
	unsigned layer_mask; /* 0: every layer */
};

/* State kept between scrapes: route cache, namespace labels, scratch arrays. */
struct exp_render;

struct exp_render *exp_render_new(const char *proc_root);
void exp_render_free(struct exp_render *r);

/* The label a namespace is exported under: "host", its /run/netns name, else
 * "<runtime>:<container id, 12 hex>/<process name>" from the cgroup of the process
 * holding it (docker, containerd, libpod, crio, kubepods), else "proc:<process name>";
 * "#<inode>" is appended when two namespaces would share a label. Never a bare pid.
 * Valid until the next exp_render_labels. */
void exp_render_labels(struct exp_render *r, const struct snapshot *s);
const char *exp_ns_label(const struct exp_render *r, uint32_t ns);

/* Parse a /proc/PID/cgroup buffer: the container runtime and id (12 hex digits) of the
 * last container path found; false when the process is in none. Pure (for tests). */
bool exp_cgroup_container(const char *buf, size_t len, char *runtime, size_t rn,
			  char *id, size_t idn);

/* Write the rows of s that pass f (exp_render_labels first). At most max_series samples
 * (0: no limit); *limit_hit says whether rows were left out. Returns samples written. */
size_t exp_render_rows(struct exp_render *r, const struct snapshot *s,
		       const struct exp_filter *f, size_t max_series, struct promwriter *w,
		       bool *limit_hit);

#endif
