/* ovs_parse.c: the text parsers behind the Open vSwitch collector: ovs-appctl replies
 * (dpctl/show -s, dpif-netdev/pmd-stats-show, coverage/show), /proc/PID/net/dev of
 * ovs-vswitchd and the command lines of OVS daemons. Each takes a buffer apart from the
 * socket or file that filled it (unit tests and fuzzers call them on recorded text); a
 * line that does not match is skipped, never trusted. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ovs_parse.h"
#include "../core/util.h"

/* ---- key/value lists ---- */

/* Copy name into dst as a metric-name fragment: lower case, [a-z0-9_] only. */
static void kv_name(char *dst, size_t dn, const char *src, size_t sn)
{
	size_t o = 0;

	for (size_t i = 0; i < sn && o + 1 < dn; i++) {
		unsigned char ch = (unsigned char)src[i];

		if (isalnum(ch))
			dst[o++] = (char)tolower(ch);
		else if (o && dst[o - 1] != '_')
			dst[o++] = '_';
	}
	while (o && dst[o - 1] == '_')
		o--;
	dst[o] = '\0';
}

void ovs_kvs_add(struct ovs_kvs *k, const char *name, size_t namelen, uint64_t value)
{
	struct ovs_kv *e;

	grow_array((void **)&k->v, &k->cap, k->n + 1, sizeof(*k->v));
	e = &k->v[k->n];
	kv_name(e->name, sizeof(e->name), name, namelen);
	if (!e->name[0])
		return;
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->v[i].name, e->name)) {
			k->v[i].value = value; /* a repeated key: the later line wins */
			return;
		}
	e->value = value;
	k->n++;
}

const struct ovs_kv *ovs_kvs_find(const struct ovs_kvs *k, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->v[i].name, name))
			return &k->v[i];
	return NULL;
}

void ovs_kvs_release(struct ovs_kvs *k)
{
	free(k->v);
	memset(k, 0, sizeof(*k));
}

/* ---- line iteration over a (buf, len) that need not be NUL-terminated ---- */

struct lines {
	const char *p, *end;
	char line[1024];
};

/* Next line into it->line (NUL-terminated, no '\n'); lines too long or holding NUL bytes
 * come back empty. Returns 0 at the end. */
static int next_line(struct lines *it)
{
	const char *nl;
	size_t n;

	if (it->p >= it->end)
		return 0;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	n = nl ? (size_t)(nl - it->p) : (size_t)(it->end - it->p);
	if (n >= sizeof(it->line) || memchr(it->p, '\0', n)) {
		it->line[0] = '\0';
	} else {
		memcpy(it->line, it->p, n);
		it->line[n] = '\0';
		if (n && it->line[n - 1] == '\r')
			it->line[n - 1] = '\0';
	}
	it->p += n + (nl ? 1 : 0);
	return 1;
}

static void lines_init(struct lines *it, const char *buf, size_t len)
{
	it->p = buf;
	it->end = buf + len;
}

static size_t indent_of(const char *s)
{
	size_t n = 0;

	while (s[n] == ' ' || s[n] == '\t')
		n++;
	return n;
}

/* Add every "key:value" token with an integer value of s, names prefixed; a bare "RX"
 * or "TX" token switches the prefix (dpctl prints "RX bytes:1  TX bytes:2"). */
static void add_colon_pairs(struct ovs_kvs *k, char *s, const char *prefix)
{
	char *f[32];
	char pre[16];
	int n = split_ws(s, f, (int)ARRAY_SIZE(f));

	snprintf(pre, sizeof(pre), "%s", prefix);
	for (int i = 0; i < n; i++) {
		char *c = strchr(f[i], ':'), name[96];
		uint64_t v;

		if (!strcmp(f[i], "RX") || !strcmp(f[i], "TX")) {
			snprintf(pre, sizeof(pre), "%s_", f[i]);
			continue;
		}
		if (!c || c == f[i] || parse_u64(c + 1, &v))
			continue;
		*c = '\0';
		snprintf(name, sizeof(name), "%s%s", pre, f[i]);
		ovs_kvs_add(k, name, strlen(name), v);
	}
}

/* ---- dpctl/show -s ---- */

void ovs_dps_release(struct ovs_dps *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct ovs_dp *dp = &d->dp[i];

		for (size_t j = 0; j < dp->nports; j++) {
			free(dp->ports[j].name);
			free(dp->ports[j].type);
			ovs_kvs_release(&dp->ports[j].stats);
		}
		free(dp->ports);
		free(dp->name);
		ovs_kvs_release(&dp->stats);
	}
	free(d->dp);
	memset(d, 0, sizeof(*d));
}

/* "port 3: name (type: options)" -> port; returns 0 or -EINVAL. */
static int parse_port_line(char *s, struct ovs_dp_port *p)
{
	char *colon, *name, *end, *type = NULL;
	uint32_t no;

	if (strncmp(s, "port ", 5))
		return -EINVAL;
	s += 5;
	colon = strchr(s, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (parse_u32(s, &no))
		return -EINVAL;
	name = colon + 1;
	while (*name == ' ')
		name++;
	end = name;
	while (*end && *end != ' ' && *end != '(')
		end++;
	if (end == name)
		return -EINVAL;
	if (*end) {
		char *t = strchr(end, '(');

		*end = '\0';
		if (t) {
			type = t + 1;
			type[strcspn(type, ":) ")] = '\0';
		}
	}
	memset(p, 0, sizeof(*p));
	p->port_no = no;
	p->name = xstrdup(name);
	p->type = xstrdup(type ? type : "");
	return 0;
}

int ovs_parse_dpctl_show(const char *buf, size_t len, struct ovs_dps *out)
{
	struct lines it;
	struct ovs_dp *dp = NULL;
	struct ovs_dp_port *port = NULL;

	memset(out, 0, sizeof(*out));
	lines_init(&it, buf, len);
	while (next_line(&it)) {
		char *s = it.line;
		size_t ind = indent_of(s), n;

		s += ind;
		n = strlen(s);
		if (!n)
			continue;
		if (!ind) {
			/* "netdev@ovs-netdev:" starts a datapath. */
			port = NULL;
			dp = NULL;
			if (s[n - 1] != ':' || n < 2 || !strchr(s, '@') || strchr(s, ' '))
				continue;
			s[n - 1] = '\0';
			grow_array((void **)&out->dp, &out->cap, out->n + 1, sizeof(*out->dp));
			dp = &out->dp[out->n++];
			memset(dp, 0, sizeof(*dp));
			dp->name = xstrdup(s);
			continue;
		}
		if (!dp)
			continue;
		if (!strncmp(s, "port ", 5)) {
			struct ovs_dp_port p;

			port = NULL;
			if (parse_port_line(s, &p))
				continue;
			grow_array((void **)&dp->ports, &dp->pcap, dp->nports + 1, sizeof(*dp->ports));
			dp->ports[dp->nports] = p;
			port = &dp->ports[dp->nports++];
			continue;
		}
		if (port && (!strncmp(s, "RX ", 3) || !strncmp(s, "TX ", 3) ||
			     !strncmp(s, "collisions:", 11))) {
			add_colon_pairs(&port->stats, s, "");
			continue;
		}
		if (!strncmp(s, "lookups:", 8)) {
			add_colon_pairs(&dp->stats, s + 8, "");
		} else if (!strncmp(s, "masks:", 6)) {
			add_colon_pairs(&dp->stats, s + 6, "masks_");
		} else if (!strncmp(s, "cache:", 6)) {
			add_colon_pairs(&dp->stats, s + 6, "cache_");
		} else if (!strncmp(s, "flows:", 6)) {
			uint64_t v;
			char *f[2];

			if (split_ws(s + 6, f, 2) == 1 && !parse_u64(f[0], &v))
				ovs_kvs_add(&dp->stats, "flows", 5, v);
		}
	}
	return 0;
}

/* ---- dpif-netdev/pmd-stats-show ---- */

void ovs_pmds_release(struct ovs_pmds *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->t[i].thread);
		ovs_kvs_release(&p->t[i].stats);
	}
	free(p->t);
	memset(p, 0, sizeof(*p));
}

int ovs_parse_pmd_stats(const char *buf, size_t len, struct ovs_pmds *out)
{
	struct lines it;
	struct ovs_pmd *t = NULL;

	memset(out, 0, sizeof(*out));
	lines_init(&it, buf, len);
	while (next_line(&it)) {
		char *s = it.line, *colon, *f[2];
		size_t ind = indent_of(s), n;
		uint64_t v;

		s += ind;
		n = strlen(s);
		if (!n)
			continue;
		if (!ind) {
			/* "pmd thread numa_id 0 core_id 1:" or "main thread:" */
			const char *core;

			t = NULL;
			if (s[n - 1] != ':' || !strstr(s, "thread"))
				continue;
			s[n - 1] = '\0';
			grow_array((void **)&out->t, &out->cap, out->n + 1, sizeof(*out->t));
			t = &out->t[out->n++];
			memset(t, 0, sizeof(*t));
			t->thread = xstrdup(s);
			t->core = -1;
			core = strstr(s, "core_id ");
			if (core) {
				char num[16];
				int c;

				snprintf(num, sizeof(num), "%.*s", (int)strspn(core + 8, "0123456789"),
					 core + 8);
				if (!parse_int(num, &c) && c >= 0)
					t->core = c;
			}
			continue;
		}
		if (!t)
			continue;
		colon = strrchr(s, ':');
		if (!colon || colon == s)
			continue;
		*colon = '\0';
		/* Integer counters only: averages ("1.00") and percentages are derived. */
		if (split_ws(colon + 1, f, 2) != 1 || parse_u64(f[0], &v))
			continue;
		ovs_kvs_add(&t->stats, s, strlen(s), v);
	}
	return 0;
}

/* ---- coverage/show ---- */

int ovs_parse_coverage(const char *buf, size_t len, int drops_only, struct ovs_kvs *out)
{
	struct lines it;

	memset(out, 0, sizeof(*out));
	lines_init(&it, buf, len);
	while (next_line(&it)) {
		char *f[16];
		int n = split_ws(it.line, f, (int)ARRAY_SIZE(f));
		uint64_t v;
		size_t i;

		/* "drop_action_of_pipeline  20.0/sec  1.667/sec  0.0278/sec   total: 100" */
		if (n < 3 || strcmp(f[n - 2], "total:") || parse_u64(f[n - 1], &v))
			continue;
		for (i = 0; f[0][i]; i++)
			if (!isalnum((unsigned char)f[0][i]) && f[0][i] != '_')
				break;
		if (f[0][i] || !i)
			continue;
		if (drops_only && !strstr(f[0], "drop"))
			continue;
		ovs_kvs_add(out, f[0], i, v);
	}
	return 0;
}

/* ---- /proc/PID/net/dev ---- */

int ovs_parse_net_dev(const char *buf, size_t len, struct ovs_kvs *out)
{
	struct lines it;

	memset(out, 0, sizeof(*out));
	lines_init(&it, buf, len);
	while (next_line(&it)) {
		char *colon = strchr(it.line, ':'), *f[20], *name = it.line;
		uint64_t rx, tx;

		if (!colon)
			continue;
		*colon = '\0';
		name += indent_of(name);
		if (!*name || strchr(name, ' ') || strchr(name, '|'))
			continue;
		if (split_ws(colon + 1, f, (int)ARRAY_SIZE(f)) < 10 || parse_u64(f[1], &rx) ||
		    parse_u64(f[9], &tx))
			continue;
		if (strlen(name) > 40)
			continue; /* IFNAMSIZ is 16: not a device line */
		/* Device names keep their own characters: store them raw, not normalized. */
		grow_array((void **)&out->v, &out->cap, out->n + 2, sizeof(*out->v));
		snprintf(out->v[out->n].name, sizeof(out->v[0].name), "%.40s/rx_packets", name);
		out->v[out->n++].value = rx;
		snprintf(out->v[out->n].name, sizeof(out->v[0].name), "%.40s/tx_packets", name);
		out->v[out->n++].value = tx;
	}
	return 0;
}

/* ---- command lines ---- */

static void set_path(char *dst, size_t dn, const char *p)
{
	if (p[0] == '/' && strlen(p) < dn)
		snprintf(dst, dn, "%s", p);
}

void ovs_parse_cmdline(const char *buf, size_t len, int is_vswitchd, char *db, size_t dbn,
		       char *ctl, size_t ctln)
{
	const char *p = buf, *end = buf + len;
	char arg[1024];
	int want = 0; /* the previous argument was 1: "--remote", 2: "--unixctl" */

	if (dbn)
		db[0] = '\0';
	if (ctln)
		ctl[0] = '\0';
	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t n = z ? (size_t)(z - p) : (size_t)(end - p);
		const char *remote = NULL, *unixctl = NULL;

		p += n + 1;
		if (n >= sizeof(arg)) {
			want = 0;
			continue;
		}
		memcpy(arg, p - n - 1, n);
		arg[n] = '\0';
		/* getopt_long accepts "--remote=punix:P" and "--remote" "punix:P". */
		if (want == 1)
			remote = arg;
		else if (want == 2)
			unixctl = arg;
		else if (!strncmp(arg, "--remote=", 9))
			remote = arg + 9;
		else if (!strncmp(arg, "--unixctl=", 10))
			unixctl = arg + 10;
		else if (is_vswitchd && !strncmp(arg, "unix:", 5) && dbn && !db[0])
			set_path(db, dbn, arg + 5); /* ovs-vswitchd's DATABASE argument */
		if (remote && !is_vswitchd && !strncmp(remote, "punix:", 6) && dbn && !db[0])
			set_path(db, dbn, remote + 6);
		if (unixctl && is_vswitchd && ctln)
			set_path(ctl, ctln, unixctl);
		want = !strcmp(arg, "--remote") ? 1 : !strcmp(arg, "--unixctl") ? 2 : 0;
	}
}
