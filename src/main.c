/* main.c: global options and the command table, nothing else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cmd.h"
#include "core/log.h"
#include "model/intern.h"
#include "trace/dropreason.h"

#ifndef DPTUNE_VERSION
#define DPTUNE_VERSION "0.4.0"
#endif
#ifndef DPTUNE_GIT
#define DPTUNE_GIT "unknown"
#endif

static const struct cmd commands[] = {
	{ "stat", cmd_stat, "every counter of every layer and namespace, once or as rates" },
	{ "top", cmd_top, "the counters of stat, live in a terminal: per-CPU load, fastest drops" },
	{ "serve", cmd_serve, "UDP small-packet receiver with a control channel" },
	{ "bench", cmd_bench, "UDP small-packet sender: loss, reorder, jitter, latency per flow" },
	{ "sweep", cmd_sweep, "NDR/PDR search: highest packet rate without (or with bounded) loss" },
	{ "doctor", cmd_doctor, "where packets die, why, and the knob that fixes it" },
	{ "tune", cmd_tune, "plan, apply (journaled), verify, revert and persist knob changes" },
	{ "record", cmd_record, "flight recorder: every counter, knob and device over time, to a file" },
	{ "report", cmd_report, "a self-contained HTML report with charts of one or two recordings" },
	{ "lab", cmd_lab, "build, list and tear down emulated datapaths in namespaces" },
	{ "rss", cmd_rss, "which rx queue, IRQ CPU and RPS CPU each flow lands on at a NIC (RSS)" },
	{ "path", cmd_path, "the hops of a flow as the kernel decides them, and why a packet stops" },
	{ "export", cmd_export, "Prometheus exporter: every layer in every namespace over HTTP" },
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: dptune [-v] [--version] COMMAND [OPTIONS]\n\n"
		    "Find where packets die in a Linux datapath, how fast it goes without loss,\n"
		    "and which knob fixes it.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\n'dptune COMMAND --help' shows a command's options; man dptune has the rest.\n");
}

/* --version: the release, the commit, and what was compiled in (a build without BPF
 * cannot show kernel drop reasons; say so here rather than at the first --drop-reasons). */
static void version(void)
{
	printf("dptune %s (git %s)\n", DPTUNE_VERSION, DPTUNE_GIT);
	printf("features: %s\n", HAVE_BPF ? "+bpf-drop-reasons" : "-bpf-drop-reasons (built without "
	       "clang/bpftool/libbpf: stat --drop-reasons and doctor's drop reasons are off)");
}

int main(int argc, char **argv)
{
	static char prog[64];
	int i = 1, rc;

	if (dropreason_register())
		return EXIT_FAILURE; /* cannot happen: the collector table has room */
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			log_verbose++;
		} else if (!strcmp(argv[i], "--version")) {
			version();
			return 0;
		} else if (!strcmp(argv[i], "--list-commands")) {
			/* hidden, for the completion script: the commands, one a line */
			for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
				printf("%s\n", commands[c].name);
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "dptune: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
		i++;
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (strcmp(argv[i], commands[c].name))
			continue;
		snprintf(prog, sizeof(prog), "dptune %s", commands[c].name);
		log_prog = prog;
		rc = commands[c].fn(argc - i, argv + i);
		intern_free_all();
		return rc;
	}
	fprintf(stderr, "dptune: '%s' is not a dptune command\n", argv[i]);
	usage(stderr);
	return EXIT_USAGE;
}
