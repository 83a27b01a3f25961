/* dropreason.c: loader for bpf/dropreason.bpf.c and the dropreason collector. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dropreason.h"
#include "../collect/collect.h"
#include "../collect/nl.h"
#include "../model/intern.h"

struct reason_rule {
	const char *prefix; /* matched against the start of the reason name */
	enum dp_layer layer; /* LAYER__DEVICE: the layer of the device it was dropped on */
	unsigned flags;
};

/* Not a layer: the reason is counted by the device itself (its rx_dropped), so it belongs
 * to the device's layer, nic or vdev (link_layer()). */
#define LAYER__DEVICE (LAYER__COUNT + 1)

/* First match wins. Reasons a UDP datapath never sees (TCP_*, UNIX_*) map to nothing. */
static const struct reason_rule rules[] = {
	{ "TCP_", LAYER__COUNT, 0 },
	{ "UNIX_", LAYER__COUNT, 0 },
	{ "SOCKET_", LAYER_SOCKET, MF_DROP },
	/* a queue freed at close or teardown: not a datapath drop */
	{ "QUEUE_PURGE", LAYER_SOCKET, MF_DROP | MF_BENIGN },
	{ "PROTO_MEM", LAYER_UDP, MF_DROP },
	{ "NO_SOCKET", LAYER_UDP, MF_DROP },
	{ "UDP_", LAYER_UDP, MF_DROP },
	{ "NETFILTER_DROP", LAYER_NETFILTER, MF_DROP },
	{ "CPU_BACKLOG", LAYER_BACKLOG, MF_DROP },
	{ "QDISC_", LAYER_QDISC, MF_DROP },
	{ "FQ_", LAYER_QDISC, MF_DROP },
	{ "CAKE_", LAYER_QDISC, MF_DROP },
	{ "DUALPI2_", LAYER_QDISC, MF_DROP },
	{ "TC_", LAYER_QDISC, MF_DROP },
	{ "TAP_", LAYER_VDEV, MF_DROP },
	{ "FULL_RING", LAYER_VDEV, MF_DROP },
	{ "DEV_", LAYER_VDEV, MF_DROP },
	{ "VXLAN_", LAYER_VDEV, MF_DROP },
	{ "BRIDGE_", LAYER_VDEV, MF_DROP },
	{ "MAC_", LAYER_VDEV, MF_DROP },
	{ "LOCAL_MAC", LAYER_VDEV, MF_DROP },
	{ "NO_TX_TARGET", LAYER_VDEV, MF_DROP },
	{ "TUNNEL_", LAYER_VDEV, MF_DROP },
	{ "OVS_", LAYER_VDEV, MF_DROP },
	{ "XDP", LAYER_VDEV, MF_DROP },
	/* no protocol handler (__netif_receive_skb_core): the device's rx_dropped */
	{ "UNHANDLED_PROTO", LAYER__DEVICE, MF_DROP },
	{ "NOMEM", LAYER_NIC, MF_DROP },
	{ "PFMEMALLOC", LAYER_NIC, MF_DROP },
	/* not a loss of wanted traffic: a frame for another host on a shared segment */
	{ "OTHERHOST", LAYER_IP, MF_DROP | MF_BENIGN },
	/* low signal (trap 4): shown, but not as a finding on its own */
	{ "NOT_SPECIFIED", LAYER_IP, MF_DROP | MF_BENIGN },
	{ "", LAYER_IP, MF_DROP },
};

bool dropreason_layer(const char *reason, const struct link_info *dev, enum dp_layer *layer,
		      unsigned *flags)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (!strncmp(reason, rules[i].prefix, strlen(rules[i].prefix))) {
			if (rules[i].layer == LAYER__COUNT)
				return false;
			if ((unsigned)rules[i].layer == LAYER__DEVICE)
				*layer = dev ? link_layer(dev) : LAYER_NIC;
			else
				*layer = rules[i].layer;
			*flags = rules[i].flags;
			return true;
		}
	return false;
}

#if HAVE_BPF
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "dropreason.skel.h"

#include <linux/types.h>
#include "../../bpf/dropreason.h"

#define NREASONS 4096

struct dropreason {
	struct dropreason_bpf *skel;
	struct bpf_program *prog; /* the one attached */
	const char *names[NREASONS]; /* interned reason names by value (low 16 bits + subsys) */
	bool loaded_names;
};

/* libbpf's messages (the verifier's log among them) only with DPTUNE_BPF_DEBUG set */
static int silent(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	(void)l;
	return env_on("DPTUNE_BPF_DEBUG") ? vfprintf(stderr, fmt, ap) : 0;
}

/* Names of enum skb_drop_reason and of subsystem enums (value has subsystem bits). */
static void load_names(struct dropreason *d, uint32_t *skip_a, uint32_t *skip_b)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int n;

	if (!btf)
		return;
	n = (int)btf__type_cnt(btf);
	for (int id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *tn;

		if (!btf_is_enum(t))
			continue;
		tn = btf__name_by_offset(btf, t->name_off);
		if (!tn || (strcmp(tn, "skb_drop_reason") && !strstr(tn, "_drop_reason")))
			continue;
		const struct btf_enum *e = btf_enum(t);

		for (int i = 0; i < btf_vlen(t); i++, e++) {
			const char *en = btf__name_by_offset(btf, e->name_off);
			uint32_t v = (uint32_t)e->val;
			uint32_t slot = (v & 0xffff) | ((v >> 16) ? ((v >> 16) & 0xf) << 8 : 0);

			if (!en)
				continue;
			if (!strncmp(en, "SKB_DROP_REASON_", 16))
				en += 16;
			else if (!strcmp(en, "SKB_NOT_DROPPED_YET"))
				*skip_a = v;
			else if (!strcmp(en, "SKB_CONSUMED"))
				*skip_b = v;
			if (slot < NREASONS && !d->names[slot] && (v >> 16 || v < 0x100))
				d->names[slot] = intern(en);
		}
		d->loaded_names = true;
	}
	btf__free(btf);
}

int dropreason_open(struct dropreason **out, char *why, size_t whylen)
{
	struct dropreason *d = xcalloc(1, sizeof(*d));
	uint32_t skip_a = 0, skip_b = 1; /* 6.x values; replaced from BTF when present */
	int r;

	libbpf_set_print(silent);
	load_names(d, &skip_a, &skip_b);
	if (!d->loaded_names) {
		snprintf(why, whylen, "the kernel has no BTF with enum skb_drop_reason "
			 "(needs CONFIG_DEBUG_INFO_BTF and Linux 5.17+)");
		free(d);
		return -EOPNOTSUPP;
	}
	/* the BTF tracepoint first (called directly, nothing missed); the perf-event one on
	 * kernels that cannot load it */
	/* DPTUNE_DROPREASON_TRACEPOINT=1 takes the fallback at once (its test) */
	for (int btf = env_on("DPTUNE_DROPREASON_TRACEPOINT") ? 0 : 1; btf >= 0; btf--) {
		d->skel = dropreason_bpf__open();
		if (!d->skel) {
			r = -errno;
			snprintf(why, whylen, "cannot open the BPF program: %s", strerror(errno));
			free(d);
			return r ? r : -EINVAL;
		}
		d->skel->rodata->skip_a = skip_a;
		d->skel->rodata->skip_b = skip_b;
		bpf_program__set_autoload(d->skel->progs.dr_kfree_skb_btf, btf);
		bpf_program__set_autoload(d->skel->progs.dr_kfree_skb, !btf);
		d->prog = btf ? d->skel->progs.dr_kfree_skb_btf : d->skel->progs.dr_kfree_skb;
		r = dropreason_bpf__load(d->skel);
		if (!r)
			r = dropreason_bpf__attach(d->skel);
		if (!r || r == -EPERM || !btf)
			break;
		dropreason_bpf__destroy(d->skel);
	}
	if (r) {
		snprintf(why, whylen, "cannot load or attach BPF on skb:kfree_skb: %s%s",
			 strerror(-r), r == -EPERM ? " (run as root)" : "");
		dropreason_bpf__destroy(d->skel);
		free(d);
		return r;
	}
	*out = d;
	return 0;
}

void dropreason_close(struct dropreason *d)
{
	if (!d)
		return;
	dropreason_bpf__destroy(d->skel);
	free(d);
}

/* The namespace a drop is charged to: the one whose inode the program recorded, when
 * this snapshot has it; an "unknown" pseudo-namespace (inode 0) when the program could
 * not tell (the skb had no device and no socket): never the host by default.
 * *known says whether the namespace is one of the snapshot's (so an ifindex may be
 * resolved in it). */
static uint32_t drop_ns(struct snapshot *s, uint32_t inode, uint32_t host_ns, bool *known)
{
	*known = false;
	if (inode) {
		for (size_t i = 0; i < s->nns; i++)
			if (s->ns[i].inode == inode) {
				*known = true;
				return (uint32_t)i;
			}
		return host_ns; /* a namespace not visited (--netns): labelled netns_inode= */
	}
	for (size_t i = 0; i < s->nns; i++)
		if (!s->ns[i].inode && s->ns[i].name == intern(DROPREASON_NS_UNKNOWN) && i != host_ns)
			return (uint32_t)i;
	return snap_add_ns(s, 0, DROPREASON_NS_UNKNOWN, NS_PROC, 0);
}

struct dr_count {
	struct dr_key k;
	uint64_t n;
};

static int dr_count_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct dr_count *)a)->k, &((const struct dr_count *)b)->k,
		      sizeof(struct dr_key));
}

static void dr_push(struct dr_count **c, size_t *n, size_t *cap, const struct dr_key *k,
		    uint64_t v)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*c = xrealloc(*c, *cap * sizeof(**c));
	}
	(*c)[*n].k = *k;
	(*c)[(*n)++].n = v;
}

/* Every key's count: its value in the hash plus its slots' counts in every CPU's front
 * (bpf/dropreason.h; nothing moves between the two, so the sum only grows). One entry a
 * key, sorted; returns how many, *out to free. */
static size_t dr_counts(struct dropreason *d, struct dr_count **out)
{
	int fd = bpf_map__fd(d->skel->maps.drops), ncpu = libbpf_num_possible_cpus();
	struct dr_count *c = NULL;
	size_t n = 0, cap = 0, m = 0;
	struct dr_key k, nk;
	bool first = true;
	uint64_t v;
	uint32_t z = 0;

	while (!bpf_map_get_next_key(fd, first ? NULL : &k, &nk)) {
		first = false;
		k = nk;
		if (!bpf_map_lookup_elem(fd, &k, &v))
			dr_push(&c, &n, &cap, &k, v);
	}
	if (ncpu > 0) {
		struct dr_front *f = xcalloc((size_t)ncpu, sizeof(*f));

		if (!bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.front), &z, f))
			for (int cpu = 0; cpu < ncpu; cpu++)
				for (int i = 0; i < DR_FRONT_SLOTS; i++) {
					const struct dr_slot *sl = &f[cpu].s[i];

					if (!sl->n || !(sl->k.ns_src & DR_SLOT_USED))
						continue;
					k = sl->k;
					k.ns_src &= ~DR_SLOT_USED;
					dr_push(&c, &n, &cap, &k, sl->n);
				}
		free(f);
	}
	if (n)
		qsort(c, n, sizeof(*c), dr_count_cmp);
	for (size_t i = 0; i < n; i++)
		if (m && !memcmp(&c[m - 1].k, &c[i].k, sizeof(k)))
			c[m - 1].n += c[i].n;
		else
			c[m++] = c[i];
	*out = c;
	return m;
}

int dropreason_read(struct dropreason *d, struct snapshot *s, uint32_t host_ns)
{
	struct dr_count *c;
	size_t nc = dr_counts(d, &c);
	int fd, added = 0;
	uint64_t v;
	uint32_t z = 0;

	for (size_t ci = 0; ci < nc; ci++) {
		const struct dr_key k = c[ci].k;
		char rbuf[32], dbuf[96], lbuf[64];
		const char *rn;
		enum dp_layer layer;
		unsigned flags;
		uint32_t slot, ns;
		const struct link_info *l;
		const char *dev;
		bool known;
		struct metric *m;

		slot = (k.reason & 0xffff) | ((k.reason >> 16) ? ((k.reason >> 16) & 0xf) << 8 : 0);
		rn = slot < NREASONS ? d->names[slot] : NULL;
		if (!rn) {
			snprintf(rbuf, sizeof(rbuf), "REASON_%#x", k.reason);
			rn = rbuf;
		}
		ns = drop_ns(s, k.netns, host_ns, &known);
		/* an ifindex is a name only in its own namespace: resolved there when the
		 * program knows it (the device, or the socket that received the skb from a
		 * device of its namespace), else "unknown", never looked up elsewhere */
		l = NULL;
		if (known && k.ifindex && k.ns_src >= DR_NS_DEV && k.ns_src <= DR_NS_SKBSK)
			l = snap_link_by_index(s, ns, (int)k.ifindex);
		if (!dropreason_layer(rn, l, &layer, &flags))
			continue;
		dev = l ? l->name : !k.ifindex ? "" :
		      known ? (snprintf(lbuf, sizeof(lbuf), "if%u", k.ifindex), lbuf) :
		      DROPREASON_DEV_UNKNOWN;
		snprintf(dbuf, sizeof(dbuf), "drop:%s", rn);
		m = snap_add_full(s, ns, layer, MK_COUNTER, flags | MF_ZERO_BASE, dev, -1, -1,
				  dbuf, c[ci].n);
		if (!known && k.netns) {
			snprintf(lbuf, sizeof(lbuf), "netns_inode=%u", k.netns);
			m->labels = intern(lbuf);
		}
		added++;
	}
	free(c);
	fd = bpf_map__fd(d->skel->maps.overflow);
	if (!bpf_map_lookup_elem(fd, &z, &v))
		snap_add_full(s, host_ns, LAYER_IP, MK_COUNTER, MF_WATCH, "", -1, -1,
			      "drop_events_unaccounted", v);
	/* Drops the program never saw: the kernel skips a tracing program that fires while
	 * it already runs on the same CPU and counts it in the program's recursion_misses. */
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(d->prog), &info, &len)) {
			struct metric *m;

			/* any miss makes the counts incomplete: analyze_row_abnormal() */
			m = snap_add_full(s, host_ns, LAYER_IP, MK_COUNTER, MF_WATCH, "", -1, -1,
					  "drop_events_missed", info.recursion_misses);
			/* how the program is attached: tp_btf, or the tracepoint fallback */
			m->labels = intern(d->prog == d->skel->progs.dr_kfree_skb_btf ?
					   "attach=tp_btf" : "attach=tracepoint");
		}
	}
	return added;
}

#else /* !HAVE_BPF */

int dropreason_open(struct dropreason **out, char *why, size_t whylen)
{
	(void)out;
	snprintf(why, whylen, "dptune was built without BPF support (needs clang, bpftool, "
		 "libbpf-dev and the build host's /sys/kernel/btf/vmlinux)");
	return -EOPNOTSUPP;
}

void dropreason_close(struct dropreason *d)
{
	(void)d;
}

int dropreason_read(struct dropreason *d, struct snapshot *s, uint32_t host_ns)
{
	(void)d;
	(void)s;
	(void)host_ns;
	return -EOPNOTSUPP;
}
#endif

/* The collector: opt-in (collect_opts.drop_reasons), attached on first use and kept. */
struct dr_priv {
	struct dropreason *d;
	int err;
	char why[200];
};

static void dr_release(void *p)
{
	struct dr_priv *dp = p;

	dropreason_close(dp->d);
	free(dp);
}

static int dr_run(struct cctx *c)
{
	struct dr_priv **pp = (struct dr_priv **)cctx_priv(c);
	int r;

	if (!cctx_opts(c)->drop_reasons || cctx_opts(c)->recorded)
		return 0;
	if (!*pp) {
		*pp = xcalloc(1, sizeof(**pp));
		(*pp)->err = dropreason_open(&(*pp)->d, (*pp)->why, sizeof((*pp)->why));
	}
	if ((*pp)->err)
		return cctx_unavailable(c, (*pp)->err, "%s", (*pp)->why);
	r = dropreason_read((*pp)->d, c->snap, c->ns);
	return r < 0 ? cctx_unavailable(c, r, "cannot read the drop map: %s", strerror(-r)) : 0;
}

static const struct collector collector_dropreason = { "dropreason", SCOPE_HOST, dr_run,
							dr_release };

int dropreason_register(void)
{
	return collect_register(&collector_dropreason);
}
