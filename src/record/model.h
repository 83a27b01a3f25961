/* model.h: a recording loaded into memory for the report: its series, its samples (the
 * counters that moved and the gauges that changed), the knobs at the start and the end,
 * the last device table and the commands that ran. Built from the reader's lines; pure
 * apart from reading the file. Several parts (a rotated file concatenated after its
 * successor) are joined on one time axis. */
#ifndef DPTUNE_RECORD_MODEL_H
#define DPTUNE_RECORD_MODEL_H

#include "record.h"

struct rec_series {
	const char *netns, *object, *name, *labels; /* interned */
	int layer;      /* enum dp_layer, or -1 when the file names a layer we do not know */
	int queue, cpu; /* -1 when none */
	bool drop, benign, gauge;
	uint64_t total; /* sum of its deltas over the recording (counters) */
	uint64_t base;  /* value at the start of its part (0 if not in the base line) */
};

struct rec_val {
	uint32_t id; /* index into recording.series */
	uint64_t v;
};

struct rec_sample {
	double t, dt;          /* seconds since the recording's start; interval */
	size_t off, n;         /* counter deltas: vals[off .. off+n) */
	size_t goff, gn;       /* gauge values: gvals[goff .. goff+gn) */
};

struct rec_knob {
	const char *netns, *layer, *object, *name; /* interned */
	int queue, cpu;
	const char *first, *last; /* interned values at the start and at the end */
	double t_changed;         /* when it last changed (-1: never) */
};

struct rec_command {
	char **argv;               /* NULL-terminated */
	double start, end;         /* seconds since the recording's start */
	int exit;
	struct json_object *output; /* array of the command's JSON documents (owned) */
	char *text;                /* its other output, or NULL */
};

struct recording {
	const char *path;
	bool have_header, have_end;
	char host[128], kernel[128], version[64], end_reason[32];
	double start, interval;    /* wall clock of the first part; seconds */
	int cpus;
	unsigned parts;
	struct rec_series *series; /* [0] unused */
	size_t nseries, series_cap;
	size_t ndefined;           /* series lines taken: the recorder numbers them densely */
	struct rec_sample *samples;
	size_t nsamples, samples_cap;
	struct rec_val *vals, *gvals;
	size_t nvals, vals_cap, ngvals, gvals_cap;
	struct rec_knob *knobs;
	size_t nknobs, knobs_cap;
	struct json_object *knob_index; /* key -> index into knobs */
	struct json_object *links;      /* the last "links" array (owned), or NULL */
	struct rec_command *cmds;
	size_t ncmds, cmds_cap;
	struct rec_read_status st;      /* the reader's warnings, then the model's */
	int read_rc;                    /* rec_read_*: 0 clean, 1 something skipped, <0 errno */
	/* per part while loading */
	uint32_t id_base, id_max;
	double part_off;
};

/* Load path into r (recording_release it in every case). Returns 0 when the file was read
 * cleanly, 1 when lines, frames or an end were bad or missing (r->st.warn says which; what
 * could be read is in r), or -errno when the file cannot be read at all. */
int recording_load(struct recording *r, const char *path);
/* Same from a buffer (tests, fuzzing). */
int recording_load_buf(struct recording *r, const void *buf, size_t len);
void recording_release(struct recording *r);

/* A knob's end value by name in any namespace ("net.core.netdev_max_backlog"), or NULL. */
const struct rec_knob *recording_knob(const struct recording *r, const char *netns,
				      const char *name);

#endif
