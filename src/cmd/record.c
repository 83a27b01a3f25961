/* record.c: `dptune record`: the flight recorder. Every -i SEC a snapshot of every layer
 * in every namespace (the stat engine) goes to a zstd-compressed JSON-lines file
 * (record/record.h, docs/record-format.md); with -- COMMAND, the command runs meanwhile,
 * its --json output is stored with its time span, and the recording ends with it. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cmd.h"
#include "vocab.h"
#include "../core/log.h"
#include "../collect/collect.h"
#include "../model/delta.h"
#include "../output/print.h"
#include "../record/record.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_child(int sig)
{
	(void)sig; /* only interrupts poll() */
}

/* --max-size: bytes with an optional k/M/G suffix (powers of 1024). */
static int size_cb(const struct opt *o, const char *arg, void *data, char *err, size_t n)
{
	char *end;
	double v = strtod(arg, &end);
	double mul = 1;

	(void)o;
	if (end == arg || v <= 0) {
		snprintf(err, n, "need a size in bytes like 50M (k, M, G: powers of 1024)");
		return -1;
	}
	if (*end == 'k' || *end == 'K')
		mul = 1024, end++;
	else if (*end == 'M')
		mul = 1024.0 * 1024, end++;
	else if (*end == 'G')
		mul = 1024.0 * 1024 * 1024, end++;
	if (*end == 'B')
		end++;
	if (*end || v * mul < 4096 || v * mul > 1e15) {
		snprintf(err, n, "need a size from 4k to 1P bytes, like 50M");
		return -1;
	}
	*(uint64_t *)data = (uint64_t)(v * mul);
	return 0;
}

struct child {
	pid_t pid;
	int fd;            /* its stdout, or -1 once closed */
	struct strbuf out;
	double t0, t1;     /* wall clock */
	int status;        /* exit code, 128+N after signal N */
	bool done;
};

static int child_start(struct child *c, char **argv, char *err, size_t n)
{
	int pfd[2], efd[2], e = 0;
	ssize_t r;

	if (pipe2(pfd, O_CLOEXEC) || pipe2(efd, O_CLOEXEC)) {
		snprintf(err, n, "pipe: %s", strerror(errno));
		return -1;
	}
	c->t0 = now_real();
	c->pid = fork();
	if (c->pid < 0) {
		snprintf(err, n, "fork: %s", strerror(errno));
		return -1;
	}
	if (!c->pid) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (dup2(pfd[1], STDOUT_FILENO) >= 0)
			execvp(argv[0], argv);
		e = errno;
		(void)!write(efd[1], &e, sizeof(e));
		_exit(127);
	}
	close(pfd[1]);
	close(efd[1]);
	do
		r = read(efd[0], &e, sizeof(e));
	while (r < 0 && errno == EINTR);
	close(efd[0]);
	if (r == (ssize_t)sizeof(e)) {
		waitpid(c->pid, NULL, 0);
		close(pfd[0]);
		snprintf(err, n, "could not run '%s': %s", argv[0], strerror(e));
		return -1;
	}
	c->fd = pfd[0];
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Take what the child has written so far (never blocks). */
static void child_drain(struct child *c)
{
	char buf[65536];
	ssize_t r;

	while (c->fd >= 0) {
		r = read(c->fd, buf, sizeof(buf));
		if (r > 0) {
			if (c->out.len < (64u << 20))
				sb_add(&c->out, buf, (size_t)r);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		close(c->fd); /* end of its output */
		c->fd = -1;
	}
}

/* Take its output; once the child itself has exited, take what is left and stop reading
 * (a process it left behind may hold the pipe open: the command is over all the same). */
static void child_poll(struct child *c)
{
	int st;

	child_drain(c);
	if (c->done || c->pid <= 0 || waitpid(c->pid, &st, WNOHANG) != c->pid)
		return;
	c->done = true;
	c->t1 = now_real();
	c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	child_drain(c);
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

/* SIGTERM to a child still running, then take its output until it has exited. */
static void child_stop(struct child *c)
{
	if (c->pid <= 0 || c->done)
		return;
	kill(c->pid, SIGTERM);
	while (!c->done) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };

		poll(&p, c->fd >= 0 ? 1 : 0, 100); /* SIGCHLD cuts it short */
		child_poll(c);
	}
}

/* Sleep until t (monotonic), waking for the child's output. */
static void wait_until(double t, struct child *c)
{
	while (!stop) {
		double d = t - now_mono();
		struct pollfd p = { .fd = c ? c->fd : -1, .events = POLLIN };

		if (c)
			child_poll(c);
		if (c && c->done)
			return;
		if (d <= 0)
			return;
		poll(&p, c && c->fd >= 0 ? 1 : 0, (int)ceil(d * 1000));
		if (c)
			child_poll(c);
		if (c && c->done)
			return;
	}
}

int cmd_record(int argc, char **argv)
{
	struct rec_writer_opts wo = { .level = 3 };
	struct collect_opts co = { 0 };
	double interval = 1, duration = 0;
	bool json = false, have_dur = false, have_frame = false, have_count = false;
	const char *layers = NULL, *reason = "signal";
	uint32_t frame = 0, level = 3;
	int first, dd = -1, rc, r;
	struct snapshot snaps[2];
	struct collect_engine *eng = NULL;
	struct rec_writer *w = NULL;
	struct child ch = { .pid = -1, .fd = -1 };
	char **cargv = NULL, err[512];
	uint64_t n = 0, count = 0;
	const struct opt opts[] = {
		OPT_GROUP_ENTRY("where and how often"),
		{ .name = "output", .shrt = 'o', .type = OPT_STR, .dst = &wo.path, .arg = "FILE",
		  .help = "the recording (zstd-compressed JSON lines; zstdcat FILE | jq)" },
		VOCAB_INTERVAL(&interval, NULL, "1"),
		VOCAB_DURATION(&duration, &have_dur, NULL,
			       "stop after SEC seconds (default: when the command ends, or ^C)"),
		VOCAB_COUNT(&count, &have_count, NULL),
		{ .name = "max-size", .type = OPT_CALLBACK, .cb = size_cb, .data = &wo.max_size,
		  .arg = "BYTES", .help = "past this size the file is renamed FILE.1 (replacing "
		  "an older one) and a fresh FILE begins (k, M, G suffixes)" },
		{ .name = "frame-samples", .type = OPT_U32, .dst = &frame, .set = &have_frame,
		  .min = 1, .max = 100000, .arg = "N",
		  .help = "samples per zstd frame: a killed recorder loses at most one frame "
		  "(%R; default: 10 s worth)" },
		{ .name = "level", .type = OPT_U32, .dst = &level, .min = 1, .max = 19, .arg = "N",
		  .def = "3", .help = "zstd compression level (%R)" },
		OPT_GROUP_ENTRY("what to record"),
		VOCAB_NETNS(&wo.netns),
		VOCAB_DEV(&wo.dev),
		VOCAB_LAYER(&layers),
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "record", .synopsis = "-o FILE [OPTIONS] [-- COMMAND [ARGS...]]", .opts = opts,
		.min_args = 0, .max_args = -1, .stop_at_dashdash = true,
		.about =
"Record every counter of every layer and namespace every -i SEC, the knobs and the\n"
"devices when they change, into FILE (zstd-compressed JSON lines, docs/record-format.md).\n"
"With -- COMMAND (a dptune bench, sweep, doctor, lab matrix, tune apply...; --json is\n"
"added to a dptune command that lacks it) the command runs meanwhile, its JSON output\n"
"is stored with its start and end, and the recording stops when it ends.\n"
"'dptune report FILE' draws it.\n",
		.footer =
"Stops at --duration or -c N samples, when the command ends, or on SIGINT/SIGTERM,\n"
"closing the file cleanly. Exit: 0 recorded (whatever the command's own exit, which\n"
"is stored and printed), 1 the file or the counters could not be written or read, or\n"
"the command could not be started, 2 usage error.\n",
	};

	rc = opt_parse(&spec, argc, argv, &first, &dd);
	if (rc != OPT_CONTINUE)
		return rc;
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	if (!wo.path)
		return usage_error("-o FILE is required (where the recording goes)");
	if (dd < 0 && first < argc)
		return usage_error("unexpected '%s' (a command to run goes after --)", argv[first]);
	if (dd >= 0 && dd >= argc)
		return usage_error("-- needs a command to run");
	if (have_count && have_dur)
		return usage_error("give -c N or --duration SEC, not both");
	wo.interval = interval;
	wo.layer_mask = vocab_layer_mask(layers);
	wo.level = (int)level;
	wo.frame_samples = have_frame ? frame : (unsigned)fmax(1, ceil(10.0 / interval));
	if (wo.netns && !strchr(wo.netns, ','))
		co.only_ns = wo.netns;
	co.knob_max_age = COLLECT_KNOB_MAX_AGE; /* knobs re-read every 10-20 s, as stat -i */

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, on_child); /* wakes the wait when the command exits */
	sb_init(&ch.out);
	snap_init(&snaps[0]);
	snap_init(&snaps[1]);
	eng = collect_engine_new(&co);
	r = collect_snapshot(eng, &snaps[0]);
	if (r) {
		rc = cmd_fail(EXIT_FAIL, "cannot read the kernel's counters: %s", strerror(-r));
		goto out;
	}
	wo.first = &snaps[0]; /* time 0, on both clocks */
	w = rec_writer_open(&wo, err, sizeof(err));
	if (!w) {
		rc = cmd_fail(EXIT_FAIL, "%s", err);
		goto out;
	}
	if (dd >= 0) {
		cargv = rec_command_argv(argv + dd, argc - dd);
		if (child_start(&ch, cargv, err, sizeof(err))) {
			rec_writer_close(w, "command");
			w = NULL;
			unlink(wo.path); /* nothing was recorded */
			rc = cmd_fail(EXIT_FAIL, "%s", err);
			goto out;
		}
	}
	rc = EXIT_OK;
	double t_start = snaps[0].t_mono, next = t_start;

	for (;;) {
		struct snapshot *prev = &snaps[n & 1], *cur = &snaps[(n + 1) & 1];
		struct delta d;

		next += interval;
		if (have_dur && next > t_start + duration + 1e-6)
			next = t_start + duration;
		wait_until(next, dd >= 0 ? &ch : NULL);
		if (stop)
			child_stop(&ch);
		/* a last sample closes every interval, also the one cut short */
		r = collect_snapshot(eng, cur);
		if (r) {
			rc = cmd_fail(EXIT_FAIL, "cannot read the kernel's counters: %s", strerror(-r));
			break;
		}
		/* what the writer uses: moved counters, changed gauges and knobs, new rows */
		delta_compute_notable(&d, prev, cur, false);
		r = rec_writer_sample(w, prev, cur, &d);
		delta_release(&d);
		n++;
		if (r) {
			rc = cmd_fail(EXIT_FAIL, "cannot write %s: %s", wo.path, strerror(-r));
			break;
		}
		if (stop) {
			reason = "signal";
			break;
		}
		if (ch.done) {
			reason = "command";
			break;
		}
		if (have_dur && cur->t_mono >= t_start + duration - 1e-3) {
			reason = "duration";
			break;
		}
		if (have_count && n >= count) {
			reason = "count";
			break;
		}
	}
	child_stop(&ch); /* --duration ended first: its output so far is stored too */
	if (ch.pid > 0 && ch.done && w) {
		r = rec_writer_command(w, cargv, ch.t0, ch.t1, ch.status, ch.out.buf ? ch.out.buf : "",
				       ch.out.len);
		if (r && rc == EXIT_OK)
			rc = cmd_fail(EXIT_FAIL, "cannot write %s: %s", wo.path, strerror(-r));
	}
	if (w) {
		uint64_t bytes, rot = rec_writer_rotations(w);

		r = rec_writer_close(w, reason);
		w = NULL;
		if (r && rc == EXIT_OK)
			rc = cmd_fail(EXIT_FAIL, "cannot write %s: %s", wo.path, strerror(-r));
		if (rc == EXIT_OK) {
			struct stat sb;

			bytes = stat(wo.path, &sb) ? 0 : (uint64_t)sb.st_size;
			print_open_object(NULL);
			print_str(PRINT_ANY, "file", "recorded to %s:", wo.path);
			print_u64(PRINT_ANY, "samples", " %llu samples", n);
			print_double(PRINT_ANY, "interval", " every %g s", interval);
			print_u64(PRINT_ANY, "bytes", ", %llu bytes", bytes);
			print_u64(PRINT_ANY, "rotations", ", %llu rotations", rot);
			print_str(PRINT_ANY, "stop", " (stopped: %s)", reason);
			if (ch.pid > 0 && ch.done)
				print_i64(PRINT_ANY, "command_exit", "; the command exited %lld",
					  ch.status);
			print_close_object();
			print_nl();
			print_flush();
		}
	}
out:
	if (ch.pid > 0 && !ch.done) {
		kill(ch.pid, SIGTERM);
		waitpid(ch.pid, NULL, 0);
	}
	if (ch.fd >= 0)
		close(ch.fd);
	sb_release(&ch.out);
	free(cargv);
	snap_release(&snaps[0]);
	snap_release(&snaps[1]);
	collect_engine_free(eng);
	return rc;
}
