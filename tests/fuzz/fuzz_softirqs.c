/* fuzz_softirqs.c: libFuzzer target for softirqs_parse() on arbitrary bytes (not NUL-terminated). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "collect/cpu.h"
#include "model/intern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	struct snapshot s;

	memcpy(buf, data, size);
	snap_init(&s);
	snap_add_ns(&s, 1, "host", NS_HOST, 0);
	softirqs_parse(buf, size, &s, 0);
	snap_release(&s);
	free(buf);
	intern_free_all();
	return 0;
}
