/* stat.c: `dptune stat`: every counter of every layer and namespace, once or as rates. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cmd.h"
#include "../core/log.h"
#include "../collect/collect.h"
#include "../model/delta.h"
#include "../output/print.h"
#include "../output/stat_print.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void stat_usage(FILE *fp)
{
	fprintf(fp,
"usage: dptune stat [-i SECONDS] [-c COUNT] [--duration SECONDS] [--json] [--all]\n"
"                   [--netns NAME] [--dev NAME] [--layer LIST] [--knobs] [--links]\n"
"                   [--collectors LIST] [--no-netns] [--proc-root DIR] [--sys-root DIR]\n"
"\n"
"Read every drop and load counter of the datapath in every network namespace: once\n"
"(lifetime drops and errors), or every -i SECONDS as deltas and rates. Rows are grouped\n"
"by layer in datapath order: nic irq softirq backlog qdisc vdev netfilter ip udp socket.\n"
"\n"
"  -i, --interval SECONDS  sample every SECONDS and print what moved (default: one shot)\n"
"  -c, --count N           stop after N intervals (default: until interrupted)\n"
"      --duration SECONDS  with -i: stop after SECONDS\n"
"      --json              one JSON document per interval (docs/stat-json.md)\n"
"      --all               every row, not only what moved or is abnormal\n"
"      --netns NAME        only this namespace (\"host\", a /run/netns name, pid:N(comm))\n"
"      --dev NAME          only rows of this device\n"
"      --layer LIST        only these layers, comma-separated\n"
"      --knobs             include settings (sysctls, rings, masks) in the rows\n"
"      --links             print the device table (kind, master, peer, queues, qdisc)\n"
"      --collectors LIST   run only these collectors (see --list-collectors)\n"
"      --list-collectors   print the collectors and exit\n"
"      --no-netns          read only the namespace dptune runs in\n"
"      --proc-root DIR     read /proc from DIR (recorded files; implies --no-netns)\n"
"      --sys-root DIR      read /sys from DIR\n"
"      --ovs-rundir DIRS   extra ':'-separated Open vSwitch run directories\n"
"      --drop-reasons      count kernel drop reasons (BPF on skb:kfree_skb) per layer,\n"
"                          device and namespace; needs root and a kernel with BTF\n"
"  -h, --help              this help\n");
}

enum {
	OPT_JSON = 256, OPT_ALL, OPT_NETNS, OPT_DEV, OPT_LAYER, OPT_KNOBS, OPT_LINKS,
	OPT_COLLECTORS, OPT_LIST, OPT_NONETNS, OPT_PROC, OPT_SYS, OPT_DURATION, OPT_OVS,
	OPT_DROPREASONS,
};

static const struct option stat_opts[] = {
	{ "interval", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "layer", required_argument, NULL, OPT_LAYER },
	{ "knobs", no_argument, NULL, OPT_KNOBS },
	{ "links", no_argument, NULL, OPT_LINKS },
	{ "collectors", required_argument, NULL, OPT_COLLECTORS },
	{ "list-collectors", no_argument, NULL, OPT_LIST },
	{ "no-netns", no_argument, NULL, OPT_NONETNS },
	{ "proc-root", required_argument, NULL, OPT_PROC },
	{ "sys-root", required_argument, NULL, OPT_SYS },
	{ "ovs-rundir", required_argument, NULL, OPT_OVS },
	{ "drop-reasons", no_argument, NULL, OPT_DROPREASONS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_layers(const char *s, unsigned *mask)
{
	char buf[256], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int l = layer_from_name(tok);

		if (l < 0)
			return usage_error("unknown layer '%s' in --layer (layers: nic irq softirq "
					   "backlog qdisc vdev netfilter ip udp socket)", tok);
		*mask |= 1u << l;
	}
	return 0;
}

static void sleep_until(double t)
{
	while (!stop) {
		double d = t - now_mono();
		struct timespec ts;

		if (d <= 0)
			return;
		ts.tv_sec = (time_t)d;
		ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
		if (!nanosleep(&ts, NULL))
			return;
	}
}

int cmd_stat(int argc, char **argv)
{
	struct collect_opts co = { 0 };
	struct stat_filter f = { 0 };
	double interval = 0, duration = 0;
	uint64_t count = 0;
	bool json = false, have_count = false;
	struct collect_engine *eng;
	struct snapshot snaps[2];
	int opt, rc = EXIT_OK, r;
	unsigned seq = 0;

	while ((opt = getopt_long(argc, argv, "i:c:h", stat_opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (parse_seconds(optarg, &interval, false))
				return usage_error("invalid -i '%s': give seconds, e.g. 1 or 0.5 or 250ms",
						   optarg);
			break;
		case 'c':
			if (parse_u64(optarg, &count) || !count)
				return usage_error("invalid -c '%s': give a count of 1 or more", optarg);
			have_count = true;
			break;
		case OPT_DURATION:
			if (parse_seconds(optarg, &duration, false))
				return usage_error("invalid --duration '%s': give seconds", optarg);
			break;
		case OPT_JSON: json = true; break;
		case OPT_ALL: f.all = true; break;
		case OPT_NETNS: f.netns = optarg; co.only_ns = optarg; break;
		case OPT_DEV: f.dev = optarg; break;
		case OPT_LAYER:
			if (parse_layers(optarg, &f.layer_mask))
				return EXIT_USAGE;
			break;
		case OPT_KNOBS: f.knobs = true; break;
		case OPT_LINKS: f.links = true; break;
		case OPT_COLLECTORS: co.only_collectors = optarg; break;
		case OPT_LIST:
			for (size_t i = 0; collectors[i]; i++)
				printf("%-12s %s\n", collectors[i]->name,
				       collectors[i]->scope == SCOPE_HOST ? "host" : "every namespace");
			return EXIT_OK;
		case OPT_NONETNS: co.no_netns = true; break;
		case OPT_PROC: co.proc_root = optarg; co.recorded = true; break;
		case OPT_SYS: co.sys_root = optarg; break;
		case OPT_OVS: co.ovs_rundirs = optarg; break;
		case OPT_DROPREASONS: co.drop_reasons = true; break;
		case 'h':
			stat_usage(stdout);
			return EXIT_OK;
		default:
			stat_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if ((have_count || duration > 0) && interval <= 0)
		return usage_error("-c and --duration need -i SECONDS");
	if (duration > 0 && !have_count) {
		count = (uint64_t)ceil(duration / interval);
		have_count = true;
	}
	if (co.only_collectors) {
		char buf[512], *save = NULL, *tok;

		snprintf(buf, sizeof(buf), "%s", co.only_collectors);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			size_t i;

			for (i = 0; collectors[i]; i++)
				if (!strcmp(collectors[i]->name, tok))
					break;
			if (!collectors[i])
				return usage_error("unknown collector '%s' (see --list-collectors)", tok);
		}
	}

	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (interval > 0) /* settings re-read every 10-20 s (collect.h), not every sample */
		co.knob_max_age = COLLECT_KNOB_MAX_AGE;
	eng = collect_engine_new(&co);
	snap_init(&snaps[0]);
	snap_init(&snaps[1]);
	r = collect_snapshot(eng, &snaps[0]);
	if (r) {
		err_msg("cannot read the kernel's counters: %s", strerror(-r));
		rc = EXIT_FAIL;
		goto out;
	}
	if (f.netns && snap_ns_by_name(&snaps[0], f.netns) < 0) {
		err_msg("no network namespace named '%s' (see 'ip netns list', or use 'host' or "
			"pid:N(comm) as printed by 'dptune stat --all')", f.netns);
		rc = EXIT_FAIL;
		goto out;
	}
	if (interval <= 0) {
		struct delta d;

		delta_compute(&d, NULL, &snaps[0]);
		stat_print(&f, NULL, &snaps[0], &d, 0);
		delta_release(&d);
		goto out;
	}
	double next = snaps[0].t_mono;

	for (uint64_t i = 0; !stop && (!have_count || i < count); i++) {
		struct snapshot *prev = &snaps[i & 1], *cur = &snaps[(i + 1) & 1];
		struct delta d;

		next += interval;
		sleep_until(next);
		if (stop)
			break;
		r = collect_snapshot(eng, cur);
		if (r) {
			err_msg("cannot read the kernel's counters: %s", strerror(-r));
			rc = EXIT_FAIL;
			break;
		}
		delta_compute(&d, prev, cur);
		stat_print(&f, prev, cur, &d, ++seq);
		delta_release(&d);
	}
out:
	snap_release(&snaps[0]);
	snap_release(&snaps[1]);
	collect_engine_free(eng);
	return rc;
}
