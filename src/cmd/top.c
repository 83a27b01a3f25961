/* top.c: `dptune top`: the counters of `dptune stat -i`, live in a terminal: per-CPU
 * softirq load and the drop counters moving fastest, with namespace and layer filters,
 * sort keys, pause and help. The rows are top/view.c's, the terminal top/screen.c's. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curses.h>
#include "cmd.h"
#include "vocab.h"
#include "../core/log.h"
#include "../collect/collect.h"
#include "../model/delta.h"
#include "../output/print.h"
#include "../top/screen.h"
#include "../top/view.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Why this cannot be a terminal view, or NULL when it can. */
static const char *no_terminal(bool json)
{
	const char *term = getenv("TERM");

	if (json)
		return "--json has no live view";
	if (!isatty(STDOUT_FILENO))
		return "stdout is not a terminal";
	if (!isatty(STDIN_FILENO))
		return "stdin is not a terminal (keys are read from it)";
	if (!term || !*term || !strcmp(term, "dumb"))
		return "the terminal cannot be driven (TERM is unset or dumb)";
	return NULL;
}

static int sample(struct collect_engine *eng, struct snapshot *prev, struct snapshot *cur,
		  struct top_view *v)
{
	struct delta d;
	int r = collect_snapshot(eng, cur);

	if (r)
		return r;
	delta_compute(&d, prev, cur);
	top_view_update(v, prev, cur, &d);
	delta_release(&d);
	return 0;
}

static void draw(struct top_view *v, bool paused, bool help, const char *msg)
{
	static struct top_line lines[256];
	struct top_frame_opts fo = { .paused = paused, .help = help, .msg = msg };
	size_t n;

	top_screen_size(&fo.width, &fo.height);
	n = top_view_frame(v, &fo, lines, sizeof(lines) / sizeof(lines[0]));
	top_screen_draw(lines, n);
}

int cmd_top(int argc, char **argv)
{
	struct collect_opts co = { 0 };
	struct top_view v;
	struct snapshot snaps[2], *prev = &snaps[0], *cur = &snaps[1], *tmp;
	struct collect_engine *eng = NULL;
	double interval = 1, hold = TOP_HOLD_DEFAULT, next;
	bool json = false, all = false, paused = false, help = false, on_screen = false;
	const char *netns = NULL, *layer = NULL, *sort = "rate", *why;
	char msg[320] = "", err[256];
	int first, rc, r;
	const struct opt opts[] = {
		VOCAB_INTERVAL(&interval, NULL, "1"),
		{ .name = "netns", .shrt = 'N', .type = OPT_STR, .dst = &netns, .arg = "NAME",
		  .help = "show only this namespace's drop counters (host = the initial one; "
			  "key n/N changes it)" },
		{ .name = "layer", .shrt = 'l', .type = OPT_CALLBACK, .cb = vocab_layer_cb,
		  .data = &layer, .arg = "LAYER",
		  .help = "show only this layer's drop counters: nic,irq,softirq,backlog,qdisc,"
			  "vdev,netfilter,ip,udp,socket (key l cycles)" },
		{ .name = "sort", .shrt = 's', .type = OPT_CHOICE, .dst = &sort,
		  .choices = TOP_SORT_CHOICES, .arg = "KEY", .def = "rate",
		  .help = "order of the drop rows: rate (fastest first), total, layer (datapath "
			  "order) or netns (key s cycles)" },
		VOCAB_ALL(&all, "every drop counter that ever counted, not only those moving "
			  "(key a)"),
		{ .name = "hold", .type = OPT_SECONDS, .dst = &hold, .min = 0, .max = 3600,
		  .arg = "SEC", .def = "10",
		  .help = "keep a drop row SEC seconds after its counter stopped (%R)" },
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "top", .synopsis = "[OPTIONS]", .opts = opts, .min_args = 0, .max_args = 0,
		.about =
"A live terminal view of `dptune stat -i`: per CPU the share of time in softirqs (si %),\n"
"steal %, NET_RX softirqs, softnet backlog drops and network IRQs per second; below, the\n"
"drop counters of every layer and namespace that moved lately, fastest first.\n"
"Keys: q quit, p or space pause, n next namespace, N namespace by name, l next layer,\n"
"s next sort key, a every counter / recent movers, h or ? help.\n",
		.footer =
"Needs a terminal: in a pipe, a log or under --json it exits 2; use\n"
"`dptune stat -i SEC` (with --json for JSON lines) there.\n"
"Exit: 0 on q or SIGINT/SIGTERM (the terminal restored), 1 failure, 2 usage error.\n",
	};

	rc = opt_parse(&spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	rc = EXIT_OK;
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	if (layer && strchr(layer, ','))
		return usage_error("invalid --layer '%s': top filters one layer at a time", layer);
	if (netns && strchr(netns, ','))
		return usage_error("invalid --netns '%s': top filters one namespace at a time "
				   "(stat --netns takes a list)", netns);
	why = no_terminal(json);
	if (why)
		return cmd_fail(EXIT_USAGE, "needs a terminal: %s; use 'dptune stat -i SEC' "
				"(rates every SEC seconds, --json for JSON lines)", why);

	top_view_init(&v);
	v.all = all;
	v.hold = hold;
	v.period = interval;
	v.sort = (enum top_sort)top_sort_from_name(sort);
	v.layer = layer ? layer_from_name(layer) : -1;
	snprintf(v.netns, sizeof(v.netns), "%s", netns ? netns : "");

	signal(SIGINT, on_signal);   /* before newterm: ncurses then keeps its hands off */
	signal(SIGTERM, on_signal);
	co.knob_max_age = COLLECT_KNOB_MAX_AGE; /* settings re-read now and then, not each time */
	eng = collect_engine_new(&co);
	snap_init(&snaps[0]);
	snap_init(&snaps[1]);
	r = sample(eng, NULL, prev, &v);
	if (r) {
		rc = cmd_fail(EXIT_FAIL, "cannot read the kernel's counters: %s", strerror(-r));
		goto out;
	}
	if (netns && snap_ns_by_name(prev, netns) < 0) {
		rc = cmd_fail(EXIT_FAIL, "no network namespace named '%s' (see 'ip netns list', "
			      "or use 'host' or pid:N(comm) as printed by 'dptune stat --links')",
			      netns);
		goto out;
	}
	if (stop) /* a signal during the first (slow) snapshot */
		goto out;
	if (top_screen_open(err, sizeof(err))) {
		rc = cmd_fail(EXIT_USAGE, "needs a terminal: %s; use 'dptune stat -i SEC'", err);
		goto out;
	}
	on_screen = true;
	rc = EXIT_OK;
	draw(&v, paused, help, NULL);
	next = prev->t_mono + interval;
	while (!stop) {
		double wait = next - now_mono();
		int key;

		if (!paused && wait <= 0) {
			r = sample(eng, prev, cur, &v);
			if (r) {
				top_screen_close();
				on_screen = false;
				rc = cmd_fail(EXIT_FAIL, "cannot read the kernel's counters: %s",
					      strerror(-r));
				break;
			}
			tmp = prev;
			prev = cur;
			cur = tmp;
			next += interval;
			if (next < now_mono()) /* slower than the interval: no catching up */
				next = now_mono() + interval;
			draw(&v, paused, help, msg[0] ? msg : NULL);
			msg[0] = '\0';
			continue;
		}
		key = top_screen_key(paused ? 250 : (int)(wait * 1000) + 1);
		switch (key) {
		case 'q': case 'Q':
			stop = 1;
			continue;
		case 'p': case ' ':
			paused = !paused;
			if (!paused) { /* a fresh baseline: rates over the pause would mislead */
				r = collect_snapshot(eng, prev);
				next = now_mono() + interval;
				if (r)
					next = now_mono();
			}
			break;
		case 'h': case '?':
			help = !help;
			break;
		case 'n':
			top_view_cycle_netns(&v);
			break;
		case 'N': {
			char name[256];

			if (!top_screen_prompt("netns (empty: all): ", name, sizeof(name), &stop)) {
				if (name[0] && snap_ns_by_name(prev, name) < 0)
					snprintf(msg, sizeof(msg), "no namespace named '%s'", name);
				else
					top_view_set_netns(&v, name);
			}
			break;
		}
		case 'l':
			top_view_cycle_layer(&v);
			break;
		case 's':
			top_view_cycle_sort(&v);
			break;
		case 'a':
			v.all = !v.all;
			top_view_refresh(&v);
			snprintf(msg, sizeof(msg), "%s", v.all ? "every drop counter that counted "
				 "(from the next sample)" : "drop counters that moved lately");
			break;
		case KEY_RESIZE:
			break;
		case ERR:
			continue; /* time to sample, or a signal */
		default:
			continue;
		}
		draw(&v, paused, help, msg[0] ? msg : NULL);
	}
	if (on_screen)
		top_screen_close();
out:
	top_view_release(&v);
	snap_release(&snaps[0]);
	snap_release(&snaps[1]);
	collect_engine_free(eng);
	return rc;
}
