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
#include "collect.h"
#include "netproc.h"
#include "../model/intern.h"

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
};

static const struct sockstat_map sockstat_rows[] = {
	{ "UDP", "inuse", "udp_inuse", LAYER_UDP, false },
	{ "UDP", "mem", "udp_mem", LAYER_UDP, true },
	{ "UDPLITE", "inuse", "udplite_inuse", LAYER_UDP, false },
	{ "FRAG", "inuse", "frag_inuse", LAYER_IP, false },
	{ "FRAG", "memory", "frag_memory", LAYER_IP, false },
	{ "UDP6", "inuse", "udp6_inuse", LAYER_UDP, false },
	{ "UDPLITE6", "inuse", "udplite6_inuse", LAYER_UDP, false },
	{ "FRAG6", "inuse", "frag6_inuse", LAYER_IP, false },
	{ "FRAG6", "memory", "frag6_memory", LAYER_IP, false },
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
		snap_add_full(c->snap, c->ns, r->layer, MK_GAUGE, 0, "", -1, -1, r->metric, val);
	}
}

static int sockstat_run(struct cctx *c)
{
	struct sockstat_val vals[48];
	const char *buf;
	size_t len;
	int n, r;

	r = cctx_read_proc_one_piece(c, "net/sockstat", &buf, &len);
	if (r)
		return cctx_unavailable(c, r, "cannot read %s/net/sockstat: %s",
					cctx_opts(c)->proc_root, strerror(-r));
	n = sockstat_parse(buf, len, vals, 32);
	/* sockstat6 is absent when IPv6 is disabled: not an error */
	if (!cctx_read_proc_one_piece(c, "net/sockstat6", &buf, &len))
		n += sockstat_parse(buf, len, vals + n, (int)ARRAY_SIZE(vals) - n);
	sockstat_emit(c, vals, n);
	return 0;
}

const struct collector collector_sockstat = { "sockstat", SCOPE_NETNS, sockstat_run, NULL };

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
	uint32_t *vals;
	int rows_cap;
	const char *names[CT_STAT_MAXCOLS]; /* interned metric names of the last header */
};

static void ct_release(void *p)
{
	struct ct_priv *cp = p;

	if (cp->count_fd >= 0)
		close(cp->count_fd);
	if (cp->max_fd >= 0)
		close(cp->max_fd);
	free(cp->vals);
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

static void ct_emit_percpu(struct cctx *c, struct ct_priv *cp, const char *buf, size_t len)
{
	struct ct_stat st = { 0 };
	int lines = 0;

	for (const char *q = buf; (q = memchr(q, '\n', (size_t)(buf + len - q))); q++)
		lines++;
	if (lines + 1 > cp->rows_cap) {
		cp->rows_cap = lines + 1;
		cp->vals = xrealloc(cp->vals, (size_t)cp->rows_cap * CT_STAT_MAXCOLS *
					      sizeof(*cp->vals));
	}
	st.vals = cp->vals;
	st.rows_cap = cp->rows_cap;
	if (ct_stat_parse(buf, len, &st))
		return;
	for (int j = 0; j < st.ncols; j++) {
		const char *nm = ct_stat_metric_name(st.names[j]);

		cp->names[j] = nm ? intern(nm) : NULL;
	}
	ct_possible_cpus(c);
	for (int i = 0; i < st.nrows; i++) {
		int cpu = i < ct_cpus.n ? ct_cpus.ids[i] : i;
		const uint32_t *row = st.vals + (size_t)i * CT_STAT_MAXCOLS;

		for (int j = 0; j < st.ncols; j++) {
			const char *nm = cp->names[j];
			unsigned fl = 0;

			if (!nm)
				continue;
			if (!strcmp(nm, "drop") || !strcmp(nm, "early_drop") ||
			    !strcmp(nm, "insert_failed"))
				fl = MF_DROP;
			/* the kernel keeps these as unsigned int: they wrap at 2^32 */
			snap_add_full(c->snap, c->ns, LAYER_NETFILTER, MK_COUNTER32, fl, "", -1,
				      cpu, nm, row[j]);
		}
	}
}

static int conntrack_run(struct cctx *c)
{
	struct ct_priv **pp = (struct ct_priv **)cctx_priv(c);
	uint64_t count, max = 0;
	const char *buf;
	size_t len;
	int r;

	if (!*pp) {
		*pp = xcalloc(1, sizeof(**pp));
		(*pp)->count_fd = (*pp)->max_fd = -1;
	}
	r = read_u64_small(c, &(*pp)->count_fd, "sys/net/netfilter/nf_conntrack_count", &count);
	if (r) {
		if (!c->host)
			return 0; /* conntrack unused in this namespace: nothing to say */
		if (r == -ENOENT)
			return cctx_unavailable(c, r, "conntrack is not loaded (%s/sys/net/netfilter/"
						"nf_conntrack_count is absent; it appears with the "
						"first rule that uses conntrack)",
						cctx_opts(c)->proc_root);
		return cctx_unavailable(c, r, "cannot read nf_conntrack_count: %s", strerror(-r));
	}
	snap_add_full(c->snap, c->ns, LAYER_NETFILTER, MK_GAUGE, 0, "", -1, -1,
		      "nf_conntrack_count", count);
	/* how full is too full is analyze_conntrack_full()'s to say, not the collector's */
	if (!read_u64_small(c, &(*pp)->max_fd, "sys/net/netfilter/nf_conntrack_max", &max))
		snap_add_full(c->snap, c->ns, LAYER_NETFILTER, MK_GAUGE, 0, "", -1, -1,
			      "nf_conntrack_max", max);
	/* per-CPU statistics, read at every snapshot (nothing cheaper tells that they did
	 * not move: see snmp_run); absent without CONFIG_NF_CONNTRACK_PROCFS, where count
	 * and max still tell the story */
	if (!cctx_read_proc(c, "net/stat/nf_conntrack", &buf, &len))
		ct_emit_percpu(c, *pp, buf, len);
	return 0;
}

const struct collector collector_conntrack = { "conntrack", SCOPE_NETNS, conntrack_run,
					       ct_release };
