/* observation.c: the pure half of an observation window: the load's own result read
 * from its output, the analysis of the counters, conservation and the waterfall. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "observation.h"

/* The first candidate object of doc with a "lost_packets" key. */
static bool load_from_doc(json_object *doc, struct load_result *r)
{
	static const char *const sections[] = { NULL, "forward", "summary", "end" };
	json_object *v, *sec;

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (!sections[i])
			sec = doc;
		else if (!json_object_object_get_ex(doc, sections[i], &sec))
			continue;
		if (!json_object_is_type(sec, json_type_object) ||
		    !json_object_object_get_ex(sec, "lost_packets", &v))
			continue;
		memset(r, 0, sizeof(*r));
		r->lost = (uint64_t)json_object_get_int64(v);
		if (json_object_object_get_ex(sec, "sent", &v) ||
		    json_object_object_get_ex(sec, "packets", &v))
			r->sent = (uint64_t)json_object_get_int64(v);
		if (json_object_object_get_ex(doc, "server", &v) &&
		    json_object_is_type(v, json_type_string))
			snprintf(r->server, sizeof(r->server), "%s", json_object_get_string(v));
		return true;
	}
	return false;
}

int load_result_parse(const char *buf, size_t len, struct load_result *r)
{
	const char *end = buf + len;

	/* from the last line that opens a document backwards */
	while (end > buf) {
		const char *start = end - 1;
		json_tokener *tok;
		json_object *doc;
		bool found = false;

		while (start > buf && !(*start == '{' && start[-1] == '\n'))
			start--;
		if (*start != '{')
			break;
		tok = json_tokener_new();
		if (!tok)
			return -ENOMEM;
		doc = json_tokener_parse_ex(tok, start, (int)(buf + len - start > 0x7fffffff ?
							       0x7fffffff : buf + len - start));
		if (doc) {
			found = json_object_is_type(doc, json_type_object) && load_from_doc(doc, r);
			json_object_put(doc);
		}
		json_tokener_free(tok);
		if (found)
			return 0;
		end = start;
	}
	return -ENOENT;
}

void observation_init(struct observation *o)
{
	memset(o, 0, sizeof(*o));
	snap_init(&o->a);
	snap_init(&o->b);
	o->l.top = o->l.detail = -1;
}

void observation_analyze(struct observation *o)
{
	const struct doctor_input in = {
		.owners = &o->owners,
		.load_server = o->load_server,
	};

	delta_compute(&o->d, &o->a, &o->b);
	ledger_build(&o->l, &o->b, &o->d);
	doctor_run_input(&o->a, &o->b, &o->d, &in, &o->rep);
}

void observation_release(struct observation *o)
{
	doctor_report_release(&o->rep);
	ledger_release(&o->l);
	delta_release(&o->d);
	snap_release(&o->a);
	snap_release(&o->b);
}

bool observation_cmd_ok(const struct observation *o)
{
	return !o->have_cmd || !o->cmd_rc || o->have_lost || o->interrupted;
}

uint64_t observation_unexplained(const struct observation *o)
{
	return o->have_lost && o->lost > o->l.explained ? o->lost - o->l.explained : 0;
}

size_t waterfall_build(const struct ledger *l, struct waterfall_layer *w)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct ledger_entry *e = &l->e[i];

		if (!n || w[n - 1].layer != e->layer) {
			if (n == LAYER__COUNT)
				break;
			w[n++] = (struct waterfall_layer){ .layer = e->layer, .first = i };
		}
		w[n - 1].n++;
		if (e->delta > w[n - 1].dropped)
			w[n - 1].dropped = e->delta;
	}
	return n;
}
