/* test_export.c: `dptune export` without a network: the streaming writer (escaping,
 * OpenMetrics family names, numbers), the family table (snmp names in snake case, base
 * units), routing of rows to families, a whole snapshot rendered (labels, per-CPU
 * conntrack summed, sockets only when they dropped, a driver statistic that repeats a
 * device counter, --max-series), container ids from cgroup files, the web config and the
 * --listen parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "export/families.h"
#include "export/render.h"
#include "export/server.h"
#include "export/webconfig.h"
#include "model/intern.h"
#include "output/promwriter.h"

static void test_writer(void **st)
{
	struct promwriter w;

	(void)st;
	pw_init(&w);
	pw_reset(&w, PW_TEXT004);
	pw_family(&w, "x_total", PW_COUNTER, "a \\ b\nc");
	pw_sample_begin(&w, "x_total");
	pw_label(&w, "a", "q\"\\\n");
	pw_label(&w, "empty", "");
	pw_label_int(&w, "cpu", -3);
	pw_value_u64(&w, 18446744073709551615ull);
	pw_sample_begin(&w, "y");
	pw_value_double(&w, 0.25);
	pw_finish(&w);
	assert_string_equal(w.buf, "# HELP x_total a \\\\ b\\nc\n# TYPE x_total counter\n"
			    "x_total{a=\"q\\\"\\\\\\n\",cpu=\"-3\"} 18446744073709551615\ny 0.25\n");
	assert_int_equal(w.samples, 2);
	pw_reset(&w, PW_OPENMETRICS);
	pw_family(&w, "x_total", PW_COUNTER, "h");
	pw_finish(&w);
	assert_string_equal(w.buf, "# HELP x h\n# TYPE x counter\n# EOF\n");
	pw_release(&w);
}

static void test_families(void **st)
{
	(void)st;
	assert_true(exp_family_index("dptune_ip_ext_in_no_ect_pkts_total") >= 0);
	assert_true(exp_family_index("dptune_ip_reasm_oks_total") >= 0);
	assert_true(exp_family_index("dptune_ip6_in_bytes_total") >= 0);
	assert_true(exp_family_index("dptune_udp_rcvbuf_errors_total") >= 0);
	assert_true(exp_family_index("dptune_udp6_in_datagrams_total") >= 0);
	assert_true(exp_family_index("dptune_ip_ext_in_mcast_bytes_total") >= 0);
	/* every family name is unique and well-formed; counters end in _total */
	for (size_t i = 0; i < exp_family_count(); i++) {
		const struct exp_family *f = exp_family(i);
		size_t n = strlen(f->name);

		assert_int_equal(exp_family_index(f->name), (int)i);
		assert_int_equal(strspn(f->name, "abcdefghijklmnopqrstuvwxyz0123456789_"), n);
		assert_true((f->type == PW_COUNTER) == (n > 6 && !strcmp(f->name + n - 6, "_total")));
		/* OpenMetrics names a counter family without _total: no other family may
		 * have that name */
		if (f->type == PW_COUNTER) {
			char base[128];

			snprintf(base, sizeof(base), "%.*s", (int)(n - 6), f->name);
			assert_int_equal(exp_family_index(base), -1);
		}
	}
}

static struct metric *add(struct snapshot *s, uint32_t ns, enum dp_layer l, enum metric_kind k,
			  const char *obj, int q, int cpu, const char *name, uint64_t v)
{
	return snap_add_full(s, ns, l, k, 0, obj, q, cpu, name, v);
}

static struct promwriter render(struct snapshot *s, const struct exp_filter *f, size_t max,
				bool *hit)
{
	struct exp_render *r = exp_render_new("/nonexistent");
	struct promwriter w;

	pw_init(&w);
	pw_reset(&w, PW_TEXT004);
	exp_render_labels(r, s);
	exp_render_rows(r, s, f, max, &w, hit);
	exp_render_free(r);
	return w;
}

static void test_render(void **st)
{
	struct snapshot s;
	struct exp_filter f = { 0 };
	struct link_info *l;
	uint32_t h, a;
	bool hit;
	struct promwriter w;

	(void)st;
	snap_init(&s);
	h = snap_add_ns(&s, 1, "host", NS_HOST, 0);
	a = snap_add_ns(&s, 2, "pid:77(nginx)", NS_PROC, 77);
	l = snap_add_link(&s);
	memset(l, 0, sizeof(*l));
	l->ns = a;
	l->name = intern("veth0");
	l->kind = intern("veth");
	add(&s, a, LAYER_VDEV, MK_COUNTER, "veth0", -1, -1, "tx_dropped", 5);
	add(&s, a, LAYER_VDEV, MK_COUNTER, "veth0", -1, -1, "tx_dropped", 9); /* driver's */
	add(&s, a, LAYER_VDEV, MK_COUNTER, "veth0", 0, -1, "rx_queue_drops", 3);
	add(&s, h, LAYER_BACKLOG, MK_COUNTER32, NULL, -1, 1, "dropped", 4);
	add(&s, h, LAYER_SOFTIRQ, MK_COUNTER, NULL, -1, 0, "softirq_ticks", 250);
	add(&s, a, LAYER_NETFILTER, MK_COUNTER, NULL, -1, 0, "insert_failed", 2);
	add(&s, a, LAYER_NETFILTER, MK_COUNTER, NULL, -1, 1, "insert_failed", 3);
	add(&s, a, LAYER_UDP, MK_COUNTER, NULL, -1, -1, "UdpRcvbufErrors", 11);
	add(&s, a, LAYER_SOCKET, MK_COUNTER32, "udp 0.0.0.0:53", -1, -1, "drops", 0)->labels =
		intern("inode=5,pid=77,comm=dns");
	add(&s, a, LAYER_SOCKET, MK_GAUGE, "udp 0.0.0.0:53", -1, -1, "rx_queue", 100)->labels =
		intern("inode=5,pid=77,comm=dns");
	add(&s, a, LAYER_SOCKET, MK_COUNTER32, "udp 0.0.0.0:5000", -1, -1, "drops", 7)->labels =
		intern("inode=6,pid=77,comm=media");
	add(&s, a, LAYER_SOCKET, MK_GAUGE, "udp 0.0.0.0:5000", -1, -1, "rx_queue", 200)->labels =
		intern("inode=6,pid=77,comm=media");
	add(&s, a, LAYER_UDP, MK_COUNTER, "veth0", -1, -1, "drop:SOCKET_RCVBUFF", 6);
	snap_add_knob(&s, a, LAYER_BACKLOG, "veth0", "rps_cpus", "00000003");
	snap_add_knob(&s, a, LAYER_UDP, NULL, "net.core.rmem_max", "212992");

	w = render(&s, &f, 0, &hit);
	assert_false(hit);
	assert_non_null(strstr(w.buf, "dptune_link_transmit_drop_total{netns=\"proc:nginx\",device=\"veth0\",kind=\"veth\"} 5\n"));
	assert_non_null(strstr(w.buf, "dptune_ethtool_total{netns=\"proc:nginx\",device=\"veth0\",kind=\"veth\",stat=\"tx_dropped\"} 9\n"));
	assert_non_null(strstr(w.buf, "dptune_ethtool_queue_total{netns=\"proc:nginx\",device=\"veth0\",kind=\"veth\",queue=\"0\",stat=\"rx_queue_drops\"} 3\n"));
	assert_non_null(strstr(w.buf, "dptune_softnet_dropped_total{cpu=\"1\"} 4\n"));
	assert_non_null(strstr(w.buf, "dptune_conntrack_insert_failed_total{netns=\"proc:nginx\"} 5\n"));
	assert_non_null(strstr(w.buf, "dptune_udp_rcvbuf_errors_total{netns=\"proc:nginx\"} 11\n"));
	assert_non_null(strstr(w.buf, "dptune_socket_drops_total{netns=\"proc:nginx\",proto=\"udp\",address=\"0.0.0.0:5000\",process=\"media\"} 7\n"));
	assert_non_null(strstr(w.buf, "dptune_socket_receive_queue_bytes{netns=\"proc:nginx\",proto=\"udp\",address=\"0.0.0.0:5000\",process=\"media\"} 200\n"));
	assert_null(strstr(w.buf, "0.0.0.0:53"));
	assert_non_null(strstr(w.buf, "dptune_drop_reason_total{netns=\"proc:nginx\",device=\"veth0\",reason=\"SOCKET_RCVBUFF\",layer=\"udp\"} 6\n"));
	assert_non_null(strstr(w.buf, "dptune_knob{netns=\"proc:nginx\",knob=\"net.core.rmem_max\"} 212992\n"));
	assert_null(strstr(w.buf, "rps_cpus"));
	assert_non_null(strstr(w.buf, "# TYPE dptune_cpu_seconds_total counter\ndptune_cpu_seconds_total{cpu=\"0\",mode=\"softirq\"} "));
	/* each family's samples are together under one HELP/TYPE */
	assert_null(strstr(strstr(w.buf, "# TYPE dptune_knob gauge") + 1, "# TYPE dptune_knob gauge"));
	pw_release(&w);

	f.netns = "host";
	w = render(&s, &f, 0, &hit);
	assert_null(strstr(w.buf, "nginx"));
	assert_non_null(strstr(w.buf, "dptune_softnet_dropped_total"));
	pw_release(&w);

	f.netns = NULL;
	w = render(&s, &f, 3, &hit);
	assert_true(hit);
	assert_int_equal(w.samples, 3);
	pw_release(&w);
	snap_release(&s);
}

static void test_cgroup(void **st)
{
	char rt[32], id[16];
	const char *docker = "0::/system.slice/docker-3f2a1b9c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8.scope\n";
	const char *k8s = "12:memory:/kubepods/burstable/pod1234/abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\n";
	const char *crio = "0::/kubepods.slice/kubepods-besteffort.slice/crio-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n";
	const char *none = "0::/user.slice/user-0.slice/session-1.scope\n";

	(void)st;
	assert_true(exp_cgroup_container(docker, strlen(docker), rt, sizeof(rt), id, sizeof(id)));
	assert_string_equal(rt, "docker");
	assert_string_equal(id, "3f2a1b9c4d5e");
	assert_true(exp_cgroup_container(k8s, strlen(k8s), rt, sizeof(rt), id, sizeof(id)));
	assert_string_equal(rt, "k8s");
	assert_string_equal(id, "abcdef012345");
	assert_true(exp_cgroup_container(crio, strlen(crio), rt, sizeof(rt), id, sizeof(id)));
	assert_string_equal(rt, "k8s");
	assert_false(exp_cgroup_container(none, strlen(none), rt, sizeof(rt), id, sizeof(id)));
}

static void test_webconfig(void **st)
{
	struct webconfig wc;
	char err[256];
	const char *good =
		"# comment\n"
		"tls_server_config:\n"
		"  cert_file: \"c.pem\"  # trailing\n"
		"  key_file: /abs/k.pem\n"
		"basic_auth_users:\n"
		"  prom: '$2y$05$abcdefghijklmnopqrstuOabcdefghijklmnopqrstuvwxyz01234'\n";

	(void)st;
	assert_int_equal(webconfig_parse(good, strlen(good), "/etc/dptune", &wc, err, sizeof(err)), 0);
	assert_string_equal(wc.cert_file, "/etc/dptune/c.pem");
	assert_string_equal(wc.key_file, "/abs/k.pem");
	assert_int_equal(wc.nusers, 1);
	assert_string_equal(wc.users[0].name, "prom");
	webconfig_release(&wc);
	assert_int_not_equal(webconfig_parse("http_server_config:\n  http2: true\n", 34, NULL, &wc, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "not supported"));
	assert_int_not_equal(webconfig_parse("basic_auth_users:\n  u: plain\n", 29, NULL, &wc, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "bcrypt"));
	assert_int_not_equal(webconfig_parse("tls_server_config:\n  cert_file: a\n", 35, NULL, &wc, err, sizeof(err)), 0);
	assert_int_not_equal(webconfig_parse("tls_server_config:\n  cert_file: \"a\n", 36, NULL, &wc, err, sizeof(err)), 0);
}

static void test_listen(void **st)
{
	struct sockaddr_storage ss;
	socklen_t len;

	(void)st;
	assert_int_equal(exp_parse_listen("127.0.0.1:10305", &ss, &len), 0);
	assert_true(exp_addr_is_loopback(&ss));
	assert_int_equal(exp_parse_listen(":9", &ss, &len), 0);
	assert_true(exp_addr_is_loopback(&ss));
	assert_int_equal(exp_parse_listen("0.0.0.0:80", &ss, &len), 0);
	assert_false(exp_addr_is_loopback(&ss));
	assert_int_equal(exp_parse_listen("[::1]:10305", &ss, &len), 0);
	assert_true(exp_addr_is_loopback(&ss));
	assert_int_not_equal(exp_parse_listen("::1:10305", &ss, &len), 0);
	assert_int_not_equal(exp_parse_listen("localhost:1", &ss, &len), 0);
	assert_int_not_equal(exp_parse_listen("1.2.3.4:65536", &ss, &len), 0);
	assert_int_not_equal(exp_parse_listen("1.2.3.4", &ss, &len), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_cgroup),
		cmocka_unit_test(test_webconfig),
		cmocka_unit_test(test_listen),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	intern_free_all();
	return r;
}
