/* log.c: diagnostics to stderr with the command's name in front. */
#include <stdio.h>
#include <stdarg.h>
#include <json-c/json.h>
#include "log.h"

int log_verbose;
bool log_json;
const char *log_prog = "dptune";

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", log_prog, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void err_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void dbg_msg(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vmsg("debug: ", fmt, ap);
	va_end(ap);
}

void log_json_error(const char *msg, int exit_code)
{
	json_object *root, *e;

	if (!log_json)
		return;
	root = json_object_new_object();
	e = json_object_new_object();
	json_object_object_add(e, "command", json_object_new_string(log_prog));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(e, "exit", json_object_new_int(exit_code));
	json_object_object_add(root, "error", e);
	fflush(stdout);
	fprintf(stdout, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(root);
}

int err_fail(int exit_code, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", log_prog, buf);
	log_json_error(buf, exit_code);
	return exit_code;
}
