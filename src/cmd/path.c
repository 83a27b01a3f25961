/* path.c: `dptune path`: the hops one flow takes from a namespace, process, device or
 * address to a destination, as the kernel decides them (path/path.h), printed like a
 * traceroute of the kernel; with -i, the packet and drop rates of each hop's device while
 * traffic runs. This file parses, calls path_walk, prints. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "cmd.h"
#include "vocab.h"
#include "../core/log.h"
#include "../core/util.h"
#include "../output/print.h"
#include "../path/path.h"

static volatile sig_atomic_t stop_req;
static void on_signal(int sig)
{
	(void)sig;
	stop_req = 1;
}

static void print_flow(const char *key, const struct path_flow *f)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (f->family == AF_INET6) {
		inet_ntop(AF_INET6, &f->src6, a, sizeof(a));
		inet_ntop(AF_INET6, &f->dst6, b, sizeof(b));
	} else {
		inet_ntop(AF_INET, &f->src, a, sizeof(a));
		inet_ntop(AF_INET, &f->dst, b, sizeof(b));
	}
	print_open_object(key);
	print_str(PRINT_ANY, "proto", "%s ", f->proto == 17 ? "udp" : f->proto == 6 ? "tcp" :
		  f->proto == 1 ? "icmp" : "ip");
	print_str(PRINT_ANY, "src", f->family == AF_INET6 ? "[%s]" : "%s", a);
	print_u64(PRINT_ANY, "sport", ":%llu", f->sport);
	print_str(PRINT_ANY, "dst", f->family == AF_INET6 ? " -> [%s]" : " -> %s", b);
	print_u64(PRINT_ANY, "dport", ":%llu", f->dport);
	print_u64(PRINT_ANY, "size", ", %llu bytes (IP)", f->size);
	print_close_object();
}

static void print_hop(int i, const struct path_hop *h)
{
	char where[128];

	snprintf(where, sizeof(where), "%s/%s", h->ns, h->dev);
	print_open_object(NULL);
	print_u64(PRINT_JSONONLY, "hop", NULL, (uint64_t)i + 1);
	print_text("%3d  %-34s", i + 1, where);
	print_str(PRINT_JSONONLY, "netns", NULL, h->ns);
	print_str(PRINT_JSONONLY, "dev", NULL, h->dev);
	print_str(PRINT_ANY, "kind", " %-10s", h->kind);
	print_str(PRINT_ANY, "dir", " %-4s", h->dir);
	print_u64(PRINT_JSONONLY, "mtu", NULL, h->mtu);
	print_u64(PRINT_JSONONLY, "size", NULL, h->size);
	print_u64(PRINT_JSONONLY, "encap", NULL, (uint64_t)h->encap);
	print_str(PRINT_ANY, "decided", " %s\n", h->decided[0] ? h->decided : "-");
	if (h->nat[0] || print_is_json())
		print_str(PRINT_ANY, "nat", "       nat:  %s\n", h->nat);
	if (h->note[0] || print_is_json())
		print_str(PRINT_ANY, "note", "       note: %s\n", h->note);
	if (h->mtu && !print_is_json())
		print_text("       mtu %u, packet %u bytes%s\n", h->mtu, h->size,
			   h->encap ? " (outer, vxlan)" : "");
	if (h->rxq[0] || h->cpu[0] || print_is_json()) {
		print_str(PRINT_ANY, "rx_queue", "       rx queue %s", h->rxq);
		print_str(PRINT_ANY, "cpu", ", cpu %s\n", h->cpu);
	}
	print_str(PRINT_JSONONLY, "stop", NULL, path_stop_name(h->stop));
	if (h->stop) {
		print_str(PRINT_ANY, "why", "       stop: %s\n", h->why);
		if (h->fix[0] || print_is_json())
			print_str(PRINT_ANY, "fix", "       fix:  %s\n", h->fix);
	}
	print_close_object();
}

static void print_path(const struct path_result *r)
{
	print_flow("flow", &r->flow);
	print_text("\n");
	if (r->flow.family == AF_INET &&
	    (memcmp(&r->final.dst, &r->flow.dst, sizeof(r->flow.dst)) ||
	     memcmp(&r->final.src, &r->flow.src, sizeof(r->flow.src)))) {
		print_text("after NAT: ");
		print_flow("final", &r->final);
		print_text("\n");
	}
	print_open_array("hops");
	for (int i = 0; i < r->n; i++)
		print_hop(i, &r->hop[i]);
	print_close_array();
	print_str(PRINT_ANY, "result", "result: %s", path_stop_name(r->stop));
	print_bool(PRINT_JSONONLY, "delivered", NULL, r->stop == PSTOP_DELIVERED);
	print_text("\n");
}

/* --sport-range/--src-range: where the flows were placed, then their spread. */
static void print_spread(const struct path_spread *s)
{
	print_open_object("spread_at");
	if (s->hop >= 0)
		print_u64(PRINT_ANY, "hop", "\nspread at hop %llu", (uint64_t)s->hop + 1);
	else
		print_null(PRINT_ANY, "hop", "\nspread: no hop");
	if (s->hop >= 0) {
		print_str(PRINT_ANY, "netns", " (%s", s->ns);
		print_str(PRINT_ANY, "dev", "/%s)", s->dev);
	}
	print_bool(PRINT_JSONONLY, "rss", NULL, s->rss);
	if (s->err[0]) {
		print_str(PRINT_ANY, "error", ": %s\n", s->err);
		print_close_object();
		return;
	}
	if (s->rss)
		print_text(": RSS over %u rx queue(s)\n", s->n_rx_queues);
	else
		print_str(PRINT_ANY, "rss_reason", ": %s\n", s->rss_reason);
	print_u64(PRINT_JSONONLY, "rx_queues", NULL, s->n_rx_queues);
	print_close_object();
	for (int i = 0; i < s->sp.notes.n; i++)
		print_text("  note: %s\n", s->sp.notes.text[i]);
	rss_spread_print(&s->sp, s->flows, s->n_rx_queues);
}

static double rate(uint64_t a, uint64_t b, double dt)
{
	return b >= a && dt > 0 ? (double)(b - a) / dt : 0;
}

/* -i: rates of every hop's device each interval. */
static int watch(const struct path_result *r, double interval, uint64_t count)
{
	struct path_counters prev[PATH_HOPS_MAX], cur[PATH_HOPS_MAX];
	double t0 = now_mono();

	if (path_read_counters(r, prev))
		return cmd_fail(EXIT_FAIL, "cannot read the counters of the hops");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (uint64_t s = 0; s < count && !stop_req; s++) {
		struct timespec ts = { (time_t)interval,
				       (long)((interval - (double)(time_t)interval) * 1e9) };
		double t1, dt;

		while (nanosleep(&ts, &ts) && !stop_req)
			;
		if (stop_req)
			break;
		if (path_read_counters(r, cur))
			return cmd_fail(EXIT_FAIL, "cannot read the counters of the hops");
		t1 = now_mono();
		dt = t1 - t0;
		print_open_object(NULL);
		print_double(PRINT_ANY, "interval", "-- %.2f s:", dt);
		print_text("  %-38s %10s %10s %10s %10s\n", "hop", "rx pps", "tx pps", "rxdrop/s",
			   "txdrop/s");
		print_open_array("hops");
		for (int i = 0; i < r->n; i++) {
			const struct path_hop *h = &r->hop[i];
			char where[128];

			if (!cur[i].ok || !prev[i].ok ||
			    (i && path_hop_same_dev(h, &r->hop[i - 1])))
				continue;
			snprintf(where, sizeof(where), "%d %s/%s", i + 1, h->ns, h->dev);
			print_open_object(NULL);
			print_u64(PRINT_JSONONLY, "hop", NULL, (uint64_t)i + 1);
			print_str(PRINT_JSONONLY, "netns", NULL, h->ns);
			print_str(PRINT_JSONONLY, "dev", NULL, h->dev);
			print_text("  %-38s", where);
			print_double(PRINT_ANY, "rx_pps", " %10.0f",
				     rate(prev[i].rx_packets, cur[i].rx_packets, dt));
			print_double(PRINT_ANY, "tx_pps", " %10.0f",
				     rate(prev[i].tx_packets, cur[i].tx_packets, dt));
			print_double(PRINT_ANY, "rx_drop_pps", " %10.0f",
				     rate(prev[i].rx_dropped, cur[i].rx_dropped, dt));
			print_double(PRINT_ANY, "tx_drop_pps", " %10.0f\n",
				     rate(prev[i].tx_dropped, cur[i].tx_dropped, dt));
			print_close_object();
		}
		print_close_array();
		print_close_object();
		print_flush();
		memcpy(prev, cur, sizeof(prev));
		t0 = t1;
	}
	return EXIT_OK;
}

int cmd_path(int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *proto = "udp", *sport_range = NULL,
		   *src_range = NULL;
	bool sport_set = false;
	struct rss_addr_range srcs;
	static struct path_spread spread;
	uint32_t sport = 0, dport = 0, size = 64, mark = 0;
	double interval = 1;
	uint64_t count = 1;
	bool json = false, interval_set = false, count_set = false;
	const struct opt opts[] = {
		{ .name = "from", .shrt = 'F', .type = OPT_STR, .dst = &from,
		  .arg = "NS|pid:PID|DEV|ADDR",
		  .help = "where the packet starts: a namespace, a process's namespace, a device "
			  "or a local address" },
		{ .name = "to", .shrt = 't', .type = OPT_STR, .dst = &to, .arg = "ADDR",
		  .help = "the destination address (IPv4, or IPv6: route, neighbour, devices; no "
			  "NAT, policy rules or spread)" },
		{ .name = "proto", .type = OPT_CHOICE, .dst = &proto, .choices = "udp|tcp|icmp",
		  .arg = "PROTO", .def = "udp", .help = "the flow's protocol: udp, tcp or icmp" },
		{ .name = "sport", .type = OPT_U32, .dst = &sport, .set = &sport_set, .min = 0,
		  .max = 65535, .arg = "PORT", .def = "0", .help = "source port (%R; 0: any)" },
		{ .name = "sport-range", .type = OPT_STR, .dst = &sport_range, .arg = "A-B",
		  .help = "the spread of the flows from source ports A to B over the rx queues "
			  "and CPUs of the NIC hop (else the last receiving device); the walk "
			  "follows port A" },
		{ .name = "src-range", .type = OPT_STR, .dst = &src_range, .arg = "A-B",
		  .help = "the spread of flows from source addresses A to B at that hop (with "
			  "--sport-range: every address with every port; 65536 flows at most)" },
		{ .name = "dport", .type = OPT_U32, .dst = &dport, .min = 0, .max = 65535,
		  .arg = "PORT", .def = "0", .help = "destination port (%R; 0: any)" },
		{ .name = "size", .shrt = 's', .type = OPT_U32, .dst = &size, .min = 0,
		  .max = 65507, .arg = "BYTES", .def = "64", .unit = "bytes",
		  .help = "UDP payload, %R; the IP packet adds 28 bytes, vxlan 50 more" },
		{ .name = "mark", .type = OPT_U32, .dst = &mark, .min = 0, .max = 4294967295.0,
		  .arg = "MARK", .def = "0", .help = "the packet's fwmark where it starts (%R), "
		  "for policy rules that select by fwmark; the kernel clears it when the packet "
		  "leaves the namespace" },
		VOCAB_INTERVAL(&interval, &interval_set, "1"),
		VOCAB_COUNT(&count, &count_set, "1"),
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "path", .synopsis = "--from NS|pid:PID|DEV|ADDR --to ADDR [OPTIONS]",
		.about = "Follow one packet of a flow hop by hop as the kernel decides it: the\n"
			 "route lookup (table and policy rule) in each namespace, the neighbour,\n"
			 "the egress device, a veth into its peer's namespace, a bridge's FDB entry\n"
			 "and port, an Open vSwitch bridge and port, a vxlan remote and the underlay\n"
			 "route, a macvlan's parent, NAT rules (nftables), down to a NIC or to local\n"
			 "delivery. Each hop says what decided it and why a packet would stop there.\n"
			 "With -i, print each hop's packet and drop rates every SEC seconds.\n",
		.opts = opts, .min_args = 0, .max_args = 0,
		.footer = "\nExit status: 0 the packet is delivered or leaves by a NIC; 1 it stops\n"
			  "at a hop (the path is printed, the reason on stderr) or an error; 2 usage\n"
			  "error.\n",
	};
	struct path_opts po = { 0 };
	static struct path_result r;
	int first;
	char err[512];
	int rc;

	rc = opt_parse(&spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	if (!from)
		return opt_usage_error(&spec, "--from is required");
	if (!to)
		return opt_usage_error(&spec, "--to is required");
	if (count_set && !interval_set)
		return opt_usage_error(&spec, "-c needs -i");
	if (sport_range && sport_set)
		return opt_usage_error(&spec, "--sport and --sport-range exclude each other");
	if (sport_range || src_range) {
		uint32_t lo = 0, hi = 0;
		uint64_t n = 1;

		if (sport_range && rss_parse_port_range(sport_range, &lo, &hi))
			return opt_usage_error(&spec, "--sport-range '%s' is not a port range A-B "
					       "(0..65535, A <= B)", sport_range);
		if (sport_range) {
			n = hi - lo + 1;
			sport = lo;
			po.sports = true;
			po.sport_lo = lo;
			po.sport_hi = hi;
		}
		if (src_range) {
			int r2 = rss_parse_addr_range(src_range, &srcs, true, PATH_SPREAD_MAX);

			if (!r2 && srcs.family != AF_INET)
				r2 = -EINVAL;
			if (r2 == -ERANGE)
				return opt_usage_error(&spec, "--src-range '%s': more than %u "
						       "addresses", src_range, PATH_SPREAD_MAX);
			if (r2)
				return opt_usage_error(&spec, "--src-range '%s' is not an IPv4 "
						       "address range A-B with A <= B", src_range);
			n *= srcs.count;
			po.srcs = &srcs;
		}
		if (n > PATH_SPREAD_MAX)
			return opt_usage_error(&spec, "%llu flows: at most %u (narrow --src-range "
					       "or --sport-range)", (unsigned long long)n,
					       PATH_SPREAD_MAX);
		po.spread = &spread;
	}
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	po.from = from;
	po.to = to;
	po.proto = !strcmp(proto, "tcp") ? 6 : !strcmp(proto, "icmp") ? 1 : 17;
	po.sport = (uint16_t)sport;
	po.dport = (uint16_t)dport;
	po.payload = size;
	po.mark = mark;
	rc = path_walk(&po, &r, err, sizeof(err));
	if (rc)
		return cmd_fail(EXIT_FAIL, "%s", err[0] ? err : strerror(-rc));
	print_open_object(NULL);
	print_path(&r);
	if (po.spread)
		print_spread(po.spread);
	print_close_object();
	print_flush();
	if (path_stop_is_drop(r.stop)) {
		const struct path_hop *h = &r.hop[r.n - 1];

		fflush(stdout);
		fprintf(stderr, "dptune path: packets stop at hop %d (%s in %s): %s\n", r.n, h->dev,
			h->ns, h->why);
		if (!interval_set)
			return EXIT_FAIL;
	}
	if (interval_set)
		return watch(&r, interval, count);
	return EXIT_OK;
}
