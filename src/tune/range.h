/* range.h: the type and valid range of every knob tune may change, in one table (one
 * entry per knob kind: a sysctl, a sysfs attribute pattern, a device's queue length, a
 * NIC ring), with the limits the kernel itself enforces where it has them and sane
 * lower bounds where it does not (a netdev_max_backlog of 0 or -1 is accepted by the
 * kernel and stops the datapath). Checked before anything is journaled or written.
 * Pure: the limits that depend on the host (a ring's maximum, the possible CPUs) are
 * passed in by the caller (knob_host_limits() in knob.h reads them). */
#ifndef DPTUNE_RANGE_H
#define DPTUNE_RANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "knob.h"

enum knob_vtype {
	KV_INT,     /* one decimal integer in [min, max] */
	KV_INTVEC,  /* `n` decimal integers (spaces or tabs between), each in [min, max],
		     * non-decreasing (udp_mem: min pressure max) */
	KV_CPUMASK, /* hex CPU mask ("3", "00000000,00000003"): only possible CPUs */
};

/* Where a limit that depends on the host comes from. */
enum knob_dyn {
	KD_NONE,
	KD_RING_MAX,  /* max is the device's rx ring maximum (ethtool -g "Pre-set maximums") */
	KD_CPUS,      /* the mask may name only CPUs in /sys/devices/system/cpu/possible */
};

struct knob_spec {
	const char *kind;    /* knob kind: sysctl, sysfs, txqlen, ring */
	const char *pattern; /* target, fnmatch(3) pattern ("class/net/ * /queues/rx-* /rps_cpus") */
	enum knob_vtype type;
	int n;               /* KV_INTVEC: how many integers */
	int64_t min, max;
	enum knob_dyn dyn;
	const char *source;  /* where the range comes from (the kernel's handler) */
};

/* Limits read from the host for one knob (0 = unknown: only the table's range applies). */
struct knob_host {
	uint32_t ring_max;   /* the device's rx ring maximum */
	unsigned ncpus;      /* possible CPUs (highest possible CPU + 1) */
};

#define KNOB_INT_MAX 2147483647LL
#define KNOB_U32_MAX 4294967295LL
#define KNOB_LONG_MAX 9223372036854775807LL
/* The kernel's SOCK_MIN_RCVBUF and SOCK_MIN_SNDBUF (include/net/sock.h): 2048 bytes plus
 * an aligned struct sk_buff (256 bytes on x86_64 and arm64), once and twice. */
#define KNOB_SOCK_MIN_RCVBUF 2304
#define KNOB_SOCK_MIN_SNDBUF 4608

/* The table, ended by an entry with kind NULL. */
extern const struct knob_spec knob_specs[];

/* The entry for k, or NULL when dptune knows no range for it. */
const struct knob_spec *knob_spec_find(const struct knob_ref *k);

/* The valid range of s (with the host's limits h, may be NULL) as text:
 * "1..2147483647", "3 integers 1..9223372036854775807, non-decreasing",
 * "a hex mask of CPUs 0-1". */
const char *knob_range_text(const struct knob_spec *s, const struct knob_host *h, char *buf,
			    size_t n);

/* Check value against s (and the host's limits h, may be NULL). 0, or -ERANGE with
 * why[] saying what is wrong and the valid range. */
int knob_check_value(const struct knob_spec *s, const struct knob_host *h, const char *value,
		     char *why, size_t whylen) MUST_CHECK;

#endif
