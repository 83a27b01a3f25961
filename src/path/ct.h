/* ct.h: the conntrack entry of a flow, as `dptune path` asks ctnetlink for it
 * (IPCTNL_MSG_CT_GET with the original tuple, or a dump filtered here when a port is
 * "any"). An entry's reply tuple tells the NAT the kernel actually applies to the flow:
 * a destination rewrite (DNAT) when the reply comes from another address or port than
 * the original destination, a source rewrite (SNAT) when it goes back to another
 * address or port than the original source. The request builder and the reply parser
 * are pure (no socket), so unit tests and the fuzzer (tests/fuzz/fuzz_pathct.c) drive
 * them on recorded bytes. IPv4 only. */
#ifndef DPTUNE_PATH_CT_H
#define DPTUNE_PATH_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/netlink.h>

struct ct_tuple {
	struct in_addr src, dst;
	uint8_t proto;
	uint16_t sport, dport;       /* host order; 0 in a query: any */
};

struct ct_entry {
	struct ct_tuple orig, reply;
	uint32_t status;             /* IPS_* */
	uint32_t mark;
	uint16_t zone;
};

/* Build a ctnetlink request for t in buf (at least CT_REQ_MAX bytes): an exact GET when
 * both ports are set, else a dump of the IPv4 table (match the entries with ct_match).
 * Returns the message. */
#define CT_REQ_MAX 256
struct nlmsghdr *ct_build_get(void *buf, const struct ct_tuple *t, uint32_t seq, bool *dump);

/* Parse one IPCTNL_MSG_CT_NEW message. 0; -ENOMSG when it is another message or not
 * IPv4; -EBADMSG when a tuple is missing or malformed. */
int ct_parse(const struct nlmsghdr *nlh, struct ct_entry *e);

/* Does query q (ports 0 match any) match entry e's original tuple (CT_ORIG: the packet
 * goes the way the connection started) or its reply tuple (CT_REPLY: a packet of the
 * answer, which the kernel un-NATs)? 0: neither. */
enum { CT_NONE = 0, CT_ORIG = 1, CT_REPLY = 2 };
int ct_match(const struct ct_entry *e, const struct ct_tuple *q);

/* The rewrite an entry applies to a packet of direction dir: the packet leaves as the
 * inverse of the other direction's tuple. DNAT when that changes the destination (new
 * destination and port in *to), SNAT when it changes the source (new source in *to).
 * Original direction: a reply from another address than the destination means DNAT,
 * one back to another address than the source SNAT; reply direction: the reverse. */
bool ct_dnat(const struct ct_entry *e, int dir, struct ct_tuple *to);
bool ct_snat(const struct ct_entry *e, int dir, struct ct_tuple *to);

/* "udp 10.0.0.2:4000 -> 10.1.0.9:5201, reply 10.2.0.5:5201 -> 10.0.0.2:4000" */
const char *ct_str(const struct ct_entry *e, char *buf, size_t n);

#endif
