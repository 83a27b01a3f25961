/* procmap.c: socket inode -> owning process, from the /proc/PID/fd links of every
 * process ("socket:[12345]"), cached across snapshots (see procmap.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "procmap.h"
#include "../core/util.h"

struct pm_ent {
	uint64_t inode; /* 0: empty slot */
	int pid, fd, npids;
	char comm[16];
};

/* An inode no process held at the last scan (a kernel socket: vxlan, wireguard; or one
 * whose holder exited): not worth a rescan for PM_NEG_TTL seconds. */
struct pm_neg {
	uint64_t inode;
	double at;
};

#define PM_RESCAN 1.0
/* A scan reads a link per fd of every process: with a few engines holding thousands of
 * fds it costs tens of ms. Rescans on a miss are spaced by PM_BUDGET times the CPU the
 * last one took (at most 0.2 % of a core), between PM_RESCAN and PM_RESCAN_MAX seconds. */
#define PM_BUDGET 500.0
#define PM_RESCAN_MAX 30.0
#define PM_NEG_TTL 30.0
#define PM_NEG_MAX 65536

static struct {
	struct pm_ent *tab;
	size_t cap, n;       /* cap is a power of two */
	struct pm_neg *neg;
	size_t ncap, nn;
	double last_scan;
	double gap;          /* seconds before a rescan on a miss is allowed */
	unsigned scans;
	char root[256];
} pm;

static size_t pm_hash(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

static struct pm_ent *pm_slot(uint64_t inode)
{
	size_t i = pm_hash(inode) & (pm.cap - 1);

	while (pm.tab[i].inode && pm.tab[i].inode != inode)
		i = (i + 1) & (pm.cap - 1);
	return &pm.tab[i];
}

static struct pm_ent *pm_find(uint64_t inode)
{
	struct pm_ent *e;

	if (!pm.cap)
		return NULL;
	e = pm_slot(inode);
	return e->inode ? e : NULL;
}

static void pm_grow(void)
{
	struct pm_ent *old = pm.tab;
	size_t ocap = pm.cap;

	pm.cap = pm.cap ? pm.cap * 2 : 256;
	pm.tab = xcalloc(pm.cap, sizeof(*pm.tab));
	for (size_t i = 0; i < ocap; i++)
		if (old[i].inode)
			*pm_slot(old[i].inode) = old[i];
	free(old);
}

static struct pm_neg *neg_slot(uint64_t inode)
{
	size_t i = pm_hash(inode) & (pm.ncap - 1);

	while (pm.neg[i].inode && pm.neg[i].inode != inode)
		i = (i + 1) & (pm.ncap - 1);
	return &pm.neg[i];
}

static void neg_add(uint64_t inode, double now)
{
	struct pm_neg *n;

	if (!pm.ncap || (pm.nn + 1) * 2 > pm.ncap) {
		struct pm_neg *old = pm.neg;
		size_t ocap = pm.ncap;

		pm.ncap = pm.ncap ? pm.ncap * 2 : 64;
		if (pm.ncap > 2 * PM_NEG_MAX) { /* forget them all rather than grow forever */
			pm.ncap = 64;
			ocap = 0;
		}
		pm.neg = xcalloc(pm.ncap, sizeof(*pm.neg));
		pm.nn = 0;
		for (size_t i = 0; i < ocap; i++)
			if (old[i].inode) {
				*neg_slot(old[i].inode) = old[i];
				pm.nn++;
			}
		free(old);
	}
	n = neg_slot(inode);
	if (!n->inode)
		pm.nn++;
	n->inode = inode;
	n->at = now;
}

static bool neg_fresh(uint64_t inode, double now)
{
	struct pm_neg *n;

	if (!pm.ncap)
		return false;
	n = neg_slot(inode);
	return n->inode && now >= n->at && now - n->at < PM_NEG_TTL;
}

static void read_comm(int pid, char *comm)
{
	char path[300];
	size_t n;

	snprintf(path, sizeof(path), "%s/%d/comm", pm.root, pid);
	if (read_small(path, comm, 16)) {
		snprintf(comm, 16, "?");
		return;
	}
	n = strlen(comm);
	for (size_t i = 0; i < n; i++)
		if (comm[i] == ',' || comm[i] == '=' || comm[i] == ' ' || comm[i] == '\t' ||
		    (unsigned char)comm[i] < 0x20)
			comm[i] = '_';
}

/* Parse "socket:[123]" into 123; 0 if the link is not a socket. */
static uint64_t link_inode(const char *l, ssize_t n)
{
	uint64_t v = 0;
	ssize_t i;

	if (n < 10 || memcmp(l, "socket:[", 8) || l[n - 1] != ']')
		return 0;
	for (i = 8; i < n - 1; i++) {
		if (l[i] < '0' || l[i] > '9' || v > UINT64_MAX / 10 - 9)
			return 0;
		v = v * 10 + (uint64_t)(l[i] - '0');
	}
	return v;
}

static void scan_pid(int pid)
{
	char path[300], lnk[64], comm[16] = "";
	struct dirent *de;
	int dfd;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%d/fd", pm.root, pid);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		ssize_t n;
		uint64_t ino;
		struct pm_ent *e;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		n = readlinkat(dfd, de->d_name, lnk, sizeof(lnk) - 1);
		if (n <= 0 || !(ino = link_inode(lnk, n)))
			continue;
		if ((pm.n + 1) * 2 > pm.cap)
			pm_grow();
		e = pm_slot(ino);
		if (e->inode) {
			if (e->pid != pid) /* fds of one process to the same socket count once */
				e->npids++;
			continue;
		}
		if (!comm[0])
			read_comm(pid, comm);
		*e = (struct pm_ent){ .inode = ino, .pid = pid, .npids = 1,
				      .fd = atoi(de->d_name) };
		memcpy(e->comm, comm, sizeof(e->comm));
		pm.n++;
	}
	closedir(d);
}

static double cpu_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pm_scan_all(void);

static void pm_scan(double now)
{
	double c0 = cpu_now(), g;

	pm.last_scan = now;
	pm.scans++;
	pm_scan_all();
	g = (cpu_now() - c0) * PM_BUDGET;
	pm.gap = g < PM_RESCAN ? PM_RESCAN : g > PM_RESCAN_MAX ? PM_RESCAN_MAX : g;
}

static void pm_scan_all(void)
{
	struct dirent *de;
	int self = getpid();
	DIR *d;

	if (pm.tab)
		memset(pm.tab, 0, pm.cap * sizeof(*pm.tab));
	pm.n = 0;
	d = opendir(pm.root);
	if (!d)
		return;
	/* readdir of /proc lists pids in ascending order, so the first holder is the
	 * lowest pid (usually the parent that opened the socket) */
	while ((de = readdir(d))) {
		int pid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = atoi(de->d_name);
		/* not our own fds: the engine keeps thousands open (one per file per
		 * namespace) and dptune's collectors hold no UDP socket */
		if (pid > 0 && pid != self)
			scan_pid(pid);
	}
	closedir(d);
}

/* Is the cached entry still true? One readlink of its fd. */
static bool pm_valid(const struct pm_ent *e)
{
	char path[300], lnk[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/fd/%d", pm.root, e->pid, e->fd);
	n = readlink(path, lnk, sizeof(lnk) - 1);
	return n > 0 && link_inode(lnk, n) == e->inode;
}

int procmap_lookup(const char *proc_root, uint64_t inode, double now,
		   struct procmap_owner *out)
{
	struct pm_ent *e;

	if (!inode)
		return -ENOENT;
	if (strcmp(pm.root, proc_root)) {
		procmap_reset();
		snprintf(pm.root, sizeof(pm.root), "%s", proc_root);
	}
	e = pm_find(inode);
	if (e && !pm_valid(e))
		e = NULL; /* owner gone or fd reused: the rescan below refreshes everything */
	if (!e && neg_fresh(inode, now))
		return -ENOENT;
	if (!e && (!pm.scans || now - pm.last_scan >= pm.gap || now < pm.last_scan)) {
		pm_scan(now);
		e = pm_find(inode);
		if (!e)
			neg_add(inode, now);
	}
	if (!e)
		return -ENOENT;
	out->pid = e->pid;
	out->npids = e->npids;
	memcpy(out->comm, e->comm, sizeof(out->comm));
	return 0;
}

unsigned procmap_scans(void)
{
	return pm.scans;
}

void procmap_reset(void)
{
	free(pm.tab);
	free(pm.neg);
	memset(&pm, 0, sizeof(pm));
}
