/* fuzz_loadresult.c: libFuzzer target for the scan of a watched command's output for its
 * load result (analyze/observation.c: load_result_parse). The input is not
 * NUL-terminated: the length must be honoured. */
#include <stddef.h>
#include <stdint.h>
#include "analyze/observation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct load_result r;

	(void)load_result_parse((const char *)data, size, &r);
	return 0;
}
