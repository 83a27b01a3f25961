/* procmap.c: socket inode → owning process. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "procmap.h"
#include "../core/util.h"

struct owner {
	uint64_t inode;
	int pid, count;
	char comm[32];
};

struct procmap {
	char root[200];
	struct owner *o;
	size_t n, cap;
	double scanned;
};

struct procmap *procmap_new(const char *proc_root)
{
	struct procmap *m = xcalloc(1, sizeof(*m));

	snprintf(m->root, sizeof(m->root), "%s", proc_root);
	m->scanned = -10;
	return m;
}

void procmap_free(struct procmap *m)
{
	if (!m)
		return;
	free(m->o);
	free(m);
}

static int cmp_owner(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static void scan(struct procmap *m)
{
	DIR *d = opendir(m->root), *fd;
	struct dirent *de, *fe;
	char path[320], link[64], comm[32];

	m->n = 0;
	m->scanned = now_mono();
	if (!d)
		return;
	while ((de = readdir(d))) {
		int pid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = atoi(de->d_name);
		snprintf(path, sizeof(path), "%s/%d/fd", m->root, pid);
		fd = opendir(path);
		if (!fd)
			continue;
		comm[0] = '\0';
		while ((fe = readdir(fd))) {
			char lp[640];
			ssize_t r;
			uint64_t ino;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(lp, sizeof(lp), "%s/%s", path, fe->d_name);
			r = readlink(lp, link, sizeof(link) - 1);
			if (r <= 8 || strncmp(link, "socket:[", 8))
				continue;
			link[r] = '\0';
			ino = strtoull(link + 8, NULL, 10);
			if (!comm[0]) {
				snprintf(lp, sizeof(lp), "%s/%d/comm", m->root, pid);
				if (read_small(lp, comm, sizeof(comm)))
					snprintf(comm, sizeof(comm), "?");
			}
			grow_array((void **)&m->o, &m->cap, m->n + 1, sizeof(*m->o));
			m->o[m->n] = (struct owner){ .inode = ino, .pid = pid, .count = 1 };
			snprintf(m->o[m->n].comm, sizeof(m->o[m->n].comm), "%s", comm);
			m->n++;
		}
		closedir(fd);
	}
	closedir(d);
	if (m->n)
		qsort(m->o, m->n, sizeof(*m->o), cmp_owner);
	/* fold duplicates (a socket inherited by children): keep the lowest pid, count */
	size_t w = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (w && m->o[w - 1].inode == m->o[i].inode) {
			m->o[w - 1].count++;
			if (m->o[i].pid < m->o[w - 1].pid) {
				m->o[w - 1].pid = m->o[i].pid;
				memcpy(m->o[w - 1].comm, m->o[i].comm, sizeof(m->o[i].comm));
			}
			continue;
		}
		m->o[w++] = m->o[i];
	}
	m->n = w;
}

static struct owner *find(struct procmap *m, uint64_t inode)
{
	struct owner key = { .inode = inode };

	return m->n ? bsearch(&key, m->o, m->n, sizeof(*m->o), cmp_owner) : NULL;
}

int procmap_lookup(struct procmap *m, uint64_t inode, int *pid, char *comm, size_t n,
		   int *nowners)
{
	struct owner *o = find(m, inode);

	if (!o && now_mono() - m->scanned >= 1.0) {
		scan(m);
		o = find(m, inode);
	}
	if (!o)
		return -ENOENT;
	*pid = o->pid;
	*nowners = o->count;
	snprintf(comm, n, "%s", o->comm);
	return 0;
}
