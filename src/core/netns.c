/* netns.c: the namespace module. Opening a network namespace by name (under the run
 * root), path, pid or inode; entering it and coming back; running a function inside it,
 * in this thread or in a child with a private sysfs; the per-namespace sysfs root the
 * collectors read through (sysfs shows the devices of the namespace that mounted it, so a
 * child enters the netns, mounts sysfs and hands the mount's root back as an fd over a
 * unix socket); and discovery by inode over RUN_ROOT/netns and /proc/PID/ns/net.
 * The only file that calls setns(); netns.h says which mount propagation and why. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <poll.h>
#include <unistd.h>
#include "netns.h"

static const char *run_dir(const char *run_root)
{
	return run_root && *run_root ? run_root : NETNS_RUN_ROOT;
}

static const char *proc_dir(const char *proc_root)
{
	return proc_root && *proc_root ? proc_root : "/proc";
}

/* A name `ip netns` would accept: not empty, no '/', not "." or "..". */
static bool name_ok(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

/* 0 when fd is a network namespace (a file on nsfs of type CLONE_NEWNET), else -EINVAL. */
static int check_netns_fd(int fd)
{
	struct statfs sfs;
	int type;

	if (fstatfs(fd, &sfs))
		return -errno;
	if (sfs.f_type != NSFS_MAGIC)
		return -EINVAL;
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0) /* kernels before 4.11 lack the ioctl: nsfs is all we can tell */
		return errno == ENOTTY ? 0 : -errno;
	return type == CLONE_NEWNET ? 0 : -EINVAL;
}

int netns_open_path(const char *path)
{
	int fd, r;

	if (!path || !*path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = check_netns_fd(fd);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

int netns_open_name(const char *run_root, const char *name)
{
	char path[PATH_MAX];

	if (!name_ok(name))
		return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s/netns/%s", run_dir(run_root), name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	return netns_open_path(path);
}

int netns_open_pid(const char *proc_root, pid_t pid)
{
	char path[PATH_MAX];

	if (pid <= 0)
		return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%d/ns/net", proc_dir(proc_root), (int)pid) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	return netns_open_path(path);
}

int netns_open_self(void)
{
	return netns_open_path("/proc/thread-self/ns/net");
}

int netns_inode(int fd, uint64_t *inode)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	*inode = (uint64_t)st.st_ino;
	return 0;
}

int netns_open_inode(const char *proc_root, const char *run_root, uint64_t inode)
{
	struct netns_found *f = NULL;
	int n, r = -ENOENT;

	if (!inode)
		return -EINVAL;
	n = netns_discover(proc_dir(proc_root), run_dir(run_root), &f);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		uint64_t ino;
		int fd;

		if (f[i].inode != inode)
			continue;
		fd = netns_open_path(f[i].path);
		/* the path may name another namespace by now (a pid reused): check */
		if (fd >= 0 && (netns_inode(fd, &ino) || ino != inode)) {
			close(fd);
			fd = -ENOENT;
		}
		r = fd;
		break;
	}
	netns_found_free(f, n);
	return r;
}

bool netns_name_exists(const char *run_root, const char *name)
{
	char path[PATH_MAX];

	if (!name_ok(name))
		return false;
	if ((size_t)snprintf(path, sizeof(path), "%s/netns/%s", run_dir(run_root), name) >=
	    sizeof(path))
		return false;
	return access(path, F_OK) == 0;
}

int netns_enter(int fd)
{
	return setns(fd, CLONE_NEWNET) ? -errno : 0;
}

/* A private /sys for the namespace we are in: our own mount namespace, "/" a recursive
 * slave (the rule in netns.h), the old /sys detached and a new sysfs mounted there. When
 * /sys cannot be detached a new sysfs is stacked on it; a read-only one cannot be
 * shadowed by a read-write one, so it is then mounted read-only (as iproute2 does). */
static int sysfs_private(unsigned long flags)
{
	struct statvfs sv;

	if (unshare(CLONE_NEWNS))
		return -errno;
	if (mount("none", "/", NULL, MS_SLAVE | MS_REC, NULL))
		return -errno;
	if (umount2("/sys", MNT_DETACH) && !statvfs("/sys", &sv) && (sv.f_flag & ST_RDONLY))
		flags |= MS_RDONLY;
	if (mount("sysfs", "/sys", "sysfs", flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return -errno;
	return 0;
}

int netns_enter_flags(int fd, unsigned flags)
{
	int r = netns_enter(fd);

	if (!r && (flags & NETNS_SYSFS))
		r = sysfs_private(0);
	return r;
}

int netns_enter_name(const char *run_root, const char *name, unsigned flags)
{
	int fd = netns_open_name(run_root, name), r;

	if (fd < 0)
		return fd;
	r = netns_enter_flags(fd, flags);
	close(fd);
	return r;
}

int netns_switch(int fd, int *saved)
{
	bool opened = false;
	int r;

	if (*saved < 0) {
		int self = netns_open_self();

		if (self < 0)
			return self;
		*saved = self;
		opened = true;
	}
	r = netns_enter(fd);
	if (r && opened) {
		close(*saved);
		*saved = -1;
	}
	return r;
}

int netns_restore(int *saved)
{
	int r;

	if (*saved < 0)
		return 0;
	r = netns_enter(*saved);
	close(*saved);
	*saved = -1;
	return r;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t k = read(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) /* EOF: the child died before it answered */
			return k < 0 ? -errno : -EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* fn in a forked child that entered fd with flags: its result, then out, over a pipe. */
static int run_in_child(int fd, unsigned flags, netns_fn fn, void *arg, void *out,
			size_t outlen)
{
	int p[2], r, rc = -EIO, status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		close(p[0]);
		rc = netns_enter_flags(fd, flags);
		if (!rc)
			rc = fn(arg, out, outlen);
		if (!write_all(p[1], &rc, sizeof(rc)) && !rc && out && outlen)
			(void)!write_all(p[1], out, outlen);
		_exit(0);
	}
	close(p[1]);
	r = read_all(p[0], &rc, sizeof(rc));
	if (!r && !rc && out && outlen)
		r = read_all(p[0], out, outlen);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return r ? r : rc;
}

int netns_run(int fd, unsigned flags, netns_fn fn, void *arg, void *out, size_t outlen)
{
	int saved = -1, r, back;

	if (flags & NETNS_SYSFS)
		return run_in_child(fd, flags, fn, arg, out, outlen);
	r = netns_switch(fd, &saved);
	if (r)
		return r;
	r = fn(arg, out, outlen);
	back = netns_restore(&saved);
	return back ? back : r;
}

static bool have_inode(const struct netns_found *arr, int n, uint64_t ino)
{
	for (int i = 0; i < n; i++)
		if (arr[i].inode == ino)
			return true;
	return false;
}

/* ---- discovery ----
 * A watch keeps what the last discovery found and the cheap signals that tell when it
 * may be stale (netns.h); netns_discover is a watch used once. */

struct pid_ns {
	int pid;
	uint64_t ino; /* 0: no readable namespace (a zombie, a race) */
	uint8_t recheck; /* re-reads still due: a new process may move itself just after */
};

struct netns_watch {
	char proc[256], run[256];
	bool live;               /* proc is this system's /proc: its pids are ours */
	bool primed;
	double last_full;        /* now_mono() of the last full rescan */
	uint64_t self_ino;
	struct netns_found host; /* the init namespace, or ours standing for it */
	/* named: run/netns */
	struct netns_found *named;
	int nnamed;
	size_t named_cap;
	int mnt_fd;              /* proc/self/mountinfo: POLLPRI when a mount comes or goes */
	bool run_have;
	struct stat run_st;
	/* processes */
	struct pid_ns *pids;
	size_t npids, pids_cap;
	int loadavg_fd;
	long last_pid;           /* the last pid the kernel handed out (/proc/loadavg) */
	bool no_pidfd;
	int *pidfd;              /* one per NS_PROC entry of found, in that order (-1: none) */
	size_t npidfd, pidfd_cap;
	bool procs_stale;        /* a pidfd could not be opened: rescan next time */
	size_t nyoung;           /* pids with recheck > 0 */
	bool pids_scanned;       /* /proc was listed before (its pids are not young) */
	/* the answer */
	struct netns_found *found;
	int nfound;
	size_t found_cap;
};

/* Full rescans catch what no signal reports: a process that moves itself into another
 * namespace with unshare() or setns(). They cost a readlink per process (about 5 us: a
 * full rescan every second was 0.55 % of a core with 1,000 processes, five times all
 * the rest of `record -i 1` on a quiet host), so they happen every NETNS_FULL_RESCAN
 * seconds, or as many seconds as it takes to re-read NETNS_RESCAN_PIDS processes a
 * second when there are more. The usual mover is a new process (runc, ip netns exec,
 * unshare -n: fork, then unshare or setns, then exec): each new pid is re-read at the
 * NETNS_YOUNG_RECHECKS discoveries after the one that found it, so a move made just
 * after our scan saw its fork is seen at the next sample, not at the next full rescan. */
#define NETNS_FULL_RESCAN 1.0
#define NETNS_RESCAN_PIDS 100.0
#define NETNS_YOUNG_RECHECKS 3

static double full_rescan_period(const struct netns_watch *w)
{
	double p = (double)w->npids / NETNS_RESCAN_PIDS;

	return p > NETNS_FULL_RESCAN ? p : NETNS_FULL_RESCAN;
}

static void add_found(struct netns_found **arr, size_t *cap, int *n, uint64_t ino,
		      const char *path, const char *name, enum netns_source src, int pid)
{
	struct netns_found *f;

	if (!ino || have_inode(*arr, *n, ino))
		return;
	grow_array((void **)arr, cap, (size_t)*n + 1, sizeof(**arr));
	f = &(*arr)[(*n)++];
	memset(f, 0, sizeof(*f));
	f->inode = ino;
	f->fd = -1;
	f->source = src;
	f->pid = pid;
	snprintf(f->path, sizeof(f->path), "%s", path);
	snprintf(f->name, sizeof(f->name), "%s", name);
}

/* The inode of a /proc/.../ns/net link, from its target "net:[4026531840]"; 0 if none. */
static uint64_t link_inode(const char *path)
{
	char buf[64];
	ssize_t r = readlink(path, buf, sizeof(buf) - 1);

	if (r < 6 || strncmp(buf, "net:[", 5))
		return 0;
	buf[r] = '\0';
	return strtoull(buf + 5, NULL, 10);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct netns_watch *netns_watch_new(const char *proc_root, const char *run_root)
{
	struct netns_watch *w = xcalloc(1, sizeof(*w));
	char path[600];

	snprintf(w->proc, sizeof(w->proc), "%s", proc_dir(proc_root));
	snprintf(w->run, sizeof(w->run), "%s", run_dir(run_root));
	w->live = !strcmp(w->proc, "/proc");
	w->mnt_fd = w->loadavg_fd = -1;
	if (w->live) {
		snprintf(path, sizeof(path), "%s/self/mountinfo", w->proc);
		w->mnt_fd = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "%s/loadavg", w->proc);
		w->loadavg_fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	return w;
}

static void close_pidfds(struct netns_watch *w)
{
	for (size_t i = 0; i < w->npidfd; i++)
		if (w->pidfd[i] >= 0)
			close(w->pidfd[i]);
	w->npidfd = 0;
}

void netns_watch_free(struct netns_watch *w)
{
	if (!w)
		return;
	close_pidfds(w);
	free(w->pidfd);
	if (w->mnt_fd >= 0)
		close(w->mnt_fd);
	if (w->loadavg_fd >= 0)
		close(w->loadavg_fd);
	free(w->named);
	free(w->pids);
	free(w->found);
	free(w);
}

/* Our namespace and the init namespace (pid 1's, or kthreadd's when pid 1's is not
 * readable: kernel threads always live in init_net; else ours stands for the host). */
static int scan_host(struct netns_watch *w)
{
	char path[600], self_path[600];
	uint64_t ino;

	snprintf(self_path, sizeof(self_path), "%s/self/ns/net", w->proc);
	w->self_ino = link_inode(self_path);
	if (!w->self_ino)
		return -errno ? -errno : -ENOENT;
	snprintf(path, sizeof(path), "%s/1/ns/net", w->proc);
	ino = link_inode(path);
	if (!ino) {
		char comm[32];

		snprintf(path, sizeof(path), "%s/2/comm", w->proc);
		if (!read_small(path, comm, sizeof(comm)) && !strcmp(comm, "kthreadd")) {
			snprintf(path, sizeof(path), "%s/2/ns/net", w->proc);
			ino = link_inode(path);
		}
	}
	if (!ino) {
		ino = w->self_ino;
		snprintf(path, sizeof(path), "%s", self_path);
	}
	memset(&w->host, 0, sizeof(w->host));
	w->host.inode = ino;
	w->host.fd = -1;
	w->host.source = NS_HOST;
	snprintf(w->host.path, sizeof(w->host.path), "%.319s", path);
	snprintf(w->host.name, sizeof(w->host.name), "host");
	return 0;
}

/* run/netns entries, sorted by name; each an nsfs bind mount whose inode is the
 * namespace's. Remembers the directory's stat for the next netns_watch_discover. */
static void scan_named(struct netns_watch *w)
{
	char path[600], **names = NULL;
	size_t ncap = 0, nn = 0;
	struct dirent *de;
	DIR *d;

	w->nnamed = 0;
	snprintf(path, sizeof(path), "%s/netns", w->run);
	w->run_have = !stat(path, &w->run_st);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		grow_array((void **)&names, &ncap, nn + 1, sizeof(*names));
		names[nn++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_name);
	for (size_t i = 0; i < nn; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/netns/%s", w->run, names[i]);
		if (!stat(path, &st))
			add_found(&w->named, &w->named_cap, &w->nnamed, st.st_ino, path, names[i],
				  NS_NAMED, 0);
		free(names[i]);
	}
	free(names);
}

/* The entry of pid in p (sorted by pid), or NULL. */
static const struct pid_ns *known_pid(const struct pid_ns *p, size_t n, int pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (p[mid].pid == pid)
			return &p[mid];
		if (p[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Re-read the young pids' namespaces (no signal since the last scan): true when one
 * moved or is gone, so the answer must be assembled again. */
static bool recheck_young(struct netns_watch *w)
{
	char path[600];
	bool moved = false;

	w->nyoung = 0;
	for (size_t i = 0; i < w->npids; i++) {
		struct pid_ns *p = &w->pids[i];
		uint64_t ino;

		if (!p->recheck)
			continue;
		p->recheck--;
		w->nyoung += p->recheck > 0;
		snprintf(path, sizeof(path), "%s/%d/ns/net", w->proc, p->pid);
		ino = link_inode(path);
		if (ino != p->ino) {
			p->ino = ino;
			moved = true;
		}
	}
	return moved;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct pid_ns *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Every process's namespace inode. reuse: a pid seen by the last scan keeps the inode it
 * had then (only new pids, and young ones, cost a readlink). A pid not seen before is
 * young: re-read at the next NETNS_YOUNG_RECHECKS discoveries. */
static void scan_pids(struct netns_watch *w, bool reuse)
{
	struct pid_ns *old = w->pids, *np = NULL;
	size_t nold = w->npids, n = 0, cap = 0;
	char path[600];
	struct dirent *de;
	DIR *d = opendir(w->proc);

	if (!d)
		return;
	w->nyoung = 0;
	while ((de = readdir(d))) {
		const struct pid_ns *was;
		uint64_t ino = 0;
		uint8_t recheck;
		int pid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = atoi(de->d_name);
		was = known_pid(old, nold, pid);
		/* the first scan's processes are not young: they were there before us */
		recheck = was ? (was->recheck ? was->recheck - 1 : 0) :
			  w->pids_scanned ? NETNS_YOUNG_RECHECKS : 0;
		if (reuse && was && !was->recheck) {
			ino = was->ino;
		} else {
			snprintf(path, sizeof(path), "%s/%d/ns/net", w->proc, pid);
			ino = link_inode(path);
		}
		grow_array((void **)&np, &cap, n + 1, sizeof(*np));
		np[n++] = (struct pid_ns){ pid, ino, recheck };
		w->nyoung += recheck > 0;
	}
	closedir(d);
	w->pids_scanned = true;
	/* readdir gives /proc in pid order today; do not depend on it */
	qsort(np, n, sizeof(*np), cmp_pid);
	free(old);
	w->pids = np;
	w->npids = n;
	w->pids_cap = cap;
}

/* The last pid the kernel handed out, from /proc/loadavg ("0.20 0.18 0.12 1/80 11206");
 * any fork or clone changes it. -1 when unknown. */
static long read_last_pid(struct netns_watch *w)
{
	char buf[128], *sp;
	ssize_t r;

	if (w->loadavg_fd < 0)
		return -1;
	r = pread(w->loadavg_fd, buf, sizeof(buf) - 1, 0);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	sp = strrchr(buf, ' ');
	return sp ? strtol(sp + 1, NULL, 10) : -1;
}

/* The previous name of a process namespace whose first process is still pid. */
static const char *prev_proc_name(const struct netns_found *f, int n, uint64_t ino, int pid)
{
	for (int i = 0; i < n; i++)
		if (f[i].inode == ino && f[i].source == NS_PROC && f[i].pid == pid)
			return f[i].name;
	return NULL;
}

static void assemble(struct netns_watch *w, bool full)
{
	struct netns_found *arr = NULL;
	size_t cap = 0;
	int n = 0;
	char path[600], self_path[600];

	add_found(&arr, &cap, &n, w->host.inode, w->host.path, w->host.name, NS_HOST, 0);
	for (int i = 0; i < w->nnamed; i++)
		add_found(&arr, &cap, &n, w->named[i].inode, w->named[i].path, w->named[i].name,
			  NS_NAMED, 0);
	for (size_t i = 0; i < w->npids; i++) {
		const struct pid_ns *p = &w->pids[i];
		char comm[64] = "", name[128];
		const char *prev;

		if (!p->ino || have_inode(arr, n, p->ino))
			continue;
		snprintf(path, sizeof(path), "%s/%d/ns/net", w->proc, p->pid);
		/* the name carries the process's comm, which an exec changes: re-read at
		 * every full rescan */
		prev = full ? NULL : prev_proc_name(w->found, w->nfound, p->ino, p->pid);
		if (prev) {
			snprintf(name, sizeof(name), "%.127s", prev);
		} else {
			char cpath[300];

			snprintf(cpath, sizeof(cpath), "%.250s/%d/comm", w->proc, p->pid);
			if (read_small(cpath, comm, sizeof(comm)))
				snprintf(comm, sizeof(comm), "?");
			snprintf(name, sizeof(name), "pid:%d(%s)", p->pid, comm);
		}
		add_found(&arr, &cap, &n, p->ino, path, name, NS_PROC, p->pid);
	}
	/* our own namespace, if nothing above named it */
	snprintf(self_path, sizeof(self_path), "%s/self/ns/net", w->proc);
	add_found(&arr, &cap, &n, w->self_ino, self_path, "self", NS_PROC, (int)getpid());
	for (int i = 0; i < n; i++)
		arr[i].self = arr[i].inode == w->self_ino;
	free(w->found);
	w->found = arr;
	w->nfound = n;
	w->found_cap = cap;
}

/* A pidfd per process namespace's first process: readable when it exits. */
static void arm_pidfds(struct netns_watch *w)
{
	close_pidfds(w);
	w->procs_stale = false;
	if (w->no_pidfd || !w->live)
		return;
	for (int i = 0; i < w->nfound; i++) {
		int fd = -1;

		if (w->found[i].source != NS_PROC)
			continue;
		fd = (int)syscall(SYS_pidfd_open, w->found[i].pid, 0);
		if (fd < 0) {
			if (errno == ENOSYS || errno == EPERM)
				w->no_pidfd = true;
			w->procs_stale = true; /* gone already, or no pidfds: rescan next time */
		}
		grow_array((void **)&w->pidfd, &w->pidfd_cap, w->npidfd + 1, sizeof(*w->pidfd));
		w->pidfd[w->npidfd++] = fd;
	}
}

/* What the signals say may have changed since the last call. */
static void watch_signals(struct netns_watch *w, bool *named, bool *procs)
{
	struct pollfd pf[256];
	size_t np = 0;
	char path[600];
	struct stat st;
	long last;

	if (w->mnt_fd < 0)
		*named = true;
	else
		pf[np++] = (struct pollfd){ .fd = w->mnt_fd, .events = POLLPRI };
	if (w->no_pidfd || !w->live || w->procs_stale || w->npidfd > ARRAY_SIZE(pf) - 1)
		*procs = true;
	else
		for (size_t i = 0; i < w->npidfd; i++)
			pf[np++] = (struct pollfd){ .fd = w->pidfd[i], .events = POLLIN };
	if (np && poll(pf, (nfds_t)np, 0) > 0) {
		for (size_t i = 0; i < np; i++) {
			if (!pf[i].revents)
				continue;
			if (pf[i].fd == w->mnt_fd)
				*named = true; /* a mount came or went: ip netns add or del */
			else
				*procs = true; /* a process holding a namespace exited */
		}
	}
	/* a name created or removed without a mount, or a change we may have raced with
	 * (the directory's time has the resolution of a clock tick: one younger than two
	 * seconds may hide a second change made just after our scan) */
	snprintf(path, sizeof(path), "%s/netns", w->run);
	if (stat(path, &st) ? w->run_have :
	    !w->run_have || st.st_ino != w->run_st.st_ino ||
	    st.st_mtim.tv_sec != w->run_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != w->run_st.st_mtim.tv_nsec ||
	    now_real() - ((double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec * 1e-9) < 2.0)
		*named = true;
	/* a new process (or thread) since the last scan: it may hold a new namespace */
	last = read_last_pid(w);
	if (last < 0 || last != w->last_pid)
		*procs = true;
	w->last_pid = last;
}

int netns_watch_discover(struct netns_watch *w, const struct netns_found **out, bool *same)
{
	double now = now_mono();
	bool full = !w->primed || now - w->last_full >= full_rescan_period(w);
	bool named = full, procs = full;

	if (!full)
		watch_signals(w, &named, &procs);
	else
		w->last_pid = read_last_pid(w);
	if (!named && !procs && (!w->nyoung || !recheck_young(w))) {
		*same = true;
		*out = w->found;
		return w->nfound;
	}
	if (full) {
		int r = scan_host(w);

		if (r)
			return r;
		w->last_full = now;
		w->primed = true;
	}
	if (named)
		scan_named(w);
	if (procs)
		scan_pids(w, !full);
	assemble(w, full);
	arm_pidfds(w);
	*same = false;
	*out = w->found;
	return w->nfound;
}

int netns_discover(const char *proc_root, const char *run_root, struct netns_found **out)
{
	struct netns_watch *w = netns_watch_new(proc_root, run_root);
	const struct netns_found *f;
	bool same;
	int n;

	w->no_pidfd = true; /* used once: no signals to arm */
	n = netns_watch_discover(w, &f, &same);
	if (n > 0) {
		*out = w->found; /* the caller frees it with netns_found_free */
		w->found = NULL;
		w->nfound = 0;
	}
	netns_watch_free(w);
	return n;
}

void netns_found_free(struct netns_found *f, int n)
{
	for (int i = 0; i < n; i++)
		if (f[i].fd >= 0)
			close(f[i].fd);
	free(f);
}

struct sysfs_req {
	int nsfd;
	int fd;  /* the /sys root, opened in the shared fd table */
	int err;
};

/* In the clone of netns_sysfs_root: it shares our memory and fd table, but not the
 * filesystem context, so unshare(CLONE_NEWNS) gives it a mount namespace of its own. */
static int sysfs_child(void *arg)
{
	struct sysfs_req *q = arg;
	int rc = netns_enter(q->nsfd);

	/* A private mount namespace of our own: the sysfs mounted there is seen by
	 * nobody else, and the fd keeps it alive after this child exits. Mounted
	 * read-write although we only read: the kernel shares one sysfs superblock
	 * per network namespace, and the first mount's read-only flag sticks to it,
	 * so a read-only mount held here made every later writer in that namespace
	 * (lab up setting RPS, tune apply sysfs:...) fail with EROFS while it lived. */
	if (!rc)
		rc = sysfs_private(0);
	if (!rc) {
		q->fd = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (q->fd < 0)
			rc = -errno;
	}
	q->err = rc;
	return 0;
}

/* A clone sharing memory and fds, the caller suspended until it exits (as vfork): no
 * copy of our page tables and fd table, which the engine makes large (thousands of
 * fds): a fork per namespace was a quarter of record's start-up CPU on 100 of them. */
int netns_sysfs_root(int nsfd, int *rootfd)
{
	struct sysfs_req q = { .nsfd = nsfd, .fd = -1, .err = -EIO };
	size_t stack_size = 64 * 1024;
	char *stack = malloc(stack_size);
	int status;
	pid_t pid;

	if (!stack)
		return -ENOMEM;
	pid = clone(sysfs_child, stack + stack_size, CLONE_VM | CLONE_FILES | CLONE_VFORK | SIGCHLD,
		    &q);
	if (pid < 0) {
		int r = -errno;

		free(stack);
		return r;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	free(stack);
	if (q.err) {
		if (q.fd >= 0)
			close(q.fd);
		return q.err;
	}
	*rootfd = q.fd;
	return 0;
}
