/* render.c: a snapshot as Prometheus text (render.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "render.h"
#include "../core/util.h"
#include "../output/stat_print.h"

/* Route cache entry: rows are told apart by interned pointers, so a lookup is a hash of
 * two pointers and a few bits. */
struct rc_ent {
	const char *name, *labels;
	uint32_t bits; /* layer | kind << 4 | queue >= 0 << 8 | ovs obj << 9 | used << 31 */
	const struct exp_route *r; /* in the route arena: does not move when the table grows */
};

#define RCHUNK 1024

struct ns_cache {
	uint64_t inode;
	int pid;
	char *label;
	bool seen;
};

struct exp_render {
	char proc_root[256];
	struct rc_ent *rc;
	size_t rc_cap, rc_n;
	struct exp_route **chunks;
	size_t nroutes, nchunks;
	/* per-scrape scratch */
	int32_t *fam_of, *aux;
	const struct exp_route **rt_of;
	size_t rows_cap;
	uint32_t *order, *fstart;
	size_t order_cap, nfam;
	int32_t *lk; /* link hash: index into links, -1 empty */
	size_t lk_cap;
	uint32_t *link_mask;
	size_t link_mask_cap;
	/* per scrape: the escaped labels of each namespace (netns="...") and of each device
	 * (netns="...",device="...",kind="..."), written once, copied into every sample */
	struct promwriter frag;
	uint32_t *ns_off, *ns_len, *link_off, *link_len;
	size_t ns_frag_cap, link_frag_cap;
	/* namespace labels */
	struct ns_cache *nc;
	size_t nnc, nc_cap;
	const char **ns_label;
	size_t ns_label_cap, nns;
	/* family facts */
	int f_knob, first_link, last_link, f_ethtool, f_drop, f_other, f_other_total, f_socket_first,
	    f_socket_last, f_unseen;
	unsigned *fflags;
	double tick;
	uint64_t page;
};

enum { FL_NETNS = 1, FL_DEVICE = 2, FL_QUEUE = 4, FL_CPU = 8, FL_STAT = 16, FL_LAYER = 32,
       FL_DATAPATH = 64, FL_KIND = 128 };

static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = strstr(list, w); p; p = strstr(p + 1, w))
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

struct exp_render *exp_render_new(const char *proc_root)
{
	struct exp_render *r = xcalloc(1, sizeof(*r));
	size_t nf = exp_family_count();
	long hz = sysconf(_SC_CLK_TCK), pg = sysconf(_SC_PAGESIZE);

	snprintf(r->proc_root, sizeof(r->proc_root), "%s", proc_root ? proc_root : "/proc");
	r->nfam = nf;
	r->fflags = xcalloc(nf, sizeof(*r->fflags));
	for (size_t i = 0; i < nf; i++) {
		const char *l = exp_family(i)->labels;
		unsigned f = 0;

		f |= has_word(l, "netns") ? FL_NETNS : 0;
		f |= has_word(l, "device") ? FL_DEVICE : 0;
		f |= has_word(l, "queue") ? FL_QUEUE : 0;
		f |= has_word(l, "cpu") ? FL_CPU : 0;
		f |= has_word(l, "stat") ? FL_STAT : 0;
		f |= has_word(l, "layer") ? FL_LAYER : 0;
		f |= has_word(l, "datapath") ? FL_DATAPATH : 0;
		f |= has_word(l, "kind") ? FL_KIND : 0;
		r->fflags[i] = f;
	}
	pw_init(&r->frag);
	r->f_knob = exp_family_index("dptune_knob");
	r->first_link = exp_family_index("dptune_link_receive_packets_total");
	r->last_link = exp_family_index("dptune_link_receive_nohandler_total");
	r->f_ethtool = exp_family_index("dptune_ethtool_total");
	r->f_drop = exp_family_index("dptune_drop_reason_total");
	r->f_other = exp_family_index("dptune_other_value");
	r->f_other_total = exp_family_index("dptune_other_total");
	r->f_socket_first = exp_family_index("dptune_socket_drops_total");
	r->f_socket_last = exp_family_index("dptune_socket_receive_memory_bytes");
	r->f_unseen = exp_family_index("dptune_ovs_unseen_packets_total");
	r->tick = hz > 0 ? 1.0 / (double)hz : 0.01;
	r->page = pg > 0 ? (uint64_t)pg : 4096;
	return r;
}

void exp_render_free(struct exp_render *r)
{
	if (!r)
		return;
	free(r->rc);
	for (size_t i = 0; i < r->nchunks; i++)
		free(r->chunks[i]);
	free(r->chunks);
	free(r->rt_of);
	free(r->fam_of);
	free(r->aux);
	free(r->order);
	free(r->fstart);
	free(r->lk);
	free(r->link_mask);
	for (size_t i = 0; i < r->nnc; i++)
		free(r->nc[i].label);
	free(r->nc);
	free(r->ns_label);
	free(r->fflags);
	pw_release(&r->frag);
	free(r->ns_off);
	free(r->ns_len);
	free(r->link_off);
	free(r->link_len);
	free(r);
}

/* ---- namespace labels ---- */

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

bool exp_cgroup_container(const char *buf, size_t len, char *runtime, size_t rn, char *id,
			  size_t idn)
{
	static const struct {
		const char *key, *name;
	} rt[] = {
		{ "kubepods", "k8s" }, { "libpod", "podman" }, { "crio", "crio" },
		{ "containerd", "containerd" }, { "docker", "docker" },
	};
	bool found = false;
	const char *end = buf + len, *line = buf;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line)), *le = nl ? nl : end;

		/* the last run of 64 lowercase hex digits on the line is a container id */
		for (const char *p = line; p + 64 <= le; p++) {
			if ((p > line && isxdigit((unsigned char)p[-1])) || !is_hex(p, 64) ||
			    (p + 64 < le && isxdigit((unsigned char)p[64])))
				continue;
			const char *name = "container";

			for (size_t k = 0; k < ARRAY_SIZE(rt); k++) {
				size_t kl = strlen(rt[k].key);

				for (const char *q = line; q + kl <= le; q++)
					if (!memcmp(q, rt[k].key, kl)) {
						name = rt[k].name;
						break;
					}
				if (strcmp(name, "container"))
					break;
			}
			snprintf(runtime, rn, "%s", name);
			snprintf(id, idn, "%.12s", p);
			found = true;
			p += 63;
		}
		line = le + 1;
	}
	return found;
}

/* "pid:123(comm)" -> comm */
static void ns_comm(const char *name, char *out, size_t n)
{
	const char *o = strchr(name, '('), *c = strrchr(name, ')');

	if (o && c && c > o)
		snprintf(out, n, "%.*s", (int)(c - o - 1), o + 1);
	else
		snprintf(out, n, "%s", name);
}

static char *proc_label(const struct exp_render *r, const struct netns_info *ni)
{
	char path[512], comm[64], rtn[32], id[16];
	struct strbuf sb;

	ns_comm(ni->name, comm, sizeof(comm));
	for (char *p = comm; *p; p++)
		if (*p == ',' || *p == '"' || *p == '\\' || (unsigned char)*p < 32)
			*p = '_';
	sb_init(&sb);
	snprintf(path, sizeof(path), "%s/%d/cgroup", r->proc_root, ni->pid);
	if (ni->pid > 0 && !read_file_sb(path, &sb, 65536) &&
	    exp_cgroup_container(sb.buf, sb.len, rtn, sizeof(rtn), id, sizeof(id))) {
		sb_release(&sb);
		return xasprintf("%s:%s/%s", rtn, id, comm);
	}
	sb_release(&sb);
	return xasprintf("proc:%s", comm);
}

void exp_render_labels(struct exp_render *r, const struct snapshot *s)
{
	for (size_t i = 0; i < r->nnc; i++)
		r->nc[i].seen = false;
	grow_array((void **)&r->ns_label, &r->ns_label_cap, s->nns + 1, sizeof(*r->ns_label));
	r->nns = s->nns;
	for (size_t i = 0; i < s->nns; i++) {
		const struct netns_info *ni = &s->ns[i];
		struct ns_cache *c = NULL;

		if (ni->source != NS_PROC || !ni->inode) {
			r->ns_label[i] = ni->name;
			continue;
		}
		for (size_t k = 0; k < r->nnc; k++)
			if (r->nc[k].inode == ni->inode) {
				c = &r->nc[k];
				break;
			}
		if (c && c->pid != ni->pid) { /* another holder now: look again */
			free(c->label);
			c->label = proc_label(r, ni);
			c->pid = ni->pid;
		}
		if (!c) {
			grow_array((void **)&r->nc, &r->nc_cap, r->nnc + 1, sizeof(*r->nc));
			c = &r->nc[r->nnc++];
			c->inode = ni->inode;
			c->pid = ni->pid;
			c->label = proc_label(r, ni);
		}
		c->seen = true;
		r->ns_label[i] = c->label;
	}
	/* forget namespaces that are gone (no growth as containers come and go) */
	for (size_t k = 0; k < r->nnc;) {
		if (r->nc[k].seen) {
			k++;
			continue;
		}
		free(r->nc[k].label);
		r->nc[k] = r->nc[--r->nnc];
	}
	/* two namespaces with one label (two processes of one name): tell them apart */
	for (size_t i = 0; i < s->nns; i++)
		for (size_t j = i + 1; j < s->nns; j++)
			if (s->ns[j].source == NS_PROC && !strcmp(r->ns_label[i], r->ns_label[j]))
				for (size_t k = 0; k < r->nnc; k++)
					if (r->nc[k].inode == s->ns[j].inode &&
					    !strchr(r->nc[k].label, '#')) {
						char *l = xasprintf("%s#%llu", r->nc[k].label,
								    (unsigned long long)s->ns[j].inode);

						free(r->nc[k].label);
						r->nc[k].label = l;
						r->ns_label[j] = l;
					}
}

/* The escaped text of one label, key="value", appended to r->frag. */
static void frag_label(struct exp_render *r, const char *key, const char *v)
{
	if (!v || !*v)
		return;
	if (r->frag.len && r->frag.buf[r->frag.len - 1] != '\0')
		pw_raw(&r->frag, ",", 1);
	pw_raw(&r->frag, key, strlen(key));
	pw_raw(&r->frag, "=\"", 2);
	pw_escape_value(&r->frag, v, strlen(v));
	pw_raw(&r->frag, "\"", 1);
}

static void frags_reset(struct exp_render *r, const struct snapshot *s)
{
	pw_reset(&r->frag, PW_TEXT004);
	grow_array((void **)&r->ns_off, &r->ns_frag_cap, s->nns + 1, sizeof(*r->ns_off));
	r->ns_len = xrealloc(r->ns_len, r->ns_frag_cap * sizeof(*r->ns_len));
	grow_array((void **)&r->link_off, &r->link_frag_cap, s->nlinks + 1, sizeof(*r->link_off));
	r->link_len = xrealloc(r->link_len, r->link_frag_cap * sizeof(*r->link_len));
	memset(r->link_len, 0, (s->nlinks + 1) * sizeof(*r->link_len));
	for (size_t i = 0; i < s->nns; i++) {
		pw_raw(&r->frag, "", 1); /* a NUL between fragments: frag_label's first comma */
		r->ns_off[i] = (uint32_t)r->frag.len;
		frag_label(r, "netns", r->ns_label[i]);
		r->ns_len[i] = (uint32_t)(r->frag.len - r->ns_off[i]);
	}
}

const char *exp_ns_label(const struct exp_render *r, uint32_t ns)
{
	return ns < r->nns ? r->ns_label[ns] : "unknown";
}

/* ---- routing ---- */

static inline size_t ptr_hash(const void *a, const void *b, uint32_t bits)
{
	uint64_t h = (uint64_t)(uintptr_t)a * 0x9E3779B97F4A7C15ull;

	h ^= (uint64_t)(uintptr_t)b * 0xC2B2AE3D27D4EB4Full;
	h ^= bits * 0x165667B19E3779F9ull;
	return (size_t)(h ^ (h >> 29));
}

static void rc_grow(struct exp_render *r)
{
	struct rc_ent *old = r->rc;
	size_t oc = r->rc_cap;

	r->rc_cap = oc ? oc * 2 : 1024;
	r->rc = xcalloc(r->rc_cap, sizeof(*r->rc));
	r->rc_n = 0;
	for (size_t i = 0; i < oc; i++) {
		struct rc_ent *e = &old[i];

		if (!(e->bits >> 31))
			continue;
		for (size_t h = ptr_hash(e->name, e->labels, e->bits) & (r->rc_cap - 1);;
		     h = (h + 1) & (r->rc_cap - 1))
			if (!(r->rc[h].bits >> 31)) {
				r->rc[h] = *e;
				r->rc_n++;
				break;
			}
	}
	free(old);
}

static const struct exp_route *route(struct exp_render *r, const struct metric *m)
{
	uint32_t bits = (uint32_t)m->layer | (uint32_t)m->kind << 4 | (m->queue >= 0) << 8 |
			(m->obj[0] == 'o' && !strncmp(m->obj, "ovs:", 4)) << 9 | 1u << 31;
	size_t h;

	if ((r->rc_n + 1) * 2 > r->rc_cap)
		rc_grow(r);
	for (h = ptr_hash(m->name, m->labels, bits) & (r->rc_cap - 1);;
	     h = (h + 1) & (r->rc_cap - 1)) {
		struct rc_ent *e = &r->rc[h];

		if (!(e->bits >> 31)) {
			struct exp_route *rt;

			if (r->nroutes == r->nchunks * RCHUNK) {
				r->chunks = xrealloc(r->chunks, (r->nchunks + 1) * sizeof(*r->chunks));
				r->chunks[r->nchunks++] = xmalloc(RCHUNK * sizeof(**r->chunks));
			}
			rt = &r->chunks[r->nroutes / RCHUNK][r->nroutes % RCHUNK];
			r->nroutes++;
			exp_route_row(m, rt);
			e->name = m->name;
			e->labels = m->labels;
			e->bits = bits;
			e->r = rt;
			r->rc_n++;
			return rt;
		}
		if (e->bits == bits && e->name == m->name && e->labels == m->labels)
			return e->r;
	}
}

/* ---- links: (namespace, name) -> index ---- */

static void links_index(struct exp_render *r, const struct snapshot *s)
{
	size_t cap = 64;

	while (cap < s->nlinks * 2 + 2)
		cap *= 2;
	if (cap > r->lk_cap) {
		free(r->lk);
		r->lk = xmalloc(cap * sizeof(*r->lk));
		r->lk_cap = cap;
	}
	memset(r->lk, 0xff, r->lk_cap * sizeof(*r->lk));
	grow_array((void **)&r->link_mask, &r->link_mask_cap, s->nlinks + 1,
		   sizeof(*r->link_mask));
	memset(r->link_mask, 0, (s->nlinks + 1) * sizeof(*r->link_mask));
	for (size_t i = 0; i < s->nlinks; i++) {
		const struct link_info *l = &s->links[i];

		for (size_t h = ptr_hash(l->name, NULL, l->ns) & (r->lk_cap - 1);;
		     h = (h + 1) & (r->lk_cap - 1))
			if (r->lk[h] < 0) {
				r->lk[h] = (int32_t)i;
				break;
			}
	}
}

static int link_find(const struct exp_render *r, const struct snapshot *s, uint32_t ns,
		     const char *name)
{
	for (size_t h = ptr_hash(name, NULL, ns) & (r->lk_cap - 1);; h = (h + 1) & (r->lk_cap - 1)) {
		int32_t i = r->lk[h];

		if (i < 0)
			return -1;
		if (s->links[i].ns == ns && s->links[i].name == name)
			return i;
	}
}

static const char *link_kind(const struct link_info *l)
{
	return *l->kind ? l->kind : !strcmp(l->name, "lo") ? "loopback" : "nic";
}

/* netns="...",device="...",kind="..." of link li, written on first use in a scrape. */
static void link_frag(struct exp_render *r, const struct snapshot *s, int li, const char **t,
		      size_t *n)
{
	const struct link_info *l = &s->links[li];

	if (!r->link_len[li]) {
		pw_raw(&r->frag, "", 1);
		r->link_off[li] = (uint32_t)r->frag.len;
		frag_label(r, "netns", r->ns_label[l->ns]);
		frag_label(r, "device", l->name);
		frag_label(r, "kind", link_kind(l));
		r->link_len[li] = (uint32_t)(r->frag.len - r->link_off[li]);
	}
	*t = r->frag.buf + r->link_off[li];
	*n = r->link_len[li];
}

/* ---- writing ---- */

static bool passes(const struct exp_render *r, const struct exp_filter *f,
		   const struct snapshot *s, const struct metric *m)
{
	if (f->layer_mask && !(f->layer_mask & (1u << m->layer)))
		return false;
	if (f->netns && !stat_name_in_list(f->netns, s->ns[m->ns].name) &&
	    !stat_name_in_list(f->netns, exp_ns_label(r, m->ns)))
		return false;
	if (f->dev && !stat_name_in_list(f->dev, m->obj))
		return false;
	return true;
}

/* A valid label name from a row label key. */
static void label_key(const char *k, size_t n, char *out, size_t on)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < on; i++) {
		char c = k[i];

		out[o++] = (isalnum((unsigned char)c) && (i || !isdigit((unsigned char)c))) ||
			   c == '_' ? c : '_';
	}
	out[o] = '\0';
}

/* The row's own labels ("k=v,k=v"), but those the family carries otherwise. */
static void row_labels(struct promwriter *w, const char *labels, bool socket, bool keep_source)
{
	const char *p = labels;

	while (p && *p) {
		const char *comma = strchr(p, ','), *e = comma ? comma : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(e - p));

		if (eq) {
			size_t kl = (size_t)(eq - p);
			char key[64];

			label_key(p, kl, key, sizeof(key));
			if (socket && !strcmp(key, "comm"))
				pw_label_n(w, "process", eq + 1, (size_t)(e - eq - 1));
			else if (strcmp(key, "name") && strcmp(key, "inode") && strcmp(key, "pid") &&
				 strcmp(key, "netns_inode") && strcmp(key, "owner") &&
				 (keep_source || strcmp(key, "source")))
				pw_label_n(w, key, eq + 1, (size_t)(e - eq - 1));
		}
		p = comma ? comma + 1 : NULL;
	}
}

static void write_netns(struct exp_render *r, struct promwriter *w, const struct metric *m)
{
	const char *ni = m->labels ? strstr(m->labels, "netns_inode=") : NULL;

	if (ni) {
		char buf[48];
		size_t n = strcspn(ni + 12, ",");

		snprintf(buf, sizeof(buf), "inode:%.*s", (int)(n > 24 ? 24 : n), ni + 12);
		pw_label(w, "netns", buf);
	} else {
		pw_label(w, "netns", exp_ns_label(r, m->ns));
	}
}

static void write_sample(struct exp_render *r, const struct snapshot *s, struct promwriter *w,
			 int fi, const struct exp_route *rt, const struct metric *m, int32_t aux,
			 uint64_t value)
{
	const struct exp_family *f = exp_family((size_t)fi);
	unsigned fl = r->fflags[fi];
	bool socket = fi >= r->f_socket_first && fi <= r->f_socket_last;

	pw_sample_begin(w, f->name);
	if (rt->xf == XF_LINK && aux >= 0 && !(m->labels && strstr(m->labels, "netns_inode="))) {
		const char *t;
		size_t n;

		link_frag(r, s, aux, &t, &n);
		pw_labels_raw(w, t, n);
	} else if (fl & FL_NETNS) {
		if (m->ns < r->nns && !(m->labels && strstr(m->labels, "netns_inode=")))
			pw_labels_raw(w, r->frag.buf + r->ns_off[m->ns], r->ns_len[m->ns]);
		else
			write_netns(r, w, m);
	}
	if (rt->xf == XF_LINK && aux >= 0) {
		/* device and kind are in the fragment */
	} else if (socket) {
		const char *sp = strchr(m->obj, ' ');

		if (sp) {
			pw_label_n(w, "proto", m->obj, (size_t)(sp - m->obj));
			pw_label(w, "address", sp + 1);
		} else {
			pw_label(w, "address", m->obj);
		}
	} else if ((fl & FL_DATAPATH) && !strncmp(m->obj, "ovs:", 4)) {
		pw_label(w, "datapath", m->obj + 4);
	} else if (fl & FL_DEVICE) {
		pw_label(w, "device", m->obj);
	}
	if ((fl & FL_QUEUE) && m->queue >= 0)
		pw_label_int(w, "queue", m->queue);
	if ((fl & FL_CPU) && m->cpu >= 0)
		pw_label_int(w, "cpu", m->cpu);
	if (rt->xkey)
		pw_label(w, rt->xkey, rt->xval);
	if (fi == r->f_drop) {
		pw_label(w, "reason", rt->stat);
		pw_label(w, "layer", layer_name(m->layer));
	} else if (rt->stat) {
		pw_label(w, fi == r->f_knob ? "knob" : "stat", rt->stat);
	}
	if ((fl & FL_LAYER) && fi != r->f_drop)
		pw_label(w, "layer", layer_name(m->layer));
	if (m->labels)
		row_labels(w, m->labels, socket, fi == r->f_unseen);
	if (rt->xf == XF_TICKS)
		pw_value_double(w, (double)value * r->tick);
	else if (rt->xf == XF_PAGES)
		pw_value_u64(w, value * r->page);
	else
		pw_value_u64(w, value);
}

size_t exp_render_rows(struct exp_render *r, const struct snapshot *s,
		       const struct exp_filter *f, size_t max_series, struct promwriter *w,
		       bool *limit_hit)
{
	size_t n = s->nm, written = 0, start = w->samples;
	const struct metric *sock_row = NULL;
	bool sock_ok = false;
	int f_knob = r->f_knob;

	*limit_hit = false;
	if (r->rc_n > (1u << 18)) {
		/* socket labels churn: start the route cache over rather than grow it */
		free(r->rc);
		r->rc = NULL;
		r->rc_cap = r->rc_n = 0;
		for (size_t i = 0; i < r->nchunks; i++)
			free(r->chunks[i]);
		r->nchunks = r->nroutes = 0;
	}
	if (n > r->rows_cap) {
		r->rows_cap = n + n / 4;
		free(r->fam_of);
		free(r->aux);
		free(r->order);
		free(r->rt_of);
		r->rt_of = xmalloc(r->rows_cap * sizeof(*r->rt_of));
		r->fam_of = xmalloc(r->rows_cap * sizeof(*r->fam_of));
		r->aux = xmalloc(r->rows_cap * sizeof(*r->aux));
		r->order = xmalloc(r->rows_cap * sizeof(*r->order));
	}
	if (!r->fstart)
		r->fstart = xmalloc((r->nfam + 1) * sizeof(*r->fstart));
	memset(r->fstart, 0, (r->nfam + 1) * sizeof(*r->fstart));
	links_index(r, s);
	frags_reset(r, s);

	/* route and count */
	for (size_t i = 0; i < n; i++) {
		const struct metric *m = &s->m[i];
		const struct exp_route *rt;
		int fi;

		r->fam_of[i] = -1;
		r->aux[i] = -1;
		if (!passes(r, f, s, m))
			continue;
		rt = route(r, m);
		fi = rt->fam;
		if (fi < 0)
			continue;
		if (m->layer == LAYER_SOCKET && fi != f_knob) {
			/* a socket's rows follow its drops row: export them only if it dropped */
			if (fi == r->f_socket_first) {
				sock_row = m;
				sock_ok = m->value > 0;
			} else if (!sock_row || sock_row->obj != m->obj || sock_row->ns != m->ns) {
				sock_ok = false;
			}
			if (!sock_ok)
				continue;
		}
		if (rt->xf == XF_LINK) {
			int li = link_find(r, s, m->ns, m->obj);

			r->aux[i] = li;
			if (fi >= r->first_link && fi <= r->last_link) {
				uint32_t bit = 1u << (fi - r->first_link);

				/* the device's own counter comes first (link collector); a driver
				 * statistic of the same name is a driver statistic */
				if (li < 0 || (r->link_mask[li] & bit))
					fi = r->f_ethtool;
				else
					r->link_mask[li] |= bit;
			}
		}
		r->fam_of[i] = fi;
		r->rt_of[i] = rt;
		r->fstart[fi + 1]++;
	}
	for (size_t k = 0; k < r->nfam; k++)
		r->fstart[k + 1] += r->fstart[k];
	for (size_t i = 0; i < n; i++)
		if (r->fam_of[i] >= 0)
			r->order[r->fstart[r->fam_of[i]]++] = (uint32_t)i;
	/* fstart[k] is now the end of family k; family k starts at fstart[k-1] */
	for (size_t k = 0; k < r->nfam; k++) {
		size_t b = k ? r->fstart[k - 1] : 0, e = r->fstart[k];
		const struct exp_family *fam = exp_family(k);

		if (b == e)
			continue;
		if (max_series && written >= max_series) {
			*limit_hit = true;
			break;
		}
		pw_family(w, fam->name, fam->type, fam->help);
		for (size_t j = b; j < e; j++) {
			const struct metric *m = &s->m[r->order[j]];
			const struct exp_route *rt = r->rt_of[r->order[j]];
			uint64_t v = m->value;

			if (max_series && written >= max_series) {
				*limit_hit = true;
				break;
			}
			if (rt->xf == XF_SUMCPU) {
				/* one namespace's per-CPU rows are adjacent: sum them */
				while (j + 1 < e && s->m[r->order[j + 1]].ns == m->ns)
					v += s->m[r->order[++j]].value;
			}
			if ((int)k == r->f_ethtool && rt->fam != r->f_ethtool) {
				/* a driver statistic rerouted from a device family */
				struct exp_route alt = *rt;

				alt.fam = r->f_ethtool;
				alt.stat = m->name;
				write_sample(r, s, w, (int)k, &alt, m, r->aux[r->order[j]], v);
			} else {
				write_sample(r, s, w, (int)k, rt, m, r->aux[r->order[j]], v);
			}
			written++;
		}
	}
	(void)start;
	return written;
}
