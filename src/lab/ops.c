/* ops.c: tearing a lab down (walking its state file in reverse), faults and their
 * clearing, and entering a lab's namespace for `lab exec`. Nothing here prints: what
 * went wrong is returned (-errno, and the messages in the caller's buffer). */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lab_int.h"

const char *const lab_fault_kinds[] = { "rcvbuf", "backlog", "conntrack", "ratecap",
					"slowguest", NULL };

/* Kill the OVS daemon whose pidfile is in dir/run, only if its command line names dir. */
static void ovs_kill(const char *dir, const char *daemon)
{
	char *pf = xasprintf("%s/run/%s.pid", dir, daemon), buf[32], cpath[64];
	struct strbuf sb;
	uint64_t pid, start;

	if (read_small(pf, buf, sizeof(buf)) || parse_u64(buf, &pid) || pid <= 1 || pid > 0x7fffffff)
		goto out;
	snprintf(cpath, sizeof(cpath), "/proc/%llu/cmdline", (unsigned long long)pid);
	sb_init(&sb);
	if (!read_file_sb(cpath, &sb, 65536) && sb.len) {
		bool mine = false;

		for (size_t i = 0; i < sb.len; i++)
			if (!sb.buf[i])
				sb.buf[i] = ' ';
		sb_add(&sb, "", 1);
		mine = strstr(sb.buf, dir) != NULL;
		if (mine && !lab_proc_start((pid_t)pid, &start))
			lab_proc_kill((int64_t)pid, start, 2);
	}
	sb_release(&sb);
out:
	free(pf);
}

int lab_rec_undo(const struct lab *l, const struct lab_rec *r, struct strbuf *errs)
{
	char err[512] = "";
	int rc = 0;

	(void)l;
	switch (r->type) {
	case LREC_NS:
		if (lab_ns_exists(r->a))
			rc = lab_run(NULL, LAB_NS_NET, NULL, LAB_ARGV("ip", "netns", "del", r->a), 20,
				     err, sizeof(err));
		break;
	case LREC_LINK:
		if (!strcmp(r->b, "tap") && r->ns[0] && lab_ns_exists(r->ns))
			(void)!lab_run(NULL, LAB_NS_NET, NULL,
				       LAB_ARGV("ip", "-n", r->ns, "link", "del", r->a),
				       10, NULL, 0);
		break;
	case LREC_PROC:
		lab_proc_kill(r->pid, r->start, 2);
		break;
	case LREC_OVS: {
		char *ctl = xasprintf("%s/run/ovs-vswitchd.ctl", r->a);

		if (access(ctl, F_OK) == 0)
			(void)!lab_run(NULL, LAB_NS_NET, NULL,
				       LAB_ARGV("ovs-appctl", "-t", ctl, "exit", "--cleanup"), 5, NULL, 0);
		free(ctl);
		ovs_kill(r->a, "ovs-vswitchd");
		ovs_kill(r->a, "ovsdb-server");
		rc = lab_rmtree(r->a);
		break;
	}
	case LREC_SYSCTL:
		if (!r->ns[0] || lab_ns_exists(r->ns)) {
			char cur[64];

			if (!lab_ns_read(r->ns, r->a, cur, sizeof(cur)) && !strcmp(cur, r->b))
				break; /* already the original value */
			rc = lab_ns_write(r->ns, r->a, r->b);
			if (rc)
				snprintf(err, sizeof(err), "cannot restore %s to %s: %s", r->a, r->b,
					 strerror(-rc));
		}
		break;
	case LREC_NFT:
		if (r->ns[0] && lab_ns_exists(r->ns)) {
			char *cmd = xasprintf("delete table %s %s", r->b[0] ? r->b : "ip", r->a);

			(void)!lab_run(r->ns, LAB_NS_NET, NULL, LAB_ARGV("nft", cmd), 10, NULL, 0);
			free(cmd);
		}
		break;
	case LREC_SLOW:
		if (lab_proc_match(r->pid, r->start))
			kill((pid_t)r->pid, SIGUSR2);
		break;
	case LREC_FILE:
		if (unlink(r->a) && errno != ENOENT)
			rc = -errno;
		break;
	default:
		break;
	}
	if (rc && errs)
		sb_addf(errs, "%s%s", errs->len ? "; " : "", err[0] ? err : strerror(-rc));
	return rc;
}

/* Namespaces "dl-<name>-*" that exist although no record names them. */
static void sweep_ns(const char *name)
{
	char pre[LAB_NS_MAX];
	DIR *d = opendir("/run/netns");
	struct dirent *de;

	if (!d)
		return;
	snprintf(pre, sizeof(pre), "dl-%s-", name);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, pre, strlen(pre)) || strchr(de->d_name + strlen(pre), '-'))
			continue;
		(void)!lab_run(NULL, LAB_NS_NET, NULL, LAB_ARGV("ip", "netns", "del", de->d_name), 10,
			       NULL, 0);
	}
	closedir(d);
}

int lab_down(const char *name, struct strbuf *errs)
{
	struct lab l;
	int rc, first = 0;
	char *p;

	if (!lab_name_valid(name))
		return -EINVAL;
	rc = lab_load(name, &l);
	if (rc && rc != -EINVAL) {
		sweep_ns(name);
		return rc;
	}
	for (int i = l.n_recs - 1; i >= 0; i--) {
		int r = lab_rec_undo(&l, &l.recs[i], errs);

		if (r && !first)
			first = r;
	}
	sweep_ns(name);
	p = lab_state_path(name);
	if (!first && unlink(p) && errno != ENOENT)
		first = -errno;
	free(p);
	lab_free(&l);
	return first;
}

static int find_rec(const struct lab *l, int type, const char *fault)
{
	for (int i = 0; i < l->n_recs; i++)
		if (l->recs[i].type == type && (!fault || !strcmp(l->recs[i].fault, fault)))
			return i;
	return -1;
}

/* A host-wide sysctl lowered by another lab's fault: its name, else NULL. */
static char *host_sysctl_owner(const char *self, const char *path)
{
	char **names, *owner = NULL;
	int n;

	if (lab_names(&names, &n))
		return NULL;
	for (int i = 0; i < n && !owner; i++) {
		struct lab o;

		if (!strcmp(names[i], self) || lab_load(names[i], &o))
			continue;
		for (int k = 0; k < o.n_recs; k++)
			if (o.recs[k].type == LREC_SYSCTL && !o.recs[k].ns[0] && !strcmp(o.recs[k].a, path))
				owner = xstrdup(names[i]);
		lab_free(&o);
	}
	lab_names_free(names, n);
	return owner;
}

static int append_rec(const char *name, struct lab_rec *r)
{
	char *p = lab_state_path(name), *js = lab_rec_json(r);
	int fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC), rc;

	rc = fd < 0 ? -errno : lab_state_append_fd(fd, js);
	if (fd >= 0)
		close(fd);
	free(p);
	free(js);
	return rc;
}

/* Record the original value of a sysctl (fsync'd), then write val. */
static int fault_sysctl(const struct lab *l, const char *kind, const char *ns, const char *path,
			const char *val, char *err, size_t errn)
{
	struct lab_rec r;
	char orig[64];
	int rc;

	if (!ns[0]) {
		char *owner = host_sysctl_owner(l->name, path);

		if (owner) {
			snprintf(err, errn, "%s is host-wide and lab %s's fault has changed it already "
					    "(run 'dptune lab fault --clear %s' first)", path, owner, owner);
			free(owner);
			return -EBUSY;
		}
	}
	rc = lab_ns_read(ns, path, orig, sizeof(orig));
	if (rc) {
		snprintf(err, errn, "cannot read %s%s%s: %s", path, ns[0] ? " in " : "", ns,
			 strerror(-rc));
		return rc;
	}
	if (!ns[0] && !strcmp(orig, val)) {
		/* Recording the fault's own value as the original would make it stick for
		 * good: another fault (of a lab in another state directory) is on, or leaked. */
		snprintf(err, errn, "%s is host-wide and already %s, the fault's value: another "
				    "lab's fault has it (or one leaked: write the host's value back)",
			 path, val);
		return -EBUSY;
	}
	memset(&r, 0, sizeof(r));
	r.type = LREC_SYSCTL;
	snprintf(r.ns, sizeof(r.ns), "%s", ns);
	snprintf(r.a, sizeof(r.a), "%s", path);
	snprintf(r.b, sizeof(r.b), "%s", orig);
	snprintf(r.fault, sizeof(r.fault), "%s", kind);
	rc = append_rec(l->name, &r);
	if (rc) {
		snprintf(err, errn, "cannot record %s in the state file: %s", path, strerror(-rc));
		return rc;
	}
	rc = lab_ns_write(ns, path, val);
	if (rc)
		snprintf(err, errn, "cannot write %s to %s%s%s: %s", val, path, ns[0] ? " in " : "", ns,
			 strerror(-rc));
	return rc;
}

int lab_fault(const char *name, const char *kind, uint64_t rate, char *err, size_t errn)
{
	struct lab l;
	const struct lab_node *srv;
	int rc;

	err[0] = 0;
	rc = lab_load(name, &l);
	if (rc) {
		snprintf(err, errn, "no lab named %s (see 'dptune lab list')", name);
		return rc;
	}
	if (!l.complete) {
		snprintf(err, errn, "lab %s is not up (its build did not finish)", name);
		rc = -ENOENT;
		goto out;
	}
	for (int i = 0; i < l.n_recs; i++)
		if (!strcmp(l.recs[i].fault, kind)) {
			rc = -EALREADY;
			goto out;
		}
	srv = lab_node_find(&l, l.server);
	if (!srv) {
		snprintf(err, errn, "lab %s has no server node in its state file", name);
		rc = -EINVAL;
		goto out;
	}
	if (!strcmp(kind, "rcvbuf")) {
		/* Per namespace where the kernel has it (6.x), else host-wide. */
		char tmp[64];
		const char *path = "/proc/sys/net/core/rmem_default";
		const char *ns = !lab_ns_read(srv->ns, path, tmp, sizeof(tmp)) &&
						 !lab_ns_write(srv->ns, path, tmp) ? srv->ns : "";

		rc = fault_sysctl(&l, kind, ns, path, "4096", err, errn);
	} else if (!strcmp(kind, "backlog")) {
		rc = fault_sysctl(&l, kind, "", "/proc/sys/net/core/netdev_max_backlog", "4", err, errn);
	} else if (!strcmp(kind, "conntrack")) {
		if (strcmp(l.scenario, "router")) {
			snprintf(err, errn, "no conntrack on a %s lab's path (use a router lab)", l.scenario);
			rc = -EINVAL;
			goto out;
		}
		rc = fault_sysctl(&l, kind, "", "/proc/sys/net/netfilter/nf_conntrack_max", "16", err,
				  errn);
	} else if (!strcmp(kind, "ratecap")) {
		struct lab_rec r;
		char *c1, *c2, *c3, sa[48];

		/* The server node's own address: behind the router's DNAT the packets reach
		 * the server's namespace addressed to it, not to the floating IP. */
		snprintf(sa, sizeof(sa), "%s", srv->addr[0] ? srv->addr : l.server_addr);
		sa[strcspn(sa, "/")] = 0;
		if (!sa[0]) {
			snprintf(err, errn, "lab %s: the server node has no address in the state file",
				 name);
			rc = -EINVAL;
			goto out;
		}

		memset(&r, 0, sizeof(r));
		r.type = LREC_NFT;
		snprintf(r.ns, sizeof(r.ns), "%s", srv->ns);
		snprintf(r.a, sizeof(r.a), "dptune_lab_%s_cap", l.name);
		snprintf(r.b, sizeof(r.b), "inet");
		snprintf(r.fault, sizeof(r.fault), "%s", kind);
		rc = append_rec(l.name, &r);
		if (rc) {
			snprintf(err, errn, "cannot write the state file: %s", strerror(-rc));
			goto out;
		}
		c1 = xasprintf("add table inet %s", r.a);
		c2 = xasprintf("add chain inet %s in { type filter hook prerouting priority -150; }", r.a);
		/* All UDP to the server's own address, whatever data ports serve hands out
		 * (a new one per test, counting upward); its TCP control port is not UDP. */
		c3 = xasprintf("add rule inet %s in %s daddr %s meta l4proto udp limit rate over "
			       "%llu/second counter drop", r.a, strchr(sa, ':') ? "ip6" : "ip", sa,
			       (unsigned long long)(rate ? rate : 1000));
		rc = lab_run(srv->ns, LAB_NS_NET, NULL, LAB_ARGV("nft", c1), 10, err, errn);
		if (!rc)
			rc = lab_run(srv->ns, LAB_NS_NET, NULL, LAB_ARGV("nft", c2), 10, err, errn);
		if (!rc)
			rc = lab_run(srv->ns, LAB_NS_NET, NULL, LAB_ARGV("nft", c3), 10, err, errn);
		free(c1);
		free(c2);
		free(c3);
	} else if (!strcmp(kind, "slowguest")) {
		int g = find_rec(&l, LREC_PROC, NULL);
		struct lab_rec r;

		if (strcmp(l.scenario, "tap") || g < 0 || !lab_proc_match(l.recs[g].pid, l.recs[g].start)) {
			snprintf(err, errn, "no guest process in lab %s (slowguest needs a tap lab)", name);
			rc = -EINVAL;
			goto out;
		}
		memset(&r, 0, sizeof(r));
		r.type = LREC_SLOW;
		r.pid = l.recs[g].pid;
		r.start = l.recs[g].start;
		snprintf(r.fault, sizeof(r.fault), "%s", kind);
		rc = append_rec(l.name, &r);
		if (!rc && kill((pid_t)r.pid, SIGUSR1))
			rc = -errno;
		if (rc)
			snprintf(err, errn, "cannot slow the guest down: %s", strerror(-rc));
	} else {
		snprintf(err, errn, "unknown fault kind '%s'", kind);
		rc = -EINVAL;
	}
out:
	lab_free(&l);
	return rc;
}

int lab_fault_clear(const char *name, struct strbuf *errs)
{
	struct lab l;
	int rc, first = 0;

	rc = lab_load(name, &l);
	if (rc)
		return rc;
	for (int i = l.n_recs - 1; i >= 0; i--) {
		if (!l.recs[i].fault[0])
			continue;
		rc = lab_rec_undo(&l, &l.recs[i], errs);
		if (rc && !first)
			first = rc;
	}
	lab_free(&l);
	if (!first)
		first = lab_state_drop_faults(name);
	return first;
}

int lab_exec(const char *ns, char **argv)
{
	int rc = lab_enter_ns(ns, LAB_NS_SYSFS);

	if (rc)
		return rc;
	execvp(argv[0], argv);
	return -errno;
}
