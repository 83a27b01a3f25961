/* tracercost.c: the sender side of bench/tracer.sh. Sends 64-byte UDP datagrams as fast as
 * it can (sendmmsg, batches of 32, like udploop send) in short slices, alternately without
 * and with the drop-reason tracer attached (pairs in ABBA order: off,on then on,off ...),
 * and prints per slice the packets sent, the wall time and the process's own CPU time.
 * Toggling the attachment in-process keeps the two halves of a pair a few milliseconds
 * apart, so whatever else the shared machine does hits both about alike.
 *
 * The tracer is bpf/dropreason.bpf.c from dptune's build, loaded as
 * src/trace/dropreason.c loads it (tp_btf, else the tracepoint; the skipped reasons from the
 * kernel's BTF): keep the two in step. After the pairs it measures the program's own run
 * time per event with BPF run-time stats (BPF_ENABLE_STATS: on while this process holds
 * the fd, nothing to restore), then checks that the map counted every packet sent while
 * attached (NO_SOCKET drops in namespace NETNS_INODE, the receiver's, where all are
 * dropped; drops there for any reason are printed beside it).
 *
 *   tracercost HOST PORT PAIRS SLICE_MS NETNS_INODE STATS_SLICES
 * prints
 *   slice K off|on PACKETS WALL_S CPU_NS
 *   attach tp_btf|tracepoint
 *   stats EVENTS RUN_TIME_NS           (the STATS_SLICES slices with run-time stats on)
 *   exact COUNTED SENT_WHILE_ATTACHED RECURSION_MISSES ALL_REASONS */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#if HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include "../bpf/dropreason.h"
#include "dropreason.skel.h"

#define B 32
#define SIZE 64

static double clk(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int quiet(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	return l == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* The value of enum skb_drop_reason member NAME in the running kernel, or DEF. */
static __u32 reason_value(const struct btf *btf, const char *name, __u32 def)
{
	int id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	const struct btf_type *t;
	const struct btf_enum *e;

	if (id < 0)
		return def;
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++, e++)
		if (!strcmp(btf__name_by_offset(btf, e->name_off), name))
			return (__u32)e->val;
	return def;
}

static struct mmsghdr m[B];
static struct iovec iov[B];
static char buf[B][SIZE];

/* Send for SECS seconds; returns the packets sent, *wall and *cpu the time it took. */
static unsigned long long slice(int fd, double secs, double *wall, double *cpu)
{
	unsigned long long sent = 0;
	double t0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_PROCESS_CPUTIME_ID), end = t0 + secs;

	while (clk(CLOCK_MONOTONIC) < end) {
		int n;

		for (int i = 0; i < B; i++)
			memcpy(buf[i], &sent, sizeof(sent));
		n = sendmmsg(fd, m, B, 0);
		if (n > 0)
			sent += n;
	}
	*wall = clk(CLOCK_MONOTONIC) - t0;
	*cpu = clk(CLOCK_PROCESS_CPUTIME_ID) - c0;
	/* let the tail of the receive path (a softirq left to ksoftirqd) finish in this
	 * slice's state before the attachment changes */
	usleep(20000);
	return sent;
}

/* Drops counted with reason WANT (any: ANY_REASON) in namespace NETNS: the hash's values
 * plus the per-CPU front's slots (bpf/dropreason.h). */
#define ANY_REASON 0xffffffff
static int want_key(const struct dr_key *k, __u32 want, __u32 netns)
{
	return (want == ANY_REASON || k->reason == want) && k->netns == netns;
}

static unsigned long long counted(struct dropreason_bpf *skel, __u32 want, __u32 netns)
{
	int fd = bpf_map__fd(skel->maps.drops), ncpu = libbpf_num_possible_cpus();
	struct dr_key k, nk;
	struct dr_front *f;
	unsigned long long sum = 0;
	__u64 v;
	__u32 z = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &nk)) {
		k = nk;
		prev = &k;
		if (want_key(&k, want, netns) && !bpf_map_lookup_elem(fd, &k, &v))
			sum += v;
	}
	f = calloc(ncpu > 0 ? ncpu : 1, sizeof(*f));
	if (f && !bpf_map_lookup_elem(bpf_map__fd(skel->maps.front), &z, f))
		for (int c = 0; c < ncpu; c++)
			for (int i = 0; i < DR_FRONT_SLOTS; i++) {
				struct dr_slot *s = &f[c].s[i];

				if (s->n && (s->k.ns_src & DR_SLOT_USED) && want_key(&s->k, want, netns))
					sum += s->n;
			}
	free(f);
	return sum;
}

static int prog_info(struct bpf_program *p, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(bpf_program__fd(p), info, &len);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct dropreason_bpf *skel = NULL;
	struct bpf_program *prog = NULL;
	struct bpf_link *link;
	struct bpf_prog_info i0, i1;
	struct btf *btf;
	unsigned long long on_sent = 0;
	__u32 skip_a, skip_b, no_socket, netns;
	int fd, pairs, stats, sfd, err = -1;
	double secs, wall, cpu;

	if (argc != 7) {
		fprintf(stderr, "usage: tracercost HOST PORT PAIRS SLICE_MS NETNS_INODE "
			"STATS_SLICES\n");
		return 2;
	}
	a.sin_port = htons(atoi(argv[2]));
	pairs = atoi(argv[3]);
	secs = atof(argv[4]) / 1000;
	netns = (__u32)strtoul(argv[5], NULL, 10);
	stats = atoi(argv[6]);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1 || connect(fd, (void *)&a, sizeof(a)))
		return perror("connect"), 1;
	for (int i = 0; i < B; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = SIZE;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}

	libbpf_set_print(quiet);
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return fprintf(stderr, "tracercost: no kernel BTF\n"), 3;
	skip_a = reason_value(btf, "SKB_NOT_DROPPED_YET", 0);
	skip_b = reason_value(btf, "SKB_CONSUMED", 1);
	no_socket = reason_value(btf, "SKB_DROP_REASON_NO_SOCKET", ANY_REASON);
	btf__free(btf);
	for (int tpbtf = 1; tpbtf >= 0 && err; tpbtf--) {
		dropreason_bpf__destroy(skel);
		skel = dropreason_bpf__open();
		if (!skel)
			return perror("tracercost: open"), 1;
		skel->rodata->skip_a = skip_a;
		skel->rodata->skip_b = skip_b;
		bpf_program__set_autoload(skel->progs.dr_kfree_skb_btf, tpbtf);
		bpf_program__set_autoload(skel->progs.dr_kfree_skb, !tpbtf);
		prog = tpbtf ? skel->progs.dr_kfree_skb_btf : skel->progs.dr_kfree_skb;
		err = dropreason_bpf__load(skel);
		if (!err) {
			link = bpf_program__attach(prog);
			err = link ? 0 : -errno;
			bpf_link__destroy(link);
		}
	}
	if (err)
		return fprintf(stderr, "tracercost: cannot load the tracer: %s\n", strerror(-err)), 1;
	printf("attach %s\n", prog == skel->progs.dr_kfree_skb_btf ? "tp_btf" : "tracepoint");

	slice(fd, secs, &wall, &cpu); /* warm-up */
	for (int k = 0; k < pairs; k++)
		for (int h = 0; h < 2; h++) {
			int on = (k % 2) ^ h; /* ABBA: off,on  on,off  off,on ... */
			unsigned long long n;

			link = on ? bpf_program__attach(prog) : NULL;
			if (on && !link)
				return perror("tracercost: attach"), 1;
			n = slice(fd, secs, &wall, &cpu);
			bpf_link__destroy(link);
			on_sent += on ? n : 0;
			printf("slice %d %s %llu %.6f %.0f\n", k, on ? "on" : "off", n, wall, cpu * 1e9);
		}
	fflush(stdout);

	sfd = stats > 0 ? bpf_enable_stats(BPF_STATS_RUN_TIME) : -1;
	if (sfd >= 0) {
		link = bpf_program__attach(prog);
		if (!link)
			return perror("tracercost: attach"), 1;
		if (prog_info(prog, &i0))
			return perror("tracercost: prog info"), 1;
		for (int k = 0; k < stats; k++)
			on_sent += slice(fd, secs, &wall, &cpu);
		if (prog_info(prog, &i1))
			return perror("tracercost: prog info"), 1;
		bpf_link__destroy(link);
		close(sfd);
		printf("stats %llu %llu\n", (unsigned long long)(i1.run_cnt - i0.run_cnt),
		       (unsigned long long)(i1.run_time_ns - i0.run_time_ns));
	} else if (stats > 0) {
		fprintf(stderr, "tracercost: cannot enable BPF run-time stats: %s\n", strerror(errno));
	}
	if (prog_info(prog, &i0))
		return perror("tracercost: prog info"), 1;
	printf("exact %llu %llu %llu %llu\n", counted(skel, no_socket, netns), on_sent,
	       (unsigned long long)i0.recursion_misses, counted(skel, ANY_REASON, netns));
	dropreason_bpf__destroy(skel);
	return 0;
}

#else /* !HAVE_BPF */

int main(void)
{
	fprintf(stderr, "tracercost: built without BPF (needs clang, bpftool, libbpf-dev)\n");
	return 3;
}
#endif
