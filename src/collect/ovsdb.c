/* ovsdb.c: the JSON-RPC clients of Open vSwitch's two sockets, over jsonrpc.c: OVSDB
 * (RFC 7047: one transact of three selects for Interface, Port and Bridge, and the parser
 * of its result, which takes a parsed JSON value or a whole reply buffer) and the unixctl
 * socket of ovs-vswitchd (commands whose reply is text, for ovs_parse.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ovsdb.h"
#include "../core/util.h"

/* ---- the Interface, Port and Bridge tables ---- */

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

/* ---- the clients ---- */

int ovsdb_call(struct jsonrpc **conn, const char *path, const char *method, json_object *params,
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

int ovsdb_unixctl_text(struct jsonrpc **conn, const char *path, const char *cmd,
		       const char *arg, json_object **res, const char **text, size_t *len)
{
	json_object *params = json_object_new_array();
	int r;

	if (arg)
		json_object_array_add(params, json_object_new_string(arg));
	r = ovsdb_call(conn, path, cmd, params, res);
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

int ovsdb_read_ifaces(struct jsonrpc **conn, const char *path, struct ovs_db *db)
{
	json_object *res;
	int r;

	r = ovsdb_call(conn, path, "transact", ovs_db_request(), &res);
	if (r)
		return r;
	r = ovs_db_parse(res, db);
	json_object_put(res);
	return r;
}
