/* serve.c: `dptune serve`: run the load engine's receiver (traffic/serve.h) until SIGINT or
 * SIGTERM, print one line per test and the counters of what was rejected. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "cmd.h"
#include "vocab.h"
#include "../core/log.h"
#include "../output/print.h"
#include "../traffic/ctl.h"
#include "../traffic/engine.h"
#include "../traffic/serve.h"

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

/* The first line, as soon as the control port listens: where (so that --port 0 is usable)
 * and the receive buffer the tests' sockets will get (a clamped one is said). */
static void print_listening(const struct server *srv)
{
	struct serve_rcvbuf rb;
	char addr[INET6_ADDRSTRLEN];
	bool have_rb = serve_rcvbuf_probe(&rb) == 0;

	serve_addr(srv, addr, sizeof(addr));
	print_open_object(NULL);
	print_str(PRINT_JSONONLY, "event", NULL, "listening");
	print_str(PRINT_ANY, "address", "listening on %s", addr);
	print_u64(PRINT_ANY, "port", " port %llu", serve_port(srv));
	print_u64(PRINT_ANY, "data_port_first", " (data ports from %llu)", serve_port(srv) + 1u);
	if (have_rb) {
		print_open_object("rcvbuf");
		print_u64(PRINT_ANY, "asked", ", receive buffer %llu B asked", (uint64_t)rb.asked);
		print_u64(PRINT_ANY, "obtained", ", %llu B obtained", (uint64_t)rb.obtained);
		print_bool(PRINT_JSONONLY, "forced", NULL, rb.forced);
		print_bool(PRINT_JSONONLY, "clamped", NULL, rb.clamped);
		if (rb.rmem_max >= 0)
			print_u64(PRINT_JSONONLY, "rmem_max", NULL, (uint64_t)rb.rmem_max);
		else
			print_null(PRINT_JSONONLY, "rmem_max", NULL);
		print_close_object();
	}
	print_nl();
	print_close_object();
	fflush(stdout);
	if (have_rb && rb.clamped)
		warn_msg("the data sockets' receive buffer is %ld bytes, not the %ld asked: "
			 "net.core.rmem_max is %ld%s; socket-layer drops come sooner (%s)",
			 rb.obtained, rb.asked, rb.rmem_max,
			 rb.forced || engine_rcvbuf_bytes > 0 ? "" :
			 " and SO_RCVBUFFORCE needs CAP_NET_ADMIN",
			 engine_rcvbuf_bytes > 0 ? "raise net.core.rmem_max, or ask less with --rcvbuf" :
			 "run as root, or raise net.core.rmem_max");
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o;
	struct server *srv;
	struct serve_stats st;
	sigset_t set;
	char err[256];
	bool json = false;
	uint32_t port, threads, rcvbuf = 0;
	int first, sig, r;

	serve_opts_init(&o);
	o.on_test = on_test;
	port = o.port;
	threads = o.threads;
	const struct opt opts[] = {
		VOCAB_BIND(&o.bind, "listen on this address only (default: all, IPv4 and IPv6)"),
		VOCAB_PORT(&port, NULL, "5301", 0, "control port; 0 picks a free one"),
		{ .name = "max-duration", .type = OPT_SECONDS, .dst = &o.max_duration,
		  .min = 0, .max = VOCAB_DURATION_MAX, .arg = "SEC", .def = "60",
		  .help = "longest test a client may ask for, %R (0 = no limit)" },
		{ .name = "max-rate", .type = OPT_RATE, .dst = &o.max_rate, .min = 1,
		  .max = ENGINE_MAX_RATE, .arg = "PPS", .def = "max",
		  .help = "highest rate a client may ask for, %R (max = no limit)" },
		{ .name = "max-flows", .type = OPT_U32, .dst = &o.max_flows, .min = 1,
		  .max = CTL_MAX_FLOWS, .arg = "N", .def = "4096",
		  .help = "most flows per test, %R" },
		{ .name = "max-clients", .type = OPT_U32, .dst = &o.max_clients, .min = 1,
		  .max = 1024, .arg = "N", .def = "16", .help = "concurrent control connections, %R" },
		VOCAB_THREADS(&threads, NULL, "1"),
		VOCAB_CPUS(o.cpus, &o.ncpus, (int)ARRAY_SIZE(o.cpus)),
		{ .name = "rcvbuf", .type = OPT_U32, .dst = &rcvbuf, .min = 256, .max = 1u << 30,
		  .arg = "BYTES", .unit = "bytes",
		  .help = "ask this receive buffer (SO_RCVBUF, as an application does) instead of "
			  "forcing 16 MiB, %R: to study socket-layer drops" },
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "serve", .synopsis = "[OPTIONS]", .opts = opts, .min_args = 0, .max_args = 0,
		.about = "Receive `dptune bench` tests: a TCP control port and UDP data ports "
			 "(from PORT+1 up).\nWith --json: one JSON object per test and one at exit.",
	};

	r = opt_parse(&spec, argc, argv, &first, NULL);
	if (r != OPT_CONTINUE)
		return r;
	o.port = (uint16_t)port;
	o.threads = threads;
	if (rcvbuf)
		engine_rcvbuf_bytes = (int)rcvbuf;
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);

	/* Every thread inherits the mask; this one waits for the signal. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = serve_start(&o, &srv, err, sizeof(err));
	if (r)
		return cmd_fail(r == -EAFNOSUPPORT ? EXIT_NOFEATURE : EXIT_FAIL, "%s", err);
	print_listening(srv);
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
