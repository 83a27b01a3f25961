/* netns.h: the one place that opens and enters network namespaces (setns is called
 * nowhere else): open a namespace by name, path, pid or inode; enter it and come back;
 * run a function inside it, with or without a private /sys; discover every namespace.
 *
 * Names live under RUN_ROOT/netns (iproute2's /run/netns); every function that takes a
 * name takes the run root too (NULL: NETNS_RUN_ROOT), so replayed or test trees work.
 *
 * Mount propagation, the one rule: entering "with sysfs" unshares the mount namespace,
 * makes "/" recursively a SLAVE (MS_SLAVE | MS_REC), detaches /sys and mounts a sysfs
 * made inside the target namespace (sysfs shows the devices of the namespace that mounted
 * it), as `ip netns exec` does. Slave, not private: nothing mounted in there (the new
 * /sys) propagates back to the host, yet mounts the host makes later still propagate in,
 * so a long-lived child (a lab daemon, a command run in a namespace) keeps seeing new
 * /run/netns names and /run/openvswitch like every other process. A private /sys cannot
 * be taken back: entering with sysfs is for a child that exits or execs (netns_run,
 * netns_sysfs_root, the lab's command runner), never for a thread that restores. */
#ifndef DPTUNE_NETNS_H
#define DPTUNE_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "util.h"

#define NETNS_RUN_ROOT "/run"

/* Where a discovered namespace came from. */
enum netns_source { NS_HOST, NS_NAMED, NS_PROC, NS_RECORDED };

/* Entering modes. */
enum netns_flags {
	NETNS_SYSFS = 1 << 0,   /* also a private mount namespace with this netns's /sys */
};

/* Opening. Each returns an O_RDONLY | O_CLOEXEC fd on a network namespace (the caller
 * closes it), or -errno: -ENOENT when there is no such namespace, -EINVAL when the name or
 * path is not one (a name with '/', "." or "..", a file that is not a network namespace).
 * The fd keeps the namespace alive; entering it does not need the name any more. */
int netns_open_name(const char *run_root, const char *name) MUST_CHECK;
int netns_open_path(const char *path) MUST_CHECK;
/* The namespace of process pid under proc_root (NULL: "/proc"); -ENOENT: no such pid. */
int netns_open_pid(const char *proc_root, pid_t pid) MUST_CHECK;
/* The namespace with this nsfs inode: ours, a name under run_root, or a process's. */
int netns_open_inode(const char *proc_root, const char *run_root, uint64_t inode) MUST_CHECK;
/* The namespace the calling thread is in now. */
int netns_open_self(void) MUST_CHECK;
/* True when run_root/netns/name exists (a named namespace, as `ip netns list` sees it). */
bool netns_name_exists(const char *run_root, const char *name);
/* The nsfs inode of a namespace fd (what /proc/PID/ns/net links to: net:[INODE]). */
int netns_inode(int fd, uint64_t *inode) MUST_CHECK;

/* Entering. netns_enter moves the calling thread into the namespace fd (network only).
 * With NETNS_SYSFS, netns_enter_flags also gives the thread a private /sys (see the top
 * of this file); that cannot be undone, so use it only in a child that exits or execs.
 * netns_enter_name opens by name, enters, closes. 0 or -errno. */
int netns_enter(int fd) MUST_CHECK;
int netns_enter_flags(int fd, unsigned flags) MUST_CHECK;
int netns_enter_name(const char *run_root, const char *name, unsigned flags) MUST_CHECK;

/* Enter and come back. netns_switch saves the calling thread's namespace in *saved (when
 * *saved < 0; an fd already saved is kept, so switching twice returns to the first) and
 * enters fd; on failure the thread has not moved. netns_restore enters *saved, closes it
 * and sets it to -1 (a no-op when *saved < 0). 0 or -errno; a failed restore leaves the
 * thread where it was and says so (-errno): the caller must not go on as if home. */
int netns_switch(int fd, int *saved) MUST_CHECK;
int netns_restore(int *saved) MUST_CHECK;

/* Run fn(arg, out, outlen) inside the namespace fd and return what fn returned (or
 * -errno when the namespace could not be entered or left).
 * flags 0: in this thread (switch, fn, restore): fn's side effects stay.
 * NETNS_SYSFS: in a forked child with a private /sys, so /sys/class/net lists that
 * namespace's devices; only out (outlen bytes, may be NULL/0) comes back from the child. */
typedef int (*netns_fn)(void *arg, void *out, size_t outlen);
int netns_run(int fd, unsigned flags, netns_fn fn, void *arg, void *out, size_t outlen)
	MUST_CHECK;

/* Open an O_PATH fd to a read-only sysfs mounted inside the namespace nsfd (done in a
 * short-lived child with its own mount namespace; the fd keeps the mount alive after the
 * child exits). Collectors read through it with openat(). 0/-errno. */
int netns_sysfs_root(int nsfd, int *rootfd) MUST_CHECK;

/* Discovery. */
struct netns_found {
	uint64_t inode;
	int fd;                 /* -1: discovery only names it; open path to enter it */
	char path[320];         /* RUN_ROOT/netns/NAME or /proc/PID/ns/net */
	char name[128];
	enum netns_source source;
	int pid;
	bool self;              /* the namespace this process is in */
};

/* List namespaces: the init namespace first (named "host"), then run_root/netns entries,
 * then those of processes (/proc/PID/ns/net), deduplicated by inode; the one this process
 * is in is marked self (when it is not the host's it keeps its run_root/netns name, or is
 * called "self"). proc_root/run_root as given.
 * Nothing is opened: inodes come from stat() and readlink() ("net:[N]"), so a steady
 * state costs no file descriptors; open f->path for a namespace not seen before.
 * Returns count (>= 1) in *out (caller frees with netns_found_free), or -errno. */
int netns_discover(const char *proc_root, const char *run_root, struct netns_found **out);
void netns_found_free(struct netns_found *f, int n);

/* Discovery that remembers, for a monitor that discovers at every sample. It answers
 * what netns_discover would, but re-reads only what a cheap signal says may have
 * changed: run_root/netns is re-listed when a mount comes or goes (poll on
 * /proc/self/mountinfo: ip netns add and del mount and unmount) or the directory's time
 * moves; /proc is re-listed when a process was created since (the last pid in
 * /proc/loadavg moved: then only new pids cost a readlink) or when the first process of
 * a process-held namespace exited (a pidfd per such process); a new process is re-read
 * at the next three calls (the usual mover: fork, then unshare or setns); and everything
 * is re-read every second, or every N/100 seconds with N processes (an older process
 * moving itself with unshare or setns sends no signal; a readlink per process every
 * second was 0.55 % of a core with 1,000 of them). With a proc_root other than /proc
 * everything is re-read every time.
 * netns_watch_discover: count (>= 1) or -errno; *out is the watch's own array, valid
 * until the next call (do not free it, do not close its fds: they are -1); *same is true
 * when nothing was re-read and *out is the previous answer. */
struct netns_watch;
struct netns_watch *netns_watch_new(const char *proc_root, const char *run_root);
void netns_watch_free(struct netns_watch *w);
int netns_watch_discover(struct netns_watch *w, const struct netns_found **out, bool *same)
	MUST_CHECK;

#endif
