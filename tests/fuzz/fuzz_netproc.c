/* fuzz_netproc.c: libFuzzer target for the sockstat, conntrack and /proc/net/udp parsers. */
#include <stddef.h>
#include <stdint.h>
#include "collect/netproc.h"
#include "collect/udpsock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot s;
	struct udp_socks u = { 0 };
	uint64_t inuse = 0;
	int cpus[] = { 0, 3 };

	snap_init(&s);
	uint32_t ns = snap_add_ns(&s, 1, "host", NS_HOST, 0);

	sockstat_parse((const char *)data, size, false, &s, ns, &inuse);
	conntrack_stat_parse((const char *)data, size, cpus, 2, &s, ns);
	conntrack_stat_parse((const char *)data, size, NULL, 0, &s, ns);
	udpsock_parse_proc((const char *)data, size, false, &u);
	udpsock_parse_proc((const char *)data, size, true, &u);
	udp_socks_release(&u);
	snap_release(&s);
	return 0;
}
