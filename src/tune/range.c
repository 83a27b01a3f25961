/* range.c: the table of knob types and valid ranges (range.h) and the check of a value
 * against it. Ranges follow the kernel's own handlers (net/core/sysctl_net_core.c,
 * net/ipv4/sysctl_net_ipv4.c, net/core/net-sysfs.c, dev_change_tx_queue_len); where the
 * kernel takes any int (proc_dointvec) the lower bound is the least value that keeps the
 * datapath working. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "range.h"

#define I KNOB_INT_MAX
#define U KNOB_U32_MAX
#define L KNOB_LONG_MAX

const struct knob_spec knob_specs[] = {
	/* net.core (sysctl_net_core.c) */
	{ "sysctl", "net.core.netdev_max_backlog", KV_INT, 1, 1, I, KD_NONE,
	  "proc_dointvec; 0 or less leaves no backlog: every packet steered to it is dropped" },
	{ "sysctl", "net.core.netdev_budget", KV_INT, 1, 1, I, KD_NONE,
	  "proc_dointvec; 0 or less lets NET_RX poll nothing" },
	{ "sysctl", "net.core.netdev_budget_usecs", KV_INT, 1, 0, I, KD_NONE,
	  "proc_dointvec_minmax, min 0" },
	{ "sysctl", "net.core.dev_weight", KV_INT, 1, 1, I, KD_NONE, "proc_do_dev_weight, min 1" },
	{ "sysctl", "net.core.dev_weight_rx_bias", KV_INT, 1, 1, I, KD_NONE,
	  "proc_do_dev_weight, min 1" },
	{ "sysctl", "net.core.dev_weight_tx_bias", KV_INT, 1, 1, I, KD_NONE,
	  "proc_do_dev_weight, min 1" },
	{ "sysctl", "net.core.rmem_max", KV_INT, 1, KNOB_SOCK_MIN_RCVBUF, I, KD_NONE,
	  "proc_dointvec_minmax, min SOCK_MIN_RCVBUF" },
	{ "sysctl", "net.core.rmem_default", KV_INT, 1, KNOB_SOCK_MIN_RCVBUF, I, KD_NONE,
	  "proc_dointvec_minmax, min SOCK_MIN_RCVBUF" },
	{ "sysctl", "net.core.wmem_max", KV_INT, 1, KNOB_SOCK_MIN_SNDBUF, I, KD_NONE,
	  "proc_dointvec_minmax, min SOCK_MIN_SNDBUF" },
	{ "sysctl", "net.core.wmem_default", KV_INT, 1, KNOB_SOCK_MIN_SNDBUF, I, KD_NONE,
	  "proc_dointvec_minmax, min SOCK_MIN_SNDBUF" },
	{ "sysctl", "net.core.optmem_max", KV_INT, 1, 0, I, KD_NONE, "proc_dointvec_minmax, min 0" },
	{ "sysctl", "net.core.somaxconn", KV_INT, 1, 0, I, KD_NONE, "proc_dointvec_minmax, min 0" },
	{ "sysctl", "net.core.busy_poll", KV_INT, 1, 0, I, KD_NONE, "proc_dointvec_minmax, min 0" },
	{ "sysctl", "net.core.busy_read", KV_INT, 1, 0, I, KD_NONE, "proc_dointvec_minmax, min 0" },
	{ "sysctl", "net.core.rps_sock_flow_entries", KV_INT, 1, 0, 1 << 29, KD_NONE,
	  "rps_sock_flow_sysctl, at most 2^29" },
	/* net.ipv4 (sysctl_net_ipv4.c) */
	{ "sysctl", "net.ipv4.udp_mem", KV_INTVEC, 3, 1, L, KD_NONE,
	  "proc_doulongvec_minmax, pages: min pressure max" },
	{ "sysctl", "net.ipv4.tcp_mem", KV_INTVEC, 3, 1, L, KD_NONE,
	  "proc_doulongvec_minmax, pages: min pressure max" },
	{ "sysctl", "net.ipv4.tcp_rmem", KV_INTVEC, 3, 1, I, KD_NONE,
	  "proc_dointvec_minmax, min 1: min default max" },
	{ "sysctl", "net.ipv4.tcp_wmem", KV_INTVEC, 3, 1, I, KD_NONE,
	  "proc_dointvec_minmax, min 1: min default max" },
	{ "sysctl", "net.ipv4.udp_rmem_min", KV_INT, 1, 1, I, KD_NONE,
	  "proc_dointvec_minmax, min 1" },
	{ "sysctl", "net.ipv4.udp_wmem_min", KV_INT, 1, 1, I, KD_NONE,
	  "proc_dointvec_minmax, min 1" },
	{ "sysctl", "net.ipv4.ip_local_port_range", KV_INTVEC, 2, 1, 65535, KD_NONE,
	  "ipv4_local_port_range: low high, 1..65535, low <= high" },
	{ "sysctl", "net.ipv4.ip_forward", KV_INT, 1, 0, 1, KD_NONE,
	  "devinet_sysctl_forward: 0 or 1" },
	{ "sysctl", "net.ipv4.conf.*.forwarding", KV_INT, 1, 0, 1, KD_NONE,
	  "devinet_sysctl_forward: 0 or 1" },
	{ "sysctl", "net.ipv4.conf.*.rp_filter", KV_INT, 1, 0, 2, KD_NONE,
	  "rp_filter: 0 off, 1 strict, 2 loose" },
	{ "sysctl", "net.ipv6.conf.*.forwarding", KV_INT, 1, 0, 1, KD_NONE,
	  "addrconf_sysctl_forward: 0 or 1" },
	/* netfilter (nf_conntrack_standalone.c) */
	{ "sysctl", "net.netfilter.nf_conntrack_max", KV_INT, 1, 0, I, KD_NONE,
	  "proc_dointvec_minmax, 0..INT_MAX" },
	/* devices (net-sysfs.c, dev_change_tx_queue_len) */
	{ "sysfs", "class/net/*/queues/rx-*/rps_cpus", KV_CPUMASK, 1, 0, 0, KD_CPUS,
	  "store_rps_map: possible CPUs only" },
	{ "sysfs", "class/net/*/queues/tx-*/xps_cpus", KV_CPUMASK, 1, 0, 0, KD_CPUS,
	  "xps_cpus_store: possible CPUs only" },
	{ "sysfs", "class/net/*/queues/rx-*/rps_flow_cnt", KV_INT, 1, 0, I, KD_NONE,
	  "store_rps_dev_flow_table_cnt, at most INT_MAX" },
	{ "sysfs", "class/net/*/tx_queue_len", KV_INT, 1, 0, U, KD_NONE,
	  "dev_change_tx_queue_len: an unsigned int" },
	{ "sysfs", "class/net/*/napi_defer_hard_irqs", KV_INT, 1, 0, I, KD_NONE,
	  "napi_defer_hard_irqs_store, at most S32_MAX" },
	{ "txqlen", "*", KV_INT, 1, 0, U, KD_NONE, "dev_change_tx_queue_len: an unsigned int" },
	{ "ring", "*", KV_INT, 1, 1, U, KD_RING_MAX,
	  "ETHTOOL_SRINGPARAM rx_pending, at most the device's rx maximum" },
	{ NULL, NULL, KV_INT, 0, 0, 0, KD_NONE, NULL },
};

#undef I
#undef U
#undef L

const struct knob_spec *knob_spec_find(const struct knob_ref *k)
{
	for (const struct knob_spec *s = knob_specs; s->kind; s++)
		if (!strcmp(s->kind, k->kind) && !fnmatch(s->pattern, k->target, FNM_PATHNAME))
			return s;
	return NULL;
}

static int64_t max_of(const struct knob_spec *s, const struct knob_host *h)
{
	if (s->dyn == KD_RING_MAX && h && h->ring_max && h->ring_max < s->max)
		return h->ring_max;
	return s->max;
}

const char *knob_range_text(const struct knob_spec *s, const struct knob_host *h, char *buf,
			    size_t n)
{
	long long lo = (long long)s->min, hi = (long long)max_of(s, h);

	switch (s->type) {
	case KV_INT:
		snprintf(buf, n, "%lld..%lld%s", lo, hi,
			 s->dyn == KD_RING_MAX && !(h && h->ring_max) ? " (and the device's maximum)"
								       : "");
		break;
	case KV_INTVEC:
		snprintf(buf, n, "%d integers %lld..%lld, each at least the one before", s->n, lo, hi);
		break;
	case KV_CPUMASK:
		if (h && h->ncpus > 1)
			snprintf(buf, n, "a hex CPU mask of CPUs 0-%u (0 to clear)", h->ncpus - 1);
		else if (h && h->ncpus == 1)
			snprintf(buf, n, "a hex CPU mask of CPU 0 (0 to clear)");
		else
			snprintf(buf, n, "a hex CPU mask of possible CPUs (0 to clear)");
		break;
	}
	return buf;
}

/* A strict decimal integer (optional '-', digits, nothing else); false when out of int64. */
static bool parse_dec(const char *s, size_t len, int64_t *v)
{
	char buf[32], *end;
	long long x;

	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!(buf[0] == '-' ? buf[1] >= '0' && buf[1] <= '9' : buf[0] >= '0' && buf[0] <= '9'))
		return false;
	errno = 0;
	x = strtoll(buf, &end, 10);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The highest CPU a kernel bitmap text ("3", "ff,00000001") names, -1 for an empty mask;
 * -2 when it is not such a text (groups of at most 8 hex digits, commas between). */
static long mask_highest(const char *v)
{
	size_t len = strlen(v), group = 0;
	long bit = 0, highest = -1;

	if (!len)
		return -2;
	for (size_t i = len; i-- > 0;) {
		int x;

		if (v[i] == ',') {
			if (!group || !i)
				return -2;
			bit += 32 - 4 * (long)group;
			group = 0;
			continue;
		}
		x = hexval(v[i]);
		if (x < 0 || ++group > 8)
			return -2;
		for (int b = 0; b < 4; b++)
			if (x & (1 << b))
				highest = highest > bit + b ? highest : bit + b;
		bit += 4;
		if (bit > 1L << 20)
			return -2;
	}
	return highest;
}

int knob_check_value(const struct knob_spec *s, const struct knob_host *h, const char *value,
		     char *why, size_t whylen)
{
	char rng[160];
	int64_t v, prev = 0, hi = max_of(s, h);
	const char *p = value;
	long top;
	int count = 0;

	knob_range_text(s, h, rng, sizeof(rng));
	switch (s->type) {
	case KV_INT:
		if (!parse_dec(value, strlen(value), &v))
			goto notint;
		if (v < s->min || v > hi)
			goto out;
		return 0;
	case KV_INTVEC:
		for (;;) {
			size_t len;

			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p)
				break;
			len = strcspn(p, " \t");
			if (!parse_dec(p, len, &v))
				goto notint;
			if (v < s->min || v > hi || (count && v < prev) || ++count > s->n)
				goto out;
			prev = v;
			p += len;
		}
		if (count != s->n)
			goto out;
		return 0;
	case KV_CPUMASK:
		top = mask_highest(value);
		if (top < -1 || (h && h->ncpus && top >= (long)h->ncpus))
			goto out;
		return 0;
	}
out:
	snprintf(why, whylen, "'%s' is out of range: need %s", value, rng);
	return -ERANGE;
notint:
	snprintf(why, whylen, "'%s' is not a decimal integer: need %s", value, rng);
	return -ERANGE;
}
