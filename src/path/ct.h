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

/* Does entry e's original tuple match query q (ports 0 in q match any)? */
bool ct_match(const struct ct_entry *e, const struct ct_tuple *q);

/* The rewrite an entry applies: DNAT when the reply's source differs from the original
 * destination (new destination in *to), SNAT when the reply's destination differs
 * from the original source (new source in *to). */
bool ct_dnat(const struct ct_entry *e, struct ct_tuple *to);
bool ct_snat(const struct ct_entry *e, struct ct_tuple *to);

/* "udp 10.0.0.2:4000 -> 10.1.0.9:5201, reply 10.2.0.5:5201 -> 10.0.0.2:4000" */
const char *ct_str(const struct ct_entry *e, char *buf, size_t n);

#endif
