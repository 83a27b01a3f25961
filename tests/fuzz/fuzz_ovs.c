/* fuzz_ovs.c: libFuzzer target for the OVS collector's parsers: the JSON-RPC reply
 * reader and OVSDB transact decoder, and the text parsers of dpctl/show -s,
 * pmd-stats-show, coverage/show, /proc/PID/net/dev and daemon command lines. The first
 * byte picks the parser so one corpus covers all of them. */
#include <stddef.h>
#include <stdint.h>
#include "collect/jsonrpc.h"
#include "collect/ovs_parse.h"
#include "collect/ovsdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;
	struct ovs_dps d;
	struct ovs_pmds p;
	struct ovs_kvs k;
	struct ovs_db db;
	json_object *res;
	char err[64], a[108], b[108];

	if (!size)
		return 0;
	switch (data[0] % 6) {
	case 0:
		(void)ovs_db_parse_reply(buf, len, 7, &db);
		ovs_db_release(&db);
		if (!jsonrpc_parse_reply(buf, len, 3, 4096, &res, err, sizeof(err)))
			json_object_put(res);
		break;
	case 1:
		ovs_parse_dpctl_show(buf, len, &d);
		ovs_dps_release(&d);
		break;
	case 2:
		ovs_parse_pmd_stats(buf, len, &p);
		ovs_pmds_release(&p);
		break;
	case 3:
		ovs_parse_coverage(buf, len, data[0] & 8, &k);
		ovs_kvs_release(&k);
		break;
	case 4:
		ovs_parse_net_dev(buf, len, &k);
		ovs_kvs_release(&k);
		break;
	default:
		ovs_parse_cmdline(buf, len, data[0] & 8, a, sizeof(a), b, sizeof(b));
		break;
	}
	return 0;
}
