/* stat.c: `dptune stat`: every counter of every layer and namespace, once or as rates. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "cmd.h"
#include "vocab.h"
#include "../core/log.h"
#include "../collect/collect.h"
#include "../model/delta.h"
#include "../observe/watch.h"
#include "../output/print.h"
#include "../output/stat_print.h"

static volatile sig_atomic_t stop, looping;

/* -i: the first SIGINT/SIGTERM ends the loop after the sample in progress (the summary
 * is printed); -- COMMAND: the first is left to the command (Ctrl-C reaches it too), whose
 * run is then counted and printed as usual. Before the first snapshot is taken, or a
 * second signal, ends dptune at once as the default action would (a one-shot snapshot
 * of hundreds of namespaces on a loaded host can take long, and `timeout` or a
 * supervisor must be able to stop it). */
static void on_signal(int sig)
{
	if (!looping || stop) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	stop = 1;
}

/* --collectors: a comma list of names from the collector table. */
static int collectors_cb(const struct opt *o, const char *arg, void *data, char *err, size_t n)
{
	char buf[512], *save = NULL, *tok;

	if (!arg[0] || strlen(arg) >= sizeof(buf)) {
		snprintf(err, n, "need a comma list of collectors (see --list-collectors)");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; collectors[i]; i++)
			if (!strcmp(collectors[i]->name, tok))
				break;
		if (!collectors[i]) {
			size_t l = (size_t)snprintf(err, n, "unknown collector '%s' (collectors:", tok);

			for (i = 0; collectors[i] && l < n; i++)
				l += (size_t)snprintf(err + l, n - l, " %s", collectors[i]->name);
			if (l < n)
				snprintf(err + l, n - l, ")");
			return -1;
		}
	}
	*(const char **)data = arg;
	return 0;
}

/* --ovs-rundir: ':'-separated directories, each of which must exist. */
static int rundirs_cb(const struct opt *o, const char *arg, void *data, char *err, size_t n)
{
	char buf[1024], *save = NULL, *tok;
	struct stat st;

	if (!arg[0] || strlen(arg) >= sizeof(buf)) {
		snprintf(err, n, "need ':'-separated directories");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (stat(tok, &st)) {
			snprintf(err, n, "%s: %s", tok, strerror(errno));
			return -1;
		}
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, n, "%s: not a directory", tok);
			return -1;
		}
	}
	*(const char **)data = arg;
	return 0;
}

static void list_collectors(void)
{
	print_open_object(NULL);
	print_open_array("collectors");
	for (size_t i = 0; collectors[i]; i++) {
		bool host = collectors[i]->scope == SCOPE_HOST;

		print_open_object(NULL);
		print_str(PRINT_ANY, "name", "%-12s ", collectors[i]->name);
		print_str(PRINT_JSONONLY, "scope", NULL, host ? "host" : "netns");
		print_str(PRINT_FP, NULL, "%s", host ? "host" : "every namespace");
		print_close_object();
		print_nl();
	}
	print_close_array();
	print_close_object();
	print_flush();
}

/* Each name of a comma list that names nothing in the snapshot, or NULL when all do.
 * dev: device names (links, or row objects when reading recorded files) in the
 * namespaces that pass the --netns filter; else namespace names. */
static const char *unmatched(const struct snapshot *s, const struct stat_filter *f, bool dev,
			     char *buf, size_t n)
{
	const char *list = dev ? f->dev : f->netns;
	char *save = NULL, *tok;
	bool found;

	snprintf(buf, n, "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		found = false;
		for (size_t i = 0; !dev && i < s->nns && !found; i++)
			found = !strcmp(s->ns[i].name, tok) || !strcmp(s->ns[i].name, list);
		for (size_t i = 0; dev && i < s->nlinks && !found; i++)
			found = stat_name_in_list(f->netns, s->ns[s->links[i].ns].name) &&
				(!strcmp(s->links[i].name, tok) || !strcmp(s->links[i].name, list));
		for (size_t i = 0; dev && i < s->nm && !found; i++)
			found = stat_name_in_list(f->netns, s->ns[s->m[i].ns].name) &&
				(!strcmp(s->m[i].obj, tok) || !strcmp(s->m[i].obj, list));
		if (!found)
			return tok;
	}
	return NULL;
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
	bool json = false, have_iv = false, have_count = false, have_dur = false, list = false;
	const char *layers = NULL, *bad;
	char buf[1024];
	struct collect_engine *eng;
	struct snapshot snaps[2];
	char **cmdv = NULL;
	int first, dashdash, rc = EXIT_OK, r;
	unsigned seq = 0;
	const struct opt opts[] = {
		OPT_GROUP_ENTRY("sampling"),
		VOCAB_INTERVAL(&interval, &have_iv, NULL),
		VOCAB_COUNT(&count, &have_count, NULL),
		VOCAB_DURATION(&duration, &have_dur, NULL, "with -i: stop after SEC seconds"),
		OPT_GROUP_ENTRY("what to show"),
		VOCAB_ALL(&f.all, "every row, not only what moved or is abnormal"),
		VOCAB_NETNS(&f.netns),
		VOCAB_DEV(&f.dev),
		VOCAB_LAYER(&layers),
		{ .name = "knobs", .type = OPT_FLAG, .dst = &f.knobs,
		  .help = "also print the settings (sysctls, rings, RPS masks, IRQ affinity)" },
		{ .name = "links", .type = OPT_FLAG, .dst = &f.links,
		  .help = "also print the devices (kind, master, peer@netns, queues, qdisc)" },
		{ .name = "drop-reasons", .type = OPT_FLAG, .dst = &co.drop_reasons,
		  .help = "count kernel drop reasons (BPF, needs root and BTF)" },
		VOCAB_JSON(&json),
		OPT_GROUP_ENTRY("where to read"),
		{ .name = "collectors", .type = OPT_CALLBACK, .cb = collectors_cb,
		  .data = &co.only_collectors, .arg = "LIST",
		  .help = "run only these collectors (see --list-collectors)" },
		{ .name = "list-collectors", .type = OPT_FLAG, .dst = &list,
		  .help = "print the collectors and exit" },
		{ .name = "no-netns", .type = OPT_FLAG, .dst = &co.no_netns,
		  .help = "read only the namespace dptune runs in" },
		VOCAB_PROC_ROOT(&co.proc_root),
		VOCAB_SYS_ROOT(&co.sys_root),
		{ .name = "ovs-rundir", .type = OPT_CALLBACK, .cb = rundirs_cb,
		  .data = &co.ovs_rundirs, .arg = "DIRS",
		  .help = "extra ':'-separated Open vSwitch run directories" },
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "stat", .synopsis = "[OPTIONS] [-- COMMAND [ARGS...]]", .opts = opts,
		.min_args = 0, .max_args = 0, .stop_at_dashdash = true,
		.about =
"Read every drop and load counter of the datapath in every network namespace: once\n"
"(lifetime drops and errors), or every -i SEC as deltas and rates, or over the run of\n"
"COMMAND (read before it starts and after it exits; its stdout goes to stderr). Rows\n"
"are grouped by layer in datapath order: nic irq softirq backlog qdisc vdev netfilter\n"
"ip udp socket.\n",
		.footer =
"Under --json: one document (one line) per snapshot or interval, docs/stat-json.md;\n"
"errors as {\"error\":{...}} on stdout. Exit: 0 ok, 1 failure, a filter that matches\n"
"nothing or a COMMAND that failed (its counts are printed first), 2 usage error.\n",
	};

	rc = opt_parse(&spec, argc, argv, &first, &dashdash);
	if (rc != OPT_CONTINUE)
		return rc;
	rc = EXIT_OK;
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	if (list) {
		list_collectors();
		return EXIT_OK;
	}
	if (dashdash >= 0) {
		if (dashdash >= argc)
			return usage_error("'--' needs a command to run (stat [OPTIONS] -- "
					   "COMMAND [ARGS...])");
		if (have_iv || have_count || have_dur)
			return usage_error("with -- COMMAND the interval is the command's run: "
					   "not with -i, -c or --duration (intervals while it "
					   "runs: dptune record -i SEC -- COMMAND)");
		if (co.proc_root)
			return usage_error("-- COMMAND reads the live kernel before and after "
					   "it; not with recorded files (--proc-root)");
		cmdv = argv + dashdash;
	}
	if ((have_count || have_dur) && !have_iv)
		return usage_error("%s needs -i SEC (a one-shot snapshot has no intervals)",
				   have_count ? "-c" : "--duration");
	if (have_count && have_dur)
		return usage_error("give -c N or --duration SEC, not both");
	if (co.drop_reasons && co.proc_root)
		return usage_error("--drop-reasons traces the live kernel; it cannot read "
				   "recorded files (--proc-root)");
	if (have_dur) {
		count = (uint64_t)ceil(duration / interval);
		have_count = true;
	}
	f.layer_mask = vocab_layer_mask(layers);
	if (co.proc_root)
		co.recorded = true;
	/* one namespace is read alone; a list is filtered when printed */
	if (f.netns && !strchr(f.netns, ','))
		co.only_ns = f.netns;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (interval > 0) /* settings re-read every 10-20 s (collect.h), not every sample */
		co.knob_max_age = COLLECT_KNOB_MAX_AGE;
	eng = collect_engine_new(&co);
	snap_init(&snaps[0]);
	snap_init(&snaps[1]);
	r = collect_snapshot(eng, &snaps[0]);
	if (r) {
		rc = cmd_fail(EXIT_FAIL, "cannot read the kernel's counters: %s", strerror(-r));
		goto out;
	}
	if (f.netns && (bad = unmatched(&snaps[0], &f, false, buf, sizeof(buf)))) {
		rc = cmd_fail(EXIT_FAIL, "no network namespace named '%s' (see 'ip netns list', "
			      "or use 'host' or pid:N(comm) as printed by 'dptune stat --links')",
			      bad);
		goto out;
	}
	if (f.dev && (bad = unmatched(&snaps[0], &f, true, buf, sizeof(buf)))) {
		if (f.netns)
			rc = cmd_fail(EXIT_FAIL, "no device named '%s' in namespace '%s' (see "
				      "dptune stat --links --netns %s)", bad, f.netns, f.netns);
		else
			rc = cmd_fail(EXIT_FAIL, "no device named '%s' in any namespace (see "
				      "dptune stat --links)", bad);
		goto out;
	}
	if (cmdv) {
		struct delta d;
		int st;

		if (!json)
			fprintf(stderr, "dptune stat: counting from now until %s exits\n",
				cmdv[0]);
		looping = 1;
		st = watch_run_capture(cmdv, NULL, false);
		if (st < 0) {
			rc = cmd_fail(EXIT_FAIL, "could not run '%s': %s", cmdv[0],
				      strerror(-st));
			goto out;
		}
		r = collect_snapshot(eng, &snaps[1]);
		if (r) {
			rc = cmd_fail(EXIT_FAIL, "cannot read the kernel's counters: %s",
				      strerror(-r));
			goto out;
		}
		delta_compute(&d, &snaps[0], &snaps[1]);
		stat_print(&f, &snaps[0], &snaps[1], &d, 1);
		delta_release(&d);
		if (st)
			rc = cmd_fail(EXIT_FAIL, "'%s' exited %d%s; the counters printed cover "
				      "its run", cmdv[0], st,
				      st > 128 ? " (killed by a signal: 128+N)" : "");
		goto out;
	}
	if (!have_iv) {
		struct delta d;

		delta_compute(&d, NULL, &snaps[0]);
		stat_print(&f, NULL, &snaps[0], &d, 0);
		delta_release(&d);
		goto out;
	}
	looping = 1;
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
			rc = cmd_fail(EXIT_FAIL, "cannot read the kernel's counters: %s",
				      strerror(-r));
			break;
		}
		/* the rows stat_print can show (and every knob for the first document's
		 * --knobs table): the other 54,000 of a large host are not written */
		if (f.all)
			delta_compute(&d, prev, cur);
		else
			delta_compute_notable(&d, prev, cur, f.knobs && seq == 0);
		stat_print(&f, prev, cur, &d, ++seq);
		delta_release(&d);
	}
out:
	snap_release(&snaps[0]);
	snap_release(&snaps[1]);
	collect_engine_free(eng);
	return rc;
}
