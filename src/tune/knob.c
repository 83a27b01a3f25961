/* knob.c: exact reads and writes of settings, in the host or inside a namespace. Work in
 * another namespace runs in a short-lived child that enters it (and mounts that
 * namespace's sysfs in a private mount namespace), so this process never changes its own
 * namespaces. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "knob.h"
#include "../core/netns.h"

static bool valid_kind(const char *k)
{
	return !strcmp(k, "sysctl") || !strcmp(k, "sysfs") || !strcmp(k, "txqlen") ||
	       !strcmp(k, "ring");
}

static bool safe_target(const char *t)
{
	/* no way out of /proc/sys or /sys, no empty parts */
	return *t && !strstr(t, "..") && t[0] != '/' && !strstr(t, "//");
}

int knob_parse(const char *spec, struct knob_ref *k, char *value, size_t vlen, char *why,
	       size_t whylen)
{
	char buf[512], *eq, *colon, *rest, *slash;

	memset(k, 0, sizeof(*k));
	if (!spec || strlen(spec) >= sizeof(buf)) {
		snprintf(why, whylen, "empty or too long");
		return -EINVAL;
	}
	strcpy(buf, spec);
	eq = strchr(buf, '=');
	if (!eq || !eq[1]) {
		snprintf(why, whylen, "'%s' has no '=VALUE'", spec);
		return -EINVAL;
	}
	*eq = '\0';
	if (strlen(eq + 1) >= vlen) {
		snprintf(why, whylen, "value too long");
		return -EINVAL;
	}
	strcpy(value, eq + 1);
	colon = strchr(buf, ':');
	rest = buf;
	snprintf(k->kind, sizeof(k->kind), "sysctl");
	if (colon) {
		*colon = '\0';
		if (!valid_kind(buf)) {
			snprintf(why, whylen, "unknown kind '%s' (sysctl, sysfs, txqlen, ring)", buf);
			return -EINVAL;
		}
		snprintf(k->kind, sizeof(k->kind), "%s", buf);
		rest = colon + 1;
	}
	snprintf(k->netns, sizeof(k->netns), "host");
	/* a namespace prefix is "NAME/" for txqlen/ring/sysfs, and for sysctl only when the
	 * part before the first '/' has no '.' (sysctl names use dots) */
	slash = strchr(rest, '/');
	if (slash && (strcmp(k->kind, "sysctl") || !memchr(rest, '.', (size_t)(slash - rest)))) {
		bool sysfs_root = !strcmp(k->kind, "sysfs") &&
				  (!strncmp(rest, "class/", 6) || !strncmp(rest, "devices/", 8) ||
				   !strncmp(rest, "module/", 7) || !strncmp(rest, "kernel/", 7));

		if (!sysfs_root) {
			*slash = '\0';
			if (strlen(rest) >= sizeof(k->netns) || !*rest || strchr(rest, '.') == rest) {
				snprintf(why, whylen, "bad namespace name '%s'", rest);
				return -EINVAL;
			}
			snprintf(k->netns, sizeof(k->netns), "%s", rest);
			rest = slash + 1;
		}
	}
	if (strlen(rest) >= sizeof(k->target) || !safe_target(rest)) {
		snprintf(why, whylen, "bad target '%s'", rest);
		return -EINVAL;
	}
	snprintf(k->target, sizeof(k->target), "%s", rest);
	if ((!strcmp(k->kind, "txqlen") || !strcmp(k->kind, "ring")) &&
	    (strlen(rest) >= IFNAMSIZ || strchr(rest, '/'))) {
		snprintf(why, whylen, "'%s' is not a device name", rest);
		return -EINVAL;
	}
	return 0;
}

const char *knob_name(const struct knob_ref *k, char *buf, size_t n)
{
	if (!strcmp(k->netns, "host"))
		snprintf(buf, n, "%s:%s", k->kind, k->target);
	else
		snprintf(buf, n, "%s:%s/%s", k->kind, k->netns, k->target);
	return buf;
}

static int path_of(const struct knob_ref *k, char *path, size_t n)
{
	if (!strcmp(k->kind, "sysctl")) {
		char t[200];

		snprintf(t, sizeof(t), "%s", k->target);
		for (char *p = t; *p; p++)
			if (*p == '.')
				*p = '/';
		snprintf(path, n, "/proc/sys/%s", t);
	} else if (!strcmp(k->kind, "sysfs")) {
		snprintf(path, n, "/sys/%s", k->target);
	} else if (!strcmp(k->kind, "txqlen")) {
		snprintf(path, n, "/sys/class/net/%s/tx_queue_len", k->target);
	} else {
		return -EINVAL;
	}
	return 0;
}

static int ring_io(const struct knob_ref *k, char *out, size_t n, const char *value)
{
	struct ethtool_ringparam rp = { .cmd = ETHTOOL_GRINGPARAM };
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	if (strlen(k->target) >= sizeof(ifr.ifr_name)) {
		close(fd);
		return -EINVAL;
	}
	memcpy(ifr.ifr_name, k->target, strlen(k->target));
	ifr.ifr_data = (void *)&rp;
	if (ioctl(fd, SIOCETHTOOL, &ifr)) {
		r = -errno;
	} else if (value) {
		uint32_t v;

		if (parse_u32(value, &v)) {
			r = -EINVAL;
		} else {
			rp.cmd = ETHTOOL_SRINGPARAM;
			rp.rx_pending = v;
			if (ioctl(fd, SIOCETHTOOL, &ifr))
				r = -errno;
		}
	} else {
		snprintf(out, n, "%u", rp.rx_pending);
	}
	close(fd);
	return r;
}

/* Read or write in the current namespaces. */
static int do_io(const struct knob_ref *k, char *out, size_t n, const char *value)
{
	char path[300];
	int r;

	if (!strcmp(k->kind, "ring"))
		return ring_io(k, out, n, value);
	r = path_of(k, path, sizeof(path));
	if (r)
		return r;
	if (value)
		return write_small(path, value);
	return read_small(path, out, n);
}

struct io_args {
	const struct knob_ref *k;
	const char *value;
};

static int io_fn(void *arg, void *out, size_t n)
{
	const struct io_args *a = arg;

	return do_io(a->k, out, n, a->value);
}

/* Run do_io in a child that entered netns (with its own sysfs); result over a pipe. */
static int io_in_netns(const struct knob_ref *k, char *out, size_t n, const char *value)
{
	struct io_args a = { .k = k, .value = value };
	char text[256] = "";
	int fd = netns_open_name(NULL, k->netns), r;

	if (fd < 0)
		return fd;
	r = netns_run(fd, NETNS_SYSFS, io_fn, &a, text, sizeof(text));
	close(fd);
	text[sizeof(text) - 1] = '\0';
	if (!r && out)
		snprintf(out, n, "%s", text);
	return r;
}

int knob_read(const struct knob_ref *k, char *out, size_t n)
{
	if (strcmp(k->netns, "host"))
		return io_in_netns(k, out, n, NULL);
	return do_io(k, out, n, NULL);
}

int knob_write(const struct knob_ref *k, const char *value)
{
	if (strcmp(k->netns, "host"))
		return io_in_netns(k, NULL, 0, value);
	return do_io(k, NULL, 0, value);
}
