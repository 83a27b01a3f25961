/* doctor.c: `dptune doctor`: watch every layer and namespace for a while, or while a
 * command runs, then print the drop waterfall in datapath order and the findings of the
 * causal rules, each with its evidence, cause, commands and confidence. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cmd.h"
#include "doctor_cmd.h"
#include "../core/log.h"
#include "../collect/collect.h"
#include "../model/delta.h"
#include "../analyze/ledger.h"
#include "../analyze/doctor.h"
#include "../output/print.h"

static volatile int stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void doctor_usage(FILE *fp)
{
	fprintf(fp,
"usage: dptune doctor [--duration SECONDS] [--json] [--netns NAME] [--no-drop-reasons]\n"
"                     [--fail-on info|warning|critical] [-- COMMAND [ARGS...]]\n"
"\n"
"Watch the counters of every layer and namespace for --duration seconds (default 5), or\n"
"while COMMAND runs (e.g. a `dptune bench`), then print where packets were lost, layer by\n"
"layer in datapath order, and what to change: findings of causal rules, each with the\n"
"evidence, the cause, the commands an operator would type and how sure it is.\n"
"If COMMAND prints `dptune bench --json` output, its lost packets are checked against the\n"
"counters (conservation): loss no counter explains is reported.\n"
"\n"
"Exit status: 0 nothing at or above --fail-on (default warning), 1 findings, 2 usage.\n");
}

/* Run argv, capture its stdout (for bench JSON) while passing it through; returns its
 * exit status or -errno. */
static int run_capture(char **argv, struct strbuf *out, bool echo)
{
	int pfd[2], status;
	pid_t pid;

	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "dptune doctor: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char buf[4096];
		ssize_t n = read(pfd[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len < (16u << 20))
			sb_add(out, buf, (size_t)n);
		if (echo)
			(void)!fwrite(buf, 1, (size_t)n, stderr);
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int doctor_bench_lost(const char *buf, size_t len, uint64_t *lost, uint64_t *sent)
{
	/* Search the last JSON document in buf with a "lost_packets" key (top level or in
	 * "summary"/"end"). */
	const char *p = buf + len;
	bool found = false;

	while (p > buf && !found) {
		const char *start = p - 1;

		while (start > buf && !(*start == '{' && (start == buf || start[-1] == '\n')))
			start--;
		if (*start != '{')
			break;
		json_object *o = json_tokener_parse(start), *v, *sec;

		if (o) {
			json_object *cand[4] = { o, NULL, NULL, NULL };

			if (json_object_object_get_ex(o, "forward", &sec))
				cand[1] = sec;
			if (json_object_object_get_ex(o, "summary", &sec))
				cand[2] = sec;
			if (json_object_object_get_ex(o, "end", &sec))
				cand[3] = sec;
			for (int i = 0; i < 4 && !found; i++) {
				if (!cand[i] || !json_object_object_get_ex(cand[i], "lost_packets", &v))
					continue;
				*lost = (uint64_t)json_object_get_int64(v);
				if (json_object_object_get_ex(cand[i], "sent", &v) ||
				    json_object_object_get_ex(cand[i], "packets", &v))
					*sent = (uint64_t)json_object_get_int64(v);
				found = true;
			}
			json_object_put(o);
		}
		p = start;
	}
	return found ? 0 : -ENOENT;
}

static void print_finding(const struct finding *f)
{
	print_open_object(NULL);
	print_str(PRINT_ANY, "severity", "\n[%s", severity_name(f->sev));
	print_str(PRINT_ANY, "confidence", ", %s confidence] ", confidence_name(f->conf));
	print_str(PRINT_ANY, "layer", "%s", layer_name(f->layer));
	print_str(PRINT_ANY, "netns", " in %s", f->netns);
	if (*f->obj)
		print_str(PRINT_ANY, "object", " %s", f->obj);
	if (f->cpu >= 0)
		print_i64(PRINT_ANY, "cpu", " cpu%lld", f->cpu);
	print_str(PRINT_ANY, "rule", " (%s)\n", f->rule);
	print_u64(PRINT_JSONONLY, "dropped", NULL, f->dropped);
	print_str(PRINT_ANY, "cause", "  cause:    %s\n", f->cause);
	print_str(PRINT_ANY, "evidence", "  evidence: %s\n", f->evidence);
	if (f->commands[0]) {
		char buf[700], *save = NULL, *line;

		print_str(PRINT_JSONONLY, "commands", NULL, f->commands);
		snprintf(buf, sizeof(buf), "%s", f->commands);
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			print_text("  fix:      %s\n", line);
	}
	if (f->change.target[0]) {
		print_open_object("change");
		print_str(PRINT_JSONONLY, "kind", NULL, f->change.kind);
		print_str(PRINT_JSONONLY, "netns", NULL, f->change.netns);
		print_str(PRINT_JSONONLY, "target", NULL, f->change.target);
		print_str(PRINT_JSONONLY, "current", NULL, f->change.current);
		print_str(PRINT_JSONONLY, "proposed", NULL, f->change.proposed);
		print_close_object();
	}
	if (strcmp(f->change.kind, "none")) {
		print_text("  tune:     dptune tune apply %s:%s%s%s=%s\n", f->change.kind,
			   strcmp(f->change.netns, "host") ? f->change.netns : "",
			   strcmp(f->change.netns, "host") ? "/" : "", f->change.target,
			   f->change.proposed);
	}
	print_close_object();
}

/* The waterfall: per layer in datapath order, the drop counters that rose. */
static void print_waterfall(const struct ledger *l, uint64_t lost, bool have_lost)
{
	print_open_array("waterfall");
	print_text("drop waterfall (datapath order):\n");
	if (!l->n)
		print_text("  no drop counter rose in any layer or namespace\n");
	for (int layer = 0; layer < LAYER__COUNT; layer++) {
		uint64_t tot = 0, top = 0;
		bool any = false;

		for (size_t i = 0; i < l->n; i++)
			if (l->e[i].layer == layer) {
				any = true;
				tot += l->e[i].delta;
				if (l->e[i].delta > top)
					top = l->e[i].delta;
			}
		if (!any)
			continue;
		print_open_object(NULL);
		print_str(PRINT_ANY, "layer", "  %-10s", layer_name(layer));
		print_u64(PRINT_ANY, "dropped", " %10llu  ", top);
		print_open_array("counters");
		for (size_t i = 0; i < l->n; i++) {
			const struct ledger_entry *e = &l->e[i];

			if (e->layer != layer)
				continue;
			print_open_object(NULL);
			print_str(PRINT_ANY, "netns", "%s", e->netns);
			print_str(PRINT_ANY, "object", "/%s", *e->obj ? e->obj : "-");
			if (e->cpu >= 0)
				print_i64(PRINT_ANY, "cpu", "/cpu%lld", e->cpu);
			print_str(PRINT_ANY, "counter", " %s", e->counter);
			print_u64(PRINT_ANY, "delta", "+%llu; ", e->delta);
			print_close_object();
		}
		print_close_array();
		print_close_object();
		print_nl();
	}
	print_close_array();
	print_u64(PRINT_ANY, "explained", "  drops the counters account for: %llu", l->explained);
	print_bool(PRINT_JSONONLY, "explained_exact", NULL, l->exact);
	print_text("%s\n", l->exact ? " (exact: kernel drop reasons)" : " (estimated)");
	if (have_lost) {
		uint64_t un = lost > l->explained ? lost - l->explained : 0;

		print_u64(PRINT_ANY, "lost_by_load", "  lost according to the load: %llu", lost);
		print_u64(PRINT_ANY, "unexplained", ", unexplained by any counter: %llu\n", un);
	}
}

/* Who else changes knobs here: irqbalance and tuned, by process name. */
static void find_owners(struct knob_owners *o)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	memset(o, 0, sizeof(*o));
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[64], comm[32];

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/comm", de->d_name);
		if (read_small(path, comm, sizeof(comm)))
			continue;
		if (!strcmp(comm, "irqbalance"))
			o->irqbalance = true;
		else if (!strcmp(comm, "tuned"))
			o->tuned = true;
	}
	closedir(d);
	if (o->tuned && read_small("/etc/tuned/active_profile", o->tuned_profile,
				   sizeof(o->tuned_profile)))
		o->tuned_profile[0] = '\0';
}

int doctor_observe(struct collect_engine *eng, double duration, char **cmdv, bool echo,
		   volatile int *stopf, struct observation *o, char *err, size_t errlen)
{
	struct strbuf out;
	int r;

	memset(o, 0, sizeof(*o));
	snap_init(&o->a);
	snap_init(&o->b);
	r = collect_snapshot(eng, &o->a);
	if (r) {
		snprintf(err, errlen, "cannot read the kernel's counters: %s (run as root)",
			 strerror(-r));
		return r;
	}
	sb_init(&out);
	if (cmdv) {
		o->cmd_rc = run_capture(cmdv, &out, echo);
		if (o->cmd_rc < 0) {
			snprintf(err, errlen, "cannot run %s: %s", cmdv[0], strerror(-o->cmd_rc));
			sb_release(&out);
			return o->cmd_rc;
		}
		if (out.len && !doctor_bench_lost(out.buf, out.len, &o->lost, &o->sent))
			o->have_lost = true;
	} else {
		double end = now_mono() + duration;

		while (!*stopf && now_mono() < end) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	sb_release(&out);
	r = collect_snapshot(eng, &o->b);
	if (r) {
		snprintf(err, errlen, "cannot read the kernel's counters: %s", strerror(-r));
		return r;
	}
	delta_compute(&o->d, &o->a, &o->b);
	ledger_build(&o->l, &o->b, &o->d);
	find_owners(&o->owners);
	doctor_run_owners(&o->a, &o->b, &o->d, &o->owners, &o->rep);
	return 0;
}

void observation_release(struct observation *o)
{
	doctor_report_release(&o->rep);
	ledger_release(&o->l);
	delta_release(&o->d);
	snap_release(&o->a);
	snap_release(&o->b);
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "netns", required_argument, NULL, 'n' },
		{ "no-drop-reasons", no_argument, NULL, 'r' },
		{ "fail-on", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double duration = 5;
	bool json = false, reasons = true;
	const char *netns = NULL;
	enum severity fail_on = SEV_WARN;
	struct collect_opts co = { 0 };
	struct collect_engine *eng;
	struct observation o;
	char err[256];
	size_t shown = 0;
	int opt, rc = EXIT_OK;
	char **cmdv = NULL;

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (parse_seconds(optarg, &duration, false))
				return usage_error("invalid --duration '%s'", optarg);
			break;
		case 'j': json = true; break;
		case 'n': netns = optarg; break;
		case 'r': reasons = false; break;
		case 'f':
			if (!strcmp(optarg, "info"))
				fail_on = SEV_INFO;
			else if (!strcmp(optarg, "warning"))
				fail_on = SEV_WARN;
			else if (!strcmp(optarg, "critical"))
				fail_on = SEV_CRIT;
			else
				return usage_error("invalid --fail-on '%s': info, warning or critical", optarg);
			break;
		case 'h':
			doctor_usage(stdout);
			return EXIT_OK;
		default:
			doctor_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		cmdv = argv + optind;

	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	co.drop_reasons = reasons;
	co.only_ns = NULL;
	eng = collect_engine_new(&co);
	if (!json && cmdv)
		fprintf(stderr, "dptune doctor: watching while %s runs\n", cmdv[0]);
	else if (!json)
		fprintf(stderr, "dptune doctor: watching for %g s\n", duration);
	if (doctor_observe(eng, duration, cmdv, !json, &stop, &o, err, sizeof(err))) {
		err_msg("%s", err);
		observation_release(&o);
		collect_engine_free(eng);
		return EXIT_FAIL;
	}
	if (netns && snap_ns_by_name(&o.b, netns) < 0) {
		err_msg("no network namespace named '%s' (see 'ip netns list')", netns);
		observation_release(&o);
		collect_engine_free(eng);
		return EXIT_FAIL;
	}
	print_open_object(NULL);
	print_double(PRINT_ANY, "seconds", "dptune doctor: %.1f s observed", o.d.interval);
	print_u64(PRINT_ANY, "namespaces", " in %llu namespaces", o.b.nns);
	if (cmdv)
		print_i64(PRINT_ANY, "command_exit", ", command exited %lld", o.cmd_rc);
	print_nl();
	if (o.have_lost)
		print_u64(PRINT_JSONONLY, "sent_by_load", NULL, o.sent);
	for (size_t i = 0; i < o.b.nst; i++)
		if (o.b.st[i].err && !json)
			print_text("  (%s unavailable: %s)\n", o.b.st[i].name, o.b.st[i].reason);
	print_waterfall(&o.l, o.lost, o.have_lost);
	print_open_array("findings");
	for (int sev = SEV_CRIT; sev >= SEV_INFO; sev--)
		for (size_t i = 0; i < o.rep.n; i++) {
			const struct finding *f = &o.rep.f[i];

			if ((int)f->sev != sev || (netns && strcmp(f->netns, netns)))
				continue;
			print_finding(f);
			shown++;
			if (f->sev >= fail_on)
				rc = EXIT_FAIL;
		}
	print_close_array();
	if (!shown)
		print_text("\nno findings: nothing was dropped that a rule explains\n");
	if (o.have_lost && o.lost > o.l.explained)
		print_text("\n[warning] %llu packets the load lost appear in no counter dptune can "
			   "see (closed socket queues, drops inside a VM, a hop outside this host%s)\n",
			   (unsigned long long)(o.lost - o.l.explained),
			   o.l.exact ? "; or drops the kernel did not run the BPF drop tracer for: "
			   "a few per mille seen with RPS to an idle CPU" : "");
	print_close_object();
	observation_release(&o);
	collect_engine_free(eng);
	return rc;
}
