/* test_print.c: the print layer (output/print.h): the same calls give the text and the
 * JSON, PRINT_FP/PRINT_JSONONLY go to one side only, containers nest, non-finite numbers
 * are null, one document per line, and print_abort() drops a half-built document. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "output/print.h"

static char *buf;
static size_t len;
static FILE *fp;

static void begin(enum print_mode m)
{
	buf = NULL;
	len = 0;
	fp = open_memstream(&buf, &len);
	print_init(m, fp);
}

static char *end(void)
{
	fclose(fp);
	print_init(PRINT_TEXT, stdout);
	return buf;
}

/* The one set of calls every test prints. */
static void emit(void)
{
	print_open_object(NULL);
	print_str(PRINT_ANY, "dev", "dev %s", "eth0");
	print_u64(PRINT_ANY, "drops", " drops %llu", 42);
	print_i64(PRINT_ANY, "delta", " delta %lld", -3);
	print_double(PRINT_ANY, "rate", " rate %.1f", 1.5);
	print_double(PRINT_ANY, "nan", " nan %.1f", NAN);
	print_bool(PRINT_ANY, "up", " up %s", true);
	print_str(PRINT_FP, NULL, " text-only %s", "x");
	print_u64(PRINT_JSONONLY, "json_only", NULL, 7);
	print_null(PRINT_ANY, "none", " none -");
	print_open_array("queues");
	for (int i = 0; i < 2; i++) {
		print_open_object(NULL);
		print_u64(PRINT_ANY, "q", " q%llu", (uint64_t)i);
		print_close_object();
	}
	print_close_array();
	print_nl();
	print_close_object();
}

static void test_text(void **state)
{
	char *out;

	begin(PRINT_TEXT);
	assert_false(print_is_json());
	emit();
	out = end();
	assert_string_equal(out, "dev eth0 drops 42 delta -3 rate 1.5 nan nan up yes text-only x"
				 " none - q0 q1\n");
	free(out);
}

static void test_json(void **state)
{
	json_object *d, *v, *q;
	char *out;

	begin(PRINT_JSON);
	assert_true(print_is_json());
	emit();
	emit();
	out = end();
	/* two documents, one a line */
	assert_non_null(strchr(out, '\n'));
	assert_non_null(strchr(strchr(out, '\n') + 1, '\n'));
	d = json_tokener_parse(out);
	assert_non_null(d);
	assert_true(json_object_object_get_ex(d, "dev", &v));
	assert_string_equal(json_object_get_string(v), "eth0");
	assert_true(json_object_object_get_ex(d, "drops", &v));
	assert_int_equal(json_object_get_int64(v), 42);
	assert_true(json_object_object_get_ex(d, "delta", &v));
	assert_int_equal(json_object_get_int64(v), -3);
	assert_true(json_object_object_get_ex(d, "rate", &v));
	assert_true(json_object_get_double(v) == 1.5);
	assert_true(json_object_object_get_ex(d, "nan", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(d, "json_only", &v));
	assert_int_equal(json_object_get_int64(v), 7);
	assert_true(json_object_object_get_ex(d, "up", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(d, "none", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(d, "queues", &q));
	assert_int_equal(json_object_array_length(q), 2);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(q, 1), "q", &v));
	assert_int_equal(json_object_get_int64(v), 1);
	assert_null(strstr(out, "text-only"));
	json_object_put(d);
	free(out);
}

static void test_abort(void **state)
{
	char *out;

	begin(PRINT_JSON);
	print_open_object(NULL);
	print_open_array("rows");
	print_open_object(NULL);
	print_u64(PRINT_ANY, "half", NULL, 1);
	print_abort();
	/* nothing of it was written, and the layer is ready for the next document */
	print_open_object(NULL);
	print_u64(PRINT_ANY, "next", NULL, 2);
	print_close_object();
	out = end();
	assert_string_equal(out, "{\"next\":2}\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_abort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
