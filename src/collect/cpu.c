/* cpu.c: the per-CPU collectors of the irq, softirq and backlog layers: softnet_stat
 * per real CPU id, NET_RX/NET_TX softirqs, softirq/steal ticks from /proc/stat, and
 * /proc/interrupts mapped to the device queues each IRQ serves (with its affinity).
 * Parsers walk the buffer with pointers and never allocate per line; the collectors
 * only read files (cached fds) and call them. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "collect.h"
#include "cpu.h"
#include "../model/intern.h"

#define CPU_ID_MAX (1 << 22)   /* larger ids are taken as garbage */
#define IRQ_NR_MAX (1u << 30)
#define QUEUE_MAX (1 << 20)

/* ---- bounded token walking ---------------------------------------------------------- */

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Next line of [*p, end): sets [*ls, *le) without the newline; false at the end. */
static bool next_line(const char **p, const char *end, const char **ls, const char **le)
{
	const char *nl;

	if (*p >= end)
		return false;
	*ls = *p;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	*le = nl ? nl : end;
	*p = nl ? nl + 1 : end;
	return true;
}

/* Next blank-separated token of [*p, le): sets [*ts, *te); false when none is left. */
static bool next_tok(const char **p, const char *le, const char **ts, const char **te)
{
	const char *q = *p;

	while (q < le && is_blank(*q))
		q++;
	if (q >= le) {
		*p = le;
		return false;
	}
	*ts = q;
	while (q < le && !is_blank(*q))
		q++;
	*te = q;
	*p = q;
	return true;
}

static bool parse_dec(const char *s, const char *e, uint64_t *v)
{
	uint64_t x = 0;

	if (s >= e)
		return false;
	for (; s < e; s++) {
		unsigned d = (unsigned char)*s - '0';

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

static bool parse_hex(const char *s, const char *e, uint64_t *v)
{
	uint64_t x = 0;

	if (s >= e || e - s > 16)
		return false;
	for (; s < e; s++) {
		int c = (unsigned char)*s, d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return true;
}

/* "CPU12" -> 12; -1 if the token is not a CPU column title. */
static int cpu_title(const char *s, const char *e)
{
	uint64_t v;

	if (e - s < 4 || memcmp(s, "CPU", 3) || !parse_dec(s + 3, e, &v) || v >= CPU_ID_MAX)
		return -1;
	return (int)v;
}

/* ---- CPU lists ----------------------------------------------------------------------- */

int cpulist_nth(const char *list, size_t len, unsigned n)
{
	const char *p = list, *end = list + len;
	uint64_t seen = 0;

	if (!list)
		return -EINVAL;
	while (p < end && *p && *p != '\n') {
		const char *s = p;
		uint64_t a, b;

		while (p < end && isdigit((unsigned char)*p))
			p++;
		if (!parse_dec(s, p, &a) || a >= CPU_ID_MAX)
			return -EINVAL;
		b = a;
		if (p < end && *p == '-') {
			s = ++p;
			while (p < end && isdigit((unsigned char)*p))
				p++;
			if (!parse_dec(s, p, &b) || b >= CPU_ID_MAX || b < a)
				return -EINVAL;
		}
		if (n - seen <= b - a)
			return (int)(a + (n - seen));
		seen += b - a + 1;
		if (p < end && *p == ',')
			p++;
		else if (p < end && *p && *p != '\n')
			return -EINVAL;
	}
	return seen ? -ENOENT : -EINVAL;
}

/* ---- /proc/net/softnet_stat ---------------------------------------------------------- */

#define SOFTNET_COLS 16

int softnet_parse(const char *buf, size_t len, const char *online, struct snapshot *s,
		  uint32_t ns)
{
	static const struct {
		unsigned col; /* 1-based */
		const char *name;
		enum metric_kind kind;
		unsigned flags;
	} cols[] = {
		{ 1, "processed", MK_COUNTER32, 0 },
		{ 2, "dropped", MK_COUNTER32, MF_DROP },
		{ 3, "time_squeeze", MK_COUNTER32, 0 },
		{ 10, "received_rps", MK_COUNTER32, 0 },
		{ 11, "flow_limit_count", MK_COUNTER32, MF_DROP },
		{ 12, "backlog_len", MK_GAUGE, 0 },
		{ 14, "input_qlen", MK_GAUGE, 0 },
		{ 15, "process_qlen", MK_GAUGE, 0 },
	};
	const char *p = buf, *end = buf + len, *ls, *le;
	unsigned row = 0;
	int added = 0;

	while (next_line(&p, end, &ls, &le)) {
		uint64_t v[SOFTNET_COLS];
		const char *q = ls, *ts, *te;
		unsigned nc = 0;
		bool bad = false;
		int cpu;

		const char *first = q;

		if (!next_tok(&first, le, &ts, &te))
			continue; /* empty line: not a CPU row */
		while (next_tok(&q, le, &ts, &te)) {
			if (nc == SOFTNET_COLS || !parse_hex(ts, te, &v[nc])) {
				bad = nc < SOFTNET_COLS; /* more columns than we know: ignore them */
				break;
			}
			nc++;
		}
		row++;
		if (bad || nc < 3)
			continue;
		if (nc >= 13) {
			if (v[12] >= CPU_ID_MAX)
				continue;
			cpu = (int)v[12];
		} else if (online) {
			cpu = cpulist_nth(online, strlen(online), row - 1);
			if (cpu < 0)
				continue; /* CPU set changed under us: the next sample is right */
		} else {
			cpu = (int)(row - 1);
		}
		for (size_t i = 0; i < ARRAY_SIZE(cols); i++) {
			if (cols[i].col > nc)
				break;
			snap_add_full(s, ns, LAYER_BACKLOG, cols[i].kind, cols[i].flags, NULL, -1, cpu,
				      cols[i].name, v[cols[i].col - 1]);
			added++;
		}
	}
	return row ? added : -EINVAL;
}

/* ---- per-CPU tables with a CPUn header (/proc/softirqs, /proc/interrupts) ------------- */

/* Find the header line (the first line whose first token is CPUn). */
static bool find_header(const char **p, const char *end, const char **hs, const char **he)
{
	const char *ls, *le, *q, *ts, *te;

	while (next_line(p, end, &ls, &le)) {
		q = ls;
		if (next_tok(&q, le, &ts, &te) && cpu_title(ts, te) >= 0) {
			*hs = ls;
			*he = le;
			return true;
		}
	}
	return false;
}

int softirqs_parse(const char *buf, size_t len, struct snapshot *s, uint32_t ns)
{
	const char *p = buf, *end = buf + len, *hs, *he, *ls, *le;
	int added = 0;

	if (!find_header(&p, end, &hs, &he))
		return -EINVAL;
	while (next_line(&p, end, &ls, &le)) {
		const char *q = ls, *h = hs, *ts, *te, *cs, *ce, *name;

		if (!next_tok(&q, le, &ts, &te))
			continue;
		if (te - ts == 7 && !memcmp(ts, "NET_RX:", 7))
			name = "net_rx";
		else if (te - ts == 7 && !memcmp(ts, "NET_TX:", 7))
			name = "net_tx";
		else
			continue;
		while (next_tok(&q, le, &ts, &te) && next_tok(&h, he, &cs, &ce)) {
			uint64_t v;
			int cpu = cpu_title(cs, ce);

			if (!parse_dec(ts, te, &v))
				break;
			if (cpu < 0)
				continue;
			snap_add_full(s, ns, LAYER_SOFTIRQ, MK_COUNTER, 0, NULL, -1, cpu, name, v);
			added++;
		}
	}
	return added;
}

/* ---- /proc/stat --------------------------------------------------------------------- */

int cpustat_parse(const char *buf, size_t len, struct snapshot *s, uint32_t ns)
{
	const char *p = buf, *end = buf + len, *ls, *le;
	int added = 0, lines = 0;

	while (next_line(&p, end, &ls, &le)) {
		const char *q = ls, *ts, *te;
		uint64_t f[8] = { 0 }, id, total = 0;
		unsigned nf = 0;
		bool bad = false;

		if (!next_tok(&q, le, &ts, &te) || te - ts < 4 || memcmp(ts, "cpu", 3))
			continue;
		if (!parse_dec(ts + 3, te, &id) || id >= CPU_ID_MAX)
			continue; /* the "cpu" total line, or garbage */
		lines++;
		while (nf < 8 && next_tok(&q, le, &ts, &te)) {
			if (!parse_dec(ts, te, &f[nf])) {
				bad = true;
				break;
			}
			nf++;
		}
		if (bad || nf < 4)
			continue;
		for (unsigned i = 0; i < nf; i++)
			total += f[i];
		/* fields (1-based): user nice system idle iowait irq softirq steal */
		snap_add_full(s, ns, LAYER_SOFTIRQ, MK_COUNTER, 0, NULL, -1, (int32_t)id,
			      "idle_ticks", f[3]);
		snap_add_full(s, ns, LAYER_SOFTIRQ, MK_COUNTER, 0, NULL, -1, (int32_t)id,
			      "total_ticks", total);
		added += 2;
		if (nf >= 6) {
			snap_add_full(s, ns, LAYER_SOFTIRQ, MK_COUNTER, 0, NULL, -1, (int32_t)id,
				      "irq_ticks", f[5]);
			added++;
		}
		if (nf >= 7) {
			snap_add_full(s, ns, LAYER_SOFTIRQ, MK_COUNTER, 0, NULL, -1, (int32_t)id,
				      "softirq_ticks", f[6]);
			added++;
		}
		if (nf >= 8) {
			snap_add_full(s, ns, LAYER_SOFTIRQ, MK_COUNTER, 0, NULL, -1, (int32_t)id,
				      "steal_ticks", f[7]);
			added++;
		}
	}
	return lines ? added : -EINVAL;
}

/* ---- IRQ map ------------------------------------------------------------------------ */

void irqmap_init(struct irqmap *m)
{
	memset(m, 0, sizeof(*m));
}

void irqmap_clear(struct irqmap *m)
{
	m->ndev = m->nmsi = 0;
}

void irqmap_release(struct irqmap *m)
{
	free(m->dev);
	free(m->msi);
	free(m->hit);
	free(m->slot);
	free(m->cpu);
	free(m->val);
	irqmap_init(m);
}

int irqmap_add_dev(struct irqmap *m, const char *name, const char *bus)
{
	struct irqmap_dev *d;

	grow_array((void **)&m->dev, &m->dev_cap, m->ndev + 1, sizeof(*m->dev));
	d = &m->dev[m->ndev];
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->bus, sizeof(d->bus), "%s", bus ? bus : "");
	return (int)m->ndev++;
}

void irqmap_add_msi(struct irqmap *m, unsigned irq, int dev)
{
	grow_array((void **)&m->msi, &m->msi_cap, m->nmsi + 1, sizeof(*m->msi));
	m->msi[m->nmsi++] = (struct irqmap_msi){ .irq = irq, .dev = dev };
}

static int msi_cmp(const void *a, const void *b)
{
	const struct irqmap_msi *x = a, *y = b;

	return x->irq < y->irq ? -1 : x->irq > y->irq;
}

void irqmap_sort(struct irqmap *m)
{
	if (m->nmsi)
		qsort(m->msi, m->nmsi, sizeof(*m->msi), msi_cmp);
}

static int msi_lookup(const struct irqmap *m, unsigned irq)
{
	size_t lo = 0, hi = m->nmsi;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->msi[mid].irq == irq)
			return m->msi[mid].dev;
		if (m->msi[mid].irq < irq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int dev_by_bus(const struct irqmap *m, const char *s, size_t n)
{
	for (size_t i = 0; i < m->ndev; i++)
		if (strlen(m->dev[i].bus) == n && n && !memcmp(m->dev[i].bus, s, n))
			return (int)i;
	return -1;
}

const char *irq_role_name(enum irq_role role, const char *base, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s", role == IRQ_ROLE_TX ? "tx_" : role == IRQ_ROLE_MISC ? "misc_" : "",
		 base);
	return buf;
}

/* ---- IRQ name classification --------------------------------------------------------- */

static bool mem_icase(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);

	for (size_t i = 0; i + k <= n; i++)
		if (!strncasecmp(s + i, w, k))
			return true;
	return false;
}

static bool word_icase(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !strncasecmp(s, w, n);
}

static void set_obj(struct irq_class *out, const char *s, size_t n)
{
	if (n >= sizeof(out->obj))
		n = sizeof(out->obj) - 1;
	memcpy(out->obj, s, n);
	out->obj[n] = '\0';
	/* embedded NULs would truncate; keep what precedes them */
}

/* Role and queue from what an IRQ name says after the device name, e.g. "-TxRx-3",
 * "-rx-2", "-input.0", "_comp3", "-config", "-0". */
static void role_queue(const char *r, size_t n, struct irq_class *out)
{
	size_t i = n, digits;
	bool rx, tx, num_only = true;
	uint64_t q;

	while (i > 0 && isdigit((unsigned char)r[i - 1]))
		i--;
	digits = n - i;
	for (size_t k = 0; k < i; k++)
		if (!strchr("-._:", r[k]))
			num_only = false;
	rx = mem_icase(r, i, "rx") || mem_icase(r, i, "comp") || mem_icase(r, i, "input") ||
	     mem_icase(r, i, "fp");
	tx = mem_icase(r, i, "tx") || mem_icase(r, i, "output");
	out->queue = -1;
	if (digits && digits <= 7 && parse_dec(r + i, r + n, &q) && q < QUEUE_MAX &&
	    (rx || tx || (num_only && i > 0)))
		out->queue = (int32_t)q;
	if (rx)
		out->role = IRQ_ROLE_QUEUE;
	else if (tx)
		out->role = IRQ_ROLE_TX;
	else
		out->role = out->queue >= 0 ? IRQ_ROLE_QUEUE : IRQ_ROLE_MISC;
}

static bool ifname_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '.' || ch == '-' || ch == '@';
}

/* Name of the form [driver-]DEV-(TxRx|rx|tx|...)-N without any known device. */
static bool generic_pattern(const char *tok, size_t n, struct irq_class *out)
{
	static const char *const drv[] = { "i40e", "ice", "iavf", "i40evf", "idpf", "fm10k",
					   "igc", "ixgbevf", "ena" };
	static const char *const dir[] = { "txrx", "rxtx", "rx", "tx", "fp", "comb" };
	const char *e = tok + n, *d1, *d0, *dev = tok;
	uint64_t q;
	size_t dl;
	int k;

	/* last segment: the queue number */
	d1 = e;
	while (d1 > tok && d1[-1] != '-')
		d1--;
	if (d1 == tok || d1 == e || e - d1 > 7 || !parse_dec(d1, e, &q) || q >= QUEUE_MAX)
		return false;
	/* the segment before: a direction word */
	d0 = d1 - 1;
	while (d0 > tok && d0[-1] != '-')
		d0--;
	if (d0 == tok)
		return false;
	for (k = 0; k < (int)ARRAY_SIZE(dir); k++)
		if (word_icase(d0, (size_t)(d1 - 1 - d0), dir[k]))
			break;
	if (k == (int)ARRAY_SIZE(dir))
		return false;
	dl = (size_t)(d0 - 1 - tok);
	for (size_t i = 0; i < ARRAY_SIZE(drv); i++) {
		size_t l = strlen(drv[i]);

		if (dl > l + 1 && !strncmp(tok, drv[i], l) && tok[l] == '-') {
			dev = tok + l + 1;
			dl -= l + 1;
			break;
		}
	}
	if (!dl || dl >= 16)
		return false;
	for (size_t i = 0; i < dl; i++)
		if (!ifname_char(dev[i]))
			return false;
	set_obj(out, dev, dl);
	out->queue = (int32_t)q;
	out->role = (k == 3) ? IRQ_ROLE_TX : IRQ_ROLE_QUEUE;
	return true;
}

/* Longest known device name inside tok at non-alphanumeric boundaries; -1 if none. */
static int dev_in_name(const struct irqmap *m, const char *tok, size_t n, size_t *after)
{
	int best = -1;
	size_t bestlen = 0;

	for (size_t i = 0; i < m->ndev; i++) {
		const char *name = m->dev[i].name;
		size_t l = strlen(name);

		if (!l || l > n || l <= bestlen)
			continue;
		for (size_t at = 0; at + l <= n; at++) {
			if (memcmp(tok + at, name, l))
				continue;
			if ((at && isalnum((unsigned char)tok[at - 1])) ||
			    (at + l < n && isalnum((unsigned char)tok[at + l])))
				continue;
			best = (int)i;
			bestlen = l;
			*after = at + l;
			break;
		}
	}
	return best;
}

bool irq_classify(const struct irqmap *m, unsigned irq, const char *tok, size_t n,
		  struct irq_class *out)
{
	const char *at = memchr(tok, '@', n);
	size_t head = at ? (size_t)(at - tok) : n, vd = 0, after = 0;
	int dev = msi_lookup(m, irq), d;

	memset(out, 0, sizeof(*out));
	out->queue = -1;
	if (!n || n >= 128)
		return false;

	/* virtio_net: virtioN-input.Q / virtioN-output.Q, device found by its bus name */
	if (n > 7 && !memcmp(tok, "virtio", 6)) {
		vd = 6;
		while (vd < n && isdigit((unsigned char)tok[vd]))
			vd++;
		if (vd > 6 && vd < n && tok[vd] == '-') {
			const char *r = tok + vd + 1;
			size_t rl = n - vd - 1;
			uint64_t q;
			int out_dir = rl > 7 && !memcmp(r, "output.", 7);

			if (((rl > 6 && !memcmp(r, "input.", 6)) || out_dir) &&
			    parse_dec(r + (out_dir ? 7 : 6), tok + n, &q) && q < QUEUE_MAX) {
				d = dev >= 0 ? dev : dev_by_bus(m, tok, vd);
				if (d >= 0)
					snprintf(out->obj, sizeof(out->obj), "%s", m->dev[d].name);
				else
					set_obj(out, tok, vd);
				out->queue = (int32_t)q;
				out->role = out_dir ? IRQ_ROLE_TX : IRQ_ROLE_QUEUE;
				return true;
			}
		} else {
			vd = 0;
		}
	}

	/* NAME@pci:ADDR (mlx5_comp3@pci:0000:3b:00.0, mlx5_async0@pci:...) */
	if (at) {
		const char *a = at + 1;
		size_t al = n - head - 1;

		if (al > 4 && !memcmp(a, "pci:", 4)) {
			a += 4;
			al -= 4;
		}
		d = dev >= 0 ? dev : dev_by_bus(m, a, al);
		if (d >= 0 || (head > 5 && !memcmp(tok, "mlx5_", 5) && al)) {
			if (d >= 0)
				snprintf(out->obj, sizeof(out->obj), "%s", m->dev[d].name);
			else
				set_obj(out, a, al);
			role_queue(tok, head, out);
			return true;
		}
	}

	/* a known device's name inside the IRQ name (eth0-TxRx-3, i40e-eth0-TxRx-3, eth0) */
	d = dev_in_name(m, tok, head, &after);
	if (d >= 0 && (dev < 0 || d == dev)) {
		snprintf(out->obj, sizeof(out->obj), "%s", m->dev[d].name);
		role_queue(tok + after, head - after, out);
		return true;
	}

	/* listed in the device's msi_irqs: its vector, whatever the driver called it */
	if (dev >= 0) {
		snprintf(out->obj, sizeof(out->obj), "%s", m->dev[dev].name);
		role_queue(tok + vd, head - vd, out);
		return true;
	}

	return generic_pattern(tok, head, out);
}

/* ---- /proc/interrupts --------------------------------------------------------------- */

static size_t hit_hash(const char *obj, int32_t queue, enum irq_role role)
{
	uint64_t h = (uintptr_t)obj * 0x9E3779B97F4A7C15ull;

	h ^= ((uint64_t)(uint32_t)queue << 8 | (uint64_t)role) * 0xC2B2AE3D27D4EB4Full;
	return (size_t)(h ^ (h >> 31));
}

/* Index of an earlier hit with the same key, or (size_t)-1 after inserting hit i. */
static size_t hit_dedup(struct irqmap *m, size_t i)
{
	struct irqmap_hit *h = &m->hit[i];
	size_t j = hit_hash(h->obj, h->queue, h->role) & (m->nslot - 1);

	while (m->slot[j] != (size_t)-1) {
		struct irqmap_hit *o = &m->hit[m->slot[j]];

		if (o->obj == h->obj && o->queue == h->queue && o->role == h->role)
			return m->slot[j];
		j = (j + 1) & (m->nslot - 1);
	}
	m->slot[j] = i;
	return (size_t)-1;
}

static void hits_reset(struct irqmap *m, size_t lines)
{
	size_t want = 16;

	while (want < lines * 2)
		want <<= 1;
	if (want > m->nslot) {
		free(m->slot);
		m->slot = xmalloc(want * sizeof(*m->slot));
		m->nslot = want;
	}
	memset(m->slot, 0xff, m->nslot * sizeof(*m->slot));
	m->nhit = 0;
}

static bool all_digits(const char *s, const char *e)
{
	if (s >= e)
		return false;
	for (; s < e; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Previous blank-separated token before *p (not before ls); false when none. */
static bool prev_tok(const char *ls, const char **p, const char **ts, const char **te)
{
	const char *q = *p;

	while (q > ls && is_blank(q[-1]))
		q--;
	if (q <= ls)
		return false;
	*te = q;
	while (q > ls && !is_blank(q[-1]))
		q--;
	*ts = q;
	*p = q;
	return true;
}

/* Classify the action name of one line: tokens from the end back to the counts. */
static bool line_class(const struct irqmap *m, unsigned irq, const char *q, const char *le,
		       struct irq_class *cl, char *lab, size_t labn)
{
	const char *x = le, *ts, *te;

	for (int i = 0; i < 16 && prev_tok(q, &x, &ts, &te) && !all_digits(ts, te); i++) {
		const char *b = te;
		size_t o, nl;

		while (b > ts && b[-1] == ',')
			b--;
		if (!irq_classify(m, irq, ts, (size_t)(b - ts), cl))
			continue;
		nl = (size_t)(b - ts);
		o = (size_t)snprintf(lab, labn, "irq=%u,name=", irq);
		for (size_t k = 0; k < nl && o + 1 < labn; k++)
			lab[o++] = (ts[k] == ',' || ts[k] == '=' || !ts[k]) ? '_' : ts[k];
		lab[o] = '\0';
		return true;
	}
	return false;
}

int interrupts_parse(const char *buf, size_t len, struct irqmap *m, struct snapshot *s,
		     uint32_t ns)
{
	const char *p = buf, *end = buf + len, *hs, *he, *ls, *le, *ts, *te;
	size_t lines = 0, ncpu = 0;

	m->nhit = 0;
	if (!find_header(&p, end, &hs, &he))
		return -EINVAL;
	for (const char *h = hs; next_tok(&h, he, &ts, &te); ncpu++) {
		if (ncpu == m->col_cap) {
			m->col_cap = m->col_cap ? m->col_cap * 2 : 64;
			m->cpu = xrealloc(m->cpu, m->col_cap * sizeof(*m->cpu));
			m->val = xrealloc(m->val, m->col_cap * sizeof(*m->val));
		}
		m->cpu[ncpu] = cpu_title(ts, te);
	}
	for (const char *c = p; c < end; c++)
		lines += *c == '\n';
	hits_reset(m, lines + 1);

	while (next_line(&p, end, &ls, &le)) {
		const char *q = ls;
		struct irq_class cl;
		struct irqmap_hit *hit;
		char lab[200], mname[64];
		uint64_t irq;
		size_t dup, ncols = 0;

		if (!next_tok(&q, le, &ts, &te) || te - ts < 2 || te[-1] != ':' ||
		    !parse_dec(ts, te - 1, &irq) || irq >= IRQ_NR_MAX)
			continue; /* NMI, LOC, ERR, ... or garbage */
		if (!line_class(m, (unsigned)irq, q, le, &cl, lab, sizeof(lab)))
			continue; /* not a network IRQ: its counts are not even parsed */
		/* the counts: one per CPU column, maybe fewer */
		while (ncols < ncpu && next_tok(&q, le, &ts, &te) &&
		       parse_dec(ts, te, &m->val[ncols]))
			ncols++;
		if (!ncols)
			continue;

		grow_array((void **)&m->hit, &m->hit_cap, m->nhit + 1, sizeof(*m->hit));
		hit = &m->hit[m->nhit];
		*hit = (struct irqmap_hit){ .irq = (unsigned)irq, .obj = intern(cl.obj),
					    .labels = intern(lab), .queue = cl.queue,
					    .role = cl.role, .m0 = s->nm };
		dup = hit_dedup(m, m->nhit);
		m->nhit++;
		if (dup != (size_t)-1) {
			const struct irqmap_hit *first = &m->hit[dup];

			/* add this vector's counts to the first one's, column by column */
			hit->dup = true;
			for (size_t k = 0; k < ncols && k < first->nm; k++)
				s->m[first->m0 + k].value += m->val[k];
			continue;
		}
		irq_role_name(cl.role, "interrupts", mname, sizeof(mname));
		for (size_t k = 0; k < ncols; k++) {
			struct metric *mt;

			if (!k) {
				mt = snap_add_full(s, ns, LAYER_IRQ, MK_COUNTER, 0, hit->obj,
						   hit->queue, m->cpu[k], mname, m->val[k]);
				mt->labels = hit->labels;
			} else {
				/* same row as the line's first one but for cpu and value: copy it
				 * instead of interning obj and name again (this runs per CPU) */
				grow_array((void **)&s->m, &s->m_cap, s->nm + 1, sizeof(*s->m));
				mt = &s->m[s->nm];
				*mt = s->m[s->nm - 1];
				s->nm++;
				mt->cpu = m->cpu[k];
				mt->value = m->val[k];
			}
			hit->nm++;
		}
	}
	return (int)m->nhit;
}

/* ---- collectors --------------------------------------------------------------------- */

static int softnet_run(struct cctx *c)
{
	char online[4096];
	const char *buf;
	size_t len;
	bool have_online = false;
	int r;

	if (!cctx_read_sys(c, "devices/system/cpu/online", &buf, &len) && len < sizeof(online)) {
		memcpy(online, buf, len);
		online[len] = '\0';
		have_online = true;
	}
	/* a record per CPU of 13 "%08x " columns: no read that returns 0 at the end */
	r = cctx_read_proc_records(c, "net/softnet_stat", 256, &buf, &len);
	if (r)
		return cctx_unavailable(c, r, "cannot read %s/net/softnet_stat: %s",
					cctx_opts(c)->proc_root, strerror(-r));
	r = softnet_parse(buf, len, have_online ? online : NULL, c->snap, c->ns);
	if (r < 0)
		return cctx_unavailable(c, r, "no CPU rows in %s/net/softnet_stat",
					cctx_opts(c)->proc_root);
	return 0;
}

const struct collector collector_softnet = { "softnet", SCOPE_HOST, softnet_run, NULL };

static int softirqs_run(struct cctx *c)
{
	const char *buf;
	size_t len;
	int r = cctx_read_proc_one_piece(c, "softirqs", &buf, &len); /* single_open */

	if (r)
		return cctx_unavailable(c, r, "cannot read %s/softirqs: %s",
					cctx_opts(c)->proc_root, strerror(-r));
	r = softirqs_parse(buf, len, c->snap, c->ns);
	if (r < 0)
		return cctx_unavailable(c, r, "no CPU header in %s/softirqs",
					cctx_opts(c)->proc_root);
	return 0;
}

const struct collector collector_softirqs = { "softirqs", SCOPE_HOST, softirqs_run, NULL };

static int cpustat_run(struct cctx *c)
{
	const char *buf;
	size_t len;
	int r = cctx_read_proc_one_piece(c, "stat", &buf, &len); /* single_open_size */

	if (r)
		return cctx_unavailable(c, r, "cannot read %s/stat: %s", cctx_opts(c)->proc_root,
					strerror(-r));
	r = cpustat_parse(buf, len, c->snap, c->ns);
	if (r < 0)
		return cctx_unavailable(c, r, "no cpuN lines in %s/stat", cctx_opts(c)->proc_root);
	return 0;
}

const struct collector collector_cpustat = { "cpustat", SCOPE_HOST, cpustat_run, NULL };

#define IRQMAP_REFRESH_S 10.0

struct irq_state {
	struct irqmap map;
	double built; /* monotonic time of the last device scan; 0 never */
};

/* Add the IRQ numbers listed in directory rel (relative to dirfd) to device d. */
static void scan_msi(struct irqmap *m, int dirfd, const char *rel, int d)
{
	int fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *dir;

	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		uint64_t irq;

		if (parse_dec(de->d_name, de->d_name + strlen(de->d_name), &irq) &&
		    irq < IRQ_NR_MAX)
			irqmap_add_msi(m, (unsigned)irq, d);
	}
	closedir(dir);
}

/* Rebuild the device list and MSI IRQ lists from sys_root/class/net: every device with a
 * bus device link, and the msi_irqs of that device (of its PCI parent for virtio). */
static void irqmap_scan(struct cctx *c, struct irqmap *m)
{
	char path[1024], rel[600], link[512];
	struct dirent *de;
	DIR *dir;

	irqmap_clear(m);
	dir = opendir(cctx_path(c, path, sizeof(path), "sys", "class/net"));
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		const char *bus;
		ssize_t n;
		int d;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= IRQMAP_NAME_MAX)
			continue;
		snprintf(rel, sizeof(rel), "%s/device", de->d_name);
		n = readlinkat(dirfd(dir), rel, link, sizeof(link) - 1);
		if (n <= 0)
			continue; /* virtual device: no IRQs of its own */
		link[n] = '\0';
		while (n > 1 && link[n - 1] == '/')
			link[--n] = '\0';
		bus = strrchr(link, '/');
		bus = bus ? bus + 1 : link;
		d = irqmap_add_dev(m, de->d_name, bus);
		snprintf(rel, sizeof(rel), "%s/device/%smsi_irqs", de->d_name,
			 !strncmp(bus, "virtio", 6) ? "../" : "");
		scan_msi(m, dirfd(dir), rel, d);
	}
	closedir(dir);
	irqmap_sort(m);
}

static void irq_state_free(void *p)
{
	struct irq_state *st = p;

	irqmap_release(&st->map);
	free(st);
}

/* Read /proc/irq/N/<file> into a knob row of hit h (if the file exists). */
static void irq_knob(struct cctx *c, const struct irqmap_hit *h, const char *file)
{
	char rel[64], text[512], name[64];
	const char *buf;
	size_t len;
	struct metric *m;

	snprintf(rel, sizeof(rel), "irq/%u/%s", h->irq, file);
	if (cctx_read_proc_one_piece(c, rel, &buf, &len)) /* single_open */
		return;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	if (!len || len >= sizeof(text) || memchr(buf, '\0', len))
		return;
	memcpy(text, buf, len);
	text[len] = '\0';
	m = snap_add_knob(c->snap, c->ns, LAYER_IRQ, h->obj,
			  irq_role_name(h->role, file, name, sizeof(name)), text);
	m->queue = h->queue;
	m->labels = h->labels;
}

static int interrupts_run(struct cctx *c)
{
	struct irq_state **pst = (struct irq_state **)cctx_priv(c), *st = *pst;
	const char *buf;
	size_t len;
	double now = now_mono();
	int r;

	if (!st) {
		st = *pst = xcalloc(1, sizeof(*st));
		irqmap_init(&st->map);
	}
	if (!st->built || (!cctx_opts(c)->recorded && now - st->built > IRQMAP_REFRESH_S)) {
		irqmap_scan(c, &st->map);
		st->built = now > 0 ? now : 1;
	}
	/* read to the end: its last record is every architecture line (NMI, LOC...) at once,
	 * of no size known in advance */
	r = cctx_read_proc(c, "interrupts", &buf, &len);
	if (r)
		return cctx_unavailable(c, r, "cannot read %s/interrupts: %s",
					cctx_opts(c)->proc_root, strerror(-r));
	r = interrupts_parse(buf, len, &st->map, c->snap, c->ns);
	if (r < 0)
		return cctx_unavailable(c, r, "no CPU header in %s/interrupts",
					cctx_opts(c)->proc_root);
	for (size_t i = 0; i < st->map.nhit; i++) {
		const struct irqmap_hit *h = &st->map.hit[i];

		if (h->dup)
			continue;
		irq_knob(c, h, "smp_affinity_list");
		irq_knob(c, h, "effective_affinity_list");
	}
	return 0;
}

const struct collector collector_interrupts = { "interrupts", SCOPE_HOST, interrupts_run,
						irq_state_free };
