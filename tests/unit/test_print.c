/* test_print.c: the print layer (output/print.h): the same calls give the text and the
 * JSON, PRINT_FP/PRINT_JSONONLY go to one side only, containers nest, non-finite numbers
 * are null, one document per line, and print_abort() drops a half-built document. The
 * streaming JSON writer: string escaping (every control character, quotes, backslash,
 * UTF-8 kept, invalid UTF-8 bytes replaced by U+FFFD), exact integers, doubles that read
 * back equal, key order, empty and nested containers, a 1 MB document, and random
 * documents that json-c parses back equal to the tree json-c would have built. */
#include <float.h>
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

/* One document as json-c reads it: strictly, UTF-8 checked, deep, the whole line. */
static json_object *parse_doc(const char *line, size_t n)
{
	json_tokener *t = json_tokener_new_ex(200);
	json_object *o;

	json_tokener_set_flags(t, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(t, line, (int)n);
	assert_int_equal(json_tokener_get_error(t), json_tokener_success);
	assert_int_equal((size_t)json_tokener_get_parse_end(t), n);
	json_tokener_free(t);
	return o;
}

/* The one line out, parsed; *text gets the line (without its newline), to free. */
static json_object *one_doc(char **text)
{
	char *out = end();
	size_t n = strlen(out);

	assert_true(n > 0 && out[n - 1] == '\n');
	assert_null(memchr(out, '\n', n - 1));
	out[n - 1] = '\0';
	*text = out;
	return parse_doc(out, n - 1);
}

/* {"s":v} printed and read back: the exact text and the string json-c reads. */
static void check_string(const char *v, const char *want_json, const char *want_value)
{
	json_object *d, *s;
	char *text, *exp = xasprintf("{\"s\":%s}", want_json);

	begin(PRINT_JSON);
	print_open_object(NULL);
	print_str(PRINT_ANY, "s", NULL, v);
	print_close_object();
	d = one_doc(&text);
	assert_string_equal(text, exp);
	assert_true(json_object_object_get_ex(d, "s", &s));
	assert_true(json_object_is_type(s, json_type_string));
	assert_string_equal(json_object_get_string(s), want_value);
	json_object_put(d);
	free(text);
	free(exp);
}

static void test_escape_control(void **state)
{
	for (int c = 1; c < 0x20; c++) {
		char v[4] = { 'a', (char)c, 'b', 0 }, want[16];

		switch (c) {
		case '\b': strcpy(want, "\"a\\bb\""); break;
		case '\f': strcpy(want, "\"a\\fb\""); break;
		case '\n': strcpy(want, "\"a\\nb\""); break;
		case '\r': strcpy(want, "\"a\\rb\""); break;
		case '\t': strcpy(want, "\"a\\tb\""); break;
		default: snprintf(want, sizeof(want), "\"a\\u%04xb\"", c);
		}
		check_string(v, want, v);
	}
	/* DEL needs no escape */
	check_string("\x7f", "\"\x7f\"", "\x7f");
	check_string("", "\"\"", "");
}

static void test_escape_quote_backslash(void **state)
{
	check_string("say \"hi\"", "\"say \\\"hi\\\"\"", "say \"hi\"");
	check_string("C:\\dir\\", "\"C:\\\\dir\\\\\"", "C:\\dir\\");
	check_string("a/b", "\"a/b\"", "a/b");
	check_string("\\\"\\", "\"\\\\\\\"\\\\\"", "\\\"\\");
}

static void test_utf8_valid(void **state)
{
	const char *v[] = { "caf\xc3\xa9", "\xe2\x82\xac 5", "\xf0\x9f\x98\x80", "\xef\xbf\xbf",
			    "\xf4\x8f\xbf\xbf", "\xe2\x80\xa8", "\xed\x9f\xbf" };

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		char *want = xasprintf("\"%s\"", v[i]);

		check_string(v[i], want, v[i]);
		free(want);
	}
}

#define FFFD "\xef\xbf\xbd"
static void test_utf8_invalid(void **state)
{
	/* each byte that does not begin or continue a valid sequence becomes one U+FFFD */
	static const struct { const char *in, *out; } c[] = {
		{ "\xff", FFFD },
		{ "a\x80z", "a" FFFD "z" },
		{ "\xc0\xaf", FFFD FFFD },            /* overlong '/' */
		{ "\xc1\xbf", FFFD FFFD },            /* overlong */
		{ "\xe0\x80\xaf", FFFD FFFD FFFD },   /* overlong 3-byte */
		{ "\xed\xa0\x80", FFFD FFFD FFFD },   /* surrogate U+D800 */
		{ "\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD }, /* overlong 4-byte */
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD }, /* past U+10FFFF */
		{ "\xf5\x80", FFFD FFFD },
		{ "\xe2\x82", FFFD FFFD },            /* cut short at the end */
		{ "\xe2\x82" "A", FFFD FFFD "A" },    /* cut short by ASCII */
		{ "\xc3", FFFD },
		{ "ok\xc3\xa9\xfe\"", "ok\xc3\xa9" FFFD "\\\"" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		char *want = xasprintf("\"%s\"", c[i].out);
		char *val = xstrdup(c[i].out);
		char *q = strstr(val, "\\\"");

		if (q)
			memmove(q, q + 1, strlen(q));
		check_string(c[i].in, want, val);
		free(want);
		free(val);
	}
	/* keys are escaped the same way */
	begin(PRINT_JSON);
	print_open_object(NULL);
	print_u64(PRINT_ANY, "k\"\n\xff", NULL, 1);
	print_close_object();
	{
		char *text;
		json_object *d = one_doc(&text), *v;

		assert_string_equal(text, "{\"k\\\"\\n" FFFD "\":1}");
		assert_true(json_object_object_get_ex(d, "k\"\n" FFFD, &v));
		json_object_put(d);
		free(text);
	}
}

static void test_integers(void **state)
{
	json_object *d, *v;
	char *text;

	begin(PRINT_JSON);
	print_open_object(NULL);
	print_u64(PRINT_ANY, "umax", NULL, UINT64_MAX);
	print_u64(PRINT_ANY, "zero", NULL, 0);
	print_i64(PRINT_ANY, "neg", NULL, -1);
	print_i64(PRINT_ANY, "imin", NULL, INT64_MIN);
	print_i64(PRINT_ANY, "imax", NULL, INT64_MAX);
	print_i64(PRINT_ANY, "izero", NULL, 0);
	print_close_object();
	d = one_doc(&text);
	assert_string_equal(text, "{\"umax\":18446744073709551615,\"zero\":0,\"neg\":-1,"
				  "\"imin\":-9223372036854775808,\"imax\":9223372036854775807,"
				  "\"izero\":0}");
	assert_true(json_object_object_get_ex(d, "umax", &v));
	assert_true(json_object_get_uint64(v) == UINT64_MAX);
	assert_true(json_object_object_get_ex(d, "imin", &v));
	assert_true(json_object_get_int64(v) == INT64_MIN);
	assert_true(json_object_object_get_ex(d, "neg", &v));
	assert_true(json_object_get_int64(v) == -1);
	json_object_put(d);
	free(text);
}

static void test_doubles(void **state)
{
	static const struct { double v; const char *text; } c[] = {
		{ 0.1, "0.1" }, { 1.5, "1.5" }, { 5.0, "5.0" }, { -2.0, "-2.0" }, { 0.0, "0.0" },
		{ -0.0, "-0.0" }, { 1e300, "1e+300" }, { -1e-300, "-1e-300" },
		{ 123456.789, "123456.789" }, { 1e21, "1e+21" },
	};
	const double rt[] = { 1.0 / 3, 2.0 / 3, M_PI, DBL_MAX, DBL_MIN, 5e-324, -DBL_MAX,
			      0.30000000000000004, 9007199254740993.0, 1e15 + 0.3, 123456789.123 };
	json_object *d, *v;
	char *text;

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		char *want = xasprintf("{\"d\":%s}", c[i].text);

		begin(PRINT_JSON);
		print_open_object(NULL);
		print_double(PRINT_ANY, "d", NULL, c[i].v);
		print_close_object();
		d = one_doc(&text);
		assert_string_equal(text, want);
		assert_true(json_object_object_get_ex(d, "d", &v));
		assert_true(json_object_is_type(v, json_type_double));
		assert_true(json_object_get_double(v) == c[i].v);
		assert_int_equal(!!signbit(json_object_get_double(v)), !!signbit(c[i].v));
		json_object_put(d);
		free(text);
		free(want);
	}
	/* everything else reads back to the same double */
	begin(PRINT_JSON);
	print_open_array(NULL);
	for (size_t i = 0; i < ARRAY_SIZE(rt); i++)
		print_double(PRINT_ANY, NULL, NULL, rt[i]);
	print_double(PRINT_ANY, NULL, NULL, NAN);
	print_double(PRINT_ANY, NULL, NULL, INFINITY);
	print_double(PRINT_ANY, NULL, NULL, -INFINITY);
	print_close_array();
	d = one_doc(&text);
	assert_int_equal(json_object_array_length(d), ARRAY_SIZE(rt) + 3);
	for (size_t i = 0; i < ARRAY_SIZE(rt); i++) {
		v = json_object_array_get_idx(d, i);
		assert_true(json_object_is_type(v, json_type_double));
		assert_true(json_object_get_double(v) == rt[i]);
	}
	for (size_t i = 0; i < 3; i++)
		assert_null(json_object_array_get_idx(d, ARRAY_SIZE(rt) + i));
	assert_non_null(strstr(text, ",null,null,null]"));
	json_object_put(d);
	free(text);
}

static void test_containers(void **state)
{
	char *out;

	begin(PRINT_JSON);
	print_open_object(NULL);
	print_close_object();
	print_open_array(NULL);
	print_close_array();
	print_open_object(NULL);
	print_open_object("o");
	print_close_object();
	print_open_array("a");
	print_close_array();
	print_open_array("aa");
	print_open_array("ignored");
	print_open_array(NULL);
	print_close_array();
	print_u64(PRINT_ANY, "ignored", NULL, 1);
	print_close_array();
	print_open_object("ignored");
	print_open_object(NULL);          /* a NULL key in an object is "" */
	print_bool(PRINT_ANY, "f", NULL, false);
	print_close_object();
	print_close_object();
	print_null(PRINT_ANY, NULL, NULL);
	print_close_array();
	print_str(PRINT_ANY, "nul", NULL, NULL);
	print_close_object();
	out = end();
	assert_string_equal(out, "{}\n[]\n"
				 "{\"o\":{},\"a\":[],\"aa\":[[[],1],{\"\":{\"f\":false}},null],"
				 "\"nul\":null}\n");
	free(out);
}

static void test_key_order(void **state)
{
	static const char *keys[] = { "zeta", "alpha", "mid", "beta", "a", "zz", "b0" };
	json_object *d;
	char *text;
	size_t i = 0;

	begin(PRINT_JSON);
	print_open_object(NULL);
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		print_u64(PRINT_ANY, keys[k], NULL, k);
	print_close_object();
	d = one_doc(&text);
	json_object_object_foreach(d, key, val) {
		assert_string_equal(key, keys[i]);
		assert_int_equal(json_object_get_int64(val), i);
		i++;
	}
	assert_int_equal(i, ARRAY_SIZE(keys));
	json_object_put(d);
	free(text);
}

static void test_outside_document(void **state)
{
	char *out;

	/* values and closes with no open document are dropped; text-only calls write
	 * nothing under JSON */
	begin(PRINT_JSON);
	print_u64(PRINT_ANY, "lost", NULL, 1);
	print_str(PRINT_ANY, "lost", NULL, "x");
	print_close_object();
	print_close_array();
	print_text("text %d", 1);
	print_nl();
	print_open_object(NULL);
	print_str(PRINT_FP, "t", "%s", "text only");
	print_close_object();
	print_close_object();
	out = end();
	assert_string_equal(out, "{}\n");
	free(out);
	/* print_init drops a document left half-built */
	begin(PRINT_JSON);
	print_open_object(NULL);
	print_u64(PRINT_ANY, "half", NULL, 1);
	print_init(PRINT_JSON, fp);
	print_open_object(NULL);
	print_close_object();
	out = end();
	assert_string_equal(out, "{}\n");
	free(out);
}

static void test_abort_middle(void **state)
{
	char *out;

	begin(PRINT_JSON);
	print_open_object(NULL);
	print_u64(PRINT_ANY, "first", NULL, 1);
	print_close_object();
	print_open_array(NULL);
	print_open_object(NULL);
	print_open_array("deep");
	print_str(PRINT_ANY, NULL, NULL, "half");
	print_abort();
	print_abort();  /* twice is harmless */
	/* a close after the abort has nothing to close */
	print_close_array();
	print_open_object(NULL);
	print_open_object("error");
	print_str(PRINT_ANY, "message", NULL, "failed");
	print_close_object();
	print_close_object();
	out = end();
	assert_string_equal(out, "{\"first\":1}\n{\"error\":{\"message\":\"failed\"}}\n");
	free(out);
}

static void test_too_deep(void **state)
{
	json_object *d;
	char *text;

	/* past the depth limit containers and their content are dropped, and the document
	 * stays well-formed */
	begin(PRINT_JSON);
	print_open_object(NULL);
	for (int i = 0; i < 100; i++)
		print_open_array("a");
	print_u64(PRINT_ANY, NULL, NULL, 7);
	for (int i = 0; i < 100; i++)
		print_close_array();
	print_u64(PRINT_ANY, "after", NULL, 1);
	print_close_object();
	d = one_doc(&text);
	assert_non_null(strstr(text, "],\"after\":1}"));
	json_object_put(d);
	free(text);
}

static void test_large(void **state)
{
	json_object *d, *rows, *v;
	char *text, name[32];
	const int n = 20000;

	begin(PRINT_JSON);
	print_open_object(NULL);
	print_open_array("rows");
	for (int i = 0; i < n; i++) {
		print_open_object(NULL);
		snprintf(name, sizeof(name), "veth%d\t\"x\"", i);
		print_str(PRINT_ANY, "dev", NULL, name);
		print_u64(PRINT_ANY, "rx", NULL, (uint64_t)i * 1000003);
		print_double(PRINT_ANY, "rate", NULL, i / 7.0);
		print_close_object();
	}
	print_close_array();
	print_close_object();
	d = one_doc(&text);
	assert_true(strlen(text) > 1000000);
	assert_true(json_object_object_get_ex(d, "rows", &rows));
	assert_int_equal(json_object_array_length(rows), n);
	for (int i = 0; i < n; i += 997) {
		json_object *r = json_object_array_get_idx(rows, i);

		snprintf(name, sizeof(name), "veth%d\t\"x\"", i);
		assert_true(json_object_object_get_ex(r, "dev", &v));
		assert_string_equal(json_object_get_string(v), name);
		assert_true(json_object_object_get_ex(r, "rx", &v));
		assert_true(json_object_get_uint64(v) == (uint64_t)i * 1000003);
		assert_true(json_object_object_get_ex(r, "rate", &v));
		assert_true(json_object_get_double(v) == i / 7.0);
	}
	json_object_put(d);
	free(text);
}

/* Random documents: print them, and build in parallel the tree json-c would build from
 * the same values; the printed text must parse back equal to that tree. */
static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void rand_str(char *s, size_t cap)
{
	size_t n = rnd() % (cap - 1);

	for (size_t i = 0; i < n; i++) {
		/* printable ASCII, controls, quotes and backslashes, valid UTF-8 */
		switch (rnd() % 6) {
		case 0: s[i] = (char)(1 + rnd() % 31); break;
		case 1: s[i] = "\"\\/"[rnd() % 3]; break;
		case 2:
			if (i + 2 < n) {
				memcpy(s + i, "\xe2\x82\xac", 3);
				i += 2;
				break;
			}
			/* fall through */
		default: s[i] = (char)(32 + rnd() % 95);
		}
	}
	s[n] = '\0';
}

static void rand_tree(json_object *parent, int level)
{
	int n = (int)(rnd() % 6);
	bool arr = json_object_is_type(parent, json_type_array);

	for (int i = 0; i < n; i++) {
		char key[16], s[24];
		json_object *o;
		unsigned kind = (unsigned)(rnd() % (level < 6 ? 9 : 7));

		/* distinct keys: json-c keeps one value per key */
		snprintf(key, sizeof(key), "k%d_%d", level, i);
		switch (kind) {
		case 0: {
			uint64_t v = rnd();

			print_u64(PRINT_ANY, key, NULL, v);
			o = json_object_new_uint64(v);
			break;
		}
		case 1: {
			int64_t v = (int64_t)rnd();

			print_i64(PRINT_ANY, key, NULL, v);
			o = json_object_new_int64(v);
			break;
		}
		case 2: {
			uint64_t bits = rnd();
			double v;

			memcpy(&v, &bits, sizeof(v));
			if (rnd() % 2)
				v = (double)(int64_t)rnd() / (double)(rnd() | 1);
			print_double(PRINT_ANY, key, NULL, v);
			o = isfinite(v) ? json_object_new_double(v) : NULL;
			break;
		}
		case 3:
			rand_str(s, sizeof(s));
			print_str(PRINT_ANY, key, NULL, s);
			o = json_object_new_string(s);
			break;
		case 4: {
			bool b = rnd() % 2;

			print_bool(PRINT_ANY, key, NULL, b);
			o = json_object_new_boolean(b);
			break;
		}
		case 5:
			print_null(PRINT_ANY, key, NULL);
			o = NULL;
			break;
		case 6:
			print_str(PRINT_FP, key, NULL, "text only");
			continue;
		case 7:
			print_open_object(key);
			o = json_object_new_object();
			rand_tree(o, level + 1);
			print_close_object();
			break;
		default:
			print_open_array(key);
			o = json_object_new_array();
			rand_tree(o, level + 1);
			print_close_array();
			break;
		}
		if (arr)
			json_object_array_add(parent, o);
		else
			json_object_object_add(parent, key, o);
	}
}

static void test_random_roundtrip(void **state)
{
	for (int round = 0; round < 300; round++) {
		json_object *want = json_object_new_object(), *got;
		char *text;

		begin(PRINT_JSON);
		print_open_object(NULL);
		rand_tree(want, 0);
		print_close_object();
		got = one_doc(&text);
		if (!json_object_equal(want, got))
			fail_msg("round %d: %s", round, text);
		json_object_put(want);
		json_object_put(got);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_escape_control),
		cmocka_unit_test(test_escape_quote_backslash),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_key_order),
		cmocka_unit_test(test_outside_document),
		cmocka_unit_test(test_abort_middle),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_random_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
