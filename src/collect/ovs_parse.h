/* ovs_parse.h: text parsers behind the Open vSwitch collector. Each takes a buffer apart
 * from the socket that filled it, so unit tests and fuzzers call them on recorded
 * replies. The text formats of ovs-appctl commands are meant for humans: a line that does
 * not match is skipped, never trusted. (The OVSDB reply parser is in ovsdb.h.) */
#ifndef DPTUNE_OVS_PARSE_H
#define DPTUNE_OVS_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* A named counter. Names longer than the field are truncated. */
struct ovs_kv {
	char name[64];
	uint64_t value;
};

struct ovs_kvs {
	struct ovs_kv *v;
	size_t n, cap;
};

void ovs_kvs_add(struct ovs_kvs *k, const char *name, size_t namelen, uint64_t value);
const struct ovs_kv *ovs_kvs_find(const struct ovs_kvs *k, const char *name);
void ovs_kvs_release(struct ovs_kvs *k);

/* One port of a datapath in `dpctl/show -s`. */
struct ovs_dp_port {
	char *name, *type;       /* type "" for a system port */
	uint32_t port_no;
	struct ovs_kvs stats;    /* rx_packets, rx_dropped, tx_errors, collisions, rx_bytes... */
};

struct ovs_dp {
	char *name;              /* "netdev@ovs-netdev" */
	struct ovs_kvs stats;    /* hit, missed, lost, flows, masks_hit... */
	struct ovs_dp_port *ports;
	size_t nports, pcap;
};

struct ovs_dps {
	struct ovs_dp *dp;
	size_t n, cap;
};

/* Parse the text of `dpctl/show -s` (also accepts `dpctl/show` without counters). 0. */
int ovs_parse_dpctl_show(const char *buf, size_t len, struct ovs_dps *out);
void ovs_dps_release(struct ovs_dps *d);

/* One thread block of `dpif-netdev/pmd-stats-show`. */
struct ovs_pmd {
	char *thread;            /* "main thread" or "pmd thread numa_id 0 core_id 1" */
	int core;                /* core_id, or -1 */
	struct ovs_kvs stats;    /* integer lines only: "packets_received", "miss_with_failed_upcall" */
};

struct ovs_pmds {
	struct ovs_pmd *t;
	size_t n, cap;
};

int ovs_parse_pmd_stats(const char *buf, size_t len, struct ovs_pmds *out);
void ovs_pmds_release(struct ovs_pmds *p);

/* `coverage/show`: every event with its total. With drops_only, only events whose name
 * contains "drop". 0. */
int ovs_parse_coverage(const char *buf, size_t len, int drops_only, struct ovs_kvs *out);

/* /proc/PID/net/dev: per device rx_packets and tx_packets, as "<dev>/rx_packets" and
 * "<dev>/tx_packets". 0. */
int ovs_parse_net_dev(const char *buf, size_t len, struct ovs_kvs *out);

/* Socket paths named on an OVS daemon's command line (NUL-separated /proc/PID/cmdline).
 * db: the ovsdb socket (`--remote=punix:P` of ovsdb-server, `unix:P` of ovs-vswitchd),
 * ctl: `--unixctl=P`. Only absolute paths are returned; empty strings when absent. */
void ovs_parse_cmdline(const char *buf, size_t len, int is_vswitchd, char *db, size_t dbn,
		       char *ctl, size_t ctln);

#endif
