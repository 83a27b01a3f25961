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

/* The error convention of every command under --json (docs/dptune.1, ERRORS): the plain
 * message on stderr as always, and one JSON object on stdout, alone on its line:
 *   {"error":{"command":"dptune stat","message":"...","exit":2}}
 * log_json is set by the option parser when --json was asked. */
extern bool log_json;
void log_json_error(const char *msg, int exit_code);
/* err_msg(), then under --json the error object; returns exit_code. */
int err_fail(int exit_code, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Exit codes (DESIGN.md). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOFEATURE = 3,
};

#endif
