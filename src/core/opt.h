/* opt.h: one option parser for every command (after git's parse-options). A command
 * describes its options as a table of `struct opt` (name, short form, type, where the
 * value goes, limits, help); opt_parse() runs getopt_long over it, checks every value
 * against the entry's limits at parse time, and generates --help from the same table,
 * so an option is either honoured or refused with its valid range (exit 2), and the
 * help, the man-page test and the shell completion cannot drift from what is parsed.
 * The shared vocabulary of DESIGN.md (--rate, --size, --flows, ...) with its limits is
 * in cmd/vocab.h; this file knows nothing of dptune's modules. */
#ifndef DPTUNE_OPT_H
#define DPTUNE_OPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum opt_type {
	OPT_END = 0,
	OPT_FLAG,     /* bool *: set to true */
	OPT_U32,      /* uint32_t *: integer in [min, max] */
	OPT_U64,      /* uint64_t *: integer in [min, max] */
	OPT_INT,      /* int *: integer in [min, max] */
	OPT_DOUBLE,   /* double *: number in [min, max] */
	OPT_RATE,     /* double *: packets per second (500k, 1.2M); "max" stores 0; in [min, max] */
	OPT_SECONDS,  /* double *: 10, 1.5, 500ms, 2m; in [min, max] (min 0 allows zero) */
	OPT_STR,      /* const char **: any non-empty string */
	OPT_CHOICE,   /* const char **: one of the '|'-separated words in choices */
	OPT_CALLBACK, /* cb(o, arg, data): returns 0, or -1 after writing why into err */
	OPT_HELP,     /* prints the generated help on stdout; opt_parse returns 0 */
	OPT_GROUP,    /* not an option: a heading in the help */
};

struct opt;
typedef int (*opt_cb)(const struct opt *o, const char *arg, void *data, char *err, size_t errlen);

struct opt {
	const char *name;    /* long name without "--" (NULL for a group heading) */
	int shrt;            /* short letter, or 0 */
	enum opt_type type;
	void *dst;           /* where the value goes (type above) */
	double min, max;     /* numeric limits, inclusive */
	const char *arg;     /* the value's name in help: PPS, BYTES, N (NULL for flags) */
	const char *help;    /* one line; "%R" in it is replaced by the valid range */
	const char *def;     /* the default as the user writes it, or NULL */
	bool *set;           /* optional: set true when the option is given */
	const char *choices; /* OPT_CHOICE: "a|b|c" */
	opt_cb cb;           /* OPT_CALLBACK */
	void *data;          /* OPT_CALLBACK's data */
	const char *unit;    /* appended to the range in messages: "bytes" */
	bool hidden;         /* parsed, but left out of --help (aliases) */
};

#define OPT_END_ENTRY { .type = OPT_END }
#define OPT_GROUP_ENTRY(title) { .type = OPT_GROUP, .help = (title) }
#define OPT_HELP_ENTRY { .name = "help", .shrt = 'h', .type = OPT_HELP, .help = "this help" }

/* A command's (or subcommand's) options and its positional arguments. */
struct opt_spec {
	const char *cmd;      /* "stat", "lab up": for messages and help */
	const char *synopsis; /* "[OPTIONS] HOST" */
	const char *about;    /* paragraph printed under the synopsis, or NULL */
	const struct opt *opts;
	int min_args, max_args; /* positional arguments allowed (max -1: any) */
	bool stop_at_dashdash;  /* "-- CMD ARGS" ends the options (doctor -- CMD) */
	const char *footer;     /* printed after the options in help, or NULL */
};

/* What opt_parse returns when the command should go on; anything else is the exit
 * code to return at once (0 after --help, 2 after a usage error already printed). */
#define OPT_CONTINUE (-1)

/* Parse argv[1..] (argv[0] is the command's name) against spec. `CMD --list-options`
 * alone prints opt_list() and returns 0 (completion, man-page test). On OPT_CONTINUE,
 * *first_arg is the index of the first positional argument (or of the word after "--"
 * when spec->stop_at_dashdash, with *dashdash set to that index, else -1). */
int opt_parse(const struct opt_spec *spec, int argc, char **argv, int *first_arg,
	      int *dashdash);

/* The generated help: synopsis, about, one line per option with its range and default. */
void opt_usage(const struct opt_spec *spec, FILE *fp);

/* Every long option of spec, one "--name" per line (completion and the man-page test). */
void opt_list(const struct opt_spec *spec, FILE *fp);

/* A usage error for a command: "dptune CMD: <message>" and "(try 'dptune CMD --help')"
 * on stderr, a JSON error object on stdout when --json was asked; returns 2. */
int opt_usage_error(const struct opt_spec *spec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* True when argv asked for --json (or -j), whether or not parsing got that far: so that
 * even an error in an earlier option is reported as JSON. */
bool opt_wants_json(int argc, char **argv);

/* Format a value range for messages: "1..4096", "64..65507 bytes". */
const char *opt_range(const struct opt *o, char *buf, size_t n);

#endif
