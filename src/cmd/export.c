/* export.c: `dptune export`: every layer in every namespace for Prometheus, over HTTP
 * (src/export/: families, rendering, server, web config). */
#include <errno.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "vocab.h"
#include "../collect/collect.h"
#include "../core/log.h"
#include "../export/families.h"
#include "../export/server.h"
#include "../export/webconfig.h"
#include "../output/print.h"
#include "../output/promwriter.h"

/* Not in the 9100-9999 range of the Prometheus default port allocations (full since
 * 2023), nor in Linux's ephemeral range: docs/dptune-export.1. */
#define EXPORT_DEFAULT_LISTEN "127.0.0.1:10305"

static int listen_cb(const struct opt *o, const char *arg, void *data, char *err, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (exp_parse_listen(arg, &ss, &len)) {
		snprintf(err, n, "need ADDR:PORT, [IPV6]:PORT or :PORT with a numeric address");
		return -1;
	}
	*(const char **)data = arg;
	return 0;
}

static void list_metrics(bool json)
{
	if (json) {
		print_open_array(NULL);
		for (size_t i = 0; i < exp_family_count(); i++) {
			const struct exp_family *f = exp_family(i);

			print_open_object(NULL);
			print_str(PRINT_JSONONLY, "name", NULL, f->name);
			print_str(PRINT_JSONONLY, "type", NULL, f->type == PW_COUNTER ? "counter" : "gauge");
			print_str(PRINT_JSONONLY, "labels", NULL, f->labels);
			print_str(PRINT_JSONONLY, "help", NULL, f->help);
			print_str(PRINT_JSONONLY, "source", NULL, f->source);
			print_close_object();
		}
		print_close_array();
		print_flush();
		return;
	}
	{
		struct promwriter w;

		pw_init(&w);
		exp_list_families(&w, true);
		fwrite(w.buf, 1, w.len, stdout);
		pw_release(&w);
	}
}

static int read_pem(const char *path, char **out)
{
	struct strbuf sb;
	int r;

	sb_init(&sb);
	r = read_file_sb(path, &sb, 1 << 20);
	if (r || !sb.len) {
		sb_release(&sb);
		return r ? r : -EINVAL;
	}
	*out = sb.buf; /* NUL-terminated by strbuf */
	return 0;
}

int cmd_export(int argc, char **argv)
{
	struct exp_server_opts so;
	struct webconfig wc;
	const char *listen = EXPORT_DEFAULT_LISTEN, *layers = NULL, *webfile = NULL;
	bool json = false, list = false, no_dr = false, have_wc = false, knobs = false;
	char only[512] = "";
	uint64_t max_series = 0;
	uint32_t max_conn = 512, timeout = 10;
	char err[512];
	struct exp_server *srv;
	sigset_t set;
	int first, rc, sig;
	const struct opt opts[] = {
		OPT_GROUP_ENTRY("serving"),
		{ .name = "listen", .type = OPT_CALLBACK, .cb = listen_cb, .data = &listen,
		  .arg = "ADDR:PORT", .def = EXPORT_DEFAULT_LISTEN,
		  .help = "where to serve /metrics (loopback unless an address is given)" },
		{ .name = "web.config.file", .type = OPT_STR, .dst = &webfile, .arg = "FILE",
		  .help = "TLS and basic auth, in node_exporter's web config format" },
		{ .name = "max-connections", .type = OPT_U32, .dst = &max_conn, .min = 4,
		  .max = 10000, .arg = "N", .def = "512",
		  .help = "connections at once (half of them per client address), %R" },
		{ .name = "connection-timeout", .type = OPT_U32, .dst = &timeout, .min = 1,
		  .max = 3600, .arg = "SEC", .def = "10",
		  .help = "close a connection idle this long, %R" },
		OPT_GROUP_ENTRY("what to export"),
		VOCAB_NETNS(&so.filter.netns),
		VOCAB_DEV(&so.filter.dev),
		VOCAB_LAYER(&layers),
		{ .name = "max-series", .type = OPT_U64, .dst = &max_series, .min = 1,
		  .max = 100000000, .arg = "N",
		  .help = "write at most N series a scrape (dptune_series_limit_hit says so), %R" },
		{ .name = "knobs", .type = OPT_FLAG, .dst = &knobs,
		  .help = "also export the settings (sysctls, RPS, NAPI: dptune_knob), re-read every 5-10 min" },
		{ .name = "no-drop-reasons", .type = OPT_FLAG, .dst = &no_dr,
		  .help = "do not load the BPF drop-reason tracer" },
		{ .name = "list-metrics", .type = OPT_FLAG, .dst = &list,
		  .help = "print the metric families (docs/metrics.md) and exit" },
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "export", .synopsis = "[OPTIONS]", .opts = opts, .min_args = 0, .max_args = 0,
		.about =
"Serve every drop and load counter of every layer in every network namespace to\n"
"Prometheus: GET /metrics (text format 0.0.4, or OpenMetrics when asked), collected at\n"
"scrape time; concurrent scrapes share one collection. Kernel drop reasons come from a\n"
"BPF tracer when it loads (--no-drop-reasons to leave it off).\n",
		.footer =
"Metric families: docs/metrics.md or --list-metrics. Under --json: one start-up\n"
"document on stdout, errors as {\"error\":{...}}. Exit: 0 stopped by a signal, 1\n"
"failure (port in use, bad web config), 2 usage error, 3 TLS asked of a libmicrohttpd\n"
"without it.\n",
	};

	memset(&so, 0, sizeof(so));
	rc = opt_parse(&spec, argc, argv, &first, NULL);
	if (rc != OPT_CONTINUE)
		return rc;
	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	if (list) {
		list_metrics(json);
		return EXIT_OK;
	}
	if (exp_parse_listen(listen, &so.addr, &so.addrlen))
		return usage_error("invalid --listen '%s'", listen);
	so.filter.layer_mask = vocab_layer_mask(layers);
	so.max_series = max_series;
	so.max_conn = max_conn;
	so.per_ip = max_conn / 2;
	so.timeout = timeout;
	so.conn_memory = 32 * 1024;
	so.max_results = 4;
	so.co.drop_reasons = !no_dr;
	/* Settings are most of a collection's cost (a forked reader per namespace for
	 * sysfs) and change rarely: off unless asked, then re-read every 300-570 s, a tenth
	 * of the namespaces at a time, so a 15 s scrape pays a few percent of them. */
	so.co.knob_max_age = 300;
	if (!knobs || no_dr) {
		size_t l = 0;

		/* left out: not reported as up when they do not run */
		for (size_t i = 0; collectors[i]; i++)
			if ((knobs || strcmp(collectors[i]->name, "knobs")) &&
			    (!no_dr || strcmp(collectors[i]->name, "dropreason")) &&
			    l + 64 < sizeof(only))
				l += (size_t)snprintf(only + l, sizeof(only) - l, "%s%s", l ? "," : "",
						      collectors[i]->name);
		so.co.only_collectors = only;
	}
	/* one namespace by its name is read alone; an exported label (docker:ID/comm,
	 * proc:comm) is not a name the engine knows: every namespace is read, then filtered */
	if (so.filter.netns && !strchr(so.filter.netns, ',') &&
	    (!strchr(so.filter.netns, ':') || !strncmp(so.filter.netns, "pid:", 4)))
		so.co.only_ns = so.filter.netns;
	if (webfile) {
		if (webconfig_load(webfile, &wc, err, sizeof(err)))
			return cmd_fail(EXIT_FAIL, "--web.config.file %s", err);
		have_wc = true;
		so.web = &wc;
		if (wc.cert_file) {
			if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
				webconfig_release(&wc);
				return cmd_fail(EXIT_NOFEATURE, "--web.config.file asks for TLS, but "
						"this libmicrohttpd was built without it");
			}
			if (read_pem(wc.cert_file, &so.tls_cert) || read_pem(wc.key_file, &so.tls_key)) {
				rc = cmd_fail(EXIT_FAIL, "cannot read the TLS certificate %s or key %s",
					      wc.cert_file, wc.key_file);
				goto out;
			}
		}
	}

	/* exp_server_start blocks these once its first collection is done */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);

	srv = exp_server_start(&so, err, sizeof(err));
	if (!srv) {
		rc = cmd_fail(EXIT_FAIL, "cannot serve on %s: %s", listen, err);
		goto out;
	}
	{
		const struct snapshot *f = exp_server_first(srv);
		char host[INET6_ADDRSTRLEN] = "?";
		unsigned port = exp_server_port(srv);
		bool dr_ok = false;
		const char *dr_why = no_dr ? "turned off (--no-drop-reasons)" : "not loaded";

		if (so.addr.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&so.addr)->sin_addr, host, sizeof(host));
		else
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&so.addr)->sin6_addr, host, sizeof(host));
		for (size_t i = 0; i < f->nst; i++)
			if (!strcmp(f->st[i].name, "dropreason")) {
				dr_ok = !f->st[i].err;
				if (f->st[i].err)
					dr_why = f->st[i].reason;
			}
		print_open_object(NULL);
		print_str(PRINT_JSONONLY, "listen", NULL, host);
		print_u64(PRINT_JSONONLY, "port", NULL, port);
		print_bool(PRINT_JSONONLY, "tls", NULL, so.tls_cert != NULL);
		print_bool(PRINT_JSONONLY, "basic_auth", NULL, have_wc && wc.nusers);
		print_u64(PRINT_JSONONLY, "namespaces", NULL, f->nns);
		print_u64(PRINT_JSONONLY, "rows", NULL, f->nm);
		print_bool(PRINT_JSONONLY, "drop_reasons", NULL, dr_ok && !no_dr);
		if (!dr_ok || no_dr)
			print_str(PRINT_JSONONLY, "drop_reasons_why", NULL, dr_why);
		print_open_array("collectors");
		for (size_t i = 0; i < f->nst; i++) {
			print_open_object(NULL);
			print_str(PRINT_JSONONLY, "name", NULL, f->st[i].name);
			print_bool(PRINT_JSONONLY, "up", NULL, !f->st[i].err);
			if (f->st[i].err)
				print_str(PRINT_JSONONLY, "reason", NULL, f->st[i].reason);
			print_close_object();
		}
		print_close_array();
		print_close_object();
		print_flush();
		if (!json) {
			fprintf(stderr, "dptune export: serving http%s://%s%s%s:%u/metrics (%zu "
				"namespaces)\n", so.tls_cert ? "s" : "",
				so.addr.ss_family == AF_INET6 ? "[" : "", host,
				so.addr.ss_family == AF_INET6 ? "]" : "", port, f->nns);
			if (!no_dr && !dr_ok)
				fprintf(stderr, "dptune export: kernel drop reasons are OFF: %s\n",
					dr_why);
			for (size_t i = 0; i < f->nst; i++)
				if (f->st[i].err && strcmp(f->st[i].name, "dropreason"))
					fprintf(stderr, "dptune export: collector %s unavailable: %s\n",
						f->st[i].name, f->st[i].reason);
			if (!exp_addr_is_loopback(&so.addr) && !so.web)
				fprintf(stderr, "dptune export: warning: serving beyond loopback "
					"without TLS or auth (--web.config.file)\n");
		}
		fflush(stdout);
	}
	do {
		if (sigwait(&set, &sig))
			break;
	} while (sig == SIGHUP);
	exp_server_stop(srv);
	rc = EXIT_OK;
out:
	free(so.tls_cert);
	free(so.tls_key);
	if (have_wc)
		webconfig_release(&wc);
	return rc;
}
