/* log.h: the only place that prints diagnostics. Messages name what failed, on what,
 * and what to do. Library code returns errors; only cmd/ decides to print them. */
#ifndef DPTUNE_LOG_H
#define DPTUNE_LOG_H

#include "util.h"

extern int log_verbose;
extern const char *log_prog; /* "dptune" or "dptune stat" */

void err_msg(const char *fmt, ...) PRINTF_LIKE(1, 2);  /* "dptune stat: ..." on stderr */
void warn_msg(const char *fmt, ...) PRINTF_LIKE(1, 2); /* "dptune stat: warning: ..." */
void dbg_msg(const char *fmt, ...) PRINTF_LIKE(1, 2);  /* only with -v */

/* Exit codes (DESIGN.md). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOFEATURE = 3,
};

#endif
