/* model.c: the lines of a recording gathered into struct recording. A line that is JSON
 * but not what the format says (a sample naming a series never defined, a header after
 * samples of another format) is named in the warnings and skipped; everything else is
 * kept, so a damaged file still gives the report of what it holds. */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "../model/intern.h"

static void mwarn(struct recording *r, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void mwarn(struct recording *r, const char *fmt, ...)
{
	va_list ap;

	r->st.nwarn_total++;
	if (r->st.nwarn >= REC_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(r->st.warn[r->st.nwarn++], sizeof(r->st.warn[0]), fmt, ap);
	va_end(ap);
}

static const char *jstr(struct json_object *o, const char *k, const char *def)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return def;
	return json_object_get_string(v);
}

static bool jnum(struct json_object *o, const char *k, double *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

static int jint(struct json_object *o, const char *k, int def)
{
	double d;

	if (!jnum(o, k, &d) || d < -1e9 || d > 1e9)
		return def;
	return (int)d;
}

static bool jbool(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

static void on_header(struct recording *r, unsigned long no, struct json_object *o)
{
	double start = 0, iv = 0;

	if (strcmp(jstr(o, "format", ""), REC_FORMAT)) {
		mwarn(r, "line %lu: a header of format '%s', not %s: skipped", no,
		      jstr(o, "format", "?"), REC_FORMAT);
		return;
	}
	if (jint(o, "version", 0) > REC_VERSION)
		mwarn(r, "line %lu: format version %d is newer than this dptune's %d: reading "
		      "what it knows", no, jint(o, "version", 0), REC_VERSION);
	jnum(o, "start", &start);
	jnum(o, "interval", &iv);
	if (!r->have_header) {
		r->have_header = true;
		snprintf(r->host, sizeof(r->host), "%s", jstr(o, "host", "?"));
		snprintf(r->kernel, sizeof(r->kernel), "%s", jstr(o, "kernel", "?"));
		snprintf(r->version, sizeof(r->version), "%s", jstr(o, "dptune", "?"));
		r->start = start;
		r->interval = iv;
		r->cpus = jint(o, "cpus", 0);
		if (r->cpus < 0 || r->cpus > 8192)
			r->cpus = 0;
		if (no != 1)
			mwarn(r, "line %lu: the header is not the first line", no);
	}
	/* a new part: its ids start over, its times count from its own start */
	r->id_base = (uint32_t)(r->nseries ? r->nseries - 1 : 0);
	r->id_max = 0;
	r->part_off = start > 0 && r->start > 0 ? start - r->start : 0;
	r->parts++;
	r->have_end = false;
}

/* How far a series id may run ahead of the series defined before it (see on_series). */
#define REC_SERIES_GAP 65536

static void on_series(struct recording *r, unsigned long no, struct json_object *o)
{
	int id = jint(o, "id", 0), layer;
	size_t idx;
	struct rec_series *s;
	const char *kind = jstr(o, "kind", "counter");

	if (id <= 0 || id > 50000000) {
		mwarn(r, "line %lu: series without a valid id: skipped", no);
		return;
	}
	idx = r->id_base + (size_t)id;
	/* The recorder numbers series 1, 2, 3...: an id far past the series defined so far
	 * is damage (a lost frame leaves a gap of a few hundred), and would have the table
	 * grow to it (a hostile id of 5e7 asked for 3 GB: found by fuzz_record). */
	if (idx > r->ndefined + REC_SERIES_GAP) {
		mwarn(r, "line %lu: series id %d is past the %zu series defined before it by more "
		      "than %d: skipped", no, id, r->ndefined, REC_SERIES_GAP);
		return;
	}
	if (idx < r->nseries && r->series[idx].name) {
		mwarn(r, "line %lu: series %d defined twice: the first kept", no, id);
		return;
	}
	grow_array((void **)&r->series, &r->series_cap, idx + 1, sizeof(*r->series));
	if (r->nseries <= idx) {
		memset(r->series + r->nseries, 0, (idx + 1 - r->nseries) * sizeof(*r->series));
		r->nseries = idx + 1;
	}
	if ((uint32_t)id > r->id_max)
		r->id_max = (uint32_t)id;
	r->ndefined++;
	s = &r->series[idx];
	layer = layer_from_name(jstr(o, "layer", ""));
	*s = (struct rec_series){
		.netns = intern(jstr(o, "netns", "?")), .object = intern(jstr(o, "object", "")),
		.name = intern(jstr(o, "name", "?")), .labels = jstr(o, "labels", NULL) ?
		intern(jstr(o, "labels", "")) : NULL, .layer = layer,
		.queue = jint(o, "queue", -1), .cpu = jint(o, "cpu", -1),
		.drop = jbool(o, "drop"), .benign = jbool(o, "benign"),
		.gauge = !strcmp(kind, "gauge"),
	};
	if (s->cpu < -1 || s->cpu > 65535)
		s->cpu = -1;
}

/* The pairs of a flat [id, value, id, value...] array, each checked against the series. */
static size_t pairs(struct recording *r, unsigned long no, struct json_object *a,
		    struct rec_val **vals, size_t *n, size_t *cap, bool as_delta)
{
	size_t len = json_object_array_length(a), added = 0;
	bool warned = false;

	if (len % 2 && !warned) {
		mwarn(r, "line %lu: an odd number of items in a value list", no);
		warned = true;
	}
	for (size_t i = 0; i + 1 < len; i += 2) {
		struct json_object *ido = json_object_array_get_idx(a, i);
		struct json_object *vo = json_object_array_get_idx(a, i + 1);
		int64_t id = json_object_get_int64(ido), v = json_object_get_int64(vo);
		size_t idx = r->id_base + (size_t)id;

		if (!json_object_is_type(ido, json_type_int) || !json_object_is_type(vo, json_type_int) ||
		    id <= 0 || idx >= r->nseries || !r->series[idx].name || v < 0) {
			if (!warned)
				mwarn(r, "line %lu: a value for series %lld, which is not defined "
				      "(or not a number): skipped", no, (long long)id);
			warned = true;
			continue;
		}
		grow_array((void **)vals, cap, *n + 1, sizeof(**vals));
		(*vals)[(*n)++] = (struct rec_val){ (uint32_t)idx, (uint64_t)v };
		if (as_delta)
			r->series[idx].total += (uint64_t)v;
		added++;
	}
	return added;
}

static void on_sample(struct recording *r, unsigned long no, struct json_object *o)
{
	struct json_object *d, *g;
	struct rec_sample *s;
	double t, dt = 0;

	if (!jnum(o, "t", &t)) {
		mwarn(r, "line %lu: a sample without its time: skipped", no);
		return;
	}
	jnum(o, "dt", &dt);
	grow_array((void **)&r->samples, &r->samples_cap, r->nsamples + 1, sizeof(*r->samples));
	s = &r->samples[r->nsamples++];
	*s = (struct rec_sample){ .t = t + r->part_off, .dt = dt > 0 ? dt : 0 };
	s->off = r->nvals;
	if (json_object_object_get_ex(o, "d", &d) && json_object_is_type(d, json_type_array))
		s->n = pairs(r, no, d, &r->vals, &r->nvals, &r->vals_cap, true);
	s->goff = r->ngvals;
	if (json_object_object_get_ex(o, "g", &g) && json_object_is_type(g, json_type_array))
		s->gn = pairs(r, no, g, &r->gvals, &r->ngvals, &r->gvals_cap, false);
}

static void on_base(struct recording *r, unsigned long no, struct json_object *o)
{
	struct json_object *v;
	struct rec_val *tmp = NULL;
	size_t n = 0, cap = 0;

	if (!json_object_object_get_ex(o, "v", &v) || !json_object_is_type(v, json_type_array))
		return;
	pairs(r, no, v, &tmp, &n, &cap, false);
	for (size_t i = 0; i < n; i++)
		r->series[tmp[i].id].base = tmp[i].v;
	free(tmp);
}

static void on_knobs(struct recording *r, unsigned long no, struct json_object *o)
{
	struct json_object *a;
	double t = 0;

	if (!json_object_object_get_ex(o, "knobs", &a) || !json_object_is_type(a, json_type_array)) {
		mwarn(r, "line %lu: knobs without a list: skipped", no);
		return;
	}
	jnum(o, "t", &t);
	if (!r->knob_index)
		r->knob_index = json_object_new_object();
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *k = json_object_array_get_idx(a, i), *ix;
		const char *ns, *name, *val;
		char key[1024];
		struct rec_knob *kb;

		if (!json_object_is_type(k, json_type_object))
			continue;
		ns = jstr(k, "netns", "?");
		name = jstr(k, "name", NULL);
		val = jstr(k, "value", NULL);
		if (!name || !val)
			continue;
		snprintf(key, sizeof(key), "%s|%s|%s|%d|%d|%s", ns, jstr(k, "layer", ""),
			 jstr(k, "object", ""), jint(k, "queue", -1), jint(k, "cpu", -1), name);
		if (json_object_object_get_ex(r->knob_index, key, &ix)) {
			kb = &r->knobs[json_object_get_int(ix)];
			if (kb->last != intern(val)) {
				kb->last = intern(val);
				kb->t_changed = t + r->part_off;
			}
			continue;
		}
		grow_array((void **)&r->knobs, &r->knobs_cap, r->nknobs + 1, sizeof(*r->knobs));
		kb = &r->knobs[r->nknobs];
		*kb = (struct rec_knob){ .netns = intern(ns), .layer = intern(jstr(k, "layer", "")),
					 .object = intern(jstr(k, "object", "")), .name = intern(name),
					 .queue = jint(k, "queue", -1), .cpu = jint(k, "cpu", -1),
					 .first = intern(val), .last = intern(val), .t_changed = -1 };
		json_object_object_add(r->knob_index, key, json_object_new_int((int)r->nknobs));
		r->nknobs++;
	}
}

static void on_command(struct recording *r, unsigned long no, struct json_object *o)
{
	struct json_object *argv, *out;
	struct rec_command *c;
	size_t n;

	if (!json_object_object_get_ex(o, "argv", &argv) || !json_object_is_type(argv, json_type_array)) {
		mwarn(r, "line %lu: a command without argv: skipped", no);
		return;
	}
	grow_array((void **)&r->cmds, &r->cmds_cap, r->ncmds + 1, sizeof(*r->cmds));
	c = &r->cmds[r->ncmds++];
	memset(c, 0, sizeof(*c));
	n = json_object_array_length(argv);
	c->argv = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(argv, i));

		c->argv[i] = xstrdup(s ? s : "");
	}
	jnum(o, "start", &c->start);
	jnum(o, "end", &c->end);
	c->start += r->part_off;
	c->end += r->part_off;
	c->exit = jint(o, "exit", -1);
	if (json_object_object_get_ex(o, "output", &out) && json_object_is_type(out, json_type_array))
		c->output = json_object_get(out);
	else
		c->output = json_object_new_array();
	if (jstr(o, "text", NULL))
		c->text = xstrdup(jstr(o, "text", ""));
}

static int on_line(void *ctx, unsigned long no, struct json_object *o)
{
	struct recording *r = ctx;
	const char *type = jstr(o, "type", "");
	struct json_object *links;

	if (!strcmp(type, "header")) {
		on_header(r, no, o);
		return 0;
	}
	if (!r->have_header) {
		if (r->st.nwarn_total < 1)
			mwarn(r, "line %lu: no dptune-record header before it: not a dptune "
			      "recording?", no);
		else
			r->st.nwarn_total++;
		return 0;
	}
	if (!strcmp(type, "series"))
		on_series(r, no, o);
	else if (!strcmp(type, "sample"))
		on_sample(r, no, o);
	else if (!strcmp(type, "base"))
		on_base(r, no, o);
	else if (!strcmp(type, "knobs"))
		on_knobs(r, no, o);
	else if (!strcmp(type, "command"))
		on_command(r, no, o);
	else if (!strcmp(type, "links")) {
		if (json_object_object_get_ex(o, "links", &links) &&
		    json_object_is_type(links, json_type_array)) {
			json_object_put(r->links);
			r->links = json_object_get(links);
		}
	} else if (!strcmp(type, "end")) {
		r->have_end = true;
		snprintf(r->end_reason, sizeof(r->end_reason), "%s", jstr(o, "reason", "?"));
	}
	/* other types: from a newer dptune; ignored */
	return 0;
}

static int finish(struct recording *r, int rc)
{
	if (rc < 0)
		return rc;
	if (!r->have_header)
		mwarn(r, "no dptune-record header: not a recording dptune wrote");
	else if (!r->have_end && !r->st.truncated)
		mwarn(r, "no end line: the recorder did not close the file (killed?)");
	r->read_rc = rc || r->st.nwarn_total ? 1 : 0;
	return r->read_rc;
}

int recording_load_buf(struct recording *r, const void *buf, size_t len)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->path = "(buffer)";
	grow_array((void **)&r->series, &r->series_cap, 1, sizeof(*r->series));
	memset(r->series, 0, sizeof(*r->series));
	r->nseries = 1;
	rc = rec_read_buf(buf, len, on_line, r, &r->st);
	return finish(r, rc);
}

int recording_load(struct recording *r, const char *path)
{
	struct strbuf sb;
	int rc;

	sb_init(&sb);
	rc = read_file_sb(path, &sb, (size_t)4 << 30);
	if (rc) {
		memset(r, 0, sizeof(*r));
		sb_release(&sb);
		r->read_rc = rc;
		return rc;
	}
	rc = recording_load_buf(r, sb.buf, sb.len);
	r->path = path;
	sb_release(&sb);
	return rc;
}

void recording_release(struct recording *r)
{
	for (size_t i = 0; i < r->ncmds; i++) {
		for (char **a = r->cmds[i].argv; a && *a; a++)
			free(*a);
		free(r->cmds[i].argv);
		json_object_put(r->cmds[i].output);
		free(r->cmds[i].text);
	}
	free(r->cmds);
	free(r->series);
	free(r->samples);
	free(r->vals);
	free(r->gvals);
	free(r->knobs);
	json_object_put(r->knob_index);
	json_object_put(r->links);
	memset(r, 0, sizeof(*r));
}

const struct rec_knob *recording_knob(const struct recording *r, const char *netns,
				      const char *name)
{
	for (size_t i = 0; i < r->nknobs; i++)
		if (!strcmp(r->knobs[i].name, name) && (!netns || !strcmp(r->knobs[i].netns, netns)))
			return &r->knobs[i];
	return NULL;
}
