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

#endif
