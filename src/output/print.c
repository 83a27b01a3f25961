/* print.c: the text/JSON print layer over json-c. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "print.h"

#define PRINT_DEPTH 32

static enum print_mode mode = PRINT_TEXT;
static FILE *out;
static json_object *stack[PRINT_DEPTH];
static int depth;

void print_init(enum print_mode m, FILE *fp)
{
	mode = m;
	out = fp;
	depth = 0;
}

enum print_mode print_mode(void)
{
	return mode;
}

bool print_is_json(void)
{
	return mode == PRINT_JSON;
}

FILE *print_fp(void)
{
	return out ? out : stdout;
}

static void attach(const char *key, json_object *o)
{
	if (!depth) {
		json_object_put(o);
		return;
	}
	json_object *top = stack[depth - 1];

	if (json_object_is_type(top, json_type_array))
		json_object_array_add(top, o);
	else
		json_object_object_add(top, key ? key : "", o);
}

static void push(const char *key, json_object *o)
{
	if (depth >= PRINT_DEPTH) {
		json_object_put(o);
		return;
	}
	if (depth)
		attach(key, json_object_get(o));
	stack[depth++] = o;
}

static void pop(void)
{
	json_object *o;

	if (!depth)
		return;
	o = stack[--depth];
	if (!depth) {
		fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE),
		      print_fp());
		fputc('\n', print_fp());
		fflush(print_fp());
	}
	json_object_put(o);
}

void print_open_object(const char *key)
{
	if (mode == PRINT_JSON)
		push(key, json_object_new_object());
}

void print_close_object(void)
{
	if (mode == PRINT_JSON)
		pop();
}

void print_open_array(const char *key)
{
	if (mode == PRINT_JSON)
		push(key, json_object_new_array());
}

void print_close_array(void)
{
	if (mode == PRINT_JSON)
		pop();
}

static bool to_text(enum print_when w)
{
	return mode == PRINT_TEXT && w != PRINT_JSONONLY;
}

static bool to_json(enum print_when w)
{
	return mode == PRINT_JSON && w != PRINT_FP;
}

void print_str(enum print_when w, const char *key, const char *fmt, const char *v)
{
	if (to_json(w))
		attach(key, v ? json_object_new_string(v) : NULL);
	else if (to_text(w) && fmt)
		fprintf(print_fp(), fmt, v ? v : "-");
}

void print_u64(enum print_when w, const char *key, const char *fmt, uint64_t v)
{
	if (to_json(w))
		attach(key, json_object_new_uint64(v));
	else if (to_text(w) && fmt)
		fprintf(print_fp(), fmt, (unsigned long long)v);
}

void print_i64(enum print_when w, const char *key, const char *fmt, int64_t v)
{
	if (to_json(w))
		attach(key, json_object_new_int64(v));
	else if (to_text(w) && fmt)
		fprintf(print_fp(), fmt, (long long)v);
}

void print_double(enum print_when w, const char *key, const char *fmt, double v)
{
	if (to_json(w)) {
		char buf[64];
		size_t n;

		if (!isfinite(v)) {
			attach(key, NULL);
			return;
		}
		/* Fixed notation, trailing zeros trimmed: stable and readable. */
		snprintf(buf, sizeof(buf), "%.6f", v);
		n = strlen(buf);
		while (n > 1 && buf[n - 1] == '0' && buf[n - 2] != '.')
			buf[--n] = '\0';
		attach(key, json_object_new_double_s(v, buf));
	} else if (to_text(w) && fmt) {
		fprintf(print_fp(), fmt, v);
	}
}

void print_bool(enum print_when w, const char *key, const char *fmt, bool v)
{
	if (to_json(w))
		attach(key, json_object_new_boolean(v));
	else if (to_text(w) && fmt)
		fprintf(print_fp(), fmt, v ? "yes" : "no");
}

void print_null(enum print_when w, const char *key, const char *fmt)
{
	if (to_json(w))
		attach(key, NULL);
	else if (to_text(w) && fmt)
		fputs(fmt, print_fp());
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (mode != PRINT_TEXT)
		return;
	va_start(ap, fmt);
	vfprintf(print_fp(), fmt, ap);
	va_end(ap);
}

void print_nl(void)
{
	if (mode == PRINT_TEXT)
		fputc('\n', print_fp());
}

void print_flush(void)
{
	fflush(print_fp());
}

void print_abort(void)
{
	while (depth > 0)
		json_object_put(stack[--depth]);
}
