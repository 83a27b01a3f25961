/* fuzz_knobvalue.c: libFuzzer target for the knob value checker (tune/range.c): every
 * entry of the range table against the input, with and without the host's limits. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "tune/range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct knob_host h = { .ring_max = 4096, .ncpus = 2 };
	char v[300], why[300], rng[160];

	if (size >= sizeof(v))
		return 0;
	memcpy(v, data, size);
	v[size] = '\0';
	for (const struct knob_spec *s = knob_specs; s->kind; s++) {
		(void)!knob_check_value(s, NULL, v, why, sizeof(why));
		(void)!knob_check_value(s, &h, v, why, sizeof(why));
		knob_range_text(s, &h, rng, sizeof(rng));
	}
	return 0;
}
