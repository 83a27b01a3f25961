/* lab.c: `dptune lab`: build, list, enter, fault and tear down emulated datapaths in
 * namespaces (src/lab/). Parses options, calls the lab module, prints. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "../core/log.h"
#include "../lab/lab.h"
#include "../lab/lab_int.h"
#include "../output/print.h"

static void lab_usage(FILE *fp)
{
	fprintf(fp,
		"usage: dptune lab up SCENARIO [--name N] [--no-rps] [--rps-cpus MASK]\n"
		"       dptune lab down [N | --all]\n"
		"       dptune lab list [--json]\n"
		"       dptune lab status [N] [--json]\n"
		"       dptune lab exec [--name N] NODE -- CMD [ARGS...]\n"
		"       dptune lab fault N KIND [--rate R]\n"
		"       dptune lab fault --clear [N]\n"
		"       dptune lab scenarios [--json]\n\n"
		"Emulated OpenStack and container datapaths in network namespaces, built from real\n"
		"kernel devices in seconds and torn down without a trace (also after a SIGKILL).\n\n"
		"scenarios:");
	for (int i = 0; lab_scenarios[i].name; i++)
		fprintf(fp, "  %-8s %s\n", lab_scenarios[i].name, lab_scenarios[i].summary);
	fprintf(fp,
		"\nfault kinds: rcvbuf (rmem_default 4096 at the server), backlog (netdev_max_backlog 4,\n"
		"host-wide), conntrack (nf_conntrack_max 16, host-wide, router lab), ratecap (nft limit\n"
		"over --rate R/s drop at the server), slowguest (tap lab: the guest reads slowly).\n"
		"Host-wide values are recorded before they change and restored by --clear and down.\n\n"
		"  --name N         lab name, [A-Za-z0-9_] up to 12 (default: the scenario)\n"
		"  --no-rps         leave RPS off on the server's receiving device\n"
		"  --rps-cpus MASK  RPS mask for it (default: the last CPU; pin senders elsewhere)\n"
		"  --json           JSON output (status: nodes, target, path)\n"
		"  -h, --help       this help");
}

/* Resolve a lab argument: a lab name, or a scenario with exactly one lab of it. */
static int resolve(const char *arg, char *out, size_t n)
{
	struct lab l;
	char **names;
	int cnt, found = 0;

	if (lab_name_valid(arg) && !lab_load(arg, &l)) {
		lab_free(&l);
		snprintf(out, n, "%s", arg);
		return 0;
	}
	if (lab_names(&names, &cnt))
		return -ENOENT;
	for (int i = 0; i < cnt; i++)
		if (!lab_load(names[i], &l)) {
			if (!strcmp(l.scenario, arg)) {
				found++;
				snprintf(out, n, "%s", names[i]);
			}
			lab_free(&l);
		}
	lab_names_free(names, cnt);
	return found == 1 ? 0 : -ENOENT;
}

static void print_lab(const struct lab *l)
{
	int present = 0;
	struct strbuf sb;

	for (int i = 0; i < l->n_nodes; i++)
		present += lab_ns_exists(l->nodes[i].ns);
	print_open_object(NULL);
	print_str(PRINT_ANY, "name", "lab %s", l->name);
	print_str(PRINT_ANY, "scenario", " (%s)", l->scenario);
	print_str(PRINT_ANY, "state", ": %s", !l->complete ? "partial" : present == l->n_nodes ? "up" : "broken");
	print_i64(PRINT_ANY, "index", ", index %lld\n", l->idx);
	print_text("  nodes:\n");
	print_open_array("nodes");
	for (int i = 0; i < l->n_nodes; i++) {
		const struct lab_node *n = &l->nodes[i];

		print_open_object(NULL);
		print_str(PRINT_ANY, "name", "    %-5s", n->name);
		print_str(PRINT_ANY, "role", " %-9s", n->role);
		print_str(PRINT_ANY, "netns", " %-16s", n->ns);
		print_str(PRINT_ANY, "addr", " %-16s", n->addr[0] ? n->addr : "-");
		print_str(PRINT_ANY, "dev", " %s\n", n->dev);
		print_bool(PRINT_JSONONLY, "present", NULL, lab_ns_exists(n->ns));
		print_close_object();
	}
	print_close_array();
	print_open_object("target");
	print_str(PRINT_ANY, "client", "  target: %s", l->client);
	print_str(PRINT_ANY, "server", " -> %s", l->server);
	print_str(PRINT_ANY, "addr", " %s", l->server_addr);
	print_u64(PRINT_ANY, "port_lo", " udp %llu", l->port_lo);
	print_u64(PRINT_ANY, "port_hi", "-%llu\n", l->port_hi);
	print_close_object();
	print_text("  path:\n");
	print_open_array("path");
	for (int i = 0; i < l->n_path; i++) {
		const struct lab_hop *h = &l->path[i];

		print_open_object(NULL);
		print_str(PRINT_ANY, "netns", "    %s", h->ns);
		print_str(PRINT_ANY, "dev", "/%s", h->dev);
		print_str(PRINT_ANY, "kind", " (%s", h->kind);
		print_str(PRINT_ANY, "note", "%s", h->note[0] ? ", " : "");
		if (h->note[0])
			print_text("%s", h->note);
		print_text(")\n");
		print_close_object();
	}
	print_close_array();
	if (l->rps_dev[0]) {
		print_open_object("rps");
		print_str(PRINT_ANY, "netns", "  rps: %s", l->rps_ns);
		print_str(PRINT_ANY, "dev", "/%s", l->rps_dev);
		print_str(PRINT_ANY, "mask", " rps_cpus=%s\n", l->rps_mask);
		print_close_object();
	} else {
		print_null(PRINT_ANY, "rps", "  rps: off\n");
	}
	print_str(PRINT_ANY, "missing", "  missing: %s\n", l->missing[0] ? l->missing : "none");
	sb_init(&sb);
	print_open_array("faults");
	for (int i = 0; i < l->n_recs; i++) {
		const char *f = l->recs[i].fault;

		if (f[0] && !strstr(sb.buf ? sb.buf : "", f)) {
			print_str(PRINT_JSONONLY, NULL, NULL, f);
			sb_addf(&sb, "%s%s", sb.len ? " " : "", f);
		}
	}
	print_close_array();
	print_text("  faults: %s\n", sb.len ? sb.buf : "none");
	sb_release(&sb);
	if (!strcmp(l->scenario, "tap")) {
		char *p = xasprintf("%s/%s.guest", lab_dir(), l->name), buf[256];
		uint64_t in = 0, out = 0;
		bool slow = false;

		if (!read_small(p, buf, sizeof(buf)) && lab_guest_parse(buf, strlen(buf), &in, &out, &slow)) {
			print_open_object("guest");
			print_u64(PRINT_ANY, "frames_in", "  guest: %llu frames in", in);
			print_u64(PRINT_ANY, "frames_out", ", %llu out", out);
			print_bool(PRINT_ANY, "slow", ", slow %s\n", slow);
			print_close_object();
		}
		free(p);
	}
	print_close_object();
	if (print_is_json())
		print_text("\n");
}

static int cmd_up(int argc, char **argv)
{
	static const struct option lo[] = { { "name", required_argument, NULL, 'n' },
					    { "no-rps", no_argument, NULL, 'R' },
					    { "rps-cpus", required_argument, NULL, 'm' },
					    { "json", no_argument, NULL, 'j' },
					    { "help", no_argument, NULL, 'h' },
					    { NULL, 0, NULL, 0 } };
	struct lab_up_opts o = { .log = stderr };
	bool json = false;
	char err[1024];
	struct lab l;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:hj", lo, NULL)) != -1) {
		switch (c) {
		case 'n': o.name = optarg; break;
		case 'R': o.no_rps = true; break;
		case 'm': {
			uint64_t v;

			if (!*optarg || strspn(optarg, "0123456789abcdefABCDEF,") != strlen(optarg) ||
			    strlen(optarg) > 15)
				return usage_error("invalid --rps-cpus '%s': a hex CPU mask", optarg);
			(void)v;
			o.rps_mask = optarg;
			break;
		}
		case 'j': json = true; break;
		case 'h': lab_usage(stdout); return 0;
		default: return usage_error("bad option for 'lab up'");
		}
	}
	if (optind != argc - 1)
		return usage_error("lab up needs one SCENARIO");
	o.scenario = argv[optind];
	if (!lab_scenario_find(o.scenario))
		return usage_error("unknown scenario '%s'", o.scenario);
	if (!o.name)
		o.name = o.scenario;
	if (!lab_name_valid(o.name))
		return usage_error("invalid --name '%s': [A-Za-z0-9_], at most %d characters", o.name,
				   LAB_NAME_MAX);
	rc = lab_up(&o, err, sizeof(err));
	if (rc == -EOPNOTSUPP) {
		err_msg("%s", err);
		return EXIT_NOFEATURE;
	}
	if (rc && rc != -EEXIST) {
		err_msg("%s", err[0] ? err : strerror(-rc));
		return rc == -EINTR ? 130 : EXIT_FAIL;
	}
	if (lab_load(o.name, &l)) {
		err_msg("lab %s: cannot read its state file", o.name);
		return EXIT_FAIL;
	}
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	if (rc == -EEXIST && !json)
		printf("lab %s is already up\n", o.name);
	print_lab(&l);
	print_flush();
	lab_free(&l);
	return 0;
}

static int cmd_down(int argc, char **argv)
{
	char **names;
	int n, rc = 0;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		lab_usage(stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--all")) {
		char name[LAB_NAME_MAX + 1];

		if (resolve(argv[1], name, sizeof(name))) {
			if (!lab_name_valid(argv[1]))
				return usage_error("invalid lab name '%s'", argv[1]);
			snprintf(name, sizeof(name), "%s", argv[1]);
		}
		rc = lab_down(name, stderr);
		if (rc == -ENOENT) {
			printf("lab %s: not up (nothing to remove)\n", name);
			return 0;
		}
		if (rc) {
			err_msg("lab %s: teardown incomplete: %s (run 'dptune lab down %s' again)", name,
				strerror(-rc), name);
			return EXIT_FAIL;
		}
		printf("lab %s: down\n", name);
		return 0;
	}
	if (argc > 2)
		return usage_error("lab down takes one lab name or --all");
	if (lab_names(&names, &n)) {
		err_msg("cannot read %s", lab_dir());
		return EXIT_FAIL;
	}
	if (argc == 1 && n > 1) {
		lab_names_free(names, n);
		return usage_error("several labs are up: name one, or use --all");
	}
	for (int i = 0; i < n; i++) {
		int r = lab_down(names[i], stderr);

		if (r && r != -ENOENT) {
			err_msg("lab %s: teardown incomplete: %s", names[i], strerror(-r));
			rc = EXIT_FAIL;
		} else {
			printf("lab %s: down\n", names[i]);
		}
	}
	lab_names_free(names, n);
	return rc;
}

static int cmd_list_status(int argc, char **argv, bool status)
{
	static const struct option lo[] = { { "json", no_argument, NULL, 'j' },
					    { "help", no_argument, NULL, 'h' },
					    { NULL, 0, NULL, 0 } };
	bool json = false;
	char **names;
	int c, n, shown = 0;
	const char *only = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", lo, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'h') {
			lab_usage(stdout);
			return 0;
		} else
			return usage_error("bad option");
	}
	if (optind < argc - 1 || (!status && optind < argc))
		return usage_error("too many arguments");
	if (optind < argc)
		only = argv[optind];
	if (lab_names(&names, &n)) {
		err_msg("cannot read %s", lab_dir());
		return EXIT_FAIL;
	}
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	print_open_object(NULL);
	print_open_array("labs");
	for (int i = 0; i < n; i++) {
		struct lab l;

		if (only && strcmp(only, names[i]))
			continue;
		if (lab_load(names[i], &l))
			continue;
		shown++;
		if (status) {
			print_lab(&l);
		} else {
			print_open_object(NULL);
			print_str(PRINT_ANY, "name", "%-12s", l.name);
			print_str(PRINT_ANY, "scenario", " %-8s", l.scenario);
			print_str(PRINT_ANY, "state", " %-8s", l.complete ? "up" : "partial");
			print_i64(PRINT_ANY, "index", " index %lld", l.idx);
			print_str(PRINT_ANY, "server_addr", " server %s\n", l.server_addr);
			print_close_object();
		}
		lab_free(&l);
	}
	print_close_array();
	print_close_object();
	print_flush();
	lab_names_free(names, n);
	if (!shown && !json)
		printf(only ? "" : "no lab is up\n");
	if (only && !shown) {
		err_msg("no lab named %s", only);
		return EXIT_FAIL;
	}
	return 0;
}

static int cmd_exec(int argc, char **argv)
{
	const char *labname = NULL, *nodearg;
	char name[LAB_NAME_MAX + 1], nodebuf[64];
	const struct lab_node *nd;
	struct lab l;
	int i = 1, rc;

	if (i < argc && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
		lab_usage(stdout);
		return 0;
	}
	if (i + 1 < argc && !strcmp(argv[i], "--name")) {
		labname = argv[i + 1];
		i += 2;
	}
	if (i >= argc)
		return usage_error("lab exec needs NODE -- CMD");
	nodearg = argv[i++];
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return usage_error("lab exec needs a command after NODE --");
	snprintf(nodebuf, sizeof(nodebuf), "%s", nodearg);
	char *colon = strchr(nodebuf, ':');

	if (colon) {
		*colon = 0;
		labname = nodebuf;
		nodearg = colon + 1;
	}
	if (!labname && !strncmp(nodearg, "dl-", 3)) {
		/* a full namespace name: dl-<lab>-<node> */
		const char *s = nodearg + 3, *d = strchr(s, '-');

		if (d && (size_t)(d - s) <= LAB_NAME_MAX) {
			snprintf(name, sizeof(name), "%.*s", (int)(d - s), s);
			labname = name;
		}
	}
	if (!labname) {
		char **names;
		int n;

		if (lab_names(&names, &n) || n != 1) {
			lab_names_free(names, n);
			return usage_error("name the lab: --name N or LAB:NODE (%d labs are up)", n);
		}
		snprintf(name, sizeof(name), "%s", names[0]);
		lab_names_free(names, n);
		labname = name;
	}
	if (strlen(labname) > LAB_NAME_MAX || resolve(labname, name, sizeof(name)) ||
	    lab_load(name, &l)) {
		err_msg("no lab named %s (see 'dptune lab list')", labname);
		return EXIT_FAIL;
	}
	nd = lab_node_find(&l, nodearg);
	if (!nd) {
		err_msg("lab %s has no node %s (see 'dptune lab status %s')", name, nodearg, name);
		lab_free(&l);
		return EXIT_FAIL;
	}
	rc = lab_exec(nd->ns, argv + i);
	err_msg("cannot run %s in %s: %s", argv[i], nd->ns, strerror(-rc));
	lab_free(&l);
	return rc == -ENOENT ? 127 : EXIT_FAIL;
}

static int cmd_fault(int argc, char **argv)
{
	static const struct option lo[] = { { "clear", no_argument, NULL, 'c' },
					    { "rate", required_argument, NULL, 'r' },
					    { "help", no_argument, NULL, 'h' },
					    { NULL, 0, NULL, 0 } };
	bool clear = false;
	uint64_t rate = 1000;
	char name[LAB_NAME_MAX + 1], err[1024];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'c': clear = true; break;
		case 'r': {
			double pps;

			if (parse_rate(optarg, &pps, NULL) || pps < 1 || pps > 1e9)
				return usage_error("invalid --rate '%s' (packets per second, e.g. 2000, 5k)",
						   optarg);
			rate = (uint64_t)pps;
			break;
		}
		case 'h': lab_usage(stdout); return 0;
		default: return usage_error("bad option for 'lab fault'");
		}
	}
	if (clear) {
		char **names;
		int n, ret = 0;

		if (optind < argc - 1)
			return usage_error("lab fault --clear takes at most one lab");
		if (optind == argc - 1) {
			if (resolve(argv[optind], name, sizeof(name))) {
				err_msg("no lab named %s", argv[optind]);
				return EXIT_FAIL;
			}
			rc = lab_fault_clear(name, stderr);
			if (rc) {
				err_msg("lab %s: clearing faults failed: %s", name, strerror(-rc));
				return EXIT_FAIL;
			}
			printf("lab %s: faults cleared\n", name);
			return 0;
		}
		if (lab_names(&names, &n))
			return EXIT_FAIL;
		for (int i = 0; i < n; i++)
			if (lab_fault_clear(names[i], stderr)) {
				err_msg("lab %s: clearing faults failed", names[i]);
				ret = EXIT_FAIL;
			}
		lab_names_free(names, n);
		printf("faults cleared\n");
		return ret;
	}
	if (optind != argc - 2)
		return usage_error("lab fault needs a lab and a KIND");
	bool known = false;

	for (int i = 0; lab_fault_kinds[i]; i++)
		known |= !strcmp(lab_fault_kinds[i], argv[optind + 1]);
	if (!known)
		return usage_error("unknown fault kind '%s' (rcvbuf backlog conntrack ratecap slowguest)",
				   argv[optind + 1]);
	if (resolve(argv[optind], name, sizeof(name))) {
		err_msg("no lab named %s (see 'dptune lab list')", argv[optind]);
		return EXIT_FAIL;
	}
	rc = lab_fault(name, argv[optind + 1], rate, err, sizeof(err));
	if (rc == -EALREADY) {
		printf("lab %s: fault %s is already on\n", name, argv[optind + 1]);
		return 0;
	}
	if (rc) {
		err_msg("lab %s: fault %s: %s", name, argv[optind + 1], err[0] ? err : strerror(-rc));
		return rc == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	printf("lab %s: fault %s on (undo with 'dptune lab fault --clear %s')\n", name,
	       argv[optind + 1], name);
	return 0;
}

static int cmd_scenarios(int argc, char **argv)
{
	bool json = argc > 1 && !strcmp(argv[1], "--json");

	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	print_open_object(NULL);
	print_open_array("scenarios");
	for (int i = 0; lab_scenarios[i].name; i++) {
		char why[512], opt[256];

		lab_probe(lab_scenarios[i].name, why, sizeof(why), opt, sizeof(opt));
		print_open_object(NULL);
		print_str(PRINT_ANY, "name", "%-8s", lab_scenarios[i].name);
		print_bool(PRINT_JSONONLY, "available", NULL, !why[0]);
		print_str(PRINT_ANY, "why", " %s", why[0] ? why : "available");
		print_str(PRINT_ANY, "missing", "%s", "");
		if (opt[0])
			print_text(" (missing: %s)", opt);
		print_text("\n");
		print_close_object();
	}
	print_close_array();
	print_close_object();
	print_flush();
	return 0;
}

int cmd_lab(int argc, char **argv)
{
	const char *sub;

	if (argc < 2) {
		lab_usage(stderr);
		return EXIT_USAGE;
	}
	sub = argv[1];
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
		lab_usage(stdout);
		return 0;
	}
	if (!strcmp(sub, "up"))
		return cmd_up(argc - 1, argv + 1);
	if (!strcmp(sub, "down"))
		return cmd_down(argc - 1, argv + 1);
	if (!strcmp(sub, "list"))
		return cmd_list_status(argc - 1, argv + 1, false);
	if (!strcmp(sub, "status"))
		return cmd_list_status(argc - 1, argv + 1, true);
	if (!strcmp(sub, "exec"))
		return cmd_exec(argc - 1, argv + 1);
	if (!strcmp(sub, "fault"))
		return cmd_fault(argc - 1, argv + 1);
	if (!strcmp(sub, "scenarios"))
		return cmd_scenarios(argc - 1, argv + 1);
	if (!strcmp(sub, "matrix"))
		return lab_matrix(argc - 1, argv + 1);
	return usage_error("unknown lab command '%s'", sub);
}
