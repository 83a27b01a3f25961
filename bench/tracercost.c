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
 *   tracercost HOST PORT PAIRS SLICE_MS NETNS_INODE STATS_SLICES [empty]
 * ("empty": the pairs are without and with a BPF program that returns at once, the floor
 * any program on this tracepoint costs) prints
 *   attach tp_btf|tracepoint|empty
 *   slice K off|on PACKETS WALL_S CPU_NS
 *   stats EVENTS RUN_TIME_NS EMPTY_EVENTS EMPTY_RUN_TIME_NS
 *       (STATS_SLICES slices each of the tracer and of the empty program, alternating,
 *       with run-time stats on; every kfree_skb event on the machine counts, not only
 *       this sender's)
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

/* What runs on the tracepoint in an "on" slice: the tracer, or a program that returns at
 * once (raw tracepoint), which tells the kernel's cost of calling any program there apart
 * from the tracer's own work; and the clock reads BPF run-time stats add to each event. */
struct probe {
	struct bpf_program *prog; /* the tracer, or NULL: the empty program */
	int fd;                   /* the empty program */
	struct bpf_link *link;
	int rawfd;
};

static int empty_load(struct probe *p)
{
	struct bpf_insn insn[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	p->prog = NULL;
	p->fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "dr_empty", "GPL", insn, 2, NULL);
	return p->fd < 0 ? -1 : 0;
}

static int probe_on(struct probe *p)
{
	if (p->prog) {
		p->link = bpf_program__attach(p->prog);
		return p->link ? 0 : -1;
	}
	p->rawfd = bpf_raw_tracepoint_open("kfree_skb", p->fd);
	return p->rawfd < 0 ? -1 : 0;
}

static void probe_off(struct probe *p)
{
	if (p->prog) {
		bpf_link__destroy(p->link);
		p->link = NULL;
	} else {
		close(p->rawfd);
	}
}

static int probe_info(const struct probe *p, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(p->prog ? bpf_program__fd(p->prog) : p->fd, info, &len);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct dropreason_bpf *skel = NULL;
	struct probe tracer = { 0 }, empty = { 0 }, *pp;
	struct bpf_prog_info i0, i1;
	struct btf *btf;
	unsigned long long on_sent = 0, ev[2] = { 0 }, ns[2] = { 0 };
	__u32 skip_a, skip_b, no_socket, netns;
	int fd, pairs, stats, sfd, err = -1;
	double secs, wall, cpu;

	if (argc != 7 && !(argc == 8 && !strcmp(argv[7], "empty"))) {
		fprintf(stderr, "usage: tracercost HOST PORT PAIRS SLICE_MS NETNS_INODE "
			"STATS_SLICES [empty]\n");
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
		tracer.prog = tpbtf ? skel->progs.dr_kfree_skb_btf : skel->progs.dr_kfree_skb;
		err = dropreason_bpf__load(skel);
		if (!err) {
			err = probe_on(&tracer) ? -errno : 0;
			if (!err)
				probe_off(&tracer);
		}
	}
	if (err)
		return fprintf(stderr, "tracercost: cannot load the tracer: %s\n", strerror(-err)), 1;
	if (empty_load(&empty))
		return perror("tracercost: load the empty program"), 1;
	pp = argc == 8 ? &empty : &tracer;
	printf("attach %s\n", pp == &empty ? "empty" :
	       tracer.prog == skel->progs.dr_kfree_skb_btf ? "tp_btf" : "tracepoint");

	slice(fd, secs, &wall, &cpu); /* warm-up */
	for (int k = 0; k < pairs; k++)
		for (int h = 0; h < 2; h++) {
			int on = (k % 2) ^ h; /* ABBA: off,on  on,off  off,on ... */
			unsigned long long n;

			if (on && probe_on(pp))
				return perror("tracercost: attach"), 1;
			n = slice(fd, secs, &wall, &cpu);
			if (on)
				probe_off(pp);
			on_sent += on && pp == &tracer ? n : 0;
			printf("slice %d %s %llu %.6f %.0f\n", k, on ? "on" : "off", n, wall, cpu * 1e9);
		}
	fflush(stdout);

	/* run-time stats: the tracer's and the empty program's slices alternate */
	sfd = stats > 0 ? bpf_enable_stats(BPF_STATS_RUN_TIME) : -1;
	if (stats > 0 && sfd < 0)
		fprintf(stderr, "tracercost: cannot enable BPF run-time stats: %s\n", strerror(errno));
	for (int k = 0; sfd >= 0 && k < 2 * stats; k++) {
		struct probe *p = k % 2 ? &empty : &tracer;
		unsigned long long n;

		if (probe_on(p) || probe_info(p, &i0))
			return perror("tracercost: attach"), 1;
		n = slice(fd, secs, &wall, &cpu);
		if (probe_info(p, &i1))
			return perror("tracercost: prog info"), 1;
		probe_off(p);
		on_sent += p == &tracer ? n : 0;
		ev[k % 2] += i1.run_cnt - i0.run_cnt;
		ns[k % 2] += i1.run_time_ns - i0.run_time_ns;
	}
	if (sfd >= 0) {
		close(sfd);
		printf("stats %llu %llu %llu %llu\n", ev[0], ns[0], ev[1], ns[1]);
	}
	if (probe_info(&tracer, &i0))
		return perror("tracercost: prog info"), 1;
	printf("exact %llu %llu %llu %llu\n", counted(skel, no_socket, netns), on_sent,
	       (unsigned long long)i0.recursion_misses, counted(skel, ANY_REASON, netns));
	close(empty.fd);
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
