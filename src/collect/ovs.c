/* ovs.c: the Open vSwitch collector (layer vdev). It finds every OVS instance on the
 * machine (the default run directory, $OVS_RUNDIR, --ovs-rundir, and the command lines of
 * running ovsdb-server/ovs-vswitchd processes), then reads over their unix sockets:
 * OVSDB Interface statistics per port, and from ovs-vswitchd's unixctl socket the
 * datapath lookups (hit/missed/lost), per-port datapath counters, PMD counters and the
 * drop coverage counters; finally the packets a kernel device handed to OVS that OVS
 * never counted (the AF_PACKET gap). Connections stay open across snapshots.
 * This file discovers the instances and emits the rows; the socket clients are in
 * ovsdb.c, the text parsers (buffers in, for tests and fuzzers) in ovs_parse.c. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "collect.h"
#include "jsonrpc.h"
#include "ovs_parse.h"
#include "ovsdb.h"
#include "../core/util.h"
#include "../model/intern.h"
#define OVS_PATH_MAX 108 /* sun_path */
#define OVS_PROC_RESCAN 10.0 /* seconds between scans of /proc for OVS daemons */

struct ovs_inst {
	char key[PATH_MAX];     /* the run directory (or socket path): label "ovs=" */
	char db[OVS_PATH_MAX];  /* ovsdb-server socket, or "" */
	char ctl[OVS_PATH_MAX]; /* ovs-vswitchd unixctl socket, or "" */
	int vs_pid;             /* ovs-vswitchd, 0 if unknown */
	bool from_dir, from_proc;
	struct jsonrpc *dbc, *ctlc;
};

struct ovs_priv {
	struct ovs_inst *in;
	size_t n, cap;
	double last_scan;
};

static void ovs_inst_close(struct ovs_inst *in)
{
	jsonrpc_close(in->dbc);
	jsonrpc_close(in->ctlc);
	in->dbc = in->ctlc = NULL;
}

static void ovs_release(void *p)
{
	struct ovs_priv *pr = p;

	for (size_t i = 0; i < pr->n; i++)
		ovs_inst_close(&pr->in[i]);
	free(pr->in);
	free(pr);
}

static bool is_socket(const char *path)
{
	struct stat st;

	return path[0] && !stat(path, &st) && S_ISSOCK(st.st_mode);
}

/* Find or add the instance of run directory dir (canonicalized). */
static struct ovs_inst *inst_get(struct ovs_priv *pr, const char *dir)
{
	char canon[PATH_MAX];

	if (!realpath(dir, canon))
		snprintf(canon, sizeof(canon), "%s", dir);
	for (size_t i = 0; i < pr->n; i++)
		if (!strcmp(pr->in[i].key, canon))
			return &pr->in[i];
	grow_array((void **)&pr->in, &pr->cap, pr->n + 1, sizeof(*pr->in));
	struct ovs_inst *in = &pr->in[pr->n++];

	memset(in, 0, sizeof(*in));
	snprintf(in->key, sizeof(in->key), "%s", canon);
	return in;
}

static void dirname_of(const char *path, char *dir, size_t n)
{
	const char *sl = strrchr(path, '/');

	if (!sl || sl == path)
		snprintf(dir, n, "/");
	else
		snprintf(dir, n, "%.*s", (int)(sl - path), path);
}

static int pid_comm(int pid, char *comm, size_t n)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	return read_small(path, comm, n);
}

/* A run directory: db.sock and ovs-vswitchd.ctl, or ovs-vswitchd.<pid>.ctl as vswitchd
 * names it when started without --unixctl. */
static void add_rundir(struct ovs_priv *pr, const char *dir)
{
	char db[PATH_MAX], ctl[PATH_MAX], pidbuf[32], comm[32];
	struct ovs_inst *in;
	int pid = 0;

	snprintf(db, sizeof(db), "%s/db.sock", dir);
	snprintf(ctl, sizeof(ctl), "%s/ovs-vswitchd.ctl", dir);
	snprintf(pidbuf, sizeof(pidbuf), "%s", "");
	{
		char pf[PATH_MAX];

		snprintf(pf, sizeof(pf), "%s/ovs-vswitchd.pid", dir);
		if (!read_small(pf, pidbuf, sizeof(pidbuf)) && !parse_int(pidbuf, &pid) &&
		    pid > 0 && !pid_comm(pid, comm, sizeof(comm)) && !strcmp(comm, "ovs-vswitchd")) {
			if (!is_socket(ctl))
				snprintf(ctl, sizeof(ctl), "%s/ovs-vswitchd.%d.ctl", dir, pid);
		} else {
			pid = 0;
		}
	}
	if (!is_socket(db) && !is_socket(ctl))
		return;
	in = inst_get(pr, dir);
	in->from_dir = true;
	if (!in->db[0] && is_socket(db) && strlen(db) < sizeof(in->db))
		snprintf(in->db, sizeof(in->db), "%s", db);
	if (!in->ctl[0] && is_socket(ctl) && strlen(ctl) < sizeof(in->ctl))
		snprintf(in->ctl, sizeof(in->ctl), "%s", ctl);
	if (pid && !in->vs_pid)
		in->vs_pid = pid;
}

/* Processes named ovsdb-server / ovs-vswitchd: the sockets on their command lines. */
static void scan_proc(struct ovs_priv *pr)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	struct strbuf sb;

	if (!d)
		return;
	sb_init(&sb);
	while ((de = readdir(d))) {
		char comm[32], path[64], db[OVS_PATH_MAX], ctl[OVS_PATH_MAX], dir[PATH_MAX];
		int pid, vs;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' || parse_int(de->d_name, &pid))
			continue;
		if (pid_comm(pid, comm, sizeof(comm)))
			continue;
		vs = !strcmp(comm, "ovs-vswitchd");
		if (!vs && strcmp(comm, "ovsdb-server"))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		sb_reset(&sb);
		if (read_file_sb(path, &sb, 65536))
			continue;
		ovs_parse_cmdline(sb.buf, sb.len, vs, db, sizeof(db), ctl, sizeof(ctl));
		if (!db[0] && !ctl[0])
			continue;
		dirname_of(db[0] ? db : ctl, dir, sizeof(dir));
		struct ovs_inst *in = inst_get(pr, dir);

		in->from_proc = true;
		if (!vs && is_socket(db))
			snprintf(in->db, sizeof(in->db), "%s", db);
		if (vs) {
			in->vs_pid = pid;
			if (!ctl[0] && strlen(dir) + 32 < sizeof(ctl))
				snprintf(ctl, sizeof(ctl), "%s/ovs-vswitchd.%d.ctl", dir, pid);
			if (is_socket(ctl))
				snprintf(in->ctl, sizeof(in->ctl), "%s", ctl);
		}
	}
	closedir(d);
	sb_release(&sb);
}

static void discover(struct cctx *c, struct ovs_priv *pr)
{
	const struct collect_opts *o = cctx_opts(c);
	const char *env = getenv("OVS_RUNDIR");
	char dir[PATH_MAX];
	bool rescan = now_mono() - pr->last_scan >= OVS_PROC_RESCAN || !pr->last_scan;

	for (size_t i = 0; i < pr->n; i++) {
		pr->in[i].from_dir = false;
		if (rescan)
			pr->in[i].from_proc = false;
	}
	cctx_path(c, dir, sizeof(dir), "run", "openvswitch");
	add_rundir(pr, dir);
	if (env && *env)
		add_rundir(pr, env);
	if (o->ovs_rundirs) {
		const char *p = o->ovs_rundirs;

		while (*p) {
			size_t n = strcspn(p, ":");

			if (n && n < sizeof(dir)) {
				snprintf(dir, sizeof(dir), "%.*s", (int)n, p);
				add_rundir(pr, dir);
			}
			p += n;
			if (*p)
				p++;
		}
	}
	if (rescan) {
		scan_proc(pr);
		pr->last_scan = now_mono();
	}
	/* Forget instances nobody names any more (the daemon exited, the dir is gone). */
	for (size_t i = 0; i < pr->n;) {
		struct ovs_inst *in = &pr->in[i];

		if ((in->from_dir || in->from_proc) && (is_socket(in->db) || is_socket(in->ctl))) {
			i++;
			continue;
		}
		ovs_inst_close(in);
		pr->in[i] = pr->in[--pr->n];
	}
}

/* ---- emitting ---- */

/* Append ",k=v" to sb (no comma first), with ',' and '=' in v replaced. */
static void lbl(struct strbuf *sb, const char *k, const char *v)
{
	if (!v || !*v)
		return;
	if (sb->len)
		sb_addstr(sb, ",");
	sb_addf(sb, "%s=", k);
	for (; *v; v++)
		sb_add(sb, (*v == ',' || *v == '=') ? "_" : v, 1);
}

static void put(struct cctx *c, uint32_t ns, enum metric_kind kind, unsigned flags,
		const char *obj, int cpu, const char *name, uint64_t v, const char *labels)
{
	struct metric *m = snap_add_full(c->snap, ns, LAYER_VDEV, kind, flags, obj, -1, cpu,
					 name, v);

	m->labels = labels ? intern(labels) : NULL;
}

/* Counters whose increase means loss or a fault. */
static unsigned drop_flags(const char *name)
{
	return (strstr(name, "drop") || strstr(name, "err") || strstr(name, "overrun") ||
		strstr(name, "frame") || strstr(name, "aborted") || strstr(name, "carrier") ||
		strstr(name, "lost")) ? MF_DROP : 0;
}

/* The namespace the OVS ports live in: that of ovs-vswitchd. Its devices are reported
 * there by the link collector, so the OVS rows go beside them. The engine reads the host
 * namespace (where this host-scope collector runs) first, so other namespaces are not
 * in the snapshot yet: add them under the name the engine will give them (/run/netns
 * names win, sorted). Anything else stays in the host namespace, labelled. */
static uint32_t ovs_ns_index(struct cctx *c, int pid, uint64_t *inode_out)
{
	char path[PATH_MAX], best[256] = "";
	struct stat st;
	uint64_t ino;
	DIR *d;
	struct dirent *de;

	*inode_out = 0;
	if (!pid || cctx_opts(c)->no_netns)
		return c->ns;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (stat(path, &st))
		return c->ns;
	ino = st.st_ino;
	*inode_out = ino;
	for (size_t i = 0; i < c->snap->nns; i++)
		if (c->snap->ns[i].inode == ino)
			return (uint32_t)i;
	cctx_path(c, path, sizeof(path), "run", "netns");
	d = opendir(path);
	if (!d)
		return c->ns;
	while ((de = readdir(d))) {
		char p2[PATH_MAX + 300];

		if (de->d_name[0] == '.')
			continue;
		snprintf(p2, sizeof(p2), "%s/%s", path, de->d_name);
		if (stat(p2, &st) || st.st_ino != ino)
			continue;
		if (!best[0] || strcmp(de->d_name, best) < 0)
			snprintf(best, sizeof(best), "%s", de->d_name);
	}
	closedir(d);
	if (!best[0])
		return c->ns;
	*inode_out = 0;
	return snap_add_ns(c->snap, ino, best, NS_NAMED, 0);
}

static int emit_ovsdb(struct cctx *c, struct ovs_inst *in, uint32_t ns, const char *base)
{
	struct ovs_db db;
	struct strbuf sb;
	int r;

	r = ovsdb_read_ifaces(&in->dbc, in->db, &db);
	if (r)
		return r;
	sb_init(&sb);
	for (size_t i = 0; i < db.n; i++) {
		const struct ovs_iface *f = &db.ifaces[i];
		char num[24];

		sb_reset(&sb);
		sb_addstr(&sb, base);
		lbl(&sb, "bridge", f->bridge);
		if (f->ofport >= 0) {
			snprintf(num, sizeof(num), "%lld", (long long)f->ofport);
			lbl(&sb, "ofport", num);
		}
		lbl(&sb, "iface_id", f->iface_id); /* Neutron port UUID */
		lbl(&sb, "type", f->type);
		/* ovs-vswitchd copies Interface statistics into OVSDB only every 5 s
		 * (other_config:stats-update-interval): these rows lag by up to that. */
		lbl(&sb, "source", "ovsdb");
		for (size_t k = 0; k < f->stats.n; k++) {
			char name[80];

			snprintf(name, sizeof(name), "ovs_%s", f->stats.v[k].name);
			put(c, ns, MK_COUNTER, drop_flags(f->stats.v[k].name), f->name, -1, name,
			    f->stats.v[k].value, sb.buf);
		}
		if (f->link_state[0]) {
			struct metric *m = snap_add_knob(c->snap, ns, LAYER_VDEV, f->name,
							 "ovs_link_state", f->link_state);

			m->labels = intern(sb.buf);
		}
	}
	sb_release(&sb);
	ovs_db_release(&db);
	return 0;
}

static bool type_system(const char *t)
{
	return !*t || !strcmp(t, "system");
}

/* Port types of the userspace datapath that have no receive queue of their own: their
 * packets come in on another port and are recirculated, so "packets received" never
 * counts them twice. */
static bool type_no_rxq(const char *t)
{
	static const char *const k[] = { "vxlan", "geneve", "gre", "ip6gre", "erspan",
		"ip6erspan", "stt", "lisp", "bareudp", "gtpu", "srv6", "patch" };

	for (size_t i = 0; i < ARRAY_SIZE(k); i++)
		if (!strcmp(t, k[i]))
			return true;
	return false;
}

static uint64_t kernel_count(struct cctx *c, uint32_t ns, const struct ovs_kvs *dev,
			     bool have_dev, const char *ifname, const char *what, bool *ok)
{
	char key[96];
	const struct ovs_kv *kv;
	const struct metric *m;

	*ok = true;
	if (have_dev) {
		snprintf(key, sizeof(key), "%s/%s", ifname, what);
		kv = ovs_kvs_find(dev, key);
		if (kv)
			return kv->value;
	} else {
		/* No ovs-vswitchd pid: the link collector's rows, if it read that ns already. */
		m = snap_find(c->snap, ns, LAYER_VDEV, ifname, -1, -1, what);
		if (!m)
			m = snap_find(c->snap, ns, LAYER_NIC, ifname, -1, -1, what);
		if (m)
			return m->value;
	}
	*ok = false;
	return 0;
}

static void emit_dp(struct cctx *c, struct ovs_inst *in, uint32_t ns, const char *base,
		    const struct ovs_dps *dps, const struct ovs_pmds *pmds, bool have_pmd,
		    const struct ovs_kvs *dev, bool have_dev)
{
	struct strbuf sb;

	sb_init(&sb);
	for (size_t i = 0; i < dps->n; i++) {
		const struct ovs_dp *dp = &dps->dp[i];
		bool netdev = !strncmp(dp->name, "netdev@", 7), gap_ok = netdev && have_pmd;
		uint64_t kin = 0, seen = 0;
		char obj[160];

		snprintf(obj, sizeof(obj), "ovs:%s", dp->name);
		sb_reset(&sb);
		sb_addstr(&sb, base);
		lbl(&sb, "source", "dpctl");
		for (size_t k = 0; k < dp->stats.n; k++) {
			const char *n = dp->stats.v[k].name;
			char name[80];
			bool gauge = !strcmp(n, "flows") || !strcmp(n, "masks_total");

			snprintf(name, sizeof(name), "dp_%s", dp->stats.v[k].name);
			/* lost: upcalls dropped because the upcall queue was full (new flows). */
			put(c, ns, gauge ? MK_GAUGE : MK_COUNTER, !strcmp(n, "lost") ? MF_DROP : 0,
			    obj, -1, name, dp->stats.v[k].value, sb.buf);
		}
		for (size_t p = 0; p < dp->nports; p++) {
			const struct ovs_dp_port *pt = &dp->ports[p];
			const struct ovs_kv *orx = ovs_kvs_find(&pt->stats, "rx_packets");
			char num[16];
			bool ok;

			sb_reset(&sb);
			sb_addstr(&sb, base);
			lbl(&sb, "datapath", dp->name);
			snprintf(num, sizeof(num), "%u", pt->port_no);
			lbl(&sb, "port", num);
			lbl(&sb, "type", pt->type[0] ? pt->type : "system");
			lbl(&sb, "source", "dpctl");
			for (size_t k = 0; k < pt->stats.n; k++) {
				char name[80];

				snprintf(name, sizeof(name), "dp_%s", pt->stats.v[k].name);
				put(c, ns, MK_COUNTER, drop_flags(pt->stats.v[k].name), pt->name, -1,
				    name, pt->stats.v[k].value, sb.buf);
			}
			if (type_system(pt->type)) {
				uint64_t k = kernel_count(c, ns, dev, have_dev, pt->name, "rx_packets",
							  &ok);

				if (!ok)
					gap_ok = false;
				kin += k;
				/* Kernel datapath: the vport counts what OVS received, the device
				 * what the NIC/veth received; the difference died in between. (The
				 * userspace datapath reports the kernel's own counters for system
				 * ports, so there the comparison is made against the PMD counters
				 * below instead.) */
				if (ok && !netdev && orx)
					put(c, ns, MK_COUNTER, MF_DROP, pt->name, -1, "ovs_unseen",
					    k > orx->value ? k - orx->value : 0, sb.buf);
			} else if (!strcmp(pt->type, "tap") || !strcmp(pt->type, "internal")) {
				/* OVS reads what the kernel transmits into the tap. */
				kin += kernel_count(c, ns, dev, have_dev, pt->name, "tx_packets", &ok);
				if (!ok)
					gap_ok = false;
			} else if (!type_no_rxq(pt->type)) {
				gap_ok = false; /* dpdk, afxdp...: no kernel count to compare */
			}
		}
		if (netdev && have_pmd) {
			for (size_t t = 0; t < pmds->n; t++) {
				const struct ovs_pmd *pm = &pmds->t[t];

				sb_reset(&sb);
				sb_addstr(&sb, base);
				lbl(&sb, "thread", pm->thread);
				lbl(&sb, "source", "pmd-stats");
				for (size_t k = 0; k < pm->stats.n; k++) {
					const char *n = pm->stats.v[k].name;
					char name[80];

					if (!strcmp(n, "packets_received"))
						seen += pm->stats.v[k].value;
					snprintf(name, sizeof(name), "pmd_%s", n);
					/* "miss with failed upcall" is PMD_STAT_LOST: dropped. */
					put(c, ns, MK_COUNTER,
					    !strcmp(n, "miss_with_failed_upcall") ? MF_DROP : 0, obj,
					    pm->core, name, pm->stats.v[k].value, sb.buf);
				}
			}
		}
		if (gap_ok && dp->nports) {
			/* The AF_PACKET gap (PLATFORM.md "OVS hides AF_PACKET drops"): a system
			 * port of the userspace datapath reads its device through an AF_PACKET
			 * socket. The kernel counts a packet in rx_packets before the socket
			 * queue; when that queue overflows under a burst the packet is freed
			 * and no OVS counter sees it (OVS even reports the kernel's rx_packets
			 * as its own). What every port's kernel device handed to OVS minus what
			 * the PMD/main threads received ("packets received") is that loss. It
			 * also holds packets a device received before OVS opened it, and those
			 * queued right now, so read it as a rate, not as a lifetime total. */
			sb_reset(&sb);
			sb_addstr(&sb, base);
			lbl(&sb, "source", "kernel-vs-pmd");
			put(c, ns, MK_COUNTER, MF_DROP, obj, -1, "ovs_unseen",
			    kin > seen ? kin - seen : 0, sb.buf);
		}
	}
	sb_release(&sb);
}

static int emit_ctl(struct cctx *c, struct ovs_inst *in, uint32_t ns, const char *base)
{
	struct ovs_dps dps = { 0 };
	struct ovs_pmds pmds = { 0 };
	struct ovs_kvs dev = { 0 }, cov = { 0 };
	json_object *res = NULL;
	const char *txt;
	size_t len;
	bool have_pmd = false, have_dev = false;
	int r;

	/* The kernel side first: a packet counted here and received by OVS before the
	 * OVS reads below cannot show up as unseen. */
	if (in->vs_pid) {
		char path[64];
		struct strbuf sb;

		sb_init(&sb);
		snprintf(path, sizeof(path), "/proc/%d/net/dev", in->vs_pid);
		if (!read_file_sb(path, &sb, 4u << 20)) {
			ovs_parse_net_dev(sb.buf, sb.len, &dev);
			have_dev = true;
		}
		sb_release(&sb);
	}
	r = ovsdb_unixctl_text(&in->ctlc, in->ctl, "dpctl/show", "-s", &res, &txt, &len);
	if (r)
		goto out;
	ovs_parse_dpctl_show(txt, len, &dps);
	json_object_put(res);
	/* Fails with an error reply when there is no userspace datapath: not an error. */
	if (!ovsdb_unixctl_text(&in->ctlc, in->ctl, "dpif-netdev/pmd-stats-show", NULL, &res,
				&txt, &len)) {
		ovs_parse_pmd_stats(txt, len, &pmds);
		have_pmd = pmds.n > 0;
		json_object_put(res);
	}
	if (!in->ctlc) { /* the connection broke */
		r = -ECONNRESET;
		goto out;
	}
	emit_dp(c, in, ns, base, &dps, &pmds, have_pmd, &dev, have_dev);
	if (!ovsdb_unixctl_text(&in->ctlc, in->ctl, "coverage/show", NULL, &res, &txt, &len)) {
		char obj[160];
		struct strbuf sb;

		ovs_parse_coverage(txt, len, 1, &cov);
		json_object_put(res);
		/* Coverage counters are per ovs-vswitchd process; they go on its first
		 * datapath (usually the only one). Each thread folds its counts into
		 * these totals once a second, so they lag by up to 1 s. */
		snprintf(obj, sizeof(obj), "ovs:%s", dps.n ? dps.dp[0].name : "vswitchd");
		sb_init(&sb);
		sb_addstr(&sb, base);
		lbl(&sb, "source", "coverage");
		for (size_t k = 0; k < cov.n; k++) {
			char name[80];

			snprintf(name, sizeof(name), "coverage_%s", cov.v[k].name);
			put(c, ns, MK_COUNTER, MF_DROP, obj, -1, name, cov.v[k].value, sb.buf);
		}
		sb_release(&sb);
	}
	r = 0;
out:
	ovs_dps_release(&dps);
	ovs_pmds_release(&pmds);
	ovs_kvs_release(&dev);
	ovs_kvs_release(&cov);
	return r;
}

static int ovs_run(struct cctx *c)
{
	struct ovs_priv **pp = (struct ovs_priv **)cctx_priv(c), *pr;
	int nok = 0, lasterr = 0;
	char lastwhat[PATH_MAX + 64] = "";

	if (cctx_opts(c)->recorded)
		return cctx_unavailable(c, -EOPNOTSUPP,
					"recorded input: Open vSwitch is read over its sockets");
	if (!*pp)
		*pp = xcalloc(1, sizeof(**pp));
	pr = *pp;
	discover(c, pr);
	if (!pr->n)
		return cctx_unavailable(c, -ENOENT,
			"no ovsdb-server socket found in %s/openvswitch, $OVS_RUNDIR or running "
			"OVS daemons (point dptune at one: --ovs-rundir DIR)",
			cctx_opts(c)->run_root);
	for (size_t i = 0; i < pr->n; i++) {
		struct ovs_inst *in = &pr->in[i];
		uint64_t inode;
		uint32_t ns = ovs_ns_index(c, in->vs_pid, &inode);
		struct strbuf base;
		int r;

		sb_init(&base);
		lbl(&base, "ovs", in->key);
		if (inode && ns == c->ns && inode != c->snap->ns[c->ns].inode) {
			char num[24];

			snprintf(num, sizeof(num), "%llu", (unsigned long long)inode);
			lbl(&base, "netns_inode", num);
		}
		if (in->db[0]) {
			r = emit_ovsdb(c, in, ns, base.buf);
			if (r) {
				lasterr = r;
				snprintf(lastwhat, sizeof(lastwhat), "%s", in->db);
			} else {
				nok++;
			}
		}
		if (in->ctl[0]) {
			r = emit_ctl(c, in, ns, base.buf);
			if (r) {
				lasterr = r;
				snprintf(lastwhat, sizeof(lastwhat), "%s", in->ctl);
			} else {
				nok++;
			}
		}
		sb_release(&base);
	}
	if (!nok && lasterr)
		return cctx_unavailable(c, lasterr, "cannot query Open vSwitch at %s: %s%s", lastwhat,
					strerror(-lasterr),
					lasterr == -EACCES ? " (run as root)" : "");
	return 0;
}

const struct collector collector_ovs = { "ovs", SCOPE_HOST, ovs_run, ovs_release };
