/* build.c: the scenarios and `lab up`. Each object is recorded in the state file before it
 * is created; an interrupted or failed build tears down what it made. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>
#include "lab_int.h"

#define LAB_PORT_LO 5500
#define LAB_PORT_HI 5515
#define OVS_SCHEMA "/usr/share/openvswitch/vswitch.ovsschema"

const struct lab_scenario lab_scenarios[] = {
	{ "veth", "a container namespace attached to its host by a veth pair (the baseline)" },
	{ "bridge", "containers on a Linux bridge, the server through OpenStack's hybrid plug "
		    "(veth, qbr bridge, qvb/qvo pair, integration bridge)" },
	{ "ovs", "containers on an Open vSwitch bridge (userspace datapath, private daemons)" },
	{ "vxlan", "two compute hosts joined by an underlay, each with a bridge and a vxlan "
		   "tunnel; workloads at MTU 1450" },
	{ "router", "a router namespace between a tenant and an external network: SNAT, a DNAT "
		    "floating IP, conntrack" },
	{ "macvlan", "nested containers on macvlan (bridge mode) sub-interfaces of a VM-like parent" },
	{ "tap", "a VM's vNIC: a tap on a bridge whose far side is a guest process" },
	{ NULL, NULL },
};

const struct lab_scenario *lab_scenario_find(const char *name)
{
	for (int i = 0; lab_scenarios[i].name; i++)
		if (!strcmp(lab_scenarios[i].name, name))
			return &lab_scenarios[i];
	return NULL;
}

volatile sig_atomic_t lab_interrupted;

struct bld {
	struct lab *l;
	int fd;
	char *err;
	size_t errn;
	char dev[8]; /* "dl<idx>" */
	int n;       /* idx */
	const struct lab_up_opts *o;
};

static char *nsname(const struct bld *b, const char *node)
{
	static char buf[4][LAB_NS_MAX];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "dl-%s-%s", b->l->name, node);
	return buf[k];
}

/* Device name "dl<idx><tag>" (at most 3 + 3 + 4 chars). */
static const char *dv(const struct bld *b, const char *tag)
{
	static char buf[8][LAB_DEV_MAX];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s%s", b->dev, tag);
	return buf[k];
}

static const char *addr(const struct bld *b, int net, int host, int plen)
{
	static char buf[8][48];
	static int k;

	k = (k + 1) % 8;
	if (plen)
		snprintf(buf[k], sizeof(buf[k]), "10.%d.%d.%d/%d", 230 + net, b->n, host, plen);
	else
		snprintf(buf[k], sizeof(buf[k]), "10.%d.%d.%d", 230 + net, b->n, host);
	return buf[k];
}

static int append_obj(struct bld *b, json_object *o)
{
	int rc = lab_state_append_fd(b->fd, json_object_to_json_string_ext(
						   o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(o);
	if (rc)
		snprintf(b->err, b->errn, "cannot write the state file in %s: %s", lab_dir(),
			 strerror(-rc));
	return rc;
}

static int rec(struct bld *b, int type, const char *ns, const char *a, const char *bs,
	       int64_t pid, uint64_t start)
{
	struct lab_rec r;
	char *js;
	int rc;

	memset(&r, 0, sizeof(r));
	r.type = type;
	snprintf(r.ns, sizeof(r.ns), "%s", ns ? ns : "");
	snprintf(r.a, sizeof(r.a), "%s", a ? a : "");
	snprintf(r.b, sizeof(r.b), "%s", bs ? bs : "");
	r.pid = pid;
	r.start = start;
	js = lab_rec_json(&r);
	rc = lab_state_append_fd(b->fd, js);
	free(js);
	if (rc)
		snprintf(b->err, b->errn, "cannot write the state file in %s: %s", lab_dir(),
			 strerror(-rc));
	else
		lab_rec_push(b->l, &r);
	return rc;
}

static int check_intr(void)
{
	return lab_interrupted ? -EINTR : 0;
}

static int run(struct bld *b, const char *ns, const char *const *argv)
{
	int rc = check_intr();

	if (!rc)
		rc = lab_run(ns, LAB_NS_NET, NULL, argv, 20, b->err, b->errn);
	return rc ? rc : check_intr();
}

#define IP(b, ns, ...) run(b, NULL, LAB_ARGV("ip", "-n", ns, __VA_ARGS__))
#define TRY(x)                \
	do {                  \
		int rc_ = (x); \
		if (rc_)      \
			return rc_; \
	} while (0)

static int node(struct bld *b, const char *name, const char *role, const char *a, const char *dev)
{
	json_object *o = json_object_new_object();
	const char *ns = nsname(b, name);

	json_object_object_add(o, "t", json_object_new_string("node"));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "ns", json_object_new_string(ns));
	json_object_object_add(o, "role", json_object_new_string(role));
	json_object_object_add(o, "addr", json_object_new_string(a ? a : ""));
	json_object_object_add(o, "dev", json_object_new_string(dev ? dev : ""));
	TRY(append_obj(b, o));
	TRY(rec(b, LREC_NS, NULL, ns, NULL, 0, 0));
	TRY(run(b, NULL, LAB_ARGV("ip", "netns", "add", ns)));
	return IP(b, ns, "link", "set", "lo", "up");
}

static int hop(struct bld *b, const char *nodename, const char *dev, const char *kind,
	       const char *note)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "t", json_object_new_string("hop"));
	json_object_object_add(o, "ns", json_object_new_string(nsname(b, nodename)));
	json_object_object_add(o, "dev", json_object_new_string(dev));
	json_object_object_add(o, "kind", json_object_new_string(kind));
	json_object_object_add(o, "note", json_object_new_string(note ? note : ""));
	return append_obj(b, o);
}

static int target(struct bld *b, const char *client, const char *server, const char *a)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "t", json_object_new_string("target"));
	json_object_object_add(o, "client", json_object_new_string(client));
	json_object_object_add(o, "server", json_object_new_string(server));
	json_object_object_add(o, "addr", json_object_new_string(a));
	json_object_object_add(o, "port_lo", json_object_new_int(LAB_PORT_LO));
	json_object_object_add(o, "port_hi", json_object_new_int(LAB_PORT_HI));
	return append_obj(b, o);
}

/* A veth pair: d1 in node n1, d2 in node n2, both up. */
static int veth(struct bld *b, const char *n1, const char *d1, const char *n2, const char *d2)
{
	char a1[LAB_DEV_MAX], a2[LAB_DEV_MAX];

	snprintf(a1, sizeof(a1), "%s", d1);
	snprintf(a2, sizeof(a2), "%s", d2);
	TRY(rec(b, LREC_LINK, nsname(b, n1), a1, "veth", 0, 0));
	TRY(IP(b, nsname(b, n1), "link", "add", a1, "type", "veth", "peer", "name", a2, "netns",
	       nsname(b, n2)));
	TRY(IP(b, nsname(b, n1), "link", "set", a1, "up"));
	return IP(b, nsname(b, n2), "link", "set", a2, "up");
}

static int bridge(struct bld *b, const char *n, const char *br)
{
	char a[LAB_DEV_MAX];

	snprintf(a, sizeof(a), "%s", br);
	TRY(rec(b, LREC_LINK, nsname(b, n), a, "bridge", 0, 0));
	TRY(IP(b, nsname(b, n), "link", "add", a, "type", "bridge"));
	return IP(b, nsname(b, n), "link", "set", a, "up");
}

static int master(struct bld *b, const char *n, const char *dev, const char *br)
{
	return IP(b, nsname(b, n), "link", "set", dev, "master", br);
}

static int ipaddr(struct bld *b, const char *n, const char *dev, const char *a)
{
	return IP(b, nsname(b, n), "addr", "add", a, "dev", dev);
}

/* ---- OVS: private daemons inside a namespace ---- */

static char *ovs_dir(const struct bld *b, const char *inst)
{
	return xasprintf("%s/%s.ovs-%s", lab_dir(), b->l->name, inst);
}

static int ovs_env_run(struct bld *b, const char *dir, const char *ns, const char *const *argv)
{
	char *e1 = xasprintf("OVS_RUNDIR=%s/run", dir), *e2 = xasprintf("OVS_DBDIR=%s/db", dir),
	     *e3 = xasprintf("OVS_LOGDIR=%s/log", dir), *e4 = xasprintf("OVS_SYSCONFDIR=%s/etc", dir);
	char *env[] = { e1, e2, e3, e4, NULL };
	int rc = check_intr();

	if (!rc)
		rc = lab_run(ns, ns ? LAB_NS_SYSFS : LAB_NS_NET, env, argv, 20, b->err, b->errn);
	free(e1);
	free(e2);
	free(e3);
	free(e4);
	return rc ? rc : check_intr();
}

static int ovs_start(struct bld *b, const char *n, const char *inst)
{
	char *dir = ovs_dir(b, inst);
	char *sub[4], *db, *sock, *pid1, *pid2, *log1, *log2, *ctl1, *ctl2, *remote;
	const char *names[] = { "run", "db", "log", "etc" };
	const char *ns = nsname(b, n);
	int rc;

	rc = rec(b, LREC_OVS, ns, dir, NULL, 0, 0);
	if (rc) {
		free(dir);
		return rc;
	}
	mkdir(dir, 0700);
	for (int i = 0; i < 4; i++) {
		sub[i] = xasprintf("%s/%s", dir, names[i]);
		mkdir(sub[i], 0700);
	}
	db = xasprintf("%s/conf.db", sub[1]);
	sock = xasprintf("unix:%s/db.sock", sub[0]);
	remote = xasprintf("--remote=punix:%s/db.sock", sub[0]);
	pid1 = xasprintf("--pidfile=%s/ovsdb-server.pid", sub[0]);
	pid2 = xasprintf("--pidfile=%s/ovs-vswitchd.pid", sub[0]);
	log1 = xasprintf("--log-file=%s/ovsdb-server.log", sub[2]);
	log2 = xasprintf("--log-file=%s/ovs-vswitchd.log", sub[2]);
	ctl1 = xasprintf("--unixctl=%s/ovsdb-server.ctl", sub[0]);
	ctl2 = xasprintf("--unixctl=%s/ovs-vswitchd.ctl", sub[0]);
	rc = ovs_env_run(b, dir, NULL, LAB_ARGV("ovsdb-tool", "create", db, OVS_SCHEMA));
	if (!rc)
		rc = ovs_env_run(b, dir, ns, LAB_ARGV("ovsdb-server", db, remote, pid1, "--detach",
						      log1, ctl1, "-vconsole:off"));
	if (!rc) {
		char *dbarg = xasprintf("--db=%s", sock);

		rc = ovs_env_run(b, dir, NULL, LAB_ARGV("ovs-vsctl", dbarg, "--timeout=10", "--no-wait", "init"));
		free(dbarg);
	}
	if (!rc)
		rc = ovs_env_run(b, dir, ns, LAB_ARGV("ovs-vswitchd", sock, pid2, "--detach", log2,
						      ctl2, "-vconsole:off"));
	for (int i = 0; i < 4; i++)
		free(sub[i]);
	free(db);
	free(sock);
	free(remote);
	free(pid1);
	free(pid2);
	free(log1);
	free(log2);
	free(ctl1);
	free(ctl2);
	free(dir);
	return rc;
}

#define VSCTL(b, inst, ...)                                                                   \
	({                                                                                    \
		char *d_ = ovs_dir(b, inst), *a_ = xasprintf("--db=unix:%s/run/db.sock", d_); \
		int r_ = ovs_env_run(b, d_, NULL,                                              \
				     LAB_ARGV("ovs-vsctl", a_, "--timeout=10", __VA_ARGS__));  \
		free(a_);                                                                     \
		free(d_);                                                                     \
		r_;                                                                           \
	})

/* ---- scenarios ---- */

static int sc_veth(struct bld *b)
{
	TRY(node(b, "cli", "client", addr(b, 1, 1, 24), dv(b, "c0")));
	TRY(node(b, "srv", "server", addr(b, 1, 2, 24), dv(b, "s0")));
	TRY(target(b, "cli", "srv", addr(b, 1, 2, 0)));
	TRY(hop(b, "cli", dv(b, "c0"), "veth", "tx"));
	TRY(hop(b, "srv", dv(b, "s0"), "veth", "rx"));
	TRY(veth(b, "cli", dv(b, "c0"), "srv", dv(b, "s0")));
	TRY(ipaddr(b, "cli", dv(b, "c0"), addr(b, 1, 1, 24)));
	return ipaddr(b, "srv", dv(b, "s0"), addr(b, 1, 2, 24));
}

static int sc_bridge(struct bld *b)
{
	TRY(node(b, "hv", "host", NULL, dv(b, "br")));
	TRY(node(b, "cli", "client", addr(b, 1, 1, 24), dv(b, "c0")));
	TRY(node(b, "srv", "server", addr(b, 1, 2, 24), dv(b, "s0")));
	TRY(target(b, "cli", "srv", addr(b, 1, 2, 0)));
	TRY(hop(b, "cli", dv(b, "c0"), "veth", "tx"));
	TRY(hop(b, "hv", dv(b, "c1"), "veth", "rx, bridge port"));
	TRY(hop(b, "hv", dv(b, "br"), "bridge", "integration bridge"));
	TRY(hop(b, "hv", dv(b, "qvo"), "veth", "hybrid plug, int side"));
	TRY(hop(b, "hv", dv(b, "qvb"), "veth", "hybrid plug, qbr side"));
	TRY(hop(b, "hv", dv(b, "qbr"), "bridge", "per-port bridge (qbr)"));
	TRY(hop(b, "hv", dv(b, "s1"), "veth", "the VM's tap stand-in"));
	TRY(hop(b, "srv", dv(b, "s0"), "veth", "rx"));
	TRY(bridge(b, "hv", dv(b, "br")));
	TRY(bridge(b, "hv", dv(b, "qbr")));
	TRY(veth(b, "cli", dv(b, "c0"), "hv", dv(b, "c1")));
	TRY(master(b, "hv", dv(b, "c1"), dv(b, "br")));
	TRY(veth(b, "hv", dv(b, "qvb"), "hv", dv(b, "qvo")));
	TRY(master(b, "hv", dv(b, "qvb"), dv(b, "qbr")));
	TRY(master(b, "hv", dv(b, "qvo"), dv(b, "br")));
	TRY(veth(b, "srv", dv(b, "s0"), "hv", dv(b, "s1")));
	TRY(master(b, "hv", dv(b, "s1"), dv(b, "qbr")));
	TRY(ipaddr(b, "cli", dv(b, "c0"), addr(b, 1, 1, 24)));
	return ipaddr(b, "srv", dv(b, "s0"), addr(b, 1, 2, 24));
}

static int sc_ovs(struct bld *b)
{
	TRY(node(b, "sw", "switch", NULL, dv(b, "br")));
	TRY(node(b, "cli", "client", addr(b, 1, 1, 24), dv(b, "c0")));
	TRY(node(b, "srv", "server", addr(b, 1, 2, 24), dv(b, "s0")));
	TRY(target(b, "cli", "srv", addr(b, 1, 2, 0)));
	TRY(hop(b, "cli", dv(b, "c0"), "veth", "tx, tx checksum offload off"));
	TRY(hop(b, "sw", dv(b, "c1"), "ovs-port", "AF_PACKET rx"));
	TRY(hop(b, "sw", dv(b, "br"), "ovs-bridge", "datapath_type=netdev"));
	TRY(hop(b, "sw", dv(b, "s1"), "ovs-port", "AF_PACKET tx"));
	TRY(hop(b, "srv", dv(b, "s0"), "veth", "rx"));
	TRY(ovs_start(b, "sw", "sw"));
	TRY(veth(b, "cli", dv(b, "c0"), "sw", dv(b, "c1")));
	TRY(veth(b, "srv", dv(b, "s0"), "sw", dv(b, "s1")));
	TRY(run(b, nsname(b, "cli"), LAB_ARGV("ethtool", "-K", dv(b, "c0"), "tx", "off")));
	TRY(run(b, nsname(b, "srv"), LAB_ARGV("ethtool", "-K", dv(b, "s0"), "tx", "off")));
	TRY(VSCTL(b, "sw", "add-br", dv(b, "br"), "--", "set", "bridge", dv(b, "br"),
		  "datapath_type=netdev", "--", "add-port", dv(b, "br"), dv(b, "c1"), "--",
		  "add-port", dv(b, "br"), dv(b, "s1")));
	TRY(ipaddr(b, "cli", dv(b, "c0"), addr(b, 1, 1, 24)));
	return ipaddr(b, "srv", dv(b, "s0"), addr(b, 1, 2, 24));
}

static int sc_vxlan(struct bld *b)
{
	char vni[16];

	snprintf(vni, sizeof(vni), "%d", 1000 + b->n);
	TRY(node(b, "h1", "host", addr(b, 2, 1, 24), dv(b, "u1")));
	TRY(node(b, "h2", "host", addr(b, 2, 2, 24), dv(b, "u2")));
	TRY(node(b, "cli", "client", addr(b, 1, 1, 24), dv(b, "c0")));
	TRY(node(b, "srv", "server", addr(b, 1, 2, 24), dv(b, "s0")));
	TRY(target(b, "cli", "srv", addr(b, 1, 2, 0)));
	TRY(hop(b, "cli", dv(b, "c0"), "veth", "tx, mtu 1450"));
	TRY(hop(b, "h1", dv(b, "c1"), "veth", "rx, bridge port"));
	TRY(hop(b, "h1", dv(b, "b1"), "bridge", ""));
	TRY(hop(b, "h1", dv(b, "x1"), "vxlan", "encap, dstport 4789"));
	TRY(hop(b, "h1", dv(b, "u1"), "veth", "underlay tx"));
	TRY(hop(b, "h2", dv(b, "u2"), "veth", "underlay rx"));
	TRY(hop(b, "h2", dv(b, "x2"), "vxlan", "decap"));
	TRY(hop(b, "h2", dv(b, "b2"), "bridge", ""));
	TRY(hop(b, "h2", dv(b, "s1"), "veth", "bridge port"));
	TRY(hop(b, "srv", dv(b, "s0"), "veth", "rx, mtu 1450"));
	TRY(veth(b, "h1", dv(b, "u1"), "h2", dv(b, "u2")));
	TRY(ipaddr(b, "h1", dv(b, "u1"), addr(b, 2, 1, 24)));
	TRY(ipaddr(b, "h2", dv(b, "u2"), addr(b, 2, 2, 24)));
	for (int i = 1; i <= 2; i++) {
		const char *h = i == 1 ? "h1" : "h2", *w = i == 1 ? "cli" : "srv";
		char x[8], u[8], br[8], wd[8], hd[8];

		snprintf(x, sizeof(x), "x%d", i);
		snprintf(u, sizeof(u), "u%d", i);
		snprintf(br, sizeof(br), "b%d", i);
		snprintf(wd, sizeof(wd), "%c0", i == 1 ? 'c' : 's');
		snprintf(hd, sizeof(hd), "%c1", i == 1 ? 'c' : 's');
		TRY(bridge(b, h, dv(b, br)));
		TRY(rec(b, LREC_LINK, nsname(b, h), dv(b, x), "vxlan", 0, 0));
		TRY(IP(b, nsname(b, h), "link", "add", dv(b, x), "type", "vxlan", "id", vni, "local",
		       addr(b, 2, i, 0), "remote", addr(b, 2, 3 - i, 0), "dstport", "4789", "dev",
		       dv(b, u)));
		TRY(master(b, h, dv(b, x), dv(b, br)));
		TRY(IP(b, nsname(b, h), "link", "set", dv(b, x), "up"));
		TRY(veth(b, w, dv(b, wd), h, dv(b, hd)));
		TRY(IP(b, nsname(b, w), "link", "set", dv(b, wd), "mtu", "1450"));
		TRY(IP(b, nsname(b, h), "link", "set", dv(b, hd), "mtu", "1450"));
		TRY(master(b, h, dv(b, hd), dv(b, br)));
	}
	TRY(ipaddr(b, "cli", dv(b, "c0"), addr(b, 1, 1, 24)));
	return ipaddr(b, "srv", dv(b, "s0"), addr(b, 1, 2, 24));
}

static int nft(struct bld *b, const char *n, const char *cmd)
{
	return run(b, nsname(b, n), LAB_ARGV("nft", cmd));
}

static int sc_router(struct bld *b)
{
	char table[48], cmd[256], fip[48];

	snprintf(fip, sizeof(fip), "%s", addr(b, 2, 100, 0));

	snprintf(table, sizeof(table), "dptune_lab_%s", b->l->name);
	TRY(node(b, "rtr", "router", addr(b, 2, 1, 24), dv(b, "qg")));
	TRY(node(b, "ext", "client", addr(b, 2, 2, 24), dv(b, "c0")));
	TRY(node(b, "vm", "server", addr(b, 1, 10, 24), dv(b, "s0")));
	TRY(target(b, "ext", "vm", fip));
	TRY(hop(b, "ext", dv(b, "c0"), "veth", "tx, to the floating IP"));
	TRY(hop(b, "rtr", dv(b, "qg"), "veth", "rx, DNAT floating IP, conntrack"));
	TRY(hop(b, "rtr", dv(b, "qr"), "veth", "forward, SNAT on the way back"));
	TRY(hop(b, "vm", dv(b, "s0"), "veth", "rx"));
	TRY(veth(b, "ext", dv(b, "c0"), "rtr", dv(b, "qg")));
	TRY(veth(b, "vm", dv(b, "s0"), "rtr", dv(b, "qr")));
	TRY(ipaddr(b, "ext", dv(b, "c0"), addr(b, 2, 2, 24)));
	TRY(ipaddr(b, "rtr", dv(b, "qg"), addr(b, 2, 1, 24)));
	TRY(ipaddr(b, "rtr", dv(b, "qg"), addr(b, 2, 100, 32)));
	TRY(ipaddr(b, "rtr", dv(b, "qr"), addr(b, 1, 1, 24)));
	TRY(ipaddr(b, "vm", dv(b, "s0"), addr(b, 1, 10, 24)));
	TRY(IP(b, nsname(b, "vm"), "route", "add", "default", "via", addr(b, 1, 1, 0)));
	TRY(lab_ns_write(nsname(b, "rtr"), "/proc/sys/net/ipv4/ip_forward", "1"));
	TRY(rec(b, LREC_NFT, nsname(b, "rtr"), table, "ip", 0, 0));
	snprintf(cmd, sizeof(cmd), "add table ip %s", table);
	TRY(nft(b, "rtr", cmd));
	snprintf(cmd, sizeof(cmd), "add chain ip %s pre { type nat hook prerouting priority -100; }",
		 table);
	TRY(nft(b, "rtr", cmd));
	snprintf(cmd, sizeof(cmd), "add chain ip %s post { type nat hook postrouting priority 100; }",
		 table);
	TRY(nft(b, "rtr", cmd));
	snprintf(cmd, sizeof(cmd), "add rule ip %s pre ip daddr %s dnat to %s", table, fip,
		 addr(b, 1, 10, 0));
	TRY(nft(b, "rtr", cmd));
	snprintf(cmd, sizeof(cmd), "add rule ip %s post ip saddr %s oifname %s snat to %s", table,
		 addr(b, 1, 10, 0), dv(b, "qg"), fip);
	TRY(nft(b, "rtr", cmd));
	snprintf(cmd, sizeof(cmd), "add rule ip %s post ip saddr %s oifname %s snat to %s", table,
		 addr(b, 1, 0, 24), dv(b, "qg"), addr(b, 2, 1, 0));
	return nft(b, "rtr", cmd);
}

static int sc_macvlan(struct bld *b)
{
	TRY(node(b, "vm", "host", NULL, dv(b, "p0")));
	TRY(node(b, "cli", "client", addr(b, 1, 1, 24), dv(b, "c0")));
	TRY(node(b, "c1", "server", addr(b, 1, 11, 24), dv(b, "m1")));
	TRY(node(b, "c2", "container", addr(b, 1, 12, 24), dv(b, "m2")));
	TRY(target(b, "cli", "c1", addr(b, 1, 11, 0)));
	TRY(hop(b, "cli", dv(b, "c0"), "veth", "tx"));
	TRY(hop(b, "vm", dv(b, "p0"), "veth", "rx, macvlan parent"));
	TRY(hop(b, "c1", dv(b, "m1"), "macvlan", "bridge mode"));
	TRY(veth(b, "cli", dv(b, "c0"), "vm", dv(b, "p0")));
	for (int i = 1; i <= 2; i++) {
		char m[8], c[8];

		snprintf(m, sizeof(m), "m%d", i);
		snprintf(c, sizeof(c), "c%d", i);
		TRY(rec(b, LREC_LINK, nsname(b, "vm"), dv(b, m), "macvlan", 0, 0));
		TRY(IP(b, nsname(b, "vm"), "link", "add", dv(b, m), "link", dv(b, "p0"), "type",
		       "macvlan", "mode", "bridge"));
		TRY(IP(b, nsname(b, "vm"), "link", "set", dv(b, m), "netns", nsname(b, c)));
		TRY(IP(b, nsname(b, c), "link", "set", dv(b, m), "up"));
		TRY(ipaddr(b, c, dv(b, m), addr(b, 1, 10 + i, 24)));
	}
	return ipaddr(b, "cli", dv(b, "c0"), addr(b, 1, 1, 24));
}

static int tun_attach(const char *ns, const char *dev)
{
	struct ifreq ifr;
	int fd, rc = lab_enter_ns(ns, LAB_NS_NET);

	if (rc)
		return rc;
	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* Start the guest: the child waits until its pid and start time are in the state file. */
static int guest_start(struct bld *b)
{
	int go[2], rep[2];
	pid_t pid;
	uint64_t start;
	char msg[256] = "";
	char *stats = xasprintf("%s/%s.guest", lab_dir(), b->l->name);
	ssize_t k;
	int rc;

	TRY(rec(b, LREC_FILE, NULL, stats, NULL, 0, 0));
	if (pipe2(go, O_CLOEXEC) || pipe2(rep, O_CLOEXEC)) {
		free(stats);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		free(stats);
		return -errno;
	}
	if (pid == 0) {
		char c;
		int hfd, gfd, nul = open("/dev/null", O_RDWR);

		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
		setsid();
		prctl(PR_SET_NAME, "dptune-guest");
		close(go[1]);
		close(rep[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(0); /* the parent died before recording us */
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		dup2(rep[1], 3);
		syscall(SYS_close_range, 4U, ~0U, 0U); /* the lock and the state fd among them */
		hfd = tun_attach(nsname(b, "hv"), dv(b, "t0"));
		gfd = hfd >= 0 ? tun_attach(nsname(b, "vm"), dv(b, "t1")) : hfd;
		if (hfd < 0 || gfd < 0) {
			dprintf(3, "cannot attach to the tap devices: %s", strerror(-(gfd < 0 ? gfd : hfd)));
			_exit(1);
		}
		dprintf(3, "ok");
		close(3);
		lab_guest_run(hfd, gfd, stats);
	}
	close(go[0]);
	close(rep[1]);
	rc = lab_proc_start(pid, &start);
	if (!rc)
		rc = rec(b, LREC_PROC, NULL, "guest", NULL, pid, start);
	if (rc) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(go[1]);
		close(rep[0]);
		free(stats);
		return rc;
	}
	if (write(go[1], "g", 1) != 1)
		rc = -EIO;
	close(go[1]);
	while ((k = read(rep[0], msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
		;
	msg[k > 0 ? k : 0] = 0;
	close(rep[0]);
	free(stats);
	if (strcmp(msg, "ok")) {
		snprintf(b->err, b->errn, "guest process: %s", msg[0] ? msg : "exited");
		return -EIO;
	}
	return rc;
}

static int sc_tap(struct bld *b)
{
	TRY(node(b, "hv", "host", NULL, dv(b, "br")));
	TRY(node(b, "cli", "client", addr(b, 1, 1, 24), dv(b, "c0")));
	TRY(node(b, "vm", "server", addr(b, 1, 2, 24), dv(b, "t1")));
	TRY(target(b, "cli", "vm", addr(b, 1, 2, 0)));
	TRY(hop(b, "cli", dv(b, "c0"), "veth", "tx"));
	TRY(hop(b, "hv", dv(b, "c1"), "veth", "rx, bridge port"));
	TRY(hop(b, "hv", dv(b, "br"), "bridge", ""));
	TRY(hop(b, "hv", dv(b, "t0"), "tap", "vNIC host side: queue to the guest (tx_dropped)"));
	TRY(hop(b, "hv", "guest", "guest", "guest process moves frames"));
	TRY(hop(b, "vm", dv(b, "t1"), "tap", "vNIC guest side, rx"));
	TRY(bridge(b, "hv", dv(b, "br")));
	TRY(veth(b, "cli", dv(b, "c0"), "hv", dv(b, "c1")));
	TRY(master(b, "hv", dv(b, "c1"), dv(b, "br")));
	TRY(rec(b, LREC_LINK, nsname(b, "hv"), dv(b, "t0"), "tap", 0, 0));
	TRY(IP(b, nsname(b, "hv"), "tuntap", "add", "mode", "tap", "name", dv(b, "t0")));
	TRY(IP(b, nsname(b, "hv"), "link", "set", dv(b, "t0"), "txqueuelen", "1000", "master",
	       dv(b, "br"), "up"));
	TRY(rec(b, LREC_LINK, nsname(b, "vm"), dv(b, "t1"), "tap", 0, 0));
	TRY(IP(b, nsname(b, "vm"), "tuntap", "add", "mode", "tap", "name", dv(b, "t1")));
	TRY(ipaddr(b, "vm", dv(b, "t1"), addr(b, 1, 2, 24)));
	TRY(guest_start(b));
	TRY(IP(b, nsname(b, "vm"), "link", "set", dv(b, "t1"), "up"));
	return ipaddr(b, "cli", dv(b, "c0"), addr(b, 1, 1, 24));
}

/* ---- probing ---- */

static bool have_cmd(const char *cmd)
{
	const char *path = getenv("PATH");
	char *dup, *save = NULL, *tok;
	bool ok = false;

	if (!path)
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	dup = xasprintf("%s:/usr/sbin:/sbin", path);
	for (tok = strtok_r(dup, ":", &save); tok && !ok; tok = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", tok, cmd);

		ok = access(p, X_OK) == 0;
		free(p);
	}
	free(dup);
	return ok;
}

static void add_why(char *why, size_t n, const char *what)
{
	size_t l = strlen(why);

	snprintf(why + l, n - l, "%s%s", l ? "; " : "", what);
}

/* Probe in scratch namespace ns (which the caller has recorded or will delete). */
static void probe_in(const char *ns, const char *sc, char *why, size_t n, char *opt, size_t on)
{
	char e[256];

	why[0] = opt[0] = 0;
	if (!have_cmd("ip")) {
		add_why(why, n, "iproute2's ip is not installed (apt-get install iproute2)");
		return;
	}
	if (lab_run(NULL, LAB_NS_NET, NULL, LAB_ARGV("ip", "netns", "add", ns), 10, e, sizeof(e))) {
		add_why(why, n, e);
		return;
	}
	if (lab_run(NULL, LAB_NS_NET, NULL,
		    LAB_ARGV("ip", "-n", ns, "link", "add", "pv0", "type", "veth", "peer", "name", "pv1"),
		    10, e, sizeof(e)))
		add_why(why, n, "veth devices cannot be created (kernel without CONFIG_VETH?)");
	if ((!strcmp(sc, "bridge") || !strcmp(sc, "vxlan") || !strcmp(sc, "tap")) &&
	    lab_run(NULL, LAB_NS_NET, NULL, LAB_ARGV("ip", "-n", ns, "link", "add", "pb0", "type", "bridge"),
		    10, e, sizeof(e)))
		add_why(why, n, "Linux bridge devices cannot be created (CONFIG_BRIDGE missing)");
	if (!strcmp(sc, "vxlan") &&
	    lab_run(NULL, LAB_NS_NET, NULL,
		    LAB_ARGV("ip", "-n", ns, "link", "add", "px0", "type", "vxlan", "id", "42",
			     "dstport", "4789", "local", "10.230.0.1"),
		    10, e, sizeof(e)))
		add_why(why, n, "vxlan devices cannot be created (CONFIG_VXLAN missing)");
	if (!strcmp(sc, "macvlan") &&
	    lab_run(NULL, LAB_NS_NET, NULL,
		    LAB_ARGV("ip", "-n", ns, "link", "add", "pm0", "link", "pv0", "type", "macvlan",
			     "mode", "bridge"),
		    10, e, sizeof(e)))
		add_why(why, n, "macvlan devices cannot be created (CONFIG_MACVLAN missing)");
	if (!strcmp(sc, "tap") &&
	    (access("/dev/net/tun", R_OK | W_OK) ||
	     lab_run(NULL, LAB_NS_NET, NULL,
		     LAB_ARGV("ip", "-n", ns, "tuntap", "add", "mode", "tap", "name", "pt0"), 10, e,
		     sizeof(e))))
		add_why(why, n, "tap devices cannot be created (/dev/net/tun or CONFIG_TUN missing)");
	if (!have_cmd("nft")) {
		if (!strcmp(sc, "router"))
			add_why(why, n, "nft is not installed (apt-get install nftables)");
		else
			add_why(opt, on, "nft (the ratecap fault): apt-get install nftables");
	} else if (lab_run(ns, LAB_NS_NET, NULL, LAB_ARGV("nft", "add table ip dptune_probe"), 10, e,
			   sizeof(e)) ||
		   lab_run(ns, LAB_NS_NET, NULL,
			   LAB_ARGV("nft", "add chain ip dptune_probe p { type nat hook prerouting priority -100; }"),
			   10, e, sizeof(e))) {
		if (!strcmp(sc, "router"))
			add_why(why, n, "nftables NAT is not available in this kernel");
		else
			add_why(opt, on, "nftables in this kernel (the ratecap fault)");
	}
	if (!strcmp(sc, "ovs")) {
		const char *need[] = { "ovsdb-server", "ovs-vswitchd", "ovsdb-tool", "ovs-vsctl",
				       "ovs-appctl", "ethtool" };

		for (size_t i = 0; i < ARRAY_SIZE(need); i++)
			if (!have_cmd(need[i])) {
				char m[128];

				snprintf(m, sizeof(m), "%s is not installed (apt-get install %s)", need[i],
					 strcmp(need[i], "ethtool") ? "openvswitch-switch" : "ethtool");
				add_why(why, n, m);
			}
		if (access(OVS_SCHEMA, R_OK))
			add_why(why, n, OVS_SCHEMA " is missing (apt-get install openvswitch-common)");
	}
	if (!strcmp(sc, "vxlan"))
		add_why(opt, on, "OVS variant of the vxlan hosts (not built yet: Linux bridges used)");
	(void)!lab_run(NULL, LAB_NS_NET, NULL, LAB_ARGV("ip", "netns", "del", ns), 10, NULL, 0);
}

void lab_probe(const char *scenario, char *why, size_t n, char *optional, size_t on)
{
	char ns[LAB_NS_MAX];

	snprintf(ns, sizeof(ns), "dl-probe%d", (int)getpid());
	probe_in(ns, scenario, why, n, optional, on);
}

/* ---- up ---- */

static int pick_index(const char *self)
{
	bool used[251] = { false };
	char **names;
	int n;

	if (lab_names(&names, &n))
		return -EIO;
	for (int i = 0; i < n; i++) {
		struct lab l;

		if (strcmp(names[i], self) && !lab_load(names[i], &l)) {
			used[l.idx] = true;
			lab_free(&l);
		}
	}
	lab_names_free(names, n);
	for (int i = 1; i <= 250; i++)
		if (!used[i])
			return i;
	return -ENOSPC;
}

static void on_signal(int sig)
{
	(void)sig;
	lab_interrupted = 1;
}

static void default_mask(char *buf, size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 2)
		snprintf(buf, n, "0");
	else
		snprintf(buf, n, "%lx", 1UL << ((cpus - 1) % 64));
}

static int set_rps(struct bld *b, const char *n, const char *dev)
{
	char path[128], mask[32];
	json_object *o = json_object_new_object();

	if (b->o->rps_mask)
		snprintf(mask, sizeof(mask), "%s", b->o->rps_mask);
	else
		default_mask(mask, sizeof(mask));
	json_object_object_add(o, "t", json_object_new_string("rps"));
	json_object_object_add(o, "ns", json_object_new_string(nsname(b, n)));
	json_object_object_add(o, "dev", json_object_new_string(dev));
	json_object_object_add(o, "mask", json_object_new_string(mask));
	TRY(append_obj(b, o));
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-0/rps_cpus", dev);
	int rc = lab_ns_write(nsname(b, n), path, mask);

	if (rc)
		snprintf(b->err, b->errn, "cannot set RPS: write %s to %s in %s: %s (try --no-rps)",
			 mask, path, nsname(b, n), strerror(-rc));
	return rc;
}

static int build(struct bld *b)
{
	const char *sc = b->l->scenario;
	int rc;

	if (!strcmp(sc, "veth"))
		rc = sc_veth(b);
	else if (!strcmp(sc, "bridge"))
		rc = sc_bridge(b);
	else if (!strcmp(sc, "ovs"))
		rc = sc_ovs(b);
	else if (!strcmp(sc, "vxlan"))
		rc = sc_vxlan(b);
	else if (!strcmp(sc, "router"))
		rc = sc_router(b);
	else if (!strcmp(sc, "macvlan"))
		rc = sc_macvlan(b);
	else if (!strcmp(sc, "tap"))
		rc = sc_tap(b);
	else
		rc = -EINVAL;
	if (rc || b->o->no_rps)
		return rc;
	if (!strcmp(sc, "macvlan"))
		return set_rps(b, "vm", dv(b, "p0"));
	if (!strcmp(sc, "tap"))
		return set_rps(b, "vm", dv(b, "t1"));
	if (!strcmp(sc, "router"))
		return set_rps(b, "vm", dv(b, "s0"));
	return set_rps(b, "srv", dv(b, "s0"));
}

int lab_up(const struct lab_up_opts *o, char *err, size_t errn)
{
	struct lab l, old;
	struct bld b;
	char *path = NULL;
	int lock, rc, fd = -1, idx;
	char why[512], opt[LAB_STR_MAX];
	struct sigaction sa, oint, oterm, ohup;

	err[0] = 0;
	if (!lab_name_valid(o->name) || !lab_scenario_find(o->scenario))
		return -EINVAL;
	mkdir("/run/dptune", 0755);
	if (mkdir(lab_dir(), 0700) && errno != EEXIST) {
		snprintf(err, errn, "cannot create %s: %s", lab_dir(), strerror(errno));
		return -errno;
	}
	lock = lab_lock();
	if (lock < 0) {
		snprintf(err, errn, "cannot lock %s: %s", lab_dir(), strerror(-lock));
		return lock;
	}
	rc = lab_load(o->name, &old);
	if (!rc) {
		bool same = !strcmp(old.scenario, o->scenario), done = old.complete;
		uint64_t st;
		bool live = !done && old.owner_pid && !lab_proc_start((pid_t)old.owner_pid, &st);

		lab_free(&old);
		if (done || live) {
			close(lock);
			if (done && same)
				return -EEXIST;
			snprintf(err, errn, "lab %s is %s as a %s lab (run 'dptune lab down %s' first)",
				 o->name, done ? "already up" : "being built", old.scenario, o->name);
			return -EBUSY;
		}
		(void)!lab_down(o->name, NULL); /* a leftover of a killed build */
	}
	idx = pick_index(o->name);
	if (idx < 0) {
		close(lock);
		snprintf(err, errn, "no free lab index (250 labs up?)");
		return idx;
	}
	path = lab_state_path(o->name);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errn, "cannot create %s: %s", path, strerror(errno));
		free(path);
		close(lock);
		return rc;
	}
	memset(&l, 0, sizeof(l));
	snprintf(l.name, sizeof(l.name), "%s", o->name);
	snprintf(l.scenario, sizeof(l.scenario), "%s", o->scenario);
	l.idx = idx;
	memset(&b, 0, sizeof(b));
	b.l = &l;
	b.fd = fd;
	b.err = err;
	b.errn = errn;
	b.n = idx;
	b.o = o;
	snprintf(b.dev, sizeof(b.dev), "dl%d", idx);
	{
		json_object *h = json_object_new_object();

		json_object_object_add(h, "t", json_object_new_string("lab"));
		json_object_object_add(h, "v", json_object_new_int(1));
		json_object_object_add(h, "name", json_object_new_string(l.name));
		json_object_object_add(h, "scenario", json_object_new_string(l.scenario));
		json_object_object_add(h, "idx", json_object_new_int(idx));
		json_object_object_add(h, "pid", json_object_new_int(getpid()));
		rc = append_obj(&b, h);
	}
	{
		int dfd = open(lab_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	close(lock);
	if (rc)
		goto fail;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &oint);
	sigaction(SIGTERM, &sa, &oterm);
	sigaction(SIGHUP, &sa, &ohup);

	/* Probe in a recorded scratch namespace. */
	rc = rec(&b, LREC_NS, NULL, nsname(&b, "probe"), NULL, 0, 0);
	if (rc)
		goto fail_sig;
	probe_in(nsname(&b, "probe"), o->scenario, why, sizeof(why), opt, sizeof(opt));
	if (why[0]) {
		snprintf(err, errn, "scenario %s cannot run here: %s", o->scenario, why);
		rc = -EOPNOTSUPP;
		goto fail_sig;
	}
	{
		json_object *m = json_object_new_object();

		json_object_object_add(m, "t", json_object_new_string("missing"));
		json_object_object_add(m, "what", json_object_new_string(opt));
		rc = append_obj(&b, m);
	}
	if (!rc)
		rc = build(&b);
	if (!rc)
		rc = check_intr();
	if (!rc)
		rc = lab_state_append_fd(fd, "{\"t\":\"up\"}");
fail_sig:
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	sigaction(SIGHUP, &ohup, NULL);
fail:
	close(fd);
	free(path);
	lab_free(&l);
	if (rc) {
		if (rc == -EINTR)
			snprintf(err, errn, "interrupted: the lab was torn down");
		(void)!lab_down(o->name, NULL);
	}
	return rc;
}
