/* raw.h: the raw sender (bench --raw). Datagrams are built here, IP and UDP headers and
 * checksums included, and sent on an AF_PACKET socket straight to the next hop, past the
 * sending host's own UDP, IP, routing and netfilter (as trafgen and pktgen send): a sender
 * thread then spends its CPU on the path under test, not on its own stack. The receiver sees
 * the same datagrams, ports and flows as in socket mode.
 *
 * raw_resolve asks the kernel (rtnetlink) for the route to the destination, the egress
 * device and the next hop's link address; the header functions are pure so unit tests and
 * the fuzzer drive them. */
#ifndef DPTUNE_TRAFFIC_RAW_H
#define DPTUNE_TRAFFIC_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/if_packet.h>

struct raw_path {
	int ifindex;
	char ifname[IF_NAMESIZE];
	unsigned short arptype;		/* ARPHRD_* of the egress device */
	unsigned char halen;		/* 0: a device without link headers */
	unsigned char lladdr[8];	/* next hop's link address */
	unsigned char ownaddr[8];	/* the egress device's own link address */
	struct sockaddr_storage nexthop; /* gateway, or the destination itself */
	bool have_gw;			/* the route has a gateway (nexthop is it) */
	struct sockaddr_storage src;	/* the route's preferred source address */
	bool have_src;
};

/* Resolve the route from this namespace to dst (IPv4 or IPv6; the port is ignored): egress
 * device, next hop, its link address (from the neighbour table: the next hop must have been
 * reached once, as the control connection to the same host does) and source address.
 * 0, or -errno with a sentence for the user in err. */
int raw_resolve(const struct sockaddr_storage *dst, struct raw_path *p, char *err, size_t n);

/* Only the route from this namespace to dst and its egress device (ifindex, ifname,
 * arptype, ownaddr, nexthop, have_gw, src), as `ip route get` says; no neighbour needed,
 * any device type. 0, or -errno with a sentence in err. */
int raw_route(const struct sockaddr_storage *dst, struct raw_path *p, char *err, size_t n);

/* The sockaddr_ll that sends an IP packet of `family` to p's next hop. */
void raw_dest(const struct raw_path *p, int family, struct sockaddr_ll *to);

/* The link header p's device takes before an IP packet of `family`: Ethernet (to the next
 * hop, from the device, the IP ethertype) on Ethernet, a zero Ethernet header on loopback,
 * none on devices without link headers. Writes out (RAW_LINK_MAX bytes at most) and returns
 * the header's length: 14 or 0. */
#define RAW_LINK_MAX 14
unsigned raw_link_header(const struct raw_path *p, int family, uint8_t *out);

/* An AF_PACKET SOCK_RAW socket bound to ifindex with protocol 0 (it sees no traffic), with a
 * large send buffer: datagrams go out as written, link header included, with no address
 * (the bound device, looked up once, not per datagram, and no link header built per
 * datagram as a SOCK_DGRAM send with an address has). A device without link headers needs the address
 * (raw_dest) on every send, for its protocol. vnet: datagrams start with a virtio-net
 * header (partial templates). fd or -errno (-EPERM without CAP_NET_RAW; -ENOPROTOOPT or
 * -EINVAL: the kernel takes no virtio-net header). */
int raw_socket(int ifindex, bool vnet);

/* The link, IP and UDP headers of one flow, with the checksum work that does not depend on
 * the datagram done once. The payload is the test header (DGRAM_HDR_LEN bytes, different in
 * every datagram) followed by zeros.
 *
 * A partial template starts with a virtio-net header (RAW_VNET_LEN bytes, for a socket with
 * PACKET_VNET_HDR) that asks for the UDP checksum to be completed later, its field holding
 * the pseudo-header sum: the kernel's own UDP sends so (CHECKSUM_PARTIAL), so a veth or
 * tap receiver trusts it as it trusts a socket sender's, a NIC fills it in, and the sender
 * computes nothing per datagram. Otherwise the sender computes the whole checksum. */
#define RAW_VNET_LEN 10
#define RAW_HDR_MAX (RAW_VNET_LEN + RAW_LINK_MAX + 48) /* vnet + Ethernet + IPv6 + UDP */
struct raw_tmpl {
	uint8_t hdr[RAW_HDR_MAX];
	uint8_t len;	  /* [vnet header +] link header + 28 (IPv4) or 48 (IPv6) */
	uint8_t csum_off; /* the UDP checksum's offset in hdr */
	bool partial;	  /* starts with the virtio-net header; nothing to add per datagram */
	uint32_t sum;	  /* pseudo-header + UDP header, one's-complement partial sum */
};

/* Build the template for src -> dst (both the same family, ports included) and a payload of
 * `payload` bytes, after the link header `link` (linklen bytes, at most RAW_LINK_MAX);
 * partial: see above. 0, or -EINVAL (families differ or unknown, payload or link header
 * too large). */
int raw_tmpl_init(struct raw_tmpl *t, const uint8_t *link, unsigned linklen,
		  const struct sockaddr_storage *src, const struct sockaddr_storage *dst,
		  unsigned payload, bool partial);
/* Write the headers of one datagram into out (t->len bytes): the template, and unless it
 * is partial the UDP checksum of a payload that starts with the DGRAM_HDR_LEN bytes at
 * payload_hdr. */
void raw_tmpl_fill(const struct raw_tmpl *t, const void *payload_hdr, uint8_t *out);

/* The Internet checksum helpers, exposed for the tests: a partial sum over len bytes (an
 * odd last byte padded with zero), and its folded complement. */
uint32_t raw_sum(const void *buf, size_t len, uint32_t sum);
uint16_t raw_fold(uint32_t sum);

#endif
