/* test_snmp.c: the ip/udp layers from recorded /proc/net/snmp, netstat and snmp6, and the
 * snmp collector through the engine with --proc-root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "collect/snmp.h"
#include "collect/collect.h"
#include "core/util.h"
#include "model/intern.h"

#define DATA "tests/data/snmp/"

static void test_snmp_pairs_malformed(void **state)
{
	struct snapshot s;
	struct strbuf sb;
	const struct metric *m;

	snap_init(&s);
	sb_init(&sb);
	assert_int_equal(read_file_sb(DATA "malformed.snmp", &sb, 1 << 20), 0);
	uint32_t ns = snap_add_ns(&s, 1, "host", NS_HOST, 0);

	snmp_parse_pairs(sb.buf, sb.len, &s, ns);
	/* settings are not counters; a non-number is skipped, its neighbours kept */
	assert_null(snap_find(&s, ns, LAYER_IP, NULL, -1, -1, "IpForwarding"));
	assert_null(snap_find(&s, ns, LAYER_IP, NULL, -1, -1, "IpInHdrErrors"));
	m = snap_find(&s, ns, LAYER_IP, NULL, -1, -1, "IpInDiscards");
	assert_non_null(m);
	assert_true(m->value == 7 && (m->flags & MF_DROP));
	/* the Udp header followed by a Tcp line is resynchronised on the next pair */
	m = snap_find(&s, ns, LAYER_UDP, NULL, -1, -1, "UdpNoPorts");
	assert_non_null(m);
	assert_true(m->value == 2 && (m->flags & MF_DROP));
	/* an overflowing number is skipped */
	assert_null(snap_find(&s, ns, LAYER_UDP, NULL, -1, -1, "UdpRcvbufErrors"));
	m = snap_find(&s, ns, LAYER_UDP, NULL, -1, -1, "UdpInDatagrams");
	assert_true(m && m->value == 10 && !(m->flags & MF_DROP));
	/* more values than names: only the named ones */
	m = snap_find(&s, ns, LAYER_IP, NULL, -1, -1, "IpExtInNoRoutes");
	assert_true(m && m->value == 5);
	sb_release(&sb);
	snap_release(&s);
}

static void test_snmp6(void **state)
{
	const char buf[] = "Ip6InReceives 12\nIp6InDiscards\t3\nIcmp6InMsgs 4\nUdp6RcvbufErrors   9\n"
			   "Udp6NoPorts x\nbogus\n\n";
	struct snapshot s;
	const struct metric *m;

	snap_init(&s);
	uint32_t ns = snap_add_ns(&s, 1, "host", NS_HOST, 0);

	assert_int_equal(snmp_parse_snmp6(buf, sizeof(buf) - 1, &s, ns), 3);
	m = snap_find(&s, ns, LAYER_UDP, NULL, -1, -1, "Udp6RcvbufErrors");
	assert_true(m && m->value == 9 && (m->flags & MF_DROP));
	m = snap_find(&s, ns, LAYER_IP, NULL, -1, -1, "Ip6InDiscards");
	assert_true(m && m->value == 3);
	assert_null(snap_find(&s, ns, LAYER_IP, NULL, -1, -1, "Icmp6InMsgs"));
	snap_release(&s);
}

/* The whole collector over a recorded /proc of this kind of machine. */
/* A counter name with a NUL byte in it (a damaged recording), parsed twice: the second
 * parse compares the token against the slot the first one filled, and must stay within the
 * pooled name. The name is made to end its arena chunk (a filler of 65,530 bytes fills a
 * fresh 64 KiB chunk but for "UdpQz"), so ASan in the sanitized unit run catches a read
 * past it, as fuzz_snmp did before the fix. */
static void test_snmp_nul_in_name(void **state)
{
	const char warm[] = "Udp: InDatagrams\nUdp: 1\n";
	const char buf[] = "Udp: InDatagrams Qz\0Ports0123456789abcdef\nUdp: 5 6\n";
	char *filler = xmalloc(65530);
	struct snapshot s;

	memset(filler, 'f', 65529);
	filler[65529] = '\0';
	for (int i = 0; i < 3; i++) {
		snap_init(&s);
		uint32_t ns = snap_add_ns(&s, 1, "host", NS_HOST, 0);

		if (i == 0) {
			assert_int_equal(snmp_parse_pairs(warm, sizeof(warm) - 1, &s, ns), 1);
			(void)intern(filler);
		} else {
			assert_int_equal(snmp_parse_pairs(buf, sizeof(buf) - 1, &s, ns), 2);
			assert_non_null(snap_find(&s, ns, LAYER_UDP, NULL, -1, -1, "UdpInDatagrams"));
			assert_non_null(snap_find(&s, ns, LAYER_UDP, NULL, -1, -1, "UdpQz"));
		}
		snap_release(&s);
	}
	free(filler);
}

static void test_snmp_recorded(void **state)
{
	struct collect_opts o = { .proc_root = DATA "host/proc", .recorded = true,
				  .only_collectors = "snmp" };
	struct collect_engine *e = collect_engine_new(&o);
	struct snapshot s;
	const struct metric *m;

	snap_init(&s);
	assert_int_equal(collect_snapshot(e, &s), 0);
	assert_int_equal(s.nns, 1);
	assert_string_equal(s.ns[0].name, "host");
	m = snap_find(&s, 0, LAYER_UDP, NULL, -1, -1, "UdpRcvbufErrors");
	assert_non_null(m);
	assert_non_null(snap_find(&s, 0, LAYER_IP, NULL, -1, -1, "IpInReceives"));
	assert_non_null(snap_find(&s, 0, LAYER_IP, NULL, -1, -1, "IpExtInNoRoutes"));
	assert_non_null(snap_find(&s, 0, LAYER_UDP, NULL, -1, -1, "Udp6NoPorts"));
	assert_int_equal(snap_status(&s, "snmp")->err, 0);
	snap_release(&s);
	collect_engine_free(e);
}

static void test_snmp_missing(void **state)
{
	struct collect_opts o = { .proc_root = DATA "nonexistent", .recorded = true,
				  .only_collectors = "snmp" };
	struct collect_engine *e = collect_engine_new(&o);
	struct snapshot s;
	struct collector_status *st;

	snap_init(&s);
	assert_int_equal(collect_snapshot(e, &s), 0);
	st = snap_status(&s, "snmp");
	assert_true(st->err < 0);
	assert_non_null(strstr(st->reason, "/proc/net/snmp"));
	snap_release(&s);
	collect_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snmp_pairs_malformed),
		cmocka_unit_test(test_snmp6),
		cmocka_unit_test(test_snmp_nul_in_name),
		cmocka_unit_test(test_snmp_recorded),
		cmocka_unit_test(test_snmp_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
