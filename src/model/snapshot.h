/* snapshot.h: what one reading of the kernel holds. Collectors fill it, delta compares
 * two of them, output prints them. Plain data, no I/O. */
#ifndef DPTUNE_SNAPSHOT_H
#define DPTUNE_SNAPSHOT_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "../core/netns.h"
#include "../core/util.h"

/* Datapath layers, in the order a received packet meets them (DESIGN.md). */
enum dp_layer {
	LAYER_NIC,
	LAYER_IRQ,
	LAYER_SOFTIRQ,
	LAYER_BACKLOG,
	LAYER_QDISC,
	LAYER_VDEV,
	LAYER_NETFILTER,
	LAYER_IP,
	LAYER_UDP,
	LAYER_SOCKET,
	LAYER__COUNT
};

const char *layer_name(enum dp_layer l);
int layer_from_name(const char *s); /* -1 if unknown */

enum metric_kind {
	MK_COUNTER,   /* monotonic 64-bit counter: reported as delta and rate */
	MK_COUNTER32, /* monotonic counter that wraps at 2^32 (softnet_stat) */
	MK_GAUGE,     /* instantaneous value (queue length, table size) */
	MK_KNOB,      /* a setting (sysctl, ring size, mask): value and/or text */
};

enum metric_flags {
	MF_DROP = 1 << 0,  /* a drop or error counter: any increase is loss or a fault */
	MF_ABNORMAL = 1 << 1, /* unused: collectors never judge (analyze/abnormal.h does) */
	MF_BENIGN = 1 << 2,   /* counts things that are usually harmless (rx_nohandler) */
	MF_ZERO_BASE = 1 << 3, /* a row that appears was 0 before (a BPF map entry): a missing
				* previous row counts as 0, not as "new" */
	MF_LABEL_KEY = 1 << 4, /* labels tell rows apart (several qdiscs on one device); other
				* rows keep their identity when their labels change (a socket
				* gains its pid and comm when it starts dropping) */
	MF_WATCH = 1 << 5,     /* a row judged by its value, not only by its moves
				* (analyze_row_abnormal): a gauge measured against a limit
				* (nf_conntrack_count, udp_mem), a counter whose any value is
				* news (drop_events_missed): shown even when it did not move.
				* A row without it is of note only when it moves, which lets
				* stat skip an unmoved one from its delta row alone */
};

struct metric {
	uint64_t value;
	const char *obj;    /* interned: device, "cpu3", socket "udp 0.0.0.0:5000", or "" */
	const char *name;   /* interned counter or knob name */
	const char *labels; /* interned "k=v,k=v" extra attribution (pid=12,comm=x), or NULL */
	const char *text;   /* interned text value of a knob (mask, triple), or NULL */
	uint32_t ns;        /* index into snapshot.ns */
	int32_t queue;      /* device queue number, or -1 */
	int32_t cpu;        /* CPU id, or -1 */
	uint8_t layer, kind, flags;
};

/* enum netns_source (host, named, process, recorded) is in core/netns.h. */

struct netns_info {
	uint64_t inode;
	const char *name;   /* interned: "host", the /run/netns name, or "pid:123(comm)" */
	enum netns_source source;
	int pid;            /* a process in it (NS_PROC), else 0 */
};

/* Link facts used by path and topology code (from rtnetlink). */
struct link_info {
	uint32_t ns;
	int ifindex;
	const char *name, *kind; /* kind: "veth", "bridge", "vxlan", ... or "" for a NIC */
	const char *driver;      /* from ethtool, or NULL */
	int master;              /* ifindex of bridge/OVS master, 0 if none */
	int link;                /* IFLA_LINK: veth peer, macvlan/vlan parent, 0 if none */
	int link_netnsid;        /* -1 if the peer is in the same netns */
	const char *link_name;   /* name of the IFLA_LINK device when it is in another netns
				  * (asked with IFLA_TARGET_NETNSID), or NULL */
	uint32_t mtu, txqlen, num_rx_queues, num_tx_queues;
	uint8_t operstate;       /* IF_OPER_* */
	uint32_t vxlan_id;       /* vxlan VNI, 0 if not vxlan */
	int vxlan_link;          /* underlay device ifindex, 0 if none */
	uint16_t vxlan_port;
	const char *qdisc;       /* root qdisc kind, or NULL */
	uint64_t stats_hash;     /* hash of the device's IFLA_STATS_LINK_64 block as last read
				  * (0 before any): it changes whenever one of its counters does */
	bool relinked;           /* the device list of its namespace was re-dumped this
				  * snapshot (first one, or after a link notification) */
};

#define COLLECTOR_MAX 24

struct collector_status {
	const char *name;
	int err;           /* 0 ok; -errno if unavailable */
	char reason[200];  /* why unavailable: "needs root", "no ovsdb-server socket found" */
	unsigned nmetrics;
	uint64_t time_ns;  /* time spent in the collector (monotonic clock: CPU time would
			    * cost a system call per collector and namespace) */
};

/* A run of rows that one source (a file of a namespace, a device's counters) made at
 * one version of what it read: any snapshot holding the same source at the same version
 * holds the same rows (keys, values, order), so delta maps them by position without
 * reading either (model/delta.c). A source takes a new version (snap_new_version) at
 * every read that may have changed its rows; versions are never reused in a process. */
struct snap_run {
	const void *src;   /* the source: the address of its state */
	uint64_t ver;
	uint32_t start, n;
	uint32_t ns;       /* the namespace index of its rows */
	unsigned gen;      /* intern_gen when they were made (their names are of that pool) */
	bool quiet;        /* no row has MF_WATCH: unmoved, none is of note */
};

struct snapshot {
	double t_mono, t_real;
	struct netns_info *ns;
	size_t nns, ns_cap;
	struct metric *m;
	size_t nm, m_cap;
	struct link_info *links;
	size_t nlinks, links_cap;
	struct collector_status st[COLLECTOR_MAX];
	size_t nst;
	struct snap_run *runs; /* in the order of their rows */
	size_t nruns, runs_cap;
	size_t watch_end;      /* 1 + the index of the last row with MF_WATCH, 0 if none (so a
				* run knows whether it holds one without reading its rows) */
	/* What the buffer held before snap_clear (snap_reuse): its runs, the next one to look
	 * at, and how far this filling has written (rows at or past it are still the old) */
	struct snap_run *old_runs;
	size_t nold, old_cap, old_at, hi;
};

void snap_init(struct snapshot *s);
void snap_clear(struct snapshot *s); /* empty, keep allocations */
void snap_release(struct snapshot *s);

/* Add a namespace; returns its index. Deduplicates by inode (returns the existing one). */
uint32_t snap_add_ns(struct snapshot *s, uint64_t inode, const char *name,
		     enum netns_source src, int pid);

/* Add a metric. obj and name are interned here; obj may be NULL for "". */
struct metric *snap_add(struct snapshot *s, uint32_t ns, enum dp_layer layer,
			enum metric_kind kind, const char *obj, const char *name, uint64_t value);
/* Same, with queue/cpu/flags in one call. */
struct metric *snap_add_full(struct snapshot *s, uint32_t ns, enum dp_layer layer,
			     enum metric_kind kind, unsigned flags, const char *obj,
			     int32_t queue, int32_t cpu, const char *name, uint64_t value);
/* snap_add_full for an obj and a name that intern() returned (obj not NULL): no lookup,
 * for collectors adding thousands of rows. Any other pointer breaks the matching of rows
 * between snapshots. */
static inline struct metric *snap_add_interned(struct snapshot *s, uint32_t ns,
					       enum dp_layer layer, enum metric_kind kind,
					       unsigned flags, const char *obj, int32_t queue,
					       int32_t cpu, const char *name, uint64_t value)
{
	struct metric *m;

	/* inline: collectors add 50,000 rows a snapshot through here, and a call with ten
	 * arguments cost more than the row */
	if (__builtin_expect(s->nm >= s->m_cap, 0))
		grow_array((void **)&s->m, &s->m_cap, s->nm + 1, sizeof(*s->m));
	m = &s->m[s->nm++];
	*m = (struct metric){
		.value = value, .obj = obj, .name = name, .ns = ns, .queue = queue, .cpu = cpu,
		.layer = (uint8_t)layer, .kind = (uint8_t)kind, .flags = (uint8_t)flags,
	};
	if (flags & MF_WATCH)
		s->watch_end = s->nm;
	return m;
}
/* Add a knob with a text value (value set to the parsed integer if it is one). */
struct metric *snap_add_knob(struct snapshot *s, uint32_t ns, enum dp_layer layer,
			     const char *obj, const char *name, const char *text);
struct link_info *snap_add_link(struct snapshot *s);

/* A version no source has had. */
uint64_t snap_new_version(void);
/* The rows from start to the end of s are what src made at version ver (see snap_run). */
void snap_add_run(struct snapshot *s, const void *src, uint64_t ver, size_t start);
/* If the rows at the end of s, left from before snap_clear, are a quiet run of src at
 * version ver, keep them as they are (in namespace ns) and return true: the source's
 * rows without writing a row. Else false, and the source adds its rows. A snapshot
 * refilled at every collect (stat, record, export) finds there what the same source made
 * one or two collects ago, so a source that did not change costs nothing to add. */
bool snap_reuse(struct snapshot *s, const void *src, uint64_t ver, uint32_t ns);
/* Drop the rows from nm on (a namespace read half), and the runs that held them. */
void snap_truncate(struct snapshot *s, size_t nm);

/* Find a metric (first match); obj NULL means "". queue/cpu -1 means "none". */
const struct metric *snap_find(const struct snapshot *s, uint32_t ns, enum dp_layer layer,
			       const char *obj, int32_t queue, int32_t cpu, const char *name);
/* Find a namespace index by name; -1 if none. */
int snap_ns_by_name(const struct snapshot *s, const char *name);
const struct link_info *snap_link_by_index(const struct snapshot *s, uint32_t ns, int ifindex);

struct collector_status *snap_status(struct snapshot *s, const char *name);

#endif
