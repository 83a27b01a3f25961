/* snmp.c: the ip and udp layers from /proc/net/snmp, netstat and snmp6 (per namespace).
 * Only the protocol groups of a UDP datapath are kept: Ip, IpExt, Udp, Ip6, Udp6. */
#include <errno.h>
#include <stdlib.h>
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "snmp.h"
#include "../model/intern.h"

struct group {
	const char *prefix; /* "Ip", "IpExt", "Udp", "Ip6", "Udp6" */
	enum dp_layer layer;
};

static const struct group groups[] = {
	{ "Ip", LAYER_IP }, { "IpExt", LAYER_IP }, { "Udp", LAYER_UDP },
	{ "Ip6", LAYER_IP }, { "Udp6", LAYER_UDP },
};

/* Counters whose increase means a packet was lost or refused (REFERENCE rows 17-20). */
static const char *const drop_names[] = {
	"IpInHdrErrors", "IpInAddrErrors", "IpInUnknownProtos", "IpInDiscards",
	"IpOutDiscards", "IpOutNoRoutes", "IpReasmFails", "IpFragFails",
	"IpExtInNoRoutes", "IpExtInTruncatedPkts", "IpExtInCsumErrors",
	"UdpNoPorts", "UdpInErrors", "UdpRcvbufErrors", "UdpSndbufErrors", "UdpInCsumErrors",
	"UdpMemErrors",
	"Ip6InHdrErrors", "Ip6InNoRoutes", "Ip6InAddrErrors", "Ip6InDiscards", "Ip6OutDiscards",
	"Ip6OutNoRoutes", "Ip6ReasmFails", "Ip6FragFails", "Ip6InTruncatedPkts",
	"Ip6InTooBigErrors", "Ip6InUnknownProtos",
	"Udp6NoPorts", "Udp6InErrors", "Udp6RcvbufErrors", "Udp6SndbufErrors",
	"Udp6InCsumErrors", "Udp6MemErrors",
};

/* Settings that snmp reports among counters: not counters. */
static const char *const skip_names[] = { "IpForwarding", "IpDefaultTTL" };

static const struct group *find_group(const char *p, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
		if (strlen(groups[i].prefix) == n && !memcmp(groups[i].prefix, p, n))
			return &groups[i];
	return NULL;
}

/* Names are interned, so membership is a pointer comparison; the tables are interned
 * once. */
static const char *drop_ptrs[ARRAY_SIZE(drop_names)], *skip_ptrs[ARRAY_SIZE(skip_names)];
static const char *interned_for;

static void intern_tables(void)
{
	if (interned_for == intern("IpInDiscards"))
		return; /* still valid (the pool is freed only at exit) */
	for (size_t i = 0; i < ARRAY_SIZE(drop_names); i++)
		drop_ptrs[i] = intern(drop_names[i]);
	for (size_t i = 0; i < ARRAY_SIZE(skip_names); i++)
		skip_ptrs[i] = intern(skip_names[i]);
	interned_for = intern("IpInDiscards");
}

static void add_counter(struct snapshot *s, uint32_t ns, enum dp_layer layer, const char *name,
			uint64_t v)
{
	const char *n = intern(name);
	unsigned flags = 0;

	for (size_t i = 0; i < ARRAY_SIZE(skip_ptrs); i++)
		if (n == skip_ptrs[i])
			return;
	for (size_t i = 0; i < ARRAY_SIZE(drop_ptrs); i++)
		if (n == drop_ptrs[i]) {
			flags = MF_DROP;
			break;
		}
	snap_add_full(s, ns, layer, MK_COUNTER, flags, "", -1, -1, n, v);
}

/* Next line [*p, end) → [ls, le); returns false at the end. */
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

/* Next space-separated token in [*p, end). */
static bool next_tok(const char **p, const char *end, const char **ts, size_t *tn)
{
	while (*p < end && (**p == ' ' || **p == '\t' || **p == '\r'))
		(*p)++;
	if (*p >= end)
		return false;
	*ts = *p;
	while (*p < end && **p != ' ' && **p != '\t' && **p != '\r')
		(*p)++;
	*tn = (size_t)(*p - *ts);
	return true;
}

static bool tok_u64(const char *t, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (!n || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return false;
		uint64_t y = x * 10 + (uint64_t)(t[i] - '0');

		if (y / 10 != x)
			return false;
		x = y;
	}
	*v = x;
	return true;
}

int snmp_parse_pairs(const char *buf, size_t len, struct snapshot *s, uint32_t ns)
{
	const char *p = buf, *end = buf + len, *hs, *he, *vs, *ve;
	int added = 0;

	intern_tables();
	while (next_line(&p, end, &hs, &he)) {
		const char *hc = memchr(hs, ':', (size_t)(he - hs)), *vc;
		const struct group *g;

		if (!hc)
			continue;
		if (!next_line(&p, end, &vs, &ve))
			break;
		vc = memchr(vs, ':', (size_t)(ve - vs));
		/* the value line must carry the same "Prefix:" as its header */
		if (!vc || vc - vs != hc - hs || memcmp(hs, vs, (size_t)(hc - hs))) {
			p = vs; /* resynchronise on the line that did not match */
			continue;
		}
		g = find_group(hs, (size_t)(hc - hs));
		if (!g)
			continue;
		const char *hp = hc + 1, *vp = vc + 1, *nt, *vt;
		size_t nn, vn;

		while (next_tok(&hp, he, &nt, &nn) && next_tok(&vp, ve, &vt, &vn)) {
			char name[96];
			uint64_t v;
			size_t pl = strlen(g->prefix);

			if (pl + nn >= sizeof(name) || !tok_u64(vt, vn, &v))
				continue;
			memcpy(name, g->prefix, pl);
			memcpy(name + pl, nt, nn);
			name[pl + nn] = '\0';
			add_counter(s, ns, g->layer, name, v);
			added++;
		}
	}
	return added;
}

int snmp_parse_snmp6(const char *buf, size_t len, struct snapshot *s, uint32_t ns)
{
	const char *p = buf, *end = buf + len, *ls, *le;
	int added = 0;

	intern_tables();
	while (next_line(&p, end, &ls, &le)) {
		const char *lp = ls, *nt, *vt;
		size_t nn, vn;
		char name[96];
		uint64_t v;
		enum dp_layer layer;

		if (!next_tok(&lp, le, &nt, &nn) || !next_tok(&lp, le, &vt, &vn))
			continue;
		if (nn >= sizeof(name) || !tok_u64(vt, vn, &v))
			continue;
		if (nn > 4 && !memcmp(nt, "Udp6", 4))
			layer = LAYER_UDP;
		else if (nn > 3 && !memcmp(nt, "Ip6", 3))
			layer = LAYER_IP;
		else
			continue; /* Icmp6, UdpLite6: not on a UDP datapath */
		memcpy(name, nt, nn);
		name[nn] = '\0';
		add_counter(s, ns, layer, name, v);
		added++;
	}
	return added;
}

/* Per namespace: what netstat gave last time, and the Ip counters it depends on. */
struct snmp_priv {
	uint64_t ip_key[4];
	bool have;
	struct metric *ipext;
	size_t n, cap;
	struct metric *all;   /* every row of the last full read, for quiet namespaces */
	size_t nall, capall;
	double t_all;
};

static void snmp_release(void *p)
{
	struct snmp_priv *sp = p;

	free(sp->ipext);
	free(sp->all);
	free(sp);
}

static const char *const ip_key_names[] = { "IpInReceives", "IpOutRequests", "IpForwDatagrams",
					    "IpOutTransmits" };

static int snmp_run(struct cctx *c)
{
	struct snmp_priv **pp = (struct snmp_priv **)cctx_priv(c), *sp;
	const char *buf;
	size_t len, before;
	uint64_t key[4] = { 0 };
	int r;

	if (!*pp)
		*pp = xcalloc(1, sizeof(**pp));
	sp = *pp;
	/* A namespace whose devices moved no packet since the last snapshot: the kernel
	 * would format the same numbers again (costly across 100 namespaces); re-emit them,
	 * and read again at least every CCTX_QUIET_REREAD s, so a counter that moves without
	 * device traffic (a local send with no route) shows late, never wrong. */
	if (sp->t_all > 0 && now_mono() - sp->t_all < CCTX_QUIET_REREAD && cctx_ns_quiet(c)) {
		for (size_t i = 0; i < sp->nall; i++)
			snap_add_full(c->snap, c->ns, sp->all[i].layer, sp->all[i].kind,
				      sp->all[i].flags, sp->all[i].obj, -1, -1, sp->all[i].name,
				      sp->all[i].value);
		return 0;
	}
	size_t first = c->snap->nm;

	r = cctx_read_proc(c, "net/snmp", &buf, &len);
	if (r)
		return cctx_unavailable(c, r, "cannot read /proc/net/snmp: %s", strerror(-r));
	before = c->snap->nm;
	snmp_parse_pairs(buf, len, c->snap, c->ns);
	for (size_t i = before; i < c->snap->nm; i++)
		for (size_t k = 0; k < ARRAY_SIZE(ip_key_names); k++)
			if (c->snap->m[i].name == intern(ip_key_names[k]))
				key[k] = c->snap->m[i].value;
	/* netstat is costly to read (the kernel formats TcpExt too) and we keep only IpExt,
	 * whose counters move only with IPv4 packets that snmp's Ip counters count: when
	 * those did not move, IpExt did not either, and last values are still exact. */
	if (sp->have && !memcmp(key, sp->ip_key, sizeof(key))) {
		for (size_t i = 0; i < sp->n; i++) {
			struct metric *m = snap_add_full(c->snap, c->ns, sp->ipext[i].layer,
							 MK_COUNTER, sp->ipext[i].flags, "", -1, -1,
							 sp->ipext[i].name, sp->ipext[i].value);
			(void)m;
		}
	} else if (!cctx_read_proc(c, "net/netstat", &buf, &len)) {
		before = c->snap->nm;
		snmp_parse_pairs(buf, len, c->snap, c->ns);
		sp->n = 0;
		grow_array((void **)&sp->ipext, &sp->cap, c->snap->nm - before + 1,
			   sizeof(*sp->ipext));
		for (size_t i = before; i < c->snap->nm; i++)
			sp->ipext[sp->n++] = c->snap->m[i];
		memcpy(sp->ip_key, key, sizeof(key));
		sp->have = true;
	}
	/* snmp6 is absent when IPv6 is disabled: not an error */
	if (!cctx_read_proc(c, "net/snmp6", &buf, &len))
		snmp_parse_snmp6(buf, len, c->snap, c->ns);
	if (!cctx_opts(c)->recorded) {
		sp->nall = 0;
		grow_array((void **)&sp->all, &sp->capall, c->snap->nm - first + 1, sizeof(*sp->all));
		for (size_t i = first; i < c->snap->nm; i++)
			sp->all[sp->nall++] = c->snap->m[i];
		sp->t_all = now_mono();
	}
	return 0;
}

const struct collector collector_snmp = { "snmp", SCOPE_NETNS, snmp_run, snmp_release };
