/* linkpeer.c: resolve IFLA_LINK (+ IFLA_LINK_NETNSID) to a device of the snapshot. */
#include <stdlib.h>
#include "linkpeer.h"

/* (namespace, netnsid as seen there) -> the namespace index it names */
struct nsid_map {
	uint32_t ns;
	int nsid;
	uint32_t target;
	bool conflict;
};

static const struct snapshot *sort_snap;

/* Links by (ifindex, link): a veth's peer has ifindex == our link and link == our ifindex. */
static int cmp_pair(const void *a, const void *b)
{
	const struct link_info *x = &sort_snap->links[*(const size_t *)a];
	const struct link_info *y = &sort_snap->links[*(const size_t *)b];

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	if (x->link != y->link)
		return x->link < y->link ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* First position in by[] whose (ifindex, link) is >= (ifx, lnk). */
static size_t lower_bound(const struct snapshot *s, const size_t *by, size_t n, int ifx, int lnk)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct link_info *m = &s->links[by[mid]];

		if (m->ifindex < ifx || (m->ifindex == ifx && m->link < lnk))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct nsid_map *map_find(struct nsid_map *map, size_t n, uint32_t ns, int nsid)
{
	for (size_t i = 0; i < n; i++)
		if (map[i].ns == ns && map[i].nsid == nsid)
			return &map[i];
	return NULL;
}

void linkpeer_resolve(const struct snapshot *s, int *peer)
{
	size_t n = s->nlinks, nmap = 0;
	size_t *by;
	struct nsid_map *map;

	if (!n)
		return;
	by = xmalloc(n * sizeof(*by));
	map = xmalloc(n * sizeof(*map));
	for (size_t i = 0; i < n; i++) {
		by[i] = i;
		peer[i] = -1;
	}
	sort_snap = s;
	qsort(by, n, sizeof(*by), cmp_pair);

	/* 1. same namespace, and mutual pairs across namespaces */
	for (size_t i = 0; i < n; i++) {
		const struct link_info *l = &s->links[i];
		size_t k, found = 0;
		int cand = -1;

		if (!l->link)
			continue;
		if (l->link_netnsid < 0) {
			const struct link_info *p = snap_link_by_index(s, l->ns, l->link);

			peer[i] = p ? (int)(p - s->links) : -1;
			continue;
		}
		for (k = lower_bound(s, by, n, l->link, l->ifindex); k < n; k++) {
			const struct link_info *c = &s->links[by[k]];

			if (c->ifindex != l->link || c->link != l->ifindex)
				break;
			if (c->ns == l->ns || c->link_netnsid < 0)
				continue;
			if (l->link_name && c->name != l->link_name)
				continue;
			found++;
			cand = (int)by[k];
		}
		if (found == 1) {
			struct nsid_map *m = map_find(map, nmap, l->ns, l->link_netnsid);

			peer[i] = cand;
			if (!m) {
				m = &map[nmap++];
				*m = (struct nsid_map){ l->ns, l->link_netnsid, s->links[cand].ns, false };
			} else if (m->target != s->links[cand].ns) {
				m->conflict = true;
			}
		}
	}
	/* 2. a parent in another namespace (macvlan, vlan): by ifindex and the name the kernel
	 *    gave for it, when exactly one device of another namespace fits */
	for (size_t i = 0; i < n; i++) {
		const struct link_info *l = &s->links[i];
		size_t found = 0;
		int cand = -1;

		if (!l->link || l->link_netnsid < 0 || peer[i] >= 0 || !l->link_name)
			continue;
		for (size_t k = 0; k < n; k++) {
			const struct link_info *c = &s->links[k];

			if (c->ns != l->ns && c->ifindex == l->link && c->name == l->link_name) {
				found++;
				cand = (int)k;
			}
		}
		if (found == 1)
			peer[i] = cand;
	}
	/* 3. the rest through what the unique pairs taught about each netnsid */
	for (size_t i = 0; i < n; i++) {
		const struct link_info *l = &s->links[i];
		const struct nsid_map *m;
		const struct link_info *p;

		if (!l->link || l->link_netnsid < 0 || peer[i] >= 0)
			continue;
		m = map_find(map, nmap, l->ns, l->link_netnsid);
		if (!m || m->conflict)
			continue;
		p = snap_link_by_index(s, m->target, l->link);
		if (p)
			peer[i] = (int)(p - s->links);
	}
	/* a conflict means a pair matched by chance: drop what that netnsid resolved */
	for (size_t i = 0; i < n; i++) {
		const struct link_info *l = &s->links[i];
		const struct nsid_map *m;

		if (peer[i] < 0 || l->link_netnsid < 0)
			continue;
		m = map_find(map, nmap, l->ns, l->link_netnsid);
		if (m && m->conflict)
			peer[i] = -1;
	}
	free(map);
	free(by);
}
