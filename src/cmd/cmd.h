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
int lab_matrix(int argc, char **argv); /* `dptune lab matrix` (matrix.c) */

/* Shared option helpers: print "dptune CMD: invalid --opt 'x': why" and return 2. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
