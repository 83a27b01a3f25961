/* nat.c: the nftables NAT matcher of `dptune path` (see nat.h). Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include "nat.h"
#include "pathnl.h"

#define NAT_CHAINS 32

struct chain {
	const char *family, *table, *name;
	int prio;
};

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *jobj(json_object *o, const char *k)
{
	json_object *v;

	return o && json_object_is_type(o, json_type_object) &&
	       json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* An address match value: "1.2.3.4", {"prefix":{"addr":..,"len":..}}, {"range":[a,b]}. */
static int addr_match(json_object *right, struct in_addr a)
{
	json_object *p = jobj(right, "prefix");

	if (json_object_is_type(right, json_type_string)) {
		struct in_addr v;

		if (inet_pton(AF_INET, json_object_get_string(right), &v) != 1)
			return -1;
		return v.s_addr == a.s_addr;
	}
	if (p) {
		struct in_addr v;
		const char *s = jstr(p, "addr");
		json_object *l = jobj(p, "len");

		if (!s || !l || inet_pton(AF_INET, s, &v) != 1)
			return -1;
		return pn_in_prefix(a, v, (unsigned)json_object_get_int(l));
	}
	if ((p = jobj(right, "range")) && json_object_is_type(p, json_type_array) &&
	    json_object_array_length(p) == 2) {
		struct in_addr lo, hi;
		const char *s0 = json_object_get_string(json_object_array_get_idx(p, 0));
		const char *s1 = json_object_get_string(json_object_array_get_idx(p, 1));

		if (!s0 || !s1 || inet_pton(AF_INET, s0, &lo) != 1 || inet_pton(AF_INET, s1, &hi) != 1)
			return -1;
		return ntohl(a.s_addr) >= ntohl(lo.s_addr) && ntohl(a.s_addr) <= ntohl(hi.s_addr);
	}
	if ((p = jobj(right, "set")) && json_object_is_type(p, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(p); i++) {
			int m = addr_match(json_object_array_get_idx(p, i), a);

			if (m)
				return m;
		}
		return 0;
	}
	return -1;
}

static int name_match(json_object *right, const char *name)
{
	const char *s;
	size_t n;

	if (!json_object_is_type(right, json_type_string))
		return -1;
	if (!name || !*name)
		return -1; /* not known at this hook */
	s = json_object_get_string(right);
	n = strlen(s);
	if (n && s[n - 1] == '*')
		return !strncmp(s, name, n - 1);
	return !strcmp(s, name);
}

static int num_match(json_object *right, unsigned v)
{
	json_object *p;

	if (json_object_is_type(right, json_type_int))
		return (unsigned)json_object_get_int(right) == v;
	if ((p = jobj(right, "range")) && json_object_is_type(p, json_type_array) &&
	    json_object_array_length(p) == 2)
		return v >= (unsigned)json_object_get_int(json_object_array_get_idx(p, 0)) &&
		       v <= (unsigned)json_object_get_int(json_object_array_get_idx(p, 1));
	if ((p = jobj(right, "set")) && json_object_is_type(p, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(p); i++)
			if (num_match(json_object_array_get_idx(p, i), v) == 1)
				return 1;
		return 0;
	}
	return -1;
}

static int proto_num(const char *s)
{
	if (!s)
		return -1;
	if (!strcmp(s, "udp"))
		return IPPROTO_UDP;
	if (!strcmp(s, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(s, "icmp"))
		return IPPROTO_ICMP;
	return -1;
}

/* One "match" expression: 1 matches, 0 does not, -1 not understood. */
static int match_one(json_object *m, const struct nat_pkt *p)
{
	const char *op = jstr(m, "op");
	json_object *left = jobj(m, "left"), *right = jobj(m, "right"), *pl, *meta;
	int r = -1;

	if (!left || !right)
		return -1;
	if ((pl = jobj(left, "payload"))) {
		const char *proto = jstr(pl, "protocol"), *field = jstr(pl, "field");

		if (!proto || !field)
			return -1;
		if (!strcmp(proto, "ip") && !strcmp(field, "saddr"))
			r = addr_match(right, p->src);
		else if (!strcmp(proto, "ip") && !strcmp(field, "daddr"))
			r = addr_match(right, p->dst);
		else if (!strcmp(proto, "ip") && !strcmp(field, "protocol"))
			r = json_object_is_type(right, json_type_string) ?
			    proto_num(json_object_get_string(right)) == p->proto :
			    num_match(right, p->proto);
		else if (!strcmp(field, "dport") || !strcmp(field, "sport")) {
			int pn = proto_num(proto);

			if (pn >= 0 && pn != p->proto)
				r = 0;
			else if (pn < 0 && strcmp(proto, "th"))
				r = -1;
			else
				r = num_match(right, !strcmp(field, "dport") ? p->dport : p->sport);
		}
	} else if ((meta = jobj(left, "meta"))) {
		const char *key = jstr(meta, "key");

		if (!key)
			return -1;
		if (!strcmp(key, "iifname") || !strcmp(key, "iif"))
			r = name_match(right, p->iif);
		else if (!strcmp(key, "oifname") || !strcmp(key, "oif"))
			r = name_match(right, p->oif);
		else if (!strcmp(key, "l4proto") || !strcmp(key, "protocol"))
			r = json_object_is_type(right, json_type_string) ?
			    (proto_num(json_object_get_string(right)) == p->proto ||
			     (!strcmp(key, "protocol") && !strcmp(json_object_get_string(right), "ip")))
			    : num_match(right, p->proto);
	}
	if (r < 0)
		return -1;
	if (op && !strcmp(op, "!="))
		return !r;
	if (op && strcmp(op, "==") && strcmp(op, "in"))
		return -1;
	return r;
}

/* The text of a rule for the result: its match values, in order. */
static void rule_text(const struct chain *c, json_object *rule, const char *verdict,
		      char *out, size_t n)
{
	json_object *h = jobj(rule, "handle");

	snprintf(out, n, "nft %s %s chain %s handle %d: %s", c->family, c->table, c->name,
		 h ? json_object_get_int(h) : 0, verdict);
}

/* Evaluate one rule: 1 a NAT statement applies (r filled), 0 no, 2 the chain ends
 * (accept/return/drop), -1 not understood. */
static int eval_rule(const struct chain *c, json_object *rule, const struct nat_pkt *p,
		     bool want_dnat, struct nat_result *r)
{
	json_object *expr = jobj(rule, "expr");
	size_t n;

	if (!expr || !json_object_is_type(expr, json_type_array))
		return -1;
	n = json_object_array_length(expr);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(expr, i), *m, *st;
		const char *k = NULL;
		char verdict[120];

		if ((m = jobj(e, "match"))) {
			int v = match_one(m, p);

			if (v <= 0)
				return v;
			continue;
		}
		if (jobj(e, "counter") || json_object_object_get_ex(e, "counter", NULL))
			continue;
		if (json_object_object_get_ex(e, "accept", NULL) ||
		    json_object_object_get_ex(e, "return", NULL) ||
		    json_object_object_get_ex(e, "drop", NULL))
			return 2;
		if (json_object_object_get_ex(e, "dnat", &st))
			k = "dnat";
		else if (json_object_object_get_ex(e, "snat", &st))
			k = "snat";
		else if (json_object_object_get_ex(e, "masquerade", &st))
			k = "masquerade";
		else if (json_object_object_get_ex(e, "redirect", &st))
			k = "redirect";
		if (!k)
			return -1;
		memset(&r->addr, 0, sizeof(r->addr));
		r->port = 0;
		r->masquerade = !strcmp(k, "masquerade");
		r->dnat = !strcmp(k, "dnat") || !strcmp(k, "redirect");
		if (r->dnat != want_dnat)
			return 2;
		if (st && json_object_is_type(st, json_type_object)) {
			const char *a = jstr(st, "addr");
			json_object *port = jobj(st, "port");

			if (a && inet_pton(AF_INET, a, &r->addr) != 1)
				return -1;
			if (port && json_object_is_type(port, json_type_int))
				r->port = (uint16_t)json_object_get_int(port);
		}
		if (!strcmp(k, "redirect"))
			r->addr = p->dst; /* to the local machine: the address stays local */
		{
			char a[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &r->addr, a, sizeof(a));
			if (r->masquerade)
				snprintf(verdict, sizeof(verdict), "masquerade");
			else if (r->port)
				snprintf(verdict, sizeof(verdict), "%s to %s:%u", k, a, r->port);
			else
				snprintf(verdict, sizeof(verdict), "%s to %s", k, a);
		}
		rule_text(c, rule, verdict, r->rule, sizeof(r->rule));
		r->hit = true;
		return 1;
	}
	return 0;
}

static int chain_cmp(const void *a, const void *b)
{
	return ((const struct chain *)a)->prio - ((const struct chain *)b)->prio;
}

int nat_lookup(const char *buf, size_t len, enum nat_hook hook, const struct nat_pkt *p,
	       struct nat_result *r)
{
	static const char *const hooks[] = { "prerouting", "postrouting", "output" };
	struct json_tokener *tok;
	json_object *root, *arr;
	struct chain ch[NAT_CHAINS];
	size_t nch = 0, n;
	bool want_dnat = hook != NAT_POSTROUTING;

	memset(r, 0, sizeof(*r));
	tok = json_tokener_new_ex(64);
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, buf, (int)(len > (size_t)INT32_MAX ? INT32_MAX : len));
	json_tokener_free(tok);
	if (!root)
		return -EINVAL;
	arr = jobj(root, "nftables");
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		json_object_put(root);
		return -EINVAL;
	}
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n && nch < NAT_CHAINS; i++) {
		json_object *c = jobj(json_object_array_get_idx(arr, i), "chain"), *prio;
		const char *type = jstr(c, "type"), *hk = jstr(c, "hook"), *fam = jstr(c, "family");

		if (!c || !type || !hk || !fam || strcmp(type, "nat") || strcmp(hk, hooks[hook]))
			continue;
		if (strcmp(fam, "ip") && strcmp(fam, "inet"))
			continue;
		ch[nch].family = fam;
		ch[nch].table = jstr(c, "table");
		ch[nch].name = jstr(c, "name");
		prio = jobj(c, "prio");
		ch[nch].prio = prio && json_object_is_type(prio, json_type_int) ?
			       json_object_get_int(prio) : 0;
		if (ch[nch].table && ch[nch].name)
			nch++;
	}
	qsort(ch, nch, sizeof(ch[0]), chain_cmp);
	for (size_t c = 0; c < nch && !r->hit; c++) {
		for (size_t i = 0; i < n; i++) {
			json_object *rule = jobj(json_object_array_get_idx(arr, i), "rule");
			const char *fam = jstr(rule, "family"), *t = jstr(rule, "table"),
				   *cn = jstr(rule, "chain");
			int v;

			if (!rule || !fam || !t || !cn || strcmp(fam, ch[c].family) ||
			    strcmp(t, ch[c].table) || strcmp(cn, ch[c].name))
				continue;
			v = eval_rule(&ch[c], rule, p, want_dnat, r);
			if (v == -1) {
				json_object *h = jobj(rule, "handle");
				size_t l = strlen(r->note);

				snprintf(r->note + l, sizeof(r->note) - l, "%srule %s/%s handle %d "
					 "not understood (skipped)", l ? "; " : "", t, cn,
					 h ? json_object_get_int(h) : 0);
				continue;
			}
			if (v == 1 || v == 2)
				break;
		}
	}
	json_object_put(root);
	return 0;
}
