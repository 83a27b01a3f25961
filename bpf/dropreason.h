/* SPDX-License-Identifier: GPL-2.0 */
/* dropreason.h: the maps bpf/dropreason.bpf.c shares with its reader,
 * src/trace/dropreason.c (and bench/tracercost.c). Include <linux/types.h> (user space) or
 * vmlinux.h (BPF) first. */
#ifndef DPTUNE_BPF_DROPREASON_H
#define DPTUNE_BPF_DROPREASON_H

/* Where dr_key.netns came from (user space resolves the ifindex only in that namespace,
 * and only for DEV, RXSK and SKBSK). */
enum dr_ns_src {
	DR_NS_UNKNOWN = 0, /* no device, no socket: netns 0. The task freeing the skb is
			    * not asked: in a softirq it is whatever task was interrupted,
			    * and the program cannot tell a softirq from process context on
			    * kernels that do not expose __preempt_count (kallsyms) */
	DR_NS_DEV = 1,     /* skb->dev; ifindex is that device */
	DR_NS_RXSK = 2,    /* the receiving socket (rx_sk); ifindex is skb_iif */
	DR_NS_SKBSK = 3,   /* the socket owning the skb (a packet socket's queue); skb_iif */
};

/* One counter: the key of map `drops` (value: __u64 count). */
struct dr_key {
	__u32 reason;
	__u32 ifindex;
	__u32 netns;
	__u32 ns_src; /* enum dr_ns_src; in a front slot ORed with DR_SLOT_USED */
};

/* The per-CPU front of map `drops`: map `front` (a per-CPU array of one struct dr_front)
 * holds DR_FRONT_SLOTS counters per CPU, direct-mapped by dr_slot_of(). A key seen a
 * second time takes its slot when the slot is free and keeps it for good; from then on
 * that CPU counts it there with a plain increment (no hash lookup, no atomic). Nothing
 * ever moves between a slot and the hash, so a key's count is always the hash's value
 * plus its slots' n on every CPU, and it only grows. A slot's key is written one event
 * before its n first counts, so a reader never pairs a count with a half-written key. */
#define DR_FRONT_SLOTS 128 /* a power of two */
#define DR_SLOT_USED 0x100u

struct dr_slot {
	struct dr_key k;
	__u64 n;
};

struct dr_front {
	struct dr_slot s[DR_FRONT_SLOTS];
};

/* The slot of key k (fields as in the hash, without DR_SLOT_USED). */
static inline __u32 dr_slot_of(__u32 reason, __u32 ifindex, __u32 netns, __u32 ns_src)
{
	__u32 h = reason * 0x9e3779b1u ^ ifindex * 0x85ebca6bu ^ netns * 0xc2b2ae35u ^ ns_src;

	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h & (DR_FRONT_SLOTS - 1);
}

#endif
