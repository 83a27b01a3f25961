/* fuzz_labstate.c: libFuzzer target for the lab's state file parser, the /proc/PID/stat
 * start-time parser and the guest counter parser. */
#include <stddef.h>
#include <stdint.h>
#include "lab/lab.h"
#include "lab/lab_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab l;
	uint64_t a = 0, b = 0;
	bool slow;

	if (!lab_state_parse((const char *)data, size, &l))
		lab_free(&l);
	(void)!lab_stat_start((const char *)data, size, &a);
	(void)lab_guest_parse((const char *)data, size, &a, &b, &slow);
	return 0;
}
