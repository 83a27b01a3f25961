/* fuzz_rss.c: libFuzzer target for the RSS parsers of path/rss.h: rss_parse_ethtool_x
 * (`ethtool -x`), rss_parse_rx_flow_hash (`ethtool -n DEV rx-flow-hash T`),
 * rss_parse_interrupts, rss_parse_cpulist and rss_parse_cpumask; a parsed configuration is
 * then used to place a flow, which must stay within its table and queues. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "path/rss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rss_config cfg;
	const char *t = (const char *)data;
	uint64_t mask[RSS_CPU_WORDS];
	struct rss_flow f = { .family = AF_INET, .src = { 10, 0, 0, 1 }, .dst = { 10, 0, 0, 2 },
			      .proto = IPPROTO_UDP, .sport = 1000, .dport = 2000 };
	struct rss_place p;
	char err[128];

	rss_config_init(&cfg);
	if (!rss_parse_ethtool_x(t, size, &cfg, err, sizeof(err))) {
		if (cfg.indir_size > RSS_INDIR_MAX || cfg.key_len > RSS_KEY_MAX)
			abort();
		(void)rss_parse_rx_flow_hash(t, size, &cfg, err, sizeof(err));
		(void)rss_parse_interrupts(t, size, "virtio0", &cfg);
		if (cfg.n_queues_info > RSS_QUEUES_MAX)
			abort();
		rss_flow_place(&cfg, &f, &p);
		if (p.indir_index >= (int)cfg.indir_size ||
		    (p.queue >= 0 && cfg.n_rx_queues > 1 && (unsigned)p.queue >= cfg.n_rx_queues))
			abort();
		rss_hash_place(&cfg, 0xdeadbeef, 0, &p);
	}
	rss_config_init(&cfg);
	if (rss_parse_rx_flow_hash(t, size, &cfg, err, sizeof(err)) > 0)
		rss_flow_place(&cfg, &f, &p);
	snprintf(cfg.dev, sizeof(cfg.dev), "eth0");
	cfg.n_rx_queues = 8;
	(void)rss_parse_interrupts(t, size, NULL, &cfg);
	if (!rss_parse_cpulist(t, size, mask))
		(void)rss_rps_cpu(mask, 0x12345678);
	if (!rss_parse_cpumask(t, size, mask))
		(void)rss_rps_cpu(mask, 0x87654321);
	return 0;
}
