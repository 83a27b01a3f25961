/* test_cpu.c: the per-CPU parsers and collectors (softnet_stat, softirqs, /proc/stat,
 * /proc/interrupts) over recorded files in tests/data/cpu/<case>/{proc,sys}, both through
 * the pure parsers and through the collector engine in recorded mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "collect/collect.h"
#include "collect/cpu.h"
#include "model/delta.h"
#include "model/intern.h"

/* tests/data/cpu, found from this file's path unless DPTUNE_TESTDATA names it. */
static const char *data_dir(void)
{
	static char dir[1024];
	const char *env = getenv("DPTUNE_TESTDATA"), *f = __FILE__, *u;

	if (env)
		return env;
	if (!dir[0]) {
		u = strstr(f, "unit/test_cpu.c");
		snprintf(dir, sizeof(dir), "%.*sdata/cpu", u ? (int)(u - f) : 0, f);
		if (!u)
			snprintf(dir, sizeof(dir), "tests/data/cpu");
	}
	return dir;
}

static void load(struct strbuf *sb, const char *cs, const char *rel)
{
	char path[1200];

	snprintf(path, sizeof(path), "%s/%s/%s", data_dir(), cs, rel);
	sb_init(sb);
	if (read_file_sb(path, sb, 1 << 20))
		fail_msg("cannot read %s", path);
}

/* Run the named collectors over recorded case cs into s (one snapshot). */
static void run_case(const char *cs, const char *which, struct snapshot *s)
{
	char proc[1100], sys[1100];
	struct collect_opts o = { 0 };
	struct collect_engine *e;

	snprintf(proc, sizeof(proc), "%s/%s/proc", data_dir(), cs);
	snprintf(sys, sizeof(sys), "%s/%s/sys", data_dir(), cs);
	o.proc_root = proc;
	o.sys_root = sys;
	o.recorded = true;
	o.only_collectors = which;
	e = collect_engine_new(&o);
	snap_init(s);
	assert_int_equal(collect_snapshot(e, s), 0);
	collect_engine_free(e);
}

static const struct metric *find(const struct snapshot *s, enum dp_layer l, const char *obj,
				 int q, int cpu, const char *name)
{
	return snap_find(s, 0, l, obj, q, cpu, name);
}

static uint64_t val(const struct snapshot *s, enum dp_layer l, const char *obj, int q, int cpu,
		    const char *name)
{
	const struct metric *m = find(s, l, obj, q, cpu, name);

	if (!m)
		fail_msg("no metric %s obj=%s q=%d cpu=%d", name, obj ? obj : "", q, cpu);
	return m->value;
}

static size_t count(const struct snapshot *s, enum dp_layer l, int kind)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nm; i++)
		if (s->m[i].layer == l && (kind < 0 || s->m[i].kind == kind))
			n++;
	return n;
}

static void status_ok(struct snapshot *s, const char *name)
{
	struct collector_status *st = snap_status(s, name);

	if (st->err)
		fail_msg("%s unavailable: %s", name, st->reason);
}

static void test_cpulist(void **state)
{
	const char *l = "0-3,6\n";

	(void)state;
	assert_int_equal(cpulist_nth(l, strlen(l), 0), 0);
	assert_int_equal(cpulist_nth(l, strlen(l), 3), 3);
	assert_int_equal(cpulist_nth(l, strlen(l), 4), 6);
	assert_int_equal(cpulist_nth(l, strlen(l), 5), -ENOENT);
	assert_int_equal(cpulist_nth("0,2-3", 5, 1), 2);
	assert_int_equal(cpulist_nth("0-x", 3, 0), -EINVAL);
	assert_int_equal(cpulist_nth("0,x", 3, 1), -EINVAL);
	assert_int_equal(cpulist_nth("3-1", 3, 0), -EINVAL);
	assert_int_equal(cpulist_nth("", 0, 0), -EINVAL);
	assert_int_equal(cpulist_nth("0-4194304", 9, 0), -EINVAL);
	assert_int_equal(cpulist_nth("5", 1, 0), 5); /* length bound respected */
	assert_int_equal(cpulist_nth("56", 1, 0), 5);
}

/* Column 13 gives the CPU id: rows 0,1,2 are CPUs 0,1,3 (CPU 2 offline). */
static void test_softnet_offline(void **state)
{
	struct snapshot s;
	const struct metric *m;

	(void)state;
	run_case("offline", "softnet", &s);
	status_ok(&s, "softnet");
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 0, "processed"), 0x1a2b3);
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 1, "processed"), 0x400);
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 3, "processed"), 0xffffffffu);
	assert_null(find(&s, LAYER_BACKLOG, NULL, -1, 2, "processed"));
	m = find(&s, LAYER_BACKLOG, NULL, -1, 3, "dropped");
	assert_non_null(m);
	assert_int_equal(m->value, 10);
	assert_int_equal(m->kind, MK_COUNTER32);
	assert_true(m->flags & MF_DROP);
	assert_true(find(&s, LAYER_BACKLOG, NULL, -1, 3, "flow_limit_count")->flags & MF_DROP);
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 3, "flow_limit_count"), 1);
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 0, "time_squeeze"), 0x10);
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 1, "received_rps"), 6);
	m = find(&s, LAYER_BACKLOG, NULL, -1, 1, "backlog_len");
	assert_non_null(m);
	assert_int_equal(m->kind, MK_GAUGE);
	assert_int_equal(m->value, 3);
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 1, "input_qlen"), 2);
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 1, "process_qlen"), 1);
	assert_int_equal(count(&s, LAYER_BACKLOG, -1), 3 * 8);
	snap_release(&s);
}

/* An 11-column file has no CPU id: row n is the n-th online CPU ("0,2-3"). */
static void test_softnet_old11(void **state)
{
	struct snapshot s;

	(void)state;
	run_case("old11", "softnet", &s);
	status_ok(&s, "softnet");
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 0, "processed"), 0x100);
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 2, "processed"), 0x200);
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 3, "processed"), 0x300);
	assert_null(find(&s, LAYER_BACKLOG, NULL, -1, 1, "processed"));
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 3, "flow_limit_count"), 9);
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 2, "dropped"), 1);
	assert_null(find(&s, LAYER_BACKLOG, NULL, -1, 0, "backlog_len"));
	assert_int_equal(count(&s, LAYER_BACKLOG, -1), 3 * 5);
	snap_release(&s);
}

/* Without an online list, row n is CPU n. */
static void test_softnet_no_online(void **state)
{
	struct strbuf b;
	struct snapshot s;

	(void)state;
	load(&b, "old11", "proc/net/softnet_stat");
	snap_init(&s);
	snap_add_ns(&s, 1, "host", NS_HOST, 0);
	assert_int_equal(softnet_parse(b.buf, b.len, NULL, &s, 0), 15);
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 1, "processed"), 0x200);
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 2, "processed"), 0x300);
	assert_int_equal(softnet_parse("", 0, NULL, &s, 0), -EINVAL);
	snap_release(&s);
	sb_release(&b);
}

/* A counter that wraps at 2^32 between two samples: the delta is the true increase. */
static void test_softnet_wrap(void **state)
{
	struct snapshot a, b;
	struct delta d;
	uint64_t seen = 0;

	(void)state;
	run_case("wrap/a", "softnet", &a);
	run_case("wrap/b", "softnet", &b);
	b.t_mono = a.t_mono + 1.0;
	assert_int_equal(delta_compute(&d, &a, &b), 0);
	for (size_t i = 0; i < d.nrows; i++) {
		const struct metric *m = d.rows[i].cur;

		if (!strcmp(m->name, "processed") && m->cpu == 0) {
			assert_non_null(d.rows[i].prev);
			assert_int_equal(d.rows[i].delta, 0x20); /* 0xfffffff0 -> 0x10 */
			seen |= 1;
		}
		if (!strcmp(m->name, "processed") && m->cpu == 1) {
			assert_int_equal(d.rows[i].delta, 0x200); /* 0xffffff00 -> 0x100 */
			assert_true(d.rows[i].rate > 511.0 && d.rows[i].rate < 513.0);
			seen |= 2;
		}
		if (!strcmp(m->name, "dropped") && m->cpu == 1) {
			assert_int_equal(d.rows[i].delta, 5); /* 0xfffffffe -> 3 */
			assert_true(d.rows[i].moved);
			seen |= 4;
		}
	}
	assert_int_equal(seen, 7);
	delta_release(&d);
	snap_release(&a);
	snap_release(&b);
}

static void test_softirqs(void **state)
{
	struct snapshot s;

	(void)state;
	run_case("multiq", "softirqs", &s);
	status_ok(&s, "softirqs");
	assert_int_equal(val(&s, LAYER_SOFTIRQ, NULL, -1, 0, "net_rx"), 41956);
	assert_int_equal(val(&s, LAYER_SOFTIRQ, NULL, -1, 1, "net_rx"), 23083);
	assert_int_equal(val(&s, LAYER_SOFTIRQ, NULL, -1, 3, "net_rx"), 77777); /* CPU2 absent */
	assert_int_equal(val(&s, LAYER_SOFTIRQ, NULL, -1, 3, "net_tx"), 99);
	assert_null(find(&s, LAYER_SOFTIRQ, NULL, -1, 2, "net_rx"));
	assert_int_equal(find(&s, LAYER_SOFTIRQ, NULL, -1, 0, "net_tx")->kind, MK_COUNTER);
	assert_int_equal(count(&s, LAYER_SOFTIRQ, -1), 6);
	snap_release(&s);
}

static void test_cpustat(void **state)
{
	struct snapshot s;

	(void)state;
	run_case("multiq", "cpustat", &s);
	status_ok(&s, "cpustat");
	assert_int_equal(val(&s, LAYER_SOFTIRQ, NULL, -1, 3, "total_ticks"),
			 100 + 1 + 2 + 3 + 4 + 7 + 8 + 9);
	assert_int_equal(val(&s, LAYER_SOFTIRQ, NULL, -1, 3, "softirq_ticks"), 8);
	assert_int_equal(val(&s, LAYER_SOFTIRQ, NULL, -1, 3, "steal_ticks"), 9);
	assert_int_equal(val(&s, LAYER_SOFTIRQ, NULL, -1, 3, "irq_ticks"), 7);
	assert_int_equal(val(&s, LAYER_SOFTIRQ, NULL, -1, 3, "idle_ticks"), 3);
	assert_int_equal(val(&s, LAYER_SOFTIRQ, NULL, -1, 1, "softirq_ticks"), 48);
	assert_null(find(&s, LAYER_SOFTIRQ, NULL, -1, -1, "total_ticks")); /* "cpu" line */
	assert_int_equal(count(&s, LAYER_SOFTIRQ, -1), 3 * 5);
	snap_release(&s);
}

static void expect_class(const struct irqmap *m, unsigned irq, const char *name, bool ok,
			 const char *obj, int q, enum irq_role role)
{
	struct irq_class c;
	bool r = irq_classify(m, irq, name, strlen(name), &c);

	if (r != ok)
		fail_msg("%s: classified %d, expected %d (obj %s)", name, r, ok, c.obj);
	if (!ok)
		return;
	if (!obj || strcmp(c.obj, obj) || c.queue != q || c.role != role)
		fail_msg("%s: got %s q%d role %d, expected %s q%d role %d", name, c.obj, c.queue,
			 c.role, obj ? obj : "", q, role);
}

static void test_irq_classify(void **state)
{
	struct irqmap m;
	int eth0, eth1;

	(void)state;
	irqmap_init(&m);
	eth0 = irqmap_add_dev(&m, "eth0", "0000:18:00.0");
	eth1 = irqmap_add_dev(&m, "eth1", "virtio0");
	irqmap_add_dev(&m, "ens1f0", "0000:3b:00.0");
	irqmap_add_msi(&m, 200, eth0);
	irqmap_add_msi(&m, 201, eth1);
	irqmap_sort(&m);

	expect_class(&m, 1, "eth0-TxRx-3", true, "eth0", 3, IRQ_ROLE_QUEUE);
	expect_class(&m, 1, "i40e-eth0-TxRx-3", true, "eth0", 3, IRQ_ROLE_QUEUE);
	expect_class(&m, 1, "eth0-rx-0", true, "eth0", 0, IRQ_ROLE_QUEUE);
	expect_class(&m, 1, "eth0-tx-1", true, "eth0", 1, IRQ_ROLE_TX);
	expect_class(&m, 1, "eth0", true, "eth0", -1, IRQ_ROLE_MISC);
	expect_class(&m, 1, "eth0-0", true, "eth0", 0, IRQ_ROLE_QUEUE);
	expect_class(&m, 1, "ens2f0-rx-2", true, "ens2f0", 2, IRQ_ROLE_QUEUE);
	expect_class(&m, 1, "i40e-ens3-TxRx-1", true, "ens3", 1, IRQ_ROLE_QUEUE);
	expect_class(&m, 1, "eth10-TxRx-1", true, "eth10", 1, IRQ_ROLE_QUEUE);
	expect_class(&m, 1, "eth5-rxtx-7", true, "eth5", 7, IRQ_ROLE_QUEUE);
	expect_class(&m, 1, "mlx5_comp3@pci:0000:3b:00.0", true, "ens1f0", 3, IRQ_ROLE_QUEUE);
	expect_class(&m, 1, "mlx5_async0@pci:0000:3b:00.0", true, "ens1f0", -1, IRQ_ROLE_MISC);
	expect_class(&m, 1, "mlx5_comp3@pci:0000:5e:00.0", true, "0000:5e:00.0", 3,
		     IRQ_ROLE_QUEUE);
	expect_class(&m, 1, "virtio0-input.0", true, "eth1", 0, IRQ_ROLE_QUEUE);
	expect_class(&m, 1, "virtio0-output.2", true, "eth1", 2, IRQ_ROLE_TX);
	expect_class(&m, 1, "virtio9-input.1", true, "virtio9", 1, IRQ_ROLE_QUEUE);
	expect_class(&m, 201, "virtio0-config", true, "eth1", -1, IRQ_ROLE_MISC);
	expect_class(&m, 200, "i40e-0000:18:00.0:misc", true, "eth0", -1, IRQ_ROLE_MISC);
	expect_class(&m, 1, "virtio0-config", false, NULL, 0, 0); /* not in msi_irqs */
	expect_class(&m, 1, "virtio3-rx", false, NULL, 0, 0);
	expect_class(&m, 1, "virtio4-input", false, NULL, 0, 0);
	expect_class(&m, 1, "nvme0q1", false, NULL, 0, 0);
	expect_class(&m, 1, "timer", false, NULL, 0, 0);
	expect_class(&m, 1, "eth00-misc", false, NULL, 0, 0);
	expect_class(&m, 1, "-rx-1", false, NULL, 0, 0);
	expect_class(&m, 1, "", false, NULL, 0, 0);
	irqmap_release(&m);
}

/* Four eth0-TxRx-N queues on four CPUs, virtio and mlx5 vectors, a few foreign IRQs. */
static void test_interrupts_multiq(void **state)
{
	struct snapshot s;
	const struct metric *m;

	(void)state;
	run_case("multiq", "interrupts", &s);
	status_ok(&s, "interrupts");
	for (int q = 0; q < 4; q++) {
		char lab[64];

		for (int cpu = 0; cpu < 4; cpu++)
			assert_int_equal(val(&s, LAYER_IRQ, "eth0", q, cpu, "interrupts"),
					 q == cpu ? (uint64_t)(q + 1) * 1000001 : 0);
		m = find(&s, LAYER_IRQ, "eth0", q, 0, "interrupts");
		snprintf(lab, sizeof(lab), "irq=%d,name=eth0-TxRx-%d", 51 + q, q);
		assert_string_equal(m->labels, lab);
		assert_int_equal(m->kind, MK_COUNTER);
		m = find(&s, LAYER_IRQ, "eth0", q, -1, "smp_affinity_list");
		assert_non_null(m);
		assert_int_equal(m->kind, MK_KNOB);
		assert_int_equal(m->value, (uint64_t)q);
		assert_non_null(find(&s, LAYER_IRQ, "eth0", q, -1, "effective_affinity_list"));
	}
	/* misc vectors of eth0 (50 from msi_irqs, 93 by name) are summed */
	assert_int_equal(val(&s, LAYER_IRQ, "eth0", -1, 0, "misc_interrupts"), 3 + 4);
	assert_int_equal(val(&s, LAYER_IRQ, "eth0", -1, 1, "misc_interrupts"), 1);
	/* virtio: input/output of the device whose device link is virtio1 */
	assert_int_equal(val(&s, LAYER_IRQ, "eth1", 0, 3, "interrupts"), 40);
	assert_int_equal(val(&s, LAYER_IRQ, "eth1", 0, 0, "tx_interrupts"), 5);
	assert_non_null(find(&s, LAYER_IRQ, "eth1", -1, 2, "misc_interrupts"));
	m = find(&s, LAYER_IRQ, "eth1", 0, -1, "smp_affinity_list");
	assert_non_null(m);
	assert_string_equal(m->text, "0-3");
	assert_null(find(&s, LAYER_IRQ, "eth1", 0, -1, "effective_affinity_list"));
	/* mlx5: by PCI address */
	assert_int_equal(val(&s, LAYER_IRQ, "ens1f0", 0, 0, "interrupts"), 111);
	assert_int_equal(val(&s, LAYER_IRQ, "ens1f0", 1, 1, "interrupts"), 222);
	assert_int_equal(val(&s, LAYER_IRQ, "ens1f0", -1, 0, "misc_interrupts"), 7);
	assert_int_equal(val(&s, LAYER_IRQ, "0000:5e:00.0", 0, 2, "interrupts"), 333);
	/* by naming scheme alone */
	assert_int_equal(val(&s, LAYER_IRQ, "ens2f0", 2, 3, "interrupts"), 9);
	assert_int_equal(val(&s, LAYER_IRQ, "ens3", 1, 2, "interrupts"), 8);
	assert_int_equal(val(&s, LAYER_IRQ, "enic9", 0, 1, "tx_interrupts"), 6);
	/* 15 network vectors (plus one summed) x 4 CPUs; timer, nvme, ahci, virtio3 skipped */
	assert_int_equal(count(&s, LAYER_IRQ, MK_COUNTER), 15 * 4);
	snap_release(&s);
}

/* Malformed lines are skipped; what is well formed still counts. */
static void test_malformed(void **state)
{
	struct strbuf b;
	struct snapshot s;
	struct irqmap m;

	(void)state;
	snap_init(&s);
	snap_add_ns(&s, 1, "host", NS_HOST, 0);

	load(&b, "malformed", "proc/net/softnet_stat");
	assert_int_equal(softnet_parse(b.buf, b.len, NULL, &s, 0), 6);
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 2, "processed"), 0x10); /* row 3 */
	assert_int_equal(val(&s, LAYER_BACKLOG, NULL, -1, 5, "processed"), 7); /* row 6 */
	assert_int_equal(softnet_parse(b.buf, b.len, "0-x", &s, 0), 0); /* bad online list */
	sb_release(&b);

	s.nm = 0;
	load(&b, "malformed", "proc/softirqs");
	assert_int_equal(softirqs_parse(b.buf, b.len, &s, 0), 3);
	assert_int_equal(val(&s, LAYER_SOFTIRQ, NULL, -1, 0, "net_rx"), 5);
	assert_null(find(&s, LAYER_SOFTIRQ, NULL, -1, 1, "net_rx"));
	assert_int_equal(val(&s, LAYER_SOFTIRQ, NULL, -1, 1, "net_tx"), 4);
	assert_int_equal(softirqs_parse("NET_RX: 1 2\n", 12, &s, 0), -EINVAL);
	sb_release(&b);

	s.nm = 0;
	load(&b, "malformed", "proc/stat");
	assert_int_equal(cpustat_parse(b.buf, b.len, &s, 0), 2);
	assert_int_equal(val(&s, LAYER_SOFTIRQ, NULL, -1, 2, "total_ticks"), 100);
	sb_release(&b);

	s.nm = 0;
	irqmap_init(&m);
	load(&b, "malformed", "proc/interrupts");
	assert_int_equal(interrupts_parse(b.buf, b.len, &m, &s, 0), 3);
	assert_int_equal(val(&s, LAYER_IRQ, "eth0", 0, 1, "interrupts"), 2);
	assert_int_equal(val(&s, LAYER_IRQ, "eth2", 4, 0, "interrupts"), 3);
	assert_null(find(&s, LAYER_IRQ, "eth2", 4, 1, "interrupts"));
	assert_int_equal(val(&s, LAYER_IRQ, "eth4", 0, 1, "tx_interrupts"), 2);
	assert_int_equal(count(&s, LAYER_IRQ, -1), 5);
	assert_int_equal(interrupts_parse("1: 2 eth0-rx-0\n", 15, &m, &s, 0), -EINVAL);
	sb_release(&b);
	irqmap_release(&m);
	snap_release(&s);
}

/* Count the CPUn titles of the header of a recorded file. */
static int header_cpus(const char *buf, int *ids, int max)
{
	const char *end = strchr(buf, '\n'), *p = buf;
	int n = 0;

	while ((p = strstr(p, "CPU")) && (!end || p < end) && n < max) {
		ids[n++] = atoi(p + 3);
		p += 3;
	}
	return n;
}

/* This machine's own files: a row per CPU in every source, and its virtio queues. */
static void test_real(void **state)
{
	struct snapshot s;
	struct strbuf b;
	int ids[256], n, online;
	char *line, *save = NULL;
	unsigned queues = 0;

	(void)state;
	run_case("real", "softnet,softirqs,cpustat,interrupts", &s);
	status_ok(&s, "softnet");
	status_ok(&s, "softirqs");
	status_ok(&s, "cpustat");
	status_ok(&s, "interrupts");

	load(&b, "real", "sys/devices/system/cpu/online");
	for (online = 0; cpulist_nth(b.buf, b.len, (unsigned)online) >= 0; online++) {
		int cpu = cpulist_nth(b.buf, b.len, (unsigned)online);

		assert_non_null(find(&s, LAYER_BACKLOG, NULL, -1, cpu, "processed"));
		assert_non_null(find(&s, LAYER_SOFTIRQ, NULL, -1, cpu, "softirq_ticks"));
		assert_non_null(find(&s, LAYER_SOFTIRQ, NULL, -1, cpu, "net_rx"));
	}
	assert_true(online > 0);
	sb_release(&b);

	load(&b, "real", "proc/interrupts");
	n = header_cpus(b.buf, ids, 256);
	assert_true(n > 0);
	for (line = strtok_r(b.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v = strstr(line, "virtio2-input.");
		unsigned irq = (unsigned)atoi(line);

		if (!v)
			continue;
		for (int i = 0; i < n; i++) {
			const struct metric *m = find(&s, LAYER_IRQ, "eth0", atoi(v + 14), ids[i],
						      "interrupts");
			char lab[64];

			assert_non_null(m);
			snprintf(lab, sizeof(lab), "irq=%u,name=", irq);
			assert_memory_equal(m->labels, lab, strlen(lab));
		}
		queues++;
	}
	assert_true(queues > 0);
	sb_release(&b);
	snap_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_softnet_offline),
		cmocka_unit_test(test_softnet_old11),
		cmocka_unit_test(test_softnet_no_online),
		cmocka_unit_test(test_softnet_wrap),
		cmocka_unit_test(test_softirqs),
		cmocka_unit_test(test_cpustat),
		cmocka_unit_test(test_irq_classify),
		cmocka_unit_test(test_interrupts_multiq),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
