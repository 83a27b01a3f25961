/* procmap.h: which process holds a socket. Socket inodes are unique across network
 * namespaces, and /proc/PID/fd works from any of them, so one process-wide map from
 * socket inode to (pid, comm) serves every namespace. It is filled by scanning the
 * /proc/PID/fd of every process, kept across snapshots, validated per hit with one
 * readlink, and rescanned on a miss at most once a second, or more seldom when a scan is
 * dear (500 times the CPU the last scan took, at most 30 s apart: processes with
 * thousands of fds make a scan cost tens of ms); an inode no process held at a scan is
 * not looked for again for 30 seconds. dptune's own fds are not scanned. */
#ifndef DPTUNE_PROCMAP_H
#define DPTUNE_PROCMAP_H

#include <stdint.h>

struct procmap_owner {
	int pid;       /* lowest pid holding the socket */
	int npids;     /* processes holding it (>= 1) */
	char comm[16]; /* /proc/PID/comm of pid, with ',', '=' and spaces made '_' */
};

/* Find the owner of socket inode under proc_root. now is a monotonic time in seconds
 * (rate-limits rescans). Returns 0, or -ENOENT when no process holds it. */
int procmap_lookup(const char *proc_root, uint64_t inode, double now,
		   struct procmap_owner *out);
/* Number of full /proc scans done so far (for tests and cost accounting). */
unsigned procmap_scans(void);
/* Forget everything (tests; at exit for leak checkers). */
void procmap_reset(void);

#endif
