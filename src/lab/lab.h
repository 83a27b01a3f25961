/* lab.h: emulated datapaths in network namespaces (`dptune lab`). A lab is a set of
 * namespaces ("hosts") joined by real kernel devices in one of the scenarios below. Every
 * object is recorded in the lab's state file, /run/dptune/lab/<name>.json (JSON lines,
 * each line appended and fsync'd BEFORE the object is created), so that `down` removes all
 * of it even after the creating process died. The same file describes the lab for its users
 * (sweep, matrix): nodes, client and server, the server address and UDP ports, and the
 * ordered path of (namespace, device) hops; lab_load() reads it. */
#ifndef DPTUNE_LAB_H
#define DPTUNE_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "../core/util.h"

#define LAB_DIR_DEFAULT "/run/dptune/lab"
#define LAB_NAME_MAX 12     /* [A-Za-z0-9_], so "dl-<name>-<node>" and nft names stay valid */
#define LAB_NS_MAX 40       /* namespace name */
#define LAB_DEV_MAX 16      /* IFNAMSIZ */
#define LAB_NODES_MAX 12
#define LAB_PATH_MAX 24
#define LAB_STR_MAX 256

/* The state directory: $DPTUNE_LAB_DIR when set (tests), else LAB_DIR_DEFAULT. */
const char *lab_dir(void);

/* A host of the lab: a namespace with a role ("client", "server", "router", "switch",
 * "host", "container") and its main address (may be empty). */
struct lab_node {
	char name[16];       /* "cli" */
	char ns[LAB_NS_MAX]; /* "dl-l1-cli" */
	char role[16];
	char addr[48];       /* "10.231.1.1/24" or "" */
	char dev[LAB_DEV_MAX];
};

/* One hop of the path a packet takes from client to server, in order. */
struct lab_hop {
	char ns[LAB_NS_MAX];
	char dev[LAB_DEV_MAX];
	char kind[16];      /* veth bridge vxlan macvlan tap ovs-port ovs-bridge guest */
	char note[48];      /* "rx", "tx", "rps", "nat", "conntrack"... */
};

/* Records of what was created (or changed), undone in reverse order by lab_down. */
enum lab_rec_type {
	LREC_NS = 1,  /* a = namespace */
	LREC_LINK,    /* ns, a = device (deleted with its namespace; removed explicitly if not) */
	LREC_PROC,    /* pid, start (field 22 of /proc/PID/stat), a = what */
	LREC_OVS,     /* ns = namespace the daemons run in, a = private dir (run/db/log) */
	LREC_SYSCTL,  /* ns ("" = host), a = /proc/sys path, b = original value */
	LREC_NFT,     /* ns, a = table, b = family */
	LREC_SLOW,    /* the guest was told to read slowly (b = pid, start in pid/start) */
	LREC_FILE,    /* a = a file to remove (guest counters) */
};

struct lab_rec {
	int type;
	char ns[LAB_NS_MAX];
	char a[LAB_STR_MAX];
	char b[64];
	char fault[16]; /* non-empty: part of a fault, undone by `fault --clear` */
	int64_t pid;
	uint64_t start;
};

struct lab {
	char name[LAB_NAME_MAX + 1];
	char scenario[16];
	int idx;               /* 1..250: addresses 10.231.idx.0/24 and device names dl<idx>.. */
	bool complete;         /* "up" record seen: the build finished */
	int64_t owner_pid;     /* the `lab up` that built it */
	struct lab_node nodes[LAB_NODES_MAX];
	int n_nodes;
	char client[16], server[16]; /* node names */
	char server_addr[48];        /* address the client sends to (no prefix length) */
	unsigned port_lo, port_hi;   /* UDP ports reserved for load */
	char rps_dev[LAB_DEV_MAX];   /* server-side receiving device with RPS ("" = none) */
	char rps_ns[LAB_NS_MAX];
	char rps_mask[16];
	struct lab_hop path[LAB_PATH_MAX];
	int n_path;
	char missing[LAB_STR_MAX];   /* optional parts missing on this machine */
	struct lab_rec *recs;
	int n_recs;
	size_t cap_recs;
};

void lab_free(struct lab *l);

/* Parse a state file's text (JSON lines) into *out (zeroed first). Bad or unknown lines
 * are skipped; returns 0, or -EINVAL when no valid "lab" header line is present. */
int lab_state_parse(const char *buf, size_t len, struct lab *out) MUST_CHECK;

/* Read <lab_dir>/<name>.json into *out: 0, -ENOENT (no such lab) or -errno. */
int lab_load(const char *name, struct lab *out) MUST_CHECK;

/* Names of all labs with a state file (sorted); *out is freed with lab_names_free. */
int lab_names(char ***out, int *n) MUST_CHECK;
void lab_names_free(char **v, int n);

/* A name is [A-Za-z0-9_]{1,12}. */
bool lab_name_valid(const char *name);

/* The node named node (or whose namespace is node), or NULL. */
const struct lab_node *lab_node_find(const struct lab *l, const char *node);

/* Scenarios: a table of data (scenarios.c) that one builder interprets. */
struct lab_sc;
struct lab_scenario {
	const char *name;
	const char *summary;
	const struct lab_sc *def; /* nodes, addresses, path, build steps (lab_int.h) */
};
extern const struct lab_scenario lab_scenarios[];
const struct lab_scenario *lab_scenario_find(const char *name);

/* What a scenario needs that this machine lacks: "" when it can run, else why not (probed
 * at run time in a scratch namespace). optional gets what optional parts are missing. */
void lab_probe(const char *scenario, char *why, size_t n, char *optional, size_t on);

struct lab_up_opts {
	const char *name;
	const char *scenario;
	bool no_rps;
	const char *rps_mask; /* NULL: the last CPU */
	bool ovs;             /* vxlan: OVS bridges instead of Linux bridges */
	FILE *log;            /* unused: lab_up prints nothing (errors come back in err) */
};

/* Build a lab. Returns 0; -EEXIST when it is already up (harmless); -EOPNOTSUPP when a
 * required part is missing (why in err); -EINTR when interrupted (what was built is torn
 * down); other -errno with err naming the failing command. */
int lab_up(const struct lab_up_opts *o, char *err, size_t errn) MUST_CHECK;

/* Remove everything a lab's state file records, in reverse, ignoring what is gone, then the
 * state file. Harmless when run twice. Returns 0 or -errno (first error; it carries on),
 * -ENOENT when no such lab is up; what could not be undone is appended to errs (may be
 * NULL). Prints nothing. */
int lab_down(const char *name, struct strbuf *errs) MUST_CHECK;

/* Faults. kind: rcvbuf backlog conntrack ratecap slowguest. rate: ratecap packets/s.
 * Each change is recorded (original values fsync'd) before it is made. */
int lab_fault(const char *name, const char *kind, uint64_t rate, char *err, size_t errn) MUST_CHECK;
/* Undo every fault of a lab (errs as for lab_down). */
int lab_fault_clear(const char *name, struct strbuf *errs) MUST_CHECK;
extern const char *const lab_fault_kinds[];

/* Enter the namespace ns (setns on /run/netns/ns) with a private mount of its sysfs, then
 * execvp argv. Returns only on failure (-errno). */
int lab_exec(const char *ns, char **argv) MUST_CHECK;

/* The guest process of the tap scenario (guest.c): moves frames between the host-side tap
 * fd and the guest-side tap fd until killed; SIGUSR1 makes it read the host side slowly,
 * SIGUSR2 fast again. Counters are written to stats_path now and then. Never returns. */
void lab_guest_run(int host_fd, int guest_fd, const char *stats_path) __attribute__((noreturn));

/* Parse "rx=N tx=N ..." guest counters (for status); returns fields found. */
int lab_guest_parse(const char *buf, size_t len, uint64_t *frames_in, uint64_t *frames_out,
		    bool *slow);

#endif
