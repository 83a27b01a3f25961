/* netproc.c: the sockstat collector (layer udp: UDP sockets in use and UDP memory
 * against net.ipv4.udp_mem; fragment memory, layer ip) and the conntrack collector
 * (layer netfilter: table count and max, per-CPU drop/early_drop/insert_failed/... from
 * /proc/net/stat/nf_conntrack), with their buffer parsers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "collect.h"
#include "netproc.h"
#include "../model/intern.h"
#include "../model/rowcache.h"

/* ---- small text helpers (bounded by end, never by NUL) ---- */

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}


static int dec_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (!n || n > 20)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -ERANGE;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int hex_u32(const char *s, size_t n, uint32_t *v)
{
	uint32_t x = 0;

	if (!n || n > 8)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int d = hexval(s[i]);

		if (d < 0)
			return -EINVAL;
		x = x << 4 | (uint32_t)d;
	}
	*v = x;
	return 0;
}

int netproc_read_small(struct cctx *c, int *fd, const char *rel, char *buf, size_t n)
{
	char path[600];
	ssize_t r;

	if (!n)
		return -EINVAL;
	if (*fd < 0) {
		int e = cctx_enter_ns(c); /* /proc/sys/net shows the opener's namespace */

		if (e)
			return e;
		cctx_path(c, path, sizeof(path), "proc", rel);
		*fd = open(path, O_RDONLY | O_CLOEXEC);
		if (*fd < 0)
			return -errno;
	}
	do
		r = pread(*fd, buf, n - 1, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
	return (int)r;
}

/* ---- sockstat ---- */

int sockstat_parse(const char *buf, size_t len, struct sockstat_val *out, int max)
{
	const char *p = buf, *end = buf + len;
	int n = 0;

	while (p < end && n < max) {
		const char *le = line_end(p, end), *colon, *q, *name, *val;
		size_t klen, nlen, vlen;

		colon = memchr(p, ':', (size_t)(le - p));
		if (!colon)
			goto next;
		q = p;
		while (q < colon && (*q == ' ' || *q == '\t'))
			q++;
		klen = (size_t)(colon - q);
		if (!klen || klen >= sizeof(out->key))
			goto next;
		const char *key = q;

		q = colon + 1;
		while (n < max && (name = buf_tok(&q, le, &nlen)) &&
		       (val = buf_tok(&q, le, &vlen))) {
			uint64_t v;

			if (nlen >= sizeof(out->name) || dec_u64(val, vlen, &v))
				continue;
			memcpy(out[n].key, key, klen);
			out[n].key[klen] = '\0';
			memcpy(out[n].name, name, nlen);
			out[n].name[nlen] = '\0';
			out[n].value = v;
			n++;
		}
next:
		p = le + 1;
	}
	return n;
}

int sockstat_get(const struct sockstat_val *vals, int n, const char *key, const char *name,
		 uint64_t *v)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(vals[i].key, key) && !strcmp(vals[i].name, name)) {
			*v = vals[i].value;
			return 0;
		}
	return -ENOENT;
}

/* Value of the first integer in a sysctl text ("57582\t76773\t115164" -> 57582 with
 * idx 0, 76773 with idx 1). */
static int nth_u64(const char *buf, size_t len, int idx, uint64_t *v)
{
	const char *p = buf, *end = buf + len, *t;
	size_t tl;

	end = line_end(p, end);
	for (int i = 0; (t = buf_tok(&p, end, &tl)); i++)
		if (i == idx)
			return dec_u64(t, tl, v);
	return -ENOENT;
}

struct sockstat_map {
	const char *key, *name, *metric;
	enum dp_layer layer;
	bool global; /* one value for the whole host: emit only in the host namespace */
	unsigned flags;
};

static const struct sockstat_map sockstat_rows[] = {
	{ "UDP", "inuse", "udp_inuse", LAYER_UDP, false, 0 },
	{ "UDP", "mem", "udp_mem", LAYER_UDP, true, MF_WATCH }, /* against net.ipv4.udp_mem */
	{ "UDPLITE", "inuse", "udplite_inuse", LAYER_UDP, false, 0 },
	{ "FRAG", "inuse", "frag_inuse", LAYER_IP, false, 0 },
	{ "FRAG", "memory", "frag_memory", LAYER_IP, false, 0 },
	{ "UDP6", "inuse", "udp6_inuse", LAYER_UDP, false, 0 },
	{ "UDPLITE6", "inuse", "udplite6_inuse", LAYER_UDP, false, 0 },
	{ "FRAG6", "inuse", "frag6_inuse", LAYER_IP, false, 0 },
	{ "FRAG6", "memory", "frag6_memory", LAYER_IP, false, 0 },
};

static void sockstat_emit(struct cctx *c, const struct sockstat_val *v, int n)
{
	for (size_t i = 0; i < ARRAY_SIZE(sockstat_rows); i++) {
		const struct sockstat_map *r = &sockstat_rows[i];
		uint64_t val;

		if (r->global && !c->host)
			continue;
		if (sockstat_get(v, n, r->key, r->name, &val))
			continue;
		/* whether udp_mem is under pressure (net.ipv4.udp_mem, a knob row) is judged
		 * by analyze_udp_mem_pressure(), not here */
		snap_add_full(c->snap, c->ns, r->layer, MK_GAUGE, r->flags, "", -1, -1, r->metric,
			      val);
	}
}

static void sockstat_release(void *p)
{
	rowcache_release(p);
	free(p);
}

static int sockstat_run(struct cctx *c)
{
	struct rowcache **pp = (struct rowcache **)cctx_priv(c);
	struct sockstat_val vals[48];
	const char *buf;
	size_t len, before;
	int n, r;

	if (!*pp)
		*pp = xcalloc(1, sizeof(**pp));
	memset(vals, 0, sizeof(vals)); /* compared as bytes below */

	r = cctx_read_proc_one_piece(c, "net/sockstat", &buf, &len);
	if (r)
		return cctx_unavailable(c, r, "cannot read %s/net/sockstat: %s",
					cctx_opts(c)->proc_root, strerror(-r));
	n = sockstat_parse(buf, len, vals, 32);
	/* sockstat6 is absent when IPv6 is disabled: not an error */
	if (!cctx_read_proc_one_piece(c, "net/sockstat6", &buf, &len))
		n += sockstat_parse(buf, len, vals + n, (int)ARRAY_SIZE(vals) - n);
	/* the same values as last time: the same rows (and no lookup of each by name) */
	if (rowcache_replay(*pp, c->snap, c->ns, vals, (size_t)n * sizeof(vals[0])))
		return 0;
	before = c->snap->nm;
	sockstat_emit(c, vals, n);
	rowcache_keep(*pp, c->snap, before, vals, (size_t)n * sizeof(vals[0]));
	return 0;
}

const struct collector collector_sockstat = { "sockstat", SCOPE_NETNS, sockstat_run,
					      sockstat_release };

/* ---- conntrack ---- */

int ct_stat_parse(const char *buf, size_t len, struct ct_stat *st)
{
	const char *p = buf, *end = buf + len;
	bool have_header = false;

	st->ncols = 0;
	st->nrows = 0;
	while (p < end) {
		const char *le = line_end(p, end), *q = p, *t;
		size_t tl;
		int col = 0;

		if (!have_header) {
			bool any_nonhex = false;

			while ((t = buf_tok(&q, le, &tl)) && col < CT_STAT_MAXCOLS) {
				size_t cl = tl < sizeof(st->names[0]) ? tl : sizeof(st->names[0]) - 1;

				for (size_t i = 0; i < tl; i++)
					if (hexval(t[i]) < 0)
						any_nonhex = true;
				memcpy(st->names[col], t, cl);
				st->names[col][cl] = '\0';
				col++;
			}
			if (col && !any_nonhex)
				return -EINVAL; /* first line is data: no header */
			if (col) {
				st->ncols = col;
				have_header = true;
			}
		} else if (st->nrows < st->rows_cap && st->vals) {
			uint32_t *row = st->vals + (size_t)st->nrows * CT_STAT_MAXCOLS;
			bool bad = false;

			while ((t = buf_tok(&q, le, &tl))) {
				if (col >= st->ncols || hex_u32(t, tl, &row[col])) {
					bad = true;
					break;
				}
				col++;
			}
			if (!bad && col == st->ncols)
				st->nrows++;
		}
		p = le + 1;
	}
	return have_header ? 0 : -EINVAL;
}

static const char *const ct_renames[][2] = {
	{ "clashres", "clash_resolve" },
	{ "chainlength", "chaintoolong" }, /* the kernel prints st->chaintoolong there */
	{ "icmp_error", "error" },
};

const char *ct_stat_metric_name(const char *col)
{
	if (!*col || !strcmp(col, "entries"))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(ct_renames); i++)
		if (!strcmp(col, ct_renames[i][0]))
			return ct_renames[i][1];
	return col;
}

/* Possible CPUs are the same in every namespace: read once per sys_root. */
static struct {
	char root[256];
	int ids[4096];
	int n; /* -1: unknown, rows map to 0..n-1 */
} ct_cpus = { .n = -2 };

static void ct_possible_cpus(struct cctx *c)
{
	const char *root = cctx_opts(c)->sys_root;
	char path[512];
	struct strbuf sb;

	if (ct_cpus.n != -2 && !strcmp(ct_cpus.root, root))
		return;
	snprintf(ct_cpus.root, sizeof(ct_cpus.root), "%s", root);
	cctx_path(c, path, sizeof(path), "sys", "devices/system/cpu/possible");
	sb_init(&sb);
	if (!read_file_sb(path, &sb, 65536))
		ct_cpus.n = cpulist_parse(sb.buf, sb.len, ct_cpus.ids, (int)ARRAY_SIZE(ct_cpus.ids));
	else
		ct_cpus.n = -1;
	if (ct_cpus.n <= 0)
		ct_cpus.n = -1;
	sb_release(&sb);
}

struct ct_priv {
	int count_fd, max_fd;
	int max_mirror;   /* -1 not known yet; 1: this namespace's nf_conntrack_max is the
			   * host's value shown read-only (Linux keeps one for the host) */
	uint32_t *vals;
	int rows_cap;
	struct ct_stat st;
	const char *names[CT_STAT_MAXCOLS]; /* interned metric names of the last header */
	char hdr[CT_STAT_MAXCOLS][24];       /* ...and that header's names, as printed */
	int hdr_ncols;
	unsigned hdr_gen;                    /* intern_gen when names were interned */
	struct rowcache rows;                /* the per-CPU rows of the text st holds */
};

/* The longest line of net/stat/nf_conntrack: 17 columns of 9 bytes today (the header
 * is as long); room for twice as many. */
#define CT_STAT_MAX_LINE 512

static void ct_release(void *p)
{
	struct ct_priv *cp = p;

	if (cp->count_fd >= 0)
		close(cp->count_fd);
	if (cp->max_fd >= 0)
		close(cp->max_fd);
	free(cp->vals);
	rowcache_release(&cp->rows);
	free(cp);
}

static int read_u64_small(struct cctx *c, int *fd, const char *rel, uint64_t *v)
{
	char buf[64];
	int r = netproc_read_small(c, fd, rel, buf, sizeof(buf));

	if (r < 0)
		return r;
	return nth_u64(buf, (size_t)r, 0, v);
}

/* Parse the per-CPU table into cp->st; 0, or -EINVAL. */
static int ct_parse_percpu(struct ct_priv *cp, const char *buf, size_t len)
{
	int lines = 0;

	for (const char *q = buf; (q = memchr(q, '\n', (size_t)(buf + len - q))); q++)
		lines++;
	if (lines + 1 > cp->rows_cap) {
		cp->rows_cap = lines + 1;
		cp->vals = xrealloc(cp->vals, (size_t)cp->rows_cap * CT_STAT_MAXCOLS *
					      sizeof(*cp->vals));
	}
	memset(&cp->st, 0, sizeof(cp->st));
	cp->st.vals = cp->vals;
	cp->st.rows_cap = cp->rows_cap;
	if (ct_stat_parse(buf, len, &cp->st))
		return -EINVAL;
	/* the header is the same at every read: its names are interned once */
	if (cp->hdr_gen == intern_gen && cp->hdr_ncols == cp->st.ncols &&
	    !memcmp(cp->hdr, cp->st.names, (size_t)cp->st.ncols * sizeof(cp->hdr[0])))
		return 0;
	cp->hdr_gen = intern_gen;
	cp->hdr_ncols = cp->st.ncols;
	memcpy(cp->hdr, cp->st.names, (size_t)cp->st.ncols * sizeof(cp->hdr[0]));
	for (int j = 0; j < cp->st.ncols; j++) {
		const char *nm = ct_stat_metric_name(cp->st.names[j]);

		cp->names[j] = nm ? intern(nm) : NULL;
	}
	return 0;
}

/* The table size from the per-CPU table: its "entries" column is nf_conntrack_count(net),
 * printed on every row, what the nf_conntrack_count sysctl shows too. */
static int ct_entries(const struct ct_priv *cp, uint64_t *count)
{
	if (cp->st.nrows < 1)
		return -ENOENT;
	for (int j = 0; j < cp->st.ncols; j++)
		if (!strcmp(cp->st.names[j], "entries")) {
			*count = cp->vals[j];
			return 0;
		}
	return -ENOENT;
}

static void ct_emit_percpu(struct cctx *c, struct ct_priv *cp)
{
	const struct ct_stat *st = &cp->st;
	const char *drop = intern("drop"), *early = intern("early_drop"),
		   *failed = intern("insert_failed");

	ct_possible_cpus(c);
	for (int i = 0; i < st->nrows; i++) {
		int cpu = i < ct_cpus.n ? ct_cpus.ids[i] : i;
		const uint32_t *row = st->vals + (size_t)i * CT_STAT_MAXCOLS;

		for (int j = 0; j < st->ncols; j++) {
			const char *nm = cp->names[j];
			unsigned fl = 0;

			if (!nm)
				continue;
			if (nm == drop || nm == early || nm == failed)
				fl = MF_DROP;
			/* the kernel keeps these as unsigned int: they wrap at 2^32 */
			snap_add_interned(c->snap, c->ns, LAYER_NETFILTER, MK_COUNTER32, fl,
					  intern_empty(), -1, cpu, nm, row[j]);
		}
	}
}

/* nf_conntrack_max is one value for the whole host (Linux shows it in every namespace,
 * writable only in the initial one): read once per snapshot, not once per namespace. */
static struct {
	const struct snapshot *snap;
	double t;
	uint64_t max;
} ct_max_seen;

static int ct_read_max(struct cctx *c, struct ct_priv *cp, uint64_t *max)
{
	const char *rel = "sys/net/netfilter/nf_conntrack_max";
	bool first = cp->max_fd < 0;
	int r;

	if (cp->max_mirror == 1 && ct_max_seen.snap == c->snap &&
	    ct_max_seen.t == c->snap->t_mono) {
		*max = ct_max_seen.max;
		return 0;
	}
	r = read_u64_small(c, &cp->max_fd, rel, max);
	if (first && cp->max_fd >= 0) {
		struct stat st;

		cp->max_mirror = !c->host && !fstat(cp->max_fd, &st) && !(st.st_mode & 0222);
	}
	if (!r && (c->host || cp->max_mirror == 1)) {
		ct_max_seen.snap = c->snap;
		ct_max_seen.t = c->snap->t_mono;
		ct_max_seen.max = *max;
	}
	return r;
}

static int conntrack_run(struct cctx *c)
{
	struct ct_priv **pp = (struct ct_priv **)cctx_priv(c), *cp;
	uint64_t count, max = 0;
	const char *buf;
	size_t len;
	bool percpu;
	int r;

	if (!*pp) {
		*pp = xcalloc(1, sizeof(**pp));
		(*pp)->count_fd = (*pp)->max_fd = (*pp)->max_mirror = -1;
	}
	cp = *pp;
	/* per-CPU statistics, read at every snapshot (nothing cheaper tells that they did
	 * not move: see snmp_run); absent without CONFIG_NF_CONNTRACK_PROCFS, where count
	 * and max still tell the story */
	percpu = !cctx_read_proc_records(c, "net/stat/nf_conntrack", CT_STAT_MAX_LINE, &buf,
					 &len);
	if (percpu && !rowcache_same(&cp->rows, buf, len)) {
		/* new text (else st still holds its parse, and rows its rows): parse, and keep
		 * the rows, which are added below after count and max as they always were */
		size_t before = c->snap->nm;

		rowcache_forget(&cp->rows);
		percpu = !ct_parse_percpu(cp, buf, len);
		if (percpu) {
			ct_emit_percpu(c, cp);
			rowcache_keep(&cp->rows, c->snap, before, buf, len);
			snap_truncate(c->snap, before);
		}
	}
	/* Live, the table size is the per-CPU table's entries column (one read less per
	 * namespace); recorded files are read as they are (they need not agree). */
	if (!percpu || cctx_opts(c)->recorded || ct_entries(cp, &count)) {
		r = read_u64_small(c, &cp->count_fd, "sys/net/netfilter/nf_conntrack_count",
				   &count);
		if (r) {
			if (!c->host)
				return 0; /* conntrack unused in this namespace: nothing to say */
			if (r == -ENOENT)
				return cctx_unavailable(c, r, "conntrack is not loaded (%s/sys/net/"
							"netfilter/nf_conntrack_count is absent; it "
							"appears with the first rule that uses "
							"conntrack)", cctx_opts(c)->proc_root);
			return cctx_unavailable(c, r, "cannot read nf_conntrack_count: %s",
						strerror(-r));
		}
	}
	/* judged against nf_conntrack_max (analyze_row_abnormal) */
	snap_add_full(c->snap, c->ns, LAYER_NETFILTER, MK_GAUGE, MF_WATCH, "", -1, -1,
		      "nf_conntrack_count", count);
	/* how full is too full is analyze_conntrack_full()'s to say, not the collector's */
	if (!ct_read_max(c, cp, &max))
		snap_add_full(c->snap, c->ns, LAYER_NETFILTER, MK_GAUGE, 0, "", -1, -1,
			      "nf_conntrack_max", max);
	if (percpu)
		rowcache_put(&cp->rows, c->snap, c->ns);
	return 0;
}

const struct collector collector_conntrack = { "conntrack", SCOPE_NETNS, conntrack_run,
					       ct_release };
