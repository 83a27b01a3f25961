/* rss_spread.c: the spread of flows over rx queues and CPUs, shared by `dptune rss` and
 * `dptune path` (see rss_spread.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "rss_spread.h"
#include "../output/print.h"

/* "ADDR" or "A-B" (both of one family, B >= A, at most RSS_CMD_MAX_FLOWS addresses). */
int rss_parse_addr_range(const char *s, struct rss_addr_range *r, bool allow_range,
			 uint64_t max)
{
	char a[INET6_ADDRSTRLEN + 1], b[INET6_ADDRSTRLEN + 1];
	const char *dash = allow_range ? strchr(s, '-') : NULL;
	size_t alen;
	uint64_t span = 0;

	memset(r, 0, sizeof(*r));
	if (dash) {
		if ((size_t)(dash - s) >= sizeof(a) || strlen(dash + 1) >= sizeof(b))
			return -EINVAL;
		memcpy(a, s, (size_t)(dash - s));
		a[dash - s] = 0;
		snprintf(b, sizeof(b), "%s", dash + 1);
	} else {
		if (strlen(s) >= sizeof(a))
			return -EINVAL;
		snprintf(a, sizeof(a), "%s", s);
		snprintf(b, sizeof(b), "%s", s);
	}
	r->family = strchr(a, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(r->family, a, r->lo) != 1 || inet_pton(r->family, b, r->hi) != 1)
		return -EINVAL;
	alen = r->family == AF_INET6 ? 16 : 4;
	/* hi - lo over the address as a big-endian number; the top bytes must agree */
	for (size_t i = 0; i < alen; i++) {
		int d = (int)r->hi[i] - (int)r->lo[i];

		if (alen - i > 4 && d && !span) {
			/* a difference above the low 32 bits */
			if (d < 0)
				return -EINVAL;
			return -ERANGE;
		}
		if (span > (1ull << 40))
			return -ERANGE;
		span = span * 256 + (uint64_t)(int64_t)d;
		if ((int64_t)span < 0)
			return -EINVAL;
	}
	if ((int64_t)span < 0)
		return -EINVAL;
	if (span >= max)
		return -ERANGE;
	r->count = span + 1;
	return 0;
}

void rss_addr_inc(uint8_t *a, size_t len)
{
	for (size_t i = len; i-- > 0;)
		if (++a[i])
			break;
}

int rss_parse_port_range(const char *s, uint32_t *lo, uint32_t *hi)
{
	char *end;
	unsigned long a, b;

	errno = 0;
	a = strtoul(s, &end, 10);
	if (end == s || errno || a > 65535)
		return -EINVAL;
	b = a;
	if (*end == '-') {
		const char *t = end + 1;

		b = strtoul(t, &end, 10);
		if (end == t || errno || b > 65535 || b < a)
			return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	*lo = (uint32_t)a;
	*hi = (uint32_t)b;
	return 0;
}

int rss_effective_cpu(const struct rss_place *p)
{
	return p->rps_on ? p->rps_cpu : p->irq_cpu;
}

void rss_notes_add(struct rss_notes *ns, const char *note)
{
	if (!note[0])
		return;
	for (int i = 0; i < ns->n; i++)
		if (!strcmp(ns->text[i], note))
			return;
	if (ns->n < RSS_SPREAD_NOTES)
		snprintf(ns->text[ns->n++], sizeof(ns->text[0]), "%s", note);
}

void rss_spread_add(struct rss_spread *sp, const struct rss_place *p)
{
	int cpu = rss_effective_cpu(p);

	sp->queue[p->queue >= 0 && p->queue < RSS_QUEUES_MAX ? p->queue : RSS_QUEUES_MAX]++;
	sp->cpu[cpu >= 0 && cpu < RSS_CPUS_MAX ? cpu : RSS_CPUS_MAX]++;
	rss_notes_add(&sp->notes, p->note);
}

void rss_spread_print(const struct rss_spread *sp, uint64_t total, unsigned nq)
{
	unsigned used = 0, cpus = 0;

	for (unsigned q = 0; q < RSS_QUEUES_MAX; q++)
		used += sp->queue[q] ? 1 : 0;
	for (unsigned c = 0; c < RSS_CPUS_MAX; c++)
		cpus += sp->cpu[c] ? 1 : 0;
	print_open_object("spread");
	print_u64(PRINT_ANY, "flows", "spread: %llu flow(s)", total);
	print_u64(PRINT_ANY, "queues_used", " over %llu", used);
	print_u64(PRINT_ANY, "rx_queues", " of %llu rx queue(s)", nq);
	print_u64(PRINT_ANY, "cpus_used", ", %llu known CPU(s)", cpus);
	print_nl();
	print_open_array("per_queue");
	for (unsigned q = 0; q <= RSS_QUEUES_MAX; q++) {
		if (!sp->queue[q])
			continue;
		print_open_object(NULL);
		if (q < RSS_QUEUES_MAX)
			print_u64(PRINT_ANY, "queue", "  queue %llu:", q);
		else
			print_null(PRINT_ANY, "queue", "  queue ?:");
		print_u64(PRINT_ANY, "flows", " %llu flow(s)", sp->queue[q]);
		print_nl();
		print_close_object();
	}
	print_close_array();
	print_open_array("per_cpu");
	for (unsigned c = 0; c <= RSS_CPUS_MAX; c++) {
		if (!sp->cpu[c])
			continue;
		print_open_object(NULL);
		if (c < RSS_CPUS_MAX)
			print_u64(PRINT_ANY, "cpu", "  cpu %llu:", c);
		else
			print_null(PRINT_ANY, "cpu", "  cpu ?:");
		print_u64(PRINT_ANY, "flows", " %llu flow(s)", sp->cpu[c]);
		print_nl();
		print_close_object();
	}
	print_close_array();
	print_close_object();
}
