/* abnormal.c: the one home of the rules that judge a single reading (see abnormal.h). */
#include <string.h>
#include "abnormal.h"
#include "../core/util.h"
#include "../model/intern.h"

bool analyze_conntrack_full(uint64_t count, uint64_t max)
{
	/* count >= 90 % of max, in integers (no rounding at the boundary, no overflow) */
	return max && (unsigned __int128)count * 100 >=
		      (unsigned __int128)max * ANALYZE_CONNTRACK_FULL_PCT;
}

bool analyze_udp_mem_pressure(uint64_t pages, uint64_t pressure)
{
	return pressure && pages >= pressure;
}

/* The row named name in m's namespace: first among the few rows after m (collectors emit
 * related values together: nf_conntrack_max right after nf_conntrack_count), else
 * anywhere in the snapshot. */
static const struct metric *near(const struct snapshot *s, const struct metric *m,
				 enum dp_layer layer, const char *name)
{
	const char *n = intern(name), *none = intern("");
	size_t i = (size_t)(m - s->m);

	for (size_t j = i + 1; j < s->nm && j <= i + 8; j++)
		if (s->m[j].ns == m->ns && s->m[j].name == n && s->m[j].obj == none)
			return &s->m[j];
	return snap_find(s, m->ns, layer, "", -1, -1, name);
}

/* The second space-separated field of a knob's text ("4096 8192 16384" -> 8192). */
static bool second_u64(const char *text, uint64_t *v)
{
	char f[32];
	const char *p = strchr(text, ' '), *e;

	if (!p)
		return false;
	e = strchr(++p, ' ');
	if (!e)
		e = p + strlen(p);
	if (e == p || (size_t)(e - p) >= sizeof(f))
		return false;
	memcpy(f, p, (size_t)(e - p));
	f[e - p] = '\0';
	return !parse_u64(f, v);
}

bool analyze_row_abnormal(const struct snapshot *s, const struct metric *m)
{
	/* interned once per pool: this runs for every row stat prints */
	const char *ct_count = INTERN_LIT("nf_conntrack_count"), *udp_mem = INTERN_LIT("udp_mem"),
		   *unaccounted = INTERN_LIT("drop_events_unaccounted"),
		   *missed = INTERN_LIT("drop_events_missed");
	const struct metric *o;

	/* a row is judged by its moves, but for those the collector marks (MF_WATCH): stat
	 * relies on this to skip an unmoved row from its delta row alone */
	if (!(m->flags & MF_WATCH))
		return false;
	if (m->name == ct_count) {
		o = near(s, m, LAYER_NETFILTER, "nf_conntrack_max");
		return o && analyze_conntrack_full(m->value, o->value);
	}
	if (m->name == udp_mem && m->kind != MK_KNOB) {
		uint64_t pressure;

		o = near(s, m, LAYER_UDP, "net.ipv4.udp_mem");
		return o && o->text && second_u64(o->text, &pressure) &&
		       analyze_udp_mem_pressure(m->value, pressure);
	}
	if (m->name == unaccounted || m->name == missed)
		return m->value != 0;
	return false;
}
