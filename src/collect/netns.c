/* netns.c: namespace discovery by inode over /run/netns and /proc/PID/ns/net, and the
 * per-namespace sysfs: sysfs shows the devices of the namespace that mounted it, so a
 * child process unshares its mount namespace, enters the netns, mounts sysfs, and hands
 * the mount's root back as an fd over a unix socket. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "netns.h"
#include "../core/util.h"

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

int netns_enter(int fd)
{
	return setns(fd, CLONE_NEWNET) ? -errno : 0;
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
		int fd = -1;

		close(sv[0]);
		/* A private mount namespace of our own: a sysfs stacked on /sys here is seen by
		 * nobody else, and the fd keeps it alive after this child exits. */
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    setns(nsfd, CLONE_NEWNET) ||
		    mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL))
			e = (unsigned char)errno;
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
