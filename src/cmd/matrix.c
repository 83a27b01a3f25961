/* matrix.c: `dptune lab matrix`: the per-layer cost table. For each scenario it builds
 * the lab, starts a load server inside the lab's server namespace (in this process),
 * runs the same NDR/PDR search from the client namespace, tears the lab down, and prints
 * NDR and PDR per scenario, relative to the direct veth, with the layer that dropped
 * first. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "sweep.h"
#include "../core/log.h"
#include "../core/netns.h"
#include "../collect/collect.h"
#include "../lab/lab.h"
#include "../traffic/serve.h"
#include "../output/print.h"

#define MX_MAX 8

struct mx_row {
	char scenario[16];
	char why[320];          /* could not run: why */
	double ndr, pdr;
	bool confirmed, unstable, sender_bound;
	unsigned trials;
	double seconds;
	char first_layer[16], first_where[160], first_counter[64];
	uint64_t first_delta;
	char path[256];
};

static void on_signal(int sig)
{
	(void)sig;
	sweep_stop_flag = 1;
}

static void matrix_usage(FILE *fp)
{
	fprintf(fp,
"usage: dptune lab matrix [SCENARIO...] [--duration SECONDS] [--precision PCT]\n"
"                         [--size BYTES] [--flows N] [--max-trials N] [--threads N]\n"
"                         [--json]\n"
"\n"
"Build each scenario in turn (default: veth bridge vxlan router macvlan), run `dptune\n"
"sweep` through it with the same options, tear it down, and print the NDR and PDR of each,\n"
"relative to veth, with the layer that dropped first.\n"
"  --duration SECONDS   trial length (default 1)\n"
"  --precision PCT      search precision (default 2)\n"
"  --size BYTES         UDP payload (default 64)\n"
"  --flows N            flows (default 8)\n"
"  --max-trials N       trials per search at most (default 16)\n"
"  --threads N          sender threads (default 1)\n"
"  --json               one JSON document\n");
}

/* Enter the namespace ns, saving ours in *back (leave() returns there). 0 or -errno. */
static int enter(const char *ns, int *back)
{
	int fd = netns_open_name(NULL, ns), r;

	if (fd < 0)
		return fd;
	r = netns_switch(fd, back);
	close(fd);
	return r;
}

static void leave(int *back)
{
	int r = netns_restore(back);

	if (r)
		warn_msg("cannot return to our namespace: %s", strerror(-r));
}

static void run_one(const struct sweep_cli *base, struct collect_engine *eng, const char *scen,
		    struct mx_row *row, bool json)
{
	struct lab_up_opts uo = { 0 };
	struct lab l;
	struct sweep_cli o = *base;
	struct size_result sr;
	struct serve_opts so;
	struct server *srv = NULL;
	const struct lab_node *cn, *sn;
	char name[LAB_NAME_MAX + 1], err[256], opt[256];
	int back = -1, r;

	memset(row, 0, sizeof(*row));
	memset(&sr, 0, sizeof(sr));
	snprintf(row->scenario, sizeof(row->scenario), "%s", scen);
	if (!lab_scenario_find(scen)) {
		snprintf(row->why, sizeof(row->why), "no such scenario");
		return;
	}
	lab_probe(scen, row->why, sizeof(row->why), opt, sizeof(opt));
	if (row->why[0])
		return;
	snprintf(name, sizeof(name), "mx_%.8s", scen);
	uo.name = name;
	uo.scenario = scen;
	uo.log = json ? NULL : stderr;
	if (!json)
		fprintf(stderr, "== %s: building\n", scen);
	r = lab_up(&uo, err, sizeof(err));
	if (r && r != -EEXIST) {
		snprintf(row->why, sizeof(row->why), "lab up failed: %s", err);
		if (lab_down(name, NULL))
			warn_msg("lab %s: teardown incomplete; run 'dptune lab down %s'", name, name);
		return;
	}
	if (lab_load(name, &l)) {
		snprintf(row->why, sizeof(row->why), "cannot read the lab's state");
		goto down;
	}
	cn = lab_node_find(&l, l.client);
	sn = lab_node_find(&l, l.server);
	if (!cn || !sn || !l.server_addr[0]) {
		snprintf(row->why, sizeof(row->why), "the lab has no client/server description");
		goto free_lab;
	}
	for (int i = 0, n = 0; i < l.n_path && n < (int)sizeof(row->path) - 40; i++)
		n += snprintf(row->path + n, sizeof(row->path) - (size_t)n, "%s%s", i ? " > " : "",
			      l.path[i].kind);
	/* the server runs in a thread of ours, inside the lab's server namespace */
	/* the server binds its own address; the client sends to l.server_addr, which may be
	 * a floating IP that the router translates (DNAT) */
	char bind[48], *slash;

	snprintf(bind, sizeof(bind), "%s", sn->addr[0] ? sn->addr : l.server_addr);
	slash = strchr(bind, '/');
	if (slash)
		*slash = '\0';
	serve_opts_init(&so);
	so.bind = bind;
	so.port = (uint16_t)l.port_lo;
	r = enter(sn->ns, &back);
	if (r) {
		snprintf(row->why, sizeof(row->why), "cannot enter %s: %s", sn->ns, strerror(-r));
		leave(&back);
		goto free_lab;
	}
	r = serve_start(&so, &srv, err, sizeof(err));
	leave(&back);
	if (r) {
		snprintf(row->why, sizeof(row->why), "cannot start the server: %s", err);
		goto free_lab;
	}
	o.base.host = l.server_addr;
	o.base.port = (uint16_t)l.port_lo;
	o.base.client_netns = cn->ns;
	if (!json)
		fprintf(stderr, "== %s: sweeping %s -> %s\n", scen, cn->ns, l.server_addr);
	r = sweep_search_size(&o, eng, o.base.size, &sr);
	if (r) {
		snprintf(row->why, sizeof(row->why), "sweep failed: %s", sr.error);
	} else {
		row->ndr = sweep_result(&sr.s, 0);
		row->pdr = sweep_result(&sr.s, 1);
		row->confirmed = sr.confirmed;
		row->unstable = sr.unstable;
		row->sender_bound = sr.sender_bound;
		row->trials = sr.s.trials;
		row->seconds = sr.seconds;
		if (sr.first_loss >= 0) {
			const struct trial_rec *t = &sr.rec[sr.first_loss];

			if (t->have_ledger && t->ledger.top >= 0) {
				const struct ledger_entry *e = &t->ledger.e[t->ledger.top];

				snprintf(row->first_layer, sizeof(row->first_layer), "%s",
					 layer_name(e->layer));
				if (e->cpu >= 0)
					snprintf(row->first_where, sizeof(row->first_where), "%s cpu%d",
						 e->netns, e->cpu);
				else
					snprintf(row->first_where, sizeof(row->first_where), "%s %s",
						 e->netns, *e->obj ? e->obj : "");
				snprintf(row->first_counter, sizeof(row->first_counter), "%s", e->counter);
				row->first_delta = e->delta;
			} else {
				snprintf(row->first_layer, sizeof(row->first_layer), "unexplained");
			}
		}
	}
	sweep_size_result_release(&sr);
	serve_stop(srv);
free_lab:
	lab_free(&l);
down:
	if (lab_down(name, NULL))
		warn_msg("lab %s: teardown incomplete; run 'dptune lab down %s'", name, name);
}

int lab_matrix(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "precision", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 's' },
		{ "flows", required_argument, NULL, 'f' },
		{ "max-trials", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const defaults[] = { "veth", "bridge", "vxlan", "router", "macvlan" };
	const char *scen[MX_MAX];
	struct mx_row rows[MX_MAX];
	struct sweep_cli o;
	struct collect_engine *eng;
	struct collect_opts co = { .drop_reasons = true };
	int n = 0, opt, rc = EXIT_OK;
	bool json = false;
	uint32_t u;
	double veth = 0, t0 = now_mono();

	sweep_cli_defaults(&o);
	o.base.duration = 1;
	o.precision_pct = 2;
	o.warmup = 0.5;
	o.pause = 0.3;
	o.max_trials = 16;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (parse_seconds(optarg, &o.base.duration, false))
				return usage_error("invalid --duration '%s'", optarg);
			break;
		case 'p': {
			char *end;

			o.precision_pct = strtod(optarg, &end);
			if (*end || o.precision_pct <= 0 || o.precision_pct > 50)
				return usage_error("invalid --precision '%s': a percentage (0, 50]", optarg);
			break;
		}
		case 's':
			if (parse_u32(optarg, &u) || u < 32 || u > 65000)
				return usage_error("invalid --size '%s' (32 to 65000)", optarg);
			o.base.size = u;
			break;
		case 'f':
			if (parse_u32(optarg, &u) || !u || u > 65536)
				return usage_error("invalid --flows '%s'", optarg);
			o.base.flows = u;
			break;
		case 'm':
			if (parse_u32(optarg, &u) || !u || u > 200)
				return usage_error("invalid --max-trials '%s'", optarg);
			o.max_trials = u;
			break;
		case 't':
			if (parse_u32(optarg, &u) || !u || u > 64)
				return usage_error("invalid --threads '%s'", optarg);
			o.base.threads = u;
			break;
		case 'j': json = true; break;
		case 'h':
			matrix_usage(stdout);
			return EXIT_OK;
		default:
			matrix_usage(stderr);
			return EXIT_USAGE;
		}
	}
	for (int i = optind; i < argc && n < MX_MAX; i++) {
		if (!lab_scenario_find(argv[i]))
			return usage_error("unknown scenario '%s' (see 'dptune lab scenarios')", argv[i]);
		scen[n++] = argv[i];
	}
	if (!n)
		for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
			scen[n++] = defaults[i];
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	eng = collect_engine_new(&co);
	for (int i = 0; i < n && !sweep_stop_flag; i++) {
		run_one(&o, eng, scen[i], &rows[i], json);
		if (!strcmp(scen[i], "veth"))
			veth = rows[i].ndr;
	}
	collect_engine_free(eng);

	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	print_open_object(NULL);
	print_u64(PRINT_ANY, "size", "\nper-layer cost: %llu B UDP payload", o.base.size);
	print_u64(PRINT_ANY, "flows", ", %llu flows", o.base.flows);
	print_double(PRINT_ANY, "trial_seconds", ", %g s trials", o.base.duration);
	print_double(PRINT_ANY, "precision_percent", ", precision %g%%\n", o.precision_pct);
	print_text("%-9s %9s %9s %8s  %-10s %s\n", "SCENARIO", "NDR pps", "PDR pps", "VS VETH",
		   "FIRST DROP", "WHERE / COUNTER");
	print_open_array("scenarios");
	for (int i = 0; i < n; i++) {
		const struct mx_row *r = &rows[i];
		char a[32], b[32];

		if (i >= n || (!r->scenario[0]))
			continue;
		print_open_object(NULL);
		print_str(PRINT_ANY, "scenario", "%-9s ", r->scenario);
		if (r->why[0]) {
			print_str(PRINT_ANY, "error", "cannot run: %s", r->why);
			print_close_object();
			print_nl();
			continue;
		}
		print_double(PRINT_JSONONLY, "ndr_pps", NULL, r->ndr);
		print_double(PRINT_JSONONLY, "pdr_pps", NULL, r->pdr);
		print_bool(PRINT_JSONONLY, "sender_bound", NULL, r->sender_bound);
		print_str(PRINT_FP, NULL, "%s", r->sender_bound ? ">=" : "  ");
		print_str(PRINT_FP, NULL, "%7s ", fmt_rate(a, sizeof(a), r->ndr));
		print_str(PRINT_FP, NULL, "%9s ", fmt_rate(b, sizeof(b), r->pdr));
		if (veth > 0)
			print_double(PRINT_ANY, "relative_to_veth", "%8.2f  ", r->ndr / veth);
		else
			print_str(PRINT_FP, NULL, "%8s  ", "-");
		print_str(PRINT_ANY, "first_drop_layer", "%-10s ",
			  r->first_layer[0] ? r->first_layer : r->sender_bound ? "(sender)" : "none");
		if (r->first_counter[0]) {
			print_str(PRINT_ANY, "first_drop_where", "%s", r->first_where);
			print_str(PRINT_ANY, "first_drop_counter", " %s", r->first_counter);
			print_u64(PRINT_ANY, "first_drop_delta", " +%llu", r->first_delta);
		}
		print_bool(PRINT_JSONONLY, "confirmed", NULL, r->confirmed);
		print_bool(PRINT_JSONONLY, "unstable", NULL, r->unstable);
		print_u64(PRINT_JSONONLY, "trials", NULL, r->trials);
		print_double(PRINT_JSONONLY, "seconds", NULL, r->seconds);
		print_str(PRINT_JSONONLY, "path", NULL, r->path);
		if (r->unstable)
			print_text(" (unstable)");
		print_close_object();
		print_nl();
		if (!strcmp(r->scenario, "veth") && r->ndr <= 0)
			rc = EXIT_FAIL;
	}
	print_close_array();
	print_text("(sender): no layer dropped before the sender's CPU ran out; on veth paths the\n"
		   "sending CPU runs most of the receive path, so NDR there measures the path's cost\n"
		   "per packet on one core. Add --threads, or RPS on more hops, to find the layer.\n");
	print_double(PRINT_ANY, "total_seconds", "\n%.0f s in all.", now_mono() - t0);
	print_text(" Where to look next:\n"
		   "  dptune lab up <scenario>; dptune doctor -- dptune bench <server> ...\n"
		   "  dptune sweep <server> --client-netns <ns> --json   every trial's drop ledger\n"
		   "  dptune stat -i 1 --drop-reasons                  counters of every layer, live\n");
	print_close_object();
	if (sweep_stop_flag)
		rc = EXIT_FAIL;
	return rc;
}
