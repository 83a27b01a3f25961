/* collect.c: the engine that runs collectors in every namespace with cached fds. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "collect.h"
#include "nl.h"
#include "../core/netns.h"
#include "../model/intern.h"

struct file_ent {
	const char *rel; /* interned, with a "p:" or "s:" prefix */
	const char *arg; /* the rel pointer the caller passed last (a string literal, mostly) */
	int fd;          /* or -errno of the last open, tried again at retry */
	double retry;
};

struct ns_handle {
	uint64_t inode;
	int fd;             /* netns fd, -1 for the recorded/self-only case */
	const char *name;
	enum netns_source source;
	int pid;
	int sysfd;          /* O_PATH root of a sysfs for this ns; -1 not yet; -2 failed */
	struct file_ent *files;
	size_t nfiles, fcap;
	void *priv[COLLECTOR_MAX];
	bool alive;
	bool self;          /* the namespace this process is in: no setns needed */
};

struct collect_engine {
	struct collect_opts opt;
	int host_fd;        /* our own namespace, to return to after visiting the others */
	bool self_is_host;  /* we run in the init namespace: its /sys is ours */
	struct ns_handle *ns;
	size_t nns, cap;
	struct netns_watch *watch; /* namespace discovery kept between snapshots */
	struct ns_handle *in; /* the namespace this thread is in, NULL: its own (host_fd) */
	struct snapshot *snap; /* the snapshot being taken */
	struct strbuf buf;
	size_t ncoll;
};

static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

struct collect_engine *collect_engine_new(const struct collect_opts *opt)
{
	struct collect_engine *e = xcalloc(1, sizeof(*e));

	e->opt = *opt;
	if (!e->opt.proc_root)
		e->opt.proc_root = "/proc";
	if (!e->opt.sys_root)
		e->opt.sys_root = "/sys";
	if (!e->opt.run_root)
		e->opt.run_root = "/run";
	e->host_fd = -1;
	sb_init(&e->buf);
	while (collectors[e->ncoll])
		e->ncoll++;
	raise_nofile();
	return e;
}

static void handle_release(struct collect_engine *e, struct ns_handle *h)
{
	for (size_t i = 0; i < h->nfiles; i++)
		if (h->files[i].fd >= 0)
			close(h->files[i].fd);
	free(h->files);
	for (size_t i = 0; i < e->ncoll; i++)
		if (h->priv[i] && collectors[i]->release)
			collectors[i]->release(h->priv[i]);
	if (h->fd >= 0)
		close(h->fd);
	if (h->sysfd >= 0)
		close(h->sysfd);
}

void collect_engine_free(struct collect_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nns; i++)
		handle_release(e, &e->ns[i]);
	free(e->ns);
	netns_watch_free(e->watch);
	if (e->host_fd >= 0)
		close(e->host_fd);
	sb_release(&e->buf);
	free(e);
}

static struct ns_handle *handle_get(struct collect_engine *e, uint64_t inode, const char *name)
{
	for (size_t i = 0; i < e->nns; i++)
		if (e->ns[i].inode == inode && (inode || e->ns[i].name == intern(name)))
			return &e->ns[i];
	grow_array((void **)&e->ns, &e->cap, e->nns + 1, sizeof(*e->ns));
	struct ns_handle *h = &e->ns[e->nns++];

	memset(h, 0, sizeof(*h));
	h->inode = inode;
	h->fd = -1;
	h->sysfd = -1;
	h->name = intern(name);
	return h;
}

/* Refresh the handle list from discovery; drop handles of namespaces that are gone. */
static int refresh_namespaces(struct collect_engine *e)
{
	const struct netns_found *f = NULL;
	bool same = false;
	int n;

	if (e->opt.recorded || e->opt.no_netns) {
		for (size_t i = 0; i < e->nns; i++)
			e->ns[i].alive = false;
		struct stat st;
		char path[512];
		uint64_t ino = 0;

		snprintf(path, sizeof(path), "%s/self/ns/net", e->opt.proc_root);
		if (!e->opt.recorded && !stat(path, &st))
			ino = st.st_ino;
		struct ns_handle *h = handle_get(e, ino, "host");

		h->source = e->opt.recorded ? NS_RECORDED : NS_HOST;
		h->alive = true;
		h->self = true;
		e->self_is_host = true;
		return 0;
	}
	if (!e->watch)
		e->watch = netns_watch_new(e->opt.proc_root, e->opt.run_root);
	n = netns_watch_discover(e->watch, &f, &same);
	if (n < 0)
		return n;
	if (same)
		return 0; /* the same namespaces as last time: every handle is still alive */
	for (size_t i = 0; i < e->nns; i++)
		e->ns[i].alive = false;
	for (int i = 0; i < n; i++) {
		if (!f[i].self)
			continue;
		if (e->host_fd < 0)
			e->host_fd = netns_open_path(f[i].path);
		e->self_is_host = f[i].source == NS_HOST;
	}
	for (int i = 0; i < n; i++) {
		struct ns_handle *h = handle_get(e, f[i].inode, f[i].name);

		if (h->fd < 0) { /* a namespace not seen before: keep an fd to enter it */
			struct stat st;

			h->fd = netns_open_path(f[i].path);
			/* the path may now name another namespace (a pid reused): check */
			if (h->fd >= 0 && (fstat(h->fd, &st) || (uint64_t)st.st_ino != f[i].inode)) {
				close(h->fd);
				h->fd = -1;
			}
			if (h->fd < 0)
				continue; /* gone meanwhile: not alive, released below */
		}
		h->alive = true;
		h->self = f[i].self;
		h->source = f[i].source;
		h->pid = f[i].pid;
		h->name = intern(f[i].name);
	}
	for (size_t i = 0; i < e->nns;) {
		if (e->ns[i].alive) {
			i++;
			continue;
		}
		handle_release(e, &e->ns[i]);
		e->ns[i] = e->ns[--e->nns];
	}
	return 0;
}

static bool collector_enabled(const struct collect_engine *e, const char *name)
{
	const char *p = e->opt.only_collectors;
	size_t n = strlen(name);

	if (!p)
		return true;
	while (*p) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		if (len == n && !strncmp(p, name, n))
			return true;
		if (!c)
			break;
		p = c + 1;
	}
	return false;
}

/* Run the collectors of one scope in the namespace we are in. */
static void run_collectors(struct collect_engine *e, struct ns_handle *h, struct snapshot *s,
			   uint32_t nsidx, bool host, enum collector_scope scope)
{
	for (size_t i = 0; i < e->ncoll; i++) {
		const struct collector *col = collectors[i];
		struct collector_status *st;
		struct cctx c;
		size_t before = s->nm;
		double t0;
		int r;

		if (col->scope != scope)
			continue;
		if (!collector_enabled(e, col->name))
			continue;
		st = snap_status(s, col->name);
		c = (struct cctx){ .eng = e, .nsh = h, .snap = s, .ns = nsidx, .host = host,
				   .col = col, .st = st };
		t0 = now_mono();
		r = col->run(&c);
		st->time_ns += (uint64_t)((now_mono() - t0) * 1e9);
		st->nmetrics += (unsigned)(s->nm - before);
		if (r && !st->err) {
			st->err = r;
			if (!st->reason[0])
				snprintf(st->reason, sizeof(st->reason), "%s", strerror(-r));
		}
	}
}

/* Every namespace's SCOPE_NETNS collectors first, then, back in the host namespace, the
 * SCOPE_HOST ones: they may refer to any namespace of the snapshot (OVS ports, drop
 * reasons keyed by namespace inode). */
/* Does every enabled collector of this scope enter the namespace itself when it must? */
static bool all_lazy(const struct collect_engine *e, enum collector_scope scope)
{
	for (size_t i = 0; i < e->ncoll; i++)
		if (collectors[i]->scope == scope && !collector_lazy_netns(collectors[i]) &&
		    collector_enabled(e, collectors[i]->name))
			return false;
	return true;
}

static void netns_status(struct collect_engine *e, struct ns_handle *h, int r)
{
	struct collector_status *st = snap_status(e->snap, "netns");

	if (!st->err) {
		st->err = r;
		snprintf(st->reason, sizeof(st->reason),
			 "cannot enter namespace %s: %s (run as root)", h->name, strerror(-r));
	}
}

/* Enter h (its fd; our own namespace for the self handle) unless we are in it. */
static int enter_handle(struct collect_engine *e, struct ns_handle *h)
{
	int r;

	if (e->opt.recorded || e->opt.no_netns)
		return 0;
	if (h->self ? !e->in : e->in == h)
		return 0;
	r = netns_enter(h->self ? e->host_fd : h->fd);
	if (r)
		return r;
	e->in = h->self ? NULL : h;
	return 0;
}

int cctx_enter_ns(struct cctx *c)
{
	int r = enter_handle(c->eng, c->nsh);

	if (r)
		netns_status(c->eng, c->nsh, r);
	return r;
}

/* Every namespace's SCOPE_NETNS collectors first, then, back in the host namespace, the
 * SCOPE_HOST ones: they may refer to any namespace of the snapshot (OVS ports, drop
 * reasons keyed by namespace inode). */
int collect_snapshot(struct collect_engine *e, struct snapshot *s)
{
	int r;
	struct ns_handle *selfh = NULL;
	uint32_t hostidx = 0;
	bool have_host = false, lazy;

	snap_clear(s);
	s->t_mono = now_mono();
	s->t_real = now_real();
	e->snap = s;
	r = refresh_namespaces(e);
	if (r)
		return r;
	nl_poll_events(); /* which namespaces' link and qdisc notifications are pending */
	lazy = all_lazy(e, SCOPE_NETNS);
	for (size_t i = 0; i < e->nns; i++) {
		struct ns_handle *h = &e->ns[i];
		bool host = h->source == NS_HOST || h->source == NS_RECORDED;
		uint32_t idx;

		if (e->opt.only_ns && strcmp(e->opt.only_ns, h->name) && !host)
			continue;
		idx = snap_add_ns(s, h->inode, h->name, h->source, h->pid);
		if (host && !have_host) {
			hostidx = idx;
			have_host = true;
		}
		if (h->self)
			selfh = h;
		if (!lazy) {
			r = enter_handle(e, h);
			if (r) {
				netns_status(e, h, r);
				continue;
			}
		}
		/* The host namespace is always read (host-scope collectors report there), but
		 * with --netns its per-namespace rows are dropped by the printer. */
		run_collectors(e, h, s, idx, host, SCOPE_NETNS);
	}
	if (e->in && e->host_fd >= 0) {
		r = netns_enter(e->host_fd);
		if (r)
			return r;
		e->in = NULL;
	}
	/* Host-scope sources are global (softnet, interrupts, OVS sockets, BPF): read them
	 * from where we are, and file their rows under the host namespace. */
	if (selfh && have_host)
		run_collectors(e, selfh, s, hostidx, true, SCOPE_HOST);
	return 0;
}

const struct collect_opts *cctx_opts(const struct cctx *c)
{
	return &c->eng->opt;
}

void **cctx_priv(struct cctx *c)
{
	size_t i;

	for (i = 0; i < c->eng->ncoll; i++)
		if (collectors[i] == c->col)
			break;
	return &c->nsh->priv[i < COLLECTOR_MAX ? i : COLLECTOR_MAX - 1];
}

int cctx_unavailable(struct cctx *c, int err, const char *fmt, ...)
{
	va_list ap;

	if (!c->st->reason[0] || !c->st->err) {
		va_start(ap, fmt);
		vsnprintf(c->st->reason, sizeof(c->st->reason), fmt, ap);
		va_end(ap);
		c->st->err = err ? err : -EOPNOTSUPP;
	}
	return err;
}

const char *cctx_path(const struct cctx *c, char *buf, size_t n, const char *root_kind,
		      const char *rel)
{
	const struct collect_opts *o = &c->eng->opt;
	const char *root = !strcmp(root_kind, "sys") ? o->sys_root :
			   !strcmp(root_kind, "run") ? o->run_root : o->proc_root;

	snprintf(buf, n, "%s/%s", root, rel);
	return buf;
}

/* An open that failed is tried again after this long: a /proc file absent in a namespace
 * (snmp6 without IPv6, nf_conntrack before the module loads) costs no system call (and
 * no setns) at every sample, and is read within a second of its appearing. */
#define ABSENT_RETRY 1.0

static int cached_fd(struct cctx *c, char kind, const char *rel, int dirfd)
{
	struct ns_handle *h = c->nsh;
	struct file_ent *e = NULL;
	char key[512];
	const char *k = NULL;
	int fd;

	/* Callers pass the same literal every time: the pointer finds the entry with no
	 * formatting or hashing (the text is compared, a pointer may be a reused buffer). */
	for (size_t i = 0; i < h->nfiles && !e; i++)
		if (h->files[i].arg == rel && h->files[i].rel[0] == kind &&
		    !strcmp(h->files[i].rel + 2, rel))
			e = &h->files[i];
	if (!e) {
		snprintf(key, sizeof(key), "%c:%s", kind, rel);
		k = intern(key);
		for (size_t i = 0; i < h->nfiles && !e; i++)
			if (h->files[i].rel == k) {
				e = &h->files[i];
				e->arg = rel;
			}
	}
	if (e && (e->fd >= 0 || now_mono() < e->retry))
		return e->fd; /* an fd, or the -errno of a recent failed open */
	if (dirfd >= 0) {
		fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
	} else {
		char path[1024];
		int r = cctx_enter_ns(c); /* /proc/net shows the namespace of the opener */

		if (r)
			return r;
		cctx_path(c, path, sizeof(path), "proc", rel);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		int err = -errno;

		/* Remembered for /proc paths only: their names are a fixed set, while sysfs
		 * paths name devices, which come and go (the list would only grow). */
		if (dirfd < 0 && err == -ENOENT) {
			if (!e) {
				grow_array((void **)&h->files, &h->fcap, h->nfiles + 1,
					   sizeof(*h->files));
				e = &h->files[h->nfiles++];
				*e = (struct file_ent){ .rel = k, .arg = rel };
			}
			e->fd = err;
			e->retry = now_mono() + ABSENT_RETRY;
		}
		return err;
	}
	if (e) { /* appeared since */
		e->fd = fd;
		return fd;
	}
	grow_array((void **)&h->files, &h->fcap, h->nfiles + 1, sizeof(*h->files));
	h->files[h->nfiles++] = (struct file_ent){ .rel = k, .arg = rel, .fd = fd };
	return fd;
}

/* How a file ends. A seq_file read (every /proc/net file) fills the kernel's buffer
 * (m->size, PAGE_SIZE at least, never less than 4096) with whole records and stops at
 * the end of the records, when the caller's buffer is full, or when the next record
 * does not fit in the kernel's buffer. So a read that returns less than asked and at
 * least max_rec bytes less than 4096 stopped at the end: the read that would return 0
 * is saved (a system call per file and namespace at every sample).
 * END_ZERO: no such knowledge (sysctl files, unknown record sizes): read until a read
 * returns 0. END_SHORT: single_open files (one record, the whole file), and sysfs
 * attributes, whose show() prints the whole value (at most a page) into the kernel's
 * buffer at the first read: a read that returns less than asked returned all of it. */
#define END_ZERO ((size_t)-1)
#define END_SHORT ((size_t)0)
#define SEQ_MIN_BUF 4096u

/* Read a whole file from offset 0 (see END_*). */
static int pread_all(struct collect_engine *e, int fd, size_t max_rec, const char **out,
		     size_t *len)
{
	struct strbuf *sb = &e->buf;

	sb_reset(sb);
	for (;;) {
		ssize_t n;
		/* Ask for 4 KiB first: sysctl files make the kernel allocate and zero a buffer
		 * as large as the request; most files fit, larger ones continue in 64 KiB.
		 * One-piece files are printed into the kernel's own buffer: ask 16 KiB. */
		size_t want = sb->len ? 65536 : max_rec == END_SHORT ? 16384 : 4096;

		sb_grow(sb, want);
		n = pread(fd, sb->buf + sb->len, want, (off_t)sb->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		sb->len += (size_t)n;
		if (sb->len > (64u << 20))
			return -EFBIG;
		if ((size_t)n < want && max_rec != END_ZERO &&
		    (max_rec == END_SHORT || (max_rec < SEQ_MIN_BUF &&
					      (size_t)n <= SEQ_MIN_BUF - max_rec)))
			break;
	}
	sb->buf[sb->len] = '\0';
	*out = sb->buf;
	*len = sb->len;
	return 0;
}

/* Forget a cached fd (its file went away: a device was deleted or re-created). */
static void drop_cached(struct cctx *c, int fd)
{
	struct ns_handle *h = c->nsh;

	for (size_t i = 0; i < h->nfiles; i++)
		if (h->files[i].fd == fd) {
			close(fd);
			h->files[i] = h->files[--h->nfiles];
			return;
		}
}

/* Read through the cache; a stale fd is reopened once. */
static int read_cached(struct cctx *c, char kind, const char *rel, int dirfd, size_t max_rec,
		       const char **out, size_t *len)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = cached_fd(c, kind, rel, dirfd), r;

		if (fd < 0)
			return fd;
		r = pread_all(c->eng, fd, max_rec, out, len);
		if (r != -ENODEV && r != -ENOENT && r != -ESTALE)
			return r;
		drop_cached(c, fd);
	}
	return -ENOENT;
}

int cctx_read_proc(struct cctx *c, const char *rel, const char **out, size_t *len)
{
	return read_cached(c, 'p', rel, -1, END_ZERO, out, len);
}

int cctx_read_proc_one_piece(struct cctx *c, const char *rel, const char **out, size_t *len)
{
	return read_cached(c, 'p', rel, -1, END_SHORT, out, len);
}

int cctx_read_proc_records(struct cctx *c, const char *rel, size_t max_rec, const char **out,
			   size_t *len)
{
	if (max_rec == END_SHORT || max_rec >= SEQ_MIN_BUF)
		max_rec = END_ZERO;
	return read_cached(c, 'p', rel, -1, max_rec, out, len);
}

static int sys_root_fd(struct cctx *c)
{
	struct ns_handle *h = c->nsh;

	if (h->sysfd >= 0 || h->sysfd == -2)
		return h->sysfd;
	/* Our /sys shows the namespace that mounted it: trust it only for the host when we
	 * run in the host namespace (or for recorded files). */
	if (c->eng->opt.recorded || (h->self && c->eng->self_is_host)) {
		h->sysfd = open(c->eng->opt.sys_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	} else {
		int fd;

		if (netns_sysfs_root(h->fd, &fd))
			fd = -2;
		h->sysfd = fd;
	}
	if (h->sysfd < 0)
		h->sysfd = -2;
	return h->sysfd;
}

bool cctx_sys_ok(const struct cctx *c)
{
	return sys_root_fd((struct cctx *)c) >= 0;
}

int cctx_read_sys(struct cctx *c, const char *rel, const char **out, size_t *len)
{
	int root = sys_root_fd(c);

	if (root < 0)
		return -ENOENT;
	return read_cached(c, 's', rel, root, END_SHORT, out, len);
}
