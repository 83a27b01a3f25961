/* fuzz_print.c: libFuzzer target for the streaming JSON side of output/print.c. The
 * input drives a sequence of print calls (open/close objects and arrays, strings with
 * any bytes, integers, doubles from raw bits, booleans, nulls, text-only values,
 * print_abort); every document written must be one line that json-c parses strictly,
 * UTF-8 checked, to the end; and when the strings were ASCII, the parse must equal the
 * tree json-c itself would have built from the same calls. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <json-c/json.h>
#include "output/print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXDEPTH 60  /* below print.c's limit: overflow is a unit test */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t byte(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint64_t word(struct in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | byte(in);
	return v;
}

/* A NUL-terminated string of up to 31 bytes taken from the input; *ascii cleared when a
 * byte is not ASCII (the writer then replaces what is not valid UTF-8). */
static void str(struct in *in, char *s, bool *ascii)
{
	size_t n = byte(in) % 32, i;

	for (i = 0; i < n && in->n; i++) {
		s[i] = (char)byte(in);
		if (!s[i])
			break;
		if ((unsigned char)s[i] >= 0x80)
			*ascii = false;
	}
	s[i] = '\0';
}

struct mirror {
	json_object *stack[MAXDEPTH + 1];
	int depth;
	bool exact;   /* the mirror can be compared */
};

static void mirror_add(struct mirror *m, const char *key, json_object *o)
{
	json_object *top;

	if (!m->depth) {
		json_object_put(o);
		return;
	}
	top = m->stack[m->depth - 1];
	if (json_object_is_type(top, json_type_array))
		json_object_array_add(top, o);
	else
		json_object_object_add(top, key ? key : "", o);
}

static void mirror_drop(struct mirror *m)
{
	while (m->depth > 0)
		json_object_put(m->stack[--m->depth]);
	m->exact = true;
}

static void check_doc(struct mirror *m, json_object *want, const char *line, size_t n)
{
	json_tokener *t = json_tokener_new_ex(MAXDEPTH + 8);
	json_object *got;

	json_tokener_set_flags(t, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	got = json_tokener_parse_ex(t, line, (int)n);
	if (json_tokener_get_error(t) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(t) != n) {
		fprintf(stderr, "not JSON (%s): %.*s\n",
			json_tokener_error_desc(json_tokener_get_error(t)), (int)n, line);
		abort();
	}
	if (want && !json_object_equal(want, got)) {
		fprintf(stderr, "parsed back different: %.*s\nwant: %s\n", (int)n, line,
			json_object_to_json_string(want));
		abort();
	}
	json_object_put(got);
	json_tokener_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct mirror m = { .depth = 0, .exact = true };
	json_object *docs[64];
	bool docs_exact[64];
	int ndocs = 0, total = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		return 0;
	print_init(PRINT_JSON, fp);
	while (in.n || m.depth) {
		char key[32], s[32];
		const char *k = NULL;
		uint8_t op = in.n ? byte(&in) % 12 : 2;
		json_object *o = NULL;

		if (op != 2 && op != 3 && op != 10 && byte(&in) % 4) {
			str(&in, key, &m.exact);
			k = key;
		}
		switch (op) {
		case 0:
		case 1:
			if (m.depth >= MAXDEPTH)
				break;
			o = op ? json_object_new_array() : json_object_new_object();
			if (m.depth)
				mirror_add(&m, k, json_object_get(o));
			m.stack[m.depth++] = o;
			if (op)
				print_open_array(k);
			else
				print_open_object(k);
			break;
		case 2:
		case 3:
			if (op == 2)
				print_close_object();
			else
				print_close_array();
			if (!m.depth)
				break;
			o = m.stack[--m.depth];
			if (m.depth) {
				json_object_put(o);
				break;
			}
			total++;
			if (ndocs < (int)(sizeof(docs) / sizeof(docs[0]))) {
				docs_exact[ndocs] = m.exact;
				docs[ndocs++] = o;
			} else {
				json_object_put(o);
			}
			m.exact = true;
			break;
		case 4:
			str(&in, s, &m.exact);
			if (byte(&in) % 8 == 0) {
				print_str(PRINT_ANY, k, NULL, NULL);
				mirror_add(&m, k, NULL);
			} else {
				print_str(PRINT_ANY, k, NULL, s);
				mirror_add(&m, k, json_object_new_string(s));
			}
			break;
		case 5: {
			uint64_t v = word(&in);

			print_u64(PRINT_ANY, k, NULL, v);
			mirror_add(&m, k, json_object_new_uint64(v));
			break;
		}
		case 6: {
			int64_t v = (int64_t)word(&in);

			print_i64(PRINT_ANY, k, NULL, v);
			mirror_add(&m, k, json_object_new_int64(v));
			break;
		}
		case 7: {
			uint64_t bits = word(&in);
			double v;

			memcpy(&v, &bits, sizeof(v));
			print_double(PRINT_ANY, k, NULL, v);
			mirror_add(&m, k, isfinite(v) ? json_object_new_double(v) : NULL);
			break;
		}
		case 8: {
			bool v = byte(&in) & 1;

			print_bool(PRINT_ANY, k, NULL, v);
			mirror_add(&m, k, json_object_new_boolean(v));
			break;
		}
		case 9:
			print_null(PRINT_ANY, k, NULL);
			mirror_add(&m, k, NULL);
			break;
		case 10:
			print_abort();
			mirror_drop(&m);
			break;
		default:
			str(&in, s, &m.exact);
			print_str(PRINT_FP, k, "%s", s);
			break;
		}
	}
	fclose(fp);
	print_init(PRINT_TEXT, stdout);

	/* one line per document, each parsing back */
	{
		const char *p = buf, *e = buf + len;
		int i = 0;

		while (p < e) {
			const char *nl = memchr(p, '\n', (size_t)(e - p));

			if (!nl) {
				fprintf(stderr, "document without its newline\n");
				abort();
			}
			check_doc(&m, i < ndocs && docs_exact[i] ? docs[i] : NULL, p,
				  (size_t)(nl - p));
			p = nl + 1;
			i++;
		}
		if (i != total) {
			fprintf(stderr, "%d documents written, %d closed\n", i, total);
			abort();
		}
	}
	for (int i = 0; i < ndocs; i++)
		json_object_put(docs[i]);
	free(buf);
	return 0;
}
