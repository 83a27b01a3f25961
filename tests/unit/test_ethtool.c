/* test_ethtool.c: the ethtool statistic name mapper over every driver pattern, drop
 * flagging, and the GSTRINGS parser replayed on string sets recorded from this machine
 * (tests/data/nl/gstrings-*.bin, with `ethtool -S`'s own listing in *.txt). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "collect/ethtool.h"
#include "model/snapshot.h"

static const struct {
	const char *raw, *name;
	int queue;
} cases[] = {
	/* veth, ice, ixgbe */
	{ "rx_queue_3_drops", "rx_queue_drops", 3 },
	{ "rx_queue_0_xdp_packets", "rx_queue_xdp_packets", 0 },
	{ "tx_queue_12_xdp_xmit_errors", "tx_queue_xdp_xmit_errors", 12 },
	{ "rx_queue_3_packets", "rx_queue_packets", 3 },
	{ "tx_queue_7_bytes", "tx_queue_bytes", 7 },
	/* virtio_net, mlx5 */
	{ "rx3_drops", "rx_queue_drops", 3 },
	{ "rx0_kicks", "rx_queue_kicks", 0 },
	{ "tx0_kicks", "tx_queue_kicks", 0 },
	{ "tx0_tx_timeouts", "tx_queue_timeouts", 0 },
	{ "rx3_packets", "rx_queue_packets", 3 },
	{ "rx15_cache_reuse", "rx_queue_cache_reuse", 15 },
	{ "ch3_events", "ch_queue_events", 3 },
	/* i40e */
	{ "rx-3.packets", "rx_queue_packets", 3 },
	{ "tx-0.tx_packets", "tx_queue_packets", 0 },
	{ "rx-10.bytes", "rx_queue_bytes", 10 },
	/* ena */
	{ "queue_3_rx_drops", "rx_queue_drops", 3 },
	{ "queue_0_tx_cnt", "tx_queue_cnt", 0 },
	/* bnxt */
	{ "[3]: rx_ucast_packets", "rx_queue_ucast_packets", 3 },
	{ "[0]: tpa_packets", "queue_tpa_packets", 0 },
	/* device-wide names stay as they are */
	{ "rx_drops", "rx_drops", -1 },
	{ "rx_missed_errors", "rx_missed_errors", -1 },
	{ "rx_out_of_buffer", "rx_out_of_buffer", -1 },
	{ "rx_size_1024_to_max_packets", "rx_size_1024_to_max_packets", -1 },
	{ "rx_queue_x_drops", "rx_queue_x_drops", -1 },
	{ "rx_queue_01_drops", "rx_queue_01_drops", -1 },   /* leading zero: not a queue */
	{ "rx99999_drops", "rx99999_drops", -1 },           /* beyond 65535 */
	{ "rx3_", "rx3_", -1 },
	{ "rx-3.", "rx-3.", -1 },
	{ "queue_3", "queue_3", -1 },
	{ "[3]", "[3]", -1 },
	{ "tx", "tx", -1 },
	{ "", "", -1 },
};

static void test_map_every_driver(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[64];
		int32_t q = ethtool_map_name(cases[i].raw, out, sizeof(out));

		if (q != cases[i].queue || strcmp(out, cases[i].name))
			fail_msg("'%s' mapped to '%s' q=%d, expected '%s' q=%d", cases[i].raw, out, q,
				 cases[i].name, cases[i].queue);
	}
}

static void test_map_truncates(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(ethtool_map_name("rx_queue_3_drops", out, sizeof(out)), 3);
	assert_string_equal(out, "rx_queu");
	assert_int_equal(ethtool_map_name("rx_verylongname", out, sizeof(out)), -1);
	assert_int_equal(strlen(out), 7);
}

static void test_drop_flags(void **state)
{
	static const char *const drop[] = {
		"rx_drops", "rx_queue_3_drops", "rx_discards_phy", "rx_missed_errors",
		"rx_no_buffer_count", "rx_out_of_buffer", "rx_fifo_errors", "rx_overruns",
		"tx_errors", "rx_alloc_fail", "rx_no_dma_resources", "RX_DROPPED", "xdp_tx_error",
	};
	static const char *const ok[] = {
		"rx_packets", "tx_bytes", "rx_kicks", "tx_timeouts", "peer_ifindex", "rx_csum_good",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (ethtool_name_flags(drop[i]) != MF_DROP)
			fail_msg("'%s' should be a drop counter", drop[i]);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (ethtool_name_flags(ok[i]))
			fail_msg("'%s' should not be a drop counter", ok[i]);
}

/* Replays a recorded GSTRINGS buffer and checks it against ethtool -S's own listing. */
static void replay(const char *bin, const char *txt, const char *want, int want_q)
{
	struct strbuf b, t;
	char *lines[512], *save = NULL, *tok;
	struct ethtool_stat_name *names;
	size_t n, nl = 0;
	bool found = false;

	sb_init(&b);
	sb_init(&t);
	if (read_file_sb(bin, &b, 1 << 20) || read_file_sb(txt, &t, 1 << 20)) {
		skip(); /* this recording host had no such device */
		return;
	}
	for (tok = strtok_r(t.buf, "\n", &save); tok && nl < 512; tok = strtok_r(NULL, "\n", &save))
		lines[nl++] = tok;
	n = b.len / 32;
	assert_int_equal(n, nl);
	names = calloc(n + 1, sizeof(*names));
	assert_int_equal(ethtool_parse_strings(b.buf, b.len, n + 1, names), n);
	assert_true(names[n].skip); /* the slot beyond the buffer */
	for (size_t i = 0; i < n; i++) {
		char out[64];
		int32_t q = ethtool_map_name(lines[i], out, sizeof(out));

		if (!strcmp(lines[i], "peer_ifindex")) {
			assert_true(names[i].skip);
			continue;
		}
		assert_false(names[i].skip);
		assert_string_equal(names[i].name, out);
		assert_int_equal(names[i].queue, q);
		assert_int_equal(names[i].flags, ethtool_name_flags(lines[i]));
		if (!strcmp(names[i].name, want) && names[i].queue == want_q) {
			found = true;
			assert_int_equal(names[i].flags, MF_DROP);
		}
	}
	assert_true(found);
	free(names);
	sb_release(&b);
	sb_release(&t);
}

static void test_veth_strings(void **state)
{
	(void)state;
	replay("tests/data/nl/gstrings-veth.bin", "tests/data/nl/gstrings-veth.txt",
	       "rx_queue_drops", 0);
}

static void test_virtio_strings(void **state)
{
	(void)state;
	replay("tests/data/nl/gstrings-virtio.bin", "tests/data/nl/gstrings-virtio.txt",
	       "rx_queue_drops", 0);
}

static void test_unterminated_slots(void **state)
{
	char buf[64];
	struct ethtool_stat_name n[3];

	(void)state;
	memset(buf, 'a', sizeof(buf)); /* 32 characters, no NUL */
	memcpy(buf + 32, "rx0_drops", 10);
	assert_int_equal(ethtool_parse_strings(buf, sizeof(buf), 3, n), 2);
	assert_int_equal(strlen(n[0].name), 32);
	assert_string_equal(n[1].name, "rx_queue_drops");
	assert_int_equal(n[1].queue, 0);
	assert_true(n[2].skip);
	assert_int_equal(ethtool_parse_strings(NULL, 0, 1, n), 0);
	assert_true(n[0].skip);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_every_driver),
		cmocka_unit_test(test_map_truncates),
		cmocka_unit_test(test_drop_flags),
		cmocka_unit_test(test_veth_strings),
		cmocka_unit_test(test_virtio_strings),
		cmocka_unit_test(test_unterminated_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
