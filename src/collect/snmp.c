/* snmp.c: the ip and udp layers from /proc/net/snmp, netstat and snmp6 (per namespace).
 * Only the protocol groups of a UDP datapath are kept: Ip, IpExt, Udp, Ip6, Udp6. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "snmp.h"

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

static unsigned flags_for(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(drop_names); i++)
		if (!strcmp(name, drop_names[i]))
			return MF_DROP;
	return 0;
}

static bool skipped(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(skip_names); i++)
		if (!strcmp(name, skip_names[i]))
			return true;
	return false;
}

static void add_counter(struct snapshot *s, uint32_t ns, enum dp_layer layer, const char *name,
			uint64_t v)
{
	if (skipped(name))
		return;
	snap_add_full(s, ns, layer, MK_COUNTER, flags_for(name), "", -1, -1, name, v);
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

static int snmp_run(struct cctx *c)
{
	const char *buf;
	size_t len;
	int r;

	r = cctx_read_proc(c, "net/snmp", &buf, &len);
	if (r)
		return cctx_unavailable(c, r, "cannot read /proc/net/snmp: %s", strerror(-r));
	snmp_parse_pairs(buf, len, c->snap, c->ns);
	if (!cctx_read_proc(c, "net/netstat", &buf, &len))
		snmp_parse_pairs(buf, len, c->snap, c->ns);
	/* snmp6 is absent when IPv6 is disabled: not an error */
	if (!cctx_read_proc(c, "net/snmp6", &buf, &len))
		snmp_parse_snmp6(buf, len, c->snap, c->ns);
	return 0;
}

const struct collector collector_snmp = { "snmp", SCOPE_NETNS, snmp_run, NULL };
