/* test_ovs.c: the OVS collector's parsers on replies and outputs recorded from a running
 * OVS 3.1 userspace-datapath instance (tests/data/ovs/), and on malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "collect/jsonrpc.h"
#include "collect/ovs_parse.h"
#include "collect/ovsdb.h"
#include "core/util.h"

#ifndef DATA_DIR
#define DATA_DIR "tests/data/ovs"
#endif

static char *load(const char *name, size_t *len)
{
	char path[512];
	struct strbuf sb;

	snprintf(path, sizeof(path), "%s/%s", DATA_DIR, name);
	sb_init(&sb);
	assert_int_equal(read_file_sb(path, &sb, 1u << 20), 0);
	*len = sb.len;
	return sb.buf;
}

static uint64_t kv(const struct ovs_kvs *k, const char *name)
{
	const struct ovs_kv *e = ovs_kvs_find(k, name);

	assert_non_null(e);
	return e->value;
}

static const struct ovs_iface *iface(const struct ovs_db *db, const char *name)
{
	for (size_t i = 0; i < db->n; i++)
		if (!strcmp(db->ifaces[i].name, name))
			return &db->ifaces[i];
	fail_msg("no interface %s", name);
	return NULL;
}

static void test_db_reply(void **state)
{
	size_t len;
	char *buf = load("db-transact.json", &len);
	struct ovs_db db;
	const struct ovs_iface *a, *br;

	assert_int_equal(ovs_db_parse_reply(buf, len, 7, &db), 0);
	assert_int_equal(db.n, 3);
	a = iface(&db, "rec0a");
	assert_string_equal(a->bridge, "rec0br");
	assert_string_equal(a->type, "");
	assert_string_equal(a->iface_id, "11111111-2222-3333-4444-555555555555");
	assert_string_equal(a->link_state, "up");
	assert_int_equal(a->ofport, 1);
	assert_int_equal(kv(&a->stats, "rx_packets"), 112);
	assert_int_equal(kv(&a->stats, "tx_packets"), 19);
	assert_int_equal(kv(&a->stats, "rx_bytes"), 5264);
	assert_int_equal(a->stats.n, 14);
	br = iface(&db, "rec0br");
	assert_string_equal(br->type, "internal");
	assert_int_equal(br->ofport, 65534);
	assert_int_equal(kv(&br->stats, "tx_dropped"), 14);
	assert_null(br->iface_id);
	assert_string_equal(iface(&db, "rec0b")->bridge, "rec0br");
	ovs_db_release(&db);
	/* Wrong id: the reply is not ours, the buffer ends without it. */
	assert_int_equal(ovs_db_parse_reply(buf, len, 8, &db), -ENODATA);
	ovs_db_release(&db);
	/* Every truncation is incomplete, never a crash or a half result. */
	for (size_t cut = 0; cut < len; cut += 7) {
		assert_int_not_equal(ovs_db_parse_reply(buf, cut, 7, &db), 0);
		ovs_db_release(&db);
	}
	free(buf);
}

static void test_db_shapes(void **state)
{
	struct ovs_db db;
	/* An op error instead of rows; a result that is not an array. */
	static const char *const bad[] = {
		"{\"id\":1,\"result\":[{\"error\":\"unknown table\"}],\"error\":null}",
		"{\"id\":1,\"result\":{\"rows\":[]},\"error\":null}",
		"{\"id\":1,\"result\":null,\"error\":null}",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(ovs_db_parse_reply(bad[i], strlen(bad[i]), 1, &db), -EPROTO);
		ovs_db_release(&db);
	}
	/* Odd but valid rows: no name (skipped), wrong types (ignored), single-uuid sets. */
	const char *odd = "{\"id\":1,\"result\":[{\"rows\":[{\"name\":5},"
		"{\"name\":\"x\",\"ofport\":[\"set\",[]],\"statistics\":[\"map\",[[\"rx_packets\",-1],"
		"[\"tx_packets\",\"7\"],[\"rx_dropped\",3],[1,2],[\"a\"]]],"
		"\"_uuid\":[\"uuid\",\"u1\"]}]},"
		"{\"rows\":[{\"_uuid\":[\"uuid\",\"p1\"],\"interfaces\":[\"uuid\",\"u1\"]}]},"
		"{\"rows\":[{\"name\":\"b\",\"ports\":[\"uuid\",\"p1\"]}]}],\"error\":null}";

	assert_int_equal(ovs_db_parse_reply(odd, strlen(odd), 1, &db), 0);
	assert_int_equal(db.n, 1);
	assert_int_equal(db.ifaces[0].ofport, -1);
	assert_int_equal(db.ifaces[0].stats.n, 1);
	assert_int_equal(kv(&db.ifaces[0].stats, "rx_dropped"), 3);
	assert_string_equal(db.ifaces[0].bridge, "b");
	ovs_db_release(&db);
}

static void test_jsonrpc_reply(void **state)
{
	size_t len;
	char *buf = load("ctl-dpctl-show.json", &len), err[128];
	json_object *res;

	assert_int_equal(jsonrpc_parse_reply(buf, len, 3, JSONRPC_MAX_REPLY, &res, err,
					     sizeof(err)), 0);
	assert_true(json_object_is_type(res, json_type_string));
	assert_non_null(strstr(json_object_get_string(res), "lookups: hit:"));
	json_object_put(res);
	/* Size limit: the same reply with a limit below its size. */
	assert_int_equal(jsonrpc_parse_reply(buf, len, 3, len / 2, &res, err, sizeof(err)),
			 -EFBIG);
	free(buf);

	buf = load("ctl-error.json", &len);
	assert_int_equal(jsonrpc_parse_reply(buf, len, 4, JSONRPC_MAX_REPLY, &res, err,
					     sizeof(err)), -EREMOTEIO);
	assert_non_null(strstr(err, "is not a valid command"));
	assert_null(res);
	free(buf);

	/* An echo request and another id before ours, in one buffer, with whitespace. */
	const char *two = " {\"method\":\"echo\",\"params\":[],\"id\":\"echo\"}\n"
			  "{\"id\":9,\"result\":1,\"error\":null}{\"id\":2,\"result\":\"ok\",\"error\":null}";

	assert_int_equal(jsonrpc_parse_reply(two, strlen(two), 2, 4096, &res, err, sizeof(err)), 0);
	assert_string_equal(json_object_get_string(res), "ok");
	json_object_put(res);
	/* Not JSON, not an object, a reply without result. */
	assert_int_equal(jsonrpc_parse_reply("{]", 2, 1, 4096, &res, err, sizeof(err)), -EPROTO);
	assert_int_equal(jsonrpc_parse_reply("[1]", 3, 1, 4096, &res, err, sizeof(err)), -EPROTO);
	assert_int_equal(jsonrpc_parse_reply("{\"id\":1}", 8, 1, 4096, &res, err, sizeof(err)),
			 -EPROTO);
	assert_int_equal(jsonrpc_parse_reply("", 0, 1, 4096, &res, err, sizeof(err)), -ENODATA);
}

/* The incremental reader must give the same message whatever the chunking. */
static void test_reader_chunks(void **state)
{
	size_t len;
	char *buf = load("db-transact.json", &len);

	for (size_t chunk = 1; chunk < 200; chunk += 37) {
		struct jsonrpc_reader rd;
		json_object *msg = NULL;
		size_t off = 0;
		int got = 0;

		jsonrpc_reader_init(&rd, JSONRPC_MAX_REPLY);
		while (off < len && !got) {
			size_t n = len - off < chunk ? len - off : chunk, used;
			int r = jsonrpc_reader_feed(&rd, buf + off, n, &used, &msg);

			assert_true(r >= 0);
			assert_true(used <= n);
			off += used;
			got = r;
		}
		assert_int_equal(got, 1);
		assert_int_equal(off, len);
		json_object *res;
		char err[64];

		assert_int_equal(jsonrpc_reply_check(msg, 7, &res, err, sizeof(err)), 0);
		assert_true(json_object_is_type(res, json_type_array));
		json_object_put(res);
		json_object_put(msg);
		jsonrpc_reader_release(&rd);
	}
	free(buf);
}

static const struct ovs_dp_port *dport(const struct ovs_dp *dp, const char *name)
{
	for (size_t i = 0; i < dp->nports; i++)
		if (!strcmp(dp->ports[i].name, name))
			return &dp->ports[i];
	fail_msg("no port %s", name);
	return NULL;
}

static void test_dpctl_show(void **state)
{
	size_t len;
	char *buf = load("dpctl-show-s.txt", &len);
	struct ovs_dps d;
	const struct ovs_dp_port *p;

	assert_int_equal(ovs_parse_dpctl_show(buf, len, &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.dp[0].name, "netdev@ovs-netdev");
	assert_int_equal(kv(&d.dp[0].stats, "hit"), 111);
	assert_int_equal(kv(&d.dp[0].stats, "missed"), 12);
	assert_int_equal(kv(&d.dp[0].stats, "lost"), 0);
	assert_int_equal(kv(&d.dp[0].stats, "flows"), 10);
	assert_int_equal(d.dp[0].nports, 4);
	p = dport(&d.dp[0], "rec0a");
	assert_int_equal(p->port_no, 2);
	assert_string_equal(p->type, "");
	assert_int_equal(kv(&p->stats, "rx_packets"), 112);
	assert_int_equal(kv(&p->stats, "tx_packets"), 19);
	assert_int_equal(kv(&p->stats, "rx_bytes"), 5264);
	assert_int_equal(kv(&p->stats, "tx_bytes"), 1550);
	assert_int_equal(kv(&p->stats, "collisions"), 0);
	assert_int_equal(p->stats.n, 13);
	p = dport(&d.dp[0], "rec0br");
	assert_string_equal(p->type, "tap");
	assert_int_equal(kv(&p->stats, "tx_dropped"), 14);
	ovs_dps_release(&d);

	/* Other shapes seen in OVS versions: tunnel options, "?" values, masks/cache lines,
	 * two datapaths, junk lines. */
	const char *t = "system@ovs-system:\n  lookups: hit:5 missed:2 lost:1\n  flows: 3\n"
		"  masks: hit:9 total:1 hit/pkt:1.29\n  cache: hit:4 hit-rate:57.14%\n"
		"  port 0: ovs-system (internal)\n  port 1: vx0 (vxlan: packet_type=ptap, remote_ip=1.2.3.4)\n"
		"    RX packets:? errors:? dropped:7 overruns:? frame:?\n"
		"garbage line\n  port x: bad\n  port 2:\n"
		"netdev@ovs-netdev:\n  lookups: hit:1 missed:0 lost:0\n";

	assert_int_equal(ovs_parse_dpctl_show(t, strlen(t), &d), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(kv(&d.dp[0].stats, "lost"), 1);
	assert_int_equal(kv(&d.dp[0].stats, "masks_hit"), 9);
	assert_int_equal(kv(&d.dp[0].stats, "masks_total"), 1);
	assert_null(ovs_kvs_find(&d.dp[0].stats, "masks_hit_pkt"));
	assert_int_equal(kv(&d.dp[0].stats, "cache_hit"), 4);
	assert_int_equal(d.dp[0].nports, 2);
	p = dport(&d.dp[0], "vx0");
	assert_string_equal(p->type, "vxlan");
	assert_int_equal(p->stats.n, 1);
	assert_int_equal(kv(&p->stats, "rx_dropped"), 7);
	assert_int_equal(kv(&d.dp[1].stats, "hit"), 1);
	ovs_dps_release(&d);
	free(buf);
}

static void test_pmd_stats(void **state)
{
	size_t len;
	char *buf = load("pmd-stats-show.txt", &len);
	struct ovs_pmds p;

	assert_int_equal(ovs_parse_pmd_stats(buf, len, &p), 0);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.t[0].thread, "main thread");
	assert_int_equal(p.t[0].core, -1);
	assert_int_equal(kv(&p.t[0].stats, "packets_received"), 123);
	assert_int_equal(kv(&p.t[0].stats, "miss_with_success_upcall"), 12);
	assert_int_equal(kv(&p.t[0].stats, "miss_with_failed_upcall"), 0);
	assert_int_equal(kv(&p.t[0].stats, "emc_hits"), 30);
	/* Averages are not counters. */
	assert_null(ovs_kvs_find(&p.t[0].stats, "avg_datapath_passes_per_packet"));
	ovs_pmds_release(&p);

	const char *t = "pmd thread numa_id 0 core_id 3:\n  packets received: 10\n"
			"  miss with failed upcall: 2\n  idle cycles: 5 (45.00%)\n"
			"main thread:\n  packets received: 1\nstray: 4\n";

	assert_int_equal(ovs_parse_pmd_stats(t, strlen(t), &p), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.t[0].core, 3);
	assert_int_equal(kv(&p.t[0].stats, "miss_with_failed_upcall"), 2);
	assert_null(ovs_kvs_find(&p.t[0].stats, "idle_cycles"));
	assert_int_equal(kv(&p.t[1].stats, "packets_received"), 1);
	ovs_pmds_release(&p);
	free(buf);
}

static void test_coverage(void **state)
{
	size_t len;
	char *buf = load("coverage-show.txt", &len);
	struct ovs_kvs k;

	assert_int_equal(ovs_parse_coverage(buf, len, 1, &k), 0);
	assert_int_equal(k.n, 1);
	assert_int_equal(kv(&k, "drop_action_of_pipeline"), 100);
	ovs_kvs_release(&k);
	assert_int_equal(ovs_parse_coverage(buf, len, 0, &k), 0);
	assert_true(k.n > 10);
	assert_int_equal(kv(&k, "bridge_reconfigure"), 15);
	assert_null(ovs_kvs_find(&k, "event_coverage"));
	ovs_kvs_release(&k);
	free(buf);

	const char *t = "datapath_drop_upcall_error 0.0/sec 0.0/sec 0.0/sec total: 5\n"
			"bad-name 0/sec total: 9\ndrop_x total: -1\ndrop_y total:\n";

	assert_int_equal(ovs_parse_coverage(t, strlen(t), 1, &k), 0);
	assert_int_equal(k.n, 1);
	assert_int_equal(kv(&k, "datapath_drop_upcall_error"), 5);
	ovs_kvs_release(&k);
}

static void test_net_dev_and_cmdline(void **state)
{
	const char *nd = "Inter-|   Receive                                                |  Transmit\n"
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
		"    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n"
		"  rec0a:    5614     117    0    0    0     0          0         0     2250      29    0    0    0     0       0          0\n"
		"short: 1 2 3\n";
	struct ovs_kvs k;
	char db[108], ctl[108];

	assert_int_equal(ovs_parse_net_dev(nd, strlen(nd), &k), 0);
	assert_int_equal(kv(&k, "rec0a/rx_packets"), 117);
	assert_int_equal(kv(&k, "rec0a/tx_packets"), 29);
	assert_null(ovs_kvs_find(&k, "short/rx_packets"));
	ovs_kvs_release(&k);

	static const char vs[] = "ovs-vswitchd\0unix:/tmp/x/run/db.sock\0--pidfile=/tmp/x/run/p\0"
				 "--unixctl\0/tmp/x/run/ovs-vswitchd.ctl\0-vconsole:off";
	ovs_parse_cmdline(vs, sizeof(vs), 1, db, sizeof(db), ctl, sizeof(ctl));
	assert_string_equal(db, "/tmp/x/run/db.sock");
	assert_string_equal(ctl, "/tmp/x/run/ovs-vswitchd.ctl");
	static const char ds[] = "ovsdb-server\0/tmp/x/db/conf.db\0--remote=punix:/tmp/x/run/db.sock\0"
				 "--remote=db:Open_vSwitch,Open_vSwitch,manager_options\0"
				 "--unixctl=/tmp/x/run/ovsdb-server.ctl";
	ovs_parse_cmdline(ds, sizeof(ds), 0, db, sizeof(db), ctl, sizeof(ctl));
	assert_string_equal(db, "/tmp/x/run/db.sock");
	assert_string_equal(ctl, "");
	/* Relative paths and a trailing option without its value give nothing. */
	static const char rel[] = "ovsdb-server\0--remote=punix:db.sock\0--remote";
	ovs_parse_cmdline(rel, sizeof(rel) - 1, 0, db, sizeof(db), ctl, sizeof(ctl));
	assert_string_equal(db, "");
}

/* Random cuts and byte flips of every recorded text must parse without a crash. */
static void test_mangled(void **state)
{
	static const char *const files[] = { "dpctl-show-s.txt", "pmd-stats-show.txt",
					     "coverage-show.txt", "db-transact.json" };

	srand(1);
	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		size_t len;
		char *buf = load(files[f], &len);

		for (int i = 0; i < 200; i++) {
			char *m = xmalloc(len + 1);
			size_t cut = (size_t)rand() % (len + 1);
			struct ovs_dps d;
			struct ovs_pmds p;
			struct ovs_kvs k;
			struct ovs_db db;

			memcpy(m, buf, len);
			for (int j = 0; j < 4 && cut; j++)
				m[(size_t)rand() % cut] = (char)rand();
			ovs_parse_dpctl_show(m, cut, &d);
			ovs_dps_release(&d);
			ovs_parse_pmd_stats(m, cut, &p);
			ovs_pmds_release(&p);
			ovs_parse_coverage(m, cut, 1, &k);
			ovs_kvs_release(&k);
			(void)ovs_db_parse_reply(m, cut, 7, &db);
			ovs_db_release(&db);
			free(m);
		}
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_db_reply),
		cmocka_unit_test(test_db_shapes),
		cmocka_unit_test(test_jsonrpc_reply),
		cmocka_unit_test(test_reader_chunks),
		cmocka_unit_test(test_dpctl_show),
		cmocka_unit_test(test_pmd_stats),
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_net_dev_and_cmdline),
		cmocka_unit_test(test_mangled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
