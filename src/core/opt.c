/* opt.c: the one option parser (opt.h): getopt_long over a command's table, every value
 * checked against its limits at parse time, help and option lists generated from it. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "opt.h"
#include "util.h"

#define OPT_MAX 96

static bool takes_arg(const struct opt *o)
{
	return o->type != OPT_FLAG && o->type != OPT_HELP;
}

static size_t opt_count(const struct opt *opts)
{
	size_t n = 0;

	while (opts[n].type != OPT_END)
		n++;
	return n;
}

/* Numbers print without a trailing ".0" and with k/M for large round values. */
static void fmt_num(char *buf, size_t n, double v, enum opt_type t)
{
	if (t == OPT_RATE) {
		fmt_rate(buf, n, v);
		return;
	}
	if (t == OPT_SECONDS && v > 0 && v < 1) {
		snprintf(buf, n, "%gms", v * 1000);
		return;
	}
	snprintf(buf, n, "%.15g", v);
}

const char *opt_range(const struct opt *o, char *buf, size_t n)
{
	char a[32], b[32];

	switch (o->type) {
	case OPT_CHOICE:
		snprintf(buf, n, "one of %s", o->choices);
		break;
	case OPT_U32:
	case OPT_U64:
	case OPT_INT:
	case OPT_DOUBLE:
	case OPT_RATE:
	case OPT_SECONDS:
		fmt_num(a, sizeof(a), o->min, o->type);
		fmt_num(b, sizeof(b), o->max, o->type);
		if (o->type == OPT_SECONDS)
			snprintf(buf, n, "%s..%s s", o->min > 0 ? a : "0", b);
		else if (o->type == OPT_RATE)
			snprintf(buf, n, "%s..%s pps or max", a, b);
		else
			snprintf(buf, n, "%s..%s%s%s", a, b, o->unit ? " " : "", o->unit ? o->unit : "");
		break;
	default:
		snprintf(buf, n, "a value");
	}
	return buf;
}

bool opt_wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			return true;
	}
	return false;
}

int opt_usage_error(const struct opt_spec *spec, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n(try '%s --help')\n", log_prog, buf, log_prog);
	log_json_error(buf, EXIT_USAGE);
	(void)spec;
	return EXIT_USAGE;
}

static bool in_range(const struct opt *o, double v)
{
	return !isnan(v) && v >= o->min && v <= o->max;
}

static bool choice_ok(const char *choices, const char *arg)
{
	size_t len = strlen(arg);
	const char *p = choices;

	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);

		if (l == len && !strncmp(p, arg, len))
			return true;
		p = bar ? bar + 1 : NULL;
	}
	return false;
}

/* Store arg into o's destination; 0, or EXIT_USAGE after the message. */
static int store(const struct opt_spec *spec, const struct opt *o, const char *arg)
{
	char rng[96], err[256];
	uint64_t u64;
	double d;
	bool is_max = false;
	int i;

	switch (o->type) {
	case OPT_FLAG:
		*(bool *)o->dst = true;
		break;
	case OPT_U32:
	case OPT_U64:
	case OPT_INT:
		if (arg[0] == '-') {
			if (o->type != OPT_INT || parse_int(arg, &i) || !in_range(o, i))
				goto bad;
			*(int *)o->dst = i;
			break;
		}
		if (parse_u64(arg, &u64) || !in_range(o, (double)u64))
			goto bad;
		if (o->type == OPT_U32)
			*(uint32_t *)o->dst = (uint32_t)u64;
		else if (o->type == OPT_U64)
			*(uint64_t *)o->dst = u64;
		else
			*(int *)o->dst = (int)u64;
		break;
	case OPT_DOUBLE: {
		char *end;

		errno = 0;
		d = strtod(arg, &end);
		if (errno || end == arg || *end || !in_range(o, d))
			goto bad;
		*(double *)o->dst = d;
		break;
	}
	case OPT_RATE:
		if (parse_rate(arg, &d, &is_max))
			goto bad;
		if (is_max) {
			*(double *)o->dst = 0;
			break;
		}
		if (!in_range(o, d))
			goto bad;
		*(double *)o->dst = d;
		break;
	case OPT_SECONDS:
		if (parse_seconds(arg, &d, o->min <= 0) || !in_range(o, d))
			goto bad;
		*(double *)o->dst = d;
		break;
	case OPT_STR:
		if (!arg[0])
			return opt_usage_error(spec, "invalid --%s '': need %s", o->name,
					       o->arg ? o->arg : "a value");
		*(const char **)o->dst = arg;
		break;
	case OPT_CHOICE:
		if (!choice_ok(o->choices, arg))
			goto bad;
		*(const char **)o->dst = arg;
		break;
	case OPT_CALLBACK:
		err[0] = 0;
		if (o->cb(o, arg, o->data, err, sizeof(err)))
			return opt_usage_error(spec, "invalid --%s '%s': %s", o->name, arg ? arg : "",
					       err[0] ? err : "not accepted");
		break;
	default:
		break;
	}
	if (o->set)
		*o->set = true;
	return 0;
bad:
	return opt_usage_error(spec, "invalid --%s '%s': need %s", o->name, arg,
			       opt_range(o, rng, sizeof(rng)));
}

int opt_parse(const struct opt_spec *spec, int argc, char **argv, int *first_arg,
	      int *dashdash)
{
	struct option lo[OPT_MAX + 1];
	char shorts[2 * OPT_MAX + 4];
	const struct opt *byidx[OPT_MAX];
	size_t n = opt_count(spec->opts), nl = 0, ns = 0;
	int c, li, nargs, rc;

	if (log_json == false)
		log_json = opt_wants_json(argc, argv);
	if (dashdash)
		*dashdash = -1;
	/* '+': stop at the first positional argument when "--" separates a command, so
	 * that options of the watched command are left to it; ':' reports a missing value. */
	if (spec->stop_at_dashdash)
		shorts[ns++] = '+';
	shorts[ns++] = ':';
	for (size_t k = 0; k < n && nl < OPT_MAX; k++) {
		const struct opt *o = &spec->opts[k];

		if (o->type == OPT_GROUP || !o->name)
			continue;
		lo[nl] = (struct option){ o->name, takes_arg(o) ? required_argument : no_argument,
					  NULL, 0 };
		byidx[nl++] = o;
		if (o->shrt && ns + 3 < sizeof(shorts)) {
			shorts[ns++] = (char)o->shrt;
			if (takes_arg(o))
				shorts[ns++] = ':';
		}
	}
	lo[nl] = (struct option){ NULL, 0, NULL, 0 };
	shorts[ns] = 0;

	/* hidden, for the completion script and the man-page test: the options, one a line */
	if (argc == 2 && !strcmp(argv[1], "--list-options")) {
		opt_list(spec, stdout);
		return EXIT_OK;
	}
	optind = 1;
	opterr = 0;
	for (;;) {
		const struct opt *o = NULL;

		li = -1;
		c = getopt_long(argc, argv, shorts, lo, &li);
		if (c == -1)
			break;
		if (c == '?') {
			if (optopt)
				return opt_usage_error(spec, "unknown option '-%c'", optopt);
			return opt_usage_error(spec, "unknown option '%s'", argv[optind - 1]);
		}
		if (c == ':') {
			return opt_usage_error(spec, "option '%s' needs a value",
					       argv[optind - 1]);
		}
		if (c == 0 && li >= 0) {
			o = byidx[li];
		} else {
			for (size_t k = 0; k < nl; k++)
				if (byidx[k]->shrt == c)
					o = byidx[k];
		}
		if (!o)
			return opt_usage_error(spec, "unknown option '%s'", argv[optind - 1]);
		if (o->type == OPT_HELP) {
			opt_usage(spec, stdout);
			return EXIT_OK;
		}
		rc = store(spec, o, takes_arg(o) ? optarg : NULL);
		if (rc)
			return rc;
	}
	*first_arg = optind;
	if (spec->stop_at_dashdash && optind > 1 && !strcmp(argv[optind - 1], "--") &&
	    dashdash)
		*dashdash = optind;
	nargs = argc - optind;
	if (dashdash && *dashdash >= 0)
		nargs = 0;
	if (nargs < spec->min_args)
		return opt_usage_error(spec, "missing argument: %s", spec->synopsis);
	if (spec->max_args >= 0 && nargs > spec->max_args)
		return opt_usage_error(spec, "unexpected argument '%s'",
				       argv[optind + spec->max_args]);
	return OPT_CONTINUE;
}

/* "%R" in help is replaced by the range. */
static void help_line(const struct opt *o, FILE *fp)
{
	char head[64], rng[96], body[512];
	const char *h = o->help ? o->help : "";
	const char *r = strstr(h, "%R");

	snprintf(head, sizeof(head), "%s%c%s--%s%s%s", o->shrt ? "-" : " ",
		 o->shrt ? o->shrt : ' ', o->shrt ? ", " : "  ", o->name, o->arg ? " " : "",
		 o->arg ? o->arg : "");
	if (r)
		snprintf(body, sizeof(body), "%.*s%s%s", (int)(r - h), h,
			 opt_range(o, rng, sizeof(rng)), r + 2);
	else
		snprintf(body, sizeof(body), "%s", h);
	if (o->def) {
		size_t l = strlen(body);

		snprintf(body + l, sizeof(body) - l, " (default %s)", o->def);
	}
	if (strlen(head) > 25)
		fprintf(fp, "  %s\n  %-25s %s\n", head, "", body);
	else
		fprintf(fp, "  %-25s %s\n", head, body);
}

void opt_usage(const struct opt_spec *spec, FILE *fp)
{
	fprintf(fp, "usage: %s %s\n", log_prog, spec->synopsis ? spec->synopsis : "[OPTIONS]");
	if (spec->about)
		fprintf(fp, "%s\n", spec->about);
	for (const struct opt *o = spec->opts; o->type != OPT_END; o++) {
		if (o->type == OPT_GROUP) {
			fprintf(fp, "%s:\n", o->help);
			continue;
		}
		if (!o->hidden)
			help_line(o, fp);
	}
	if (spec->footer)
		fprintf(fp, "%s", spec->footer);
}

void opt_list(const struct opt_spec *spec, FILE *fp)
{
	for (const struct opt *o = spec->opts; o->type != OPT_END; o++)
		if (o->name && o->type != OPT_GROUP)
			fprintf(fp, "--%s%s\n", o->name, o->hidden ? " hidden" : "");
}
