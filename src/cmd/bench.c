/* bench.c: `dptune bench HOST`: run one load test against a `dptune serve` (traffic/bench.h)
 * and print per-second intervals, a summary per direction and per-flow figures, as text or
 * JSON. Exit 0 when the test ran as asked, 1 when it did not (or the sender could not keep
 * the rate: then the figures are not a datapath measurement), 2 usage, 3 missing feature,
 * 130 when interrupted (SIGINT: the summary of what ran so far is printed first). */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "cmd.h"
#include "vocab.h"
#include "../core/netns.h"
#include "../core/log.h"
#include "../output/print.h"
#include "../traffic/bench.h"
#include "../traffic/dgram.h"
#include "../traffic/engine.h"

#define EXIT_INTERRUPTED 130 /* as a shell reports a command ended by SIGINT */

static volatile sig_atomic_t bench_stop;

static void on_sigint(int sig)
{
	(void)sig;
	bench_stop = 1;
}

struct ui {
	bool json, tty, rtp, opened;
	double duration;
	uint64_t count;
	const struct bench_opts *o;
	char netns[128];
};

/* The name of the namespace this process is in: "host", its /run/netns name, or
 * "unnamed (net:[INODE])". */
static void self_netns(char *buf, size_t n)
{
	struct netns_found *f;
	int cnt = netns_discover("/proc", "/run", &f);

	snprintf(buf, n, "?");
	if (cnt < 0)
		return;
	for (int i = 0; i < cnt; i++) {
		if (!f[i].self)
			continue;
		if (f[i].source == NS_PROC)
			snprintf(buf, n, "unnamed (net:[%llu])", (unsigned long long)f[i].inode);
		else
			snprintf(buf, n, "%s", f[i].name);
		break;
	}
	netns_found_free(f, cnt);
}

/* The first lines, once connected: where the test leaves from and what it asks. */
static void on_connected(const struct bench_result *r, void *arg)
{
	struct ui *u = arg;
	const struct bench_opts *o = u->o;
	const struct bench_path *p = &r->path;

	print_open_object(NULL);
	u->opened = true;
	print_open_object("path");
	print_str(PRINT_ANY, "netns", "bench: from netns %s", u->netns);
	if (p->known) {
		print_str(PRINT_ANY, "dev", " via %s", p->dev);
		print_str(PRINT_ANY, "src", " src %s", p->src);
		print_str(PRINT_ANY, "dst", " (route to %s", p->dst);
		if (p->gateway[0])
			print_str(PRINT_ANY, "gateway", " via gateway %s)\n", p->gateway);
		else
			print_null(PRINT_ANY, "gateway", ", on the link)\n");
	} else {
		print_null(PRINT_JSONONLY, "dev", NULL);
		print_str(PRINT_ANY, "src", " src %s", p->src);
		print_null(PRINT_JSONONLY, "gateway", NULL);
		print_str(PRINT_ANY, "dst", " to %s", p->dst);
		print_str(PRINT_ANY, "error", " (route not read: %s)\n", p->error);
	}
	print_close_object();
	print_str(PRINT_ANY, "server", "dptune bench to %s", o->host);
	print_u64(PRINT_ANY, "port", " port %llu", o->port);
	print_str(PRINT_ANY, "mode", ", %s", o->mode == CTL_MODE_REV ? "reverse" :
		  o->mode == CTL_MODE_BIDIR ? "bidir" : "forward");
	if (u->rtp)
		print_str(PRINT_ANY, "profile", ", profile %s", "rtp");
	print_u64(PRINT_ANY, "flows", ", %llu flows", o->flows);
	print_u64(PRINT_ANY, "threads", ", %llu threads", o->threads);
	if (o->rate > 0)
		print_double(PRINT_ANY, "rate_requested", ", rate %.0f pps", o->rate);
	else
		print_null(PRINT_ANY, "rate_requested", ", rate max");
	if (o->duration > 0)
		print_double(PRINT_ANY, "duration", ", %.3g s", o->duration);
	if (o->count)
		print_u64(PRINT_ANY, "count", ", %llu datagrams", o->count);
	print_nl();
	print_open_array("intervals");
	fflush(stdout);
}

static void on_interval(const struct bench_interval *iv, void *arg)
{
	struct ui *u = arg;
	double secs = iv->t1 - iv->t0;
	char a[32], b[32];

	if (secs <= 0)
		return;
	print_open_object(NULL);
	print_str(PRINT_JSONONLY, "direction", NULL, iv->reverse ? "reverse" : "forward");
	print_double(PRINT_JSONONLY, "start", NULL, iv->t0);
	print_double(PRINT_JSONONLY, "end", NULL, iv->t1);
	print_text("[%s %5.1f-%5.1f s]", iv->reverse ? "rev" : "fwd", iv->t0, iv->t1);
	if (iv->have_sent) {
		print_u64(PRINT_JSONONLY, "sent", NULL, iv->d_sent);
		print_text(" sent %10llu (%7s pps)", (unsigned long long)iv->d_sent,
			   fmt_rate(a, sizeof(a), (double)iv->d_sent / secs));
	}
	if (iv->have_rx) {
		print_u64(PRINT_JSONONLY, "packets", NULL, iv->d_rx);
		print_u64(PRINT_JSONONLY, "lost_packets", NULL, iv->d_missing);
		print_text("  received %10llu (%7s pps)  lost %llu", (unsigned long long)iv->d_rx,
			   fmt_rate(b, sizeof(b), (double)iv->d_rx / secs),
			   (unsigned long long)iv->d_missing);
	}
	print_nl();
	print_close_object();
	if (u->tty && !u->json) {
		fflush(stdout);
		if (u->duration > 0)
			fprintf(stderr, "\r  %.0f of %.0f s ", iv->t1, u->duration);
		else
			fprintf(stderr, "\r  %llu of %llu datagrams ",
				(unsigned long long)iv->sent, (unsigned long long)u->count);
		fflush(stderr);
	}
}

static void print_dir(const char *key, const struct dir_result *d, bool limited, double rate,
		      bool clock_shared, bool per_flow, bool rtp)
{
	static const char *const lk[5] = { "p50", "p90", "p99", "p999", "max" };
	static const char *const lt[5] = { "p50", "p90", "p99", "p99.9", "max" };
	double pct = d->sent ? 100.0 * (double)d->lost / (double)d->sent : 0;
	char b[32], c[32];
	uint64_t lossy = 0, worst = 0, burst3 = 0;
	double worst_pct = 0;

	print_open_object(key);
	print_text("%s:\n", key);
	print_u64(PRINT_ANY, "sent", "  sent %llu", d->sent);
	print_double(PRINT_ANY, "seconds", " in %.3f s", d->tx_seconds);
	print_double(PRINT_ANY, "sent_pps", " (%.0f pps)", d->sent_pps);
	print_u64(PRINT_ANY, "packets", ", received %llu", d->rx - d->dup);
	print_double(PRINT_ANY, "received_pps", " (%.0f pps)\n", d->received_pps);
	print_u64(PRINT_ANY, "lost_packets", "  lost %llu", d->lost);
	print_double(PRINT_ANY, "lost_percent", " (%.4f %%)", pct);
	print_u64(PRINT_ANY, "max_loss_burst", ", longest loss burst %llu", d->max_burst);
	print_u64(PRINT_ANY, "out_of_order", ", out of order %llu", d->ooo);
	print_u64(PRINT_ANY, "duplicates", ", duplicates %llu", d->dup);
	print_u64(PRINT_ANY, "late", ", late %llu\n", d->late);
	print_double(PRINT_ANY, "jitter_ms", "  jitter %.4f ms", d->jitter_ms);
	print_bool(PRINT_JSONONLY, "latency_valid", NULL, d->latency_valid);
	print_open_object("latency_us");
	if (d->latency_valid && isfinite(d->lat_us[0])) {
		print_text(", one-way latency");
		for (int i = 0; i < 5; i++) {
			print_text(" %s", lt[i]);
			print_double(PRINT_ANY, lk[i], " %.1f", d->lat_us[i]);
		}
		print_text(" us");
	} else {
		for (int i = 0; i < 5; i++)
			print_null(PRINT_JSONONLY, lk[i], NULL);
		print_text(", one-way latency not measured: %s",
			   clock_shared ? "no datagram arrived" : "the two ends do not share a clock");
	}
	print_close_object();
	print_nl();
	print_u64(PRINT_ANY, "rxq_ovfl", "  receive socket drops (SO_RXQ_OVFL) %llu", d->rxq_ovfl);
	print_u64(PRINT_ANY, "garbage_datagrams", ", rejected datagrams %llu\n", d->garbage);
	print_bool(PRINT_JSONONLY, "sender_limited", NULL, limited);
	if (limited)
		print_text("  SENDER-LIMITED: the sender achieved %s of the %s pps asked (%.1f %%); "
			   "this is not a datapath measurement\n", fmt_rate(b, sizeof(b), d->sent_pps),
			   fmt_rate(c, sizeof(c), rate), rate > 0 ? 100 * d->sent_pps / rate : 0);
	for (uint32_t i = 0; i < d->nflows; i++) {
		const struct flow_result *f = &d->flows[i];

		if (f->lost)
			lossy++;
		if (f->sent && 100.0 * (double)f->lost / (double)f->sent > worst_pct) {
			worst_pct = 100.0 * (double)f->lost / (double)f->sent;
			worst = i;
		}
		if (f->max_burst >= 3)
			burst3++;
	}
	if (d->nflows > 1 || rtp) {
		print_open_object("streams");
		print_u64(PRINT_ANY, "count", "  streams %llu", d->nflows);
		print_u64(PRINT_ANY, "with_loss", ", with loss %llu", lossy);
		print_u64(PRINT_ANY, "with_burst_ge3", ", with a loss burst >= 3: %llu", burst3);
		print_u64(PRINT_ANY, "worst", ", worst stream %llu", worst);
		print_double(PRINT_ANY, "worst_lost_percent", " (%.3f %% lost)\n", worst_pct);
		print_close_object();
	}
	print_open_array("flows");
	for (uint32_t i = 0; i < d->nflows; i++) {
		const struct flow_result *f = &d->flows[i];
		enum print_when w = per_flow ? PRINT_ANY : PRINT_JSONONLY;

		print_open_object(NULL);
		print_u64(w, "id", "  flow %4llu:", i);
		print_u64(w, "sent", " sent %llu", f->sent);
		print_u64(w, "packets", " received %llu", f->rx - f->dup);
		print_u64(w, "lost_packets", " lost %llu", f->lost);
		print_u64(w, "out_of_order", " ooo %llu", f->ooo);
		print_u64(w, "duplicates", " dup %llu", f->dup);
		print_u64(w, "max_loss_burst", " burst %llu", f->max_burst);
		print_double(w, "jitter_ms", " jitter %.4f ms", f->jitter_ms);
		print_double(PRINT_JSONONLY, "latency_avg_us", NULL, f->lat_avg_us);
		print_double(PRINT_JSONONLY, "latency_max_us", NULL, f->lat_max_us);
		if (per_flow)
			print_nl();
		print_close_object();
	}
	print_close_array();
	print_close_object();
}

static int set_cpus_default(int *cpus, int max)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (int c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

/* --src/--bind: a comma list of source addresses into bench_opts.src. */
static int src_cb(const struct opt *opt, const char *arg, void *data, char *err, size_t n)
{
	struct bench_opts *o = data;
	char buf[512], *tok, *save;

	if (strlen(arg) >= sizeof(buf)) {
		snprintf(err, n, "list too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	for (int i = 0; i < o->nsrc; i++)
		free((char *)o->src[i]);
	o->nsrc = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->nsrc >= BENCH_MAX_SRC) {
			snprintf(err, n, "at most %d addresses", BENCH_MAX_SRC);
			return -1;
		}
		o->src[o->nsrc++] = xstrdup(tok);
	}
	if (!o->nsrc) {
		snprintf(err, n, "need one address or more, comma-separated");
		return -1;
	}
	return 0;
}

/* A vocabulary entry with the short letter and help bench has always used. */
static struct opt with_short(struct opt e, int shrt, const char *help)
{
	e.shrt = shrt;
	if (help)
		e.help = help;
	return e;
}

static void free_src(struct bench_opts *o)
{
	for (int i = 0; i < o->nsrc; i++)
		free((char *)o->src[i]);
	o->nsrc = 0;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_result r;
	struct dgram_sizes sz;
	struct ui ui = { 0 };
	bool per_flow = false, rtp = false, set_rate = false, set_flows = false, set_size = false;
	bool set_dur = false, set_count = false, v4 = false, v6 = false, rev = false, bidir = false;
	const char *profile = NULL, *why, *sched = "other";
	char host[256];
	uint32_t size, flows, threads, port;
	int first, rc, ex = EXIT_OK;

	bench_opts_init(&o);
	size = o.size;
	flows = o.flows;
	threads = o.threads;
	port = o.port;
	const struct opt opts[] = {
		VOCAB_RATE(&o.rate, &set_rate, "10k"),
		VOCAB_SIZE(&size, &set_size, "64"),
		VOCAB_FLOWS(&flows, &set_flows, "1"),
		VOCAB_THREADS(&threads, NULL, "1"),
		VOCAB_DURATION(&o.duration, &set_dur, "10 unless --count", "test length"),
		with_short((struct opt)VOCAB_COUNT(&o.count, &set_count, NULL), 'n',
			   "datagrams to send per direction (then no duration unless given), %R"),
		VOCAB_PORT(&port, NULL, "5301", 1, "the server's control port"),
		{ .name = "src", .type = OPT_CALLBACK, .cb = src_cb, .data = &o,
		  .arg = "ADDR[,ADDR..]", .help = "source addresses to spread flows over" },
		{ .name = "bind", .type = OPT_CALLBACK, .cb = src_cb, .data = &o,
		  .arg = "ADDR[,ADDR..]", .help = "alias of --src" },
		{ .name = "ipv4", .shrt = '4', .type = OPT_FLAG, .dst = &v4,
		  .help = "resolve HOST as IPv4 only" },
		{ .name = "ipv6", .shrt = '6', .type = OPT_FLAG, .dst = &v6,
		  .help = "resolve HOST as IPv6 only" },
		{ .name = "reverse", .shrt = 'R', .type = OPT_FLAG, .dst = &rev,
		  .help = "the server sends, this end receives" },
		{ .name = "bidir", .type = OPT_FLAG, .dst = &bidir, .help = "both directions at once" },
		VOCAB_CPUS(o.cpus, &o.ncpus, BENCH_MAX_CPUS),
		VOCAB_SCHED(&sched),
		{ .name = "raw", .type = OPT_FLAG, .dst = &o.raw,
		  .help = "send on AF_PACKET past this host's UDP/IP stack (as trafgen); root" },
		{ .name = "profile", .type = OPT_CHOICE, .dst = &profile, .choices = "rtp",
		  .arg = "NAME", .help = "rtp: media load, 2000 streams x 50 pps of 200-byte payloads" },
		{ .name = "per-flow", .type = OPT_FLAG, .dst = &per_flow,
		  .help = "print every flow's figures (JSON always has them)" },
		VOCAB_JSON(&ui.json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "bench", .synopsis = "[OPTIONS] HOST", .opts = opts,
		.min_args = 1, .max_args = 1,
		.about = "Send numbered UDP datagrams to a `dptune serve` on HOST (a name, an IPv4 "
			 "address, or an\nIPv6 address, bare or in brackets: [fd00::2]) and report, "
			 "per flow and in total: loss,\nout of order, duplicates, longest loss burst, "
			 "jitter (RFC 3550) and one-way latency\n(meaningful when both ends share a "
			 "clock: namespaces on one host).",
	};

	rc = opt_parse(&spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE) {
		free_src(&o);
		return rc;
	}
	if (v4 && v6) {
		free_src(&o);
		return usage_error("-4 and -6 together: give one");
	}
	if (rev && bidir) {
		free_src(&o);
		return usage_error("--reverse and --bidir together: give one");
	}
	if (bench_host_parse(argv[first], host, sizeof(host), &why)) {
		free_src(&o);
		return usage_error("invalid HOST '%s': %s", argv[first], why);
	}
	o.host = argv[first];
	o.size = size;
	o.flows = flows;
	o.threads = threads;
	o.port = (uint16_t)port;
	o.family = v4 ? AF_INET : v6 ? AF_INET6 : 0;
	o.sched_fifo = !strcmp(sched, "fifo");
	o.mode = bidir ? CTL_MODE_BIDIR : rev ? CTL_MODE_REV : CTL_MODE_FWD;
	rtp = profile != NULL;
	if (rtp) {
		if (!set_flows)
			o.flows = 2000;
		if (!set_size)
			o.size = 200;
		if (!set_rate)
			o.rate = 50.0 * o.flows;
	}
	if (set_count && !set_dur)
		o.duration = 0;
	if (!o.ncpus)
		o.ncpus = set_cpus_default(o.cpus, BENCH_MAX_CPUS);
	ui.duration = o.duration;
	ui.count = o.count;
	ui.tty = isatty(STDERR_FILENO);
	o.on_interval = on_interval;
	o.arg = &ui;
	signal(SIGPIPE, SIG_IGN);
	{
		/* The first Ctrl-C ends the test with its figures so far; a second kills. */
		struct sigaction sa = { .sa_handler = on_sigint, .sa_flags = SA_RESETHAND };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		o.cancel = &bench_stop;
	}
	print_init(ui.json ? PRINT_JSON : PRINT_TEXT, stdout);

	ui.o = &o;
	ui.rtp = rtp;
	self_netns(ui.netns, sizeof(ui.netns));
	o.on_connected = on_connected;
	rc = bench_run(&o, &r);
	if (!rc && !ui.opened) /* cannot happen: bench_run calls on_connected first */
		rc = -EPROTO;
	if (ui.opened)
		print_close_array();
	if (ui.tty && !ui.json)
		fprintf(stderr, "\r%40s\r", "");
	if (rc) {
		ex = cmd_fail(rc == -EINTR ? EXIT_INTERRUPTED : rc == -EAFNOSUPPORT ?
			      EXIT_NOFEATURE : EXIT_FAIL, "%s", r.error);
		goto out;
	}
	print_bool(PRINT_JSONONLY, "interrupted", NULL, r.interrupted);
	if (r.interrupted)
		print_text("interrupted after %.1f s: the figures cover the datagrams sent so far\n",
			   r.fwd_tx_seconds > 0 ? r.fwd_tx_seconds : r.rev_tx_seconds);
	dgram_sizes(o.size, r.ipv6, &sz);
	print_open_object("size");
	print_u64(PRINT_ANY, "payload", "%llu B payload", sz.payload);
	print_u64(PRINT_ANY, "ip", " = %llu B IP", sz.ip);
	print_u64(PRINT_ANY, "frame", " = %llu B frame", sz.frame);
	print_u64(PRINT_ANY, "wire", " = %llu B on the wire\n", sz.wire);
	print_close_object();
	print_u64(PRINT_JSONONLY, "test_id", NULL, r.test_id);
	print_bool(PRINT_JSONONLY, "ipv6", NULL, r.ipv6);
	print_bool(PRINT_ANY, "clock_shared", "clocks shared: %s", r.clock_shared);
	print_text(r.clock_shared ? " (same kernel: one-way latency is valid)\n" :
		   " (different hosts: one-way latency not reported, jitter is)\n");
	if (r.raw) {
		print_open_object("raw");
		print_str(PRINT_ANY, "device", "sent raw (AF_PACKET) on %s", r.raw_dev);
		print_str(PRINT_ANY, "nexthop", " to %s", r.raw_nexthop);
		print_str(PRINT_ANY, "lladdr", " (%s), past this host's UDP/IP stack", r.raw_lladdr);
		print_str(PRINT_ANY, "checksum", "; UDP checksum %s\n",
			  r.raw_csum_partial ? "partial" : "full");
		print_close_object();
	}
	print_u64(PRINT_ANY, "tx_errors", "send errors (retried) %llu\n", r.tx_errors);
	if (r.fwd.valid)
		print_dir("forward", &r.fwd, r.fwd_sender_limited, o.rate, r.clock_shared,
			  per_flow, rtp);
	if (r.rev.valid)
		print_dir("reverse", &r.rev, r.rev_sender_limited, o.rate, r.clock_shared,
			  per_flow, rtp);
	print_bool(PRINT_JSONONLY, "sender_limited", NULL,
		   r.fwd_sender_limited || r.rev_sender_limited);
	if (r.fwd.valid && o.rate > 0) {
		print_u64(PRINT_JSONONLY, "sender_late_wakeups", NULL, r.fwd_tx_late);
		if (r.fwd_sender_limited && r.fwd_tx_late)
			print_text("  the sender woke %llu times 0.5 ms or more after a batch was "
				   "due: its CPU was busy with other tasks%s\n",
				   (unsigned long long)r.fwd_tx_late,
				   o.sched_fifo ? "" : " (--sched fifo keeps the rate, as root)");
	}
	if (r.interrupted)
		ex = EXIT_INTERRUPTED;
	print_close_object();
	if (!r.interrupted && (r.fwd_sender_limited || r.rev_sender_limited)) {
		/* the result stands whole ("sender_limited": true); the exit says it is not a
		 * datapath measurement (dptune(1): a result that is itself the failure) */
		err_msg("the sender could not keep the rate asked: the result is not a datapath "
			"measurement (lower --rate, add --threads, or use --rate max)");
		ex = EXIT_FAIL;
	}
out:
	fflush(stdout);
	bench_result_release(&r);
	free_src(&o);
	return ex;
}
