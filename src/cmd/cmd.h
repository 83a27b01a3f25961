/* cmd.h: the subcommands. Each parses its own options (getopt_long), calls modules,
 * prints, and returns an exit code (core/log.h). Only cmd/ prints errors or exits. */
#ifndef DPTUNE_CMD_H
#define DPTUNE_CMD_H

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_stat(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_rss(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_path(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int lab_matrix(int argc, char **argv); /* `dptune lab matrix` (matrix.c) */

/* Shared option helpers: print "dptune CMD: invalid --opt 'x': why" and return 2
 * (under --json also the error object, as cmd_fail). New code: core/opt.h and vocab.h. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A command that fails: drops any JSON document half built, prints "dptune CMD: msg" on
 * stderr and, under --json, {"error":{"command","message","exit"}} on stdout; returns
 * code (1 failure, 3 missing feature). The one way every command reports failure. */
int cmd_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));


#endif
