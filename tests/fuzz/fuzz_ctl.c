/* fuzz_ctl.c: libFuzzer target for the control channel parsers: the frame header, every
 * message type and the RESULTS message, on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include "traffic/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_msg m;
	struct dir_result d;
	size_t n;

	if (ctl_frame_parse(data, size, CTL_MAX_FRAME, &n) == 1 && n > size - 4)
		__builtin_trap();
	if (ctl_msg_parse((const char *)data, size, &m) == 0) {
		if (m.nsent && !m.sent)
			__builtin_trap();
		if (m.nports > CTL_MAX_PORTS)
			__builtin_trap();
		ctl_msg_release(&m);
	}
	if (ctl_results_parse((const char *)data, size, &d) == 0) {
		if (d.nflows > CTL_MAX_FLOWS)
			__builtin_trap();
		dir_result_release(&d);
	}
	return 0;
}
