/* rss.c: `dptune rss`: which receive queue, IRQ CPU and RPS CPU each flow of a set lands
 * on at a NIC, before any traffic is sent: the device's RSS (read live through
 * path/rss.h, or from recorded `ethtool -x` / `ethtool -n rx-flow-hash` outputs) applied
 * to the flows --src-range x --sport-range x --dst x --dport describe, with the spread
 * of those flows per queue and per CPU. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "cmd.h"
#include "vocab.h"
#include "../core/log.h"
#include "../core/netns.h"
#include "../core/util.h"
#include "../output/print.h"
#include "../path/rss.h"
#include "../path/rss_spread.h"

#define RSS_CMD_MAX_FLOWS (1u << 20)
#define RSS_CMD_LIST 64

static int read_text(const char *path, struct strbuf *sb, char *err, size_t errlen)
{
	int r = read_file_sb(path, sb, 16u << 20);

	if (r)
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-r));
	return r;
}

/* " LABEL V" in text, key: V in JSON; a negative v is unknown: " LABEL -" and null. */
static void print_opt_int(const char *key, const char *label, int v)
{
	char fmt[48];

	if (v >= 0) {
		snprintf(fmt, sizeof(fmt), " %s %%lld", label);
		print_i64(PRINT_ANY, key, fmt, v);
	} else {
		snprintf(fmt, sizeof(fmt), " %s -", label);
		print_null(PRINT_ANY, key, fmt);
	}
}

static void print_config(const struct rss_config *cfg, const char *source)
{
	char letters[16];

	print_open_object("device");
	print_str(PRINT_ANY, "name", "%s", cfg->dev);
	if (cfg->driver[0])
		print_str(PRINT_ANY, "driver", " (%s)", cfg->driver);
	print_str(PRINT_JSONONLY, "source", NULL, source);
	print_bool(PRINT_JSONONLY, "rss", NULL, cfg->rss);
	print_u64(PRINT_ANY, "rx_queues", ": %llu rx queue(s)", cfg->n_rx_queues);
	if (cfg->rss) {
		if (cfg->hfunc == RSS_HFUNC_UNKNOWN) {
			print_null(PRINT_JSONONLY, "hash_function", NULL);
			print_text(", RSS (hash function not reported: toeplitz assumed)");
		} else {
			print_str(PRINT_ANY, "hash_function", ", RSS %s",
				  rss_hfunc_name(cfg->hfunc));
		}
		print_u64(PRINT_ANY, "indirection_size", ", %llu-entry indirection table",
			  cfg->indir_size);
		print_u64(PRINT_ANY, "key_bytes", ", %llu-byte key", cfg->key_len);
	}
	if (cfg->rss_reason[0])
		print_str(PRINT_ANY, "reason", ": %s", cfg->rss_reason);
	print_nl();
	if (cfg->key_len) {
		struct strbuf sb;

		sb_init(&sb);
		for (uint32_t i = 0; i < cfg->key_len; i++)
			sb_addf(&sb, "%s%02x", i ? ":" : "", cfg->key[i]);
		print_str(PRINT_ANY, "key", "  key %s", sb.buf);
		print_nl();
		sb_release(&sb);
	}
	print_open_array("hash_fields");
	{
		bool any = false;

		for (int t = 0; t < RSS_FT_COUNT; t++)
			any |= cfg->fields_known[t];
		if (cfg->rss)
			print_text("  hash fields:%s", any ? "" : " not known (sdfn assumed)");
	}
	for (int t = 0; t < RSS_FT_COUNT && cfg->rss; t++) {
		if (!cfg->fields_known[t])
			continue;
		print_open_object(NULL);
		print_str(PRINT_ANY, "flow_type", " %s", rss_flow_type_name((enum rss_flow_type)t));
		print_str(PRINT_ANY, "fields", "=%s",
			  rss_fields_letters(cfg->fields[t], letters, sizeof(letters)));
		print_close_object();
	}
	print_close_array();
	if (cfg->rss)
		print_nl();
	print_open_array("queues");
	for (unsigned q = 0; q < cfg->n_queues_info; q++) {
		const struct rss_queue *rq = &cfg->queue[q];
		struct strbuf sb;
		bool any = false;

		sb_init(&sb);
		for (int c = 0; c < RSS_CPUS_MAX; c++)
			if ((rq->rps_mask[c / 64] >> (c % 64)) & 1u) {
				sb_addf(&sb, "%s%d", any ? "," : "", c);
				any = true;
			}
		print_open_object(NULL);
		print_u64(PRINT_ANY, "queue", "  rx-%llu:", q);
		print_opt_int("irq", "irq", rq->irq);
		if (rq->irq_name[0])
			print_str(PRINT_ANY, "irq_name", " (%s)", rq->irq_name);
		print_opt_int("irq_cpu", "cpu", rq->irq_cpu);
		if (rq->rps_known)
			print_str(PRINT_ANY, "rps_cpus", ", rps cpus [%s]", any ? sb.buf : "");
		else
			print_null(PRINT_JSONONLY, "rps_cpus", NULL);
		print_nl();
		print_close_object();
		sb_release(&sb);
	}
	print_close_array();
	print_close_object();
}

static void print_place(const struct rss_flow *f, const struct rss_place *p, bool hash_only)
{
	print_open_object(NULL);
	if (!hash_only) {
		char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

		inet_ntop(f->family, f->src, s, sizeof(s));
		inet_ntop(f->family, f->dst, d, sizeof(d));
		print_str(PRINT_JSONONLY, "src", NULL, s);
		print_u64(PRINT_JSONONLY, "sport", NULL, f->sport);
		print_str(PRINT_JSONONLY, "dst", NULL, d);
		print_u64(PRINT_JSONONLY, "dport", NULL, f->dport);
		print_text(f->family == AF_INET6 ? "  [%s]:%u -> [%s]:%u" : "  %s:%u -> %s:%u",
			   s, f->sport, d, f->dport);
	}
	if (p->hash_known)
		print_u64(PRINT_ANY, "hash", hash_only ? "  hash 0x%08llx" : " hash 0x%08llx",
			  p->hash);
	else
		print_null(PRINT_ANY, "hash", hash_only ? "  hash ?" : " hash ?");
	if (!hash_only) {
		char letters[16];

		print_str(PRINT_JSONONLY, "fields", NULL,
			  rss_fields_letters(p->fields, letters, sizeof(letters)));
	}
	print_opt_int("indirection_index", "idx", p->indir_index);
	print_opt_int("queue", "queue", p->queue);
	print_opt_int("irq_cpu", "irq-cpu", p->irq_cpu);
	print_bool(PRINT_JSONONLY, "rps", NULL, p->rps_on);
	print_opt_int("rps_cpu", "rps-cpu", p->rps_cpu);
	if (p->note[0])
		print_str(PRINT_JSONONLY, "note", NULL, p->note); /* text: once, after the flows */
	print_nl();
	print_close_object();
}

int cmd_rss(int argc, char **argv)
{
	const char *netns = NULL, *src = NULL, *src_range = NULL, *dst = NULL, *sport_s = NULL,
		   *sport_range = NULL, *proto = "udp", *from_file = NULL, *fh_file = NULL;
	uint32_t dport = 5302, rx_queue = 0;
	uint64_t hash = 0;
	bool json = false, all = false, require_rss = false, hash_set = false;
	struct rss_config *cfg = NULL;
	struct rss_addr_range sr, dr;
	struct { uint32_t lo, hi; } pr;
	struct rss_spread *sp = NULL;
	char err[512] = "";
	const char *dev;
	int first, r, rc = EXIT_OK;
	uint64_t total, listed = 0;

	const struct opt opts[] = {
		{ .name = "netns", .shrt = 'N', .type = OPT_STR, .dst = &netns, .arg = "NAME",
		  .help = "the namespace DEV is in (a name under /run/netns)" },
		{ .name = "src", .type = OPT_STR, .dst = &src, .arg = "ADDR",
		  .help = "source address of the flows (fd00::1 when --dst is IPv6)", .def = "10.0.0.1" },
		{ .name = "src-range", .type = OPT_STR, .dst = &src_range, .arg = "A-B",
		  .help = "source addresses A to B (one family, up to 1048576 flows in all)" },
		{ .name = "dst", .type = OPT_STR, .dst = &dst, .arg = "ADDR",
		  .help = "destination address, on DEV's side (fd00::2 for IPv6 sources)", .def = "10.0.0.2" },
		{ .name = "sport", .type = OPT_STR, .dst = &sport_s, .arg = "PORT",
		  .help = "source port", .def = "1024" },
		{ .name = "sport-range", .type = OPT_STR, .dst = &sport_range, .arg = "A-B",
		  .help = "source ports A to B" },
		{ .name = "dport", .type = OPT_U32, .dst = &dport, .min = 0, .max = 65535,
		  .arg = "PORT", .def = "5302", .help = "destination port (%R)" },
		{ .name = "proto", .type = OPT_CHOICE, .dst = &proto, .choices = "udp|tcp",
		  .arg = "udp|tcp", .def = "udp", .help = "transport (selects the hash fields)" },
		{ .name = "hash", .type = OPT_U64, .dst = &hash, .set = &hash_set, .min = 0,
		  .max = 4294967295.0, .arg = "H",
		  .help = "place this skb hash instead of flows (queue, IRQ CPU, RPS CPU), %R" },
		{ .name = "rx-queue", .type = OPT_U32, .dst = &rx_queue, .min = 0,
		  .max = RSS_QUEUES_MAX - 1, .arg = "Q", .def = "0",
		  .help = "with --hash on a device without RSS: the queue the packet came in on" },
		{ .name = "from-file", .type = OPT_STR, .dst = &from_file, .arg = "FILE",
		  .help = "read the RSS setup from recorded `ethtool -x DEV` output, not the device" },
		{ .name = "flow-hash-file", .type = OPT_STR, .dst = &fh_file, .arg = "FILE",
		  .help = "recorded `ethtool -n DEV rx-flow-hash TYPE` output(s), with --from-file" },
		{ .name = "require-rss", .type = OPT_FLAG, .dst = &require_rss,
		  .help = "exit 3 when the device has no RSS (one queue, or no table)" },
		VOCAB_ALL(&all, "list every flow (default: the first 64, then the spread)"),
		VOCAB_JSON(&json),
		OPT_HELP_ENTRY,
		OPT_END_ENTRY,
	};
	const struct opt_spec spec = {
		.cmd = "rss", .synopsis = "[OPTIONS] [DEV]", .opts = opts, .min_args = 0,
		.max_args = 1,
		.about = "Where flows land at a NIC before traffic is sent: the RSS hash (Toeplitz "
			 "over the\nfields of `ethtool -n DEV rx-flow-hash`), the indirection table "
			 "entry and queue,\nthe queue's IRQ CPU and the RPS CPU (rx-N/rps_cpus), "
			 "with the spread of the\nflows over queues and CPUs. DEV is read live; "
			 "--from-file reads recorded outputs.",
	};

	r = opt_parse(&spec, argc, argv, &first, NULL);
	if (r != OPT_CONTINUE)
		return r;
	dev = first < argc ? argv[first] : NULL;
	if (!dev && !from_file)
		return opt_usage_error(&spec, "a device (DEV) or --from-file is needed");
	if (fh_file && !from_file)
		return opt_usage_error(&spec, "--flow-hash-file goes with --from-file");
	if (from_file && netns)
		return opt_usage_error(&spec, "--netns reads a live device; not with --from-file");
	if (src && src_range)
		return opt_usage_error(&spec, "--src and --src-range exclude each other");
	if (sport_s && sport_range)
		return opt_usage_error(&spec, "--sport and --sport-range exclude each other");

	/* the flows */
	r = rss_parse_addr_range(dst ? dst : (src_range && strchr(src_range, ':')) ||
					 (src && strchr(src, ':')) ? "fd00::2" : "10.0.0.2",
			     &dr, false, RSS_CMD_MAX_FLOWS);
	if (r)
		return opt_usage_error(&spec, "--dst '%s' is not an address", dst);
	if (src_range)
		r = rss_parse_addr_range(src_range, &sr, true, RSS_CMD_MAX_FLOWS);
	else
		r = rss_parse_addr_range(src ? src : dr.family == AF_INET6 ? "fd00::1" : "10.0.0.1",
				     &sr, false, RSS_CMD_MAX_FLOWS);
	if (r == -ERANGE)
		return opt_usage_error(&spec, "--src-range '%s': more than %u addresses",
				       src_range, RSS_CMD_MAX_FLOWS);
	if (r)
		return opt_usage_error(&spec, "--src%s '%s' is not an address%s",
				       src_range ? "-range" : "", src_range ? src_range : src,
				       src_range ? " range A-B with A <= B" : "");
	if (sr.family != dr.family)
		return opt_usage_error(&spec, "source and destination are of different families");
	if (rss_parse_port_range(sport_range ? sport_range : sport_s ? sport_s : "1024",
				 &pr.lo, &pr.hi) ||
	    (!sport_range && pr.lo != pr.hi))
		return opt_usage_error(&spec, "--sport%s '%s' is not a port%s",
				       sport_range ? "-range" : "",
				       sport_range ? sport_range : sport_s,
				       sport_range ? " range A-B (0..65535, A <= B)" : " (0..65535)");
	total = sr.count * (pr.hi - pr.lo + 1);
	if (total > RSS_CMD_MAX_FLOWS)
		return opt_usage_error(&spec, "%llu flows: at most %u (narrow --src-range or "
				       "--sport-range)", (unsigned long long)total,
				       RSS_CMD_MAX_FLOWS);

	print_init(json ? PRINT_JSON : PRINT_TEXT, stdout);
	cfg = xmalloc(sizeof(*cfg));
	rss_config_init(cfg);
	if (from_file) {
		struct strbuf sb;

		sb_init(&sb);
		r = read_text(from_file, &sb, err, sizeof(err));
		if (!r) {
			r = rss_parse_ethtool_x(sb.buf, sb.len, cfg, err, sizeof(err));
			if (r) {
				char tmp[sizeof(err)];

				snprintf(tmp, sizeof(tmp), "%s", err);
				snprintf(err, sizeof(err), "%s: %.300s", from_file, tmp);
			}
		}
		sb_reset(&sb);
		if (!r && fh_file) {
			r = read_text(fh_file, &sb, err, sizeof(err));
			if (!r) {
				r = rss_parse_rx_flow_hash(sb.buf, sb.len, cfg, err, sizeof(err));
				if (r > 0) {
					r = 0;
				} else {
					char tmp[sizeof(err)];

					snprintf(tmp, sizeof(tmp), "%s", err);
					snprintf(err, sizeof(err), "%s: %.300s", fh_file, tmp);
				}
			}
		}
		sb_release(&sb);
		if (r) {
			rc = cmd_fail(EXIT_FAIL, "%s", err);
			goto out;
		}
		if (dev && strcmp(dev, cfg->dev))
			warn_msg("%s describes %s, not %s", from_file, cfg->dev, dev);
	} else {
		int nsfd = -1;

		if (netns) {
			nsfd = netns_open_name(NULL, netns);
			if (nsfd < 0) {
				rc = cmd_fail(EXIT_FAIL, "cannot open namespace %s: %s", netns,
					      strerror(-nsfd));
				goto out;
			}
		}
		r = rss_config_read(nsfd, dev, cfg, err, sizeof(err));
		if (nsfd >= 0)
			close(nsfd);
		if (r) {
			rc = cmd_fail(r == -EPERM ? EXIT_NOFEATURE : EXIT_FAIL, "%s: %s", dev, err);
			goto out;
		}
	}
	if (require_rss && !cfg->rss) {
		rc = cmd_fail(EXIT_NOFEATURE, "%s: %s", cfg->dev, cfg->rss_reason);
		goto out;
	}

	print_open_object(NULL);
	print_config(cfg, from_file ? "file" : "device");
	if (hash_set) {
		struct rss_place p;

		rss_hash_place(cfg, (uint32_t)hash, rx_queue, &p);
		print_open_array("places");
		print_place(NULL, &p, true);
		print_close_array();
		if (p.note[0])
			print_text("  note: %s\n", p.note);
		print_close_object();
		goto out;
	}

	sp = xcalloc(1, sizeof(*sp));
	print_open_array("flows");
	{
		struct rss_flow f;
		size_t alen = sr.family == AF_INET6 ? 16 : 4;

		memset(&f, 0, sizeof(f));
		f.family = sr.family;
		f.proto = !strcmp(proto, "tcp") ? IPPROTO_TCP : IPPROTO_UDP;
		memcpy(f.src, sr.lo, alen);
		memcpy(f.dst, dr.lo, alen);
		f.dport = (uint16_t)dport;
		for (uint64_t a = 0; a < sr.count; a++, rss_addr_inc(f.src, alen)) {
			for (uint32_t port = pr.lo; port <= pr.hi; port++) {
				struct rss_place p;

				f.sport = (uint16_t)port;
				rss_flow_place(cfg, &f, &p);
				rss_spread_add(sp, &p);
				if (all || listed < RSS_CMD_LIST) {
					print_place(&f, &p, false);
					listed++;
				}
			}
		}
	}
	print_close_array();
	if (listed < total)
		print_text("  ... %llu more (--all lists them)\n",
			   (unsigned long long)(total - listed));
	for (int i = 0; i < sp->notes.n; i++)
		print_text("  note: %s\n", sp->notes.text[i]);
	print_u64(PRINT_JSONONLY, "flows_listed", NULL, listed);
	rss_spread_print(sp, total, cfg->n_rx_queues);
	print_close_object();
out:
	print_flush();
	free(sp);
	free(cfg);
	return rc;
}
