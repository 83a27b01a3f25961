/* build.c: `lab up`: the one builder that interprets a scenario's data (scenarios.c):
 * its nodes, target and path go to the state file, then its steps run in order. Each
 * object is recorded in the state file before it is created; an interrupted or failed
 * build tears down what it made. */
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
	snprintf(buf[k], sizeof(buf[k]), "dl-%s-%.15s", b->l->name, node);
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
	TRY(rec(b, LREC_LINK, nsname(b, n1), d1, "veth", 0, 0));
	TRY(IP(b, nsname(b, n1), "link", "add", d1, "type", "veth", "peer", "name", d2, "netns",
	       nsname(b, n2)));
	TRY(IP(b, nsname(b, n1), "link", "set", d1, "up"));
	return IP(b, nsname(b, n2), "link", "set", d2, "up");
}

static int bridge(struct bld *b, const char *n, const char *br)
{
	TRY(rec(b, LREC_LINK, nsname(b, n), br, "bridge", 0, 0));
	TRY(IP(b, nsname(b, n), "link", "add", br, "type", "bridge"));
	return IP(b, nsname(b, n), "link", "set", br, "up");
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

/* Start the guest holding tap hdev in node hn and tap gdev in node gn: the child waits
 * until its pid and start time are in the state file. */
static int guest_start(struct bld *b, const char *hn, const char *hdev, const char *gn,
		       const char *gdev)
{
	char hns[LAB_NS_MAX], gns[LAB_NS_MAX];
	int go[2], rep[2];
	pid_t pid;
	uint64_t start;
	char msg[256] = "";
	char *stats = xasprintf("%s/%s.guest", lab_dir(), b->l->name);
	ssize_t k;
	int rc;

	snprintf(hns, sizeof(hns), "%s", nsname(b, hn));
	snprintf(gns, sizeof(gns), "%s", nsname(b, gn));
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
		hfd = tun_attach(hns, hdev);
		gfd = hfd >= 0 ? tun_attach(gns, gdev) : hfd;
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
	snprintf(path, sizeof(path), "/sys/class/net/%.15s/queues/rx-0/rps_cpus", dev);
	int rc = lab_ns_write(nsname(b, n), path, mask);

	/* EROFS seen now and then on a busy test host (see ns_file_op in run.c): retry
	 * for up to 3 s before giving up with what to do. */
	for (int i = 0; rc == -EROFS && i < 60 && !lab_interrupted; i++) {
		usleep(50000);
		rc = lab_ns_write(nsname(b, n), path, mask);
	}
	if (rc == -EROFS)
		snprintf(b->err, b->errn, "cannot set RPS: %s in %s stayed read-only for 3 s "
			 "(another process holds that namespace's sysfs mounted read-only; try "
			 "again, or --no-rps)", path, nsname(b, n));
	else if (rc)
		snprintf(b->err, b->errn, "cannot set RPS: write %s to %s in %s: %s (try --no-rps)",
			 mask, path, nsname(b, n), strerror(-rc));
	return rc;
}

/* ---- the interpreter of scenarios.c ---- */

/* The value of one token of a scenario string (lab_int.h); -1 when it is not one. */
static int token(const struct bld *b, const char *t, char *v, size_t n)
{
	int net, host, plen, k = 0;

	if (!strncmp(t, "ns:", 3) && t[3]) {
		snprintf(v, n, "dl-%s-%s", b->l->name, t + 3);
		return 0;
	}
	if (!strcmp(t, "vni")) {
		snprintf(v, n, "%d", 1000 + b->n);
		return 0;
	}
	if (!strcmp(t, "table")) {
		snprintf(v, n, "dptune_lab_%s", b->l->name);
		return 0;
	}
	if (sscanf(t, "%d.%d/%d%n", &net, &host, &plen, &k) == 3 && !t[k]) {
		snprintf(v, n, "10.%d.%d.%d/%d", 230 + net, b->n, host, plen);
		return 0;
	}
	k = 0;
	if (sscanf(t, "%d.%d%n", &net, &host, &k) == 2 && !t[k]) {
		snprintf(v, n, "10.%d.%d.%d", 230 + net, b->n, host);
		return 0;
	}
	if (strlen(t) <= 4 && strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789") == strlen(t)) {
		snprintf(v, n, "%s%s", b->dev, t);
		return 0;
	}
	return -1;
}

/* Expand the tokens of s into out: "{c0}" becomes "dl7c0" (a '{' followed by a space, as
 * in nft's "{ type nat ... }", is text). -EINVAL names a defect of the scenario table. */
static int expand(struct bld *b, const char *s, char *out, size_t n)
{
	static const char tokch[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789.:/_";
	const char *s0 = s;
	size_t o = 0;

	while (*s) {
		size_t w = *s == '{' ? strspn(s + 1, tokch) : 0;
		char tok[32], val[LAB_STR_MAX];

		if (w && s[1 + w] == '}') {
			if (w >= sizeof(tok))
				goto bad;
			memcpy(tok, s + 1, w);
			tok[w] = 0;
			if (token(b, tok, val, sizeof(val)) || o + strlen(val) >= n)
				goto bad;
			memcpy(out + o, val, strlen(val));
			o += strlen(val);
			s += w + 2;
			continue;
		}
		if (o + 1 >= n)
			goto bad;
		out[o++] = *s++;
	}
	out[o] = 0;
	return 0;
bad:
	snprintf(b->err, b->errn, "scenario %s: cannot expand '%s' (a defect of scenarios.c)",
		 b->l->scenario, s0);
	return -EINVAL;
}

/* argv = prefix..., then a[0..n-1], NULL. */
static const char *const *mkargv(const char **argv, const char *p0, const char *p1,
				 const char *p2, char (*a)[LAB_STR_MAX], int from, int n)
{
	int k = 0;

	if (p0)
		argv[k++] = p0;
	if (p1)
		argv[k++] = p1;
	if (p2)
		argv[k++] = p2;
	for (int i = from; i < n; i++)
		argv[k++] = a[i];
	argv[k] = NULL;
	return argv;
}

static int step(struct bld *b, const struct lab_step *st)
{
	char a[LAB_STEP_ARGS][LAB_STR_MAX], ns[LAB_NS_MAX];
	const char *argv[LAB_STEP_ARGS + 4];
	int n = 0, rc;

	for (; n < LAB_STEP_ARGS && st->a[n]; n++)
		TRY(expand(b, st->a[n], a[n], sizeof(a[n])));
	snprintf(ns, sizeof(ns), "%s", nsname(b, st->node));
	switch (st->op) {
	case LOP_VETH:
		return veth(b, st->node, a[0], a[1], a[2]);
	case LOP_BRIDGE:
		return bridge(b, st->node, a[0]);
	case LOP_MASTER:
		return master(b, st->node, a[0], a[1]);
	case LOP_ADDR:
		return ipaddr(b, st->node, a[0], a[1]);
	case LOP_IP:
		return run(b, NULL, mkargv(argv, "ip", "-n", ns, a, 0, n));
	case LOP_LINK:
		TRY(rec(b, LREC_LINK, ns, a[0], a[1], 0, 0));
		return run(b, NULL, mkargv(argv, "ip", "-n", ns, a, 2, n));
	case LOP_RUN:
		return run(b, ns, mkargv(argv, NULL, NULL, NULL, a, 0, n));
	case LOP_SYSCTL:
		rc = lab_ns_write(ns, a[0], a[1]);
		if (rc)
			snprintf(b->err, b->errn, "cannot write %s to %s in %s: %s", a[1], a[0], ns,
				 strerror(-rc));
		return rc;
	case LOP_NFT_TABLE:
		return rec(b, LREC_NFT, ns, a[0], a[1], 0, 0);
	case LOP_NFT:
		return run(b, ns, LAB_ARGV("nft", a[0]));
	case LOP_OVS:
		return ovs_start(b, st->node, a[0]);
	case LOP_VSCTL: {
		char *d = ovs_dir(b, st->node), *db = xasprintf("--db=unix:%s/run/db.sock", d);

		rc = ovs_env_run(b, d, NULL, mkargv(argv, "ovs-vsctl", db, "--timeout=10", a, 0, n));
		free(db);
		free(d);
		return rc;
	}
	case LOP_GUEST:
		return guest_start(b, st->node, a[0], a[1], a[2]);
	default:
		snprintf(b->err, b->errn, "scenario %s: unknown step %d", b->l->scenario, st->op);
		return -EINVAL;
	}
}

/* Describe the lab in its state file (nodes, target, path), then build it step by step. */
static int build(struct bld *b)
{
	const struct lab_scenario *sc = lab_scenario_find(b->l->scenario);
	const struct lab_sc *d = sc ? sc->def : NULL;
	char x[2][LAB_STR_MAX];

	if (!d)
		return -EINVAL;
	for (const struct lab_sc_node *n = d->nodes; n->name; n++) {
		if (n->addr)
			TRY(expand(b, n->addr, x[0], sizeof(x[0])));
		TRY(expand(b, n->dev, x[1], sizeof(x[1])));
		TRY(node(b, n->name, n->role, n->addr ? x[0] : NULL, x[1]));
	}
	TRY(expand(b, d->target, x[0], sizeof(x[0])));
	TRY(target(b, d->client, d->server, x[0]));
	for (const struct lab_sc_hop *h = d->path; h->node; h++) {
		TRY(expand(b, h->dev, x[0], sizeof(x[0])));
		TRY(hop(b, h->node, x[0], h->kind, h->note));
	}
	for (const struct lab_step *st = d->steps; st->op != LOP_END; st++)
		TRY(step(b, st));
	if (b->o->no_rps)
		return 0;
	TRY(expand(b, d->rps_dev, x[0], sizeof(x[0])));
	return set_rps(b, d->rps_node, x[0]);
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
