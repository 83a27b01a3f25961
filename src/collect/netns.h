/* netns.h: discovering network namespaces and entering them. */
#ifndef DPTUNE_NETNS_H
#define DPTUNE_NETNS_H

#include <stdbool.h>
#include <stdint.h>
#include "../model/snapshot.h"

struct netns_found {
	uint64_t inode;
	int fd;                 /* -1: discovery only names it; open path to enter it */
	char path[96];          /* /run/netns/NAME or /proc/PID/ns/net */
	char name[128];
	enum netns_source source;
	int pid;
	bool self;              /* the namespace this process is in */
};

/* List namespaces: the init namespace first (named "host"), then /run/netns entries,
 * then those of processes (/proc/PID/ns/net), deduplicated by inode; the one this process
 * is in is marked self (when it is not the host's it keeps its /run/netns name, or is
 * called "self"). proc_root/run_root as given.
 * Nothing is opened: inodes come from stat() and readlink() ("net:[N]"), so a steady
 * state costs no file descriptors; open f->path for a namespace not seen before.
 * Returns count (>= 1) in *out (caller frees with netns_found_free), or -errno. */
int netns_discover(const char *proc_root, const char *run_root, struct netns_found **out);
void netns_found_free(struct netns_found *f, int n);

/* setns() into fd; 0 or -errno. */
int netns_enter(int fd);
/* Open an O_PATH fd to a sysfs mounted inside the namespace nsfd (done in a short-lived
 * child with its own mount namespace; the fd keeps the mount alive). 0/-errno. */
int netns_sysfs_root(int nsfd, int *rootfd);

#endif
