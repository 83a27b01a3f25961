/* nlbuf.h: validation of netlink buffers before libmnl walks them. libmnl 1.0.4's
 * mnl_nlmsg_ok() compares (int)nlmsg_len, so a hostile length like 0xfffffff0 passes and
 * the walk leaves the buffer (found by fuzz_udpdiag). Parsers of recorded or fuzzed
 * buffers cut them to their longest well-formed prefix first. */
#ifndef DPTUNE_NLBUF_H
#define DPTUNE_NLBUF_H

#include <stddef.h>

/* Length of the longest prefix of buf made of whole, well-formed netlink messages. */
size_t nlbuf_valid_len(const void *buf, size_t len);

#endif
