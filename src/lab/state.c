/* state.c: the lab's state file: one JSON object per line, appended and fsync'd before
 * the object it names is created. Parsing is robust: a bad or unknown line is skipped. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "lab_int.h"

static const char *const rec_names[] = {
	[LREC_NS] = "ns",     [LREC_LINK] = "link",	[LREC_PROC] = "proc",
	[LREC_OVS] = "ovs",   [LREC_SYSCTL] = "sysctl", [LREC_NFT] = "nft",
	[LREC_SLOW] = "slow", [LREC_FILE] = "file",
};

const char *lab_dir(void)
{
	const char *d = getenv("DPTUNE_LAB_DIR");

	return d && *d ? d : LAB_DIR_DEFAULT;
}

bool lab_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > LAB_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

char *lab_state_path(const char *name)
{
	return xasprintf("%s/%s.json", lab_dir(), name);
}

void lab_free(struct lab *l)
{
	free(l->recs);
	l->recs = NULL;
	l->n_recs = 0;
	l->cap_recs = 0;
}

void lab_rec_push(struct lab *l, const struct lab_rec *r)
{
	grow_array((void **)&l->recs, &l->cap_recs, (size_t)l->n_recs + 1, sizeof(*r));
	l->recs[l->n_recs++] = *r;
}

/* Copy a string member; false when absent, not a string, or too long. */
static bool get_str(json_object *o, const char *key, char *dst, size_t n, bool required)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v)) {
		dst[0] = 0;
		return !required;
	}
	if (!json_object_is_type(v, json_type_string))
		return false;
	s = json_object_get_string(v);
	if (strlen(s) >= n || strchr(s, '\n'))
		return false;
	memcpy(dst, s, strlen(s) + 1);
	return true;
}

static bool get_int(json_object *o, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	errno = 0;
	*out = json_object_get_int64(v);
	return !errno && *out >= lo && *out <= hi;
}

/* A safe token for names that reach commands: no '/', no leading '-'. */
static bool token_ok(const char *s)
{
	return s[0] != '-' && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

static void parse_line(json_object *o, struct lab *l, bool *have_header)
{
	char t[16];
	int64_t v;

	if (!json_object_is_type(o, json_type_object) || !get_str(o, "t", t, sizeof(t), true))
		return;
	if (!strcmp(t, "lab")) {
		char name[LAB_NAME_MAX + 1], sc[16];

		if (*have_header || !get_str(o, "name", name, sizeof(name), true) ||
		    !lab_name_valid(name) || !get_str(o, "scenario", sc, sizeof(sc), true) ||
		    !get_int(o, "idx", 1, 250, &v))
			return;
		memcpy(l->name, name, sizeof(name));
		memcpy(l->scenario, sc, sizeof(sc));
		l->idx = (int)v;
		if (get_int(o, "pid", 1, 0x7fffffff, &v))
			l->owner_pid = v;
		*have_header = true;
		return;
	}
	if (!*have_header)
		return;
	if (!strcmp(t, "node")) {
		struct lab_node n;

		if (l->n_nodes >= LAB_NODES_MAX || !get_str(o, "name", n.name, sizeof(n.name), true) ||
		    !get_str(o, "ns", n.ns, sizeof(n.ns), true) || !token_ok(n.ns) ||
		    !get_str(o, "role", n.role, sizeof(n.role), false) ||
		    !get_str(o, "addr", n.addr, sizeof(n.addr), false) ||
		    !get_str(o, "dev", n.dev, sizeof(n.dev), false))
			return;
		l->nodes[l->n_nodes++] = n;
	} else if (!strcmp(t, "hop")) {
		struct lab_hop h;

		if (l->n_path >= LAB_PATH_MAX || !get_str(o, "ns", h.ns, sizeof(h.ns), true) ||
		    !get_str(o, "dev", h.dev, sizeof(h.dev), true) ||
		    !get_str(o, "kind", h.kind, sizeof(h.kind), false) ||
		    !get_str(o, "note", h.note, sizeof(h.note), false))
			return;
		l->path[l->n_path++] = h;
	} else if (!strcmp(t, "target")) {
		int64_t lo, hi;
		char c[16], s[16], a[48];

		if (!get_str(o, "client", c, sizeof(c), true) || !get_str(o, "server", s, sizeof(s), true) ||
		    !get_str(o, "addr", a, sizeof(a), true) || !get_int(o, "port_lo", 1, 65535, &lo) ||
		    !get_int(o, "port_hi", lo, 65535, &hi))
			return;
		memcpy(l->client, c, sizeof(c));
		memcpy(l->server, s, sizeof(s));
		memcpy(l->server_addr, a, sizeof(a));
		l->port_lo = (unsigned)lo;
		l->port_hi = (unsigned)hi;
	} else if (!strcmp(t, "rps")) {
		char ns[LAB_NS_MAX], dev[LAB_DEV_MAX], m[16];

		if (!get_str(o, "ns", ns, sizeof(ns), true) || !get_str(o, "dev", dev, sizeof(dev), true) ||
		    !get_str(o, "mask", m, sizeof(m), true))
			return;
		memcpy(l->rps_ns, ns, sizeof(ns));
		memcpy(l->rps_dev, dev, sizeof(dev));
		memcpy(l->rps_mask, m, sizeof(m));
	} else if (!strcmp(t, "missing")) {
		char w[LAB_STR_MAX];

		if (get_str(o, "what", w, sizeof(w), true))
			memcpy(l->missing, w, sizeof(w));
	} else if (!strcmp(t, "up")) {
		l->complete = true;
	} else {
		struct lab_rec r;

		memset(&r, 0, sizeof(r));
		for (size_t i = 1; i < ARRAY_SIZE(rec_names); i++)
			if (rec_names[i] && !strcmp(t, rec_names[i]))
				r.type = (int)i;
		if (!r.type || !get_str(o, "ns", r.ns, sizeof(r.ns), false) || !token_ok(r.ns) ||
		    !get_str(o, "a", r.a, sizeof(r.a), false) ||
		    !get_str(o, "b", r.b, sizeof(r.b), false) ||
		    !get_str(o, "fault", r.fault, sizeof(r.fault), false))
			return;
		if (get_int(o, "pid", 0, 0x7fffffff, &v))
			r.pid = v;
		if (get_int(o, "start", 0, INT64_MAX, &v))
			r.start = (uint64_t)v;
		if ((r.type == LREC_NS || r.type == LREC_LINK || r.type == LREC_NFT) &&
		    (!r.a[0] || !token_ok(r.a)))
			return;
		if ((r.type == LREC_OVS || r.type == LREC_FILE) &&
		    (strncmp(r.a, lab_dir(), strlen(lab_dir())) || strstr(r.a, "/../")))
			return;
		if (r.type == LREC_SYSCTL && strncmp(r.a, "/proc/sys/net/", 14))
			return;
		if (r.type == LREC_PROC && r.pid <= 1)
			return;
		lab_rec_push(l, &r);
	}
}

int lab_state_parse(const char *buf, size_t len, struct lab *out)
{
	bool have = false;
	size_t i = 0;
	json_tokener *tok = json_tokener_new();

	memset(out, 0, sizeof(*out));
	while (i < len) {
		size_t e = i;

		while (e < len && buf[e] != '\n')
			e++;
		if (e > i && e - i < 65536) {
			json_object *o;

			json_tokener_reset(tok);
			o = json_tokener_parse_ex(tok, buf + i, (int)(e - i));
			if (o && json_tokener_get_parse_end(tok) == e - i)
				parse_line(o, out, &have);
			else if (o == NULL && json_tokener_get_error(tok) == json_tokener_continue) {
				/* an incomplete object (torn write): skip */
			}
			json_object_put(o);
		}
		i = e + 1;
	}
	json_tokener_free(tok);
	if (!have) {
		lab_free(out);
		return -EINVAL;
	}
	return 0;
}

int lab_load(const char *name, struct lab *out)
{
	struct strbuf sb;
	char *p;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!lab_name_valid(name))
		return -EINVAL;
	p = lab_state_path(name);
	sb_init(&sb);
	rc = read_file_sb(p, &sb, 4 << 20);
	free(p);
	if (!rc)
		rc = lab_state_parse(sb.buf ? sb.buf : "", sb.len, out);
	sb_release(&sb);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int lab_names(char ***out, int *n)
{
	DIR *d = opendir(lab_dir());
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;
	int k = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char name[LAB_NAME_MAX + 1];

		if (l < 6 || l - 5 > LAB_NAME_MAX || strcmp(de->d_name + l - 5, ".json"))
			continue;
		memcpy(name, de->d_name, l - 5);
		name[l - 5] = 0;
		if (!lab_name_valid(name))
			continue;
		grow_array((void **)&v, &cap, (size_t)k + 1, sizeof(*v));
		v[k++] = xstrdup(name);
	}
	closedir(d);
	if (k)
		qsort(v, (size_t)k, sizeof(*v), cmp_str);
	*out = v;
	*n = k;
	return 0;
}

void lab_names_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

const struct lab_node *lab_node_find(const struct lab *l, const char *node)
{
	for (int i = 0; i < l->n_nodes; i++)
		if (!strcmp(l->nodes[i].name, node) || !strcmp(l->nodes[i].ns, node))
			return &l->nodes[i];
	return NULL;
}

int lab_state_append_fd(int fd, const char *json)
{
	size_t n = strlen(json);
	char *line = xmalloc(n + 2);
	ssize_t w;

	memcpy(line, json, n);
	line[n] = '\n';
	line[n + 1] = 0;
	w = write(fd, line, n + 1);
	free(line);
	if (w != (ssize_t)(n + 1))
		return w < 0 ? -errno : -EIO;
	if (fdatasync(fd))
		return -errno;
	return 0;
}

char *lab_rec_json(const struct lab_rec *r)
{
	json_object *o = json_object_new_object();
	char *s;

	json_object_object_add(o, "t", json_object_new_string(rec_names[r->type]));
	if (r->ns[0])
		json_object_object_add(o, "ns", json_object_new_string(r->ns));
	if (r->a[0])
		json_object_object_add(o, "a", json_object_new_string(r->a));
	if (r->b[0])
		json_object_object_add(o, "b", json_object_new_string(r->b));
	if (r->fault[0])
		json_object_object_add(o, "fault", json_object_new_string(r->fault));
	if (r->pid)
		json_object_object_add(o, "pid", json_object_new_int64(r->pid));
	if (r->start)
		json_object_object_add(o, "start", json_object_new_int64((int64_t)r->start));
	s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

int lab_state_drop_faults(const char *name)
{
	char *p = lab_state_path(name), *tmp = xasprintf("%s.tmp", p);
	struct strbuf sb, outb;
	int rc, fd;

	sb_init(&sb);
	sb_init(&outb);
	rc = read_file_sb(p, &sb, 4 << 20);
	if (rc)
		goto out;
	for (size_t i = 0; i < sb.len;) {
		size_t e = i;
		json_object *o, *f;

		while (e < sb.len && sb.buf[e] != '\n')
			e++;
		char *line = strndup(sb.buf + i, e - i);

		o = line && e > i ? json_tokener_parse(line) : NULL;
		free(line);
		if (!(o && json_object_object_get_ex(o, "fault", &f)) && e > i) {
			sb_add(&outb, sb.buf + i, e - i);
			sb_addstr(&outb, "\n");
		}
		json_object_put(o);
		i = e + 1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if ((outb.len && write(fd, outb.buf, outb.len) != (ssize_t)outb.len) || fsync(fd)) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, p))
		rc = -errno;
out:
	sb_release(&sb);
	sb_release(&outb);
	free(p);
	free(tmp);
	return rc;
}
