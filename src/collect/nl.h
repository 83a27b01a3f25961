/* nl.h: small libmnl helpers shared by the rtnetlink collectors (link, qdisc): a
 * NETLINK_ROUTE socket opened in the current namespace, a dump request/receive loop, a
 * non-blocking drain of multicast notifications, and a message walker that works on a
 * plain buffer, apart from any socket, so recorded dumps and fuzzers can drive it. */
#ifndef DPTUNE_NL_H
#define DPTUNE_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

struct nl_sock;

/* Called for every data message of a dump (not NOOP/DONE/ERROR). Return 0 to go on,
 * or -errno to stop the walk with that error. */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);

/* Open a NETLINK_ROUTE socket in the current network namespace. groups is a legacy
 * RTMGRP_* bit mask to subscribe to (0 for none); a subscribed socket is non-blocking.
 * Returns NULL with errno set. */
struct nl_sock *nl_open(unsigned groups);
void nl_close(struct nl_sock *s);

/* Send req (its nlmsg_flags get NLM_F_REQUEST|NLM_F_DUMP, nlmsg_seq a fresh number) and
 * feed every reply message to cb until NLMSG_DONE. Returns 0 or -errno. */
int nl_dump(struct nl_sock *s, struct nlmsghdr *req, nl_msg_cb cb, void *data);

/* Send a single (not dump) request and feed its one reply message to cb. 0 or -errno (an
 * NLMSG_ERROR reply gives its error). */
int nl_request(struct nl_sock *s, struct nlmsghdr *req, nl_msg_cb cb, void *data);

/* Read and discard every pending notification on a subscribed socket without blocking.
 * Returns the number of messages read (an overrun, ENOBUFS, counts as one: state must
 * be re-read), or -errno. */
int nl_drain(struct nl_sock *s);

/* One poll of every subscribed socket of the process (call it once per snapshot, before
 * the collectors drain): a later nl_drain() of a socket the poll found empty returns 0
 * without a system call, as a recv() at the time of the poll would have. Without a poll
 * since its last drain, nl_drain() reads the socket. */
void nl_poll_events(void);

/* Walk the netlink messages in buf[0..len): call cb for each data message. seq, when
 * not 0, must match nlmsg_seq (other messages are skipped). Returns 1 when NLMSG_DONE
 * was seen, 0 when the buffer ended without it (more to come), -errno from an
 * NLMSG_ERROR or from cb, -EBADMSG on a truncated message. Never reads outside buf. */
int nl_parse_buf(const void *buf, size_t len, uint32_t seq, nl_msg_cb cb, void *data);

/* Attribute table: tb[type] = last attribute of that type (type <= max), others NULL.
 * nl_attr_table parses the attributes after a hdrlen-byte family header of nlh
 * (-EBADMSG if the message is shorter than that header); nl_nested_table those inside
 * a nested attribute. Malformed trailing attributes are ignored. 0 or -errno. */
int nl_attr_table(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		  unsigned max);
int nl_nested_table(const struct nlattr *nest, const struct nlattr **tb, unsigned max);

/* Typed getters that check the payload length: false when a is NULL or too short. */
bool nl_get_u8(const struct nlattr *a, uint8_t *v);
bool nl_get_u16(const struct nlattr *a, uint16_t *v);
bool nl_get_u32(const struct nlattr *a, uint32_t *v);
bool nl_get_s32(const struct nlattr *a, int32_t *v);
/* A string attribute copied into out (NUL-terminated, truncated to n-1); false if a is
 * NULL or empty. The attribute need not be NUL-terminated. */
bool nl_get_str(const struct nlattr *a, char *out, size_t n);
/* Copy up to n bytes of the payload into out, zero-filling the rest; returns the number
 * of payload bytes copied (0 if a is NULL). For kernel structs that grew over time. */
size_t nl_get_struct(const struct nlattr *a, void *out, size_t n);


/* ---- Parsers of the rtnetlink collectors (link.c, qdisc.c), exposed for tests. ---- */
#include <linux/if_link.h>
#include "../model/snapshot.h"

/* Parse one RTM_NEWLINK message into *li (strings interned; li->ns left 0) and, when it
 * carries IFLA_STATS64, into *st with *have_st set. Returns 0, -ENOMSG if the message is
 * not RTM_NEWLINK, -EBADMSG if it is malformed. */
int link_parse_msg(const struct nlmsghdr *nlh, struct link_info *li,
		   struct rtnl_link_stats64 *st, bool *have_st);
/* Parse one RTM_NEWSTATS message: the ifindex and its IFLA_STATS_LINK_64. Returns 0,
 * -ENOMSG (not RTM_NEWSTATS), -ENOENT (no 64-bit link stats in it) or -EBADMSG. */
int link_parse_stats_msg(const struct nlmsghdr *nlh, int *ifindex,
			 struct rtnl_link_stats64 *st);
/* The layer of a device's counters: nic for a real NIC (no kind, not loopback), else vdev. */
enum dp_layer link_layer(const struct link_info *li);
/* Add the IFLA_STATS64 counters of one device, obj = device name (li->name, interned). */
void link_emit_stats(struct snapshot *s, uint32_t ns, const struct link_info *li,
		     const struct rtnl_link_stats64 *st);
/* Parse /proc/net/dev text: one link_info (name only) and its counters per device line.
 * Its "drop" column is rx_dropped + rx_missed_errors, so it is named rx_dropped_total;
 * "frame" and "carrier" are sums too (rx_frame_errors_total, tx_carrier_errors_total).
 * Malformed lines are skipped. Returns the number of devices read. */
int link_parse_proc_net_dev(const char *buf, size_t len, struct snapshot *s, uint32_t ns);

/* One qdisc from an RTM_NEWQDISC message. */
struct qdisc_rec {
	int ifindex;
	uint32_t handle, parent;
	char kind[32];
	bool have_stats;
	uint64_t bytes, packets;
	uint32_t qlen, backlog, drops, requeues, overlimits;
};
/* Parse one RTM_NEWQDISC message (TCA_KIND, TCA_STATS2 basic/queue, or old TCA_STATS).
 * Returns 0, -ENOMSG if not RTM_NEWQDISC, -EBADMSG if malformed. */
int qdisc_parse_msg(const struct nlmsghdr *nlh, struct qdisc_rec *q);
/* Resolve an ifindex to a name when the snapshot has no link row for it (may be NULL). */
typedef const char *(*qdisc_name_fn)(int ifindex, char *buf, size_t n);
/* Add the rows of n qdiscs of namespace ns: layer qdisc, obj = device name, labels
 * "kind=..,handle=..,parent=..", children of a multi-queue root (mq, mqprio, taprio) get
 * their tx queue in m->queue; "noqueue" adds no rows. Sets link_info.qdisc of devices in
 * s->links of this namespace to their root qdisc kind. Returns rows added. */
size_t qdisc_emit(struct snapshot *s, uint32_t ns, const struct qdisc_rec *q, size_t n,
		  qdisc_name_fn resolve);
/* Format a tc handle like tc(8): "root", "0:", "1:", ":1", "1:a", "ffff:fff1". */
const char *qdisc_handle_str(uint32_t h, char *buf, size_t n);

#endif
