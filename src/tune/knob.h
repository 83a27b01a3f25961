/* knob.h: one setting of the datapath, read and written exactly (byte for byte), in any
 * network namespace. Kinds: sysctl (net.core.rmem_default), sysfs (a path under /sys:
 * class/net/veth1/queues/rx-0/rps_cpus), txqlen (a device's tx_queue_len), ring (a
 * NIC's RX ring length, through the ethtool ioctl). */
#ifndef DPTUNE_KNOB_H
#define DPTUNE_KNOB_H

#include <stddef.h>
#include "../core/util.h"

struct knob_ref {
	char kind[16];     /* sysctl | sysfs | txqlen | ring */
	char netns[64];    /* "host" or a /run/netns name */
	char target[200];  /* sysctl name, path under /sys, or device */
};

/* Parse "[KIND:][NETNS/]TARGET=VALUE" (KIND defaults to sysctl; NETNS to host), e.g.
 *   net.core.netdev_max_backlog=10000
 *   txqlen:lab-srv/tap0=10000
 *   sysfs:lab-srv/class/net/veth1/queues/rx-0/rps_cpus=3
 *   ring:eth0=4096
 * 0 or -EINVAL with why[] naming what is wrong. */
int knob_parse(const char *spec, struct knob_ref *k, char *value, size_t vlen, char *why,
	       size_t whylen) MUST_CHECK;
/* Canonical text of a knob ("txqlen:lab-srv/tap0"). */
const char *knob_name(const struct knob_ref *k, char *buf, size_t n);

/* Read the current value as text (trailing newline stripped). 0 or -errno. */
int knob_read(const struct knob_ref *k, char *out, size_t n) MUST_CHECK;
/* Write value. 0 or -errno. */
int knob_write(const struct knob_ref *k, const char *value) MUST_CHECK;

/* Check value for k against the range table (range.h) and, with host_limits, the limits
 * of the host (a ring's maximum read from the device, in its namespace); the possible
 * CPUs are always read. 0; -ENOKEY when dptune knows no range for k; -ERANGE when value
 * is out of range; another -errno when a limit could not be read. why[] says which,
 * with the valid range. */
int knob_check(const struct knob_ref *k, const char *value, bool host_limits, char *why,
	       size_t whylen) MUST_CHECK;

#endif
