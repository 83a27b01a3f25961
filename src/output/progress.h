/* progress.h: one line of progress on a terminal for long runs (sweep trials, lab matrix
 * scenarios, doctor's watch): what is running, how far, how long remains. Written to
 * stderr with \r line updates, and only when both stdout and stderr are terminals and
 * the output is not JSON: nothing in pipes, logs or under --json. Levels nest (a lab
 * matrix scenario runs a sweep): begin() pushes one, end() pops it, and the line shows
 * every level, outermost first. Single-threaded: call from the thread that runs the work.
 * The formatting (progress_format, progress_eta, progress_hms) is pure and tested. */
#ifndef DPTUNE_PROGRESS_H
#define DPTUNE_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#define PROGRESS_DEPTH 4

struct progress_level {
	char what[64];     /* "sweep 64 B", "lab matrix veth" */
	char label[96];    /* what the current step is: "search trial at 12000 pps" */
	unsigned i, total; /* step i (1-based) of total is running; total 0: unknown */
	bool upto;         /* total is an upper bound (a search that may stop early) */
	double t0, t_step; /* when the level began, when step i began (monotonic s) */
};

/* Start a level of total steps (0: unknown) doing what; total is exact. */
void progress_begin(unsigned total, const char *what);
/* Same, with total only an upper bound: the line says "<=" and the ETA is a bound. */
void progress_begin_max(unsigned total, const char *what);
/* Step i (1-based) of the innermost level has begun; label may be NULL. Redraws. */
void progress_step(unsigned i, const char *label);
/* End the innermost level; the line is cleared when none is left. */
void progress_end(void);
/* Show nothing until unmuted (a caller that knows its output is JSON or not a terminal). */
void progress_mute(bool mute);
/* Whether a line is being shown (a level is open and output goes to a terminal). */
bool progress_active(void);

/* Pure: seconds as "42s", "3:07" or "1:02:03" into buf; returns buf. */
const char *progress_hms(char *buf, size_t n, double secs);
/* Pure: the seconds left for level l at time now, or -1 when unknown (no step done yet,
 * or no total). */
double progress_eta(const struct progress_level *l, double now);
/* Pure: the line for levels lv[0..nlv) at time now, at most width characters (and
 * n - 1); returns its length. */
size_t progress_format(char *buf, size_t n, size_t width, const struct progress_level *lv,
		       size_t nlv, double now);

#endif
