/* test_dropreason.c: drop reasons map to the datapath layer they happen in. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "trace/dropreason.h"

static void expect_dev(const char *reason, const struct link_info *dev, enum dp_layer layer,
		       unsigned flags)
{
	enum dp_layer l;
	unsigned f;

	assert_true(dropreason_layer(reason, dev, &l, &f));
	assert_int_equal(l, layer);
	assert_int_equal(f, flags);
}

static void expect(const char *reason, enum dp_layer layer, unsigned flags)
{
	enum dp_layer l;
	unsigned f;

	assert_true(dropreason_layer(reason, NULL, &l, &f));
	assert_int_equal(l, layer);
	assert_int_equal(f, flags);
}

static void test_layers(void **state)
{
	expect("NETFILTER_DROP", LAYER_NETFILTER, MF_DROP);
	expect("SOCKET_RCVBUFF", LAYER_SOCKET, MF_DROP);
	expect("NO_SOCKET", LAYER_UDP, MF_DROP);
	expect("CPU_BACKLOG", LAYER_BACKLOG, MF_DROP);
	expect("QDISC_OVERLIMIT", LAYER_QDISC, MF_DROP);
	expect("TAP_TXFILTER", LAYER_VDEV, MF_DROP);
	expect("FULL_RING", LAYER_VDEV, MF_DROP);
	expect("VXLAN_VNI_NOT_FOUND", LAYER_VDEV, MF_DROP);
	expect("IP_INNOROUTES", LAYER_IP, MF_DROP);
	expect("OTHERHOST", LAYER_IP, MF_DROP | MF_BENIGN);
	expect("NOT_SPECIFIED", LAYER_IP, MF_DROP | MF_BENIGN);
	expect("REASON_0x30005", LAYER_IP, MF_DROP); /* unknown subsystem value: still a drop */
}

static void test_not_udp_datapath(void **state)
{
	enum dp_layer l;
	unsigned f;

	assert_false(dropreason_layer("TCP_CSUM", NULL, &l, &f));
	assert_false(dropreason_layer("UNIX_DISCONNECT", NULL, &l, &f));
}

/* UNHANDLED_PROTO is the device's rx_dropped: the device's layer, never ip. */
static void test_device_layer(void **state)
{
	struct link_info veth = { .name = "veth0", .kind = "veth" };
	struct link_info lo = { .name = "lo", .kind = "" };
	struct link_info nic = { .name = "eth0", .kind = "" };

	expect_dev("UNHANDLED_PROTO", &veth, LAYER_VDEV, MF_DROP);
	expect_dev("UNHANDLED_PROTO", &lo, LAYER_VDEV, MF_DROP);
	expect_dev("UNHANDLED_PROTO", &nic, LAYER_NIC, MF_DROP);
	expect_dev("UNHANDLED_PROTO", NULL, LAYER_NIC, MF_DROP); /* device unknown */
	/* the device does not move reasons of other layers */
	expect_dev("NETFILTER_DROP", &veth, LAYER_NETFILTER, MF_DROP);
	expect_dev("IP_INNOROUTES", &nic, LAYER_IP, MF_DROP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_not_udp_datapath),
		cmocka_unit_test(test_device_layer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
