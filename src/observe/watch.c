/* watch.c: the reads of an observation window: snapshots before and after, the watched
 * command, the knob owners. The judgement is in analyze/. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "watch.h"
#include "../collect/collect.h"
#include "../collect/owners.h"
#include "../output/progress.h"

#define CAPTURE_MAX (16u << 20)

int watch_run_capture(char **argv, struct strbuf *out, bool echo)
{
	int pfd[2] = { -1, -1 }, efd[2], status, child_err = 0;
	ssize_t n;
	pid_t pid;

	if (out && pipe2(pfd, O_CLOEXEC))
		return -errno;
	/* the child writes execvp's errno here; a successful exec closes it (CLOEXEC) */
	if (pipe2(efd, O_CLOEXEC)) {
		n = -errno;
		if (out) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return (int)n;
	}
	pid = fork();
	if (pid < 0) {
		n = -errno;
		if (out) {
			close(pfd[0]);
			close(pfd[1]);
		}
		close(efd[0]);
		close(efd[1]);
		return (int)n;
	}
	if (pid == 0) {
		int e;

		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (dup2(out ? pfd[1] : STDERR_FILENO, STDOUT_FILENO) >= 0)
			execvp(argv[0], argv);
		e = errno;
		(void)!write(efd[1], &e, sizeof(e));
		_exit(127);
	}
	close(efd[1]);
	if (out) {
		close(pfd[1]);
		for (;;) {
			char buf[4096];

			n = read(pfd[0], buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (out->len < CAPTURE_MAX)
				sb_add(out, buf, (size_t)n);
			if (echo)
				(void)!fwrite(buf, 1, (size_t)n, stderr);
		}
		close(pfd[0]);
	}
	do
		n = read(efd[0], &child_err, sizeof(child_err));
	while (n < 0 && errno == EINTR);
	close(efd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (n == (ssize_t)sizeof(child_err) && child_err > 0)
		return -child_err;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int read_counters(struct collect_engine *eng, struct snapshot *s, char *err,
			 size_t errlen)
{
	int r = collect_snapshot(eng, s);

	if (r)
		snprintf(err, errlen, "cannot read the kernel's counters: %s (run as root)",
			 strerror(-r));
	return r;
}

int doctor_observe(struct collect_engine *eng, double duration, char **cmdv, bool echo,
		   volatile int *stop, struct observation *o, char *err, size_t errlen)
{
	struct load_result lr;
	struct strbuf out;
	int r;

	observation_init(o);
	r = read_counters(eng, &o->a, err, errlen);
	if (r)
		return r;
	if (cmdv) {
		sb_init(&out);
		o->have_cmd = true;
		o->cmd_rc = watch_run_capture(cmdv, &out, echo);
		if (o->cmd_rc < 0) {
			r = o->cmd_rc;
			snprintf(err, errlen, "could not run '%s': %s", cmdv[0], strerror(-r));
			sb_release(&out);
			return r;
		}
		if (out.len && !load_result_parse(out.buf, out.len, &lr)) {
			o->have_lost = true;
			o->lost = lr.lost;
			o->sent = lr.sent;
			snprintf(o->load_server, sizeof(o->load_server), "%s", lr.server);
		}
		sb_release(&out);
	} else {
		double end = now_mono() + duration;

		if (echo) /* text output: a progress line on a terminal (progress.h) */
			progress_begin((unsigned)(duration + 0.999), "watching the counters: second");
		while (!*stop && now_mono() < end) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			progress_step((unsigned)(duration - (end - now_mono())) + 1, NULL);
		}
		if (echo)
			progress_end();
	}
	o->interrupted = *stop != 0;
	if (!observation_cmd_ok(o)) {
		snprintf(err, errlen, "the watched command failed (exit %d%s): no diagnosis "
			 "(run '%s' alone to see why)", o->cmd_rc,
			 o->cmd_rc > 128 ? ", or killed by a signal: 128+N" : "", cmdv[0]);
		return -ECHILD;
	}
	r = read_counters(eng, &o->b, err, errlen);
	if (r)
		return r;
	/* an unreadable /proc leaves the owners unknown: the rules then say nothing of them */
	(void)owners_find(NULL, NULL, &o->owners);
	observation_analyze(o);
	return 0;
}
