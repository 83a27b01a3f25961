/* doctor.c: `dptune doctor`: watch every layer and namespace for a while, or while a
 * command runs, then print the drop waterfall in datapath order and the findings of the
 * causal rules, each with its evidence, cause, commands and confidence. The window is
 * observed by observe/watch.c and judged by analyze/; this file parses, calls, prints. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "vocab.h"
#include "../core/log.h"
#include "../collect/collect.h"
#include "../observe/watch.h"
#include "../output/print.h"
#include "../path/path.h"

static volatile int stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Is name one of the comma list's words? A NULL list takes every name. */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	if (!list)
		return true;
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == n && !strncmp(p, name, n))
			return true;
		p += l + (e ? 1 : 0);
	}
	return false;
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
		char buf[sizeof(f->commands)], *save = NULL, *line;

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
static void print_waterfall(const struct observation *o)
{
	const struct ledger *l = &o->l;
	struct waterfall_layer w[LAYER__COUNT];
	size_t nw = waterfall_build(l, w);

	print_open_array("waterfall");
	print_text("drop waterfall (datapath order):\n");
	if (!nw)
		print_text("  no drop counter rose in any layer or namespace\n");
	for (size_t k = 0; k < nw; k++) {
		print_open_object(NULL);
		print_str(PRINT_ANY, "layer", "  %-10s", layer_name(w[k].layer));
		print_u64(PRINT_ANY, "dropped", " %10llu  ", w[k].dropped);
		print_open_array("counters");
		for (size_t i = w[k].first; i < w[k].first + w[k].n; i++) {
			const struct ledger_entry *e = &l->e[i];

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
	if (o->have_lost) {
		print_u64(PRINT_ANY, "lost_by_load", "  lost according to the load: %llu", o->lost);
		print_u64(PRINT_ANY, "unexplained", ", unexplained by any counter: %llu\n",
			  observation_unexplained(o));
	}
}

static void print_header(const struct observation *o)
{
	print_double(PRINT_ANY, "seconds", "dptune doctor: %.1f s observed", o->d.interval);
	print_u64(PRINT_ANY, "namespaces", " in %llu namespaces", o->b.nns);
	if (o->have_cmd)
		print_i64(PRINT_ANY, "command_exit", ", command exited %lld", o->cmd_rc);
	print_bool(PRINT_JSONONLY, "interrupted", NULL, o->interrupted);
	print_text("%s", o->interrupted ? " (interrupted)" : "");
	print_nl();
	if (o->have_lost)
		print_u64(PRINT_JSONONLY, "sent_by_load", NULL, o->sent);
	if (o->load_server[0])
		print_str(PRINT_JSONONLY, "load_server", NULL, o->load_server);
	print_open_array("unavailable");
	for (size_t i = 0; i < o->b.nst; i++) {
		if (!o->b.st[i].err)
			continue;
		print_open_object(NULL);
		print_str(PRINT_ANY, "collector", "  (%s unavailable: ", o->b.st[i].name);
		print_str(PRINT_ANY, "reason", "%s)\n", o->b.st[i].reason);
		print_close_object();
	}
	print_close_array();
}

/* The findings in netns (a comma list, or NULL for all), most severe first; returns
 * how many were printed and whether any is at or above fail_on. */
static size_t print_findings(const struct observation *o, const char *netns,
			     enum severity fail_on, bool *fail)
{
	size_t shown = 0;

	print_open_array("findings");
	for (int sev = SEV_CRIT; sev >= SEV_INFO; sev--)
		for (size_t i = 0; i < o->rep.n; i++) {
			const struct finding *f = &o->rep.f[i];

			if ((int)f->sev != sev || !in_list(netns, f->netns))
				continue;
			print_finding(f);
			shown++;
			*fail |= f->sev >= fail_on;
		}
	print_close_array();
	return shown;
}

/* The layer a path stop belongs to. */
static enum dp_layer stop_layer(const struct path_hop *h)
{
	switch (h->stop) {
	case PSTOP_MTU:
		return strcmp(h->dir, "tx") || !strcmp(h->kind, "veth") ? LAYER_VDEV : LAYER_IP;
	case PSTOP_DOWN: case PSTOP_NOPORT: case PSTOP_USERSPACE:
		return LAYER_VDEV;
	default:
		return LAYER_IP;
	}
}

/* Conservation hop by hop along the path of from -> to (path/path.h, I/O here), over the
 * window's counters (analyze/ledger.c, pure): a hop that lost packets becomes a finding
 * with the kernel's decision there. Prints the points under "path". */
static void path_conservation(struct observation *o, const char *from, const char *to,
			      uint32_t size)
{
	static struct path_result r;
	struct path_opts po = { .from = from, .to = to, .proto = 17, .payload = size };
	struct hop_point pt[PATH_HOPS_MAX];
	int hop_of[PATH_HOPS_MAX];
	struct hop_loss loss;
	char err[256];
	size_t n = 0;

	print_open_object("path");
	print_str(PRINT_ANY, "from", "\npath conservation from %s", from);
	print_str(PRINT_ANY, "to", " to %s:\n", to);
	if (path_walk(&po, &r, err, sizeof(err))) {
		print_str(PRINT_ANY, "error", "  (no path: %s)\n", err);
		print_close_object();
		return;
	}
	for (int i = 0; i < r.n && n < PATH_HOPS_MAX; i++) {
		const struct path_hop *h = &r.hop[i];

		if (!h->ifindex || (strcmp(h->dir, "rx") && strcmp(h->dir, "tx")))
			continue;
		if (n && !strcmp(pt[n - 1].dev, h->dev) && !strcmp(pt[n - 1].netns, h->ns))
			continue;
		memset(&pt[n], 0, sizeof(pt[n]));
		pt[n].netns = h->ns;
		pt[n].dev = h->dev;
		pt[n].rx = !strcmp(h->dir, "rx");
		hop_of[n++] = i;
	}
	if (n && path_stop_is_drop(r.stop))
		pt[n - 1].sink = true;
	ledger_hop_fill(&o->b, &o->d, pt, n);
	print_open_array("points");
	for (size_t k = 0; k < n; k++) {
		print_open_object(NULL);
		print_str(PRINT_ANY, "netns", "  %s", pt[k].netns);
		print_str(PRINT_ANY, "dev", "/%s", pt[k].dev);
		print_str(PRINT_ANY, "dir", " %s", pt[k].rx ? "rx" : "tx");
		print_u64(PRINT_ANY, "packets", " %llu", pt[k].packets);
		print_u64(PRINT_ANY, "dropped", " (dropped %llu)", pt[k].dropped);
		print_bool(PRINT_JSONONLY, "counted", NULL, pt[k].have);
		print_text("%s%s\n", pt[k].have ? "" : " (no counters)",
			   pt[k].sink ? "  <- the path stops here" : "");
		print_close_object();
	}
	print_close_array();
	print_str(PRINT_ANY, "result", "  path result: %s\n", path_stop_name(r.stop));
	if (ledger_hop_conservation(pt, n, 10, &loss)) {
		const struct path_hop *h = &r.hop[hop_of[loss.to]];
		struct hop_verdict v;
		struct finding f;

		/* the hop that decided the loss: a stop between the two points, else the
		 * point that did not see the packets */
		for (int i = hop_of[loss.from]; i <= hop_of[loss.to]; i++)
			if (r.hop[i].stop && path_stop_is_drop(r.hop[i].stop)) {
				h = &r.hop[i];
				break;
			}
		v.layer = h->stop ? stop_layer(h) : LAYER_VDEV;
		v.netns = h->ns;
		v.dev = h->dev;
		v.decided = h->decided;
		v.why = h->stop ? h->why : "";
		v.fix = h->fix;
		doctor_hop_finding(pt, &loss, &v, &f);
		doctor_report_add(&o->rep, &f);
		print_u64(PRINT_ANY, "lost", "  %llu packets lost", loss.lost);
		print_str(PRINT_ANY, "lost_at", " at %s", h->dev);
		print_str(PRINT_ANY, "lost_netns", " in %s\n", h->ns);
	}
	print_close_object();
}

int cmd_doctor(int argc, char **argv)
{
	double duration = 5;
	bool json = false, no_reasons = false, fail = false;
	const char *netns = NULL, *fail_on_s = "warning", *ovs_rundirs = NULL;
	const char *path_from = NULL, *path_to = NULL;
	uint32_t path_size = 64;
	enum severity fail_on;
	const struct opt opts[] = {
		VOCAB_DURATION(&duration, NULL, "5", "watch this long when no COMMAND is given"),
		VOCAB_NETNS(&netns),
		{ .name = "fail-on", .type = OPT_CHOICE, .dst = &fail_on_s,
		  .choices = "info|warning|critical", .arg = "SEVERITY", .def = "warning",
		  .help = "exit 1 when a finding is this severe or more: info, warning, critical" },
		{ .name = "no-drop-reasons", .type = OPT_FLAG, .dst = &no_reasons,
		  .help = "do not attach the BPF drop-reason tracer (counters only)" },
		{ .name = "ovs-rundir", .type = OPT_STR, .dst = &ovs_rundirs, .arg = "DIRS",
		  .help = "extra ':'-separated Open vSwitch run directories (ovsdb-server socket)" },
		{ .name = "from", .type = OPT_STR, .dst = &path_from, .arg = "NS|pid:PID|DEV|ADDR",
		  .help = "with --to: check conservation hop by hop along this flow's path" },
		{ .name = "to", .type = OPT_STR, .dst = &path_to, .arg = "ADDR",
		  .help = "the flow's destination (default with --from: the load's server)" },
		{ .name = "size", .shrt = 's', .type = OPT_U32, .dst = &path_size, .min = 0,
		  .max = 65507, .arg = "BYTES", .def = "64", .unit = "bytes",
		  .help = "UDP payload of the flow whose path --from/--to follows, %R" },
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "doctor", .synopsis = "[OPTIONS] [-- COMMAND [ARGS...]]",
		.about = "Watch the counters of every layer and namespace for --duration seconds,\n"
			 "or while COMMAND runs (a load, e.g. `ip netns exec NS dptune bench ADDR\n"
			 "--json`), then print where packets were lost, layer by layer in datapath\n"
			 "order, and what to change: findings of causal rules, each with the\n"
			 "evidence, the cause, the commands to type and how sure it is. When COMMAND\n"
			 "prints `dptune bench --json` output, its lost packets are checked against\n"
			 "the counters (conservation). A COMMAND that fails or cannot run gives no\n"
			 "diagnosis (exit 1).\n",
		.opts = opts, .min_args = 0, .max_args = -1, .stop_at_dashdash = true,
		.footer = "\nExit status: 0 nothing at or above --fail-on; 1 findings at or above\n"
			  "it, or a failure (COMMAND's too); 2 usage error.\n",
	};
	struct collect_opts co = { 0 };
	struct collect_engine *eng;
	struct observation o;
	char **cmdv = NULL;
	char err[512];
	size_t shown;
	int first, rc;

	rc = opt_parse(&spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	fail_on = !strcmp(fail_on_s, "info") ? SEV_INFO :
		  !strcmp(fail_on_s, "critical") ? SEV_CRIT : SEV_WARN;
	if (first < argc)
		cmdv = argv + first;
	if (path_to && !path_from)
		return opt_usage_error(&spec, "--to needs --from (where the flow starts)");

	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	co.drop_reasons = !no_reasons;
	co.ovs_rundirs = ovs_rundirs;
	eng = collect_engine_new(&co);
	if (!json && cmdv)
		fprintf(stderr, "dptune doctor: watching while %s runs\n", cmdv[0]);
	else if (!json)
		fprintf(stderr, "dptune doctor: watching for %g s\n", duration);
	rc = doctor_observe(eng, duration, cmdv, !json, &stop, &o, err, sizeof(err));
	if (rc) {
		observation_release(&o);
		collect_engine_free(eng);
		return cmd_fail(EXIT_FAIL, "%s", err);
	}
	for (const char *p = netns; p && *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		char name[256];

		snprintf(name, sizeof(name), "%.*s", (int)l, p);
		if (snap_ns_by_name(&o.b, name) < 0) {
			observation_release(&o);
			collect_engine_free(eng);
			return cmd_fail(EXIT_FAIL, "no network namespace named '%s' (see 'ip netns "
					"list'; host is the initial one)", name);
		}
		p += l + (e ? 1 : 0);
	}
	print_open_object(NULL);
	print_header(&o);
	print_waterfall(&o);
	if (path_from && (path_to || o.load_server[0]))
		path_conservation(&o, path_from, path_to ? path_to : o.load_server, path_size);
	shown = print_findings(&o, netns, fail_on, &fail);
	if (o.have_cmd && o.cmd_rc) {
		/* a load that reported its result, then failed (bench: sender-limited) */
		print_text("\n[warning] the watched command exited %d after reporting its load: "
			   "the window is diagnosed, but check the command's own message\n",
			   o.cmd_rc);
		fail = true;
	} else if (!shown) {
		print_text("\nno findings: nothing was dropped that a rule explains\n");
	}
	if (observation_unexplained(&o))
		print_text("\n[warning] %llu packets the load lost appear in no counter dptune can "
			   "see (closed socket queues, drops inside a VM, a hop outside this host%s)\n",
			   (unsigned long long)observation_unexplained(&o),
			   o.l.exact ? "; or drops the kernel did not run the BPF drop tracer for: "
			   "a few per mille seen with RPS to an idle CPU" : "");
	print_close_object();
	observation_release(&o);
	collect_engine_free(eng);
	return fail ? EXIT_FAIL : EXIT_OK;
}
