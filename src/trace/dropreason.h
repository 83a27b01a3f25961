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
/* Add one row per map entry to s, under the namespace whose inode matches: the drop's
 * device's, else the socket's that held the skb. A namespace the snapshot lacks goes under host_ns with a netns_inode
 * label; one the kernel could not tell goes under a pseudo-namespace named
 * DROPREASON_NS_UNKNOWN (inode 0) added to s. The device is named only in the
 * namespace its ifindex came from ("ifN" when that namespace has no such device now),
 * DROPREASON_DEV_UNKNOWN when that namespace is not known. Returns rows added or
 * -errno. */
#define DROPREASON_NS_UNKNOWN "unknown"
#define DROPREASON_DEV_UNKNOWN "unknown"
int dropreason_read(struct dropreason *d, struct snapshot *s, uint32_t host_ns);

/* Add the dropreason collector to the engine's table (collect_register): the program
 * calls it once at start-up; collect/ itself does not refer to trace/. 0 or -errno. */
int dropreason_register(void) MUST_CHECK;

/* The layer a reason name belongs to, and whether it is a UDP-datapath reason at all
 * (TCP and unix-socket reasons are skipped). Reasons the device itself counts (its
 * rx_dropped: UNHANDLED_PROTO) take the layer of dev, the device dropped on (nic for a
 * physical one, vdev for veth, bridge, lo, ...; nic when dev is NULL, unknown). Pure;
 * exposed for tests. */
bool dropreason_layer(const char *reason, const struct link_info *dev, enum dp_layer *layer,
		      unsigned *flags);

#endif
