/* doctor.c: the diagnosis rules. Each rule reads deltas and knob values, and either
 * stays silent or adds a finding with its evidence, cause, commands and confidence.
 * Rules need loss to speak (except the informational ones): a healthy path under load
 * gives no finding above INFO. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "doctor.h"
#include "abnormal.h"
#include "../model/intern.h"

const char *confidence_name(enum confidence c)
{
	return c == CONF_HIGH ? "high" : c == CONF_MEDIUM ? "medium" : "low";
}

const char *severity_name(enum severity s)
{
	return s == SEV_CRIT ? "critical" : s == SEV_WARN ? "warning" : "info";
}

struct ctx {
	const struct snapshot *cur;
	const struct delta *d;
	struct doctor_report *out;
	size_t cap;
	double secs;
	const struct doctor_input *in;
};

const char *doctor_ns_exec(const struct snapshot *s, uint32_t ns, char *buf, size_t n)
{
	const struct netns_info *i = ns < s->nns ? &s->ns[ns] : NULL;

	if (!i || i->source == NS_HOST || !strcmp(i->name, "host"))
		snprintf(buf, n, "%s", "");
	else if (i->source == NS_PROC && i->pid > 0)
		snprintf(buf, n, "nsenter -t %d -n ", i->pid);
	else
		snprintf(buf, n, "ip netns exec %s ", i->name);
	return buf;
}

const char *doctor_ip_ns(const struct snapshot *s, uint32_t ns, char *buf, size_t n)
{
	const struct netns_info *i = ns < s->nns ? &s->ns[ns] : NULL;

	if (!i || i->source == NS_HOST || !strcmp(i->name, "host"))
		snprintf(buf, n, "ip");
	else if (i->source == NS_PROC && i->pid > 0)
		snprintf(buf, n, "nsenter -t %d -n ip", i->pid);
	else
		snprintf(buf, n, "ip -n %s", i->name);
	return buf;
}

static struct finding *add(struct ctx *c, const char *rule, uint8_t layer, uint32_t ns,
			   const char *obj, int32_t cpu, enum severity sev, enum confidence conf)
{
	struct finding *f;

	grow_array((void **)&c->out->f, &c->cap, c->out->n + 1, sizeof(*f));
	f = &c->out->f[c->out->n++];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->layer = layer;
	f->netns = c->cur->ns[ns].name;
	f->obj = intern(obj ? obj : "");
	f->cpu = cpu;
	f->sev = sev;
	f->conf = conf;
	snprintf(f->change.kind, sizeof(f->change.kind), "none");
	return f;
}

static void set_change(struct finding *f, const char *kind, const char *netns, const char *target,
		       const char *cur, const char *proposed)
{
	snprintf(f->change.kind, sizeof(f->change.kind), "%s", kind);
	snprintf(f->change.netns, sizeof(f->change.netns), "%s", netns);
	snprintf(f->change.target, sizeof(f->change.target), "%s", target);
	snprintf(f->change.current, sizeof(f->change.current), "%s", cur ? cur : "?");
	snprintf(f->change.proposed, sizeof(f->change.proposed), "%s", proposed);
}

static bool is_counter(const struct metric *m)
{
	return m->kind == MK_COUNTER || m->kind == MK_COUNTER32;
}

/* Sum of deltas of counter `name` in layer (any ns when ns < 0, any obj when obj NULL). */
static uint64_t sum(const struct ctx *c, int ns, int layer, const char *obj, const char *name)
{
	const char *n = intern(name), *o = obj ? intern(obj) : NULL;
	uint64_t s = 0;

	for (size_t i = 0; i < c->d->nrows; i++) {
		const struct metric *m = c->d->rows[i].cur;

		if (m->name != n || (layer >= 0 && m->layer != layer) || (ns >= 0 && m->ns != (uint32_t)ns))
			continue;
		if (o && m->obj != o)
			continue;
		if (is_counter(m))
			s += c->d->rows[i].delta;
	}
	return s;
}

/* A knob or gauge value in ns (falls back to the host namespace, index 0). */
static const struct metric *value_of(const struct ctx *c, uint32_t ns, const char *obj,
				     const char *name)
{
	const char *n = intern(name), *o = intern(obj ? obj : "");

	for (int pass = 0; pass < 2; pass++) {
		uint32_t want = pass ? 0 : ns;

		for (size_t i = 0; i < c->cur->nm; i++) {
			const struct metric *m = &c->cur->m[i];

			if (m->name == n && m->ns == want && (m->obj == o || !obj))
				return m;
		}
	}
	return NULL;
}

static const char *text_of(const struct metric *m, char *buf, size_t n)
{
	if (!m)
		return NULL;
	if (m->text)
		return m->text;
	snprintf(buf, n, "%" PRIu64, m->value);
	return buf;
}

static double rate(const struct ctx *c, uint64_t v)
{
	return c->secs > 0 ? (double)v / c->secs : 0;
}

/* backlog: softnet dropped per CPU; time_squeeze with or without loss. */
static void rule_backlog(struct ctx *c)
{
	uint64_t dropped_total = sum(c, -1, LAYER_BACKLOG, NULL, "dropped");
	uint64_t missed = sum(c, -1, LAYER_NIC, NULL, "rx_missed_errors");
	uint64_t squeeze = sum(c, -1, LAYER_BACKLOG, NULL, "time_squeeze");
	char buf[32], prop[32];

	for (size_t i = 0; dropped_total && i < c->d->nrows; i++) {
		const struct delta_row *r = &c->d->rows[i];
		const struct metric *m = r->cur, *k;
		const char *cur;
		uint64_t v = 0;
		struct finding *f;

		if (m->layer != LAYER_BACKLOG || m->name != intern("dropped") || !r->delta)
			continue;
		k = value_of(c, 0, NULL, "net.core.netdev_max_backlog");
		cur = text_of(k, buf, sizeof(buf));
		if (k)
			v = k->value;
		snprintf(prop, sizeof(prop), "%" PRIu64, v * 4 > 10000 ? v * 4 : 10000);
		f = add(c, "softnet-backlog", LAYER_BACKLOG, m->ns, "", m->cpu, SEV_CRIT, CONF_HIGH);
		f->dropped = r->delta;
		snprintf(f->cause, sizeof(f->cause),
			 "the softnet backlog of CPU %d overflowed: packets queued to it by RPS or by "
			 "veth/tun/loopback ingress (netif_rx) were dropped before the stack saw them; "
			 "the queue holds netdev_max_backlog=%s packets",
			 m->cpu, cur ? cur : "?");
		snprintf(f->evidence, sizeof(f->evidence),
			 "softnet dropped +%" PRIu64 " (%.0f/s) on cpu%d; time_squeeze +%" PRIu64,
			 r->delta, rate(c, r->delta), m->cpu, squeeze);
		snprintf(f->commands, sizeof(f->commands), "sysctl -w net.core.netdev_max_backlog=%s",
			 prop);
		set_change(f, "sysctl", "host", "net.core.netdev_max_backlog", cur, prop);
	}
	if (squeeze && !dropped_total && !missed) {
		struct finding *f = add(c, "squeeze-only", LAYER_BACKLOG, 0, "", -1, SEV_INFO,
					CONF_HIGH);

		snprintf(f->cause, sizeof(f->cause),
			 "NAPI ran out of budget with work left (time_squeeze), but nothing was "
			 "dropped: not a problem on its own");
		snprintf(f->evidence, sizeof(f->evidence), "time_squeeze +%" PRIu64
			 ", softnet dropped 0, rx_missed_errors 0", squeeze);
	} else if (squeeze && missed) {
		const struct metric *k = value_of(c, 0, NULL, "net.core.netdev_budget");
		uint64_t v = k ? k->value : 300;
		struct finding *f = add(c, "softirq-budget", LAYER_SOFTIRQ, 0, "", -1, SEV_WARN,
					CONF_MEDIUM);

		snprintf(prop, sizeof(prop), "%" PRIu64, v * 2 > 600 ? v * 2 : 600);
		snprintf(f->cause, sizeof(f->cause),
			 "NAPI polling ran out of budget (time_squeeze) while NIC rings overflowed: "
			 "the softirq stops before the rings are drained");
		snprintf(f->evidence, sizeof(f->evidence), "time_squeeze +%" PRIu64
			 ", rx_missed_errors +%" PRIu64 ", netdev_budget=%" PRIu64, squeeze, missed, v);
		snprintf(f->commands, sizeof(f->commands),
			 "sysctl -w net.core.netdev_budget=%s\nsysctl -w net.core.netdev_budget_usecs=8000",
			 prop);
		set_change(f, "sysctl", "host", "net.core.netdev_budget", text_of(k, buf, sizeof(buf)),
			   prop);
	}
}

void enic_policy(unsigned rx, unsigned tx, unsigned *interrupts, unsigned *cqs)
{
	*interrupts = rx + tx + 2;
	*cqs = rx + tx;
}

static const struct link_info *link_named(const struct snapshot *s, uint32_t ns, const char *name);

/* Cisco enic (UCS VIC): queue counts live in the vNIC adapter policy, and the interrupt
 * and completion-queue counts must follow them (REFERENCE, field figures). */
static void enic_advice(struct ctx *c, uint32_t ns, const char *dev, struct finding *f)
{
	const struct link_info *l = link_named(c->cur, ns, dev);
	const struct metric *rx = value_of(c, ns, dev, "rx_channels");
	const struct metric *tx = value_of(c, ns, dev, "tx_channels");
	unsigned r, t, irq, cq;
	size_t n = strlen(f->commands);

	if (!l || !l->driver || strcmp(l->driver, "enic"))
		return;
	r = rx && rx->value ? (unsigned)rx->value * 2 : 8;
	t = tx && tx->value ? (unsigned)tx->value * 2 : 8;
	enic_policy(r, t, &irq, &cq);
	snprintf(f->commands + n, sizeof(f->commands) - n,
		 "\n# enic (UCS VIC): queues are set in the vNIC adapter policy, e.g. %u RX + %u TX "
		 "queues with Interrupt Count %u (RX+TX+2) and Completion Queue Count %u (RX+TX); "
		 "enic hashes UDP on IP addresses only, so spread flows over several addresses",
		 r, t, irq, cq);
}

/* nic: ring overflow below the ring's maximum; rx_dropped explained by rx_nohandler. */
static void rule_nic(struct ctx *c)
{
	for (size_t i = 0; i < c->d->nrows; i++) {
		const struct delta_row *r = &c->d->rows[i];
		const struct metric *m = r->cur;

		if (!r->delta || !is_counter(m))
			continue;
		if ((m->layer == LAYER_NIC || m->layer == LAYER_VDEV) && m->name == intern("rx_dropped")) {
			uint64_t nh = sum(c, (int)m->ns, m->layer, m->obj, "rx_nohandler");

			if (nh * 10 >= r->delta * 9) {
				struct finding *f = add(c, "rx-nohandler-benign", m->layer, m->ns, m->obj,
							-1, SEV_INFO, CONF_HIGH);

				snprintf(f->cause, sizeof(f->cause),
					 "rx_dropped on %s is frames no protocol handles (LLDP, odd "
					 "ethertypes): benign", m->obj);
				snprintf(f->evidence, sizeof(f->evidence),
					 "rx_dropped +%" PRIu64 ", rx_nohandler +%" PRIu64, r->delta, nh);
			}
		}
		if (m->layer != LAYER_NIC || (m->name != intern("rx_missed_errors") &&
					      m->name != intern("rx_fifo_errors") &&
					      m->name != intern("rx_over_errors")))
			continue;
		const struct metric *ring = value_of(c, m->ns, m->obj, "rx_ring");
		const struct metric *rmax = value_of(c, m->ns, m->obj, "rx_ring_max");
		struct finding *f;
		char cur[32], prop[32], x[96];

		doctor_ns_exec(c->cur, m->ns, x, sizeof(x));
		if (ring && rmax && ring->value < rmax->value) {
			f = add(c, "nic-ring", LAYER_NIC, m->ns, m->obj, -1, SEV_CRIT, CONF_HIGH);
			snprintf(cur, sizeof(cur), "%" PRIu64, ring->value);
			snprintf(prop, sizeof(prop), "%" PRIu64, rmax->value);
			snprintf(f->cause, sizeof(f->cause),
				 "the NIC %s ran out of RX descriptors: its ring (%s) is below the "
				 "driver's maximum (%s)", m->obj, cur, prop);
			snprintf(f->commands, sizeof(f->commands), "%sethtool -G %s rx %s", x, m->obj,
				 prop);
			set_change(f, "ring", f->netns, m->obj, cur, prop);
		} else {
			f = add(c, "nic-ring-at-max", LAYER_NIC, m->ns, m->obj, -1, SEV_CRIT,
				CONF_MEDIUM);
			snprintf(f->cause, sizeof(f->cause),
				 "the NIC %s overflows its RX ring%s: the CPUs do not drain it fast "
				 "enough; spread the load over more queues and CPUs",
				 m->obj, ring ? " at its maximum length" : "");
			snprintf(f->commands, sizeof(f->commands),
				 "%sethtool -l %s    # more combined queues: ethtool -L %s combined N\n"
				 "%sethtool -n %s rx-flow-hash udp4    # hash UDP on ports: ethtool -N %s "
				 "rx-flow-hash udp4 sdfn", x, m->obj, m->obj, x, m->obj, m->obj);
			enic_advice(c, m->ns, m->obj, f);
		}
		f->dropped = r->delta;
		snprintf(f->evidence, sizeof(f->evidence), "%s +%" PRIu64 " (%.0f/s) on %s",
			 m->name, r->delta, rate(c, r->delta), m->obj);
	}
}

/* socket: receive buffer overflows, explained by the socket's buffer and the defaults. */
static void rule_socket(struct ctx *c)
{
	/* namespaces where a socket row explains its drops (the rest fall back to snmp) */
	bool *explained = xcalloc(c->cur->nns ? c->cur->nns : 1, sizeof(*explained));
	char b1[32], b2[32], prop[32], x[96];

	for (size_t i = 0; i < c->d->nrows; i++) {
		const struct delta_row *r = &c->d->rows[i];
		const struct metric *m = r->cur;
		const struct metric *rb, *rdef, *rmax;
		struct finding *f;

		if (m->layer != LAYER_SOCKET || m->name != intern("drops") || !r->delta)
			continue;
		if (m->ns < c->cur->nns)
			explained[m->ns] = true;
		rb = value_of(c, m->ns, m->obj, "rcvbuf");
		rdef = value_of(c, m->ns, NULL, "net.core.rmem_default");
		rmax = value_of(c, m->ns, NULL, "net.core.rmem_max");
		if (rb && rdef && rb->value == rdef->value) {
			uint64_t want = rdef->value * 16 > (4u << 20) ? rdef->value * 16 : (4u << 20);

			f = add(c, "socket-rcvbuf-default", LAYER_SOCKET, m->ns, m->obj, -1, SEV_CRIT,
				CONF_HIGH);
			snprintf(prop, sizeof(prop), "%" PRIu64, want);
			snprintf(f->cause, sizeof(f->cause),
				 "the socket %s overflowed its receive buffer, which equals "
				 "net.core.rmem_default (%" PRIu64 " bytes): the application never set "
				 "SO_RCVBUF; raise the default, or make the application ask for more",
				 m->obj, rdef->value);
			snprintf(f->commands, sizeof(f->commands),
				 "sysctl -w net.core.rmem_default=%s\n"
				 "sysctl -w net.core.rmem_max=%s    # lets the application ask as much",
				 prop, prop);
			set_change(f, "sysctl", "host", "net.core.rmem_default",
				   text_of(rdef, b1, sizeof(b1)), prop);
		} else if (rb && rmax && rb->value >= rmax->value * 2) {
			f = add(c, "socket-rcvbuf-max", LAYER_SOCKET, m->ns, m->obj, -1, SEV_CRIT,
				CONF_MEDIUM);
			snprintf(prop, sizeof(prop), "%" PRIu64, rmax->value * 4);
			snprintf(f->cause, sizeof(f->cause),
				 "the socket %s overflowed a receive buffer capped by net.core.rmem_max "
				 "(%" PRIu64 "): the application asked for more than the host allows",
				 m->obj, rmax->value);
			snprintf(f->commands, sizeof(f->commands), "sysctl -w net.core.rmem_max=%s", prop);
			set_change(f, "sysctl", "host", "net.core.rmem_max", text_of(rmax, b2, sizeof(b2)),
				   prop);
		} else {
			f = add(c, "socket-slow-reader", LAYER_SOCKET, m->ns, m->obj, -1, SEV_CRIT,
				CONF_MEDIUM);
			snprintf(f->cause, sizeof(f->cause),
				 "the socket %s overflowed a receive buffer its application chose "
				 "(%s bytes): the application reads too slowly or asked for too little",
				 m->obj, rb ? text_of(rb, b1, sizeof(b1)) : "?");
			const char *addr = strchr(m->obj, ' ') ? strchr(m->obj, ' ') + 1 : m->obj;

			snprintf(f->commands, sizeof(f->commands),
				 "%sss -uamp src %s    # the socket's memory; raise the application's "
				 "SO_RCVBUF, or add reader threads",
				 doctor_ns_exec(c->cur, m->ns, x, sizeof(x)), addr);
		}
		f->dropped = r->delta;
		snprintf(f->evidence, sizeof(f->evidence),
			 "socket drops +%" PRIu64 " (%.0f/s)%s%s; rcvbuf=%s rmem_default=%s",
			 r->delta, rate(c, r->delta), m->labels ? " " : "", m->labels ? m->labels : "",
			 rb ? text_of(rb, b1, sizeof(b1)) : "?", rdef ? text_of(rdef, b2, sizeof(b2)) : "?");
	}
	/* A namespace with no per-socket row that moved (the socket is gone, or the collector
	 * is unavailable): its snmp counters say there were overflows, not where. A socket
	 * dropping in another namespace explains nothing here. */
	for (size_t ns = 0; ns < c->cur->nns; ns++) {
		uint64_t rbe = sum(c, (int)ns, LAYER_UDP, NULL, "UdpRcvbufErrors") +
			       sum(c, (int)ns, LAYER_UDP, NULL, "Udp6RcvbufErrors");
		struct finding *f;

		if (!rbe || explained[ns])
			continue;
		f = add(c, "udp-rcvbuf", LAYER_UDP, (uint32_t)ns, "", -1, SEV_CRIT, CONF_MEDIUM);
		f->dropped = rbe;
		snprintf(f->cause, sizeof(f->cause),
			 "UDP sockets in %s overflowed their receive buffers (no socket row says "
			 "which: it may be gone)", c->cur->ns[ns].name);
		snprintf(f->evidence, sizeof(f->evidence), "UdpRcvbufErrors +%" PRIu64 " (%.0f/s)",
			 rbe, rate(c, rbe));
		snprintf(f->commands, sizeof(f->commands),
			 "%sss -uamp    # find the socket; then raise net.core.rmem_default or its "
			 "SO_RCVBUF", doctor_ns_exec(c->cur, (uint32_t)ns, x, sizeof(x)));
	}
	free(explained);
}

/* netfilter: conntrack table pressure and drops; rule drops seen by kernel drop reasons. */
static void rule_netfilter(struct ctx *c)
{
	char b1[32], prop[32], x[96];

	for (size_t ns = 0; ns < c->cur->nns; ns++) {
		uint64_t drop = sum(c, (int)ns, LAYER_NETFILTER, NULL, "drop") +
				sum(c, (int)ns, LAYER_NETFILTER, NULL, "early_drop");
		uint64_t ins = sum(c, (int)ns, LAYER_NETFILTER, NULL, "insert_failed");
		uint64_t nfd = sum(c, (int)ns, LAYER_NETFILTER, NULL, "drop:NETFILTER_DROP");
		const struct metric *cnt = value_of(c, (uint32_t)ns, NULL, "nf_conntrack_count");
		const struct metric *max = value_of(c, (uint32_t)ns, NULL, "nf_conntrack_max");
		bool near_full = cnt && max && cnt->ns == ns &&
				 analyze_conntrack_full(cnt->value, max->value);
		struct finding *f;

		if (drop || near_full) {
			uint64_t want = max ? max->value * 4 : 262144;

			if (want < 262144)
				want = 262144;
			f = add(c, "conntrack-full", LAYER_NETFILTER, (uint32_t)ns, "", -1,
				drop ? SEV_CRIT : SEV_WARN, CONF_HIGH);
			f->dropped = drop;
			snprintf(prop, sizeof(prop), "%" PRIu64, want);
			snprintf(f->cause, sizeof(f->cause),
				 "the conntrack table is %s: new flows are dropped (\"nf_conntrack: "
				 "table full, dropping packet\")", drop ? "full" : "nearly full");
			snprintf(f->evidence, sizeof(f->evidence),
				 "conntrack drop+early_drop +%" PRIu64 "; count %" PRIu64 " of max %" PRIu64,
				 drop, cnt ? cnt->value : 0, max ? max->value : 0);
			snprintf(f->commands, sizeof(f->commands),
				 "sysctl -w net.netfilter.nf_conntrack_max=%s\n"
				 "echo %" PRIu64 " > /sys/module/nf_conntrack/parameters/hashsize\n"
				 "# or skip tracking for media flows: %snft add rule inet raw prerouting "
				 "udp dport 10000-20000 notrack", prop, want / 4,
				 doctor_ns_exec(c->cur, (uint32_t)ns, x, sizeof(x)));
			set_change(f, "sysctl", "host", "net.netfilter.nf_conntrack_max",
				   text_of(max, b1, sizeof(b1)), prop);
		} else if (ins) {
			f = add(c, "conntrack-insert-failed", LAYER_NETFILTER, (uint32_t)ns, "", -1,
				SEV_WARN, CONF_MEDIUM);
			f->dropped = ins;
			snprintf(f->cause, sizeof(f->cause),
				 "conntrack insertions failed: parallel UDP packets of one new flow "
				 "raced (the UDP/DNS clash); stateless media flows do not need tracking");
			snprintf(f->evidence, sizeof(f->evidence), "insert_failed +%" PRIu64, ins);
			snprintf(f->commands, sizeof(f->commands),
				 "%snft add table inet raw\n"
				 "%snft 'add chain inet raw prerouting { type "
				 "filter hook prerouting priority -300; }'\n"
				 "%snft add rule inet raw prerouting udp dport 10000-20000 notrack",
				 doctor_ns_exec(c->cur, (uint32_t)ns, x, sizeof(x)), x, x);
		}
		/* conntrack's own drops (table full) are freed as NETFILTER_DROP too: what is
		 * left over is a rule's doing */
		nfd = nfd > drop ? nfd - drop : 0;
		if (nfd > 10 && nfd * 100 > drop) {
			f = add(c, "netfilter-rule-drop", LAYER_NETFILTER, (uint32_t)ns, "", -1,
				SEV_CRIT, CONF_HIGH);
			f->dropped = nfd;
			snprintf(f->cause, sizeof(f->cause),
				 "a netfilter rule in %s dropped packets (a rate limit, a filter or a "
				 "policy): the rule, not a host knob, decides", c->cur->ns[ns].name);
			snprintf(f->evidence, sizeof(f->evidence),
				 "kernel drop reason NETFILTER_DROP +%" PRIu64 " (%.0f/s)", nfd,
				 rate(c, nfd));
			snprintf(f->commands, sizeof(f->commands),
				 "ip netns exec %s nft -a list ruleset    # find the rule with 'drop' "
				 "or 'limit rate'\nip netns exec %s iptables-save -c",
				 c->cur->ns[ns].name, c->cur->ns[ns].name);
			set_change(f, "none", c->cur->ns[ns].name, "netfilter ruleset", NULL, "review");
		}
	}
}

static const struct link_info *link_named(const struct snapshot *s, uint32_t ns, const char *name)
{
	for (size_t i = 0; i < s->nlinks; i++)
		if (s->links[i].ns == ns && !strcmp(s->links[i].name, name))
			return &s->links[i];
	return NULL;
}

/* vdev: a tap whose guest does not drain it; qdisc drops. */
static void rule_vdev(struct ctx *c)
{
	uint64_t steal = sum(c, 0, LAYER_SOFTIRQ, NULL, "steal_ticks");
	uint64_t total = sum(c, 0, LAYER_SOFTIRQ, NULL, "total_ticks");
	double steal_pct = total ? 100.0 * (double)steal / (double)total : 0;
	char cur[32], prop[32], ipn[96];

	for (size_t i = 0; i < c->d->nrows; i++) {
		const struct delta_row *r = &c->d->rows[i];
		const struct metric *m = r->cur;
		const struct link_info *l;
		struct finding *f;

		if (!r->delta || !is_counter(m))
			continue;
		if (m->layer == LAYER_VDEV && m->name == intern("tx_dropped") &&
		    (l = link_named(c->cur, m->ns, m->obj)) && !strcmp(l->kind, "tun")) {
			if (steal_pct >= 5) {
				f = add(c, "tap-guest-steal", LAYER_VDEV, m->ns, m->obj, -1, SEV_CRIT,
					CONF_HIGH);
				snprintf(f->cause, sizeof(f->cause),
					 "the guest behind %s does not drain its vNIC while the "
					 "hypervisor steals %.0f%% of CPU time: capacity, not a host knob",
					 m->obj, steal_pct);
			} else {
				uint64_t q = l->txqlen ? l->txqlen : 1000;

				f = add(c, "tap-guest-slow", LAYER_VDEV, m->ns, m->obj, -1, SEV_CRIT,
					CONF_MEDIUM);
				snprintf(cur, sizeof(cur), "%" PRIu64, q);
				snprintf(prop, sizeof(prop), "%" PRIu64, q * 4 > 10000 ? q * 4 : 10000);
				snprintf(f->cause, sizeof(f->cause),
					 "the guest behind %s does not drain its vNIC fast enough: its tap "
					 "queue (txqueuelen %s) overflows; a longer queue absorbs bursts, "
					 "more guest vCPUs or vNIC queues fix the rate", m->obj, cur);
				snprintf(f->commands, sizeof(f->commands),
					 "%s link set dev %s txqueuelen %s\n"
					 "# in the guest: ethtool -L eth0 combined <vCPUs>; Nova: "
					 "hw_vif_multiqueue_enabled, rx_queue_size=1024",
					 doctor_ip_ns(c->cur, m->ns, ipn, sizeof(ipn)), m->obj, prop);
				set_change(f, "txqlen", f->netns, m->obj, cur, prop);
			}
			f->dropped = r->delta;
			snprintf(f->evidence, sizeof(f->evidence),
				 "tap %s tx_dropped +%" PRIu64 " (%.0f/s); steal %.1f%%", m->obj,
				 r->delta, rate(c, r->delta), steal_pct);
		}
		if (m->layer == LAYER_QDISC && m->name == intern("drops")) {
			l = link_named(c->cur, m->ns, m->obj);
			f = add(c, "qdisc-drops", LAYER_QDISC, m->ns, m->obj, -1, SEV_WARN, CONF_MEDIUM);
			f->dropped = r->delta;
			snprintf(cur, sizeof(cur), "%u", l ? l->txqlen : 0);
			snprintf(prop, sizeof(prop), "%u", l && l->txqlen * 4 > 10000 ? l->txqlen * 4 : 10000);
			snprintf(f->cause, sizeof(f->cause),
				 "the egress queue of %s overflowed (qdisc drops): the device sends "
				 "slower than packets arrive, or its queue is short", m->obj);
			snprintf(f->evidence, sizeof(f->evidence), "qdisc drops +%" PRIu64 " (%.0f/s)%s%s",
				 r->delta, rate(c, r->delta), m->labels ? " " : "", m->labels ? m->labels : "");
			snprintf(f->commands, sizeof(f->commands), "%s link set dev %s txqueuelen %s",
				 doctor_ip_ns(c->cur, m->ns, ipn, sizeof(ipn)), m->obj, prop);
			set_change(f, "txqlen", f->netns, m->obj, cur, prop);
		}
	}
}

/* udp: memory pressure and send buffers. */
static void rule_udp(struct ctx *c)
{
	char x[96];

	for (size_t ns = 0; ns < c->cur->nns; ns++) {
		uint64_t mem = sum(c, (int)ns, LAYER_UDP, NULL, "UdpMemErrors") +
			       sum(c, (int)ns, LAYER_UDP, NULL, "Udp6MemErrors");
		uint64_t snd = sum(c, (int)ns, LAYER_UDP, NULL, "UdpSndbufErrors") +
			       sum(c, (int)ns, LAYER_UDP, NULL, "Udp6SndbufErrors");
		struct finding *f;

		if (mem) {
			f = add(c, "udp-mem", LAYER_UDP, (uint32_t)ns, "", -1, SEV_CRIT, CONF_HIGH);
			f->dropped = mem;
			snprintf(f->cause, sizeof(f->cause),
				 "UDP ran into its global memory limit (net.ipv4.udp_mem): datagrams "
				 "were dropped for all sockets");
			snprintf(f->evidence, sizeof(f->evidence), "UdpMemErrors +%" PRIu64, mem);
			snprintf(f->commands, sizeof(f->commands),
				 "%scat /proc/net/sockstat    # UDP mem (pages) against net.ipv4.udp_mem\n"
				 "sysctl -w net.ipv4.udp_mem=\"<min> <pressure> <max>\"    # pages, scale "
				 "with RAM", doctor_ns_exec(c->cur, (uint32_t)ns, x, sizeof(x)));
		}
		if (snd) {
			f = add(c, "udp-sndbuf", LAYER_UDP, (uint32_t)ns, "", -1, SEV_WARN, CONF_MEDIUM);
			f->dropped = snd;
			snprintf(f->cause, sizeof(f->cause),
				 "UDP sends failed for lack of send buffer (or a full qdisc below it)");
			snprintf(f->evidence, sizeof(f->evidence), "UdpSndbufErrors +%" PRIu64, snd);
			snprintf(f->commands, sizeof(f->commands),
				 "sysctl -w net.core.wmem_default=1048576\nsysctl -w net.core.wmem_max=8388608");
		}
	}
}

/* udp: datagrams to a port nobody listens on (a receiver that crashed or moved): the
 * classic media outage. UdpNoPorts counts them per namespace; the NO_SOCKET drop reason
 * names the device they came in on. */
static void rule_noports(struct ctx *c)
{
	const char *reason = intern("drop:NO_SOCKET");
	char x[96], dev_ev[160];

	for (size_t ns = 0; ns < c->cur->nns; ns++) {
		uint64_t np = sum(c, (int)ns, LAYER_UDP, NULL, "UdpNoPorts") +
			      sum(c, (int)ns, LAYER_UDP, NULL, "Udp6NoPorts");
		uint64_t in = sum(c, (int)ns, LAYER_UDP, NULL, "UdpInDatagrams") +
			      sum(c, (int)ns, LAYER_UDP, NULL, "Udp6InDatagrams");
		uint64_t nosock = 0, devmax = 0, n;
		const char *dev = "", *nsname = c->cur->ns[ns].name;
		const char *srv = c->in && c->in->load_server ? c->in->load_server : "";
		enum severity sev;
		double share;
		struct finding *f;

		for (size_t i = 0; i < c->d->nrows; i++) {
			const struct metric *m = c->d->rows[i].cur;

			if (m->ns != ns || m->name != reason || !is_counter(m))
				continue;
			nosock += c->d->rows[i].delta;
			if (c->d->rows[i].delta > devmax) {
				devmax = c->d->rows[i].delta;
				dev = m->obj;
			}
		}
		n = np > nosock ? np : nosock;
		if (!n)
			continue;
		share = (double)n / (double)(n + in);
		/* a few stray datagrams (a late DNS answer) are noise, and so is less than 1 %
		 * of the traffic; 10 % or more arriving for nobody is an outage */
		sev = n < 100 || share < 0.01 ? SEV_INFO : share >= 0.10 ? SEV_CRIT : SEV_WARN;
		f = add(c, "udp-no-listener", LAYER_UDP, (uint32_t)ns, dev, -1, sev, CONF_HIGH);
		f->dropped = n;
		snprintf(f->cause, sizeof(f->cause),
			 "UDP datagrams arrived in %.64s for a port no socket listens on%s%.48s: "
			 "the receiver crashed, was never started, or listens on another port or "
			 "address (they were dropped)", nsname, *srv ? ", sent to " : "", srv);
		dev_ev[0] = '\0';
		if (nosock)
			snprintf(dev_ev, sizeof(dev_ev), "; drop reason NO_SOCKET +%" PRIu64 "%s%s",
				 nosock, *dev ? " on " : "", dev);
		snprintf(f->evidence, sizeof(f->evidence),
			 "UdpNoPorts +%" PRIu64 " (%.0f/s) in %s, %.0f%% of the UDP datagrams that "
			 "reached it (UdpInDatagrams +%" PRIu64 ")%s", np, rate(c, np), nsname,
			 100.0 * share, in, dev_ev);
		doctor_ns_exec(c->cur, (uint32_t)ns, x, sizeof(x));
		snprintf(f->commands, sizeof(f->commands),
			 "%sss -uanp    # which addresses and ports have a listener, and which process\n"
			 "%stcpdump -ni %s -c 20 udp    # the address and port the traffic is sent to",
			 x, x, *dev ? dev : "any");
		set_change(f, "none", nsname, "receiving application", NULL, "start or fix");
	}
}

/* softirq: all receive work on one CPU while drops happen and other CPUs idle. */
static void rule_one_cpu(struct ctx *c)
{
	uint64_t per[1024] = { 0 }, total = 0, top = 0, drops;
	int top_cpu = -1, ncpu = 0;

	for (size_t i = 0; i < c->d->nrows; i++) {
		const struct metric *m = c->d->rows[i].cur;

		if (m->layer != LAYER_SOFTIRQ || m->name != intern("net_rx") || m->cpu < 0 ||
		    m->cpu >= 1024)
			continue;
		per[m->cpu] += c->d->rows[i].delta;
		total += c->d->rows[i].delta;
		ncpu++;
	}
	for (int i = 0; i < 1024; i++)
		if (per[i] > top) {
			top = per[i];
			top_cpu = i;
		}
	drops = sum(c, -1, LAYER_BACKLOG, NULL, "dropped") + sum(c, -1, LAYER_NIC, NULL, "rx_missed_errors");
	if (ncpu < 2 || !total || top * 10 < total * 9 || !drops || rate(c, total) < 1000)
		return;
	struct finding *f = add(c, "one-cpu-rx", LAYER_SOFTIRQ, 0, "", top_cpu, SEV_WARN,
				CONF_MEDIUM);

	f->dropped = drops;
	snprintf(f->cause, sizeof(f->cause),
		 "%.0f%% of receive softirqs ran on CPU %d while packets were dropped: spread the "
		 "load with more NIC queues, RSS hash fields, RPS or IRQ affinity",
		 100.0 * (double)top / (double)total, top_cpu);
	snprintf(f->evidence, sizeof(f->evidence), "NET_RX +%" PRIu64 " of %" PRIu64
		 " on cpu%d; drops +%" PRIu64, top, total, top_cpu, drops);
	snprintf(f->commands, sizeof(f->commands),
		 "ethtool -L <nic> combined <cores>; ethtool -N <nic> rx-flow-hash udp4 sdfn\n"
		 "echo <cpu mask> > /sys/class/net/<dev>/queues/rx-0/rps_cpus    # RPS for "
		 "single-queue devices (veth, tap, vxlan)");
}

/* Who else owns knobs: said once, as information, when a finding proposes a change they
 * could undo (trap 8: tuning fights). */
static void rule_owners(struct ctx *c, const struct knob_owners *o)
{
	bool sysctl = false, irq = false;
	struct finding *f;

	for (size_t i = 0; i < c->out->n; i++) {
		sysctl |= !strcmp(c->out->f[i].change.kind, "sysctl");
		irq |= c->out->f[i].layer == LAYER_IRQ || c->out->f[i].layer == LAYER_SOFTIRQ ||
		       c->out->f[i].layer == LAYER_NIC;
	}
	if (o->irqbalance) {
		f = add(c, "owner-irqbalance", LAYER_IRQ, 0, "", -1, SEV_INFO, CONF_HIGH);
		snprintf(f->cause, sizeof(f->cause),
			 "irqbalance is running: it moves IRQ affinity on its own and will undo "
			 "manual pinning%s", irq ? " of the queues these findings concern" : "");
		snprintf(f->evidence, sizeof(f->evidence), "process irqbalance found");
		snprintf(f->commands, sizeof(f->commands),
			 "# ban the NIC's IRQs before pinning them: IRQBALANCE_BANNED_CPULIST=<cpus> in "
			 "/etc/default/irqbalance, or --banirq=<irq>; then systemctl restart irqbalance");
	}
	if (o->tuned) {
		f = add(c, "owner-tuned", LAYER_SOFTIRQ, 0, "", -1, SEV_INFO, CONF_HIGH);
		snprintf(f->cause, sizeof(f->cause),
			 "tuned is running%s%s: a profile with reapply_sysctl may set sysctls back%s",
			 o->tuned_profile[0] ? " with profile " : "", o->tuned_profile,
			 sysctl ? ", including the ones proposed here" : "");
		snprintf(f->evidence, sizeof(f->evidence), "process tuned found");
		snprintf(f->commands, sizeof(f->commands),
			 "tuned-adm active    # put the changes in a custom profile, or persist them "
			 "with 'dptune tune persist' and set reapply_sysctl=0");
	}
}

void doctor_run(const struct snapshot *prev, const struct snapshot *cur, const struct delta *d,
		struct doctor_report *out)
{
	doctor_run_owners(prev, cur, d, NULL, out);
}

void doctor_run_owners(const struct snapshot *prev, const struct snapshot *cur,
		       const struct delta *d, const struct knob_owners *owners,
		       struct doctor_report *out)
{
	const struct doctor_input in = { .owners = owners };

	doctor_run_input(prev, cur, d, &in, out);
}

void doctor_run_input(const struct snapshot *prev, const struct snapshot *cur,
		      const struct delta *d, const struct doctor_input *in,
		      struct doctor_report *out)
{
	struct ctx c = { .cur = cur, .d = d, .out = out, .secs = d->interval, .in = in };
	const struct knob_owners *owners = in ? in->owners : NULL;

	(void)prev;
	memset(out, 0, sizeof(*out));
	rule_nic(&c);
	rule_backlog(&c);
	rule_one_cpu(&c);
	rule_vdev(&c);
	rule_netfilter(&c);
	rule_socket(&c);
	rule_udp(&c);
	rule_noports(&c);
	if (owners)
		rule_owners(&c, owners);
}

void doctor_report_release(struct doctor_report *r)
{
	free(r->f);
	memset(r, 0, sizeof(*r));
}

void doctor_hop_finding(const struct hop_point *p, const struct hop_loss *loss,
			const struct hop_verdict *v, struct finding *f)
{
	const struct hop_point *a = &p[loss->from], *b = &p[loss->to];

	memset(f, 0, sizeof(*f));
	f->rule = "path-conservation";
	f->layer = (uint8_t)v->layer;
	f->netns = intern(v->netns);
	f->obj = intern(v->dev);
	f->cpu = -1;
	f->sev = SEV_CRIT;
	f->conf = v->why && *v->why ? CONF_HIGH : CONF_MEDIUM;
	f->dropped = loss->lost;
	if (v->why && *v->why)
		snprintf(f->cause, sizeof(f->cause), "hop %s in %s lost the packets: %.120s "
			 "(decided by %.100s)", v->dev, v->netns, v->why,
			 v->decided && *v->decided ? v->decided : "the device");
	else
		snprintf(f->cause, sizeof(f->cause), "packets were lost between %s in %s and %s "
			 "in %s, at %s (decided by %.100s); no drop counter explains them",
			 a->dev, a->netns, b->dev, b->netns, v->dev,
			 v->decided && *v->decided ? v->decided : "the device");
	if (loss->from == loss->to)
		snprintf(f->evidence, sizeof(f->evidence), "%" PRIu64 " packets in (%s_packets of "
			 "%s in %s), none out along the path, %" PRIu64 " counted as dropped: %"
			 PRIu64 " lost at this hop", loss->in, a->rx ? "rx" : "tx", a->dev, a->netns,
			 loss->dropped, loss->lost);
	else
		snprintf(f->evidence, sizeof(f->evidence), "%" PRIu64 " packets in (%s_packets of "
			 "%s in %s), %" PRIu64 " out (%s_packets of %s in %s), %" PRIu64 " counted "
			 "as dropped: %" PRIu64 " lost", loss->in, a->rx ? "rx" : "tx", a->dev,
			 a->netns, loss->out, b->rx ? "rx" : "tx", b->dev, b->netns, loss->dropped,
			 loss->lost);
	if (v->fix && *v->fix)
		snprintf(f->commands, sizeof(f->commands), "%s", v->fix);
	snprintf(f->change.kind, sizeof(f->change.kind), "none");
}

void doctor_report_add(struct doctor_report *r, const struct finding *f)
{
	struct finding *n = realloc(r->f, (r->n + 1) * sizeof(*n));

	if (!n)
		return;
	r->f = n;
	r->f[r->n++] = *f;
}
