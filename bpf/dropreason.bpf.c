// SPDX-License-Identifier: GPL-2.0
/* dropreason.bpf.c: count every freed-as-dropped skb (tracepoint skb:kfree_skb) in the
 * kernel, keyed by (reason, ifindex, netns inode). Aggregation stays in the kernel, so
 * nothing is lost at any rate; a full map is counted in `overflow` (REFERENCE trap 5).
 * Reasons that are not drops (SKB_CONSUMED, NOT_DROPPED_YET) are skipped by value, set
 * by user space from the running kernel's BTF before load (trap 4). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct dr_key {
	__u32 reason;
	__u32 ifindex;
	__u32 netns;
	__u32 pad;
};

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

const volatile __u32 skip_a = 0xffffffff; /* SKB_NOT_DROPPED_YET */
const volatile __u32 skip_b = 0xffffffff; /* SKB_CONSUMED */

struct trace_event_raw_kfree_skb___rx {
	void *skbaddr;
	void *location;
	void *rx_sk;
} __attribute__((preserve_access_index));

SEC("tracepoint/skb/kfree_skb")
int dr_kfree_skb(struct trace_event_raw_kfree_skb *ctx)
{
	struct dr_key k = {};
	struct sk_buff *skb = (struct sk_buff *)BPF_CORE_READ(ctx, skbaddr);
	struct net_device *dev;
	__u64 one = 1, *v;

	k.reason = BPF_CORE_READ(ctx, reason);
	if (k.reason == skip_a || k.reason == skip_b)
		return 0;
	dev = BPF_CORE_READ(skb, dev);
	if (dev) {
		k.ifindex = BPF_CORE_READ(dev, ifindex);
		k.netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	} else {
		/* the device is already cleared (socket layer): the receiving socket knows */
		k.ifindex = BPF_CORE_READ(skb, skb_iif);
		if (bpf_core_field_exists(((struct trace_event_raw_kfree_skb___rx *)0)->rx_sk)) {
			struct sock *sk = BPF_CORE_READ((struct trace_event_raw_kfree_skb___rx *)ctx,
							rx_sk);
			if (sk)
				k.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
		}
	}
	v = bpf_map_lookup_elem(&drops, &k);
	if (v) {
		__sync_fetch_and_add(v, 1);
	} else if (bpf_map_update_elem(&drops, &k, &one, BPF_NOEXIST)) {
		__u32 z = 0;
		__u64 *o = bpf_map_lookup_elem(&overflow, &z);

		if (o)
			__sync_fetch_and_add(o, 1);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
