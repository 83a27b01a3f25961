/* netproc.c: the sockstat (udp layer) and conntrack (netfilter layer) collectors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "netproc.h"

static bool line_next(const char **p, const char *end, char *line, size_t n)
{
	const char *nl;
	size_t len;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	len = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	if (len >= n)
		len = n - 1;
	memcpy(line, *p, len);
	line[len] = '\0';
	*p = nl ? nl + 1 : end;
	return true;
}

int sockstat_parse(const char *buf, size_t len, bool v6, struct snapshot *s, uint32_t ns,
		   uint64_t *udp_inuse)
{
	const char *p = buf, *end = buf + len;
	char line[512];
	int added = 0;

	while (line_next(&p, end, line, sizeof(line))) {
		char *f[16], *colon = strchr(line, ':');
		int n;
		const char *proto;

		if (!colon)
			continue;
		*colon = '\0';
		proto = line;
		n = split_ws(colon + 1, f, 16);
		for (int i = 0; i + 1 < n; i += 2) {
			char name[64];
			uint64_t v;
			const char *what = f[i];

			if (parse_u64(f[i + 1], &v))
				continue;
			if (!strcmp(proto, "UDP") || !strcmp(proto, "UDP6")) {
				if (!strcmp(what, "inuse")) {
					snprintf(name, sizeof(name), "udp%s_inuse", v6 ? "6" : "");
					if (udp_inuse)
						*udp_inuse += v;
				} else if (!strcmp(what, "mem")) {
					snprintf(name, sizeof(name), "udp_mem_pages");
				} else {
					continue;
				}
			} else if (!strcmp(proto, "UDPLITE") || !strcmp(proto, "UDPLITE6")) {
				if (strcmp(what, "inuse"))
					continue;
				snprintf(name, sizeof(name), "udplite%s_inuse", v6 ? "6" : "");
			} else if (!strcmp(proto, "FRAG") || !strcmp(proto, "FRAG6")) {
				snprintf(name, sizeof(name), "frag%s_%s", v6 ? "6" : "",
					 strcmp(what, "inuse") ? "memory" : "inuse");
			} else {
				continue;
			}
			if (s) /* NULL: the caller only wants *udp_inuse */
				snap_add(s, ns, LAYER_UDP, MK_GAUGE, "", name, v);
			added++;
		}
	}
	return added;
}

static bool hex32(const char *t, uint64_t *v)
{
	char *end;
	unsigned long x;

	if (!*t || strlen(t) > 8)
		return false;
	x = strtoul(t, &end, 16);
	if (*end)
		return false;
	*v = x;
	return true;
}

int conntrack_stat_parse(const char *buf, size_t len, const int *cpus, int ncpus,
			 struct snapshot *s, uint32_t ns)
{
	const char *p = buf, *end = buf + len;
	char line[1024], hdr[1024];
	char *names[64];
	int nn, row = 0, added = 0;

	if (!line_next(&p, end, hdr, sizeof(hdr)))
		return 0;
	nn = split_ws(hdr, names, 64);
	if (nn < 2 || strcmp(names[0], "entries"))
		return 0; /* not the format we know */
	while (line_next(&p, end, line, sizeof(line))) {
		char *f[64];
		int n = split_ws(line, f, 64), cpu;

		if (n == 0)
			continue;
		cpu = cpus ? (row < ncpus ? cpus[row] : -1) : row;
		row++;
		if (cpu < 0)
			continue;
		for (int i = 1; i < n && i < nn; i++) { /* column 0 "entries" is global */
			uint64_t v;
			unsigned flags = 0;

			if (!hex32(f[i], &v))
				continue;
			if (!strcmp(names[i], "drop") || !strcmp(names[i], "early_drop") ||
			    !strcmp(names[i], "insert_failed"))
				flags = MF_DROP;
			snap_add_full(s, ns, LAYER_NETFILTER, MK_COUNTER32, flags, "", -1, cpu,
				      names[i], v);
			added++;
		}
	}
	return added;
}

static int sockstat_run(struct cctx *c)
{
	const char *buf;
	size_t len;
	int r = cctx_read_proc(c, "net/sockstat", &buf, &len);

	if (r)
		return cctx_unavailable(c, r, "cannot read /proc/net/sockstat: %s", strerror(-r));
	sockstat_parse(buf, len, false, c->snap, c->ns, NULL);
	if (!cctx_read_proc(c, "net/sockstat6", &buf, &len))
		sockstat_parse(buf, len, true, c->snap, c->ns, NULL);
	return 0;
}

const struct collector collector_sockstat = { "sockstat", SCOPE_NETNS, sockstat_run, NULL };

/* The number a one-value /proc file starts with (0 if none). */
static uint64_t leading_u64(const char *buf, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len && buf[i] >= '0' && buf[i] <= '9' && v < UINT64_MAX / 10; i++)
		v = v * 10 + (uint64_t)(buf[i] - '0');
	return v;
}

static int conntrack_run(struct cctx *c)
{
	const char *buf;
	size_t len;
	uint64_t count = 0, max = 0;
	int cpus[1024], ncpus = -1;
	struct metric *m;
	int r;

	r = cctx_read_proc(c, "sys/net/netfilter/nf_conntrack_count", &buf, &len);
	if (r) {
		/* conntrack not loaded, or not used in this namespace: say so once, for the host */
		if (c->host)
			return cctx_unavailable(c, r, "conntrack is not loaded (no "
						"/proc/sys/net/netfilter/nf_conntrack_count)");
		return 0;
	}
	count = leading_u64(buf, len);
	if (!cctx_read_proc(c, "sys/net/netfilter/nf_conntrack_max", &buf, &len))
		max = leading_u64(buf, len);
	m = snap_add(c->snap, c->ns, LAYER_NETFILTER, MK_GAUGE, "", "nf_conntrack_count", count);
	if (max && count * 10 >= max * 9)
		m->flags |= MF_ABNORMAL;
	snap_add(c->snap, c->ns, LAYER_NETFILTER, MK_GAUGE, "", "nf_conntrack_max", max);
	/* rows of the per-CPU file are the possible CPUs, in order (trap 1); the list is the
	 * same in every namespace, so it is read once */
	static int possible[1024], npossible = -2;

	if (npossible == -2) {
		char path[512], tmp[256];

		cctx_path(c, path, sizeof(path), "sys", "devices/system/cpu/possible");
		npossible = read_small(path, tmp, sizeof(tmp)) ? -1 :
			    parse_cpu_list(tmp, possible, 1024);
	}
	if (npossible > 0) {
		memcpy(cpus, possible, sizeof(int) * (size_t)npossible);
		ncpus = npossible;
	}
	if (!cctx_read_proc(c, "net/stat/nf_conntrack", &buf, &len))
		conntrack_stat_parse(buf, len, ncpus > 0 ? cpus : NULL, ncpus, c->snap, c->ns);
	return 0;
}

const struct collector collector_conntrack = { "conntrack", SCOPE_NETNS, conntrack_run, NULL };
