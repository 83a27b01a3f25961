/* test_opt.c: the one option table (core/opt.h) and the shared vocabulary (cmd/vocab.h):
 * every limit accepted at its edge and refused past it, with the range in the message. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "core/log.h"
#include "core/opt.h"
#include "cmd/vocab.h"

struct vals {
	double rate, dur, iv;
	uint32_t size, flows, threads, port;
	uint64_t count;
	bool json, rate_set;
	const char *layer, *root;
	int cpus[8], ncpus;
};

static struct vals v;
static char errbuf[4096];

/* Run opt_parse over a NULL-terminated word list with stderr captured in errbuf. */
static int run(const struct opt_spec *spec, int *first, const char *w0, ...)
{
	char *argv[32];
	int argc = 0, rc, dd, saved;
	FILE *tmp = tmpfile();
	va_list ap;

	argv[argc++] = (char *)"test";
	va_start(ap, w0);
	for (const char *w = w0; w && argc < 31; w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	rc = opt_parse(spec, argc, argv, first, &dd);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	memset(errbuf, 0, sizeof(errbuf));
	if (fread(errbuf, 1, sizeof(errbuf) - 1, tmp)) {
	}
	fclose(tmp);
	return rc;
}

static struct opt opts[] = {
	VOCAB_RATE(&v.rate, &v.rate_set, "10k"),
	VOCAB_SIZE(&v.size, NULL, "64"),
	VOCAB_FLOWS(&v.flows, NULL, "1"),
	VOCAB_THREADS(&v.threads, NULL, "1"),
	VOCAB_DURATION(&v.dur, NULL, "10", "test length"),
	VOCAB_INTERVAL(&v.iv, NULL, NULL),
	VOCAB_COUNT(&v.count, NULL, NULL),
	VOCAB_PORT(&v.port, NULL, "5201", 1, "server port"),
	VOCAB_LAYER(&v.layer),
	VOCAB_PROC_ROOT(&v.root),
	VOCAB_CPUS(v.cpus, &v.ncpus, 8),
	VOCAB_JSON(&v.json),
	OPT_HELP_ENTRY,
	OPT_END_ENTRY,
};

static const struct opt_spec *spec(void)
{
	static struct opt_spec s = { .cmd = "test", .synopsis = "[OPTIONS] HOST", .opts = opts,
				     .min_args = 1, .max_args = 1 };
	return &s;
}

static void test_limits(void **state)
{
	char lo[32], hi[32], past[32];
	int first;

	memset(&v, 0, sizeof(v));
	assert_int_equal(run(spec(), &first, "--flows", "4096", "h", NULL), OPT_CONTINUE);
	assert_int_equal(v.flows, 4096);
	assert_int_equal(first, 3);
	assert_int_equal(run(spec(), &first, "--flows", "5000", "h", NULL), 2);
	assert_non_null(strstr(errbuf, "invalid --flows '5000': need 1..4096"));
	assert_int_equal(run(spec(), &first, "-f", "0", "h", NULL), 2);

	snprintf(lo, sizeof(lo), "%u", DGRAM_HDR_LEN);
	snprintf(hi, sizeof(hi), "%u", DGRAM_MAX_PAYLOAD);
	snprintf(past, sizeof(past), "%u", DGRAM_MAX_PAYLOAD + 1);
	assert_int_equal(run(spec(), &first, "--size", lo, "h", NULL), OPT_CONTINUE);
	assert_int_equal(run(spec(), &first, "--size", hi, "h", NULL), OPT_CONTINUE);
	assert_int_equal(v.size, DGRAM_MAX_PAYLOAD);
	assert_int_equal(run(spec(), &first, "--size", past, "h", NULL), 2);
	assert_non_null(strstr(errbuf, "bytes"));
	assert_int_equal(run(spec(), &first, "--size", "20000", "h", NULL), 2);

	snprintf(hi, sizeof(hi), "%d", ENGINE_MAX_THREADS);
	snprintf(past, sizeof(past), "%d", ENGINE_MAX_THREADS + 1);
	assert_int_equal(run(spec(), &first, "-T", hi, "h", NULL), OPT_CONTINUE);
	assert_int_equal(run(spec(), &first, "-T", past, "h", NULL), 2);

	assert_int_equal(run(spec(), &first, "--rate", "1.5M", "h", NULL), OPT_CONTINUE);
	assert_true(v.rate == 1.5e6 && v.rate_set);
	assert_int_equal(run(spec(), &first, "--rate", "max", "h", NULL), OPT_CONTINUE);
	assert_true(v.rate == 0);
	assert_int_equal(run(spec(), &first, "--rate", "1e99", "h", NULL), 2);
	assert_non_null(strstr(errbuf, "invalid --rate"));
	assert_int_equal(run(spec(), &first, "--rate", "1G", "h", NULL), OPT_CONTINUE);
	assert_int_equal(run(spec(), &first, "--rate", "1.1G", "h", NULL), 2);

	assert_int_equal(run(spec(), &first, "--port", "65535", "h", NULL), OPT_CONTINUE);
	assert_int_equal(run(spec(), &first, "--port", "65536", "h", NULL), 2);
	assert_int_equal(run(spec(), &first, "--port", "0", "h", NULL), 2);
	assert_int_equal(run(spec(), &first, "-d", "500ms", "h", NULL), OPT_CONTINUE);
	assert_true(v.dur == 0.5);
	assert_int_equal(run(spec(), &first, "-d", "0", "h", NULL), 2);
	assert_int_equal(run(spec(), &first, "-c", "0", "h", NULL), 2);
	assert_int_equal(run(spec(), &first, "-c", "-3", "h", NULL), 2);
}

static void test_callbacks_and_args(void **state)
{
	int first;

	assert_int_equal(run(spec(), &first, "--layer", "udp,socket", "h", NULL), OPT_CONTINUE);
	assert_string_equal(v.layer, "udp,socket");
	assert_int_equal(run(spec(), &first, "--layer", "udp,nope", "h", NULL), 2);
	assert_non_null(strstr(errbuf, "unknown layer 'nope'"));
	assert_int_equal(run(spec(), &first, "--proc-root", "/nonexistent-dptune", "h", NULL), 2);
	assert_non_null(strstr(errbuf, "No such file"));
	assert_int_equal(run(spec(), &first, "--proc-root", "/proc", "h", NULL), OPT_CONTINUE);
	assert_int_equal(run(spec(), &first, "--cpus", "0", "h", NULL), OPT_CONTINUE);
	assert_int_equal(v.ncpus, 1);
	assert_int_equal(run(spec(), &first, "--cpus", "4000", "h", NULL), 2);
	assert_int_equal(run(spec(), &first, NULL), 2);
	assert_non_null(strstr(errbuf, "missing argument"));
	assert_int_equal(run(spec(), &first, "a", "b", NULL), 2);
	assert_non_null(strstr(errbuf, "unexpected argument 'b'"));
	assert_int_equal(run(spec(), &first, "--nope", "h", NULL), 2);
	assert_non_null(strstr(errbuf, "unknown option '--nope'"));
	assert_int_equal(run(spec(), &first, "--flows", NULL), 2);
	assert_non_null(strstr(errbuf, "needs a value"));
}

static void test_help_and_list(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	opt_usage(spec(), fp);
	fclose(fp);
	assert_non_null(strstr(buf, "--flows N"));
	assert_non_null(strstr(buf, "1..4096"));
	assert_non_null(strstr(buf, "(default 10k)"));
	free(buf);
	fp = open_memstream(&buf, &len);
	opt_list(spec(), fp);
	fclose(fp);
	assert_non_null(strstr(buf, "--rate\n"));
	assert_non_null(strstr(buf, "--json\n"));
	free(buf);
}

static void test_json_error(void **state)
{
	char *argv[] = { (char *)"x", (char *)"--flows", (char *)"9999", (char *)"--json", NULL };
	char out[1024] = { 0 };
	FILE *tmp = tmpfile();
	int first, saved, saved2, rc;

	log_json = false;
	assert_true(opt_wants_json(4, argv));
	fflush(stdout);
	saved = dup(1);
	saved2 = dup(2);
	dup2(fileno(tmp), 1);
	dup2(fileno(tmp), 2);
	rc = opt_parse(spec(), 4, argv, &first, NULL);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, 1);
	dup2(saved2, 2);
	close(saved);
	close(saved2);
	rewind(tmp);
	if (fread(out, 1, sizeof(out) - 1, tmp)) {
	}
	fclose(tmp);
	log_json = false;
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "{\"error\":{\"command\":"));
	assert_non_null(strstr(out, "\"exit\":2}}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_callbacks_and_args),
		cmocka_unit_test(test_help_and_list),
		cmocka_unit_test(test_json_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
