/* nlbuf.c: netlink buffer validation. */
#include <linux/netlink.h>
#include <stdint.h>
#include <string.h>
#include "nlbuf.h"

size_t nlbuf_valid_len(const void *buf, size_t len)
{
	size_t off = 0;

	while (len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		size_t step;

		memcpy(&h, (const char *)buf + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			break;
		step = NLMSG_ALIGN((size_t)h.nlmsg_len);
		if (step > len - off) /* the last message may lack its padding */
			step = len - off;
		off += step;
	}
	return off;
}
