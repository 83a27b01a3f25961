/* fuzz_journal.c: libFuzzer target for the tune journal parser and the knob spec parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "tune/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal j;
	struct knob_ref k;
	char spec[600], v[256], why[200];

	memset(&j, 0, sizeof(j));
	journal_parse((const char *)data, size, &j);
	journal_release(&j);
	if (size < sizeof(spec)) {
		memcpy(spec, data, size);
		spec[size] = '\0';
		(void)!knob_parse(spec, &k, v, sizeof(v), why, sizeof(why));
	}
	return 0;
}
