/* writer.c: snapshots to the recording's JSON lines (docs/record-format.md), streamed
 * through libzstd. A series (one counter of one object in one namespace) gets an id the
 * first time it has something to say; samples then carry only the counters that moved
 * (id, delta) and the gauges that changed (id, value), so an idle host costs a few bytes
 * a second whatever its size. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zstd.h>
#include "record.h"
#include "../output/stat_print.h"

#ifndef DPTUNE_VERSION
#define DPTUNE_VERSION "0.4.0"
#endif

struct series_slot {
	uint64_t ns_inode;
	const char *ns_name;
	const char *obj, *name, *labels;
	int32_t queue, cpu;
	uint8_t layer, used;
	uint32_t id;
	uint64_t gauge; /* last gauge value written */
};

struct rec_writer {
	struct rec_writer_opts o;
	FILE *fp;
	ZSTD_CCtx *cctx;
	struct strbuf line, zout;
	struct series_slot *slots;
	size_t nslots, nseries;
	uint32_t next_id;
	bool need_base, in_frame;
	unsigned frame_n, rotations, part;
	uint64_t bytes, total_bytes, samples;
	uint64_t links_sig;
	double t0_mono, t0_real;
};

/* ---- JSON text --------------------------------------------------------------------- */

static void js_str(struct strbuf *sb, const char *s)
{
	sb_add(sb, "\"", 1);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			sb_add(sb, "\\", 1);
			sb_add(sb, s, 1);
		} else if (c < 0x20) {
			sb_addf(sb, "\\u%04x", c);
		} else {
			sb_add(sb, s, 1);
		}
	}
	sb_add(sb, "\"", 1);
}

static void js_kv_str(struct strbuf *sb, const char *k, const char *v)
{
	sb_addf(sb, ",\"%s\":", k);
	js_str(sb, v);
}

/* What names a counter or knob after its namespace, as series and knobs lines both
 * write it: ,"layer":..,"object":..[,"queue":N][,"cpu":N],"name":.. */
static void js_metric_ident(struct strbuf *sb, const struct metric *m)
{
	js_kv_str(sb, "layer", layer_name(m->layer));
	js_kv_str(sb, "object", m->obj);
	if (m->queue >= 0)
		sb_addf(sb, ",\"queue\":%d", m->queue);
	if (m->cpu >= 0)
		sb_addf(sb, ",\"cpu\":%d", m->cpu);
	js_kv_str(sb, "name", m->name);
}

/* ---- zstd output ------------------------------------------------------------------ */

static int out_write(struct rec_writer *w, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, w->fp) != n)
		return -EIO;
	w->bytes += n;
	w->total_bytes += n;
	return 0;
}

static int z_push(struct rec_writer *w, const void *src, size_t n, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = { src, n, 0 };
	size_t rem;

	do {
		ZSTD_outBuffer out = { w->zout.buf, w->zout.cap, 0 };

		rem = ZSTD_compressStream2(w->cctx, &out, &in, mode);
		if (ZSTD_isError(rem))
			return -EIO;
		if (out_write(w, out.dst, out.pos))
			return -EIO;
	} while (mode == ZSTD_e_continue ? in.pos < in.size : rem != 0);
	return 0;
}

/* Write the line being built (adds the newline) into the current frame. */
static int emit(struct rec_writer *w)
{
	int r;

	sb_add(&w->line, "\n", 1);
	r = z_push(w, w->line.buf, w->line.len, ZSTD_e_continue);
	w->in_frame = true;
	sb_reset(&w->line);
	return r;
}

/* End the current zstd frame and push it to the file. */
static int frame_end(struct rec_writer *w)
{
	if (!w->in_frame)
		return 0;
	w->in_frame = false;
	w->frame_n = 0;
	if (z_push(w, NULL, 0, ZSTD_e_end) || fflush(w->fp))
		return -EIO;
	return 0;
}

/* ---- series ------------------------------------------------------------------------ */

static uint64_t slot_hash(uint64_t ino, const char *nsn, const struct metric *m)
{
	uint64_t h = ino * 0x9E3779B97F4A7C15ull ^ (uintptr_t)nsn * 0x94D049BB133111EBull;

	h ^= (uintptr_t)m->obj * 0xC2B2AE3D27D4EB4Full;
	h ^= (uintptr_t)m->name * 0x165667B19E3779F9ull;
	if (m->flags & MF_LABEL_KEY)
		h ^= (uintptr_t)m->labels * 0x27D4EB2F165667C5ull;
	h ^= ((uint64_t)m->layer << 56) ^ ((uint64_t)(uint32_t)m->queue << 20) ^ (uint32_t)m->cpu;
	h ^= h >> 31;
	return h;
}

static void slots_reset(struct rec_writer *w)
{
	free(w->slots);
	w->nslots = 1024;
	w->slots = xcalloc(w->nslots, sizeof(*w->slots));
	w->nseries = 0;
	w->next_id = 0;
}

static void slots_grow(struct rec_writer *w)
{
	struct series_slot *old = w->slots;
	size_t n = w->nslots;

	w->nslots *= 2;
	w->slots = xcalloc(w->nslots, sizeof(*w->slots));
	for (size_t i = 0; i < n; i++) {
		struct metric m = { .obj = old[i].obj, .name = old[i].name, .labels = old[i].labels,
				    .queue = old[i].queue, .cpu = old[i].cpu, .layer = old[i].layer,
				    .flags = old[i].labels ? MF_LABEL_KEY : 0 };
		size_t j;

		if (!old[i].used)
			continue;
		j = slot_hash(old[i].ns_inode, old[i].ns_name, &m) & (w->nslots - 1);
		while (w->slots[j].used)
			j = (j + 1) & (w->nslots - 1);
		w->slots[j] = old[i];
	}
	free(old);
}

/* The slot of a metric, created (unused id 0 until defined) when absent. The namespace
 * name is part of the key for namespaces without an inode (recorded trees). */
static struct series_slot *slot_of(struct rec_writer *w, const struct snapshot *s,
				   const struct metric *m, bool *fresh)
{
	uint64_t ino = s->ns[m->ns].inode;
	const char *nsn = s->ns[m->ns].name;
	const char *lab = (m->flags & MF_LABEL_KEY) ? m->labels : NULL;
	size_t j;

	if ((w->nseries + 1) * 2 > w->nslots)
		slots_grow(w);
	j = slot_hash(ino, nsn, m) & (w->nslots - 1);
	for (;; j = (j + 1) & (w->nslots - 1)) {
		struct series_slot *sl = &w->slots[j];

		if (!sl->used)
			break;
		if (sl->ns_inode == ino && sl->ns_name == nsn && sl->obj == m->obj &&
		    sl->name == m->name && sl->labels == lab && sl->queue == m->queue &&
		    sl->cpu == m->cpu && sl->layer == m->layer) {
			*fresh = false;
			return sl;
		}
	}
	w->slots[j] = (struct series_slot){ .ns_inode = ino, .ns_name = nsn, .obj = m->obj,
					    .name = m->name, .labels = lab, .queue = m->queue,
					    .cpu = m->cpu, .layer = m->layer, .used = 1 };
	w->nseries++;
	*fresh = true;
	return &w->slots[j];
}

static const char *kind_word(unsigned k)
{
	return k == MK_GAUGE ? "gauge" : k == MK_KNOB ? "knob" : "counter";
}

/* Give the metric a series id, writing its definition line the first time. */
static int series_id(struct rec_writer *w, const struct snapshot *s, const struct metric *m,
		     uint32_t *id, struct series_slot **out)
{
	bool fresh;
	struct series_slot *sl = slot_of(w, s, m, &fresh);
	int r;

	if (!sl->id) {
		sl->id = ++w->next_id;
		sb_addf(&w->line, "{\"type\":\"series\",\"id\":%u", sl->id);
		js_kv_str(&w->line, "netns", s->ns[m->ns].name);
		js_metric_ident(&w->line, m);
		js_kv_str(&w->line, "kind", kind_word(m->kind));
		if (m->flags & MF_DROP)
			sb_addf(&w->line, ",\"drop\":true");
		if (m->flags & MF_BENIGN)
			sb_addf(&w->line, ",\"benign\":true");
		if (m->labels && *m->labels)
			js_kv_str(&w->line, "labels", m->labels);
		sb_add(&w->line, "}", 1);
		if ((r = emit(w)))
			return r;
	}
	*id = sl->id;
	if (out)
		*out = sl;
	return 0;
}

static bool wanted(const struct rec_writer *w, const struct snapshot *s, const struct metric *m)
{
	if (w->o.layer_mask && !(w->o.layer_mask & (1u << m->layer)))
		return false;
	if (w->o.netns && !stat_name_in_list(w->o.netns, s->ns[m->ns].name))
		return false;
	if (w->o.dev && !stat_name_in_list(w->o.dev, m->obj))
		return false;
	return true;
}

/* ---- lines ------------------------------------------------------------------------- */

static double t_rel(const struct rec_writer *w, const struct snapshot *s)
{
	return s->t_mono - w->t0_mono;
}

static int write_header(struct rec_writer *w)
{
	struct utsname u;
	char host[256] = "";

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	if (gethostname(host, sizeof(host) - 1))
		snprintf(host, sizeof(host), "?");
	sb_addf(&w->line, "{\"type\":\"header\",\"format\":\"%s\",\"version\":%d", REC_FORMAT,
		REC_VERSION);
	js_kv_str(&w->line, "host", host);
	js_kv_str(&w->line, "kernel", u.release);
	js_kv_str(&w->line, "machine", u.machine);
	js_kv_str(&w->line, "dptune", DPTUNE_VERSION);
	sb_addf(&w->line, ",\"start\":%.3f,\"interval\":%g,\"part\":%u,\"cpus\":%ld",
		w->t0_real, w->o.interval, w->part, sysconf(_SC_NPROCESSORS_CONF));
	if (w->o.netns)
		js_kv_str(&w->line, "filter_netns", w->o.netns);
	if (w->o.dev)
		js_kv_str(&w->line, "filter_dev", w->o.dev);
	if (w->o.layer_mask) {
		sb_addf(&w->line, ",\"filter_layers\":[");
		for (int l = 0, k = 0; l < LAYER__COUNT; l++)
			if (w->o.layer_mask & (1u << l)) {
				if (k++)
					sb_add(&w->line, ",", 1);
				js_str(&w->line, layer_name(l));
			}
		sb_add(&w->line, "]", 1);
	}
	sb_add(&w->line, "}", 1);
	return emit(w);
}

/* Every counter and gauge of s that is not zero, as absolute values. */
static int write_base(struct rec_writer *w, const struct snapshot *s)
{
	struct strbuf v;
	uint32_t id;
	size_t n = 0;
	int r = 0;

	sb_init(&v);
	for (size_t i = 0; i < s->nm && !r; i++) {
		const struct metric *m = &s->m[i];
		struct series_slot *sl;

		if (m->kind == MK_KNOB || !m->value || !wanted(w, s, m))
			continue;
		r = series_id(w, s, m, &id, &sl);
		if (r)
			break;
		sl->gauge = m->value;
		sb_addf(&v, "%s%u,%llu", n++ ? "," : "", id, (unsigned long long)m->value);
	}
	if (!r) {
		sb_addf(&w->line, "{\"type\":\"base\",\"t\":%.3f,\"v\":[", t_rel(w, s));
		if (v.len)
			sb_add(&w->line, v.buf, v.len);
		sb_add(&w->line, "]}", 2);
		r = emit(w);
	}
	sb_release(&v);
	return r;
}

/* The knobs of s: every one (all) or those that changed or appeared in d. */
static int write_knobs(struct rec_writer *w, const struct snapshot *s, const struct delta *d,
		       bool all)
{
	size_t n = 0;

	sb_addf(&w->line, "{\"type\":\"knobs\",\"t\":%.3f,\"full\":%s,\"knobs\":[", t_rel(w, s),
		all ? "true" : "false");
	for (size_t i = 0; i < d->nrows; i++) {
		const struct metric *m = d->rows[i].cur;
		char num[32];

		if (m->kind != MK_KNOB || !wanted(w, s, m))
			continue;
		if (!all && d->rows[i].prev && !d->rows[i].moved)
			continue;
		sb_addf(&w->line, "%s{\"netns\":", n++ ? "," : "");
		js_str(&w->line, s->ns[m->ns].name);
		js_metric_ident(&w->line, m);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)m->value);
		js_kv_str(&w->line, "value", m->text ? m->text : num);
		sb_add(&w->line, "}", 1);
	}
	if (!n && !all) {
		sb_reset(&w->line);
		return 0;
	}
	sb_add(&w->line, "]}", 2);
	return emit(w);
}

static uint64_t links_signature(const struct snapshot *s)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < s->nlinks; i++) {
		const struct link_info *l = &s->links[i];
		uint64_t v[] = { s->ns[l->ns].inode, (uintptr_t)s->ns[l->ns].name,
				 (uint64_t)l->ifindex, (uintptr_t)l->name, (uintptr_t)l->kind,
				 (uint64_t)l->master, (uint64_t)l->link, l->mtu, l->txqlen,
				 l->num_rx_queues, l->num_tx_queues, l->operstate,
				 (uintptr_t)l->qdisc };

		for (size_t k = 0; k < ARRAY_SIZE(v); k++)
			h = (h ^ v[k]) * 1099511628211ull;
	}
	return h ^ s->nlinks;
}

static int write_links(struct rec_writer *w, const struct snapshot *s, bool force)
{
	uint64_t sig = links_signature(s);
	size_t n = 0;

	if (!force && sig == w->links_sig)
		return 0;
	w->links_sig = sig;
	sb_addf(&w->line, "{\"type\":\"links\",\"t\":%.3f,\"links\":[", t_rel(w, s));
	for (size_t i = 0; i < s->nlinks; i++) {
		const struct link_info *l = &s->links[i];
		const struct link_info *master = l->master ? snap_link_by_index(s, l->ns, l->master)
							   : NULL;

		if (w->o.netns && !stat_name_in_list(w->o.netns, s->ns[l->ns].name))
			continue;
		if (w->o.dev && !stat_name_in_list(w->o.dev, l->name))
			continue;
		sb_addf(&w->line, "%s{\"netns\":", n++ ? "," : "");
		js_str(&w->line, s->ns[l->ns].name);
		js_kv_str(&w->line, "name", l->name ? l->name : "");
		js_kv_str(&w->line, "kind", l->kind ? l->kind : "");
		sb_addf(&w->line, ",\"ifindex\":%d,\"mtu\":%u,\"txqlen\":%u,\"rx_queues\":%u,"
			"\"tx_queues\":%u,\"operstate\":%u", l->ifindex, l->mtu, l->txqlen,
			l->num_rx_queues, l->num_tx_queues, l->operstate);
		if (master)
			js_kv_str(&w->line, "master", master->name);
		if (l->link_name)
			js_kv_str(&w->line, "peer", l->link_name);
		if (l->qdisc)
			js_kv_str(&w->line, "qdisc", l->qdisc);
		sb_add(&w->line, "}", 1);
	}
	sb_add(&w->line, "]}", 2);
	return emit(w);
}

/* ---- files ------------------------------------------------------------------------- */

static int file_open(struct rec_writer *w, char *err, size_t n)
{
	w->fp = fopen(w->o.path, "w");
	if (!w->fp) {
		int e = errno;

		snprintf(err, n, "cannot create %s: %s", w->o.path, strerror(e));
		return -e;
	}
	w->bytes = 0;
	w->need_base = true;
	w->in_frame = false;
	w->frame_n = 0;
	ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_only);
	slots_reset(w);
	/* the header in a frame of its own: damage elsewhere cannot take it */
	if (write_header(w) || frame_end(w)) {
		snprintf(err, n, "cannot write %s: %s", w->o.path, strerror(errno));
		return -EIO;
	}
	return 0;
}

static int file_close(struct rec_writer *w, const char *reason, const struct snapshot *last)
{
	int r = 0;

	sb_reset(&w->line);
	sb_addf(&w->line, "{\"type\":\"end\",\"t\":%.3f,\"samples\":%llu", 
		last ? t_rel(w, last) : now_mono() - w->t0_mono, (unsigned long long)w->samples);
	js_kv_str(&w->line, "reason", reason);
	sb_add(&w->line, "}", 1);
	r = emit(w);
	if (!r)
		r = frame_end(w);
	if (fclose(w->fp) && !r)
		r = -errno;
	w->fp = NULL;
	return r;
}

/* Past the size cap: close this file as path.1 (replacing an older one) and go on in a
 * fresh, self-contained path (header, base, knobs, links again). */
static int rotate(struct rec_writer *w, const struct snapshot *last)
{
	char old[4096], err[256];
	int r = file_close(w, "rotate", last);

	if (r)
		return r;
	snprintf(old, sizeof(old), "%s.1", w->o.path);
	if (rename(w->o.path, old))
		return -errno;
	w->rotations++;
	w->part++;
	return file_open(w, err, sizeof(err));
}

struct rec_writer *rec_writer_open(const struct rec_writer_opts *o, char *err, size_t n)
{
	struct rec_writer *w = xcalloc(1, sizeof(*w));

	w->o = *o;
	if (!w->o.frame_samples)
		w->o.frame_samples = 1;
	w->cctx = ZSTD_createCCtx();
	if (!w->cctx) {
		snprintf(err, n, "cannot set up zstd compression");
		free(w);
		return NULL;
	}
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, o->level ? o->level : 3);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	sb_init(&w->line);
	sb_init(&w->zout);
	sb_grow(&w->zout, ZSTD_CStreamOutSize());
	w->t0_mono = o->first ? o->first->t_mono : now_mono();
	w->t0_real = o->first ? o->first->t_real : now_real();
	if (file_open(w, err, n)) {
		ZSTD_freeCCtx(w->cctx);
		sb_release(&w->line);
		sb_release(&w->zout);
		free(w->slots);
		free(w);
		return NULL;
	}
	return w;
}

int rec_writer_sample(struct rec_writer *w, const struct snapshot *prev,
		      const struct snapshot *cur, const struct delta *d)
{
	struct strbuf dv, gv;
	size_t nd = 0, ng = 0;
	int r = 0;

	if (w->need_base) {
		struct delta d0;

		delta_compute(&d0, NULL, prev);
		r = write_base(w, prev);
		if (!r)
			r = write_knobs(w, prev, &d0, true);
		if (!r)
			r = write_links(w, prev, true);
		delta_release(&d0);
		if (r)
			return r;
		w->need_base = false;
	}
	sb_init(&dv);
	sb_init(&gv);
	for (size_t i = 0; i < d->nrows && !r; i++) {
		const struct delta_row *row = &d->rows[i];
		const struct metric *m = row->cur;
		struct series_slot *sl;
		uint32_t id;

		if (m->kind == MK_KNOB)
			continue;
		if (m->kind == MK_GAUGE) {
			const struct metric *p = row->prev;
			bool fresh;

			/* the slot holds the value of the previous snapshot (written, or equal to
			 * the one written): the same value there needs no look-up */
			if (p && p != m && p->value == m->value &&
			    prev->ns[p->ns].name == cur->ns[m->ns].name)
				continue;
			if (!wanted(w, cur, m))
				continue;
			sl = slot_of(w, cur, m, &fresh);
			if (sl->gauge == m->value) /* unchanged, or first seen at 0 */
				continue;
			r = series_id(w, cur, m, &id, &sl);
			sl->gauge = m->value;
			sb_addf(&gv, "%s%u,%llu", ng++ ? "," : "", id, (unsigned long long)m->value);
			continue;
		}
		/* counters: a new row's value since the base is unknown: it becomes its base */
		if (!row->prev || !row->delta || !wanted(w, cur, m))
			continue;
		r = series_id(w, cur, m, &id, NULL);
		sb_addf(&dv, "%s%u,%llu", nd++ ? "," : "", id, (unsigned long long)row->delta);
	}
	if (!r) {
		sb_addf(&w->line, "{\"type\":\"sample\",\"t\":%.3f,\"dt\":%.3f,\"d\":[", t_rel(w, cur),
			d->interval);
		if (dv.len)
			sb_add(&w->line, dv.buf, dv.len);
		sb_add(&w->line, "]", 1);
		if (gv.len) {
			sb_addf(&w->line, ",\"g\":[");
			sb_add(&w->line, gv.buf, gv.len);
			sb_add(&w->line, "]", 1);
		}
		sb_add(&w->line, "}", 1);
		r = emit(w);
	}
	sb_release(&dv);
	sb_release(&gv);
	if (!r)
		r = write_knobs(w, cur, d, false);
	if (!r)
		r = write_links(w, cur, false);
	if (r)
		return r;
	w->samples++;
	if (++w->frame_n >= w->o.frame_samples)
		r = frame_end(w);
	if (!r && w->o.max_size && w->bytes >= w->o.max_size)
		r = rotate(w, cur);
	return r;
}

int rec_writer_command(struct rec_writer *w, char **argv, double t_start, double t_end,
		       int status, const char *out, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	size_t pos = 0, ndoc = 0;
	struct strbuf text;

	sb_init(&text);
	sb_addf(&w->line, "{\"type\":\"command\",\"argv\":[");
	for (int i = 0; argv[i]; i++) {
		if (i)
			sb_add(&w->line, ",", 1);
		js_str(&w->line, argv[i]);
	}
	sb_addf(&w->line, "],\"start\":%.3f,\"end\":%.3f,\"exit\":%d,\"output\":[",
		t_start - w->t0_real, t_end - w->t0_real, status);
	/* every JSON document on its stdout, in order; what is not JSON is kept as text */
	while (pos < len) {
		struct json_object *o;
		size_t start;

		while (pos < len && (out[pos] == ' ' || out[pos] == '\n' || out[pos] == '\t' ||
				     out[pos] == '\r'))
			pos++;
		if (pos >= len)
			break;
		start = pos;
		json_tokener_reset(tok);
		o = out[pos] == '{' || out[pos] == '[' ?
			json_tokener_parse_ex(tok, out + pos, (int)(len - pos > 0x7fffffff ?
								    0x7fffffff : len - pos)) : NULL;
		if (o && json_tokener_get_error(tok) == json_tokener_success) {
			pos += (size_t)json_tokener_get_parse_end(tok);
			sb_addf(&w->line, "%s%s", ndoc++ ? "," : "",
				json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
			json_object_put(o);
			continue;
		}
		json_object_put(o);
		while (pos < len && out[pos] != '\n')
			pos++;
		if (text.len < 65536)
			sb_add(&text, out + start, pos - start + (pos < len));
	}
	sb_add(&w->line, "]", 1);
	if (text.len) {
		sb_add(&text, "", 1); /* NUL */
		js_kv_str(&w->line, "text", text.buf);
	}
	sb_add(&w->line, "}", 1);
	json_tokener_free(tok);
	sb_release(&text);
	if (emit(w))
		return -EIO;
	return frame_end(w); /* a command's result is worth its own frame */
}

int rec_writer_close(struct rec_writer *w, const char *reason)
{
	int r = w->fp ? file_close(w, reason, NULL) : 0;

	ZSTD_freeCCtx(w->cctx);
	sb_release(&w->line);
	sb_release(&w->zout);
	free(w->slots);
	free(w);
	return r;
}

uint64_t rec_writer_bytes(const struct rec_writer *w)
{
	return w->total_bytes;
}

unsigned rec_writer_rotations(const struct rec_writer *w)
{
	return w->rotations;
}
