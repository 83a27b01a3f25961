/* journal.c: JSON-lines journal of knob changes, written with json-c and fsync. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "journal.h"

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool copy(char *dst, size_t n, const char *src)
{
	if (!src || strlen(src) >= n)
		return false;
	memcpy(dst, src, strlen(src) + 1);
	return true;
}

static struct journal_entry *find(struct journal *j, const char *id, const struct knob_ref *k)
{
	for (size_t i = j->n; i-- > 0;)
		if (!strcmp(j->e[i].id, id) && !strcmp(j->e[i].k.kind, k->kind) &&
		    !strcmp(j->e[i].k.netns, k->netns) && !strcmp(j->e[i].k.target, k->target))
			return &j->e[i];
	return NULL;
}

static void parse_line(const char *line, size_t len, struct journal *j)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = json_tokener_parse_ex(tok, line, (int)len);
	struct journal_entry e;
	const char *op;

	json_tokener_free(tok);
	memset(&e, 0, sizeof(e));
	if (!o || !json_object_is_type(o, json_type_object))
		goto bad;
	op = jstr(o, "op");
	if (!op || !copy(e.id, sizeof(e.id), jstr(o, "id")) ||
	    !copy(e.k.kind, sizeof(e.k.kind), jstr(o, "kind")) ||
	    !copy(e.k.netns, sizeof(e.k.netns), jstr(o, "netns")) ||
	    !copy(e.k.target, sizeof(e.k.target), jstr(o, "target")))
		goto bad;
	if (!strcmp(op, "change")) {
		if (!copy(e.original, sizeof(e.original), jstr(o, "original")) ||
		    !copy(e.value, sizeof(e.value), jstr(o, "value")))
			goto bad;
		grow_array((void **)&j->e, &j->cap, j->n + 1, sizeof(*j->e));
		j->e[j->n++] = e;
	} else if (!strcmp(op, "done")) {
		struct journal_entry *x = find(j, e.id, &e.k);

		if (!x)
			goto bad;
		x->done = true;
	} else {
		goto bad;
	}
	json_object_put(o);
	return;
bad:
	if (o)
		json_object_put(o);
	j->bad_lines++;
}

void journal_parse(const char *buf, size_t len, struct journal *j)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n && n < 4096)
			parse_line(p, n, j);
		else if (n)
			j->bad_lines++;
		p = nl ? nl + 1 : end;
	}
}

int journal_load(const char *dir, struct journal *j)
{
	char path[512];
	struct strbuf sb;
	int r;

	memset(j, 0, sizeof(*j));
	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	sb_init(&sb);
	r = read_file_sb(path, &sb, 16u << 20);
	if (r == -ENOENT) {
		sb_release(&sb);
		return 0;
	}
	if (!r)
		journal_parse(sb.buf, sb.len, j);
	sb_release(&sb);
	return r;
}

void journal_release(struct journal *j)
{
	free(j->e);
	memset(j, 0, sizeof(*j));
}

int journal_open(const char *dir)
{
	char path[512];
	int fd;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* the directory entry must survive a crash too */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return fd;
}

static int append(int fd, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(s);
	char *line = xmalloc(len + 2);
	int r = 0;

	memcpy(line, s, len);
	line[len] = '\n';
	if (write(fd, line, len + 1) != (ssize_t)(len + 1) || fsync(fd))
		r = errno ? -errno : -EIO;
	free(line);
	json_object_put(o);
	return r;
}

static json_object *base(const char *op, const char *id, const struct knob_ref *k)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "op", json_object_new_string(op));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "time", json_object_new_int64((int64_t)time(NULL)));
	json_object_object_add(o, "kind", json_object_new_string(k->kind));
	json_object_object_add(o, "netns", json_object_new_string(k->netns));
	json_object_object_add(o, "target", json_object_new_string(k->target));
	return o;
}

int journal_intent(int fd, const char *id, const struct knob_ref *k, const char *original,
		   const char *value)
{
	json_object *o = base("change", id, k);

	json_object_object_add(o, "original", json_object_new_string(original));
	json_object_object_add(o, "value", json_object_new_string(value));
	return append(fd, o);
}

int journal_done(int fd, const char *id, const struct knob_ref *k)
{
	return append(fd, base("done", id, k));
}

struct retired {
	long t;
	unsigned seq;
	char name[256];
};

/* "journal-T.reverted" or "journal-T-N.reverted" (T the time it was retired, N a count
 * within that second); false for any other name. */
static bool retired_name(const char *name, struct retired *r)
{
	char *end;
	size_t len = strlen(name);

	if (strncmp(name, "journal-", 8) || len < 18 || len >= sizeof(r->name) ||
	    strcmp(name + len - 9, ".reverted"))
		return false;
	r->t = strtol(name + 8, &end, 10);
	r->seq = 0;
	if (end == name + 8)
		return false;
	if (*end == '-')
		r->seq = (unsigned)strtoul(end + 1, &end, 10);
	if (strcmp(end, ".reverted"))
		return false;
	memcpy(r->name, name, len + 1);
	return true;
}

static int retired_cmp(const void *a, const void *b)
{
	const struct retired *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int journal_prune(const char *dir, unsigned keep)
{
	struct retired *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct retired x;

		if (!retired_name(de->d_name, &x))
			continue;
		grow_array((void **)&v, &cap, n + 1, sizeof(*v));
		v[n++] = x;
	}
	closedir(d);
	if (n > keep) {
		qsort(v, n, sizeof(*v), retired_cmp);
		for (size_t i = 0; i < n - keep; i++) {
			char path[600];

			snprintf(path, sizeof(path), "%s/%s", dir, v[i].name);
			if (unlink(path) && errno != ENOENT && !r)
				r = -errno;
		}
	}
	free(v);
	return r;
}

int journal_retire(const char *dir)
{
	char from[512], to[600];
	long t = (long)time(NULL);
	struct stat st;

	snprintf(from, sizeof(from), "%s/journal.jsonl", dir);
	snprintf(to, sizeof(to), "%s/journal-%ld.reverted", dir, t);
	/* never replace a journal retired in the same second */
	for (unsigned seq = 1; !stat(to, &st) && seq < 1000; seq++)
		snprintf(to, sizeof(to), "%s/journal-%ld-%u.reverted", dir, t, seq);
	if (rename(from, to))
		return -errno;
	return journal_prune(dir, JOURNAL_KEEP_REVERTED);
}
