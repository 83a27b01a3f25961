/* run.c: the lab's touch points with the system: commands run through fork/execvp with
 * argument vectors (never a shell), inside a namespace when asked; namespace file writes;
 * process identity by pid and start time. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lab_int.h"
#include "../core/netns.h"

int lab_enter_ns(const char *ns, enum lab_nsmode mode)
{
	if (!ns || !*ns)
		return 0;
	return netns_enter_name(NULL, ns, mode == LAB_NS_SYSFS ? NETNS_SYSFS : 0);
}

bool lab_ns_exists(const char *ns)
{
	return netns_name_exists(NULL, ns);
}

static void argv_str(const char *const *argv, char *buf, size_t n)
{
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; argv[i] && off < n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s%s", i ? " " : "", argv[i]);
}

int lab_run(const char *ns, enum lab_nsmode mode, char *const *env, const char *const *argv,
	    double timeout, char *err, size_t errn)
{
	int p[2], status = 0, rc;
	char out[2048];
	size_t olen = 0;
	pid_t pid;
	struct timespec t0, t1;

	pid_t parent = getpid();

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(p[0]);
		close(p[1]);
		return rc;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		/* A helper dies with the `lab up` that ran it (killed mid-build, its ovs-vsctl
		 * would wait forever for a database that `lab down` removes); daemons that
		 * detach fork away from this and stay, recorded for down. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(125);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(p[1], 2);
		rc = lab_enter_ns(ns, mode);
		if (rc) {
			fprintf(stderr, "cannot enter namespace %s: %s", ns, strerror(-rc));
			_exit(126);
		}
		for (int i = 0; env && env[i]; i++)
			putenv(env[i]);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s (install it)", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		double el;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (el >= timeout) {
			kill(pid, SIGKILL);
			snprintf(out + olen, sizeof(out) - olen, "%stimed out after %.0f s",
				 olen ? "; " : "", timeout);
			olen = strlen(out);
			break;
		}
		r = poll(&pfd, 1, (int)((timeout - el) * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		char tmp[512];
		ssize_t k = read(p[0], tmp, sizeof(tmp));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (olen + (size_t)k >= sizeof(out))
			k = (ssize_t)(sizeof(out) - 1 - olen);
		memcpy(out + olen, tmp, (size_t)k);
		olen += (size_t)k;
	}
	close(p[0]);
	out[olen] = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !strstr(out, "timed out after"))
		return 0;
	if (err && errn) {
		char cmd[512];

		while (olen && (out[olen - 1] == '\n' || out[olen - 1] == ' '))
			out[--olen] = 0;
		for (char *c = out; *c; c++)
			if (*c == '\n')
				*c = ' ';
		argv_str(argv, cmd, sizeof(cmd));
		snprintf(err, errn, "'%s'%s%s failed: %s", cmd, ns ? " in namespace " : "",
			 ns ? ns : "", olen ? out : (WIFSIGNALED(status) ? "killed" : "exit status != 0"));
	}
	return -EIO;
}

/* Fork a child that enters ns and does the file operation; results through a pipe. */
static int ns_file_op(const char *ns, const char *path, const char *val, char *buf, size_t n)
{
	int p[2], status = 0;
	pid_t pid;
	char tmp[256];
	ssize_t k;
	size_t got = 0;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		close(p[0]);
		close(p[1]);
		return e;
	}
	if (pid == 0) {
		int rc = lab_enter_ns(ns, strncmp(path, "/sys/", 5) ? LAB_NS_NET : LAB_NS_SYSFS);

		close(p[0]);
		if (!rc && val)
			rc = write_small(path, val);
		if (!rc && !val)
			rc = read_small(path, tmp, sizeof(tmp));
		if (!rc && !val && write(p[1], tmp, strlen(tmp)) < 0)
			rc = -errno;
		_exit(rc ? (-rc & 0x7f) : 0);
	}
	close(p[1]);
	while ((k = read(p[0], tmp, sizeof(tmp))) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (buf && got + (size_t)k < n) {
			memcpy(buf + got, tmp, (size_t)k);
			got += (size_t)k;
		}
	}
	if (buf && n)
		buf[got < n ? got : n - 1] = 0;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status))
		return -EIO;
	return -WEXITSTATUS(status);
}

int lab_ns_write(const char *ns, const char *path, const char *val)
{
	if (!ns || !*ns)
		return write_small(path, val);
	return ns_file_op(ns, path, val, NULL, 0);
}

int lab_ns_read(const char *ns, const char *path, char *buf, size_t n)
{
	if (!ns || !*ns)
		return read_small(path, buf, n);
	return ns_file_op(ns, path, NULL, buf, n);
}

int lab_stat_start(const char *buf, size_t len, uint64_t *start)
{
	const char *p = NULL, *end = buf + len;
	int field = 2;

	for (const char *q = buf; q < end; q++)
		if (*q == ')')
			p = q;
	if (!p)
		return -EINVAL;
	p++;
	/* after ')' comes field 3 */
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		field++;
		const char *s = p;

		while (p < end && *p != ' ' && *p != '\n')
			p++;
		if (field == 22) {
			uint64_t v = 0;

			if (p == s)
				return -EINVAL;
			for (const char *c = s; c < p; c++) {
				if (*c < '0' || *c > '9' || v > UINT64_MAX / 10 - 1)
					return -EINVAL;
				v = v * 10 + (uint64_t)(*c - '0');
			}
			*start = v;
			return 0;
		}
		if (p < end && *p == '\n')
			break;
	}
	return -EINVAL;
}

int lab_proc_start(pid_t pid, uint64_t *start)
{
	char path[64];
	struct strbuf sb;
	int rc;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	sb_init(&sb);
	rc = read_file_sb(path, &sb, 4096);
	if (rc) {
		sb_release(&sb);
		return rc == -ENOENT ? -ESRCH : rc;
	}
	rc = lab_stat_start(sb.buf, sb.len, start);
	sb_release(&sb);
	return rc;
}

bool lab_proc_match(int64_t pid, uint64_t start)
{
	uint64_t s;

	if (pid <= 1 || pid > 0x7fffffff)
		return false;
	if (lab_proc_start((pid_t)pid, &s))
		return false;
	return s == start;
}

void lab_proc_kill(int64_t pid, uint64_t start, double wait)
{
	if (!lab_proc_match(pid, start))
		return;
	kill((pid_t)pid, SIGTERM);
	for (int i = 0; i < (int)(wait * 50); i++) {
		waitpid((pid_t)pid, NULL, WNOHANG);
		if (!lab_proc_match(pid, start))
			return;
		usleep(20000);
	}
	if (lab_proc_match(pid, start))
		kill((pid_t)pid, SIGKILL);
	for (int i = 0; i < 50 && lab_proc_match(pid, start); i++) {
		waitpid((pid_t)pid, NULL, WNOHANG);
		usleep(20000);
	}
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	remove(p);
	return 0;
}

int lab_rmtree(const char *path)
{
	if (access(path, F_OK))
		return 0;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) ? -errno : 0;
}

int lab_lock(void)
{
	char *p = xasprintf("%s/.lock", lab_dir());
	int fd;

	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(p);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR) {
			int e = -errno;

			close(fd);
			return e;
		}
	}
	return fd;
}
