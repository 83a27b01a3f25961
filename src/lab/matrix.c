/* matrix.c: one scenario of the per-layer cost table (matrix.h): build the lab, start a
 * load server inside the lab's server namespace (in this process), run the NDR/PDR search
 * from the client namespace, tear the lab down. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "matrix.h"
#include "lab.h"
#include "../core/netns.h"
#include "../output/progress.h"
#include "../traffic/serve.h"

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

/* Come back from enter(): 0, or -errno. */
static int leave(int *back)
{
	return netns_restore(back);
}

/* Start the load server inside the lab's server namespace, bound to its own address (the
 * client sends to l->server_addr, which may be a floating IP the router translates). */
static int start_server(const struct lab *l, const struct lab_node *sn, struct server **srv,
			struct matrix_row *row)
{
	struct serve_opts so;
	char bind[48], err[256], *slash;
	int back = -1, r, rb;

	snprintf(bind, sizeof(bind), "%s", sn->addr[0] ? sn->addr : l->server_addr);
	slash = strchr(bind, '/');
	if (slash)
		*slash = '\0';
	serve_opts_init(&so);
	so.bind = bind;
	so.port = (uint16_t)l->port_lo;
	r = enter(sn->ns, &back);
	if (r) {
		snprintf(row->why, sizeof(row->why), "cannot enter %s: %s", sn->ns, strerror(-r));
		return r; /* netns_switch did not move the thread */
	}
	r = serve_start(&so, srv, err, sizeof(err));
	rb = leave(&back);
	if (rb)
		snprintf(row->warning, sizeof(row->warning), "cannot return to our namespace: %s",
			 strerror(-rb));
	if (r)
		snprintf(row->why, sizeof(row->why), "cannot start the server: %s", err);
	return r;
}

/* What the table keeps of one search. */
static void keep(struct matrix_row *row, const struct sweep_size_result *sr)
{
	row->ndr = sweep_result(&sr->s, 0);
	row->pdr = sweep_result(&sr->s, 1);
	row->confirmed = sr->confirmed;
	row->confirm_pps = sr->confirm_pps;
	row->unstable = sr->unstable;
	row->sender_bound = sr->sender_bound;
	row->trials = (unsigned)sr->nrec;
	row->search_trials = sr->s.trials;
	row->stop = sweep_stop_text(sr->s.stop);
	row->seconds = sr->seconds;
	for (size_t i = 0; i < sr->nrec; i++) {
		const struct sweep_trial_out *out = &sr->rec[i].out;

		if (!strcmp(sr->rec[i].kind, "probe") && out->sent && out->tx_cpu_ns)
			row->cpu_ns_per_pkt = (double)out->tx_cpu_ns / (double)out->sent;
		row->sender_limited += sr->rec[i].out.sender_limited;
		row->sent += sr->rec[i].out.sent;
		row->received += sr->rec[i].out.received;
		row->lost += sr->rec[i].out.lost;
	}
	if (sr->first_loss < 0)
		return;
	const struct sweep_trial_rec *t = &sr->rec[sr->first_loss];

	if (t->have_ledger && t->ledger.top >= 0) {
		const struct ledger_entry *e = &t->ledger.e[t->ledger.top];

		snprintf(row->first_layer, sizeof(row->first_layer), "%s", layer_name(e->layer));
		if (e->cpu >= 0)
			snprintf(row->first_where, sizeof(row->first_where), "%s cpu%d", e->netns,
				 (int)e->cpu);
		else
			snprintf(row->first_where, sizeof(row->first_where), "%s %s", e->netns,
				 *e->obj ? e->obj : "");
		snprintf(row->first_counter, sizeof(row->first_counter), "%s", e->counter);
		row->first_delta = e->delta;
	} else {
		snprintf(row->first_layer, sizeof(row->first_layer), "unexplained");
	}
}

void matrix_run_scenario(const struct sweep_opts *base, struct collect_engine *eng,
			 const char *scen, struct matrix_row *row, FILE *log)
{
	struct lab_up_opts uo = { 0 };
	struct lab l;
	struct sweep_opts o = *base;
	struct sweep_size_result sr;
	struct server *srv = NULL;
	const struct lab_node *cn, *sn;
	char name[LAB_NAME_MAX + 1], err[256], opt[256], what[48];
	int r;

	memset(row, 0, sizeof(*row));
	memset(&sr, 0, sizeof(sr));
	snprintf(row->scenario, sizeof(row->scenario), "%s", scen);
	row->stop = "";
	if (!lab_scenario_find(scen)) {
		snprintf(row->why, sizeof(row->why), "no such scenario");
		return;
	}
	lab_probe(scen, row->why, sizeof(row->why), opt, sizeof(opt));
	if (row->why[0])
		return;
	/* unique to this process: two matrices at once (tests in parallel) never share
	 * (and tear down) each other's namespaces */
	snprintf(name, sizeof(name), "m%05u_%.5s", (unsigned)getpid() % 100000, scen);
	snprintf(row->lab, sizeof(row->lab), "%s", name);
	uo.name = name;
	uo.scenario = scen;
	uo.log = log;
	progress_mute(!log); /* no log: JSON, and no progress line either */
	snprintf(what, sizeof(what), "lab matrix %s", scen);
	progress_begin(0, what);
	progress_step(0, "building the lab");
	if (log && !progress_active())
		fprintf(log, "== %s: building\n", scen);
	r = lab_up(&uo, err, sizeof(err));
	if (r && r != -EEXIST) {
		snprintf(row->why, sizeof(row->why), "lab up failed: %s", err);
		row->failed = true;
		goto down;
	}
	if (lab_load(name, &l)) {
		snprintf(row->why, sizeof(row->why), "cannot read the lab's state");
		row->failed = true;
		goto down;
	}
	cn = lab_node_find(&l, l.client);
	sn = lab_node_find(&l, l.server);
	if (!cn || !sn || !l.server_addr[0]) {
		snprintf(row->why, sizeof(row->why), "the lab has no client/server description");
		row->failed = true;
		goto free_lab;
	}
	for (int i = 0, n = 0; i < l.n_path && n < (int)sizeof(row->path) - 40; i++)
		n += snprintf(row->path + n, sizeof(row->path) - (size_t)n, "%s%s", i ? " > " : "",
			      l.path[i].kind);
	if (start_server(&l, sn, &srv, row)) {
		row->failed = true;
		goto free_lab;
	}
	o.base.host = l.server_addr;
	o.base.port = (uint16_t)l.port_lo;
	o.base.client_netns = cn->ns;
	progress_step(0, "sweeping");
	if (log && !progress_active())
		fprintf(log, "== %s: sweeping %s -> %s\n", scen, cn->ns, l.server_addr);
	r = sweep_search_size(&o, eng, o.base.size, &sr);
	if (r) {
		snprintf(row->why, sizeof(row->why), "sweep failed: %s", sr.error);
		row->failed = true;
	} else {
		keep(row, &sr);
	}
	sweep_size_result_release(&sr);
	serve_stop(srv);
free_lab:
	lab_free(&l);
down:
	progress_step(0, "tearing the lab down");
	r = lab_down(name, NULL);
	progress_end();
	if (r)
		snprintf(row->warning, sizeof(row->warning),
			 "lab %s: teardown incomplete; run 'dptune lab down %s'", name, name);
}
