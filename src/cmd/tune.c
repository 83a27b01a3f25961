/* tune.c: `dptune tune plan|apply|revert|show|persist`: change datapath knobs safely.
 * apply writes every original value to an fsync'd journal before it touches anything, so
 * revert restores them byte for byte, also after a kill -9 in the middle of apply;
 * apply --verify measures before and after and reverts by itself when it did not help. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cmd.h"
#include "../observe/watch.h"
#include "../core/log.h"
#include "../collect/collect.h"
#include "../tune/knob.h"
#include "../tune/journal.h"
#include "../output/print.h"

#define MAX_ITEMS 64

static volatile int stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct item {
	struct knob_ref k;
	char value[256];
};

static void tune_usage(FILE *fp)
{
	fprintf(fp,
"usage: dptune tune plan [--duration SECONDS] [--json] [-- COMMAND...]\n"
"       dptune tune apply [--plan] [ITEM...] [--verify [--duration S] [-- COMMAND...]]\n"
"       dptune tune revert\n"
"       dptune tune show [--json]\n"
"       dptune tune persist [--root DIR] [ITEM...]\n"
"\n"
"ITEM is [KIND:][NETNS/]TARGET=VALUE, KIND one of sysctl (default), sysfs, txqlen, ring:\n"
"  net.core.netdev_max_backlog=10000\n"
"  txqlen:qrouter-1/qr-1234=10000\n"
"  sysfs:class/net/eth0/queues/rx-0/rps_cpus=f\n"
"  ring:eth0=4096\n"
"\n"
"  plan      watch the datapath (as `dptune doctor` does) and save the changes its\n"
"            findings call for to the plan file; print them\n"
"  apply     apply ITEMs, or the saved plan (--plan, or no ITEM); every original value\n"
"            goes to the journal (fsync) before anything changes\n"
"            --verify: measure (for --duration, default 5 s, or while COMMAND runs)\n"
"            before and after; revert by itself when drops did not go down\n"
"  revert    restore every value the journal records, newest first, byte for byte\n"
"  show      what the journal holds and the values now\n"
"  persist   write /etc/sysctl.d/90-dptune.conf and /etc/udev/rules.d/90-dptune.rules\n"
"            for ITEMs or for the journal's changes, without applying anything\n"
"\n"
"  --state-dir DIR   journal and plan directory (default /var/lib/dptune, or\n"
"                    $DPTUNE_STATE_DIR)\n");
}

static const char *state_dir(const char *opt)
{
	const char *e = getenv("DPTUNE_STATE_DIR");

	return opt ? opt : e && *e ? e : "/var/lib/dptune";
}

static int parse_items(int argc, char **argv, struct item *items, int *n)
{
	for (int i = 0; i < argc; i++) {
		char why[200];

		if (*n >= MAX_ITEMS)
			return usage_error("too many items (at most %d)", MAX_ITEMS);
		if (knob_parse(argv[i], &items[*n].k, items[*n].value, sizeof(items[*n].value), why,
			       sizeof(why)))
			return usage_error("invalid item '%s': %s", argv[i], why);
		(*n)++;
	}
	return 0;
}

static int load_plan(const char *dir, struct item *items, int *n)
{
	char path[512], why[200];
	struct strbuf sb;
	json_object *o, *arr;
	int r;

	snprintf(path, sizeof(path), "%s/plan.json", dir);
	sb_init(&sb);
	r = read_file_sb(path, &sb, 1 << 20);
	if (r) {
		sb_release(&sb);
		err_msg("no saved plan at %s: %s (run 'dptune tune plan' first, or give items)",
			path, strerror(-r));
		return EXIT_FAIL;
	}
	o = json_tokener_parse(sb.buf);
	sb_release(&sb);
	if (!o || !json_object_object_get_ex(o, "items", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(o);
		err_msg("%s is not a dptune plan (no \"items\" array); run 'dptune tune plan' again",
			path);
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < json_object_array_length(arr) && *n < MAX_ITEMS; i++) {
		const char *spec = json_object_get_string(json_object_array_get_idx(arr, i));

		if (!spec || knob_parse(spec, &items[*n].k, items[*n].value, sizeof(items[*n].value),
					why, sizeof(why))) {
			err_msg("%s: bad item '%s': %s", path, spec ? spec : "?", why);
			json_object_put(o);
			return EXIT_FAIL;
		}
		(*n)++;
	}
	json_object_put(o);
	return 0;
}

static const char *spec_of(const struct knob_change *c, char *buf, size_t n)
{
	if (!strcmp(c->netns, "host") || !c->netns[0])
		snprintf(buf, n, "%s:%s=%s", c->kind, c->target, c->proposed);
	else
		snprintf(buf, n, "%s:%s/%s=%s", c->kind, c->netns, c->target, c->proposed);
	return buf;
}

static int cmd_plan(int argc, char **argv, const char *dir, double duration, bool json)
{
	struct collect_opts co = { .drop_reasons = true };
	struct collect_engine *eng = collect_engine_new(&co);
	struct observation o;
	char err[256], spec[512], path[512];
	json_object *plan = json_object_new_object(), *arr = json_object_new_array();
	int nitems = 0;

	if (!json)
		fprintf(stderr, "dptune tune plan: watching %s\n", argc ? argv[0] : "the datapath");
	if (doctor_observe(eng, duration, argc ? argv : NULL, !json, &stop, &o, err, sizeof(err))) {
		err_msg("%s", err);
		observation_release(&o);
		collect_engine_free(eng);
		json_object_put(plan);
		json_object_put(arr);
		return EXIT_FAIL;
	}
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	print_open_object(NULL);
	print_open_array("changes");
	for (size_t i = 0; i < o.rep.n; i++) {
		const struct finding *f = &o.rep.f[i];
		bool dup = false;

		if (!strcmp(f->change.kind, "none") || f->sev < SEV_WARN)
			continue;
		spec_of(&f->change, spec, sizeof(spec));
		for (size_t j = 0; j < json_object_array_length(arr); j++)
			dup |= !strcmp(json_object_get_string(json_object_array_get_idx(arr, j)), spec);
		if (dup)
			continue;
		json_object_array_add(arr, json_object_new_string(spec));
		nitems++;
		print_open_object(NULL);
		print_str(PRINT_ANY, "item", "  %-60s", spec);
		print_str(PRINT_ANY, "current", " (now %s)", f->change.current);
		print_str(PRINT_ANY, "rule", " %s", f->rule);
		print_str(PRINT_ANY, "confidence", ", %s confidence", confidence_name(f->conf));
		print_str(PRINT_JSONONLY, "cause", NULL, f->cause);
		print_close_object();
		print_nl();
	}
	print_close_array();
	json_object_object_add(plan, "items", arr);
	json_object_object_add(plan, "time", json_object_new_int64((int64_t)time(NULL)));
	snprintf(path, sizeof(path), "%s/plan.json", dir);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		err_msg("cannot create %s: %s", dir, strerror(errno));
	} else {
		FILE *fp = fopen(path, "w");

		if (fp) {
			fputs(json_object_to_json_string_ext(plan, JSON_C_TO_STRING_PRETTY), fp);
			fputc('\n', fp);
			if (fclose(fp))
				err_msg("cannot write %s: %s", path, strerror(errno));
		} else {
			err_msg("cannot write %s: %s", path, strerror(errno));
		}
	}
	print_str(PRINT_ANY, "plan_file", "%s", path);
	print_text(nitems ? ": %d change(s); apply with 'dptune tune apply --plan'\n" :
			    ": nothing to change\n", nitems);
	print_close_object();
	json_object_put(plan);
	observation_release(&o);
	collect_engine_free(eng);
	return EXIT_OK;
}

/* Apply items with the journal. Returns 0 or an exit code; on a failed write, what was
 * already applied stays recorded for revert. */
static int apply_items(const char *dir, const struct item *items, int n, unsigned step_ms,
		       char *id, size_t idlen)
{
	int fd = journal_open(dir), rc = EXIT_OK;
	char name[300];

	if (fd < 0) {
		err_msg("cannot open the journal in %s: %s", dir, strerror(-fd));
		return EXIT_FAIL;
	}
	snprintf(id, idlen, "%ld-%d", (long)time(NULL), (int)getpid());
	for (int i = 0; i < n && !stop; i++) {
		char orig[256];
		int r = knob_read(&items[i].k, orig, sizeof(orig));

		knob_name(&items[i].k, name, sizeof(name));
		if (r) {
			err_msg("cannot read %s: %s%s", name, strerror(-r),
				r == -ENOENT ? " (no such knob, device or namespace)" : "");
			rc = EXIT_FAIL;
			break;
		}
		r = journal_intent(fd, id, &items[i].k, orig, items[i].value);
		if (r) {
			err_msg("cannot write the journal: %s; nothing more is changed", strerror(-r));
			rc = EXIT_FAIL;
			break;
		}
		r = knob_write(&items[i].k, items[i].value);
		if (r) {
			err_msg("cannot set %s to '%s': %s", name, items[i].value, strerror(-r));
			rc = EXIT_FAIL;
			break;
		}
		if (journal_done(fd, id, &items[i].k))
			warn_msg("cannot record completion of %s in the journal", name);
		printf("set %s: %s -> %s\n", name, orig, items[i].value);
		fflush(stdout);
		if (step_ms) {
			struct timespec ts = { step_ms / 1000, (long)(step_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	close(fd);
	return rc;
}

/* Restore every original value, newest first; only entries of run `only_id` when set. */
static int revert_all(const char *dir, const char *only_id)
{
	struct journal j;
	int r = journal_load(dir, &j), rc = EXIT_OK, restored = 0;
	char name[300], cur[256];

	if (r) {
		err_msg("cannot read the journal in %s: %s", dir, strerror(-r));
		return EXIT_FAIL;
	}
	if (!j.n) {
		printf("nothing to revert: the journal in %s is empty\n", dir);
		journal_release(&j);
		return EXIT_OK;
	}
	if (j.bad_lines)
		warn_msg("%u unreadable journal line(s) skipped (a torn write at a crash)", j.bad_lines);
	for (size_t i = j.n; i-- > 0;) {
		const struct journal_entry *e = &j.e[i];

		if (only_id && strcmp(e->id, only_id))
			continue;
		knob_name(&e->k, name, sizeof(name));
		r = knob_read(&e->k, cur, sizeof(cur));
		if (r == -ENOENT) {
			printf("gone %s (its device or namespace no longer exists)\n", name);
			continue;
		}
		if (!r && !strcmp(cur, e->original)) {
			printf("kept %s = %s (already the original)\n", name, cur);
			continue;
		}
		r = knob_write(&e->k, e->original);
		if (r) {
			err_msg("cannot restore %s to '%s': %s", name, e->original, strerror(-r));
			rc = EXIT_FAIL;
			continue;
		}
		printf("restored %s: %s -> %s\n", name, cur, e->original);
		restored++;
	}
	if (rc == EXIT_OK && !only_id && journal_retire(dir))
		warn_msg("cannot move the journal aside in %s", dir);
	printf("%d value(s) restored\n", restored);
	journal_release(&j);
	return rc;
}

static int cmd_show(const char *dir, bool json)
{
	struct journal j;
	char name[300], cur[256];
	int r = journal_load(dir, &j);

	if (r) {
		err_msg("cannot read the journal in %s: %s", dir, strerror(-r));
		return EXIT_FAIL;
	}
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	print_open_object(NULL);
	print_str(PRINT_ANY, "state_dir", "journal in %s", dir);
	print_u64(PRINT_ANY, "changes", ": %llu change(s)\n", j.n);
	print_open_array("journal");
	for (size_t i = 0; i < j.n; i++) {
		const struct journal_entry *e = &j.e[i];

		knob_name(&e->k, name, sizeof(name));
		if (knob_read(&e->k, cur, sizeof(cur)))
			snprintf(cur, sizeof(cur), "?");
		print_open_object(NULL);
		print_str(PRINT_ANY, "knob", "  %-50s", name);
		print_str(PRINT_ANY, "original", " original=%s", e->original);
		print_str(PRINT_ANY, "value", " set=%s", e->value);
		print_str(PRINT_ANY, "now", " now=%s", cur);
		print_bool(PRINT_ANY, "done", " completed=%s", e->done);
		print_str(PRINT_ANY, "id", " run=%s", e->id);
		print_close_object();
		print_nl();
	}
	print_close_array();
	print_close_object();
	journal_release(&j);
	return EXIT_OK;
}

/* Create root/dir (each level) and open root/dir/file for writing with a header line;
 * NULL (after saying why) when it cannot. */
static FILE *open_conf(const char *root, const char *dir, const char *file, const char *header)
{
	char path[600];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, dir);
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, file);
	fp = fopen(path, "w");
	if (!fp) {
		err_msg("cannot write %s: %s", path, strerror(errno));
		return NULL;
	}
	fputs(header, fp);
	return fp;
}

static int cmd_persist(const char *root, const char *dir, struct item *items, int n)
{
	struct journal j = { 0 };
	char line[600];
	FILE *sf = NULL, *uf = NULL;
	int written = 0;

	if (!n) {
		if (journal_load(dir, &j) || !j.n) {
			err_msg("nothing to persist: give items, or apply some first");
			journal_release(&j);
			return EXIT_FAIL;
		}
		for (size_t i = 0; i < j.n && n < MAX_ITEMS; i++) {
			items[n].k = j.e[i].k;
			snprintf(items[n].value, sizeof(items[n].value), "%s", j.e[i].value);
			n++;
		}
		journal_release(&j);
	}
	for (int i = 0; i < n; i++) {
		const struct knob_ref *k = &items[i].k;

		if (strcmp(k->netns, "host")) {
			printf("skipped %s/%s: it lives in namespace %s, which whoever creates it "
			       "must configure\n", k->netns, k->target, k->netns);
			continue;
		}
		if (!strcmp(k->kind, "sysctl")) {
			if (!sf) {
				sf = open_conf(root, "etc/sysctl.d", "90-dptune.conf",
					       "# written by dptune tune persist; applied at boot by "
					       "systemd-sysctl\n");
				if (!sf) {
					if (uf)
						fclose(uf);
					return EXIT_FAIL;
				}
			}
			fprintf(sf, "%s = %s\n", k->target, items[i].value);
		} else {
			if (!uf) {
				uf = open_conf(root, "etc/udev/rules.d", "90-dptune.rules",
					       "# written by dptune tune persist\n");
				if (!uf) {
					if (sf)
						fclose(sf);
					return EXIT_FAIL;
				}
			}
			if (!strcmp(k->kind, "txqlen")) {
				snprintf(line, sizeof(line),
					 "ACTION==\"add\", SUBSYSTEM==\"net\", KERNEL==\"%s\", "
					 "ATTR{tx_queue_len}=\"%s\"", k->target, items[i].value);
			} else if (!strcmp(k->kind, "ring")) {
				snprintf(line, sizeof(line),
					 "ACTION==\"add\", SUBSYSTEM==\"net\", KERNEL==\"%s\", "
					 "RUN+=\"/usr/sbin/ethtool -G %s rx %s\"", k->target, k->target,
					 items[i].value);
			} else if (!strncmp(k->target, "class/net/", 10)) {
				char dev[64], attr[200];
				const char *p = k->target + 10, *sl = strchr(p, '/');

				if (!sl || (size_t)(sl - p) >= sizeof(dev))
					continue;
				memcpy(dev, p, (size_t)(sl - p));
				dev[sl - p] = '\0';
				snprintf(attr, sizeof(attr), "%s", sl + 1);
				snprintf(line, sizeof(line),
					 "ACTION==\"add\", SUBSYSTEM==\"net\", KERNEL==\"%s\", "
					 "ATTR{%s}=\"%s\"", dev, attr, items[i].value);
			} else {
				snprintf(line, sizeof(line), "# cannot persist sysfs %s through udev: "
					 "set it from a boot unit", k->target);
			}
			fprintf(uf, "%s\n", line);
		}
		written++;
	}
	if (sf && fclose(sf))
		err_msg("cannot write the sysctl file: %s", strerror(errno));
	if (uf && fclose(uf))
		err_msg("cannot write the udev rules: %s", strerror(errno));
	if (sf)
		printf("wrote %s/etc/sysctl.d/90-dptune.conf\n", root);
	if (uf)
		printf("wrote %s/etc/udev/rules.d/90-dptune.rules\n", root);
	printf("%d setting(s) persisted; nothing was applied now\n", written);
	return EXIT_OK;
}

int cmd_tune(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "plan", no_argument, NULL, 'p' },
		{ "verify", no_argument, NULL, 'V' },
		{ "root", required_argument, NULL, 'r' },
		{ "step-delay-ms", required_argument, NULL, 'S' }, /* tests: widen the kill window */
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sdir = NULL, *root = "", *sub;
	double duration = 5;
	bool json = false, use_plan = false, verify = false;
	uint32_t step_ms = 0;
	struct item *items;
	int opt, n = 0, rc, nargs;
	char **cmdv = NULL;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		tune_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	argc--;
	argv++;
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 's': sdir = optarg; break;
		case 'd':
			if (parse_seconds(optarg, &duration, false))
				return usage_error("invalid --duration '%s'", optarg);
			break;
		case 'j': json = true; break;
		case 'p': use_plan = true; break;
		case 'V': verify = true; break;
		case 'r': root = optarg; break;
		case 'S':
			if (parse_u32(optarg, &step_ms))
				return usage_error("invalid --step-delay-ms '%s'", optarg);
			break;
		case 'h':
			tune_usage(stdout);
			return EXIT_OK;
		default:
			tune_usage(stderr);
			return EXIT_USAGE;
		}
	}
	/* ITEMs until "--", then the command (getopt has eaten a "--" that came first) */
	nargs = argc - optind;
	if (optind > 1 && !strcmp(argv[optind - 1], "--")) {
		nargs = 0;
		cmdv = argv + optind;
		if (!*cmdv)
			return usage_error("'--' must be followed by a command");
	}
	for (int i = optind; !cmdv && i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			nargs = i - optind;
			cmdv = argv + i + 1;
			if (!*cmdv)
				return usage_error("'--' must be followed by a command");
			break;
		}
	items = xcalloc(MAX_ITEMS, sizeof(*items));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!strcmp(sub, "plan")) {
		rc = nargs ? usage_error("plan takes no items") :
			     cmd_plan(cmdv ? (int)(argc - (cmdv - argv)) : 0, cmdv, state_dir(sdir),
				      duration, json);
	} else if (!strcmp(sub, "apply")) {
		char id[64];

		rc = parse_items(nargs, argv + optind, items, &n);
		if (rc)
			goto out;
		if (!n || use_plan) {
			rc = load_plan(state_dir(sdir), items, &n);
			if (rc)
				goto out;
			if (!n) {
				printf("the saved plan has nothing to change\n");
				goto out;
			}
		}
		if (!verify) {
			rc = apply_items(state_dir(sdir), items, n, step_ms, id, sizeof(id));
			goto out;
		}
		struct collect_opts co = { .drop_reasons = true };
		struct collect_engine *eng = collect_engine_new(&co);
		struct observation before, after;
		char err[256];

		if (doctor_observe(eng, duration, cmdv, false, &stop, &before, err, sizeof(err))) {
			err_msg("measuring before: %s", err);
			observation_release(&before);
			collect_engine_free(eng);
			rc = EXIT_FAIL;
			goto out;
		}
		rc = apply_items(state_dir(sdir), items, n, step_ms, id, sizeof(id));
		if (rc == EXIT_OK &&
		    !doctor_observe(eng, duration, cmdv, false, &stop, &after, err, sizeof(err))) {
			uint64_t b = before.have_lost ? before.lost : before.l.explained;
			uint64_t a = after.have_lost ? after.lost : after.l.explained;

			printf("verify: %s before %llu, after %llu\n",
			       before.have_lost ? "packets lost" : "drops counted",
			       (unsigned long long)b, (unsigned long long)a);
			if (a >= b || (b && a * 2 > b)) {
				printf("verify: the change did not cut the loss by half: reverting it\n");
				revert_all(state_dir(sdir), id);
				rc = EXIT_FAIL;
			} else {
				printf("verify: the change helped; kept (dptune tune revert undoes it)\n");
			}
			observation_release(&after);
		} else if (rc == EXIT_OK) {
			err_msg("measuring after: %s; reverting", err);
			revert_all(state_dir(sdir), id);
			rc = EXIT_FAIL;
		}
		observation_release(&before);
		collect_engine_free(eng);
	} else if (!strcmp(sub, "revert")) {
		rc = nargs ? usage_error("revert takes no items") : revert_all(state_dir(sdir), NULL);
	} else if (!strcmp(sub, "show")) {
		rc = cmd_show(state_dir(sdir), json);
	} else if (!strcmp(sub, "persist")) {
		rc = parse_items(nargs, argv + optind, items, &n);
		if (!rc)
			rc = cmd_persist(root, state_dir(sdir), items, n);
	} else {
		rc = usage_error("unknown tune command '%s' (plan, apply, revert, show, persist)", sub);
	}
out:
	free(items);
	return rc;
}
