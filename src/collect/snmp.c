/* snmp.c: the ip and udp layers from /proc/net/snmp, netstat and snmp6 (per namespace).
 * Only the protocol groups of a UDP datapath are kept: Ip, IpExt, Udp, Ip6, Udp6. */
#include <errno.h>
#include <stdlib.h>
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "snmp.h"
#include "../model/intern.h"
#include "../model/rowcache.h"

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

/* The Ip counters every packet that moves an IpExt counter moves first (snmp_run). */
static const char *const ip_key_names[] = { "IpInReceives", "IpOutRequests", "IpForwDatagrams",
					    "IpOutTransmits" };
static const char *ip_key_ptrs[ARRAY_SIZE(ip_key_names)];

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

/* The name of a counter as last seen at one position of a file (the k-th of a group's
 * line, the k-th line of snmp6), interned, with its flags. Every namespace prints the same
 * names in the same places, so a parse checks the bytes against the slot (one memcmp)
 * instead of interning each name again (hashing and probing the pool: most of the cost
 * of parsing these files every sample in 100 namespaces). */
struct name_slot {
	const char *name; /* interned, or NULL */
	size_t len;
	unsigned flags;
	bool skip;
};

#define SLOTS_PER_GROUP 128
static struct name_slot pair_slots[ARRAY_SIZE(groups)][SLOTS_PER_GROUP];
static struct name_slot snmp6_slots[256];

static void intern_tables(void)
{
	if (interned_for == intern("IpInDiscards"))
		return; /* still valid (the pool is freed only at exit) */
	for (size_t i = 0; i < ARRAY_SIZE(drop_names); i++)
		drop_ptrs[i] = intern(drop_names[i]);
	for (size_t i = 0; i < ARRAY_SIZE(skip_names); i++)
		skip_ptrs[i] = intern(skip_names[i]);
	for (size_t i = 0; i < ARRAY_SIZE(ip_key_names); i++)
		ip_key_ptrs[i] = intern(ip_key_names[i]);
	/* a new pool (intern_free_all): the slots point into the old one */
	memset(pair_slots, 0, sizeof(pair_slots));
	memset(snmp6_slots, 0, sizeof(snmp6_slots));
	interned_for = intern("IpInDiscards");
}

/* The slot for prefix+tok (a name of at most 95 bytes), filled in when it held another
 * name; a name past the table's end is looked up into *spare. */
static const struct name_slot *name_at(struct name_slot *slot, struct name_slot *spare,
				       const char *prefix, size_t pl, const char *t, size_t tn)
{
	char name[96];

	if (!slot)
		slot = spare;
	if (slot->name && slot->len == pl + tn && !memcmp(slot->name, prefix, pl) &&
	    !memcmp(slot->name + pl, t, tn))
		return slot;
	memcpy(name, prefix, pl);
	memcpy(name + pl, t, tn);
	name[pl + tn] = '\0';
	slot->name = intern(name);
	/* the interned length, not pl + tn: a name with a NUL byte in it (never in /proc,
	 * but in a damaged recording) is interned up to the NUL, and a length past that made
	 * the next parse compare bytes beyond the pooled string (found by fuzz_snmp) */
	slot->len = strlen(slot->name);
	slot->flags = 0;
	slot->skip = false;
	for (size_t i = 0; i < ARRAY_SIZE(skip_ptrs); i++)
		if (slot->name == skip_ptrs[i])
			slot->skip = true;
	for (size_t i = 0; i < ARRAY_SIZE(drop_ptrs); i++)
		if (slot->name == drop_ptrs[i]) {
			slot->flags = MF_DROP;
			break;
		}
	return slot;
}

static void add_counter(struct snapshot *s, uint32_t ns, enum dp_layer layer,
			const struct name_slot *n, uint64_t v)
{
	if (!n->skip)
		snap_add_interned(s, ns, layer, MK_COUNTER, n->flags, intern_empty(), -1, -1,
				  n->name, v);
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
		size_t nn, vn, pl = strlen(g->prefix), gi = (size_t)(g - groups);

		for (size_t k = 0; next_tok(&hp, he, &nt, &nn) && next_tok(&vp, ve, &vt, &vn);
		     k++) {
			struct name_slot spare = { 0 };
			uint64_t v;

			if (pl + nn >= 96 || !tok_u64(vt, vn, &v))
				continue;
			add_counter(s, ns, g->layer,
				    name_at(k < SLOTS_PER_GROUP ? &pair_slots[gi][k] : NULL,
					    &spare, g->prefix, pl, nt, nn), v);
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
	for (size_t line = 0; next_line(&p, end, &ls, &le); line++) {
		const char *lp = ls, *nt, *vt;
		struct name_slot spare = { 0 };
		size_t nn, vn;
		uint64_t v;
		enum dp_layer layer;

		/* Icmp6, UdpLite6: not on a UDP datapath (half the lines: skipped before they
		 * are split) */
		while (lp < le && (*lp == ' ' || *lp == '\t' || *lp == '\r'))
			lp++;
		if (le - lp > 4 && !memcmp(lp, "Udp6", 4))
			layer = LAYER_UDP;
		else if (le - lp > 3 && !memcmp(lp, "Ip6", 3))
			layer = LAYER_IP;
		else
			continue;
		if (!next_tok(&lp, le, &nt, &nn) || !next_tok(&lp, le, &vt, &vn))
			continue;
		if (nn >= 96 || !tok_u64(vt, vn, &v))
			continue;
		if ((layer == LAYER_UDP && nn <= 4) || (layer == LAYER_IP && nn <= 3))
			continue;
		add_counter(s, ns, layer,
			    name_at(line < ARRAY_SIZE(snmp6_slots) ? &snmp6_slots[line] : NULL,
				    &spare, "", 0, nt, nn), v);
		added++;
	}
	return added;
}

/* Per namespace: what netstat gave last time, and the Ip counters it depends on. */
struct snmp_priv {
	uint64_t ip_key[4];   /* the Ip counters below at the previous snapshot */
	bool moved;           /* they moved in the interval before that */
	bool have;            /* ipext holds the IpExt rows of a netstat read */
	struct metric *ipext;
	size_t n, cap;
	uint64_t ipext_ver;   /* their version (snap_run): new at each netstat read */
	struct rowcache snmp, snmp6; /* the rows of the last reads (rowcache.h) */
};

static void snmp_release(void *p)
{
	struct snmp_priv *sp = p;

	free(sp->ipext);
	rowcache_release(&sp->snmp);
	rowcache_release(&sp->snmp6);
	free(sp);
}


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
	/* Read in every namespace at every snapshot: no cheap signal tells that none of
	 * these counters moved (a send with no route, a reassembly timing out 30 s after
	 * its fragments arrived move them with no device packet), and a counter repeated
	 * from an earlier read would land in a later interval than the one it moved in. */
	r = cctx_read_proc_one_piece(c, "net/snmp", &buf, &len);
	if (r)
		return cctx_unavailable(c, r, "cannot read /proc/net/snmp: %s", strerror(-r));
	if (rowcache_replay(&sp->snmp, c->snap, c->ns, buf, len)) {
		memcpy(key, sp->ip_key, sizeof(key)); /* the same text: the same Ip counters */
	} else {
		before = c->snap->nm;
		snmp_parse_pairs(buf, len, c->snap, c->ns);
		for (size_t i = before; i < c->snap->nm; i++)
			for (size_t k = 0; k < ARRAY_SIZE(ip_key_names); k++)
				if (c->snap->m[i].name == ip_key_ptrs[k])
					key[k] = c->snap->m[i].value;
		rowcache_keep(&sp->snmp, c->snap, before, buf, len);
	}
	/* netstat is costly to read (the kernel formats TcpExt too) and we keep only IpExt,
	 * whose counters move only with IPv4 packets that snmp's Ip counters count (InReceives,
	 * OutRequests, ForwDatagrams, OutTransmits), a few instructions after them in the same
	 * packet's processing. So when those did not move in this interval nor in the one
	 * before (time enough for the last packet's IpExt updates to have landed before the
	 * last read), IpExt did not either, and its last values are still exact. */
	bool same = sp->have && !memcmp(key, sp->ip_key, sizeof(key));

	if (same && !sp->moved) {
		before = c->snap->nm;
		if (!snap_reuse(c->snap, &sp->ipext_ver, sp->ipext_ver, c->ns)) {
			for (size_t i = 0; i < sp->n; i++)
				snap_add_interned(c->snap, c->ns, sp->ipext[i].layer, MK_COUNTER,
						  sp->ipext[i].flags, intern_empty(), -1, -1,
						  sp->ipext[i].name, sp->ipext[i].value);
			snap_add_run(c->snap, &sp->ipext_ver, sp->ipext_ver, before);
		}
	} else if (!cctx_read_proc_one_piece(c, "net/netstat", &buf, &len)) {
		before = c->snap->nm;
		snmp_parse_pairs(buf, len, c->snap, c->ns);
		sp->n = 0;
		grow_array((void **)&sp->ipext, &sp->cap, c->snap->nm - before + 1,
			   sizeof(*sp->ipext));
		for (size_t i = before; i < c->snap->nm; i++)
			sp->ipext[sp->n++] = c->snap->m[i];
		sp->have = true;
		sp->ipext_ver = snap_new_version();
		snap_add_run(c->snap, &sp->ipext_ver, sp->ipext_ver, before);
	} else {
		sp->have = false;
	}
	sp->moved = !same;
	memcpy(sp->ip_key, key, sizeof(key));
	/* snmp6 is absent when IPv6 is disabled: not an error */
	if (!cctx_read_proc_one_piece(c, "net/snmp6", &buf, &len) &&
	    !rowcache_replay(&sp->snmp6, c->snap, c->ns, buf, len)) {
		before = c->snap->nm;
		snmp_parse_snmp6(buf, len, c->snap, c->ns);
		rowcache_keep(&sp->snmp6, c->snap, before, buf, len);
	}
	return 0;
}

const struct collector collector_snmp = { "snmp", SCOPE_NETNS, snmp_run, snmp_release };
