/* snapshot.c: building and searching a snapshot. */
#include <string.h>
#include <stdlib.h>
#include "snapshot.h"
#include "intern.h"

static const char *const layer_names[LAYER__COUNT] = {
	[LAYER_NIC] = "nic",         [LAYER_IRQ] = "irq",
	[LAYER_SOFTIRQ] = "softirq", [LAYER_BACKLOG] = "backlog",
	[LAYER_QDISC] = "qdisc",     [LAYER_VDEV] = "vdev",
	[LAYER_NETFILTER] = "netfilter", [LAYER_IP] = "ip",
	[LAYER_UDP] = "udp",         [LAYER_SOCKET] = "socket",
};

const char *layer_name(enum dp_layer l)
{
	return (unsigned)l < LAYER__COUNT ? layer_names[l] : "?";
}

int layer_from_name(const char *s)
{
	for (int i = 0; i < LAYER__COUNT; i++)
		if (!strcmp(s, layer_names[i]))
			return i;
	return -1;
}

void snap_init(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
}

void snap_clear(struct snapshot *s)
{
	struct snap_run *t = s->old_runs;
	size_t tcap = s->old_cap;

	/* the rows stay in the buffer: their runs become the old ones (snap_reuse) */
	s->old_runs = s->runs;
	s->old_cap = s->runs_cap;
	s->nold = s->nruns;
	s->old_at = s->hi = 0;
	s->runs = t;
	s->runs_cap = tcap;
	s->nns = s->nm = s->nlinks = s->nst = s->nruns = s->watch_end = 0;
	s->t_mono = s->t_real = 0;
	memset(s->st, 0, sizeof(s->st));
}

void snap_release(struct snapshot *s)
{
	free(s->ns);
	free(s->m);
	free(s->links);
	free(s->runs);
	free(s->old_runs);
	snap_init(s);
}

uint32_t snap_add_ns(struct snapshot *s, uint64_t inode, const char *name,
		     enum netns_source src, int pid)
{
	for (size_t i = 0; i < s->nns; i++)
		if (s->ns[i].inode == inode && inode)
			return (uint32_t)i;
	grow_array((void **)&s->ns, &s->ns_cap, s->nns + 1, sizeof(*s->ns));
	s->ns[s->nns] = (struct netns_info){
		.inode = inode, .name = intern(name), .source = src, .pid = pid,
	};
	return (uint32_t)s->nns++;
}

struct metric *snap_add_full(struct snapshot *s, uint32_t ns, enum dp_layer layer,
			     enum metric_kind kind, unsigned flags, const char *obj,
			     int32_t queue, int32_t cpu, const char *name, uint64_t value)
{
	return snap_add_interned(s, ns, layer, kind, flags,
				 obj && *obj ? intern(obj) : intern_empty(), queue, cpu,
				 intern(name), value);
}

struct metric *snap_add(struct snapshot *s, uint32_t ns, enum dp_layer layer,
			enum metric_kind kind, const char *obj, const char *name, uint64_t value)
{
	return snap_add_full(s, ns, layer, kind, 0, obj, -1, -1, name, value);
}

struct metric *snap_add_knob(struct snapshot *s, uint32_t ns, enum dp_layer layer,
			     const char *obj, const char *name, const char *text)
{
	uint64_t v = 0;
	struct metric *m;

	if (parse_u64(text, &v))
		v = 0;
	m = snap_add(s, ns, layer, MK_KNOB, obj, name, v);
	m->text = intern(text);
	return m;
}

struct link_info *snap_add_link(struct snapshot *s)
{
	struct link_info *l;

	grow_array((void **)&s->links, &s->links_cap, s->nlinks + 1, sizeof(*s->links));
	l = &s->links[s->nlinks++];
	memset(l, 0, sizeof(*l));
	l->link_netnsid = -1;
	l->kind = intern("");
	return l;
}

uint64_t snap_new_version(void)
{
	static uint64_t v;

	return ++v;
}

void snap_add_run(struct snapshot *s, const void *src, uint64_t ver, size_t start)
{
	struct snap_run *r;
	bool quiet = s->watch_end <= start; /* no row of it has MF_WATCH */

	if (start >= s->nm || !ver)
		return;
	grow_array((void **)&s->runs, &s->runs_cap, s->nruns + 1, sizeof(*s->runs));
	r = &s->runs[s->nruns++];
	*r = (struct snap_run){ .src = src, .ver = ver, .start = (uint32_t)start,
				.n = (uint32_t)(s->nm - start), .ns = s->m[start].ns, .gen = intern_gen,
				.quiet = quiet };
}

bool snap_reuse(struct snapshot *s, const void *src, uint64_t ver, uint32_t ns)
{
	size_t at = s->nm;
	const struct snap_run *o;

	while (s->old_at < s->nold && s->old_runs[s->old_at].start < at)
		s->old_at++;
	if (!ver || s->old_at >= s->nold || at < s->hi)
		return false;
	o = &s->old_runs[s->old_at];
	if (o->start != at || o->src != src || o->ver != ver || !o->quiet || o->gen != intern_gen)
		return false;
	if (o->ns != ns) /* the namespace's index moved since */
		for (uint32_t k = 0; k < o->n; k++)
			s->m[at + k].ns = ns;
	s->nm += o->n;
	s->old_at++;
	/* the same run again (quiet: watch_end does not move), its rows not read */
	grow_array((void **)&s->runs, &s->runs_cap, s->nruns + 1, sizeof(*s->runs));
	s->runs[s->nruns] = *o;
	s->runs[s->nruns++].ns = ns;
	return true;
}

void snap_truncate(struct snapshot *s, size_t nm)
{
	if (nm >= s->nm)
		return;
	if (s->nm > s->hi) /* rows up to here are this filling's, not the old ones */
		s->hi = s->nm;
	s->nm = nm;
	while (s->nruns && s->runs[s->nruns - 1].start + s->runs[s->nruns - 1].n > nm)
		s->nruns--;
	while (s->watch_end > nm || (s->watch_end && !(s->m[s->watch_end - 1].flags & MF_WATCH)))
		s->watch_end--;
}

const struct metric *snap_find(const struct snapshot *s, uint32_t ns, enum dp_layer layer,
			       const char *obj, int32_t queue, int32_t cpu, const char *name)
{
	const char *o = intern(obj ? obj : ""), *n = intern(name);

	for (size_t i = 0; i < s->nm; i++) {
		const struct metric *m = &s->m[i];

		if (m->ns == ns && m->layer == layer && m->obj == o && m->name == n &&
		    m->queue == queue && m->cpu == cpu)
			return m;
	}
	return NULL;
}

int snap_ns_by_name(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->nns; i++)
		if (!strcmp(s->ns[i].name, name))
			return (int)i;
	return -1;
}

const struct link_info *snap_link_by_index(const struct snapshot *s, uint32_t ns, int ifindex)
{
	/* from the end: collectors look up the namespace whose links were just added (a
	 * search from the start crossed all 1,100 links of 100 namespaces per qdisc) */
	for (size_t i = s->nlinks; i-- > 0;)
		if (s->links[i].ns == ns && s->links[i].ifindex == ifindex)
			return &s->links[i];
	return NULL;
}

struct collector_status *snap_status(struct snapshot *s, const char *name)
{
	const char *n = intern(name);

	for (size_t i = 0; i < s->nst; i++)
		if (s->st[i].name == n)
			return &s->st[i];
	if (s->nst >= COLLECTOR_MAX)
		return &s->st[COLLECTOR_MAX - 1];
	s->st[s->nst].name = n;
	return &s->st[s->nst++];
}
