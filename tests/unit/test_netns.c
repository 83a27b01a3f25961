/* test_netns.c: the namespace module (core/netns.h). Errors for names, paths, pids and
 * inodes that are not namespaces run as anyone; as root the test makes a namespace
 * (`ip netns add dptune-ut-PID`, with a veth pair inside), binds it under a temporary run
 * root too, and checks opening by name (both run roots), path, pid and inode, entering and
 * restoring, running a function inside with and without a private /sys, the sysfs root fd,
 * and the mount-propagation rule (a slave: our /sys never reaches the parent). Without
 * root those tests are skipped, saying why. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "core/netns.h"

static struct {
	bool ready;             /* root, and the namespace exists */
	char why[160];          /* why the root tests are skipped */
	char name[64];          /* under /run/netns */
	char alt_root[64];      /* a temporary run root ... */
	char alt_path[128];     /* ... with netns/alt bound to the same namespace */
	uint64_t ino;           /* the namespace's inode */
	uint64_t home;          /* ours */
} T;

static uint64_t thread_ns_inode(void)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st))
		return 0;
	return (uint64_t)st.st_ino;
}

static uint64_t fd_inode(int fd)
{
	uint64_t ino = 0;

	assert_true(fd >= 0);
	assert_int_equal(netns_inode(fd, &ino), 0);
	return ino;
}

static int make_lab(void)
{
	char cmd[256], dir[128], src[128];
	int fd;

	T.home = thread_ns_inode();
	if (geteuid() != 0) {
		snprintf(T.why, sizeof(T.why), "not root: cannot create a network namespace");
		return 0;
	}
	snprintf(T.name, sizeof(T.name), "dptune-ut-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "ip netns add %s 2>/dev/null && "
		 "ip -n %s link add dutv0 type veth peer name dutv1", T.name, T.name);
	if (system(cmd)) {
		snprintf(T.why, sizeof(T.why), "'ip netns add %s' or a veth in it failed", T.name);
		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", T.name);
		(void)!system(cmd);
		T.name[0] = '\0';
		return 0;
	}
	snprintf(T.alt_root, sizeof(T.alt_root), "/tmp/dptune-ut-netns.XXXXXX");
	if (!mkdtemp(T.alt_root)) {
		snprintf(T.why, sizeof(T.why), "mkdtemp: %s", strerror(errno));
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/netns", T.alt_root);
	snprintf(T.alt_path, sizeof(T.alt_path), "%s/netns/alt", T.alt_root);
	snprintf(src, sizeof(src), "/run/netns/%s", T.name);
	if (mkdir(dir, 0755) || (fd = open(T.alt_path, O_CREAT | O_WRONLY, 0644)) < 0) {
		snprintf(T.why, sizeof(T.why), "cannot make %s: %s", T.alt_path, strerror(errno));
		return 0;
	}
	close(fd);
	if (mount(src, T.alt_path, NULL, MS_BIND, NULL)) {
		snprintf(T.why, sizeof(T.why), "cannot bind %s: %s", T.alt_path, strerror(errno));
		return 0;
	}
	fd = netns_open_name(NULL, T.name);
	if (fd < 0) {
		snprintf(T.why, sizeof(T.why), "netns_open_name(%s): %s", T.name, strerror(-fd));
		return 0;
	}
	(void)!netns_inode(fd, &T.ino);
	close(fd);
	T.ready = T.ino && T.ino != T.home;
	return 0;
}

static int drop_lab(void **state)
{
	char cmd[128];

	if (T.alt_path[0]) {
		umount2(T.alt_path, MNT_DETACH);
		unlink(T.alt_path);
		snprintf(cmd, sizeof(cmd), "%s/netns", T.alt_root);
		rmdir(cmd);
		rmdir(T.alt_root);
	}
	if (T.name[0]) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s", T.name);
		(void)!system(cmd);
	}
	return 0;
}

#define NEED_LAB()                                                                 \
	do {                                                                       \
		if (!T.ready) {                                                    \
			print_message("# skipped: %s\n", T.why[0] ? T.why : "no lab"); \
			skip();                                                    \
		}                                                                  \
	} while (0)

/* Errors, as anyone. */
static void test_errors(void **state)
{
	char name[64];

	snprintf(name, sizeof(name), "dptune-ut-none-%d", (int)getpid());
	assert_int_equal(netns_open_name(NULL, name), -ENOENT);
	assert_int_equal(netns_open_name("/nonexistent-run-root", "x"), -ENOENT);
	assert_false(netns_name_exists(NULL, name));
	assert_int_equal(netns_open_name(NULL, ""), -EINVAL);
	assert_int_equal(netns_open_name(NULL, NULL), -EINVAL);
	assert_int_equal(netns_open_name(NULL, "a/b"), -EINVAL);
	assert_int_equal(netns_open_name(NULL, "."), -EINVAL);
	assert_int_equal(netns_open_name(NULL, ".."), -EINVAL);
	assert_false(netns_name_exists(NULL, ".."));
	/* a file, and a namespace of another type: not network namespaces */
	assert_int_equal(netns_open_path("/proc/self/stat"), -EINVAL);
	assert_int_equal(netns_open_path("/proc/self/ns/uts"), -EINVAL);
	assert_int_equal(netns_open_path("/nonexistent"), -ENOENT);
	assert_int_equal(netns_open_path(""), -EINVAL);
	assert_int_equal(netns_open_pid(NULL, 0), -EINVAL);
	assert_int_equal(netns_open_pid(NULL, 0x3fffffff), -ENOENT);
	assert_int_equal(netns_open_inode(NULL, NULL, 1), -ENOENT);
	assert_int_equal(netns_open_inode(NULL, NULL, 0), -EINVAL);
}

/* Our own namespace by path, pid and inode, as anyone. */
static void test_open_self(void **state)
{
	uint64_t home = thread_ns_inode();
	int fd;

	assert_true(home != 0);
	fd = netns_open_self();
	assert_int_equal(fd_inode(fd), home);
	close(fd);
	fd = netns_open_path("/proc/self/ns/net");
	assert_int_equal(fd_inode(fd), home);
	close(fd);
	fd = netns_open_pid(NULL, getpid());
	assert_int_equal(fd_inode(fd), home);
	close(fd);
	fd = netns_open_inode(NULL, NULL, home);
	assert_int_equal(fd_inode(fd), home);
	close(fd);
}

/* By name under /run and under another run root, by path and by inode. */
static void test_open_name_root_inode(void **state)
{
	char alt[64];
	int fd;

	NEED_LAB();
	fd = netns_open_name(NULL, T.name);
	assert_int_equal(fd_inode(fd), T.ino);
	close(fd);
	assert_true(netns_name_exists(NULL, T.name));
	/* the run root is honoured: "alt" lives only in ours, T.name only in /run */
	fd = netns_open_name(T.alt_root, "alt");
	assert_int_equal(fd_inode(fd), T.ino);
	close(fd);
	assert_true(netns_name_exists(T.alt_root, "alt"));
	assert_int_equal(netns_open_name(T.alt_root, T.name), -ENOENT);
	snprintf(alt, sizeof(alt), "alt");
	if (!netns_name_exists(NULL, alt))
		assert_int_equal(netns_open_name(NULL, alt), -ENOENT);
	fd = netns_open_path(T.alt_path);
	assert_int_equal(fd_inode(fd), T.ino);
	close(fd);
	/* by inode: found under /run/netns, or under the other run root, nowhere else */
	fd = netns_open_inode(NULL, NULL, T.ino);
	assert_int_equal(fd_inode(fd), T.ino);
	close(fd);
	fd = netns_open_inode(NULL, T.alt_root, T.ino);
	assert_int_equal(fd_inode(fd), T.ino);
	close(fd);
	assert_int_equal(netns_open_inode(NULL, "/nonexistent-run-root", T.ino), -ENOENT);
}

/* By pid: a child that entered the namespace. */
static void test_open_pid(void **state)
{
	int p[2], fd;
	char c = 0;
	pid_t pid;

	NEED_LAB();
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		c = netns_enter_name(NULL, T.name, 0) ? 'e' : 'k';
		(void)!write(p[1], &c, 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	assert_int_equal(c, 'k');
	fd = netns_open_pid(NULL, pid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(fd_inode(fd), T.ino);
	close(fd);
}

/* Enter and restore, in this thread. */
static void test_switch_restore(void **state)
{
	int fd, saved = -1, other = -1;

	NEED_LAB();
	fd = netns_open_name(NULL, T.name);
	assert_true(fd >= 0);
	assert_int_equal(netns_switch(fd, &saved), 0);
	assert_true(saved >= 0);
	assert_int_equal(thread_ns_inode(), T.ino);
	/* switching again keeps the first saved namespace */
	other = saved;
	assert_int_equal(netns_switch(fd, &saved), 0);
	assert_int_equal(saved, other);
	assert_int_equal(netns_restore(&saved), 0);
	assert_int_equal(saved, -1);
	assert_int_equal(thread_ns_inode(), T.home);
	assert_int_equal(netns_restore(&saved), 0); /* nothing saved: no-op */
	/* a bad fd: the thread does not move and nothing stays saved */
	assert_int_equal(netns_switch(-1, &saved), -EBADF);
	assert_int_equal(saved, -1);
	assert_int_equal(thread_ns_inode(), T.home);
	close(fd);
}

struct probe {
	int calls;
};

/* Reports the namespace inode it ran in and whether its /sys shows dutv0. */
static int probe_fn(void *arg, void *out, size_t n)
{
	struct probe *pr = arg;
	struct stat st;

	pr->calls++;
	if (stat("/proc/thread-self/ns/net", &st))
		return -errno;
	snprintf(out, n, "%llu %s", (unsigned long long)st.st_ino,
		 access("/sys/class/net/dutv0", F_OK) ? "nosys" : "sys");
	return 0;
}

static int fail_fn(void *arg, void *out, size_t n)
{
	snprintf(out, n, "clobbered");
	return -EDOM;
}

static void test_run(void **state)
{
	struct probe pr = { 0 };
	char out[64], want[64];
	int fd;

	NEED_LAB();
	fd = netns_open_name(NULL, T.name);
	assert_true(fd >= 0);
	/* in this thread: our /sys is the host's, side effects stay, we come back */
	assert_int_equal(netns_run(fd, 0, probe_fn, &pr, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%llu nosys", (unsigned long long)T.ino);
	assert_string_equal(out, want);
	assert_int_equal(pr.calls, 1);
	assert_int_equal(thread_ns_inode(), T.home);
	/* in a child with a private /sys: it lists the namespace's devices */
	assert_int_equal(netns_run(fd, NETNS_SYSFS, probe_fn, &pr, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%llu sys", (unsigned long long)T.ino);
	assert_string_equal(out, want);
	assert_int_equal(pr.calls, 1); /* the child's copy was counted, not ours */
	assert_int_equal(thread_ns_inode(), T.home);
	assert_int_not_equal(access("/sys/class/net/dutv0", F_OK), 0); /* nothing leaked */
	/* fn's error comes back, and out is left alone */
	snprintf(out, sizeof(out), "untouched");
	assert_int_equal(netns_run(fd, NETNS_SYSFS, fail_fn, NULL, out, sizeof(out)), -EDOM);
	assert_string_equal(out, "untouched");
	assert_int_equal(netns_run(fd, 0, fail_fn, NULL, out, sizeof(out)), -EDOM);
	assert_int_equal(thread_ns_inode(), T.home);
	close(fd);
}

static void test_sysfs_root(void **state)
{
	int fd, root = -1;

	NEED_LAB();
	fd = netns_open_name(NULL, T.name);
	assert_true(fd >= 0);
	assert_int_equal(netns_sysfs_root(fd, &root), 0);
	assert_true(root >= 0);
	assert_int_equal(faccessat(root, "class/net/dutv0", F_OK, 0), 0);
	assert_int_equal(faccessat(root, "class/net/lo", F_OK, 0), 0);
	close(root);
	close(fd);
	assert_int_equal(thread_ns_inode(), T.home);
}

/* The propagation rule. In a child whose "/" is shared, a grandchild enters with sysfs:
 * its "/" must be a slave (master:N, not shared), it sees the namespace's devices, and its
 * /sys must not propagate back to the child (with a shared "/" it would). */
static int propagation_child(void)
{
	char line[512];
	FILE *f;
	pid_t pid;
	int st, fd = netns_open_name(NULL, T.name);

	if (fd < 0)
		return 10;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL))
		return 11;
	pid = fork();
	if (pid < 0)
		return 12;
	if (pid == 0) {
		int rc = 0;

		if (netns_enter_flags(fd, NETNS_SYSFS))
			_exit(20);
		f = fopen("/proc/self/mountinfo", "r");
		if (!f)
			_exit(21);
		while (fgets(line, sizeof(line), f)) {
			char mnt[256];

			if (sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1 && !strcmp(mnt, "/"))
				rc = strstr(line, " master:") && !strstr(line, " shared:") ? 0 : 22;
		}
		fclose(f);
		if (!rc && access("/sys/class/net/dutv0", F_OK))
			rc = 23;
		_exit(rc);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 13;
	if (WEXITSTATUS(st))
		return WEXITSTATUS(st);
	return access("/sys/class/net/dutv0", F_OK) ? 0 : 14; /* leaked back: 14 */
}

static void test_propagation(void **state)
{
	pid_t pid;
	int st;

	NEED_LAB();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(propagation_child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	/* 2x: enter/mountinfo/sysfs in the grandchild, 14: our /sys leaked to the parent */
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(thread_ns_inode(), T.home);
}

/* Entering by name with another run root, in a child (no way back by design). */
static void test_enter_name_root(void **state)
{
	pid_t pid;
	int st;

	NEED_LAB();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (netns_enter_name(T.alt_root, T.name, 0) != -ENOENT)
			_exit(1);
		if (netns_enter_name(T.alt_root, "alt", 0))
			_exit(2);
		_exit(thread_ns_inode() == T.ino ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* Is pid the process a discovery names for a namespace? */
static bool found_pid(const struct netns_found *f, int n, int pid)
{
	for (int i = 0; i < n; i++)
		if (f[i].source == NS_PROC && f[i].pid == pid)
			return true;
	return false;
}

/* Where is ino in a discovery: its source, or -1. */
static int found_src(const struct netns_found *f, int n, uint64_t ino, const char **name)
{
	for (int i = 0; i < n; i++)
		if (f[i].inode == ino) {
			if (name)
				*name = f[i].name;
			return (int)f[i].source;
		}
	return -1;
}

/* The discovery a monitor keeps (netns_watch): it answers what netns_discover answers,
 * and a change is seen at the very next call, with no waiting for the once-a-second
 * rescan: an unmount under the run root (the mountinfo signal), a process holding the
 * namespace appearing (a new pid) and exiting (its pidfd). Other programs may enter the
 * namespace meanwhile (any dptune on this host forks a child into every namespace it
 * reads), so what must be gone is checked by name and pid, not by inode. */
static void test_watch(void **state)
{
	struct netns_watch *w;
	const struct netns_found *f;
	struct netns_found *once;
	const char *name = NULL;
	char src[128];
	int n, n1, p[2];
	bool same;
	pid_t pid;
	char c = 0;

	NEED_LAB();
	w = netns_watch_new(NULL, T.alt_root);
	n = netns_watch_discover(w, &f, &same);
	assert_true(n >= 1);
	assert_false(same);
	assert_int_equal(found_src(f, n, T.ino, &name), NS_NAMED);
	assert_string_equal(name, "alt");
	assert_int_equal(f[0].source, NS_HOST);
	/* the same answer as a one-shot discovery */
	n1 = netns_discover(NULL, T.alt_root, &once);
	assert_true(n1 >= 1);
	assert_int_equal(found_src(once, n1, T.ino, NULL), NS_NAMED);
	assert_int_equal(once[0].inode, f[0].inode);
	netns_found_free(once, n1);
	/* unbound: gone at the next call */
	assert_int_equal(umount2(T.alt_path, MNT_DETACH), 0);
	n = netns_watch_discover(w, &f, &same);
	assert_false(same);
	assert_int_not_equal(found_src(f, n, T.ino, NULL), NS_NAMED);
	/* a process enters it: found by its pid at the next call */
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		c = netns_enter_name(NULL, T.name, 0) ? 'e' : 'k';
		(void)!write(p[1], &c, 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	assert_int_equal(c, 'k');
	n = netns_watch_discover(w, &f, &same);
	assert_false(same);
	assert_int_equal(found_src(f, n, T.ino, NULL), NS_PROC);
	/* it exits: gone at the next call */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	n = netns_watch_discover(w, &f, &same);
	assert_false(same);
	assert_false(found_pid(f, n, pid));
	/* bound again: back at the next call */
	snprintf(src, sizeof(src), "/run/netns/%s", T.name);
	assert_int_equal(mount(src, T.alt_path, NULL, MS_BIND, NULL), 0);
	n = netns_watch_discover(w, &f, &same);
	assert_false(same);
	assert_int_equal(found_src(f, n, T.ino, &name), NS_NAMED);
	assert_string_equal(name, "alt");
	netns_watch_free(w);
}

/* A process the watch saw start, which then moves itself into a namespace no name and no
 * other process holds (runc, ip netns exec, unshare -n: fork, then setns or unshare): no
 * signal tells, and the full rescan comes only every second or more (one per 100
 * processes a second). A new pid is re-read at the next discoveries, so the move is seen
 * at the very next call. (Were the calls a second apart, the full rescan would see it
 * too: this test cannot fail from slowness, only miss a regression on a slow run.) */
static void test_watch_young(void **state)
{
	char empty[] = "/tmp/dptune-ut-norun.XXXXXX", c = 0;
	struct netns_watch *w;
	const struct netns_found *f;
	int n, ready[2], go[2];
	bool same;
	pid_t pid;

	NEED_LAB();
	assert_non_null(mkdtemp(empty)); /* no names: the namespace is found by its process */
	w = netns_watch_new(NULL, empty);
	n = netns_watch_discover(w, &f, &same);
	assert_true(n >= 1);
	assert_int_equal(found_src(f, n, T.ino, NULL), -1);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		(void)!write(ready[1], "r", 1);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		c = netns_enter_name(NULL, T.name, 0) ? 'e' : 'k';
		(void)!write(ready[1], &c, 1);
		/* until killed, or the test process is gone (a failed assertion leaves no
		 * child behind): the end of the pipe */
		alarm(60);
		while (read(go[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	/* seen in our namespace: a new pid */
	n = netns_watch_discover(w, &f, &same);
	assert_false(same);
	assert_int_equal(found_src(f, n, T.ino, NULL), -1);
	/* it moves itself: no new pid, no mount */
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(c, 'k');
	n = netns_watch_discover(w, &f, &same);
	assert_false(same);
	assert_int_equal(found_src(f, n, T.ino, NULL), NS_PROC);
	assert_true(found_pid(f, n, pid));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ready[0]);
	close(go[1]);
	netns_watch_free(w);
	rmdir(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_open_self),
		cmocka_unit_test(test_open_name_root_inode),
		cmocka_unit_test(test_open_pid),
		cmocka_unit_test(test_switch_restore),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_sysfs_root),
		cmocka_unit_test(test_propagation),
		cmocka_unit_test(test_enter_name_root),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_watch_young),
	};
	int r;

	make_lab();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	drop_lab(NULL);
	return r;
}
