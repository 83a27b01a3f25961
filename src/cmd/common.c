/* common.c: helpers shared by the subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include "cmd.h"
#include "../core/log.h"

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", log_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(try '%s --help')\n", log_prog);
	return EXIT_USAGE;
}
