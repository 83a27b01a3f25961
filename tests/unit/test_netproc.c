/* test_netproc.c: sockstat, conntrack per-CPU stats, /proc/net/udp{,6} and a recorded
 * sock_diag dump. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "collect/netproc.h"
#include "collect/udpsock.h"
#include "core/util.h"

#define DATA "tests/data/netproc/"

static void load(const char *f, struct strbuf *sb)
{
	sb_init(sb);
	assert_int_equal(read_file_sb(f, sb, 1 << 20), 0);
}

static void test_sockstat(void **state)
{
	const char buf[] = "sockets: used 14\nUDP: inuse 3 mem 7\nUDPLITE: inuse 0\n"
			   "FRAG: inuse 1 memory 4096\nbroken line\nUDP: inuse x mem\n";
	struct snapshot s;
	uint64_t inuse = 0;
	const struct metric *m;

	snap_init(&s);
	uint32_t ns = snap_add_ns(&s, 1, "host", NS_HOST, 0);

	sockstat_parse(buf, sizeof(buf) - 1, false, &s, ns, &inuse);
	assert_true(inuse == 3);
	m = snap_find(&s, ns, LAYER_UDP, NULL, -1, -1, "udp_mem_pages");
	assert_true(m && m->value == 7 && m->kind == MK_GAUGE);
	m = snap_find(&s, ns, LAYER_UDP, NULL, -1, -1, "frag_memory");
	assert_true(m && m->value == 4096);
	inuse = 0;
	assert_true(sockstat_parse("UDP6: inuse 2\n", 14, true, NULL, 0, &inuse) == 1);
	assert_true(inuse == 2);
	snap_release(&s);
}

static void test_conntrack(void **state)
{
	struct snapshot s;
	struct strbuf sb;
	const struct metric *m;
	int cpus[] = { 0, 2 }; /* CPU 1 is not possible: rows are CPUs 0 and 2 */

	snap_init(&s);
	load(DATA "nf_conntrack", &sb);
	uint32_t ns = snap_add_ns(&s, 1, "host", NS_HOST, 0);

	conntrack_stat_parse(sb.buf, sb.len, cpus, 2, &s, ns);
	m = snap_find(&s, ns, LAYER_NETFILTER, NULL, -1, 0, "drop");
	assert_true(m && m->value == 10 && (m->flags & MF_DROP) && m->kind == MK_COUNTER32);
	m = snap_find(&s, ns, LAYER_NETFILTER, NULL, -1, 2, "drop");
	assert_true(m && m->value == 0xffffffff);
	assert_null(snap_find(&s, ns, LAYER_NETFILTER, NULL, -1, 1, "drop"));
	m = snap_find(&s, ns, LAYER_NETFILTER, NULL, -1, 0, "insert_failed");
	assert_true(m && m->value == 5 && (m->flags & MF_DROP));
	m = snap_find(&s, ns, LAYER_NETFILTER, NULL, -1, 0, "invalid");
	assert_true(m && m->value == 3 && !(m->flags & MF_DROP));
	assert_null(snap_find(&s, ns, LAYER_NETFILTER, NULL, -1, 0, "entries"));
	/* the third row has no possible CPU: skipped, not mis-numbered */
	assert_null(snap_find(&s, ns, LAYER_NETFILTER, NULL, -1, 3, "drop"));
	/* an unknown format is refused whole */
	assert_int_equal(conntrack_stat_parse("foo bar\n1 2\n", 12, NULL, 0, &s, ns), 0);
	sb_release(&sb);
	snap_release(&s);
}

static void test_proc_udp(void **state)
{
	struct udp_socks u = { 0 };
	struct strbuf sb;

	load(DATA "udp", &sb);
	assert_int_equal(udpsock_parse_proc(sb.buf, sb.len, false, &u), 2);
	assert_string_equal(u.s[0].obj, "udp 127.0.0.1:6000");
	assert_true(u.s[0].drops == 299 && u.s[0].rx_queue == 0x500 && u.s[0].inode == 26029);
	assert_false(u.s[0].have_mem);
	assert_string_equal(u.s[1].obj, "udp 10.0.0.2:5004->10.0.0.1:8080");
	assert_true(u.s[1].tx_queue == 0x10);
	sb_release(&sb);
	load(DATA "udp6", &sb);
	assert_int_equal(udpsock_parse_proc(sb.buf, sb.len, true, &u), 1);
	assert_string_equal(u.s[2].obj, "udp6 [::1]:53");
	assert_true(u.s[2].drops == 7);
	sb_release(&sb);
	udp_socks_release(&u);
}

static void test_diag_recorded(void **state)
{
	struct udp_socks u = { 0 };
	struct strbuf sb;
	bool found = false;

	load(DATA "diag_udp4.bin", &sb);
	assert_int_equal(udpsock_parse_diag(sb.buf, sb.len, &u), 1);
	for (size_t i = 0; i < u.n; i++)
		if (!strcmp(u.s[i].obj, "udp 127.0.0.1:6000")) {
			found = true;
			assert_true(u.s[i].have_mem);
			assert_true(u.s[i].drops > 0);
			assert_true(u.s[i].rcvbuf == 2304); /* SO_RCVBUF 1024, doubled, floored */
		}
	assert_true(found);
	/* a truncated dump parses what it can and never reads past the end */
	struct udp_socks t = { 0 };

	udpsock_parse_diag(sb.buf, sb.len - 7, &t);
	udp_socks_release(&t);
	sb_release(&sb);
	udp_socks_release(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockstat),
		cmocka_unit_test(test_conntrack),
		cmocka_unit_test(test_proc_udp),
		cmocka_unit_test(test_diag_recorded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
