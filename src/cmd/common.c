/* common.c: helpers shared by the subcommands: usage errors and failures, reported the
 * same way by every command (text on stderr; under --json also an error object). */
#include <stdarg.h>
#include <stdio.h>
#include "cmd.h"
#include "../core/log.h"
#include "../output/print.h"

int usage_error(const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	print_abort();
	fprintf(stderr, "%s: %s\n(try '%s --help')\n", log_prog, buf, log_prog);
	log_json_error(buf, EXIT_USAGE);
	return EXIT_USAGE;
}

int cmd_fail(int code, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	print_abort();
	return err_fail(code, "%s", buf);
}

