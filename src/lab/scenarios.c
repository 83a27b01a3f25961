/* scenarios.c: the lab's scenarios as data: for each, its hosts (namespaces) with their
 * roles, addresses and main devices, the client, the server and the address the client
 * sends to, the path a packet takes, the steps that build it, and the device RPS goes on.
 * build.c interprets these; the tokens in braces are described in lab_int.h. Adding a
 * scenario is adding an entry here (and a probe in build.c when it needs a new device). */
#include <stddef.h>
#include <string.h>
#include "lab_int.h"

#define VETH(n1, d1, n2, d2) { LOP_VETH, n1, { d1, n2, d2 } }
#define BRIDGE(n, br) { LOP_BRIDGE, n, { br } }
#define MASTER(n, dev, br) { LOP_MASTER, n, { dev, br } }
#define ADDR(n, dev, a) { LOP_ADDR, n, { dev, a } }
#define IPN(n, ...) { LOP_IP, n, { __VA_ARGS__ } }
#define LINK(n, dev, kind, ...) { LOP_LINK, n, { dev, kind, __VA_ARGS__ } }
#define RUN(n, ...) { LOP_RUN, n, { __VA_ARGS__ } }
#define SYSCTL(n, path, val) { LOP_SYSCTL, n, { path, val } }
#define NFT_TABLE(n, t, fam) { LOP_NFT_TABLE, n, { t, fam } }
#define NFT(n, cmd) { LOP_NFT, n, { cmd } }
#define OVS(n, inst) { LOP_OVS, n, { inst } }
#define VSCTL(inst, ...) { LOP_VSCTL, inst, { __VA_ARGS__ } }
#define GUEST(hn, hd, gn, gd) { LOP_GUEST, hn, { hd, gn, gd } }
#define END { LOP_END, NULL, { NULL } }

/* veth: client and server joined by one veth pair. */
static const struct lab_sc sc_veth = {
	.nodes = (const struct lab_sc_node[]){
		{ "cli", "client", "{1.1/24}", "{c0}" },
		{ "srv", "server", "{1.2/24}", "{s0}" },
		{ NULL, NULL, NULL, NULL },
	},
	.client = "cli", .server = "srv", .target = "{1.2}",
	.path = (const struct lab_sc_hop[]){
		{ "cli", "{c0}", "veth", "tx" },
		{ "srv", "{s0}", "veth", "rx" },
		{ NULL, NULL, NULL, NULL },
	},
	.steps = (const struct lab_step[]){
		VETH("cli", "{c0}", "srv", "{s0}"),
		ADDR("cli", "{c0}", "{1.1/24}"),
		ADDR("srv", "{s0}", "{1.2/24}"),
		END,
	},
	.rps_node = "srv", .rps_dev = "{s0}",
};

/* bridge: OpenStack's hybrid plug on a Linux integration bridge. */
static const struct lab_sc sc_bridge = {
	.nodes = (const struct lab_sc_node[]){
		{ "hv", "host", NULL, "{br}" },
		{ "cli", "client", "{1.1/24}", "{c0}" },
		{ "srv", "server", "{1.2/24}", "{s0}" },
		{ NULL, NULL, NULL, NULL },
	},
	.client = "cli", .server = "srv", .target = "{1.2}",
	.path = (const struct lab_sc_hop[]){
		{ "cli", "{c0}", "veth", "tx" },
		{ "hv", "{c1}", "veth", "rx, bridge port" },
		{ "hv", "{br}", "bridge", "integration bridge" },
		{ "hv", "{qvo}", "veth", "hybrid plug, int side" },
		{ "hv", "{qvb}", "veth", "hybrid plug, qbr side" },
		{ "hv", "{qbr}", "bridge", "per-port bridge (qbr)" },
		{ "hv", "{s1}", "veth", "the VM's tap stand-in" },
		{ "srv", "{s0}", "veth", "rx" },
		{ NULL, NULL, NULL, NULL },
	},
	.steps = (const struct lab_step[]){
		BRIDGE("hv", "{br}"),
		BRIDGE("hv", "{qbr}"),
		VETH("cli", "{c0}", "hv", "{c1}"),
		MASTER("hv", "{c1}", "{br}"),
		VETH("hv", "{qvb}", "hv", "{qvo}"),
		MASTER("hv", "{qvb}", "{qbr}"),
		MASTER("hv", "{qvo}", "{br}"),
		VETH("srv", "{s0}", "hv", "{s1}"),
		MASTER("hv", "{s1}", "{qbr}"),
		ADDR("cli", "{c0}", "{1.1/24}"),
		ADDR("srv", "{s0}", "{1.2/24}"),
		END,
	},
	.rps_node = "srv", .rps_dev = "{s0}",
};

/* ovs: an Open vSwitch bridge with the userspace datapath, daemons private to the lab. */
static const struct lab_sc sc_ovs = {
	.nodes = (const struct lab_sc_node[]){
		{ "sw", "switch", NULL, "{br}" },
		{ "cli", "client", "{1.1/24}", "{c0}" },
		{ "srv", "server", "{1.2/24}", "{s0}" },
		{ NULL, NULL, NULL, NULL },
	},
	.client = "cli", .server = "srv", .target = "{1.2}",
	.path = (const struct lab_sc_hop[]){
		{ "cli", "{c0}", "veth", "tx, tx checksum offload off" },
		{ "sw", "{c1}", "ovs-port", "AF_PACKET rx" },
		{ "sw", "{br}", "ovs-bridge", "datapath_type=netdev" },
		{ "sw", "{s1}", "ovs-port", "AF_PACKET tx" },
		{ "srv", "{s0}", "veth", "rx" },
		{ NULL, NULL, NULL, NULL },
	},
	.steps = (const struct lab_step[]){
		OVS("sw", "sw"),
		VETH("cli", "{c0}", "sw", "{c1}"),
		VETH("srv", "{s0}", "sw", "{s1}"),
		RUN("cli", "ethtool", "-K", "{c0}", "tx", "off"),
		RUN("srv", "ethtool", "-K", "{s0}", "tx", "off"),
		VSCTL("sw", "add-br", "{br}", "--", "set", "bridge", "{br}", "datapath_type=netdev",
		      "--", "add-port", "{br}", "{c1}", "--", "add-port", "{br}", "{s1}"),
		ADDR("cli", "{c0}", "{1.1/24}"),
		ADDR("srv", "{s0}", "{1.2/24}"),
		END,
	},
	.rps_node = "srv", .rps_dev = "{s0}",
};

/* vxlan: two compute hosts on an underlay, each a bridge with a vxlan port. */
#define VXLAN_HOST(h, w, x, u, b, wd, hd, local, remote)                                   \
	BRIDGE(h, b),                                                                       \
	LINK(h, x, "vxlan", "link", "add", x, "type", "vxlan", "id", "{vni}", "local", local, \
	     "remote", remote, "dstport", "4789", "dev", u),                                   \
	MASTER(h, x, b),                                                                    \
	IPN(h, "link", "set", x, "up"),                                                     \
	VETH(w, wd, h, hd),                                                                 \
	IPN(w, "link", "set", wd, "mtu", "1450"),                                          \
	IPN(h, "link", "set", hd, "mtu", "1450"),                                          \
	MASTER(h, hd, b)

static const struct lab_sc sc_vxlan = {
	.nodes = (const struct lab_sc_node[]){
		{ "h1", "host", "{2.1/24}", "{u1}" },
		{ "h2", "host", "{2.2/24}", "{u2}" },
		{ "cli", "client", "{1.1/24}", "{c0}" },
		{ "srv", "server", "{1.2/24}", "{s0}" },
		{ NULL, NULL, NULL, NULL },
	},
	.client = "cli", .server = "srv", .target = "{1.2}",
	.path = (const struct lab_sc_hop[]){
		{ "cli", "{c0}", "veth", "tx, mtu 1450" },
		{ "h1", "{c1}", "veth", "rx, bridge port" },
		{ "h1", "{b1}", "bridge", "" },
		{ "h1", "{x1}", "vxlan", "encap, dstport 4789" },
		{ "h1", "{u1}", "veth", "underlay tx" },
		{ "h2", "{u2}", "veth", "underlay rx" },
		{ "h2", "{x2}", "vxlan", "decap" },
		{ "h2", "{b2}", "bridge", "" },
		{ "h2", "{s1}", "veth", "bridge port" },
		{ "srv", "{s0}", "veth", "rx, mtu 1450" },
		{ NULL, NULL, NULL, NULL },
	},
	.steps = (const struct lab_step[]){
		VETH("h1", "{u1}", "h2", "{u2}"),
		ADDR("h1", "{u1}", "{2.1/24}"),
		ADDR("h2", "{u2}", "{2.2/24}"),
		VXLAN_HOST("h1", "cli", "{x1}", "{u1}", "{b1}", "{c0}", "{c1}", "{2.1}", "{2.2}"),
		VXLAN_HOST("h2", "srv", "{x2}", "{u2}", "{b2}", "{s0}", "{s1}", "{2.2}", "{2.1}"),
		ADDR("cli", "{c0}", "{1.1/24}"),
		ADDR("srv", "{s0}", "{1.2/24}"),
		END,
	},
	.rps_node = "srv", .rps_dev = "{s0}",
};

/* router: a Neutron router namespace: floating IP (DNAT), SNAT, conntrack. */
static const struct lab_sc sc_router = {
	.nodes = (const struct lab_sc_node[]){
		{ "rtr", "router", "{2.1/24}", "{qg}" },
		{ "ext", "client", "{2.2/24}", "{c0}" },
		{ "vm", "server", "{1.10/24}", "{s0}" },
		{ NULL, NULL, NULL, NULL },
	},
	.client = "ext", .server = "vm", .target = "{2.100}",
	.path = (const struct lab_sc_hop[]){
		{ "ext", "{c0}", "veth", "tx, to the floating IP" },
		{ "rtr", "{qg}", "veth", "rx, DNAT floating IP, conntrack" },
		{ "rtr", "{qr}", "veth", "forward, SNAT on the way back" },
		{ "vm", "{s0}", "veth", "rx" },
		{ NULL, NULL, NULL, NULL },
	},
	.steps = (const struct lab_step[]){
		VETH("ext", "{c0}", "rtr", "{qg}"),
		VETH("vm", "{s0}", "rtr", "{qr}"),
		ADDR("ext", "{c0}", "{2.2/24}"),
		ADDR("rtr", "{qg}", "{2.1/24}"),
		ADDR("rtr", "{qg}", "{2.100/32}"),
		ADDR("rtr", "{qr}", "{1.1/24}"),
		ADDR("vm", "{s0}", "{1.10/24}"),
		IPN("vm", "route", "add", "default", "via", "{1.1}"),
		SYSCTL("rtr", "/proc/sys/net/ipv4/ip_forward", "1"),
		NFT_TABLE("rtr", "{table}", "ip"),
		NFT("rtr", "add table ip {table}"),
		NFT("rtr", "add chain ip {table} pre { type nat hook prerouting priority -100; }"),
		NFT("rtr", "add chain ip {table} post { type nat hook postrouting priority 100; }"),
		NFT("rtr", "add rule ip {table} pre ip daddr {2.100} dnat to {1.10}"),
		NFT("rtr", "add rule ip {table} post ip saddr {1.10} oifname {qg} snat to {2.100}"),
		NFT("rtr", "add rule ip {table} post ip saddr {1.0/24} oifname {qg} snat to {2.1}"),
		END,
	},
	.rps_node = "vm", .rps_dev = "{s0}",
};

/* macvlan: nested containers on macvlan sub-interfaces of a VM-like parent. */
#define MACVLAN_CHILD(c, m, a)                                                              \
	LINK("vm", m, "macvlan", "link", "add", m, "link", "{p0}", "type", "macvlan", "mode",  \
	     "bridge"),                                                                       \
	IPN("vm", "link", "set", m, "netns", "{ns:" c "}"),                                   \
	IPN(c, "link", "set", m, "up"),                                                       \
	ADDR(c, m, a)

static const struct lab_sc sc_macvlan = {
	.nodes = (const struct lab_sc_node[]){
		{ "vm", "host", NULL, "{p0}" },
		{ "cli", "client", "{1.1/24}", "{c0}" },
		{ "c1", "server", "{1.11/24}", "{m1}" },
		{ "c2", "container", "{1.12/24}", "{m2}" },
		{ NULL, NULL, NULL, NULL },
	},
	.client = "cli", .server = "c1", .target = "{1.11}",
	.path = (const struct lab_sc_hop[]){
		{ "cli", "{c0}", "veth", "tx" },
		{ "vm", "{p0}", "veth", "rx, macvlan parent" },
		{ "c1", "{m1}", "macvlan", "bridge mode" },
		{ NULL, NULL, NULL, NULL },
	},
	.steps = (const struct lab_step[]){
		VETH("cli", "{c0}", "vm", "{p0}"),
		MACVLAN_CHILD("c1", "{m1}", "{1.11/24}"),
		MACVLAN_CHILD("c2", "{m2}", "{1.12/24}"),
		ADDR("cli", "{c0}", "{1.1/24}"),
		END,
	},
	.rps_node = "vm", .rps_dev = "{p0}",
};

/* tap: a VM's vNIC: a tap on a bridge, a guest process holding it and a second tap. */
static const struct lab_sc sc_tap = {
	.nodes = (const struct lab_sc_node[]){
		{ "hv", "host", NULL, "{br}" },
		{ "cli", "client", "{1.1/24}", "{c0}" },
		{ "vm", "server", "{1.2/24}", "{t1}" },
		{ NULL, NULL, NULL, NULL },
	},
	.client = "cli", .server = "vm", .target = "{1.2}",
	.path = (const struct lab_sc_hop[]){
		{ "cli", "{c0}", "veth", "tx" },
		{ "hv", "{c1}", "veth", "rx, bridge port" },
		{ "hv", "{br}", "bridge", "" },
		{ "hv", "{t0}", "tap", "vNIC host side: queue to the guest (tx_dropped)" },
		{ "hv", "guest", "guest", "guest process moves frames" },
		{ "vm", "{t1}", "tap", "vNIC guest side, rx" },
		{ NULL, NULL, NULL, NULL },
	},
	.steps = (const struct lab_step[]){
		BRIDGE("hv", "{br}"),
		VETH("cli", "{c0}", "hv", "{c1}"),
		MASTER("hv", "{c1}", "{br}"),
		LINK("hv", "{t0}", "tap", "tuntap", "add", "mode", "tap", "name", "{t0}"),
		IPN("hv", "link", "set", "{t0}", "txqueuelen", "1000", "master", "{br}", "up"),
		LINK("vm", "{t1}", "tap", "tuntap", "add", "mode", "tap", "name", "{t1}"),
		ADDR("vm", "{t1}", "{1.2/24}"),
		GUEST("hv", "{t0}", "vm", "{t1}"),
		IPN("vm", "link", "set", "{t1}", "up"),
		ADDR("cli", "{c0}", "{1.1/24}"),
		END,
	},
	.rps_node = "vm", .rps_dev = "{t1}",
};

const struct lab_scenario lab_scenarios[] = {
	{ "veth", "a container namespace attached to its host by a veth pair (the baseline)",
	  &sc_veth },
	{ "bridge", "containers on a Linux bridge, the server through OpenStack's hybrid plug "
		    "(veth, qbr bridge, qvb/qvo pair, integration bridge)", &sc_bridge },
	{ "ovs", "containers on an Open vSwitch bridge (userspace datapath, private daemons)",
	  &sc_ovs },
	{ "vxlan", "two compute hosts joined by an underlay, each with a bridge and a vxlan "
		   "tunnel; workloads at MTU 1450", &sc_vxlan },
	{ "router", "a router namespace between a tenant and an external network: SNAT, a DNAT "
		    "floating IP, conntrack", &sc_router },
	{ "macvlan", "nested containers on macvlan (bridge mode) sub-interfaces of a VM-like parent",
	  &sc_macvlan },
	{ "tap", "a VM's vNIC: a tap on a bridge whose far side is a guest process", &sc_tap },
	{ NULL, NULL, NULL },
};

const struct lab_scenario *lab_scenario_find(const char *name)
{
	for (int i = 0; lab_scenarios[i].name; i++)
		if (!strcmp(lab_scenarios[i].name, name))
			return &lab_scenarios[i];
	return NULL;
}
