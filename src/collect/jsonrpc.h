/* jsonrpc.h: a small JSON-RPC 1.0 client over a unix stream socket, as spoken by
 * ovsdb-server (RFC 7047) and by the unixctl sockets of OVS daemons. Messages are
 * parsed incrementally with json-c's json_tokener; every call has a deadline and every
 * reply a size limit, so a stuck or hostile peer costs at most the timeout. */
#ifndef DPTUNE_JSONRPC_H
#define DPTUNE_JSONRPC_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define JSONRPC_TIMEOUT_MS 500
#define JSONRPC_MAX_REPLY (8u << 20)

/* Incremental reader: bytes in, complete JSON messages out. */
struct jsonrpc_reader {
	struct json_tokener *tok;
	size_t msg_bytes; /* bytes fed into the message being parsed */
	size_t max;       /* maximum size of one message */
};

void jsonrpc_reader_init(struct jsonrpc_reader *rd, size_t max);
void jsonrpc_reader_release(struct jsonrpc_reader *rd);
/* Feed up to len bytes. Returns 1 with a new reference in *msg when a message completed
 * (*used tells how many bytes it took; feed the rest again), 0 when every byte was taken
 * and more are needed, -EFBIG when the message exceeds max, -EPROTO when it is not JSON
 * or not an object. After an error the reader is reset. */
int jsonrpc_reader_feed(struct jsonrpc_reader *rd, const char *buf, size_t len, size_t *used,
			json_object **msg);

/* Classify a message against the request id we wait for. Returns 0 with a new reference
 * to "result" in *result (may be JSON null), 1 when the message is not our reply (a
 * notification, a request such as "echo", another id), -EREMOTEIO when the peer answered
 * with an error (its text in err), -EPROTO when a reply is malformed. */
int jsonrpc_reply_check(json_object *msg, int64_t id, json_object **result, char *err,
			size_t errn);

/* Parse a whole buffer holding our reply (possibly after other messages): the pure part
 * of jsonrpc_call, for tests and fuzzers. Same returns as jsonrpc_reply_check, plus
 * -ENODATA when the buffer ends before the reply and -EFBIG/-EPROTO from the reader. */
int jsonrpc_parse_reply(const char *buf, size_t len, int64_t id, size_t max,
			json_object **result, char *err, size_t errn);

struct jsonrpc;

/* Connect to the unix stream socket at path. 0 or -errno. */
int jsonrpc_open(const char *path, struct jsonrpc **out);
void jsonrpc_close(struct jsonrpc *r);
const char *jsonrpc_path(const struct jsonrpc *r);
/* Send {"method":method,"params":params,"id":N} (takes ownership of params) and wait up
 * to timeout_ms in total for the reply; "echo" requests met meanwhile are answered.
 * Returns 0 with a new reference in *result, -ETIMEDOUT, -ECONNRESET (peer closed),
 * -EFBIG, -EPROTO, -EREMOTEIO (err holds the peer's error), or -errno. After any error
 * but -EREMOTEIO the connection is unusable: close it and open a new one. */
int jsonrpc_call(struct jsonrpc *r, const char *method, json_object *params, int timeout_ms,
		 json_object **result, char *err, size_t errn);

#endif
