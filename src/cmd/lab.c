/* lab.c: `dptune lab`: build, list, enter, fault and tear down emulated datapaths in
 * namespaces (src/lab/). One option table per subcommand (core/opt.h), calls the lab
 * module, prints through the print layer (text and --json from the same calls); every
 * failure through cmd_fail() or a usage error, so that --json gets one error object. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "vocab.h"
#include "../core/log.h"
#include "../lab/lab.h"
#include "../lab/lab_int.h"
#include "../output/print.h"

#define LAB_HELP_WIDTH 88
#define LAB_HELP_COL 14
#define LAB_RATECAP_MAX 1e9

struct lab_sub {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
	const char *summary;
};

static const struct lab_sub lab_subs[];

/* "  label       text", the text wrapped at LAB_HELP_WIDTH under its first column. */
static void help_item(FILE *fp, const char *label, const char *text)
{
	int pos = LAB_HELP_COL;
	const char *p = text;

	if ((int)strlen(label) > LAB_HELP_COL - 3)
		fprintf(fp, "  %s\n%*s", label, LAB_HELP_COL, "");
	else
		fprintf(fp, "  %-*s", LAB_HELP_COL - 2, label);
	while (*p) {
		size_t w;

		p += strspn(p, " ");
		w = strcspn(p, " ");
		if (!w)
			break;
		if (pos > LAB_HELP_COL && pos + 1 + (int)w > LAB_HELP_WIDTH) {
			fprintf(fp, "\n%*s", LAB_HELP_COL, "");
			pos = LAB_HELP_COL;
		}
		fprintf(fp, "%s%.*s", pos > LAB_HELP_COL ? " " : "", (int)w, p);
		pos += (pos > LAB_HELP_COL ? 1 : 0) + (int)w;
		p += w;
	}
	fputc('\n', fp);
}

static const struct {
	const char *kind, *what;
} fault_help[] = {
	{ "rcvbuf", "net.core.rmem_default 4096 in the server's namespace (host-wide where the "
		    "kernel keeps it so): UDP RcvbufErrors" },
	{ "backlog", "net.core.netdev_max_backlog 4, host-wide: softnet dropped on the RPS CPU" },
	{ "conntrack", "net.netfilter.nf_conntrack_max 16, host-wide, router lab only: conntrack "
		       "drops" },
	{ "ratecap", "an nft rule in the server's namespace drops the server's UDP over --rate "
		     "PPS (default 1000)" },
	{ "slowguest", "tap lab only: the guest process reads slowly; the host tap's tx_dropped "
		       "rises" },
};

static void lab_usage(FILE *fp)
{
	fprintf(fp, "usage: dptune lab COMMAND [OPTIONS] [ARGS]\n\n"
		    "Emulated OpenStack and container datapaths in network namespaces, built from "
		    "real\nkernel devices in seconds and torn down without a trace (also after a "
		    "SIGKILL).\n\ncommands:\n");
	for (int i = 0; lab_subs[i].name; i++) {
		fprintf(fp, "  %s %s\n", lab_subs[i].name, lab_subs[i].synopsis);
		help_item(fp, "", lab_subs[i].summary);
	}
	fprintf(fp, "\nscenarios:\n");
	for (int i = 0; lab_scenarios[i].name; i++)
		help_item(fp, lab_scenarios[i].name, lab_scenarios[i].summary);
	fprintf(fp, "\nfault kinds:\n");
	for (size_t i = 0; i < ARRAY_SIZE(fault_help); i++)
		help_item(fp, fault_help[i].kind, fault_help[i].what);
	fprintf(fp,
		"\nFaults apply to all the UDP traffic to the lab's server address, whatever its port\n"
		"(serve gives each test a new data port); the TCP control port (the target's port,\n"
		"5500) is left alone. Host-wide values are recorded before they change and restored\n"
		"by 'fault --clear' and 'down'.\n\n"
		"'dptune lab COMMAND --help' shows a command's options ('dptune lab matrix --help'\n"
		"the matrix's); man dptune-lab has the rest.\n");
}

/* ---- finding a lab ---- */

/* "a, b, c" of the labs up (xmalloc'd; "none" when there is none). */
static char *names_list(char **names, int n)
{
	struct strbuf sb;

	sb_init(&sb);
	for (int i = 0; i < n; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "", names[i]);
	if (!n)
		sb_addstr(&sb, "none");
	return sb.buf;
}

/* The lab meant by arg: a lab name, or a scenario of which exactly one lab is up; with
 * arg NULL, the one lab that is up. 0 with the name in out, or -ENOENT/-EBUSY (several
 * match) with why, naming the labs that are up. out may not alias arg. */
static int resolve(const char *arg, char *out, size_t n, char *why, size_t wn)
{
	struct lab l;
	char **names, *list, found[LAB_NAME_MAX + 1] = "";
	int cnt, hits = 0, rc;

	if (arg && lab_name_valid(arg) && !lab_load(arg, &l)) {
		lab_free(&l);
		snprintf(out, n, "%s", arg);
		return 0;
	}
	rc = lab_names(&names, &cnt);
	if (rc) {
		snprintf(why, wn, "cannot read %s: %s", lab_dir(), strerror(-rc));
		return rc;
	}
	for (int i = 0; i < cnt; i++) {
		if (lab_load(names[i], &l))
			continue;
		if (!arg || !strcmp(l.scenario, arg)) {
			hits++;
			snprintf(found, sizeof(found), "%s", names[i]);
		}
		lab_free(&l);
	}
	list = names_list(names, cnt);
	if (hits == 1) {
		snprintf(out, n, "%s", found);
		rc = 0;
	} else if (!arg && !cnt) {
		snprintf(why, wn, "no lab is up (start one with 'dptune lab up SCENARIO')");
		rc = -ENOENT;
	} else if (!arg) {
		snprintf(why, wn, "%d labs are up (%s): name one", cnt, list);
		rc = -EBUSY;
	} else if (hits > 1) {
		snprintf(why, wn, "%d %s labs are up (%s): name one", hits, arg, list);
		rc = -EBUSY;
	} else {
		snprintf(why, wn, "no lab named %s (labs up: %s; see 'dptune lab list')", arg, list);
		rc = -ENOENT;
	}
	free(list);
	lab_names_free(names, cnt);
	return rc;
}

/* ---- printing a lab ---- */

/* The commands to try next, each naming the namespace it sends from (pasted on the host,
 * a bench without one would leave by the default route). */
static void print_hints(const struct lab *l)
{
	const struct lab_node *cli = lab_node_find(l, l->client);
	char *h[5];
	int n = 0;

	if (!cli)
		return;
	h[n++] = xasprintf("dptune lab exec %s:%s -- dptune serve --port %u &", l->name, l->server,
			   l->port_lo);
	h[n++] = xasprintf("dptune lab exec %s:%s -- dptune bench %s --port %u --rate 50k "
			   "--duration 3", l->name, l->client, l->server_addr, l->port_lo);
	h[n++] = xasprintf("dptune doctor -- dptune lab exec %s:%s -- dptune bench %s --port %u "
			   "--rate 50k --duration 3 --json", l->name, l->client, l->server_addr,
			   l->port_lo);
	h[n++] = xasprintf("dptune sweep %s --port %u --client-netns %s", l->server_addr,
			   l->port_lo, cli->ns);
	h[n++] = xasprintf("dptune lab down %s", l->name);
	print_text("  next (traffic leaves from the lab's client namespace %s):\n", cli->ns);
	print_open_array("next");
	for (int i = 0; i < n; i++) {
		print_str(PRINT_ANY, NULL, "    %s\n", h[i]);
		free(h[i]);
	}
	print_close_array();
}

/* "a; b; c" (the probe's list of missing parts) as a JSON array; text as it is. */
static void print_missing(const char *key, const char *fmt, const char *missing)
{
	print_str(PRINT_FP, NULL, fmt, missing[0] ? missing : "none");
	print_open_array(key);
	for (const char *p = missing; *p;) {
		size_t w = strcspn(p, ";");
		char *item = strndup(p, w);

		if (item && item[0])
			print_str(PRINT_JSONONLY, NULL, NULL, item);
		free(item);
		p += w;
		p += strspn(p, "; ");
	}
	print_close_array();
}

static void print_lab(const struct lab *l, bool hints)
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
	print_u64(PRINT_ANY, "port_lo", " (serve --port %llu", l->port_lo);
	print_u64(PRINT_JSONONLY, "port_hi", NULL, l->port_hi);
	print_text("; faults: all UDP to the server)\n");
	print_close_object();
	print_text("  path:\n");
	print_open_array("path");
	for (int i = 0; i < l->n_path; i++) {
		const struct lab_hop *h = &l->path[i];

		print_open_object(NULL);
		print_str(PRINT_ANY, "netns", "    %s", h->ns);
		print_str(PRINT_ANY, "dev", "/%s", h->dev);
		print_str(PRINT_ANY, "kind", " (%s", h->kind);
		if (h->note[0])
			print_str(PRINT_ANY, "note", ", %s", h->note);
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
	print_missing("missing", "  missing: %s\n", l->missing);
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
	if (hints && l->complete)
		print_hints(l);
	print_close_object();
}

/* ---- option callbacks ---- */

static int name_cb(const struct opt *o, const char *arg, void *data, char *err, size_t n)
{
	(void)o;
	if (!lab_name_valid(arg)) {
		snprintf(err, n, "need [A-Za-z0-9_], 1..%d characters", LAB_NAME_MAX);
		return -1;
	}
	*(const char **)data = arg;
	return 0;
}

static int mask_cb(const struct opt *o, const char *arg, void *data, char *err, size_t n)
{
	(void)o;
	if (!*arg || strspn(arg, "0123456789abcdefABCDEF,") != strlen(arg) || strlen(arg) > 15) {
		snprintf(err, n, "need a hex CPU mask like 8 or ff (1..15 characters)");
		return -1;
	}
	*(const char **)data = arg;
	return 0;
}

static int ratecap_cb(const struct opt *o, const char *arg, void *data, char *err, size_t n)
{
	double pps;
	bool is_max = false;

	(void)o;
	if (parse_rate(arg, &pps, &is_max) || is_max || pps < 1 || pps > LAB_RATECAP_MAX) {
		snprintf(err, n, "need 1..1G packets per second (500, 5k, 1.2M)");
		return -1;
	}
	*(double *)data = pps;
	return 0;
}

#define LAB_NAME_OPT(D_, W_)                                                            \
	{ .name = "name", .shrt = 'n', .type = OPT_CALLBACK, .cb = name_cb, .data = (D_),  \
	  .arg = "N", .def = "the scenario", .help = (W_) }

/* ---- subcommands ---- */

/* The labs a command acts on, in *names (lab_names_free them): one, or when one is NULL
 * every lab that is up. 0, or the exit code after saying why they cannot be read. */
static int labs_named(const char *one, char ***names, int *n)
{
	int rc;

	if (one) {
		*names = xmalloc(sizeof(**names));
		(*names)[0] = xstrdup(one);
		*n = 1;
		return 0;
	}
	rc = lab_names(names, n);
	if (rc)
		return cmd_fail(EXIT_FAIL, "cannot read %s: %s", lab_dir(), strerror(-rc));
	return 0;
}

/* The end of a command that acted on n labs (down, fault --clear) inside an array of an
 * object: closes both, frees names and fails; a failure that names every lab that
 * failed (nfail of them, in fails), else "no lab is up" when n is 0. The exit code. */
static int labs_done(char **names, int n, struct strbuf *fails, int nfail)
{
	int rc;

	print_close_array();
	print_close_object();
	lab_names_free(names, n);
	if (nfail) {
		rc = cmd_fail(EXIT_FAIL, "%s", fails->buf);
		sb_release(fails);
		return rc;
	}
	sb_release(fails);
	if (!n)
		print_text("no lab is up\n");
	print_flush();
	return 0;
}

static int sub_up(int argc, char **argv)
{
	struct lab_up_opts o = { 0 };
	bool json = false;
	char err[1024];
	struct lab l;
	int first, rc;
	const struct opt opts[] = {
		LAB_NAME_OPT(&o.name, "lab name, [A-Za-z0-9_], 1..12 characters"),
		{ .name = "no-rps", .type = OPT_FLAG, .dst = &o.no_rps,
		  .help = "leave RPS off on the server's receiving device" },
		{ .name = "rps-cpus", .type = OPT_CALLBACK, .cb = mask_cb, .data = &o.rps_mask,
		  .arg = "MASK", .help = "RPS mask for it, hex (default: the last CPU)" },
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "lab up", .synopsis = "[OPTIONS] SCENARIO", .opts = opts,
		.about = "Build a lab (see 'dptune lab --help' for the scenarios), print it and the\n"
			 "commands to try next.",
		.min_args = 1, .max_args = 1,
	};

	rc = opt_parse(&spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	o.scenario = argv[first];
	if (!lab_scenario_find(o.scenario))
		return opt_usage_error(&spec, "unknown scenario '%s' (see 'dptune lab scenarios')",
				       o.scenario);
	if (!o.name)
		o.name = o.scenario;
	if (!lab_name_valid(o.name))
		return opt_usage_error(&spec, "scenario name '%s' is not a valid lab name: give "
				       "--name", o.name);
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	rc = lab_up(&o, err, sizeof(err));
	if (rc == -EOPNOTSUPP)
		return cmd_fail(EXIT_NOFEATURE, "%s", err);
	if (rc && rc != -EEXIST)
		return cmd_fail(rc == -EINTR ? 130 : EXIT_FAIL, "lab %s: %s", o.name,
				err[0] ? err : strerror(-rc));
	if (lab_load(o.name, &l))
		return cmd_fail(EXIT_FAIL, "lab %s: cannot read its state file in %s", o.name,
				lab_dir());
	if (rc == -EEXIST)
		print_text("lab %s is already up\n", o.name);
	print_lab(&l, true);
	print_flush();
	lab_free(&l);
	return 0;
}

static int sub_down(int argc, char **argv)
{
	bool json = false, all = false;
	char why[512], one[LAB_NAME_MAX + 1];
	struct strbuf fails;
	char **names = NULL;
	int n = 0, first, rc, nfail = 0;
	const struct opt opts[] = {
		{ .name = "all", .shrt = 'a', .type = OPT_FLAG, .dst = &all,
		  .help = "every lab that is up" },
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "lab down", .synopsis = "[OPTIONS] [LAB | --all]", .opts = opts,
		.about = "Tear a lab down: everything its state file records, also after a crash.\n"
			 "Without LAB: the one lab that is up.",
		.min_args = 0, .max_args = 1,
	};

	rc = opt_parse(&spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	if (all && first < argc)
		return opt_usage_error(&spec, "give a LAB or --all, not both");
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	/* a lab name, or a scenario with one lab; a name not up is harmless */
	if (first < argc && resolve(argv[first], one, sizeof(one), why, sizeof(why))) {
		if (!lab_name_valid(argv[first]))
			return opt_usage_error(&spec, "invalid lab name '%s' ([A-Za-z0-9_], "
					       "1..%d characters)", argv[first], LAB_NAME_MAX);
		snprintf(one, sizeof(one), "%s", argv[first]);
	}
	rc = labs_named(first < argc ? one : NULL, &names, &n);
	if (rc)
		return rc;
	if (!all && first == argc && n > 1) {
		char *list = names_list(names, n);

		lab_names_free(names, n);
		rc = opt_usage_error(&spec, "%d labs are up (%s): name one, or use --all", n, list);
		free(list);
		return rc;
	}
	sb_init(&fails);
	print_open_object(NULL);
	print_open_array("labs");
	for (int i = 0; i < n; i++) {
		struct strbuf errs;
		int r;

		sb_init(&errs);
		r = lab_down(names[i], &errs);
		if (r && r != -ENOENT) {
			sb_addf(&fails, "%slab %s: teardown incomplete: %s (run 'dptune lab down %s' "
				"again)", nfail ? "; " : "", names[i], errs.len ? errs.buf : strerror(-r),
				names[i]);
			nfail++;
		} else {
			print_open_object(NULL);
			print_str(PRINT_ANY, "name", "lab %s: ", names[i]);
			print_str(PRINT_ANY, "state", "%s\n", r == -ENOENT ? "not up" : "down");
			print_close_object();
		}
		sb_release(&errs);
	}
	return labs_done(names, n, &fails, nfail);
}

static void print_row(const struct lab *l)
{
	print_open_object(NULL);
	print_str(PRINT_ANY, "name", "%-12s", l->name);
	print_str(PRINT_ANY, "scenario", " %-8s", l->scenario);
	print_str(PRINT_ANY, "state", " %-8s", l->complete ? "up" : "partial");
	print_i64(PRINT_ANY, "index", " index %lld", l->idx);
	print_str(PRINT_ANY, "server_addr", " server %s\n", l->server_addr);
	print_close_object();
}

static int list_status(int argc, char **argv, bool status)
{
	bool json = false;
	char **names, only[LAB_NAME_MAX + 1] = "", why[512];
	int first, n, rc, shown = 0;
	const struct opt opts[] = {
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec_list = {
		.cmd = "lab list", .synopsis = "[OPTIONS]", .opts = opts,
		.about = "The labs that are up, one a line.", .min_args = 0, .max_args = 0,
	};
	const struct opt_spec spec_status = {
		.cmd = "lab status", .synopsis = "[OPTIONS] [LAB]", .opts = opts,
		.about = "Each lab (or LAB: a name, or a scenario with one lab up): its nodes, the\n"
			 "client and server, the path from one to the other, RPS, faults.",
		.min_args = 0, .max_args = 1,
	};

	rc = opt_parse(status ? &spec_status : &spec_list, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	if (first < argc && resolve(argv[first], only, sizeof(only), why, sizeof(why)))
		return cmd_fail(EXIT_FAIL, "%s", why);
	rc = labs_named(NULL, &names, &n);
	if (rc)
		return rc;
	print_open_object(NULL);
	print_open_array("labs");
	for (int i = 0; i < n; i++) {
		struct lab l;

		if ((only[0] && strcmp(only, names[i])) || lab_load(names[i], &l))
			continue;
		shown++;
		if (status)
			print_lab(&l, false);
		else
			print_row(&l);
		lab_free(&l);
	}
	print_close_array();
	print_close_object();
	lab_names_free(names, n);
	if (!shown)
		print_text("no lab is up\n");
	print_flush();
	return 0;
}

static int sub_list(int argc, char **argv)
{
	return list_status(argc, argv, false);
}

static int sub_status(int argc, char **argv)
{
	return list_status(argc, argv, true);
}

static int sub_exec(int argc, char **argv)
{
	const char *labarg = NULL, *nodearg;
	char name[LAB_NAME_MAX + 1], nodebuf[64], labbuf[64], why[512];
	const struct lab_node *nd;
	bool json = false;
	struct lab l;
	int first, cmd, rc;
	const struct opt opts[] = {
		{ .name = "name", .shrt = 'n', .type = OPT_STR, .dst = &labarg, .arg = "LAB",
		  .help = "the lab (default: the one that is up; or write LAB:NODE)" },
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "lab exec", .synopsis = "[OPTIONS] [LAB:]NODE -- CMD [ARGS...]", .opts = opts,
		.about = "Run CMD in a node's network namespace, with that namespace's /sys. NODE is\n"
			 "a node name (cli, srv, ...), LAB:NODE, or the namespace dl-LAB-NODE.",
		.min_args = 2, .max_args = -1, .stop_at_dashdash = true,
	};

	rc = opt_parse(&spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	nodearg = argv[first];
	cmd = first + 1;
	/* "NODE --json -- CMD": options between NODE and "--" are ours (only --json is
	 * allowed there); without a "--", CMD starts right after NODE. */
	for (int i = first + 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			for (int k = first + 1; k < i; k++) {
				if (strcmp(argv[k], "--json") && strcmp(argv[k], "-j"))
					return opt_usage_error(&spec, "unexpected '%s' between %s and --",
							       argv[k], nodearg);
				json = true;
			}
			cmd = i + 1;
			break;
		}
	if (cmd >= argc)
		return opt_usage_error(&spec, "no command after %s --", nodearg);
	if (strlen(nodearg) >= sizeof(nodebuf))
		return opt_usage_error(&spec, "node '%.40s...' is too long", nodearg);
	snprintf(nodebuf, sizeof(nodebuf), "%s", nodearg);
	nodearg = nodebuf;
	char *colon = strchr(nodebuf, ':');

	if (colon) {
		*colon = 0;
		snprintf(labbuf, sizeof(labbuf), "%s", nodebuf);
		labarg = labbuf;
		nodearg = colon + 1;
	} else if (!labarg && !strncmp(nodearg, "dl-", 3)) {
		/* a full namespace name: dl-<lab>-<node> */
		const char *s = nodearg + 3, *d = strchr(s, '-');

		if (d && (size_t)(d - s) <= LAB_NAME_MAX) {
			snprintf(labbuf, sizeof(labbuf), "%.*s", (int)(d - s), s);
			labarg = labbuf;
		}
	}
	if (resolve(labarg, name, sizeof(name), why, sizeof(why)))
		return cmd_fail(EXIT_FAIL, "%s", why);
	if (lab_load(name, &l))
		return cmd_fail(EXIT_FAIL, "lab %s: cannot read its state file in %s", name, lab_dir());
	nd = lab_node_find(&l, nodearg);
	if (!nd) {
		struct strbuf sb;

		sb_init(&sb);
		for (int i = 0; i < l.n_nodes; i++)
			sb_addf(&sb, "%s%s", i ? ", " : "", l.nodes[i].name);
		rc = cmd_fail(EXIT_FAIL, "lab %s has no node %s (its nodes: %s)", name, nodearg,
			      sb.len ? sb.buf : "none");
		sb_release(&sb);
		lab_free(&l);
		return rc;
	}
	fflush(stdout);
	rc = lab_exec(nd->ns, argv + cmd);
	lab_free(&l);
	return cmd_fail(rc == -ENOENT ? 127 : EXIT_FAIL, "cannot run %s in %s: %s", argv[cmd],
			nd->ns, strerror(-rc));
}

static int fault_clear(const struct opt_spec *spec, int argc, char **argv, int first)
{
	char name[LAB_NAME_MAX + 1], why[512];
	struct strbuf fails;
	char **names = NULL;
	int n = 0, rc, nfail = 0;

	if (first < argc - 1)
		return opt_usage_error(spec, "--clear takes at most one LAB");
	if (first == argc - 1 && resolve(argv[first], name, sizeof(name), why, sizeof(why)))
		return cmd_fail(EXIT_FAIL, "%s", why);
	rc = labs_named(first == argc - 1 ? name : NULL, &names, &n);
	if (rc)
		return rc;
	sb_init(&fails);
	print_open_object(NULL);
	print_open_array("cleared");
	for (int i = 0; i < n; i++) {
		struct strbuf errs;

		sb_init(&errs);
		rc = lab_fault_clear(names[i], &errs);
		if (rc && rc != -ENOENT) {
			sb_addf(&fails, "%slab %s: clearing faults failed: %s", nfail ? "; " : "",
				names[i], errs.len ? errs.buf : strerror(-rc));
			nfail++;
		} else if (!rc) {
			print_str(PRINT_ANY, NULL, "lab %s: faults cleared\n", names[i]);
		}
		sb_release(&errs);
	}
	return labs_done(names, n, &fails, nfail);
}

static int sub_fault(int argc, char **argv)
{
	bool clear = false, json = false, known = false;
	double rate = 1000;
	char name[LAB_NAME_MAX + 1], err[1024], why[512];
	const char *kind;
	int first, rc;
	const struct opt opts[] = {
		{ .name = "rate", .shrt = 'r', .type = OPT_CALLBACK, .cb = ratecap_cb, .data = &rate,
		  .arg = "PPS", .def = "1000",
		  .help = "ratecap: packets/s let through, 1..1G" },
		{ .name = "clear", .type = OPT_FLAG, .dst = &clear,
		  .help = "undo the faults of LAB (or of every lab)" },
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "lab fault", .synopsis = "[OPTIONS] LAB KIND | --clear [LAB]", .opts = opts,
		.about = "Put a known bottleneck into a running lab; KIND is rcvbuf, backlog,\n"
			 "conntrack, ratecap or slowguest (see 'dptune lab --help'). Faults apply to\n"
			 "all the UDP traffic to the lab's server address, whatever its port.",
		.min_args = 0, .max_args = 2,
	};

	rc = opt_parse(&spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	if (clear)
		return fault_clear(&spec, argc, argv, first);
	if (first != argc - 2)
		return opt_usage_error(&spec, "need a LAB and a KIND");
	kind = argv[first + 1];
	for (int i = 0; lab_fault_kinds[i]; i++)
		known |= !strcmp(lab_fault_kinds[i], kind);
	if (!known)
		return opt_usage_error(&spec, "unknown fault kind '%s' (rcvbuf, backlog, conntrack, "
				       "ratecap, slowguest)", kind);
	if (resolve(argv[first], name, sizeof(name), why, sizeof(why)))
		return cmd_fail(EXIT_FAIL, "%s", why);
	rc = lab_fault(name, kind, (uint64_t)rate, err, sizeof(err));
	if (rc && rc != -EALREADY) {
		if (rc == -EINVAL)
			return usage_error("lab %s: fault %s: %s", name, kind, err[0] ? err : strerror(-rc));
		return cmd_fail(EXIT_FAIL, "lab %s: fault %s: %s", name, kind,
				err[0] ? err : strerror(-rc));
	}
	print_open_object(NULL);
	print_str(PRINT_ANY, "lab", "lab %s: ", name);
	print_str(PRINT_ANY, "fault", "fault %s", kind);
	print_str(PRINT_ANY, "state", " %s", rc == -EALREADY ? "already on" : "on");
	if (!strcmp(kind, "ratecap"))
		print_double(PRINT_JSONONLY, "rate", NULL, rate);
	print_text(" (undo with 'dptune lab fault --clear %s')\n", name);
	print_close_object();
	print_flush();
	return 0;
}

static int sub_scenarios(int argc, char **argv)
{
	bool json = false;
	int first, rc;
	const struct opt opts[] = {
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "lab scenarios", .synopsis = "[OPTIONS]", .opts = opts,
		.about = "Each scenario and whether it can run on this machine (probed in a scratch\n"
			 "namespace), with the optional parts it lacks.",
		.min_args = 0, .max_args = 0,
	};

	rc = opt_parse(&spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	print_open_object(NULL);
	print_open_array("scenarios");
	for (int i = 0; lab_scenarios[i].name; i++) {
		char why[512], opt[256];

		lab_probe(lab_scenarios[i].name, why, sizeof(why), opt, sizeof(opt));
		print_open_object(NULL);
		print_str(PRINT_ANY, "name", "%-8s", lab_scenarios[i].name);
		print_bool(PRINT_JSONONLY, "available", NULL, !why[0]);
		print_str(PRINT_FP, NULL, " %s", why[0] ? why : "available");
		if (why[0])
			print_str(PRINT_JSONONLY, "why", NULL, why);
		if (opt[0])
			print_text(" (missing: %s)", opt);
		print_missing("missing", "", opt);
		print_text("\n");
		print_close_object();
	}
	print_close_array();
	print_close_object();
	print_flush();
	return 0;
}

static int sub_matrix(int argc, char **argv)
{
	return lab_matrix(argc, argv);
}

static const struct lab_sub lab_subs[] = {
	{ "up", sub_up, "SCENARIO [--name N] [--no-rps] [--rps-cpus MASK] [--json]",
	  "build a lab; prints it and the commands to try next" },
	{ "down", sub_down, "[LAB | --all] [--json]", "tear a lab down (also after a crash)" },
	{ "list", sub_list, "[--json]", "the labs that are up" },
	{ "status", sub_status, "[LAB] [--json]",
	  "nodes, client and server, the path between them, RPS, faults" },
	{ "exec", sub_exec, "[--name LAB] [LAB:]NODE -- CMD [ARGS...]",
	  "run CMD in a node's namespace (with its /sys)" },
	{ "fault", sub_fault, "LAB KIND [--rate PPS] [--json] | --clear [LAB]",
	  "put a known bottleneck into a lab, or remove them all" },
	{ "scenarios", sub_scenarios, "[--json]", "which scenarios can run on this machine" },
	{ "matrix", sub_matrix, "[SCENARIO...] [OPTIONS]",
	  "NDR/PDR of each scenario in turn, relative to veth, with the layer that dropped "
	  "first (options: 'dptune lab matrix --help')" },
	{ NULL, NULL, NULL, NULL },
};

int cmd_lab(int argc, char **argv)
{
	static char prog[64];
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
	/* hidden, for the completion script: subcommands, scenarios, labs, one a line */
	if (!strcmp(sub, "--list-commands")) {
		for (int i = 0; lab_subs[i].name; i++)
			printf("%s\n", lab_subs[i].name);
		return 0;
	}
	if (!strcmp(sub, "--list-options")) {
		printf("--help\n");
		return 0;
	}
	if (!strcmp(sub, "--list-scenarios")) {
		for (int i = 0; lab_scenarios[i].name; i++)
			printf("%s\n", lab_scenarios[i].name);
		return 0;
	}
	if (!strcmp(sub, "--list-labs")) {
		char **names;
		int n;

		if (lab_names(&names, &n))
			return EXIT_FAIL;
		for (int i = 0; i < n; i++)
			printf("%s\n", names[i]);
		lab_names_free(names, n);
		return 0;
	}
	for (int i = 0; lab_subs[i].name; i++)
		if (!strcmp(sub, lab_subs[i].name)) {
			snprintf(prog, sizeof(prog), "dptune lab %s", sub);
			log_prog = prog;
			return lab_subs[i].fn(argc - 1, argv + 1);
		}
	return usage_error("unknown lab command '%s' (up, down, list, status, exec, fault, "
			   "scenarios, matrix)", sub);
}
