/* cpu.h: pure parsers of the per-CPU sources behind the irq, softirq and backlog layers
 * (/proc/net/softnet_stat, /proc/softirqs, /proc/stat, /proc/interrupts), and the map
 * from IRQ numbers to the network device queues they serve. The collectors in cpu.c only
 * read files and call these; unit tests and fuzzers call them on recorded buffers. */
#ifndef DPTUNE_CPU_H
#define DPTUNE_CPU_H

#include <stddef.h>
#include <stdint.h>
#include "../model/snapshot.h"

/* The n-th (from 0) CPU id of a CPU list such as "0-3,6\n" (the format of
 * /sys/devices/system/cpu/online), reading at most len bytes. Returns the id, -ENOENT
 * when the list holds fewer than n+1 CPUs, or -EINVAL when it is malformed. */
int cpulist_nth(const char *list, size_t len, unsigned n);

/* Parse /proc/net/softnet_stat into layer backlog rows (obj "", cpu = real CPU id):
 * processed, dropped, time_squeeze, received_rps, flow_limit_count (MK_COUNTER32) and
 * backlog_len, input_qlen, process_qlen (MK_GAUGE), as far as the kernel prints them.
 * The CPU id comes from column 13 when present, else row n is the n-th CPU of online
 * (a CPU list, may be NULL: then row n is CPU n). Malformed rows are skipped.
 * Returns the number of rows added, or -EINVAL when the buffer holds none. */
int softnet_parse(const char *buf, size_t len, const char *online, struct snapshot *s,
		  uint32_t ns);

/* Parse /proc/softirqs: NET_RX and NET_TX per CPU as layer softirq counters "net_rx"
 * and "net_tx" (cpu ids from the CPUn header). Returns rows added or -EINVAL. */
int softirqs_parse(const char *buf, size_t len, struct snapshot *s, uint32_t ns);

/* Parse the cpuN lines of /proc/stat into layer softirq counters (USER_HZ ticks):
 * softirq_ticks, steal_ticks, irq_ticks, idle_ticks and total_ticks (user + nice +
 * system + idle + iowait + irq + softirq + steal; guest time is already inside user).
 * Returns rows added or -EINVAL. */
int cpustat_parse(const char *buf, size_t len, struct snapshot *s, uint32_t ns);

/* What an IRQ vector serves. */
enum irq_role {
	IRQ_ROLE_QUEUE, /* rx or combined rx/tx queue: metric "interrupts" */
	IRQ_ROLE_TX,    /* tx-only queue: "tx_interrupts" */
	IRQ_ROLE_MISC,  /* the device's other vectors (config, async, misc): "misc_interrupts" */
};

#define IRQMAP_NAME_MAX 64

/* A network device that has a bus device, and the basename of its device link
 * ("virtio2", "0000:3b:00.0") used by IRQ names that do not carry the device name. */
struct irqmap_dev {
	char name[IRQMAP_NAME_MAX];
	char bus[IRQMAP_NAME_MAX];
};

struct irqmap_msi {
	unsigned irq;
	int dev; /* index into irqmap.dev */
};

/* One network IRQ found by the last interrupts_parse(). */
struct irqmap_hit {
	unsigned irq;
	const char *obj;    /* interned device name */
	const char *labels; /* interned "irq=N,name=..." */
	int32_t queue;
	enum irq_role role;
	bool dup;           /* same (obj, queue, role) as an earlier hit: counts were added to it */
	size_t m0, nm;      /* its metrics in the snapshot: s->m[m0 .. m0+nm) */
};

struct irqmap {
	struct irqmap_dev *dev;
	size_t ndev, dev_cap;
	struct irqmap_msi *msi; /* sorted by irq after irqmap_sort() */
	size_t nmsi, msi_cap;
	struct irqmap_hit *hit;
	size_t nhit, hit_cap;
	size_t *slot;           /* open-addressing index of hits, reused between parses */
	size_t nslot;
	int32_t *cpu;           /* CPU id of each column of the last header, reused */
	uint64_t *val;          /* counts of the current line, reused */
	size_t col_cap;
};

void irqmap_init(struct irqmap *m);
void irqmap_clear(struct irqmap *m);   /* forget devices and MSI lists, keep memory */
void irqmap_release(struct irqmap *m);
/* Add a device (name and bus basename; bus may be NULL or ""); returns its index. */
int irqmap_add_dev(struct irqmap *m, const char *name, const char *bus);
void irqmap_add_msi(struct irqmap *m, unsigned irq, int dev);
void irqmap_sort(struct irqmap *m); /* call after adding MSI entries */

/* Classification of one IRQ action name. */
struct irq_class {
	char obj[IRQMAP_NAME_MAX]; /* device name (or bus address when no device is known) */
	int32_t queue;             /* -1 if none */
	enum irq_role role;
};

/* Decide whether IRQ irq named tok[0..n) serves a network device, from the MSI lists
 * and names in m and the naming schemes of common drivers (eth0-TxRx-3,
 * i40e-eth0-TxRx-3, ens1f0-rx-2, mlx5_comp3@pci:0000:3b:00.0, virtio0-input.0,
 * virtio0-output.0, enic eth0-rx-0). Returns true and fills *out when it does. */
bool irq_classify(const struct irqmap *m, unsigned irq, const char *tok, size_t n,
		  struct irq_class *out);

/* Parse /proc/interrupts: for every network IRQ, one layer irq counter per CPU column
 * (obj device, queue, cpu, name by role, labels "irq=N,name=X"). Vectors with the same
 * (device, queue, role) are summed into the first one. Fills m->hit with the IRQs found.
 * Returns the number of network IRQs, or -EINVAL when there is no CPU header. */
int interrupts_parse(const char *buf, size_t len, struct irqmap *m, struct snapshot *s,
		     uint32_t ns);

/* Metric name of an IRQ role, with prefix for its knobs: irq_role_name(IRQ_ROLE_TX,
 * "smp_affinity_list") is "tx_smp_affinity_list". Writes into buf. */
const char *irq_role_name(enum irq_role role, const char *base, char *buf, size_t n);

#endif
