/* fuzz_softnet.c: libFuzzer target for softnet_parse(). The input's first line is the
 * online CPU list, the rest is the softnet_stat text (not NUL-terminated). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "collect/cpu.h"
#include "model/intern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ol = nl ? (size_t)(nl - data) : 0;
	char *online = malloc(ol + 1);
	size_t rest = size - (nl ? ol + 1 : 0);
	char *buf = malloc(rest ? rest : 1);
	struct snapshot s;

	memcpy(online, data, ol);
	online[ol] = '\0';
	memcpy(buf, data + size - rest, rest);
	snap_init(&s);
	snap_add_ns(&s, 1, "host", NS_HOST, 0);
	softnet_parse(buf, rest, online, &s, 0);
	softnet_parse(buf, rest, NULL, &s, 0);
	cpulist_nth(buf, rest, 3);
	snap_release(&s);
	free(buf);
	free(online);
	intern_free_all();
	return 0;
}
