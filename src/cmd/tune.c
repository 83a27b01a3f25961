/* tune.c: `dptune tune plan|apply|revert|show|persist|knobs`: change datapath knobs safely.
 * Every value is checked against the knob's type and range (tune/range.c) before the
 * journal is written; apply writes every original value to an fsync'd journal before it
 * touches anything, so revert restores them byte for byte, also after a kill -9 in the
 * middle of apply; apply --verify measures before and after and reverts by itself when
 * it did not help (tune/verify.c). Every output goes through the print layer (--json),
 * every failure through cmd_fail(), and no success line follows a failed step. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cmd.h"
#include "vocab.h"
#include "../observe/watch.h"
#include "../core/log.h"
#include "../core/opt.h"
#include "../collect/collect.h"
#include "../tune/knob.h"
#include "../tune/journal.h"
#include "../tune/range.h"
#include "../tune/verify.h"
#include "../output/print.h"

#define MAX_ITEMS 64
#define TUNE_STR_(x) #x
#define TUNE_STR(x) TUNE_STR_(x)

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

/* What the options of every subcommand fill (one set: a run has one subcommand). */
static struct tune_args {
	const char *sdir, *root;
	double duration;
	bool json, use_plan, verify, unchecked;
	uint32_t step_ms;
} A = { .root = "", .duration = 5 };

#define TUNE_STATE_DIR                                                                    \
	{ .name = "state-dir", .type = OPT_STR, .dst = &A.sdir, .arg = "DIR",             \
	  .help = "journal and plan directory (default $DPTUNE_STATE_DIR, else /var/lib/dptune)" }
#define TUNE_UNCHECKED                                                                    \
	{ .name = "unchecked", .type = OPT_FLAG, .dst = &A.unchecked,                     \
	  .help = "accept a sysctl or sysfs knob dptune knows no range for (the kernel alone " \
		  "checks it); known knobs are still checked" }

static const struct opt plan_opts[] = {
	VOCAB_DURATION(&A.duration, NULL, "5", "how long to watch when no COMMAND is given"),
	TUNE_STATE_DIR,
	VOCAB_JSON(&A.json),
	OPT_HELP_ENTRY,
	OPT_END_ENTRY,
};
static const struct opt apply_opts[] = {
	{ .name = "plan", .type = OPT_FLAG, .dst = &A.use_plan,
	  .help = "apply the saved plan (also when no ITEM is given)" },
	{ .name = "verify", .type = OPT_FLAG, .dst = &A.verify,
	  .help = "measure before and after; revert unless the loss fell by half or more" },
	VOCAB_DURATION(&A.duration, NULL, "5", "each --verify window when no COMMAND is given"),
	TUNE_STATE_DIR,
	TUNE_UNCHECKED,
	/* tests: a pause after each change, to widen the window of a kill -9 */
	{ .name = "step-delay-ms", .type = OPT_U32, .dst = &A.step_ms, .min = 0, .max = 60000,
	  .arg = "MS", .help = "pause after each change (tests), %R", .hidden = true },
	VOCAB_JSON(&A.json),
	OPT_HELP_ENTRY,
	OPT_END_ENTRY,
};
static const struct opt state_opts[] = {
	TUNE_STATE_DIR,
	VOCAB_JSON(&A.json),
	OPT_HELP_ENTRY,
	OPT_END_ENTRY,
};
static const struct opt persist_opts[] = {
	{ .name = "root", .type = OPT_STR, .dst = &A.root, .arg = "DIR",
	  .help = "write the files under DIR instead of /" },
	TUNE_STATE_DIR,
	TUNE_UNCHECKED,
	VOCAB_JSON(&A.json),
	OPT_HELP_ENTRY,
	OPT_END_ENTRY,
};
static const struct opt knobs_opts[] = {
	VOCAB_JSON(&A.json),
	OPT_HELP_ENTRY,
	OPT_END_ENTRY,
};

#define ITEM_HELP                                                                          \
	"\nITEM is [KIND:][NETNS/]TARGET=VALUE, KIND one of sysctl (default), sysfs, txqlen, ring:\n" \
	"  net.core.netdev_max_backlog=10000\n"                                             \
	"  txqlen:qrouter-1/qr-1234=10000\n"                                                \
	"  sysfs:class/net/eth0/queues/rx-0/rps_cpus=f\n"                                   \
	"  ring:eth0=4096\n"                                                                \
	"Every value is checked against the knob's type and range ('dptune tune knobs') before\n" \
	"anything is written; out of range is a usage error (exit 2).\n"

static const struct opt_spec plan_spec = {
	.cmd = "tune plan", .synopsis = "[OPTIONS] [-- COMMAND...]",
	.about = "Watch the datapath (as 'dptune doctor' does: for --duration, or while COMMAND\n"
		 "runs), save the changes its findings call for to the plan file, print them, and\n"
		 "list the findings no knob fixes.",
	.opts = plan_opts, .max_args = 0,
};
static const struct opt_spec apply_spec = {
	.cmd = "tune apply", .synopsis = "[OPTIONS] [ITEM...] [-- COMMAND...]",
	.about = "Apply ITEMs, or the saved plan (--plan, or no ITEM). Every original value goes\n"
		 "to the journal (fsync) before anything changes. --verify measures (for --duration,\n"
		 "or while COMMAND runs) before and after, and reverts by itself unless the loss\n"
		 "fell by half or more (exit 1 then).",
	.opts = apply_opts, .max_args = -1, .footer = ITEM_HELP,
};
static const struct opt_spec revert_spec = {
	.cmd = "tune revert", .synopsis = "[OPTIONS]",
	.about = "Restore every value the journal records, newest first, byte for byte; then\n"
		 "retire the journal (the newest " TUNE_STR(JOURNAL_KEEP_REVERTED) " reverted journals "
		 "are kept).",
	.opts = state_opts, .max_args = 0,
};
static const struct opt_spec show_spec = {
	.cmd = "tune show", .synopsis = "[OPTIONS]",
	.about = "What the journal holds and the values now.",
	.opts = state_opts, .max_args = 0,
};
static const struct opt_spec persist_spec = {
	.cmd = "tune persist", .synopsis = "[OPTIONS] [ITEM...]",
	.about = "Write /etc/sysctl.d/90-dptune.conf and /etc/udev/rules.d/90-dptune.rules for\n"
		 "ITEMs, or for the journal's changes, without applying anything.",
	.opts = persist_opts, .max_args = -1, .footer = ITEM_HELP,
};
static const struct opt_spec knobs_spec = {
	.cmd = "tune knobs", .synopsis = "[OPTIONS]",
	.about = "The knobs tune knows: kind, target, type and valid range, and where the range\n"
		 "comes from.",
	.opts = knobs_opts, .max_args = 0,
};

/* Split argv at the first "--": what comes before it (options and ITEMs, in any order) is
 * parsed, what follows is the watched COMMAND (*cmdv; NULL without "--"). Returns the
 * number of words to parse. */
static int split_command(int argc, char **argv, char ***cmdv)
{
	*cmdv = NULL;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			argv[i] = NULL;
			*cmdv = argv + i + 1;
			return i;
		}
	return argc;
}

static const char *state_dir(void)
{
	const char *e = getenv("DPTUNE_STATE_DIR");

	return A.sdir ? A.sdir : e && *e ? e : "/var/lib/dptune";
}

/* Check item against its type and range (and the host's limits with host_limits):
 * EXIT_OK, EXIT_USAGE (out of range, unknown knob) or EXIT_FAIL (a limit unreadable),
 * after the message. */
static int check_item(const struct item *it, bool host_limits, const char *src)
{
	char why[300], name[300];
	int r = knob_check(&it->k, it->value, host_limits, why, sizeof(why));

	if (!r || (r == -ENOKEY && A.unchecked))
		return EXIT_OK;
	knob_name(&it->k, name, sizeof(name));
	if (r == -ENOKEY || r == -ERANGE)
		return usage_error("%s%s%s: %s", src ? src : "", src ? ": " : "", name, why);
	return cmd_fail(EXIT_FAIL, "%s%s%s", src ? src : "", src ? ": " : "", why);
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
	return EXIT_OK;
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
		return cmd_fail(EXIT_FAIL, "no saved plan at %s: %s (run 'dptune tune plan' "
				"first, or give items)", path, strerror(-r));
	}
	o = json_tokener_parse(sb.buf);
	sb_release(&sb);
	if (!o || !json_object_object_get_ex(o, "items", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(o);
		return cmd_fail(EXIT_FAIL, "%s is not a dptune plan (no \"items\" array); run "
				"'dptune tune plan' again", path);
	}
	for (size_t i = 0; i < json_object_array_length(arr) && *n < MAX_ITEMS; i++) {
		const char *spec = json_object_get_string(json_object_array_get_idx(arr, i));

		if (!spec || knob_parse(spec, &items[*n].k, items[*n].value, sizeof(items[*n].value),
					why, sizeof(why))) {
			json_object_put(o);
			return cmd_fail(EXIT_FAIL, "%s: bad item '%s': %s", path, spec ? spec : "?",
					why);
		}
		(*n)++;
	}
	json_object_put(o);
	return EXIT_OK;
}

static const char *spec_of(const struct knob_change *c, char *buf, size_t n)
{
	if (!strcmp(c->netns, "host") || !c->netns[0])
		snprintf(buf, n, "%s:%s=%s", c->kind, c->target, c->proposed);
	else
		snprintf(buf, n, "%s:%s/%s=%s", c->kind, c->netns, c->target, c->proposed);
	return buf;
}

/* Write the plan (items) to dir/plan.json through a temporary file. 0, or -errno with
 * what[] naming the file. */
static int save_plan(const char *dir, json_object *items, char *path, size_t plen, char *what,
		     size_t wlen)
{
	json_object *plan = json_object_new_object();
	char tmp[600];
	FILE *fp;
	int r = 0;

	snprintf(path, plen, "%s/plan.json", dir);
	snprintf(tmp, sizeof(tmp), "%s/.plan.json.%d", dir, (int)getpid());
	json_object_object_add(plan, "items", json_object_get(items));
	json_object_object_add(plan, "time", json_object_new_int64((int64_t)time(NULL)));
	if (mkdir(dir, 0700) && errno != EEXIST) {
		r = -errno;
		snprintf(what, wlen, "cannot create %s", dir);
		goto out;
	}
	fp = fopen(tmp, "w");
	if (!fp) {
		r = -errno;
		snprintf(what, wlen, "cannot write %s", path);
		goto out;
	}
	fputs(json_object_to_json_string_ext(plan, JSON_C_TO_STRING_PRETTY), fp);
	fputc('\n', fp);
	if (ferror(fp) | fflush(fp) | fsync(fileno(fp)))
		r = errno ? -errno : -EIO;
	if (fclose(fp) && !r)
		r = -errno;
	if (!r && rename(tmp, path))
		r = -errno;
	if (r) {
		unlink(tmp);
		snprintf(what, wlen, "cannot write %s", path);
	}
out:
	json_object_put(plan);
	return r;
}

/* A finding to mention when no knob of it is planned: at least a warning, no knob. */
static bool knobless(const struct finding *f)
{
	return f->sev >= SEV_WARN && !strcmp(f->change.kind, "none");
}

static int tune_plan(int argc, char **argv)
{
	struct collect_opts co = { .drop_reasons = true };
	struct collect_engine *eng;
	struct observation o;
	char err[256], spec[512], path[600], what[700];
	json_object *arr;
	char **cmdv = NULL;
	size_t nitems = 0, nbare = 0, *idx = NULL;
	int first, r, rc;

	rc = opt_parse(&plan_spec, split_command(argc, argv, &cmdv), argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	if (cmdv && !*cmdv)
		return usage_error("'--' must be followed by a command");
	if (!A.json)
		fprintf(stderr, "dptune tune plan: watching %s\n", cmdv ? cmdv[0] : "the datapath");
	eng = collect_engine_new(&co);
	if (doctor_observe(eng, A.duration, cmdv, !A.json, &stop, &o, err, sizeof(err))) {
		observation_release(&o);
		collect_engine_free(eng);
		return cmd_fail(EXIT_FAIL, "%s", err);
	}
	if (cmdv && !observation_cmd_ok(&o)) {
		rc = cmd_fail(EXIT_FAIL, "the watched command '%s' exited %d: no plan saved (a plan "
			      "needs the load to run as asked; fix the command first)", cmdv[0],
			      o.cmd_rc);
		goto out;
	}
	if (cmdv && o.cmd_rc)	/* as doctor: a load that reported its result loaded the path */
		warn_msg("the watched command exited %d after reporting its load (a sender that "
			 "could not keep the rate?): the plan is made from the load it did send",
			 o.cmd_rc);
	/* the plan's items: the knobs of the findings (warnings and worse), once each */
	arr = json_object_new_array();
	idx = xcalloc(o.rep.n + 1, sizeof(*idx));
	for (size_t i = 0; i < o.rep.n; i++) {
		const struct finding *f = &o.rep.f[i];
		bool dup = false;

		if (knobless(f))
			nbare++;
		if (!strcmp(f->change.kind, "none") || f->sev < SEV_WARN)
			continue;
		spec_of(&f->change, spec, sizeof(spec));
		for (size_t j = 0; j < json_object_array_length(arr); j++)
			dup |= !strcmp(json_object_get_string(json_object_array_get_idx(arr, j)), spec);
		if (!dup) {
			json_object_array_add(arr, json_object_new_string(spec));
			idx[nitems++] = i;
		}
	}
	r = save_plan(state_dir(), arr, path, sizeof(path), what, sizeof(what));
	json_object_put(arr);
	if (r) {
		rc = cmd_fail(EXIT_FAIL, "%s: %s; no plan saved (give a writable --state-dir)", what,
			      strerror(-r));
		goto out;
	}

	print_init(A.json ? PRINT_JSON : PRINT_TEXT, stdout);
	print_open_object(NULL);
	if (cmdv)
		print_i64(PRINT_JSONONLY, "command_exit", NULL, o.cmd_rc);
	print_open_array("changes");
	for (size_t k = 0; k < nitems; k++) {
		const struct finding *f = &o.rep.f[idx[k]];

		print_open_object(NULL);
		print_str(PRINT_ANY, "item", "  %-60s", spec_of(&f->change, spec, sizeof(spec)));
		print_str(PRINT_ANY, "current", " (now %s)", f->change.current);
		print_str(PRINT_ANY, "rule", " %s", f->rule);
		print_str(PRINT_ANY, "confidence", ", %s confidence", confidence_name(f->conf));
		print_str(PRINT_JSONONLY, "cause", NULL, f->cause);
		print_close_object();
		print_nl();
	}
	print_close_array();
	if (nbare)
		print_text("finding(s) no knob of tune fixes ('dptune doctor' shows their evidence "
			   "and commands):\n");
	print_open_array("findings_without_knob");
	for (size_t i = 0; i < o.rep.n; i++) {
		const struct finding *f = &o.rep.f[i];

		if (!knobless(f))
			continue;
		print_open_object(NULL);
		print_str(PRINT_ANY, "severity", "  %-4s", severity_name(f->sev));
		print_str(PRINT_ANY, "rule", " %s", f->rule);
		print_str(PRINT_ANY, "netns", " [%s]", f->netns ? f->netns : "");
		print_str(f->obj && f->obj[0] ? PRINT_ANY : PRINT_JSONONLY, "object", " %s",
			  f->obj ? f->obj : "");
		print_str(PRINT_ANY, "cause", " %s", f->cause);
		print_u64(PRINT_JSONONLY, "dropped", NULL, f->dropped);
		print_close_object();
		print_nl();
	}
	print_close_array();
	print_str(PRINT_ANY, "plan_file", "%s", path);
	print_u64(PRINT_JSONONLY, "changes_planned", NULL, nitems);
	if (nitems)
		print_text(": %zu change(s); apply with 'dptune tune apply --plan'\n", nitems);
	else if (nbare)
		print_text(": nothing tune can change, but %zu finding(s) above have no knob: "
			   "see 'dptune doctor'\n", nbare);
	else
		print_text(": nothing to change (no finding)\n");
	print_close_object();
	rc = EXIT_OK;
out:
	free(idx);
	observation_release(&o);
	collect_engine_free(eng);
	return rc;
}

/* Apply items with the journal, printing each change into the open array. EXIT_OK, or
 * EXIT_FAIL with err[] set; what was already applied stays recorded for revert. */
static int apply_items(const char *dir, const struct item *items, int n, char *id, size_t idlen,
		       char *err, size_t errlen)
{
	int fd = journal_open(dir), rc = EXIT_OK;
	char name[300];

	if (fd < 0) {
		snprintf(err, errlen, "cannot open the journal in %s: %s (give a writable "
			 "--state-dir); nothing was changed", dir, strerror(-fd));
		return EXIT_FAIL;
	}
	snprintf(id, idlen, "%ld-%d", (long)time(NULL), (int)getpid());
	for (int i = 0; i < n && !stop; i++) {
		char orig[256];
		int r = knob_read(&items[i].k, orig, sizeof(orig));

		knob_name(&items[i].k, name, sizeof(name));
		if (r) {
			snprintf(err, errlen, "cannot read %s: %s%s", name, strerror(-r),
				 r == -ENOENT ? " (no such knob, device or namespace)" : "");
			rc = EXIT_FAIL;
			break;
		}
		r = journal_intent(fd, id, &items[i].k, orig, items[i].value);
		if (r) {
			snprintf(err, errlen, "cannot write the journal in %s: %s; %s was not changed, "
				 "nor any after it", dir, strerror(-r), name);
			rc = EXIT_FAIL;
			break;
		}
		r = knob_write(&items[i].k, items[i].value);
		if (r) {
			snprintf(err, errlen, "cannot set %s to '%s': %s ('dptune tune revert' undoes "
				 "what was set before it)", name, items[i].value, strerror(-r));
			rc = EXIT_FAIL;
			break;
		}
		if (journal_done(fd, id, &items[i].k))
			warn_msg("cannot record completion of %s in the journal", name);
		print_open_object(NULL);
		print_str(PRINT_ANY, "knob", "set %s", name);
		print_str(PRINT_ANY, "from", ": %s", orig);
		print_str(PRINT_ANY, "to", " -> %s", items[i].value);
		print_close_object();
		print_nl();
		print_flush();
		if (A.step_ms) {
			struct timespec ts = { A.step_ms / 1000, (long)(A.step_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	if (rc == EXIT_OK && stop) {
		snprintf(err, errlen, "interrupted: some items were not applied ('dptune tune "
			 "revert' undoes those that were)");
		rc = EXIT_FAIL;
	}
	close(fd);
	return rc;
}

/* Restore every original value, newest first (only entries of run `only_id` when set),
 * printing each into the open array. The number restored; -1 with err[] set after
 * trying every entry when one could not be restored; -2 with err[] set when the journal
 * cannot be read. */
static int revert_entries(const char *dir, const char *only_id, char *err, size_t errlen)
{
	struct journal j;
	int r = journal_load(dir, &j), restored = 0, failed = 0;
	char name[300], cur[256];

	if (r) {
		snprintf(err, errlen, "cannot read the journal in %s: %s", dir, strerror(-r));
		return -2;
	}
	if (j.bad_lines)
		warn_msg("%u unreadable journal line(s) skipped (a torn write at a crash)", j.bad_lines);
	for (size_t i = j.n; i-- > 0;) {
		const struct journal_entry *e = &j.e[i];
		const char *action;

		if (only_id && strcmp(e->id, only_id))
			continue;
		knob_name(&e->k, name, sizeof(name));
		r = knob_read(&e->k, cur, sizeof(cur));
		if (r == -ENOENT) {
			action = "gone";
			cur[0] = '\0';
		} else if (!r && !strcmp(cur, e->original)) {
			action = "kept";
		} else if ((r = knob_write(&e->k, e->original))) {
			if (!failed++)
				snprintf(err, errlen, "cannot restore %s to '%s': %s", name, e->original,
					 strerror(-r));
			continue;
		} else {
			action = "restored";
			restored++;
		}
		print_open_object(NULL);
		print_str(PRINT_ANY, "action", "%s", action);
		print_str(PRINT_ANY, "knob", " %s", name);
		if (!strcmp(action, "gone")) {
			print_text(" (its device or namespace no longer exists)");
		} else if (!strcmp(action, "kept")) {
			print_str(PRINT_ANY, "value", " = %s (already the original)", cur);
		} else {
			print_str(PRINT_ANY, "from", ": %s", cur);
			print_str(PRINT_ANY, "to", " -> %s", e->original);
		}
		print_close_object();
		print_nl();
	}
	journal_release(&j);
	if (failed > 1) {
		size_t l = strlen(err);

		snprintf(err + l, errlen - l, " (and %d more)", failed - 1);
	}
	return failed ? -1 : restored;
}

/* One --verify window. 0, or -1 with err[] set when the window is no measurement: the
 * counters could not be read, the watched command failed, or the run was interrupted. */
static int measure(struct collect_engine *eng, char **cmdv, struct observation *o,
		   const char *when, char *err, size_t errlen)
{
	char why[512];

	if (doctor_observe(eng, A.duration, cmdv, false, &stop, o, why, sizeof(why))) {
		snprintf(err, errlen, "measuring %s: %s", when, why);
		return -1;
	}
	if (cmdv && o->cmd_rc) { /* verify compares like with like: a run as asked */
		snprintf(err, errlen, "measuring %s: the watched command '%s' exited %d", when,
			 cmdv[0], o->cmd_rc);
		return -1;
	}
	if (stop) {
		snprintf(err, errlen, "measuring %s: interrupted", when);
		return -1;
	}
	return 0;
}

static int apply_verify(const char *dir, struct item *items, int n, char **cmdv)
{
	struct collect_opts co = { .drop_reasons = true };
	struct collect_engine *eng = collect_engine_new(&co);
	struct observation before, after;
	enum verify_verdict v;
	char err[1024], id[64];
	uint64_t b, a;
	int rc = EXIT_OK;

	memset(&after, 0, sizeof(after));
	if (measure(eng, cmdv, &before, "before", err, sizeof(err))) {
		rc = cmd_fail(EXIT_FAIL, "%s; nothing was changed", err);
		goto out;
	}
	print_init(A.json ? PRINT_JSON : PRINT_TEXT, stdout);
	print_open_object(NULL);
	print_str(PRINT_JSONONLY, "state_dir", NULL, dir);
	print_open_array("changes");
	rc = apply_items(dir, items, n, id, sizeof(id), err, sizeof(err));
	print_close_array();
	if (rc) {
		rc = cmd_fail(rc, "%s", err);
		goto out;
	}
	print_str(PRINT_JSONONLY, "run", NULL, id);
	err[0] = '\0';
	if (!measure(eng, cmdv, &after, "after", err, sizeof(err)) &&
	    before.have_lost != after.have_lost)
		snprintf(err, sizeof(err), "measuring after: the watched command %s a bench loss "
			 "this time: the two windows cannot be compared",
			 before.have_lost ? "did not report" : "reported");
	if (err[0]) {
		char err2[1024];

		/* no verdict without two comparable windows: undo the change */
		print_abort();
		print_init(PRINT_TEXT, stderr);
		if (revert_entries(dir, id, err2, sizeof(err2)) < 0)
			rc = cmd_fail(EXIT_FAIL, "%s; and the revert failed: %s (run 'dptune tune "
				      "revert')", err, err2);
		else
			rc = cmd_fail(EXIT_FAIL, "%s; the change was reverted", err);
		goto out;
	}
	b = before.have_lost ? before.lost : before.l.explained;
	a = after.have_lost ? after.lost : after.l.explained;
	v = verify_judge(b, a);
	print_open_object("verify");
	print_str(PRINT_ANY, "measure", "verify: %s", before.have_lost ? "packets lost" :
						      "drops counted");
	print_u64(PRINT_ANY, "before", " before %llu", b);
	print_u64(PRINT_ANY, "after", ", after %llu\n", a);
	print_str(PRINT_JSONONLY, "verdict", NULL, verify_name(v));
	print_bool(PRINT_JSONONLY, "kept", NULL, verify_keep(v));
	print_str(PRINT_ANY, "reason", "verify: %s\n", verify_reason(v));
	print_close_object();
	if (!verify_keep(v)) {
		print_open_array("reverted");
		if (revert_entries(dir, id, err, sizeof(err)) < 0) {
			rc = cmd_fail(EXIT_FAIL, "the change did not help, and reverting it failed: "
				      "%s (run 'dptune tune revert')", err);
			goto out;
		}
		print_close_array();
		rc = EXIT_FAIL;
	} else {
		print_text("verify: 'dptune tune revert' undoes it\n");
	}
	print_close_object();
out:
	observation_release(&before);
	observation_release(&after);
	collect_engine_free(eng);
	return rc;
}

static int tune_apply(int argc, char **argv)
{
	struct item *items = xcalloc(MAX_ITEMS, sizeof(*items));
	char **cmdv = NULL, err[1024], id[64];
	int first, nargs, n = 0, rc;

	nargs = split_command(argc, argv, &cmdv);
	rc = opt_parse(&apply_spec, nargs, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		goto out;
	nargs -= first;
	rc = EXIT_USAGE;
	if (cmdv && !*cmdv) {
		usage_error("'--' must be followed by a command");
		goto out;
	}
	if (cmdv && !A.verify) {
		usage_error("a COMMAND after '--' is what --verify watches: add --verify");
		goto out;
	}
	rc = parse_items(nargs, argv + first, items, &n);
	if (rc)
		goto out;
	if (!n || A.use_plan) {
		rc = load_plan(state_dir(), items, &n);
		if (rc)
			goto out;
	}
	for (int i = 0; i < n; i++) {
		rc = check_item(&items[i], true, i < nargs ? NULL : "the saved plan");
		if (rc)
			goto out;
	}
	if (A.verify && n) {
		rc = apply_verify(state_dir(), items, n, cmdv);
		goto out;
	}
	print_init(A.json ? PRINT_JSON : PRINT_TEXT, stdout);
	print_open_object(NULL);
	print_str(PRINT_JSONONLY, "state_dir", NULL, state_dir());
	print_open_array("changes");
	if (!n) {
		print_close_array();
		print_text("the saved plan has nothing to change\n");
		print_close_object();
		rc = EXIT_OK;
		goto out;
	}
	rc = apply_items(state_dir(), items, n, id, sizeof(id), err, sizeof(err));
	print_close_array();
	if (rc) {
		rc = cmd_fail(rc, "%s", err);
		goto out;
	}
	print_str(PRINT_JSONONLY, "run", NULL, id);
	print_close_object();
out:
	free(items);
	return rc;
}

static int tune_revert(int argc, char **argv)
{
	char err[1024], path[600];
	bool any;
	int first, rc = opt_parse(&revert_spec, argc, argv, &first, NULL), r;
	const char *dir = state_dir();

	if (rc != OPT_CONTINUE)
		return rc;
	print_init(A.json ? PRINT_JSON : PRINT_TEXT, stdout);
	print_open_object(NULL);
	print_str(PRINT_JSONONLY, "state_dir", NULL, dir);
	print_open_array("reverted");
	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	any = !access(path, F_OK);
	r = revert_entries(dir, NULL, err, sizeof(err));
	print_close_array();
	if (r == -2)
		return cmd_fail(EXIT_FAIL, "%s", err);
	if (r < 0)
		return cmd_fail(EXIT_FAIL, "%s; the journal is kept: fix the cause and run 'dptune "
				"tune revert' again", err);
	if (any) {
		int e = journal_retire(dir);

		if (e)
			return cmd_fail(EXIT_FAIL, "every value is back, but the journal in %s cannot "
					"be retired: %s", dir, strerror(-e));
	}
	if (any) {
		print_u64(PRINT_ANY, "restored", "%llu value(s) restored", (uint64_t)r);
		print_str(PRINT_FP, NULL, " (journal in %s)\n", dir);
	} else {
		print_u64(PRINT_JSONONLY, "restored", NULL, 0);
		print_text("nothing to revert: no journal in %s\n", dir);
	}
	print_close_object();
	return EXIT_OK;
}

static int tune_show(int argc, char **argv)
{
	struct journal j;
	char name[300], cur[256];
	int first, rc = opt_parse(&show_spec, argc, argv, &first, NULL), r;
	const char *dir = state_dir();

	if (rc != OPT_CONTINUE)
		return rc;
	r = journal_load(dir, &j);
	if (r)
		return cmd_fail(EXIT_FAIL, "cannot read the journal in %s: %s", dir, strerror(-r));
	if (j.bad_lines)
		warn_msg("%u unreadable journal line(s) skipped (a torn write at a crash)", j.bad_lines);
	print_init(A.json ? PRINT_JSON : PRINT_TEXT, stdout);
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
 * NULL with err[] set when it cannot. */
static FILE *open_conf(const char *root, const char *dir, const char *file, const char *header,
		       char *err, size_t errlen)
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
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return NULL;
	}
	fputs(header, fp);
	return fp;
}

/* The udev rule line for a non-sysctl knob. */
static void udev_line(const struct knob_ref *k, const char *value, char *line, size_t n)
{
	if (!strcmp(k->kind, "txqlen")) {
		snprintf(line, n, "ACTION==\"add\", SUBSYSTEM==\"net\", KERNEL==\"%s\", "
			 "ATTR{tx_queue_len}=\"%s\"", k->target, value);
	} else if (!strcmp(k->kind, "ring")) {
		snprintf(line, n, "ACTION==\"add\", SUBSYSTEM==\"net\", KERNEL==\"%s\", "
			 "RUN+=\"/usr/sbin/ethtool -G %s rx %s\"", k->target, k->target, value);
	} else if (!strncmp(k->target, "class/net/", 10) && strchr(k->target + 10, '/') &&
		   strchr(k->target + 10, '/') - (k->target + 10) < 64) {
		const char *p = k->target + 10, *sl = strchr(p, '/');

		snprintf(line, n, "ACTION==\"add\", SUBSYSTEM==\"net\", KERNEL==\"%.*s\", "
			 "ATTR{%s}=\"%s\"", (int)(sl - p), p, sl + 1, value);
	} else {
		snprintf(line, n, "# cannot persist sysfs %s through udev: set it from a boot unit",
			 k->target);
	}
}

static int tune_persist(int argc, char **argv)
{
	struct item *items = xcalloc(MAX_ITEMS, sizeof(*items));
	struct journal j = { 0 };
	char line[700], err[700] = "", name[300];
	FILE *sf = NULL, *uf = NULL;
	int first, n = 0, written = 0, rc;

	rc = opt_parse(&persist_spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		goto out;
	rc = parse_items(argc - first, argv + first, items, &n);
	if (rc)
		goto out;
	for (int i = 0; i < n; i++) {
		rc = check_item(&items[i], false, NULL);
		if (rc)
			goto out;
	}
	if (!n) {
		int r = journal_load(state_dir(), &j);

		if (r) {
			rc = cmd_fail(EXIT_FAIL, "cannot read the journal in %s: %s", state_dir(),
				      strerror(-r));
			goto out;
		}
		if (!j.n) {
			rc = cmd_fail(EXIT_FAIL, "nothing to persist: give items, or apply some first "
				      "(the journal in %s is empty)", state_dir());
			goto out;
		}
		for (size_t i = 0; i < j.n && n < MAX_ITEMS; i++) {
			items[n].k = j.e[i].k;
			snprintf(items[n].value, sizeof(items[n].value), "%s", j.e[i].value);
			n++;
		}
	}
	print_init(A.json ? PRINT_JSON : PRINT_TEXT, stdout);
	print_open_object(NULL);
	print_open_array("skipped");
	for (int i = 0; i < n; i++) {
		const struct knob_ref *k = &items[i].k;

		if (strcmp(k->netns, "host")) {
			print_open_object(NULL);
			print_str(PRINT_ANY, "knob", "skipped %s", knob_name(k, name, sizeof(name)));
			print_str(PRINT_ANY, "netns", ": it lives in namespace %s, which whoever "
				  "creates it must configure", k->netns);
			print_close_object();
			print_nl();
			continue;
		}
		if (!strcmp(k->kind, "sysctl")) {
			if (!sf && !(sf = open_conf(A.root, "etc/sysctl.d", "90-dptune.conf",
						    "# written by dptune tune persist; applied at boot "
						    "by systemd-sysctl\n", err, sizeof(err))))
				break;
			fprintf(sf, "%s = %s\n", k->target, items[i].value);
		} else {
			if (!uf && !(uf = open_conf(A.root, "etc/udev/rules.d", "90-dptune.rules",
						    "# written by dptune tune persist\n", err,
						    sizeof(err))))
				break;
			udev_line(k, items[i].value, line, sizeof(line));
			fprintf(uf, "%s\n", line);
		}
		written++;
	}
	print_close_array();
	if (sf && (ferror(sf) | fclose(sf)) && !err[0])
		snprintf(err, sizeof(err), "cannot write %s/etc/sysctl.d/90-dptune.conf: %s", A.root,
			 strerror(errno));
	if (uf && (ferror(uf) | fclose(uf)) && !err[0])
		snprintf(err, sizeof(err), "cannot write %s/etc/udev/rules.d/90-dptune.rules: %s",
			 A.root, strerror(errno));
	if (err[0]) {
		rc = cmd_fail(EXIT_FAIL, "%s", err);
		goto out;
	}
	print_open_array("files");
	if (sf) {
		snprintf(line, sizeof(line), "%s/etc/sysctl.d/90-dptune.conf", A.root);
		print_str(PRINT_ANY, NULL, "wrote %s\n", line);
	}
	if (uf) {
		snprintf(line, sizeof(line), "%s/etc/udev/rules.d/90-dptune.rules", A.root);
		print_str(PRINT_ANY, NULL, "wrote %s\n", line);
	}
	print_close_array();
	print_u64(PRINT_ANY, "persisted", "%llu setting(s) persisted; nothing was applied now\n",
		  (uint64_t)written);
	print_close_object();
	rc = EXIT_OK;
out:
	journal_release(&j);
	free(items);
	return rc;
}

static int tune_knobs(int argc, char **argv)
{
	char rng[160];
	int first, rc = opt_parse(&knobs_spec, argc, argv, &first, NULL);

	if (rc != OPT_CONTINUE)
		return rc;
	print_init(A.json ? PRINT_JSON : PRINT_TEXT, stdout);
	print_open_object(NULL);
	print_open_array("knobs");
	for (const struct knob_spec *s = knob_specs; s->kind; s++) {
		print_open_object(NULL);
		print_str(PRINT_ANY, "kind", "%-7s", s->kind);
		print_str(PRINT_ANY, "target", " %-40s", s->pattern);
		print_str(PRINT_ANY, "range", " %s", knob_range_text(s, NULL, rng, sizeof(rng)));
		print_str(PRINT_ANY, "source", "  (%s)", s->source);
		print_close_object();
		print_nl();
	}
	print_close_array();
	print_close_object();
	return EXIT_OK;
}

static const struct tune_sub {
	const char *name;
	int (*fn)(int argc, char **argv);
	const struct opt_spec *spec;
} subs[] = {
	{ "plan", tune_plan, &plan_spec },
	{ "apply", tune_apply, &apply_spec },
	{ "revert", tune_revert, &revert_spec },
	{ "show", tune_show, &show_spec },
	{ "persist", tune_persist, &persist_spec },
	{ "knobs", tune_knobs, &knobs_spec },
};
#define NSUBS (sizeof(subs) / sizeof(subs[0]))

static void tune_usage(FILE *fp)
{
	fprintf(fp, "usage: dptune tune COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < NSUBS; i++)
		fprintf(fp, "  dptune %s %s\n", subs[i].spec->cmd, subs[i].spec->synopsis);
	fprintf(fp, "\n'dptune tune COMMAND --help' shows a command's options:\n");
	/* every option once, so that completion finds them here too */
	for (size_t i = 0; i < NSUBS; i++)
		for (const struct opt *o = subs[i].spec->opts; o->type != OPT_END; o++) {
			bool seen = false;

			if (!o->name || o->hidden)
				continue;
			for (size_t p = 0; p < i && !seen; p++)
				for (const struct opt *q = subs[p].spec->opts; q->type != OPT_END; q++)
					seen |= q->name && !strcmp(q->name, o->name);
			for (const struct opt *q = subs[i].spec->opts; q < o && !seen; q++)
				seen |= q->name && !strcmp(q->name, o->name);
			if (!seen)
				fprintf(fp, "  --%-14s %s\n", o->name, o->help);
		}
}

/* Every long option of every subcommand, once ("--name", " hidden" when hidden). */
static void tune_list_options(void)
{
	for (size_t i = 0; i < NSUBS; i++)
		for (const struct opt *o = subs[i].spec->opts; o->type != OPT_END; o++) {
			bool seen = false;

			if (!o->name)
				continue;
			for (size_t p = 0; p <= i && !seen; p++)
				for (const struct opt *q = subs[p].spec->opts;
				     q->type != OPT_END && !(p == i && q == o); q++)
					seen |= q->name && !strcmp(q->name, o->name);
			if (!seen)
				printf("--%s%s\n", o->name, o->hidden ? " hidden" : "");
		}
}

int cmd_tune(int argc, char **argv)
{
	static char prog[64];

	if (argc < 2) {
		tune_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		tune_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--list-commands")) {
		for (size_t i = 0; i < NSUBS; i++)
			printf("%s\n", subs[i].name);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--list-options")) {
		tune_list_options();
		return EXIT_OK;
	}
	for (size_t i = 0; i < NSUBS; i++) {
		if (strcmp(argv[1], subs[i].name))
			continue;
		snprintf(prog, sizeof(prog), "dptune tune %s", subs[i].name);
		log_prog = prog;
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		return subs[i].fn(argc - 1, argv + 1);
	}
	log_json = opt_wants_json(argc, argv);
	return usage_error("unknown tune command '%s' (plan, apply, revert, show, persist, knobs)",
			   argv[1]);
}
