/* doctor.h: causal diagnosis over the counters of one observation window. Each rule ties
 * a cause to the counters that justify it (REFERENCE "ten things" #6) and proposes the
 * knob that fixes it as exact commands. Pure: works on snapshots and their delta, time
 * passed in, no I/O; every rule is tested on built or recorded snapshots. */
#ifndef DPTUNE_DOCTOR_H
#define DPTUNE_DOCTOR_H

#include "../model/delta.h"

enum confidence { CONF_LOW, CONF_MEDIUM, CONF_HIGH };
enum severity { SEV_INFO, SEV_WARN, SEV_CRIT };

/* A change tune can apply: one knob in one namespace. */
struct knob_change {
	char kind[16];     /* "sysctl", "sysfs", "txqlen", "ring", "none" */
	char netns[64];    /* namespace name ("host" for host-wide) */
	char target[160];  /* sysctl name, sysfs path under /sys, or device */
	char current[64];
	char proposed[64];
};

struct finding {
	const char *rule;       /* stable id: "softnet-backlog", "socket-rcvbuf-default", ... */
	uint8_t layer;
	const char *netns, *obj; /* interned; obj "" when layer-wide */
	int32_t cpu;
	enum severity sev;
	enum confidence conf;
	uint64_t dropped;       /* packets this finding accounts for in the window */
	char cause[300];        /* one sentence */
	char evidence[400];     /* counter deltas and rates */
	char commands[600];     /* what an operator would type, one command per line */
	struct knob_change change; /* kind "none" when no host knob fixes it */
};

struct doctor_report {
	struct finding *f;
	size_t n;
};

/* Who else on the host changes knobs (found by the caller, which does the I/O). */
struct knob_owners {
	bool irqbalance;          /* irqbalance is running: it rewrites IRQ affinity */
	bool tuned;               /* tuned is running: it may reapply sysctls */
	char tuned_profile[64];   /* the active profile, or "" */
};

/* What the caller knows beyond the counters (found by it, which does the I/O); any
 * field may be NULL. */
struct doctor_input {
	const struct knob_owners *owners;
	const char *load_server;  /* where the watched load sent its traffic, or NULL/"" */
};

/* Run every rule over the window prev→cur (d = delta_compute(prev, cur)). owners may be
 * NULL. */
void doctor_run(const struct snapshot *prev, const struct snapshot *cur, const struct delta *d,
		struct doctor_report *out);
void doctor_run_owners(const struct snapshot *prev, const struct snapshot *cur,
		       const struct delta *d, const struct knob_owners *owners,
		       struct doctor_report *out);
void doctor_run_input(const struct snapshot *prev, const struct snapshot *cur,
		      const struct delta *d, const struct doctor_input *in,
		      struct doctor_report *out);
/* The prefix that runs a command in the namespace of index ns of s: "" for the host,
 * "ip netns exec NAME " for a named one, "nsenter -t PID -n " for one held by a process.
 * Fix lines use it so that they are safe to paste. */
const char *doctor_ns_exec(const struct snapshot *s, uint32_t ns, char *buf, size_t n);
/* The same for `ip` itself: "" or "-n NAME " (named), or "" after an nsenter prefix. */
const char *doctor_ip_ns(const struct snapshot *s, uint32_t ns, char *buf, size_t n);
/* The adapter-policy counts Cisco's enic (UCS VIC) needs for rx RX and tx TX queues:
 * interrupts = RX + TX + 2 (error and notify), completion queues = RX + TX. Pure. */
void enic_policy(unsigned rx, unsigned tx, unsigned *interrupts, unsigned *cqs);
void doctor_report_release(struct doctor_report *r);

/* Per-hop conservation (ledger.h) as a finding: the hop that lost the packets, the
 * kernel's decision there and why a packet stops there (from `dptune path`), and the
 * command that fixes it. Pure. */
#include "ledger.h"
struct hop_verdict {
	enum dp_layer layer;
	const char *netns, *dev;   /* the hop named */
	const char *decided;       /* what decided the hop ("route ... table main") */
	const char *why;           /* why packets stop there, or "" when the path does not say */
	const char *fix;           /* the command, or "" */
};
void doctor_hop_finding(const struct hop_point *p, const struct hop_loss *loss,
			const struct hop_verdict *v, struct finding *f);
/* Append a finding to a report (copied). */
void doctor_report_add(struct doctor_report *r, const struct finding *f);
const char *confidence_name(enum confidence c);
const char *severity_name(enum severity s);

#endif
