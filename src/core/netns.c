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

int netns_discover(const char *proc_root, const char *run_root, struct netns_found **out)
{
	struct netns_found *arr = NULL;
	size_t cap = 0;
	int n = 0;
	char path[512], self_path[512];
	uint64_t self_ino, ino;
	DIR *d;
	struct dirent *de;

	proc_root = proc_dir(proc_root);
	run_root = run_dir(run_root);
	snprintf(self_path, sizeof(self_path), "%s/self/ns/net", proc_root);
	self_ino = link_inode(self_path);
	if (!self_ino)
		return -errno ? -errno : -ENOENT;
	/* The init namespace: pid 1's, or, when that is not readable (some sandboxes deny it
	 * from inside a namespace), kthreadd's: kernel threads always live in init_net. */
	snprintf(path, sizeof(path), "%s/1/ns/net", proc_root);
	ino = link_inode(path);
	if (!ino) {
		char comm[32];

		snprintf(path, sizeof(path), "%s/2/comm", proc_root);
		if (!read_small(path, comm, sizeof(comm)) && !strcmp(comm, "kthreadd")) {
			snprintf(path, sizeof(path), "%s/2/ns/net", proc_root);
			ino = link_inode(path);
		}
	}
	if (ino)
		add_found(&arr, &cap, &n, ino, path, "host", NS_HOST, 0);
	else /* no access to init's namespace (a container): ours stands for the host */
		add_found(&arr, &cap, &n, self_ino, self_path, "host", NS_HOST, 0);

	snprintf(path, sizeof(path), "%s/netns", run_root);
	d = opendir(path);
	if (d) {
		char **names = NULL;
		size_t ncap = 0, nn = 0;

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

			snprintf(path, sizeof(path), "%s/netns/%s", run_root, names[i]);
			/* an nsfs bind mount: its inode is the namespace's */
			if (!stat(path, &st))
				add_found(&arr, &cap, &n, st.st_ino, path, names[i], NS_NAMED, 0);
			free(names[i]);
		}
		free(names);
	}

	d = opendir(proc_root);
	if (d) {
		while ((de = readdir(d))) {
			char comm[64] = "", name[128];
			int pid;

			if (de->d_name[0] < '1' || de->d_name[0] > '9')
				continue;
			pid = atoi(de->d_name);
			snprintf(path, sizeof(path), "%s/%d/ns/net", proc_root, pid);
			ino = link_inode(path);
			if (!ino || have_inode(arr, n, ino))
				continue;
			snprintf(name, sizeof(name), "%s/%d/comm", proc_root, pid);
			if (read_small(name, comm, sizeof(comm)))
				snprintf(comm, sizeof(comm), "?");
			snprintf(name, sizeof(name), "pid:%d(%s)", pid, comm);
			add_found(&arr, &cap, &n, ino, path, name, NS_PROC, pid);
		}
		closedir(d);
	}
	/* our own namespace, if nothing above named it */
	add_found(&arr, &cap, &n, self_ino, self_path, "self", NS_PROC, (int)getpid());
	for (int i = 0; i < n; i++)
		arr[i].self = arr[i].inode == self_ino;
	*out = arr;
	return n;
}

void netns_found_free(struct netns_found *f, int n)
{
	for (int i = 0; i < n; i++)
		if (f[i].fd >= 0)
			close(f[i].fd);
	free(f);
}

static int send_fd(int sock, int fd)
{
	char c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock, int *fd)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	ssize_t r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

	if (r < 0)
		return -errno;
	if (r != 1)
		return -EIO;
	if (c != 'f') /* the child sends an errno byte instead */
		return -(int)(unsigned char)c;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EIO;
	memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return 0;
}

int netns_sysfs_root(int nsfd, int *rootfd)
{
	int sv[2], r, status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid == 0) {
		unsigned char e = 0;
		int fd = -1, rc;

		close(sv[0]);
		/* A private mount namespace of our own: the sysfs mounted there is seen by
		 * nobody else, and the fd keeps it alive after this child exits. Mounted
		 * read-write although we only read: the kernel shares one sysfs superblock
		 * per network namespace, and the first mount's read-only flag sticks to it,
		 * so a read-only mount held here made every later writer in that namespace
		 * (lab up setting RPS, tune apply sysfs:...) fail with EROFS while it lived. */
		rc = netns_enter(nsfd);
		if (!rc)
			rc = sysfs_private(0);
		if (rc)
			e = (unsigned char)-rc;
		if (!e) {
			fd = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				e = (unsigned char)errno;
		}
		if (e || send_fd(sv[1], fd)) {
			if (!e)
				e = EIO;
			(void)!write(sv[1], &e, 1);
		}
		_exit(0);
	}
	close(sv[1]);
	r = recv_fd(sv[0], rootfd);
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return r;
}
