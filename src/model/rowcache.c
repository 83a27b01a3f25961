/* rowcache.c: see rowcache.h. */
#include <stdlib.h>
#include <string.h>
#include "rowcache.h"
#include "intern.h"

bool rowcache_same(const struct rowcache *rc, const void *raw, size_t len)
{
	/* rows hold interned pointers: after the pool is reset they name nothing */
	return rc->gen && rc->gen == intern_gen && rc->rawlen == len &&
	       !memcmp(rc->raw, raw, len);
}

void rowcache_put(const struct rowcache *rc, struct snapshot *s, uint32_t ns)
{
	struct metric *m;

	if (!rc->n || snap_reuse(s, rc, rc->ver, ns))
		return;
	grow_array((void **)&s->m, &s->m_cap, s->nm + rc->n, sizeof(*s->m));
	m = s->m + s->nm;
	memcpy(m, rc->m, rc->n * sizeof(*m));
	if (m->ns != ns) /* the namespace's index moved (another one came or went) */
		for (size_t i = 0; i < rc->n; i++)
			m[i].ns = ns;
	s->nm += rc->n;
	if (rc->watch_end)
		s->watch_end = (size_t)(m - s->m) + rc->watch_end;
	snap_add_run(s, rc, rc->ver, (size_t)(m - s->m));
}

bool rowcache_replay(const struct rowcache *rc, struct snapshot *s, uint32_t ns,
		     const void *raw, size_t len)
{
	if (!rowcache_same(rc, raw, len))
		return false;
	rowcache_put(rc, s, ns);
	return true;
}

void rowcache_keep(struct rowcache *rc, struct snapshot *s, size_t from,
		   const void *raw, size_t len)
{
	size_t n = s->nm > from ? s->nm - from : 0;

	grow_array((void **)&rc->raw, &rc->rawcap, len + 1, 1);
	memcpy(rc->raw, raw, len);
	rc->rawlen = len;
	grow_array((void **)&rc->m, &rc->cap, n + 1, sizeof(*rc->m));
	memcpy(rc->m, s->m + from, n * sizeof(*rc->m));
	rc->n = n;
	rc->watch_end = s->watch_end > from ? s->watch_end - from : 0;
	rc->gen = intern_gen;
	rc->ver = snap_new_version();
	snap_add_run(s, rc, rc->ver, from);
}

void rowcache_forget(struct rowcache *rc)
{
	rc->gen = 0;
}

void rowcache_release(struct rowcache *rc)
{
	free(rc->raw);
	free(rc->m);
	memset(rc, 0, sizeof(*rc));
}
