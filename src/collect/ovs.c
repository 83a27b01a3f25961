/* ovs.c: the Open vSwitch collector (layer vdev). It finds every OVS instance on the
 * machine (the default run directory, $OVS_RUNDIR, --ovs-rundir, and the command lines of
 * running ovsdb-server/ovs-vswitchd processes), then reads over their unix sockets:
 * OVSDB Interface statistics per port, and from ovs-vswitchd's unixctl socket the
 * datapath lookups (hit/missed/lost), per-port datapath counters, PMD counters and the
 * drop coverage counters; finally the packets a kernel device handed to OVS that OVS
 * never counted (the AF_PACKET gap). Connections stay open across snapshots.
 * The parsers come first and take buffers; ovs.h declares them for tests and fuzzers. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "collect.h"
#include "jsonrpc.h"
#include "ovs.h"
#include "../core/util.h"
#include "../model/intern.h"
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

/* ---- OVSDB ---- */

void ovs_db_release(struct ovs_db *db)
{
	for (size_t i = 0; i < db->n; i++) {
		struct ovs_iface *f = &db->ifaces[i];

		free(f->name);
		free(f->type);
		free(f->iface_id);
		free(f->bridge);
		free(f->link_state);
		free(f->uuid);
		ovs_kvs_release(&f->stats);
	}
	free(db->ifaces);
	memset(db, 0, sizeof(*db));
}

json_object *ovs_db_request(void)
{
	static const char *const req =
		"[\"Open_vSwitch\","
		"{\"op\":\"select\",\"table\":\"Interface\",\"where\":[],\"columns\":"
		"[\"_uuid\",\"name\",\"type\",\"statistics\",\"external_ids\",\"ofport\",\"link_state\"]},"
		"{\"op\":\"select\",\"table\":\"Port\",\"where\":[],\"columns\":"
		"[\"_uuid\",\"name\",\"interfaces\"]},"
		"{\"op\":\"select\",\"table\":\"Bridge\",\"where\":[],\"columns\":"
		"[\"name\",\"ports\",\"datapath_type\"]}]";

	return json_tokener_parse(req);
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* An OVSDB "<uuid>" atom: ["uuid", "..."]. */
static const char *juuid(json_object *a)
{
	json_object *t, *u;

	if (!json_object_is_type(a, json_type_array) || json_object_array_length(a) != 2)
		return NULL;
	t = json_object_array_get_idx(a, 0);
	u = json_object_array_get_idx(a, 1);
	if (!json_object_is_type(t, json_type_string) || strcmp(json_object_get_string(t), "uuid") ||
	    !json_object_is_type(u, json_type_string))
		return NULL;
	return json_object_get_string(u);
}

/* A tagged value ["set"|"map", [...]]: the inner array, or NULL. */
static json_object *jtagged(json_object *v, const char *tag)
{
	json_object *t, *a;

	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2)
		return NULL;
	t = json_object_array_get_idx(v, 0);
	a = json_object_array_get_idx(v, 1);
	if (!json_object_is_type(t, json_type_string) || strcmp(json_object_get_string(t), tag) ||
	    !json_object_is_type(a, json_type_array))
		return NULL;
	return a;
}

/* Is uuid u an element of the uuid set v (a single atom or ["set", [...]])? */
static int set_has_uuid(json_object *v, const char *u)
{
	json_object *a = jtagged(v, "set");
	const char *x;

	if (!a) {
		x = juuid(v);
		return x && !strcmp(x, u);
	}
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		x = juuid(json_object_array_get_idx(a, i));
		if (x && !strcmp(x, u))
			return 1;
	}
	return 0;
}

/* The rows array of the i-th operation result, or NULL. */
static json_object *op_rows(json_object *result, size_t i)
{
	json_object *op, *rows;

	if (i >= json_object_array_length(result))
		return NULL;
	op = json_object_array_get_idx(result, i);
	if (!json_object_is_type(op, json_type_object) ||
	    !json_object_object_get_ex(op, "rows", &rows) ||
	    !json_object_is_type(rows, json_type_array))
		return NULL;
	return rows;
}

static void parse_iface(json_object *row, struct ovs_iface *f)
{
	json_object *v, *m;
	const char *s;

	s = jstr(row, "type");
	f->type = xstrdup(s ? s : "");
	s = jstr(row, "link_state");
	f->link_state = xstrdup(s ? s : "");
	f->uuid = xstrdup(json_object_object_get_ex(row, "_uuid", &v) && juuid(v) ? juuid(v) : "");
	f->ofport = -1;
	if (json_object_object_get_ex(row, "ofport", &v) && json_object_is_type(v, json_type_int))
		f->ofport = json_object_get_int64(v);
	if (json_object_object_get_ex(row, "external_ids", &v) && (m = jtagged(v, "map"))) {
		for (size_t i = 0; i < json_object_array_length(m); i++) {
			json_object *kv = json_object_array_get_idx(m, i), *k, *x;

			if (!json_object_is_type(kv, json_type_array) ||
			    json_object_array_length(kv) != 2)
				continue;
			k = json_object_array_get_idx(kv, 0);
			x = json_object_array_get_idx(kv, 1);
			if (json_object_is_type(k, json_type_string) &&
			    json_object_is_type(x, json_type_string) &&
			    !strcmp(json_object_get_string(k), "iface-id") && !f->iface_id)
				f->iface_id = xstrdup(json_object_get_string(x));
		}
	}
	if (json_object_object_get_ex(row, "statistics", &v) && (m = jtagged(v, "map"))) {
		for (size_t i = 0; i < json_object_array_length(m); i++) {
			json_object *kv = json_object_array_get_idx(m, i), *k, *x;
			int64_t n;

			if (!json_object_is_type(kv, json_type_array) ||
			    json_object_array_length(kv) != 2)
				continue;
			k = json_object_array_get_idx(kv, 0);
			x = json_object_array_get_idx(kv, 1);
			if (!json_object_is_type(k, json_type_string) ||
			    !json_object_is_type(x, json_type_int))
				continue;
			n = json_object_get_int64(x);
			if (n < 0)
				continue; /* OVS uses negative/absent for "not supported" */
			s = json_object_get_string(k);
			ovs_kvs_add(&f->stats, s, strlen(s), (uint64_t)n);
		}
	}
}

int ovs_db_parse(json_object *result, struct ovs_db *db)
{
	json_object *irows, *prows, *brows;

	memset(db, 0, sizeof(*db));
	if (!json_object_is_type(result, json_type_array))
		return -EPROTO;
	irows = op_rows(result, 0);
	prows = op_rows(result, 1);
	brows = op_rows(result, 2);
	if (!irows)
		return -EPROTO;
	for (size_t i = 0; i < json_object_array_length(irows); i++) {
		json_object *row = json_object_array_get_idx(irows, i);
		const char *name = json_object_is_type(row, json_type_object) ?
				   jstr(row, "name") : NULL;
		struct ovs_iface *f;

		if (!name || !*name)
			continue;
		grow_array((void **)&db->ifaces, &db->cap, db->n + 1, sizeof(*db->ifaces));
		f = &db->ifaces[db->n++];
		memset(f, 0, sizeof(*f));
		f->name = xstrdup(name);
		parse_iface(row, f);
	}
	/* Interface -> Port (interfaces) -> Bridge (ports): name the bridge of each row. */
	if (!prows || !brows)
		return 0;
	for (size_t b = 0; b < json_object_array_length(brows); b++) {
		json_object *brow = json_object_array_get_idx(brows, b), *bports;
		const char *bname = json_object_is_type(brow, json_type_object) ?
				    jstr(brow, "name") : NULL;

		if (!bname || !json_object_object_get_ex(brow, "ports", &bports))
			continue;
		for (size_t p = 0; p < json_object_array_length(prows); p++) {
			json_object *prow = json_object_array_get_idx(prows, p), *pu, *pif;
			const char *puuid;

			if (!json_object_is_type(prow, json_type_object) ||
			    !json_object_object_get_ex(prow, "_uuid", &pu) || !(puuid = juuid(pu)) ||
			    !set_has_uuid(bports, puuid) ||
			    !json_object_object_get_ex(prow, "interfaces", &pif))
				continue;
			for (size_t i = 0; i < db->n; i++)
				if (!db->ifaces[i].bridge && db->ifaces[i].uuid[0] &&
				    set_has_uuid(pif, db->ifaces[i].uuid))
					db->ifaces[i].bridge = xstrdup(bname);
		}
	}
	return 0;
}

int ovs_db_parse_reply(const char *buf, size_t len, int64_t id, struct ovs_db *db)
{
	json_object *res;
	char err[256];
	int r;

	memset(db, 0, sizeof(*db));
	r = jsonrpc_parse_reply(buf, len, id, JSONRPC_MAX_REPLY, &res, err, sizeof(err));
	if (r)
		return r;
	r = ovs_db_parse(res, db);
	json_object_put(res);
	return r;
}

/* ==== the collector ==== */

#define OVS_PATH_MAX 108 /* sun_path */
#define OVS_PROC_RESCAN 10.0 /* seconds between scans of /proc for OVS daemons */

struct ovs_inst {
	char key[PATH_MAX];     /* the run directory (or socket path): label "ovs=" */
	char db[OVS_PATH_MAX];  /* ovsdb-server socket, or "" */
	char ctl[OVS_PATH_MAX]; /* ovs-vswitchd unixctl socket, or "" */
	int vs_pid;             /* ovs-vswitchd, 0 if unknown */
	bool from_dir, from_proc;
	struct jsonrpc *dbc, *ctlc;
};

struct ovs_priv {
	struct ovs_inst *in;
	size_t n, cap;
	double last_scan;
};

static void ovs_inst_close(struct ovs_inst *in)
{
	jsonrpc_close(in->dbc);
	jsonrpc_close(in->ctlc);
	in->dbc = in->ctlc = NULL;
}

static void ovs_release(void *p)
{
	struct ovs_priv *pr = p;

	for (size_t i = 0; i < pr->n; i++)
		ovs_inst_close(&pr->in[i]);
	free(pr->in);
	free(pr);
}

static bool is_socket(const char *path)
{
	struct stat st;

	return path[0] && !stat(path, &st) && S_ISSOCK(st.st_mode);
}

/* Find or add the instance of run directory dir (canonicalized). */
static struct ovs_inst *inst_get(struct ovs_priv *pr, const char *dir)
{
	char canon[PATH_MAX];

	if (!realpath(dir, canon))
		snprintf(canon, sizeof(canon), "%s", dir);
	for (size_t i = 0; i < pr->n; i++)
		if (!strcmp(pr->in[i].key, canon))
			return &pr->in[i];
	grow_array((void **)&pr->in, &pr->cap, pr->n + 1, sizeof(*pr->in));
	struct ovs_inst *in = &pr->in[pr->n++];

	memset(in, 0, sizeof(*in));
	snprintf(in->key, sizeof(in->key), "%s", canon);
	return in;
}

static void dirname_of(const char *path, char *dir, size_t n)
{
	const char *sl = strrchr(path, '/');

	if (!sl || sl == path)
		snprintf(dir, n, "/");
	else
		snprintf(dir, n, "%.*s", (int)(sl - path), path);
}

static int pid_comm(int pid, char *comm, size_t n)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	return read_small(path, comm, n);
}

/* A run directory: db.sock and ovs-vswitchd.ctl, or ovs-vswitchd.<pid>.ctl as vswitchd
 * names it when started without --unixctl. */
static void add_rundir(struct ovs_priv *pr, const char *dir)
{
	char db[PATH_MAX], ctl[PATH_MAX], pidbuf[32], comm[32];
	struct ovs_inst *in;
	int pid = 0;

	snprintf(db, sizeof(db), "%s/db.sock", dir);
	snprintf(ctl, sizeof(ctl), "%s/ovs-vswitchd.ctl", dir);
	snprintf(pidbuf, sizeof(pidbuf), "%s", "");
	{
		char pf[PATH_MAX];

		snprintf(pf, sizeof(pf), "%s/ovs-vswitchd.pid", dir);
		if (!read_small(pf, pidbuf, sizeof(pidbuf)) && !parse_int(pidbuf, &pid) &&
		    pid > 0 && !pid_comm(pid, comm, sizeof(comm)) && !strcmp(comm, "ovs-vswitchd")) {
			if (!is_socket(ctl))
				snprintf(ctl, sizeof(ctl), "%s/ovs-vswitchd.%d.ctl", dir, pid);
		} else {
			pid = 0;
		}
	}
	if (!is_socket(db) && !is_socket(ctl))
		return;
	in = inst_get(pr, dir);
	in->from_dir = true;
	if (!in->db[0] && is_socket(db) && strlen(db) < sizeof(in->db))
		snprintf(in->db, sizeof(in->db), "%s", db);
	if (!in->ctl[0] && is_socket(ctl) && strlen(ctl) < sizeof(in->ctl))
		snprintf(in->ctl, sizeof(in->ctl), "%s", ctl);
	if (pid && !in->vs_pid)
		in->vs_pid = pid;
}

/* Processes named ovsdb-server / ovs-vswitchd: the sockets on their command lines. */
static void scan_proc(struct ovs_priv *pr)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	struct strbuf sb;

	if (!d)
		return;
	sb_init(&sb);
	while ((de = readdir(d))) {
		char comm[32], path[64], db[OVS_PATH_MAX], ctl[OVS_PATH_MAX], dir[PATH_MAX];
		int pid, vs;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' || parse_int(de->d_name, &pid))
			continue;
		if (pid_comm(pid, comm, sizeof(comm)))
			continue;
		vs = !strcmp(comm, "ovs-vswitchd");
		if (!vs && strcmp(comm, "ovsdb-server"))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		sb_reset(&sb);
		if (read_file_sb(path, &sb, 65536))
			continue;
		ovs_parse_cmdline(sb.buf, sb.len, vs, db, sizeof(db), ctl, sizeof(ctl));
		if (!db[0] && !ctl[0])
			continue;
		dirname_of(db[0] ? db : ctl, dir, sizeof(dir));
		struct ovs_inst *in = inst_get(pr, dir);

		in->from_proc = true;
		if (!vs && is_socket(db))
			snprintf(in->db, sizeof(in->db), "%s", db);
		if (vs) {
			in->vs_pid = pid;
			if (!ctl[0] && strlen(dir) + 32 < sizeof(ctl))
				snprintf(ctl, sizeof(ctl), "%s/ovs-vswitchd.%d.ctl", dir, pid);
			if (is_socket(ctl))
				snprintf(in->ctl, sizeof(in->ctl), "%s", ctl);
		}
	}
	closedir(d);
	sb_release(&sb);
}

static void discover(struct cctx *c, struct ovs_priv *pr)
{
	const struct collect_opts *o = cctx_opts(c);
	const char *env = getenv("OVS_RUNDIR");
	char dir[PATH_MAX];
	bool rescan = now_mono() - pr->last_scan >= OVS_PROC_RESCAN || !pr->last_scan;

	for (size_t i = 0; i < pr->n; i++) {
		pr->in[i].from_dir = false;
		if (rescan)
			pr->in[i].from_proc = false;
	}
	cctx_path(c, dir, sizeof(dir), "run", "openvswitch");
	add_rundir(pr, dir);
	if (env && *env)
		add_rundir(pr, env);
	if (o->ovs_rundirs) {
		const char *p = o->ovs_rundirs;

		while (*p) {
			size_t n = strcspn(p, ":");

			if (n && n < sizeof(dir)) {
				snprintf(dir, sizeof(dir), "%.*s", (int)n, p);
				add_rundir(pr, dir);
			}
			p += n;
			if (*p)
				p++;
		}
	}
	if (rescan) {
		scan_proc(pr);
		pr->last_scan = now_mono();
	}
	/* Forget instances nobody names any more (the daemon exited, the dir is gone). */
	for (size_t i = 0; i < pr->n;) {
		struct ovs_inst *in = &pr->in[i];

		if ((in->from_dir || in->from_proc) && (is_socket(in->db) || is_socket(in->ctl))) {
			i++;
			continue;
		}
		ovs_inst_close(in);
		pr->in[i] = pr->in[--pr->n];
	}
}

/* ---- emitting ---- */

/* Append ",k=v" to sb (no comma first), with ',' and '=' in v replaced. */
static void lbl(struct strbuf *sb, const char *k, const char *v)
{
	if (!v || !*v)
		return;
	if (sb->len)
		sb_addstr(sb, ",");
	sb_addf(sb, "%s=", k);
	for (; *v; v++)
		sb_add(sb, (*v == ',' || *v == '=') ? "_" : v, 1);
}

static void put(struct cctx *c, uint32_t ns, enum metric_kind kind, unsigned flags,
		const char *obj, int cpu, const char *name, uint64_t v, const char *labels)
{
	struct metric *m = snap_add_full(c->snap, ns, LAYER_VDEV, kind, flags, obj, -1, cpu,
					 name, v);

	m->labels = labels ? intern(labels) : NULL;
}

/* Counters whose increase means loss or a fault. */
static unsigned drop_flags(const char *name)
{
	return (strstr(name, "drop") || strstr(name, "err") || strstr(name, "overrun") ||
		strstr(name, "frame") || strstr(name, "aborted") || strstr(name, "carrier") ||
		strstr(name, "lost")) ? MF_DROP : 0;
}

/* The namespace the OVS ports live in: that of ovs-vswitchd. Its devices are reported
 * there by the link collector, so the OVS rows go beside them. The engine reads the host
 * namespace (where this host-scope collector runs) first, so other namespaces are not
 * in the snapshot yet: add them under the name the engine will give them (/run/netns
 * names win, sorted). Anything else stays in the host namespace, labelled. */
static uint32_t ovs_ns_index(struct cctx *c, int pid, uint64_t *inode_out)
{
	char path[PATH_MAX], best[256] = "";
	struct stat st;
	uint64_t ino;
	DIR *d;
	struct dirent *de;

	*inode_out = 0;
	if (!pid || cctx_opts(c)->no_netns)
		return c->ns;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (stat(path, &st))
		return c->ns;
	ino = st.st_ino;
	*inode_out = ino;
	for (size_t i = 0; i < c->snap->nns; i++)
		if (c->snap->ns[i].inode == ino)
			return (uint32_t)i;
	cctx_path(c, path, sizeof(path), "run", "netns");
	d = opendir(path);
	if (!d)
		return c->ns;
	while ((de = readdir(d))) {
		char p2[PATH_MAX + 300];

		if (de->d_name[0] == '.')
			continue;
		snprintf(p2, sizeof(p2), "%s/%s", path, de->d_name);
		if (stat(p2, &st) || st.st_ino != ino)
			continue;
		if (!best[0] || strcmp(de->d_name, best) < 0)
			snprintf(best, sizeof(best), "%s", de->d_name);
	}
	closedir(d);
	if (!best[0])
		return c->ns;
	*inode_out = 0;
	return snap_add_ns(c->snap, ino, best, NS_NAMED, 0);
}

/* Connect if needed and call; a broken connection is closed (reopened next time). */
static int rpc(struct jsonrpc **conn, const char *path, const char *method, json_object *params,
	       json_object **res)
{
	char err[256];
	int r;

	*res = NULL;
	if (!*conn) {
		r = jsonrpc_open(path, conn);
		if (r) {
			json_object_put(params);
			return r;
		}
	}
	r = jsonrpc_call(*conn, method, params, JSONRPC_TIMEOUT_MS, res, err, sizeof(err));
	if (r && r != -EREMOTEIO) {
		jsonrpc_close(*conn);
		*conn = NULL;
	}
	return r;
}

/* A unixctl command whose reply is text. */
static int ctl_text(struct ovs_inst *in, const char *cmd, const char *arg, json_object **res,
		    const char **text, size_t *len)
{
	json_object *params = json_object_new_array();
	int r;

	if (arg)
		json_object_array_add(params, json_object_new_string(arg));
	r = rpc(&in->ctlc, in->ctl, cmd, params, res);
	if (r)
		return r;
	if (!json_object_is_type(*res, json_type_string)) {
		json_object_put(*res);
		*res = NULL;
		return -EPROTO;
	}
	*text = json_object_get_string(*res);
	*len = (size_t)json_object_get_string_len(*res);
	return 0;
}

static int emit_ovsdb(struct cctx *c, struct ovs_inst *in, uint32_t ns, const char *base)
{
	struct ovs_db db;
	json_object *res;
	struct strbuf sb;
	int r;

	r = rpc(&in->dbc, in->db, "transact", ovs_db_request(), &res);
	if (r)
		return r;
	r = ovs_db_parse(res, &db);
	json_object_put(res);
	if (r)
		return r;
	sb_init(&sb);
	for (size_t i = 0; i < db.n; i++) {
		const struct ovs_iface *f = &db.ifaces[i];
		char num[24];

		sb_reset(&sb);
		sb_addstr(&sb, base);
		lbl(&sb, "bridge", f->bridge);
		if (f->ofport >= 0) {
			snprintf(num, sizeof(num), "%lld", (long long)f->ofport);
			lbl(&sb, "ofport", num);
		}
		lbl(&sb, "iface_id", f->iface_id); /* Neutron port UUID */
		lbl(&sb, "type", f->type);
		/* ovs-vswitchd copies Interface statistics into OVSDB only every 5 s
		 * (other_config:stats-update-interval): these rows lag by up to that. */
		lbl(&sb, "source", "ovsdb");
		for (size_t k = 0; k < f->stats.n; k++) {
			char name[80];

			snprintf(name, sizeof(name), "ovs_%s", f->stats.v[k].name);
			put(c, ns, MK_COUNTER, drop_flags(f->stats.v[k].name), f->name, -1, name,
			    f->stats.v[k].value, sb.buf);
		}
		if (f->link_state[0]) {
			struct metric *m = snap_add_knob(c->snap, ns, LAYER_VDEV, f->name,
							 "ovs_link_state", f->link_state);

			m->labels = intern(sb.buf);
		}
	}
	sb_release(&sb);
	ovs_db_release(&db);
	return 0;
}

static bool type_system(const char *t)
{
	return !*t || !strcmp(t, "system");
}

/* Port types of the userspace datapath that have no receive queue of their own: their
 * packets come in on another port and are recirculated, so "packets received" never
 * counts them twice. */
static bool type_no_rxq(const char *t)
{
	static const char *const k[] = { "vxlan", "geneve", "gre", "ip6gre", "erspan",
		"ip6erspan", "stt", "lisp", "bareudp", "gtpu", "srv6", "patch" };

	for (size_t i = 0; i < ARRAY_SIZE(k); i++)
		if (!strcmp(t, k[i]))
			return true;
	return false;
}

static uint64_t kernel_count(struct cctx *c, uint32_t ns, const struct ovs_kvs *dev,
			     bool have_dev, const char *ifname, const char *what, bool *ok)
{
	char key[96];
	const struct ovs_kv *kv;
	const struct metric *m;

	*ok = true;
	if (have_dev) {
		snprintf(key, sizeof(key), "%s/%s", ifname, what);
		kv = ovs_kvs_find(dev, key);
		if (kv)
			return kv->value;
	} else {
		/* No ovs-vswitchd pid: the link collector's rows, if it read that ns already. */
		m = snap_find(c->snap, ns, LAYER_VDEV, ifname, -1, -1, what);
		if (!m)
			m = snap_find(c->snap, ns, LAYER_NIC, ifname, -1, -1, what);
		if (m)
			return m->value;
	}
	*ok = false;
	return 0;
}

static void emit_dp(struct cctx *c, struct ovs_inst *in, uint32_t ns, const char *base,
		    const struct ovs_dps *dps, const struct ovs_pmds *pmds, bool have_pmd,
		    const struct ovs_kvs *dev, bool have_dev)
{
	struct strbuf sb;

	sb_init(&sb);
	for (size_t i = 0; i < dps->n; i++) {
		const struct ovs_dp *dp = &dps->dp[i];
		bool netdev = !strncmp(dp->name, "netdev@", 7), gap_ok = netdev && have_pmd;
		uint64_t kin = 0, seen = 0;
		char obj[160];

		snprintf(obj, sizeof(obj), "ovs:%s", dp->name);
		sb_reset(&sb);
		sb_addstr(&sb, base);
		lbl(&sb, "source", "dpctl");
		for (size_t k = 0; k < dp->stats.n; k++) {
			const char *n = dp->stats.v[k].name;
			char name[80];
			bool gauge = !strcmp(n, "flows") || !strcmp(n, "masks_total");

			snprintf(name, sizeof(name), "dp_%s", dp->stats.v[k].name);
			/* lost: upcalls dropped because the upcall queue was full (new flows). */
			put(c, ns, gauge ? MK_GAUGE : MK_COUNTER, !strcmp(n, "lost") ? MF_DROP : 0,
			    obj, -1, name, dp->stats.v[k].value, sb.buf);
		}
		for (size_t p = 0; p < dp->nports; p++) {
			const struct ovs_dp_port *pt = &dp->ports[p];
			const struct ovs_kv *orx = ovs_kvs_find(&pt->stats, "rx_packets");
			char num[16];
			bool ok;

			sb_reset(&sb);
			sb_addstr(&sb, base);
			lbl(&sb, "datapath", dp->name);
			snprintf(num, sizeof(num), "%u", pt->port_no);
			lbl(&sb, "port", num);
			lbl(&sb, "type", pt->type[0] ? pt->type : "system");
			lbl(&sb, "source", "dpctl");
			for (size_t k = 0; k < pt->stats.n; k++) {
				char name[80];

				snprintf(name, sizeof(name), "dp_%s", pt->stats.v[k].name);
				put(c, ns, MK_COUNTER, drop_flags(pt->stats.v[k].name), pt->name, -1,
				    name, pt->stats.v[k].value, sb.buf);
			}
			if (type_system(pt->type)) {
				uint64_t k = kernel_count(c, ns, dev, have_dev, pt->name, "rx_packets",
							  &ok);

				if (!ok)
					gap_ok = false;
				kin += k;
				/* Kernel datapath: the vport counts what OVS received, the device
				 * what the NIC/veth received; the difference died in between. (The
				 * userspace datapath reports the kernel's own counters for system
				 * ports, so there the comparison is made against the PMD counters
				 * below instead.) */
				if (ok && !netdev && orx)
					put(c, ns, MK_COUNTER, MF_DROP, pt->name, -1, "ovs_unseen",
					    k > orx->value ? k - orx->value : 0, sb.buf);
			} else if (!strcmp(pt->type, "tap") || !strcmp(pt->type, "internal")) {
				/* OVS reads what the kernel transmits into the tap. */
				kin += kernel_count(c, ns, dev, have_dev, pt->name, "tx_packets", &ok);
				if (!ok)
					gap_ok = false;
			} else if (!type_no_rxq(pt->type)) {
				gap_ok = false; /* dpdk, afxdp...: no kernel count to compare */
			}
		}
		if (netdev && have_pmd) {
			for (size_t t = 0; t < pmds->n; t++) {
				const struct ovs_pmd *pm = &pmds->t[t];

				sb_reset(&sb);
				sb_addstr(&sb, base);
				lbl(&sb, "thread", pm->thread);
				lbl(&sb, "source", "pmd-stats");
				for (size_t k = 0; k < pm->stats.n; k++) {
					const char *n = pm->stats.v[k].name;
					char name[80];

					if (!strcmp(n, "packets_received"))
						seen += pm->stats.v[k].value;
					snprintf(name, sizeof(name), "pmd_%s", n);
					/* "miss with failed upcall" is PMD_STAT_LOST: dropped. */
					put(c, ns, MK_COUNTER,
					    !strcmp(n, "miss_with_failed_upcall") ? MF_DROP : 0, obj,
					    pm->core, name, pm->stats.v[k].value, sb.buf);
				}
			}
		}
		if (gap_ok && dp->nports) {
			/* The AF_PACKET gap (PLATFORM.md "OVS hides AF_PACKET drops"): a system
			 * port of the userspace datapath reads its device through an AF_PACKET
			 * socket. The kernel counts a packet in rx_packets before the socket
			 * queue; when that queue overflows under a burst the packet is freed
			 * and no OVS counter sees it (OVS even reports the kernel's rx_packets
			 * as its own). What every port's kernel device handed to OVS minus what
			 * the PMD/main threads received ("packets received") is that loss. It
			 * also holds packets a device received before OVS opened it, and those
			 * queued right now, so read it as a rate, not as a lifetime total. */
			sb_reset(&sb);
			sb_addstr(&sb, base);
			lbl(&sb, "source", "kernel-vs-pmd");
			put(c, ns, MK_COUNTER, MF_DROP, obj, -1, "ovs_unseen",
			    kin > seen ? kin - seen : 0, sb.buf);
		}
	}
	sb_release(&sb);
}

static int emit_ctl(struct cctx *c, struct ovs_inst *in, uint32_t ns, const char *base)
{
	struct ovs_dps dps = { 0 };
	struct ovs_pmds pmds = { 0 };
	struct ovs_kvs dev = { 0 }, cov = { 0 };
	json_object *res = NULL;
	const char *txt;
	size_t len;
	bool have_pmd = false, have_dev = false;
	int r;

	/* The kernel side first: a packet counted here and received by OVS before the
	 * OVS reads below cannot show up as unseen. */
	if (in->vs_pid) {
		char path[64];
		struct strbuf sb;

		sb_init(&sb);
		snprintf(path, sizeof(path), "/proc/%d/net/dev", in->vs_pid);
		if (!read_file_sb(path, &sb, 4u << 20)) {
			ovs_parse_net_dev(sb.buf, sb.len, &dev);
			have_dev = true;
		}
		sb_release(&sb);
	}
	r = ctl_text(in, "dpctl/show", "-s", &res, &txt, &len);
	if (r)
		goto out;
	ovs_parse_dpctl_show(txt, len, &dps);
	json_object_put(res);
	/* Fails with an error reply when there is no userspace datapath: not an error. */
	if (!ctl_text(in, "dpif-netdev/pmd-stats-show", NULL, &res, &txt, &len)) {
		ovs_parse_pmd_stats(txt, len, &pmds);
		have_pmd = pmds.n > 0;
		json_object_put(res);
	}
	if (!in->ctlc) { /* the connection broke */
		r = -ECONNRESET;
		goto out;
	}
	emit_dp(c, in, ns, base, &dps, &pmds, have_pmd, &dev, have_dev);
	if (!ctl_text(in, "coverage/show", NULL, &res, &txt, &len)) {
		char obj[160];
		struct strbuf sb;

		ovs_parse_coverage(txt, len, 1, &cov);
		json_object_put(res);
		/* Coverage counters are per ovs-vswitchd process; they go on its first
		 * datapath (usually the only one). Each thread folds its counts into
		 * these totals once a second, so they lag by up to 1 s. */
		snprintf(obj, sizeof(obj), "ovs:%s", dps.n ? dps.dp[0].name : "vswitchd");
		sb_init(&sb);
		sb_addstr(&sb, base);
		lbl(&sb, "source", "coverage");
		for (size_t k = 0; k < cov.n; k++) {
			char name[80];

			snprintf(name, sizeof(name), "coverage_%s", cov.v[k].name);
			put(c, ns, MK_COUNTER, MF_DROP, obj, -1, name, cov.v[k].value, sb.buf);
		}
		sb_release(&sb);
	}
	r = 0;
out:
	ovs_dps_release(&dps);
	ovs_pmds_release(&pmds);
	ovs_kvs_release(&dev);
	ovs_kvs_release(&cov);
	return r;
}

static int ovs_run(struct cctx *c)
{
	struct ovs_priv **pp = (struct ovs_priv **)cctx_priv(c), *pr;
	int nok = 0, lasterr = 0;
	char lastwhat[PATH_MAX + 64] = "";

	if (cctx_opts(c)->recorded)
		return cctx_unavailable(c, -EOPNOTSUPP,
					"recorded input: Open vSwitch is read over its sockets");
	if (!*pp)
		*pp = xcalloc(1, sizeof(**pp));
	pr = *pp;
	discover(c, pr);
	if (!pr->n)
		return cctx_unavailable(c, -ENOENT,
			"no ovsdb-server socket found in %s/openvswitch, $OVS_RUNDIR or running "
			"OVS daemons (point dptune at one: --ovs-rundir DIR)",
			cctx_opts(c)->run_root);
	for (size_t i = 0; i < pr->n; i++) {
		struct ovs_inst *in = &pr->in[i];
		uint64_t inode;
		uint32_t ns = ovs_ns_index(c, in->vs_pid, &inode);
		struct strbuf base;
		int r;

		sb_init(&base);
		lbl(&base, "ovs", in->key);
		if (inode && ns == c->ns && inode != c->snap->ns[c->ns].inode) {
			char num[24];

			snprintf(num, sizeof(num), "%llu", (unsigned long long)inode);
			lbl(&base, "netns_inode", num);
		}
		if (in->db[0]) {
			r = emit_ovsdb(c, in, ns, base.buf);
			if (r) {
				lasterr = r;
				snprintf(lastwhat, sizeof(lastwhat), "%s", in->db);
			} else {
				nok++;
			}
		}
		if (in->ctl[0]) {
			r = emit_ctl(c, in, ns, base.buf);
			if (r) {
				lasterr = r;
				snprintf(lastwhat, sizeof(lastwhat), "%s", in->ctl);
			} else {
				nok++;
			}
		}
		sb_release(&base);
	}
	if (!nok && lasterr)
		return cctx_unavailable(c, lasterr, "cannot query Open vSwitch at %s: %s%s", lastwhat,
					strerror(-lasterr),
					lasterr == -EACCES ? " (run as root)" : "");
	return 0;
}

const struct collector collector_ovs = { "ovs", SCOPE_HOST, ovs_run, ovs_release };
