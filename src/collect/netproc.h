/* netproc.h: parsers for /proc/net/sockstat{,6} and /proc/net/stat/nf_conntrack. */
#ifndef DPTUNE_NETPROC_H
#define DPTUNE_NETPROC_H

#include "../model/snapshot.h"

/* sockstat or sockstat6 → udp layer gauges (udp_inuse, udp_mem_pages, udplite_inuse,
 * frag_inuse, frag_memory; with a "6" for sockstat6). *udp_inuse (may be NULL) gets the
 * UDP socket count; s may be NULL to only count. Returns metrics added. */
int sockstat_parse(const char *buf, size_t len, bool v6, struct snapshot *s, uint32_t ns,
		   uint64_t *udp_inuse);
/* /proc/net/stat/nf_conntrack: one row per possible CPU (cpus[i] is row i's CPU id; NULL
 * means row i is CPU i), hex 32-bit columns named by the header. Returns metrics added. */
int conntrack_stat_parse(const char *buf, size_t len, const int *cpus, int ncpus,
			 struct snapshot *s, uint32_t ns);

#endif
