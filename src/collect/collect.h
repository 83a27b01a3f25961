/* collect.h: the collector engine. It walks every network namespace (host, named ones
 * under /run/netns, those held by processes; the list is kept between snapshots and
 * re-read when the kernel signals a change, core/netns.h netns_watch) and runs the
 * collectors, which only read the kernel and fill a snapshot. File descriptors and
 * sockets opened inside a namespace are kept (they stay bound to it) and re-read with
 * pread(), so a steady-state sample costs reads, not opens, and no setns(): a namespace
 * is entered only when a collector must open something in it (cctx_enter_ns). */
#ifndef DPTUNE_COLLECT_H
#define DPTUNE_COLLECT_H

#include <stdbool.h>
#include "../model/snapshot.h"

struct collect_opts {
	const char *proc_root;  /* "/proc" unless reading recorded files */
	const char *sys_root;   /* "/sys" */
	const char *run_root;   /* "/run" (netns names, openvswitch sockets) */
	const char *only_ns;    /* read only this namespace (name), or NULL for all */
	bool no_netns;          /* only the namespace we run in */
	bool recorded;          /* proc_root/sys_root point at recorded files: no setns */
	const char *only_collectors; /* comma list of collector names, or NULL */
	const char *ovs_rundirs;     /* extra ':'-separated OVS run directories, or NULL */
	bool drop_reasons;      /* attach BPF to skb:kfree_skb for kernel drop reasons */
	/* Settings (the knobs collector's rows) change only when someone changes them, yet
	 * reading them is most of a small host's snapshot. 0 (the default: doctor, tune, a
	 * one-shot stat): every knob is read at every snapshot, so it is current. > 0 (stat
	 * -i): each namespace's knob files are read every knob_max_age to 1.9 x
	 * knob_max_age seconds (namespaces spread over that window) and repeated from the
	 * last read in between, so a changed knob shows up to that late. */
	double knob_max_age;
};
/* What stat -i uses for knob_max_age. */
#define COLLECT_KNOB_MAX_AGE 10.0

struct ns_handle;
struct collector;

/* Per collector call: where we are and what to fill. */
struct cctx {
	struct collect_engine *eng;
	struct ns_handle *nsh;
	struct snapshot *snap;
	uint32_t ns;      /* index of the namespace in snap */
	bool host;        /* the namespace dptune started in */
	const struct collector *col;
	struct collector_status *st;
};

enum collector_scope { SCOPE_HOST, SCOPE_NETNS };

struct collector {
	const char *name;
	enum collector_scope scope;
	/* Read the kernel and add metrics to c->snap under c->ns. Return 0, or -errno after
	 * cctx_unavailable() when the source cannot be read (the engine then goes on). */
	int (*run)(struct cctx *c);
	/* Free per-namespace state kept in *cctx_priv(c) (may be NULL). */
	void (*release)(void *priv);
};

/* The collectors in the order the engine runs them, NULL-terminated: the built-in ones
 * (registry.c), then those added with collect_register(). */
extern const struct collector *collectors[];
/* Does col call cctx_enter_ns() before anything that binds to the current namespace (a
 * socket, an open of a /proc path, if_indextoname) other than through cctx_read_*, which
 * enter on their own when they must open? A namespace whose enabled collectors all do is
 * not entered at all once their sockets and files are open (they stay bound to it): a
 * steady-state sample costs no setns(). Others (collect_register()ed ones) have the
 * namespace entered before their run(). The built-in collectors do (registry.c). */
bool collector_lazy_netns(const struct collector *col);
/* Append col to the table (once; a second call is a no-op). Call before the first
 * collect_engine_new(). 0, or -ENOSPC when the table (COLLECTOR_MAX) is full. */
int collect_register(const struct collector *col) MUST_CHECK;

struct collect_engine *collect_engine_new(const struct collect_opts *opt);
void collect_engine_free(struct collect_engine *e);
/* Take one snapshot: discover namespaces, run every collector in each. Returns 0, or
 * -errno when nothing could be read at all (a single collector failing is not an error:
 * its status says why). */
int collect_snapshot(struct collect_engine *e, struct snapshot *snap);

/* For collectors. */
const struct collect_opts *cctx_opts(const struct cctx *c);
/* Read proc_root/rel (e.g. "net/snmp") in the current namespace, through a cached fd.
 * *out points into an engine buffer valid until the next cctx_read*. 0 or -errno. */
int cctx_read_proc(struct cctx *c, const char *rel, const char **out, size_t *len);
/* Same for a file the kernel prints in one piece (a single_open seq file: net/snmp,
 * snmp6, netstat, sockstat, sockstat6): a short read is taken as the end, which saves
 * the read that returns 0. Not for files printed record by record (net/udp,
 * interrupts, stat/nf_conntrack), where a short read can come before the end. */
int cctx_read_proc_one_piece(struct cctx *c, const char *rel, const char **out,
			     size_t *len);
/* Same for a seq_file printed record by record (net/stat/nf_conntrack, net/udp) whose
 * records (lines) are at most max_rec bytes: a read that stops short of both the request
 * and the kernel's smallest buffer by max_rec is the end (collect.c), which saves the
 * read that returns 0. max_rec 0 or >= 4096: read until a read returns 0. */
int cctx_read_proc_records(struct cctx *c, const char *rel, size_t max_rec, const char **out,
			   size_t *len);
/* Same under sys_root ("class/net/eth0/queues/rx-0/rps_cpus"); only reliable in the host
 * namespace unless sysfs was remounted (cctx_sys_ok tells). One read per file: a sysfs
 * attribute is whole in the first read that returns less than asked. */
int cctx_read_sys(struct cctx *c, const char *rel, const char **out, size_t *len);
bool cctx_sys_ok(const struct cctx *c);

/* Move the thread into c's namespace if it is not there (a no-op for recorded files and
 * --no-netns). 0, or -errno (the namespace's "netns" status then says why). */
int cctx_enter_ns(struct cctx *c) MUST_CHECK;
/* Per-namespace per-collector private pointer (sockets, caches). */
void **cctx_priv(struct cctx *c);
/* Mark this collector unavailable in this snapshot with a reason; returns err. */
int cctx_unavailable(struct cctx *c, int err, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Absolute path under proc_root/sys_root/run_root (static buffer per call site not
 * needed: writes into buf). */
const char *cctx_path(const struct cctx *c, char *buf, size_t n, const char *root_kind,
		      const char *rel);

#endif
