/* udpsock.h: every UDP socket of a namespace, from sock_diag (netlink) or /proc/net/udp. */
#ifndef DPTUNE_UDPSOCK_H
#define DPTUNE_UDPSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct udp_sock {
	char obj[128];        /* "udp 10.0.0.2:5004" or "udp6 [::1]:53->[::1]:999" */
	uint64_t inode;
	uint32_t rx_queue, tx_queue;
	uint32_t rcvbuf, rmem_alloc, drops;
	bool have_mem;        /* rcvbuf and rmem_alloc known (sock_diag) */
};

struct udp_socks {
	struct udp_sock *s;
	size_t n, cap;
};

/* Parse a sock_diag dump (a buffer of netlink messages: inet_diag_msg with
 * INET_DIAG_SKMEMINFO). Returns 1 at NLMSG_DONE, 0 when more is to come, -errno on an
 * error message. Malformed messages are skipped. */
int udpsock_parse_diag(const void *buf, size_t len, struct udp_socks *out);
/* Parse /proc/net/udp or udp6. Returns sockets added. */
int udpsock_parse_proc(const char *buf, size_t len, bool v6, struct udp_socks *out);
void udp_socks_release(struct udp_socks *u);

#endif
