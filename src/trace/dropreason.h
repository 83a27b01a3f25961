/* dropreason.h: kernel drop reasons as cheap always-on counters (REFERENCE "ten things"
 * #3): a BPF program on skb:kfree_skb aggregates (reason, ifindex, netns) in the kernel;
 * this module loads it, names reasons from the running kernel's BTF, and turns the map
 * into snapshot rows in the layer each reason belongs to. */
#ifndef DPTUNE_DROPREASON_H
#define DPTUNE_DROPREASON_H

#include "../model/snapshot.h"

struct dropreason;

/* Load and attach. Returns 0, or -errno with why[] saying what is missing and what to do
 * (built without BPF, not root, no BTF, tracepoint absent). */
int dropreason_open(struct dropreason **out, char *why, size_t whylen);
void dropreason_close(struct dropreason *d);
/* Add one row per map entry to s, under the namespace whose inode matches (host
 * otherwise, with a netns_inode label). Returns rows added or -errno. */
int dropreason_read(struct dropreason *d, struct snapshot *s, uint32_t host_ns);

/* Add the dropreason collector to the engine's table (collect_register): the program
 * calls it once at start-up; collect/ itself does not refer to trace/. 0 or -errno. */
int dropreason_register(void) MUST_CHECK;

/* The layer a reason name belongs to, and whether it is a UDP-datapath reason at all
 * (TCP and unix-socket reasons are skipped). Pure; exposed for tests. */
bool dropreason_layer(const char *reason, enum dp_layer *layer, unsigned *flags);

#endif
