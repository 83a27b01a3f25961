/* serve.c: `dptune serve`: run the load engine's receiver (traffic/serve.h) until SIGINT or
 * SIGTERM, print one line per test and the counters of what was rejected. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "../core/log.h"
#include "../output/print.h"
#include "../traffic/ctl.h"
#include "../traffic/engine.h"
#include "../traffic/serve.h"

static void serve_usage(FILE *fp)
{
	fprintf(fp,
"usage: dptune serve [OPTIONS]\n"
"Receive `dptune bench` tests: a TCP control port and UDP data ports (from PORT+1 up).\n"
"  -B, --bind ADDR          listen on this address only (default: all, IPv4 and IPv6)\n"
"  -p, --port PORT          control port (default 5301)\n"
"      --max-duration SEC   longest test a client may ask for (default 60; 0 = no limit)\n"
"      --max-rate PPS       highest rate a client may ask for (default: no limit)\n"
"      --max-flows N        most flows per test (default 4096)\n"
"      --max-clients N      concurrent control connections (default 16)\n"
"  -T, --threads N          receiver threads per test (default 1)\n"
"      --cpus LIST          pin receiver/sender threads to these CPUs (e.g. 1,3-4)\n"
"      --rcvbuf BYTES       ask this receive buffer (SO_RCVBUF, as an application does)\n"
"                           instead of forcing 16 MiB: to study socket-layer drops\n"
"  -j, --json               one JSON object per test and one at exit\n"
"  -h, --help               this help\n");
}

static const struct option serve_longopts[] = {
	{ "bind", required_argument, NULL, 'B' },
	{ "port", required_argument, NULL, 'p' },
	{ "max-duration", required_argument, NULL, 'D' },
	{ "max-rate", required_argument, NULL, 'R' },
	{ "max-flows", required_argument, NULL, 'F' },
	{ "max-clients", required_argument, NULL, 'C' },
	{ "threads", required_argument, NULL, 'T' },
	{ "cpus", required_argument, NULL, 'U' },
	{ "rcvbuf", required_argument, NULL, 'b' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *mode_name(int mode)
{
	return mode == CTL_MODE_REV ? "reverse" : mode == CTL_MODE_BIDIR ? "bidir" : "forward";
}

static void on_test(const char *peer, uint32_t id, int mode, const struct dir_result *d,
		    const char *error, void *arg)
{
	print_open_object(NULL);
	print_str(PRINT_JSONONLY, "event", NULL, "test");
	print_str(PRINT_ANY, "peer", "test from %s", peer);
	print_u64(PRINT_ANY, "test_id", " id %08llx", id);
	print_str(PRINT_ANY, "mode", " %s", mode_name(mode));
	if (error) {
		print_str(PRINT_ANY, "error", ": failed: %s", error);
	} else if (d) {
		double pct = d->sent ? 100.0 * (double)d->lost / (double)d->sent : 0;

		print_u64(PRINT_ANY, "sent", ": sent %llu", d->sent);
		print_u64(PRINT_ANY, "packets", " received %llu", d->rx - d->dup);
		print_u64(PRINT_ANY, "lost_packets", " lost %llu", d->lost);
		print_double(PRINT_ANY, "lost_percent", " (%.3f %%)", pct);
		print_u64(PRINT_ANY, "out_of_order", " out of order %llu", d->ooo);
		print_u64(PRINT_ANY, "duplicates", " duplicates %llu", d->dup);
		print_double(PRINT_ANY, "jitter_ms", " jitter %.3f ms", d->jitter_ms);
		print_u64(PRINT_ANY, "rxq_ovfl", " socket drops %llu", d->rxq_ovfl);
		print_u64(PRINT_ANY, "garbage_datagrams", " garbage %llu", d->garbage);
	} else {
		print_str(PRINT_ANY, "result", ": %s", "sent (the client measures)");
	}
	print_nl();
	print_close_object();
	fflush(print_fp());
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o;
	struct server *srv;
	struct serve_stats st;
	sigset_t set;
	char err[256];
	bool json = false;
	int c, sig, r;

	serve_opts_init(&o);
	o.on_test = on_test;
	optind = 1;
	while ((c = getopt_long(argc, argv, "B:p:T:jh", serve_longopts, NULL)) != -1) {
		uint32_t u;
		double d;

		switch (c) {
		case 'B':
			o.bind = optarg;
			break;
		case 'p':
			if (parse_u32(optarg, &u) || u > 65535)
				return usage_error("invalid --port '%s': need 0..65535", optarg);
			o.port = (uint16_t)u;
			break;
		case 'D':
			if (parse_seconds(optarg, &d, true))
				return usage_error("invalid --max-duration '%s': need seconds", optarg);
			o.max_duration = d;
			break;
		case 'R':
			if (parse_rate(optarg, &d, NULL))
				return usage_error("invalid --max-rate '%s': need a rate like 500k", optarg);
			o.max_rate = d;
			break;
		case 'F':
			if (parse_u32(optarg, &u) || !u || u > CTL_MAX_FLOWS)
				return usage_error("invalid --max-flows '%s': need 1..%u", optarg, CTL_MAX_FLOWS);
			o.max_flows = u;
			break;
		case 'C':
			if (parse_u32(optarg, &u) || !u || u > 1024)
				return usage_error("invalid --max-clients '%s': need 1..1024", optarg);
			o.max_clients = u;
			break;
		case 'T':
			if (parse_u32(optarg, &u) || !u || u > ENGINE_MAX_THREADS)
				return usage_error("invalid --threads '%s': need 1..%d", optarg, ENGINE_MAX_THREADS);
			o.threads = u;
			break;
		case 'b': {
			uint32_t b;

			if (parse_u32(optarg, &b) || b < 256 || b > (1u << 30))
				return usage_error("invalid --rcvbuf '%s': bytes from 256 to 1G", optarg);
			engine_rcvbuf_bytes = (int)b;
			break;
		}
		case 'U':
			r = engine_parse_cpus(optarg, o.cpus, (int)ARRAY_SIZE(o.cpus));
			if (r <= 0)
				return usage_error("invalid --cpus '%s': need a list like 0,2-3", optarg);
			o.ncpus = r;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			serve_usage(stdout);
			return EXIT_OK;
		default:
			return usage_error("unknown option");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);

	/* Every thread inherits the mask; this one waits for the signal. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = serve_start(&o, &srv, err, sizeof(err));
	if (r) {
		err_msg("%s", err);
		return r == -EAFNOSUPPORT ? EXIT_NOFEATURE : EXIT_FAIL;
	}
	if (!json) {
		printf("listening on %s port %u (data ports from %u)\n", o.bind ? o.bind : "*",
		       serve_port(srv), serve_port(srv) + 1);
		fflush(stdout);
	}
	sigwait(&set, &sig);
	serve_get_stats(srv, &st);
	serve_stop(srv);
	print_open_object(NULL);
	print_str(PRINT_JSONONLY, "event", NULL, "exit");
	print_u64(PRINT_ANY, "tests", "served %llu tests", st.tests);
	print_u64(PRINT_ANY, "tests_failed", " (%llu failed)", st.tests_failed);
	print_u64(PRINT_ANY, "clients", ", %llu connections", st.clients);
	print_u64(PRINT_ANY, "refused", " (%llu refused)", st.refused);
	print_u64(PRINT_ANY, "ctl_rejected", ", rejected control sessions %llu", st.ctl_rejected);
	print_u64(PRINT_ANY, "garbage_datagrams", ", garbage datagrams %llu", st.garbage);
	print_nl();
	print_close_object();
	fflush(stdout);
	return EXIT_OK;
}
