/* fuzz_record.c: libFuzzer target for the recording reader and model (record/reader.c,
 * record/model.c) and the report drawn from what they read (report/report.c): zstd
 * frames or plain JSON lines, damaged anyhow. The input is not NUL-terminated. */
#include <stddef.h>
#include <stdint.h>
#include "record/model.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recording r;
	struct strbuf sb;

	(void)recording_load_buf(&r, data, size);
	sb_init(&sb);
	report_html(&sb, &r, NULL);
	sb_release(&sb);
	recording_release(&r);
	return 0;
}
