/* lab_int.h: the lab's internals shared by its files: running commands in namespaces,
 * process identity, the state file writer. Not for users of the lab (they use lab.h). */
#ifndef DPTUNE_LAB_INT_H
#define DPTUNE_LAB_INT_H

#include <sys/types.h>
#include "lab.h"

enum lab_nsmode {
	LAB_NS_NET = 0,  /* setns into the network namespace only */
	LAB_NS_SYSFS,    /* and a private mount namespace with that netns's sysfs on /sys */
};

/* Run argv (NULL-terminated) in namespace ns (NULL: the current one), with extra
 * environment env ("K=V" strings, NULL-terminated, may be NULL), stdin and stdout on
 * /dev/null, stderr captured. Gives up after timeout seconds (the child is killed).
 * Returns 0 on exit status 0, else -EIO (or -errno) with err = "CMD ARGS: stderr". */
int lab_run(const char *ns, enum lab_nsmode mode, char *const *env, const char *const *argv,
	    double timeout, char *err, size_t errn) MUST_CHECK;
#define LAB_ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Enter /run/netns/ns in this process (and with mode LAB_NS_SYSFS remount /sys). */
int lab_enter_ns(const char *ns, enum lab_nsmode mode) MUST_CHECK;

/* Write val to path (a /proc/sys or /sys file) as seen from namespace ns ("" or NULL:
 * the current one), and read it back. */
int lab_ns_write(const char *ns, const char *path, const char *val) MUST_CHECK;
int lab_ns_read(const char *ns, const char *path, char *buf, size_t n) MUST_CHECK;
bool lab_ns_exists(const char *ns);

/* Start time (clock ticks since boot) from /proc/PID/stat text: field 22, counted after
 * the last ')' so that a comm with spaces or parentheses cannot shift it. */
int lab_stat_start(const char *buf, size_t len, uint64_t *start) MUST_CHECK;
/* The same for a live pid: 0, or -ESRCH when it is gone. */
int lab_proc_start(pid_t pid, uint64_t *start) MUST_CHECK;
/* True when pid is alive and its start time is start. */
bool lab_proc_match(int64_t pid, uint64_t start);
/* Kill a process that matches (SIGTERM, then SIGKILL after wait seconds). */
void lab_proc_kill(int64_t pid, uint64_t start, double wait);

/* State file. */
char *lab_state_path(const char *name); /* xmalloc'd */
/* Append one record line (JSON object text, no newline) and fsync; 0 or -errno. */
int lab_state_append_fd(int fd, const char *json) MUST_CHECK;
/* Serialize a record as one JSON object (xmalloc'd string). */
char *lab_rec_json(const struct lab_rec *r);
/* Remove the lines carrying a "fault" from the state file (atomic rename). */
int lab_state_drop_faults(const char *name) MUST_CHECK;
/* Add a record to l->recs. */
void lab_rec_push(struct lab *l, const struct lab_rec *r);

/* Undo one record (ignoring what is already gone); 0 or -errno, with what failed
 * appended to errs ("; "-separated) when errs is not NULL. */
int lab_rec_undo(const struct lab *l, const struct lab_rec *r, struct strbuf *errs);

/* Exclusive lock on the state directory (flock); returns fd or -errno. */
int lab_lock(void) MUST_CHECK;

/* Remove a directory tree (OVS private dirs); ignores ENOENT. */
int lab_rmtree(const char *path);

#endif
