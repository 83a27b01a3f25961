/* snapfloor.c: the least a snapshot of every namespace can cost through the kernel's
 * interfaces: the same reads `dptune stat` makes at each sample (per namespace
 * /proc/net/snmp, snmp6, sockstat, sockstat6, stat/nf_conntrack and an RTM_GETSTATS dump
 * of the links' 64-bit counters; host-wide /proc/stat, interrupts, softirqs and
 * net/softnet_stat), with every file kept open and every namespace entered once, as
 * dptune does, and nothing parsed, stored or compared. What it costs is the kernel's
 * formatting and the system calls: the floor under dptune's own work. bench/stat.sh runs
 * it beside dptune and prints both. Not a test.
 *
 * Usage: snapfloor INTERVAL_SEC COUNT   (namespaces: the host's and /run/netns/ *) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define MAXNS 4096
static const char *const ns_files[] = { "snmp", "snmp6", "sockstat", "sockstat6",
					"stat/nf_conntrack" };
static const char *const host_files[] = { "/proc/stat", "/proc/interrupts", "/proc/softirqs",
					  "/proc/net/softnet_stat" };
#define NF (sizeof(ns_files) / sizeof(ns_files[0]))
#define NH (sizeof(host_files) / sizeof(host_files[0]))

struct ns {
	int fd[NF];
	int nl;
};

static struct ns nss[MAXNS];
static int nns;
static char buf[256 * 1024];

static void open_here(struct ns *n)
{
	char p[64];

	for (size_t i = 0; i < NF; i++) {
		snprintf(p, sizeof(p), "/proc/thread-self/net/%s", ns_files[i]);
		n->fd[i] = open(p, O_RDONLY | O_CLOEXEC); /* -1 if absent: skipped */
	}
	n->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (n->nl < 0) {
		perror("snapfloor: netlink socket");
		exit(1);
	}
}

static void stats_dump(int fd)
{
	struct {
		struct nlmsghdr nlh;
		struct if_stats_msg ifsm;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETSTATS,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.ifsm = { .filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64) },
	};

	if (send(fd, &req, sizeof(req), 0) < 0) {
		perror("snapfloor: send");
		exit(1);
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("snapfloor: recv");
			exit(1);
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n))
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				return;
	}
}

int main(int argc, char **argv)
{
	int hostns, hfd[NH], count;
	double iv;
	DIR *d;
	struct dirent *e;

	if (argc != 3 || (iv = atof(argv[1])) <= 0 || (count = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: snapfloor INTERVAL_SEC COUNT\n");
		return 2;
	}
	hostns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (hostns < 0) {
		perror("snapfloor: /proc/self/ns/net");
		return 1;
	}
	for (size_t i = 0; i < NH; i++)
		hfd[i] = open(host_files[i], O_RDONLY | O_CLOEXEC);
	open_here(&nss[nns++]);
	d = opendir("/run/netns");
	while (d && (e = readdir(d)) && nns < MAXNS) {
		char p[300];
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/run/netns/%s", e->d_name);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET)) {
			if (fd >= 0)
				close(fd);
			continue; /* gone meanwhile */
		}
		close(fd);
		open_here(&nss[nns++]);
	}
	if (d)
		closedir(d);
	if (setns(hostns, CLONE_NEWNET)) {
		perror("snapfloor: back to the host namespace");
		return 1;
	}
	for (int s = 0; s < count; s++) {
		struct timespec ts = { (time_t)iv, (long)((iv - (time_t)iv) * 1e9) };

		for (size_t i = 0; i < NH; i++)
			if (hfd[i] >= 0 && pread(hfd[i], buf, sizeof(buf), 0) < 0)
				perror("snapfloor: pread");
		for (int k = 0; k < nns; k++) {
			for (size_t i = 0; i < NF; i++)
				if (nss[k].fd[i] >= 0 && pread(nss[k].fd[i], buf, sizeof(buf), 0) < 0)
					perror("snapfloor: pread");
			stats_dump(nss[k].nl);
		}
		if (s + 1 < count)
			nanosleep(&ts, NULL);
	}
	fprintf(stderr, "snapfloor: %d namespaces, %d samples\n", nns, count);
	return 0;
}
