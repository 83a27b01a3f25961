/* ovsdb.h: the JSON-RPC clients of Open vSwitch's sockets (over jsonrpc.h): OVSDB
 * (RFC 7047) for the Interface, Port and Bridge tables, and ovs-vswitchd's unixctl socket
 * for commands whose reply is text (parsed by ovs_parse.h). The reply parser takes a
 * parsed JSON value or a whole reply buffer, so unit tests and fuzzers call it on
 * recorded replies. */
#ifndef DPTUNE_OVSDB_H
#define DPTUNE_OVSDB_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "jsonrpc.h"
#include "ovs_parse.h"

/* One row of the OVSDB Interface table, with its bridge (through Port and Bridge). */
struct ovs_iface {
	char *name, *type, *iface_id, *bridge, *link_state, *uuid;
	int64_t ofport;          /* -1 when unset */
	struct ovs_kvs stats;    /* the statistics map */
};

struct ovs_db {
	struct ovs_iface *ifaces;
	size_t n, cap;
};

/* Fill db from the "result" of a transact holding three selects, in this order:
 * Interface (_uuid name type statistics external_ids ofport link_state),
 * Port (_uuid name interfaces), Bridge (name ports datapath_type). Rows lacking a name
 * are skipped. 0, or -EPROTO when the result has not that shape. */
int ovs_db_parse(json_object *result, struct ovs_db *db);
/* The same from a whole JSON-RPC reply with the given id. 0 or -errno (see jsonrpc.h). */
int ovs_db_parse_reply(const char *buf, size_t len, int64_t id, struct ovs_db *db);
void ovs_db_release(struct ovs_db *db);
/* The transact params that ovs_db_parse expects a reply to (new reference). */
json_object *ovs_db_request(void);

/* Connect to the socket at path if *conn is NULL, then call method with params (taken)
 * and wait up to JSONRPC_TIMEOUT_MS. A broken connection is closed and *conn set to NULL
 * (reopened on the next call); an error reply (-EREMOTEIO) keeps it. 0 with a new
 * reference in *res, or -errno (see jsonrpc_call). */
int ovsdb_call(struct jsonrpc **conn, const char *path, const char *method, json_object *params,
	       json_object **res);
/* Read the Interface table (with each row's bridge) from ovsdb-server at path into db
 * (release with ovs_db_release), over *conn as ovsdb_call. 0, or -errno with nothing in
 * db to release. */
int ovsdb_read_ifaces(struct jsonrpc **conn, const char *path, struct ovs_db *db);
/* A unixctl command of ovs-vswitchd whose reply is text: 0 with *res a new reference
 * (put it when done with *text, *len), -EPROTO when the reply is not a string, or the
 * errors of ovsdb_call. */
int ovsdb_unixctl_text(struct jsonrpc **conn, const char *path, const char *cmd,
		       const char *arg, json_object **res, const char **text, size_t *len);

#endif
