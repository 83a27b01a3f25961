// SPDX-License-Identifier: GPL-2.0
/* dropreason.bpf.c: count every freed-as-dropped skb (tracepoint skb:kfree_skb) in the
 * kernel, keyed by (reason, ifindex, netns inode, where the namespace came from), in a hash
 * and a per-CPU front of it (dropreason.h). Aggregation stays in the kernel, so nothing is
 * lost at any rate; a full hash is counted in `overflow` (REFERENCE trap 5).
 * Reasons that are not drops (SKB_CONSUMED, NOT_DROPPED_YET) are skipped by value, set
 * by user space from the running kernel's BTF before load (trap 4). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "dropreason.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct dr_key);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} overflow SEC(".maps");

/* The per-CPU front of `drops` (dropreason.h): counts a CPU's frequent keys without a
 * hash lookup or an atomic add, which were most of the program's cost per drop. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dr_front);
} front SEC(".maps");

const volatile __u32 skip_a = 0xffffffff; /* SKB_NOT_DROPPED_YET */
const volatile __u32 skip_b = 0xffffffff; /* SKB_CONSUMED */

struct trace_event_raw_kfree_skb___rx {
	void *skbaddr;
	void *location;
	void *rx_sk;
} __attribute__((preserve_access_index));

/* Count one drop under its key: in its slot of this CPU's front when the key holds it,
 * else in the hash (a full hash counted in overflow). A plain increment is exact: the
 * program does not run twice at once on one CPU (the kernel skips a nested run and counts
 * it in recursion_misses) and is not migrated while it runs. */
static __always_inline void count_key(struct dr_key *k)
{
	__u32 z = 0, i = dr_slot_of(k->reason, k->ifindex, k->netns, k->ns_src);
	struct dr_front *f = bpf_map_lookup_elem(&front, &z);
	struct dr_slot *s = NULL;
	__u64 one = 1, *v;

	if (f) {
		s = &f->s[i];
		if (s->k.reason == k->reason && s->k.ifindex == k->ifindex &&
		    s->k.netns == k->netns && s->k.ns_src == (k->ns_src | DR_SLOT_USED)) {
			s->n++;
			return;
		}
		if (s->k.ns_src & DR_SLOT_USED)
			s = NULL; /* another key's for good: this one is counted in the hash */
	}
	v = bpf_map_lookup_elem(&drops, k);
	if (v) {
		__sync_fetch_and_add(v, 1);
		if (s) {
			/* seen before and its slot is free: the slot counts the next ones */
			s->k = *k;
			s->k.ns_src |= DR_SLOT_USED;
		}
	} else if (bpf_map_update_elem(&drops, k, &one, BPF_NOEXIST)) {
		/* another CPU may have added the key meanwhile: count there */
		v = bpf_map_lookup_elem(&drops, k);
		if (v) {
			__sync_fetch_and_add(v, 1);
		} else {
			__u64 *o = bpf_map_lookup_elem(&overflow, &z);

			if (o)
				__sync_fetch_and_add(o, 1);
		}
	}
}

/* One drop seen by the perf-event tracepoint: every field read with bpf_probe_read. */
static __always_inline void count(struct sk_buff *skb, __u32 reason, struct sock *rx_sk)
{
	struct dr_key k = {};
	struct net_device *dev;

	k.reason = reason;
	if (k.reason == skip_a || k.reason == skip_b)
		return;
	dev = BPF_CORE_READ(skb, dev);
	if (dev) {
		k.ifindex = BPF_CORE_READ(dev, ifindex);
		k.netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
		k.ns_src = DR_NS_DEV;
	} else {
		/* the device is already cleared (socket layer, a packet socket's queue): the
		 * receiving socket, else the socket owning the skb, knows the namespace;
		 * else it stays unknown (0), never guessed */
		struct sock *sk = rx_sk ? rx_sk : BPF_CORE_READ(skb, sk);

		k.ifindex = BPF_CORE_READ(skb, skb_iif);
		if (sk) {
			k.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
			k.ns_src = rx_sk ? DR_NS_RXSK : DR_NS_SKBSK;
		}
	}
	count_key(&k);
}

/* The same for the BTF tracepoint, whose arguments are typed kernel pointers: plain loads
 * (the verifier turns a load through NULL into 0) instead of one bpf_probe_read_kernel
 * helper call per field, which cost about half of the program's 220 ns per drop. */
static __always_inline void count_btf(struct sk_buff *skb, __u32 reason, struct sock *rx_sk)
{
	struct dr_key k = {};
	struct net_device *dev;

	k.reason = reason;
	if (k.reason == skip_a || k.reason == skip_b)
		return;
	dev = skb->dev;
	if (dev) {
		k.ifindex = dev->ifindex;
		k.netns = dev->nd_net.net->ns.inum;
		k.ns_src = DR_NS_DEV;
	} else {
		struct sock *sk = rx_sk ? rx_sk : skb->sk;

		k.ifindex = skb->skb_iif;
		if (sk) {
			k.netns = sk->__sk_common.skc_net.net->ns.inum;
			k.ns_src = rx_sk ? DR_NS_RXSK : DR_NS_SKBSK;
		}
	}
	count_key(&k);
}

/* The BTF tracepoint, called straight from the kernel's trace point. The perf-event
 * tracepoint below goes through perf's per-CPU trace buffers and on this kind of machine
 * missed some 0.3 % of drops at 30 k/s; this one saw all. User space loads this one and
 * falls back to the other when it cannot (kernels without BTF-typed tracepoints). */
SEC("tp_btf/kfree_skb")
int BPF_PROG(dr_kfree_skb_btf, struct sk_buff *skb, void *location, __u32 reason)
{
	struct sock *rx_sk = NULL;

	/* rx_sk came in Linux 6.8 as the fourth argument; the verifier drops the dead branch */
	if (bpf_core_field_exists(((struct trace_event_raw_kfree_skb___rx *)0)->rx_sk))
		rx_sk = (struct sock *)ctx[3];
	count_btf(skb, reason, rx_sk);
	return 0;
}

SEC("tracepoint/skb/kfree_skb")
int dr_kfree_skb(struct trace_event_raw_kfree_skb *ctx)
{
	struct sock *rx_sk = NULL;

	if (bpf_core_field_exists(((struct trace_event_raw_kfree_skb___rx *)0)->rx_sk))
		rx_sk = BPF_CORE_READ((struct trace_event_raw_kfree_skb___rx *)ctx, rx_sk);
	count((struct sk_buff *)BPF_CORE_READ(ctx, skbaddr), BPF_CORE_READ(ctx, reason), rx_sk);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
