/* lab_int.h: the lab's internals shared by its files: running commands in namespaces,
 * process identity, the state file writer. Not for users of the lab (they use lab.h). */
#ifndef DPTUNE_LAB_INT_H
#define DPTUNE_LAB_INT_H

#include <sys/types.h>
#include "lab.h"

enum lab_nsmode {
	LAB_NS_NET = 0,  /* setns into the network namespace only */
	LAB_NS_SYSFS,    /* and a private mount namespace with that netns's sysfs on /sys */
};

/* Run argv (NULL-terminated) in namespace ns (NULL: the current one), with extra
 * environment env ("K=V" strings, NULL-terminated, may be NULL), stdin and stdout on
 * /dev/null, stderr captured. Gives up after timeout seconds (the child is killed).
 * Returns 0 on exit status 0, else -EIO (or -errno) with err = "CMD ARGS: stderr". */
int lab_run(const char *ns, enum lab_nsmode mode, char *const *env, const char *const *argv,
	    double timeout, char *err, size_t errn) MUST_CHECK;
#define LAB_ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Enter /run/netns/ns in this process (and with mode LAB_NS_SYSFS remount /sys). */
int lab_enter_ns(const char *ns, enum lab_nsmode mode) MUST_CHECK;

/* Write val to path (a /proc/sys or /sys file) as seen from namespace ns ("" or NULL:
 * the current one), and read it back. */
int lab_ns_write(const char *ns, const char *path, const char *val) MUST_CHECK;
int lab_ns_read(const char *ns, const char *path, char *buf, size_t n) MUST_CHECK;
bool lab_ns_exists(const char *ns);

/* Start time (clock ticks since boot) from /proc/PID/stat text: field 22, counted after
 * the last ')' so that a comm with spaces or parentheses cannot shift it. */
int lab_stat_start(const char *buf, size_t len, uint64_t *start) MUST_CHECK;
/* The same for a live pid: 0, or -ESRCH when it is gone. */
int lab_proc_start(pid_t pid, uint64_t *start) MUST_CHECK;
/* True when pid is alive and its start time is start. */
bool lab_proc_match(int64_t pid, uint64_t start);
/* Kill a process that matches (SIGTERM, then SIGKILL after wait seconds). */
void lab_proc_kill(int64_t pid, uint64_t start, double wait);

/* State file. */
char *lab_state_path(const char *name); /* xmalloc'd */
/* Append one record line (JSON object text, no newline) and fsync; 0 or -errno. */
int lab_state_append_fd(int fd, const char *json) MUST_CHECK;
/* Serialize a record as one JSON object (xmalloc'd string). */
char *lab_rec_json(const struct lab_rec *r);
/* Remove the lines carrying a "fault" from the state file (atomic rename). */
int lab_state_drop_faults(const char *name) MUST_CHECK;
/* Add a record to l->recs. */
void lab_rec_push(struct lab *l, const struct lab_rec *r);

/* Undo one record (ignoring what is already gone); 0 or -errno, with what failed
 * appended to errs ("; "-separated) when errs is not NULL. */
int lab_rec_undo(const struct lab *l, const struct lab_rec *r, struct strbuf *errs);

/* Exclusive lock on the state directory (flock); returns fd or -errno. */
int lab_lock(void) MUST_CHECK;

/* Remove a directory tree (OVS private dirs); ignores ENOENT. */
int lab_rmtree(const char *path);

/* Scenarios as data (scenarios.c), interpreted by one builder (build.c). Every string of
 * a scenario may hold tokens in braces, expanded for the lab being built:
 *   {c0}      a device: "dl<idx>c0" (tags of at most 4 characters)
 *   {1.2/24}  an address: 10.(230+1).<idx>.2/24 ({1.2} without the prefix length)
 *   {ns:cli}  the namespace of node cli: "dl-<name>-cli"
 *   {vni}     1000 + idx;  {table}  the lab's nft table, "dptune_lab_<name>" */
enum lab_op {
	LOP_END = 0,
	LOP_VETH,      /* node=n1, a: d1 n2 d2: a veth pair, both ends up */
	LOP_BRIDGE,    /* node, a: br: a Linux bridge, up */
	LOP_MASTER,    /* node, a: dev br */
	LOP_ADDR,      /* node, a: dev addr */
	LOP_IP,        /* node, a: ip -n NS ARGS... */
	LOP_LINK,      /* node, a: dev kind ARGS...: record the link, then ip -n NS ARGS... */
	LOP_RUN,       /* node, a: a command run inside the node's namespace */
	LOP_SYSCTL,    /* node, a: path value (written in the node's namespace) */
	LOP_NFT_TABLE, /* node, a: table family: record the table (it goes with the ns) */
	LOP_NFT,       /* node, a: one nft command */
	LOP_OVS,       /* node, a: instance: private ovsdb-server and ovs-vswitchd in node */
	LOP_VSCTL,     /* node = the OVS instance, a: ovs-vsctl ARGS... */
	LOP_GUEST,     /* node = host node, a: host-tap guest-node guest-tap: the guest process */
};

#define LAB_STEP_ARGS 20
struct lab_step {
	enum lab_op op;
	const char *node;
	const char *a[LAB_STEP_ARGS]; /* NULL-terminated */
};

struct lab_sc_node {
	const char *name, *role, *addr, *dev; /* addr NULL: none */
};

struct lab_sc_hop {
	const char *node, *dev, *kind, *note;
};

/* One scenario: its hosts, the client and server and the address the client sends to,
 * the path a packet takes, the steps that build it, and where RPS goes. */
struct lab_sc {
	const struct lab_sc_node *nodes; /* ends with a NULL name */
	const char *client, *server, *target;
	const struct lab_sc_hop *path;   /* ends with a NULL node */
	const struct lab_step *steps;    /* ends with LOP_END */
	const char *rps_node, *rps_dev;
};

#endif
