/* ledger.h: the drop ledger of one trial: which counters of which layer, namespace,
 * device or CPU rose while the trial ran, in datapath order, and how much of the loss
 * they explain. Pure: works on a delta, no I/O. */
#ifndef DPTUNE_LEDGER_H
#define DPTUNE_LEDGER_H

#include "../model/delta.h"

struct ledger_entry {
	uint8_t layer;
	const char *netns, *obj, *counter, *labels; /* interned */
	int32_t queue, cpu;
	uint64_t delta;
};

struct ledger {
	struct ledger_entry *e;
	size_t n;
	uint64_t explained;   /* packets the counters account for (see ledger_build) */
	bool exact;           /* explained comes from kernel drop reasons (one count per skb) */
	int top;              /* index of the entry that names where packets died, -1 if none */
	int detail;           /* the largest ordinary counter in top's layer (a socket row with
			       * its process, a device), -1 if none */
};

/* Build from a delta: every drop counter (MF_DROP, not MF_BENIGN) that rose. When kernel
 * drop reasons (rows named "drop:*") are present, explained is their sum (exact, each
 * dropped skb once); otherwise it is estimated without double counting the aliases of one
 * drop (a backlog drop is softnet "dropped", the device's rx_dropped and the peer's
 * tx_dropped at once): per group of layers {nic} {backlog vdev ip} {qdisc} {netfilter}
 * {udp socket}, the largest counter, summed over groups. */
void ledger_build(struct ledger *l, const struct snapshot *cur, const struct delta *d);
void ledger_release(struct ledger *l);
/* Add an entry the counters could not give (a load engine's own measurement, e.g. the
 * receiving sockets' SO_RXQ_OVFL drops of sockets closed before the snapshot), and choose
 * top and detail again. */
void ledger_add(struct ledger *l, enum dp_layer layer, const char *netns, const char *obj,
		const char *counter, const char *labels, uint64_t delta);

/* Conservation hop by hop along a flow's path (`dptune path`): the path's counting
 * points in order, each one device of one namespace and whether its rx or its tx
 * packets count the flow. Between two points, packets in (the first point's count) must
 * come out (the next point's) or be counted as dropped (either device's drop counter in
 * its direction); a segment that loses more than the tolerance is the layer that lost the
 * packets, whether or not a drop counter moved. The last point of a path that ends in a
 * drop (a route, rp_filter, MTU...) delivers nowhere: out = 0. Pure. */
struct hop_point {
	const char *netns, *dev;   /* as the snapshot names them */
	bool rx;                   /* rx_packets/rx_dropped count the flow here, else tx_ */
	bool sink;                 /* nothing comes out of this point (the path stops here
				    * with a drop): it is a segment of its own with out 0 */
	uint64_t packets, dropped; /* deltas over the window */
	bool have;                 /* the counters were found */
};

struct hop_loss {
	int from, to;              /* points: packets entered at from and should reach to
				    * (to == from for a sink) */
	uint64_t in, out, dropped, lost;
};

/* Fill packets/dropped/have of each point from a window's delta (the device's rows in
 * layer nic or vdev of that namespace). */
void ledger_hop_fill(const struct snapshot *cur, const struct delta *d, struct hop_point *p,
		     size_t n);
/* The first segment whose loss (in - out - dropped) is at least min_lost and at least
 * 5 % of in (background packets such as ARP do not count as loss); 1 with *out filled,
 * 0 when every segment is conserved. Points without counters are skipped over. */
int ledger_hop_conservation(const struct hop_point *p, size_t n, uint64_t min_lost,
			    struct hop_loss *out);

#endif
