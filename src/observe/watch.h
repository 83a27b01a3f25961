/* watch.h: one observation window, read from the kernel: the counters of every layer and
 * namespace before and after a window of time or a command (whose output is kept for the
 * load result it prints), and who else owns knobs; then the pure analysis
 * (analyze/observation.h). Used by `dptune doctor` and `dptune tune plan|apply --verify`.
 * It sits above collect/ (the reads) and analyze/ (the judgement), which must not depend
 * on each other, and it runs a child process: hence a module of its own. */
#ifndef DPTUNE_WATCH_H
#define DPTUNE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include "../analyze/observation.h"

struct collect_engine;

/* Watch for duration seconds, or while cmdv runs (its stdout passed on to stderr when
 * echo is set, and searched for a load result); stops the wait early on *stop. Then
 * analyse the window into o (release it with observation_release in every case).
 * 0, or -errno with err[] saying what failed: the counters could not be read; the
 * command could not be started ("could not run 'x': No such file or directory"); or
 * -ECHILD when the command failed without a load result ("the watched command failed
 * (exit 1): no diagnosis"; o->cmd_rc has its status). */
int doctor_observe(struct collect_engine *eng, double duration, char **cmdv, bool echo,
		   volatile int *stop, struct observation *o, char *err, size_t errlen);

/* Run argv with its stdout captured into out (up to 16 MiB, and copied to stderr when
 * echo is set); with out NULL, its stdout is our stderr, not captured (so that our
 * stdout carries only our own output). Returns once it has exited: its exit status
 * (128+N after signal N), or -errno when it could not be started (exec failed: the
 * errno of execvp). */
int watch_run_capture(char **argv, struct strbuf *out, bool echo);

#endif
