/* print.h: one print layer for text and JSON (after iproute2's print_*): every call
 * carries a JSON key and a text format, so the two outputs cannot drift. In JSON mode
 * each value is serialised as it is printed into one reusable buffer (no tree), and the
 * document is written, one line per top-level object, when the outermost container
 * closes; keys appear in print order. Output never calls the kernel. */
#ifndef DPTUNE_PRINT_H
#define DPTUNE_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "../core/util.h"

enum print_mode { PRINT_TEXT, PRINT_JSON };
enum print_when { PRINT_ANY, PRINT_FP /* text only */, PRINT_JSONONLY };

void print_init(enum print_mode mode, FILE *fp);
enum print_mode print_mode(void);
bool print_is_json(void);
FILE *print_fp(void);

/* Containers: key is ignored inside arrays and in text mode. */
void print_open_object(const char *key);
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);

void print_str(enum print_when w, const char *key, const char *fmt, const char *v);
void print_u64(enum print_when w, const char *key, const char *fmt, uint64_t v);
void print_i64(enum print_when w, const char *key, const char *fmt, int64_t v);
void print_double(enum print_when w, const char *key, const char *fmt, double v);
void print_bool(enum print_when w, const char *key, const char *fmt, bool v);
void print_null(enum print_when w, const char *key, const char *fmt);
/* Text-only free text. */
void print_text(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Text-only newline. */
void print_nl(void);
void print_flush(void);
/* Drop a document still being built (a command failing half-way under --json), so
 * that what follows on stdout is the error object alone. */
void print_abort(void);

#endif
