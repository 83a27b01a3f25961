/* knobs.c: the knobs collector: the settings diagnosis compares counters with (sysctls,
 * conntrack hash size, per-device RPS masks and NAPI settings), as MK_KNOB rows in the
 * layer where each acts. Global sysctls are read in the host namespace only; in other
 * namespaces only the sysctls the kernel exposes there (per-netns ones) are read.
 * Settings change only when someone writes them, and the kernel gives no cheap signal
 * that one did (sysctl files cannot be polled). So, with collect_opts.knob_max_age set
 * (stat -i), a namespace's knob files (sysctls and per-device files) are read once per
 * knob_max_age..1.9 x knob_max_age seconds and re-emitted from a cache in between; without
 * it (doctor, tune, one-shot stat) every snapshot reads them all, so they are current. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "collect.h"
#include "netproc.h"
#include "../model/intern.h"

#define KNOB_MAX_RXQ 4096

size_t knob_text(const char *buf, size_t len, char *out, size_t n)
{
	size_t o = 0;
	bool space = false;

	if (!n)
		return 0;
	for (size_t i = 0; i < len && buf[i]; i++) {
		char ch = buf[i];

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			space = o > 0;
			continue;
		}
		if (space && o + 1 < n)
			out[o++] = ' ';
		space = false;
		if (o + 1 < n)
			out[o++] = ch;
	}
	out[o] = '\0';
	return o;
}

int knob_parse_mask(const char *text, uint64_t *v)
{
	uint64_t x = 0;
	int digits = 0;

	for (const char *p = text; *p; p++) {
		int d;

		if (*p == ',')
			continue;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -EINVAL;
		x = x << 4 | (uint64_t)d; /* CPUs above 63 shift out: the text keeps them */
		digits++;
	}
	if (!digits)
		return -EINVAL;
	*v = x;
	return 0;
}

/* A device name the kernel accepts (dev_valid_name): no '/', ':' or whitespace. */
static bool dev_name_ok(const char *s, size_t n)
{
	if (n == 1 && s[0] == '.')
		return false;
	if (n == 2 && s[0] == '.' && s[1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '/' || s[i] == ':' || s[i] == 0x7f)
			return false;
	return true;
}

int netdev_parse_names(const char *buf, size_t len, char *names, size_t n)
{
	const char *p = buf, *end = buf + len;
	size_t o = 0;
	int count = 0, line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *colon, *s;

		if (line < 2) { /* "Inter-|   Receive ..." and " face |bytes ..." */
			if (!memchr(p, '|', (size_t)(le - p)))
				return -EINVAL;
			line++;
			p = le + 1;
			continue;
		}
		colon = memchr(p, ':', (size_t)(le - p));
		s = p;
		while (s < le && (*s == ' ' || *s == '\t'))
			s++;
		if (colon && colon > s && (size_t)(colon - s) < 16 && o + (size_t)(colon - s) + 1 <= n &&
		    dev_name_ok(s, (size_t)(colon - s))) {
			memcpy(names + o, s, (size_t)(colon - s));
			o += (size_t)(colon - s);
			names[o++] = '\0';
			count++;
		}
		p = le + 1;
	}
	return line == 2 ? count : -EINVAL;
}

struct knob_def {
	const char *name;     /* sysctl name, or module.param */
	const char *rel;      /* under proc_root (sysctl) or sys_root (module parameter) */
	enum dp_layer layer;
	bool sys, mask;
};

static const struct knob_def knob_defs[] = {
	{ "net.core.netdev_max_backlog", "sys/net/core/netdev_max_backlog", LAYER_BACKLOG, 0, 0 },
	{ "net.core.dev_weight", "sys/net/core/dev_weight", LAYER_BACKLOG, 0, 0 },
	{ "net.core.flow_limit_table_len", "sys/net/core/flow_limit_table_len", LAYER_BACKLOG, 0, 0 },
	{ "net.core.flow_limit_cpu_bitmap", "sys/net/core/flow_limit_cpu_bitmap", LAYER_BACKLOG, 0, 1 },
	{ "net.core.rps_sock_flow_entries", "sys/net/core/rps_sock_flow_entries", LAYER_BACKLOG, 0, 0 },
	{ "net.core.netdev_budget", "sys/net/core/netdev_budget", LAYER_SOFTIRQ, 0, 0 },
	{ "net.core.netdev_budget_usecs", "sys/net/core/netdev_budget_usecs", LAYER_SOFTIRQ, 0, 0 },
	{ "net.core.rmem_default", "sys/net/core/rmem_default", LAYER_UDP, 0, 0 },
	{ "net.core.rmem_max", "sys/net/core/rmem_max", LAYER_UDP, 0, 0 },
	{ "net.core.wmem_default", "sys/net/core/wmem_default", LAYER_UDP, 0, 0 },
	{ "net.core.wmem_max", "sys/net/core/wmem_max", LAYER_UDP, 0, 0 },
	{ "net.ipv4.udp_mem", "sys/net/ipv4/udp_mem", LAYER_UDP, 0, 0 },
	{ "net.ipv4.udp_rmem_min", "sys/net/ipv4/udp_rmem_min", LAYER_UDP, 0, 0 },
	{ "net.ipv4.udp_wmem_min", "sys/net/ipv4/udp_wmem_min", LAYER_UDP, 0, 0 },
	{ "net.core.busy_read", "sys/net/core/busy_read", LAYER_SOCKET, 0, 0 },
	{ "net.core.busy_poll", "sys/net/core/busy_poll", LAYER_SOCKET, 0, 0 },
	{ "net.netfilter.nf_conntrack_max", "sys/net/netfilter/nf_conntrack_max", LAYER_NETFILTER, 0, 0 },
	{ "nf_conntrack.hashsize", "module/nf_conntrack/parameters/hashsize", LAYER_NETFILTER, 1, 0 },
};

/* A cached per-device knob. */
struct knob_ent {
	const char *obj, *name, *text; /* interned */
	uint64_t value;
	int32_t queue;
	uint8_t layer;
};

struct knob_priv {
	int fds[ARRAY_SIZE(knob_defs)]; /* sysctl fds, -1 until opened */
	uint64_t absent;  /* knob_defs not exposed in this namespace (probed every refresh) */
	uint64_t never;   /* ...of them, those that cannot appear later (see knob_may_appear) */
	const char *text[ARRAY_SIZE(knob_defs)]; /* last read (interned), when not absent */
	uint64_t value[ARRAY_SIZE(knob_defs)];
	double next;      /* t_mono of the next read of every knob file */
	bool refreshed;
	struct knob_ent *ents;
	size_t n, cap;
	struct knob_rxq { const char *dev; int n; } *rxq; /* rx queues per device last seen */
	size_t nrxq;
	unsigned refreshes;
	uint64_t ver;     /* version (snap_run) of the rows: new at every refresh */
	char *names;      /* device names of /proc/net/dev */
	size_t names_cap;
};

static void knob_release(void *p)
{
	struct knob_priv *k = p;

	for (size_t i = 0; i < ARRAY_SIZE(k->fds); i++)
		if (k->fds[i] >= 0)
			close(k->fds[i]);
	free(k->ents);
	free(k->rxq);
	free(k->names);
	free(k);
}

/* obj and name interned (obj "" is intern_empty()) */
static void knob_emit(struct cctx *c, enum dp_layer layer, const char *obj, int32_t queue,
		      const char *name, const char *text, uint64_t value)
{
	struct metric *m = snap_add_interned(c->snap, c->ns, layer, MK_KNOB, 0, obj, queue, -1,
					     name, value);

	m->text = text;
}

/* Read one knob file into an interned text and its value: a sysctl through the fd cached
 * in *fd (small reads), a sysfs file through the engine. 0 or -errno. */
static int knob_read(struct cctx *c, const char *rel, bool sys, int *fd, bool mask,
		     const char **text, uint64_t *value)
{
	char t[256], raw[256];
	const char *buf = raw;
	size_t len;
	int r;

	if (sys) {
		r = cctx_read_sys(c, rel, &buf, &len);
	} else {
		r = netproc_read_small(c, fd, rel, raw, sizeof(raw));
		len = r > 0 ? (size_t)r : 0;
		r = r < 0 ? r : 0;
	}
	if (r)
		return r;
	knob_text(buf, len, t, sizeof(t));
	*text = intern(t);
	*value = 0;
	if (mask ? knob_parse_mask(t, value) : parse_u64(t, value))
		*value = 0;
	return 0;
}

static void dev_add(struct knob_priv *k, enum dp_layer layer, const char *obj, int32_t queue,
		    const char *name, const char *text, uint64_t value)
{
	grow_array((void **)&k->ents, &k->cap, k->n + 1, sizeof(*k->ents));
	k->ents[k->n++] = (struct knob_ent){ .obj = obj, .name = intern(name), .text = text,
					     .value = value, .queue = queue,
					     .layer = (uint8_t)layer };
}

/* rx queues device dev had at the last refresh, or -1; hint is where to look first (the
 * order of /proc/net/dev is stable). */
static int rxq_last(const struct knob_priv *k, const char *dev, size_t hint)
{
	if (hint < k->nrxq && k->rxq[hint].dev == dev)
		return k->rxq[hint].n;
	for (size_t i = 0; i < k->nrxq; i++)
		if (k->rxq[i].dev == dev)
			return k->rxq[i].n;
	return -1;
}

static void dev_refresh(struct cctx *c, struct knob_priv *k)
{
	struct knob_rxq *seen;
	size_t nseen = 0;
	/* every sixth refresh probes for added queues; in between, the known count is read
	 * (a failed open of rx-N costs a sysfs path walk per device) */
	bool probe = k->refreshes++ % 6 == 0;
	static const char *const napi[] = { "threaded", "napi_defer_hard_irqs",
					    "gro_flush_timeout" };
	const char *buf, *text;
	size_t len, off;
	uint64_t v;
	int n;

	k->n = 0;
	if (!cctx_sys_ok(c) || cctx_read_proc(c, "net/dev", &buf, &len))
		return;
	if (k->names_cap < len + 1) {
		k->names_cap = len + 1;
		k->names = xrealloc(k->names, k->names_cap);
	}
	n = netdev_parse_names(buf, len, k->names, k->names_cap);
	if (n < 0)
		return;
	seen = xmalloc(((size_t)n + 1) * sizeof(*seen));
	off = 0;
	for (int d = 0; d < n; d++) {
		const char *dev = k->names + off, *obj = intern(dev);
		int last = probe ? -1 : rxq_last(k, obj, (size_t)d), q;
		char rel[160];

		off += strlen(dev) + 1;
		for (q = 0; q < (last >= 0 ? last : KNOB_MAX_RXQ); q++) {
			snprintf(rel, sizeof(rel), "class/net/%s/queues/rx-%d/rps_cpus", dev, q);
			if (knob_read(c, rel, true, NULL, true, &text, &v))
				break;
			dev_add(k, LAYER_BACKLOG, obj, q, "rps_cpus", text, v);
			snprintf(rel, sizeof(rel), "class/net/%s/queues/rx-%d/rps_flow_cnt", dev, q);
			if (!knob_read(c, rel, true, NULL, false, &text, &v))
				dev_add(k, LAYER_BACKLOG, obj, q, "rps_flow_cnt", text, v);
		}
		seen[nseen++] = (struct knob_rxq){ obj, q };
		for (size_t i = 0; i < ARRAY_SIZE(napi); i++) {
			snprintf(rel, sizeof(rel), "class/net/%s/%s", dev, napi[i]);
			if (!knob_read(c, rel, true, NULL, false, &text, &v))
				dev_add(k, LAYER_SOFTIRQ, obj, -1, napi[i], text, v);
		}
	}
	free(k->rxq);
	k->rxq = seen;
	k->nrxq = nseen;
}

/* Can a sysctl missing from a namespace appear there later? Only one a module registers
 * (nf_conntrack_max; module parameters too). The net.core and net.ipv4 ones are built in:
 * registered at boot for the host or at the namespace's creation, so one missing outside
 * the host is global (netdev_max_backlog, udp_mem...) and stays missing. Not probing those
 * again saves a failed path walk per knob and namespace at every refresh (10 of them in
 * each of 100 namespaces: 7 % of `record -i 1`'s CPU on the 1,000-veth host). */
static bool knob_may_appear(const struct knob_def *d)
{
	return d->sys || (strncmp(d->rel, "sys/net/core/", 13) && strncmp(d->rel, "sys/net/ipv4/", 13));
}

static int knobs_run(struct cctx *c)
{
	static const char *def_names[ARRAY_SIZE(knob_defs)]; /* interned once per pool */
	static unsigned def_gen;
	struct knob_priv **pp = (struct knob_priv **)cctx_priv(c), *k;
	double now = c->snap->t_mono, age = cctx_opts(c)->knob_max_age;
	size_t before;
	bool refresh;

	if (!*pp) {
		*pp = xcalloc(1, sizeof(**pp));
		for (size_t i = 0; i < ARRAY_SIZE((*pp)->fds); i++)
			(*pp)->fds[i] = -1;
	}
	k = *pp;
	refresh = age <= 0 || !k->refreshed || now >= k->next || now < k->next - 2 * age;
	if (refresh) {
		k->absent = k->never; /* conntrack may have loaded since */
		for (size_t i = 0; i < ARRAY_SIZE(knob_defs); i++) {
			const struct knob_def *d = &knob_defs[i];
			int r;

			if (k->never & (1ull << i))
				continue;

			if (d->sys && !c->host) {
				k->absent |= 1ull << i; /* module parameters are global */
				continue;
			}
			/* a sysctl missing outside the host is a global one; in the host, one
			 * this kernel lacks (busy_poll without CONFIG_NET_RX_BUSY_POLL) */
			r = knob_read(c, d->rel, d->sys, &k->fds[i], d->mask, &k->text[i],
				      &k->value[i]);
			if (r)
				k->absent |= 1ull << i;
			if (r == -ENOENT && !knob_may_appear(d))
				k->never |= 1ull << i;
		}
		dev_refresh(c, k);
		k->refreshed = true;
		/* namespaces refresh in ten phases, not all in the same snapshot */
		k->next = now + age * (1.0 + (double)(c->ns % 10) / 10.0);
	}
	if (def_gen != intern_gen) {
		for (size_t i = 0; i < ARRAY_SIZE(knob_defs); i++)
			def_names[i] = intern(knob_defs[i].name);
		def_gen = intern_gen;
		k->ver = 0;
	}
	if (refresh || !k->ver)
		k->ver = snap_new_version();
	else if (snap_reuse(c->snap, &k->ver, k->ver, c->ns))
		return 0; /* not read since: the rows the buffer holds */
	before = c->snap->nm;
	for (size_t i = 0; i < ARRAY_SIZE(knob_defs); i++)
		if (!(k->absent & (1ull << i)))
			knob_emit(c, knob_defs[i].layer, intern_empty(), -1, def_names[i],
				  k->text[i], k->value[i]);
	for (size_t i = 0; i < k->n; i++) {
		const struct knob_ent *e = &k->ents[i];

		knob_emit(c, e->layer, e->obj, e->queue, e->name, e->text, e->value);
	}
	/* between refreshes, the same rows as at the last snapshot */
	snap_add_run(c->snap, &k->ver, k->ver, before);
	return 0;
}

const struct collector collector_knobs = { "knobs", SCOPE_NETNS, knobs_run, knob_release };
