/* procmap.h: which process owns a socket: socket inode → (pid, comm), from the
 * "socket:[inode]" links under /proc/PID/fd. The scan is costly with many processes, so
 * it runs only when asked for an inode it does not know, at most once per second. */
#ifndef DPTUNE_PROCMAP_H
#define DPTUNE_PROCMAP_H

#include <stdint.h>

struct procmap;

struct procmap *procmap_new(const char *proc_root);
void procmap_free(struct procmap *m);
/* Owner of inode: 0 with *pid and comm set, or -ENOENT. *nowners counts the processes
 * holding it (a socket shared across fork). */
int procmap_lookup(struct procmap *m, uint64_t inode, int *pid, char *comm, size_t n,
		   int *nowners);

#endif
