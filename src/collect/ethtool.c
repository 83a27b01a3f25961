/* ethtool.c: the ethtool collector: for every device of a namespace (from the link
 * collector's rows), the driver name, ring/channel/coalescing settings as knobs, and the
 * driver's statistics (ethtool -S) with per-queue names turned into a queue number.
 * Uses the SIOCETHTOOL ioctl on a datagram socket opened in the namespace; EOPNOTSUPP is
 * normal (veth has no rings) and remembered, so it costs one ioctl per device. Settings
 * are re-read at most every ETHTOOL_KNOB_REFRESH seconds, or knob_max_age when that is
 * longer (see et_knob_period; they change rarely) but
 * emitted every snapshot; string sets are read once per device, statistics every
 * snapshot. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include "collect.h"
#include "ethtool.h"
#include "nl.h"
#include "../model/intern.h"

#define ETHTOOL_KNOB_REFRESH 5.0

/* ---- name mapping (pure) ---- */

/* A queue number at *p: 1-5 digits, no leading zero, at most 65535. Advances *p. */
static int take_num(const char **p)
{
	const char *s = *p;
	int v = 0, nd = 0;

	while (isdigit((unsigned char)s[nd]) && nd < 6)
		v = v * 10 + (s[nd++] - '0');
	if (!nd || nd > 5 || (nd > 1 && s[0] == '0') || v > 65535)
		return -1;
	*p = s + nd;
	return v;
}

static bool has_prefix(const char *s, const char *pfx)
{
	return !strncmp(s, pfx, strlen(pfx));
}

/* "<pfx>_queue_<rest>" (or "queue_<rest>" when pfx is "") into out, characters outside
 * [A-Za-z0-9_] made '_'. Returns q. */
static int32_t map_out(char *out, size_t n, const char *pfx, const char *rest, int q)
{
	size_t pl = strlen(pfx);

	if (pl && !strncmp(rest, pfx, pl) && rest[pl] == '_' && rest[pl + 1])
		rest += pl + 1; /* "tx0_tx_timeouts": the direction once is enough */
	snprintf(out, n, "%s%squeue_%s", pfx, *pfx ? "_" : "", rest);
	for (char *c = out; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			*c = '_';
	return q;
}

/* rest may repeat the direction ("tx-0.tx_packets"): use it, and drop it. */
static int32_t map_dir_rest(char *out, size_t n, const char *dflt, const char *rest, int q)
{
	if ((has_prefix(rest, "rx_") || has_prefix(rest, "tx_")) && rest[3]) {
		char dir[3] = { rest[0], rest[1], 0 };

		return map_out(out, n, dir, rest + 3, q);
	}
	return map_out(out, n, dflt, rest, q);
}

int32_t ethtool_map_name(const char *raw, char *out, size_t n)
{
	static const char *const dirs[] = { "rx", "tx" };
	const char *p;
	int q;

	for (size_t d = 0; d < 2; d++) {
		const char *dir = dirs[d];

		if (!has_prefix(raw, dir))
			continue;
		p = raw + 2;
		if (has_prefix(p, "_queue_")) { /* veth, ice, ixgbe: rx_queue_3_drops */
			p += 7;
			q = take_num(&p);
			if (q >= 0 && *p == '_' && p[1])
				return map_out(out, n, dir, p + 1, q);
		} else if (isdigit((unsigned char)*p)) { /* virtio, mlx5: rx3_drops */
			q = take_num(&p);
			if (q >= 0 && *p == '_' && p[1])
				return map_out(out, n, dir, p + 1, q);
		} else if (*p == '-') { /* i40e: rx-3.packets, tx-0.tx_packets */
			p++;
			q = take_num(&p);
			if (q >= 0 && *p == '.' && p[1]) {
				return map_out(out, n, dir, p + 1, q);
			}
		}
	}
	if (has_prefix(raw, "queue_")) { /* ena: queue_3_rx_drops */
		p = raw + 6;
		q = take_num(&p);
		if (q >= 0 && *p == '_' && p[1])
			return map_dir_rest(out, n, "", p + 1, q);
	}
	if (raw[0] == '[') { /* bnxt: [3]: rx_ucast_packets */
		p = raw + 1;
		q = take_num(&p);
		if (q >= 0 && p[0] == ']' && p[1] == ':' && p[2] == ' ' && p[3])
			return map_dir_rest(out, n, "", p + 3, q);
	}
	if (has_prefix(raw, "ch") && isdigit((unsigned char)raw[2])) { /* mlx5: ch3_events */
		p = raw + 2;
		q = take_num(&p);
		if (q >= 0 && *p == '_' && p[1])
			return map_out(out, n, "ch", p + 1, q);
	}
	snprintf(out, n, "%s", raw);
	return -1;
}

unsigned ethtool_name_flags(const char *name)
{
	static const char *const words[] = { "drop", "discard", "miss", "no_buf", "no_dma",
					     "out_of_buffer", "fifo", "overrun", "error", "fail" };
	char low[ETH_GSTRING_LEN * 2];
	size_t i;

	for (i = 0; name[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (strstr(low, words[i]))
			return MF_DROP;
	return 0;
}

size_t ethtool_parse_strings(const char *buf, size_t len, size_t count,
			     struct ethtool_stat_name *out)
{
	size_t i, got = 0;

	for (i = 0; i < count; i++) {
		char raw[ETH_GSTRING_LEN + 1], mapped[ETH_GSTRING_LEN * 2];
		struct ethtool_stat_name *e = &out[i];
		size_t l;

		memset(e, 0, sizeof(*e));
		e->queue = -1;
		if (!buf || (i + 1) * ETH_GSTRING_LEN > len) {
			e->skip = true;
			continue;
		}
		got++;
		l = strnlen(buf + i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		memcpy(raw, buf + i * ETH_GSTRING_LEN, l);
		raw[l] = '\0';
		if (!l || !strcmp(raw, "peer_ifindex")) {
			e->skip = true; /* a veth's peer ifindex is a number, not a counter */
			continue;
		}
		e->queue = ethtool_map_name(raw, mapped, sizeof(mapped));
		e->name = intern(mapped);
		e->flags = ethtool_name_flags(raw);
	}
	return got;
}

/* ---- the collector ---- */

enum { ET_RING = 1, ET_CHAN = 2, ET_COAL = 4, ET_STATS = 8, ET_DRV = 16 };

struct et_dev {
	int ifindex;
	const char *name;        /* interned */
	bool seen;
	const char *driver;      /* interned, NULL if unknown */
	unsigned unsupported;    /* ET_* operations the driver does not have */
	unsigned have;           /* ET_* settings read successfully */
	double knob_t;           /* when settings were last read (monotonic), 0 never */
	struct ethtool_ringparam ring;
	struct ethtool_channels ch;
	struct ethtool_coalesce co;
	uint32_t nstats;         /* 0: strings not read yet (or none) */
	struct ethtool_stat_name *names;
	struct ethtool_stats *st;
	bool st_valid;           /* st holds values read for the current string set */
	uint64_t link_hash;      /* the device's link counters' hash when last looked at */
	uint8_t calm;            /* snapshots since its link counters last moved (max 255) */
	uint8_t skipped;         /* veth: snapshots since its statistics were last read (max 255) */
	double read_t;           /* veth: when they were last read (monotonic; staggered) */
	bool suspect;            /* veth: the periodic read saw a move the link counters had
				  * not shown (yet): see et_device */
	uint64_t ver, set_ver;   /* versions (snap_run) of the statistics' and the settings'
				  * rows: new at every read that may change them */
};

/* A veth's statistics are its per-queue NAPI/XDP counters (0 outside NAPI mode), and the
 * kernel also adds every one of them into the device's own counters (veth_get_stats64:
 * rx_packets/bytes += xdp_packets/bytes of its queues, rx_dropped += rx_drops and the
 * peer's xmit errors, tx_packets/tx_dropped += the peer queue's packets and errors), which
 * the link collector reads at every snapshot. The rest (xdp_redirect, xdp_drops, xdp_tx,
 * xdp_tx_errors) move in the same NAPI poll as xdp_packets, and the peer's xdp_xmit just
 * before the poll that takes those frames (its scheduling delay: microseconds, a few ms
 * under load, the order of a snapshot's own read skew across 100 namespaces). So a
 * veth's statistics can move only when its link counters move, in the same interval or,
 * for a poll that straddles a snapshot, the next: they are read when its link counters
 * moved in this interval or the last one, when its namespace's links were re-dumped, and
 * every ET_VERIFY snapshots anyway, but not more often than every ET_VERIFY_SEC seconds
 * (at -i 0.1, 30 snapshots are 3 s: 33 of these ioctls a snapshot with 1,000 veths,
 * 1.5 % of one); otherwise the last values stand (they are its current values). Reading
 * every veth at every snapshot cost 3.4 ms of a 15.5 ms snapshot with 1,000 veths, in
 * ioctls that vmalloc a buffer each (bench/stat.sh). The periodic read
 * checks the premise: if a veth's statistics moved while it was not read, this kernel
 * breaks it, and every veth is read at every snapshot for the rest of the run. (Reading
 * them every 5th snapshot whatever moved, as before, put their moves in the wrong
 * interval: issue 12, item 21.) Other drivers are read at every snapshot. */
#define ET_VERIFY 30
#define ET_VERIFY_SEC 30.0
static bool et_gate_off;

struct et_priv {
	int fd;
	struct et_dev *dev;
	size_t n, cap;
};

/* Does the kernel honour our n_stats (reply 0 on a mismatch) instead of writing its own
 * count of values whatever our buffer holds? Fixed in 2024; -1 until probed. */
static int et_kernel_checks_count = -1;

static int et_ioctl(int fd, const char *dev, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

static bool et_unsupported_err(int r)
{
	return r == -EOPNOTSUPP || r == -EINVAL || r == -ENOTSUP;
}

static void et_dev_reset(struct et_dev *d)
{
	free(d->names);
	free(d->st);
	memset(d, 0, sizeof(*d));
}

static void et_release(void *priv)
{
	struct et_priv *p = priv;

	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		et_dev_reset(&p->dev[i]);
	free(p->dev);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

static struct et_dev *et_dev_get(struct et_priv *p, const struct link_info *li)
{
	struct et_dev *d = NULL;

	for (size_t i = 0; i < p->n; i++)
		if (p->dev[i].ifindex == li->ifindex) {
			d = &p->dev[i];
			break;
		}
	if (d && d->name != li->name)
		et_dev_reset(d); /* renamed, or the ifindex was reused: start over */
	if (!d) {
		grow_array((void **)&p->dev, &p->cap, p->n + 1, sizeof(*p->dev));
		d = &p->dev[p->n++];
		memset(d, 0, sizeof(*d));
	}
	d->ifindex = li->ifindex;
	d->name = li->name;
	return d;
}

static void et_read_settings(int fd, struct et_dev *d)
{
	int r;

	d->set_ver = snap_new_version();
	if (!(d->unsupported & ET_RING)) {
		d->ring = (struct ethtool_ringparam){ .cmd = ETHTOOL_GRINGPARAM };
		r = et_ioctl(fd, d->name, &d->ring);
		d->have = r ? d->have & ~ET_RING : d->have | ET_RING;
		if (et_unsupported_err(r))
			d->unsupported |= ET_RING;
	}
	if (!(d->unsupported & ET_CHAN)) {
		d->ch = (struct ethtool_channels){ .cmd = ETHTOOL_GCHANNELS };
		r = et_ioctl(fd, d->name, &d->ch);
		d->have = r ? d->have & ~ET_CHAN : d->have | ET_CHAN;
		if (et_unsupported_err(r))
			d->unsupported |= ET_CHAN;
	}
	if (!(d->unsupported & ET_COAL)) {
		d->co = (struct ethtool_coalesce){ .cmd = ETHTOOL_GCOALESCE };
		r = et_ioctl(fd, d->name, &d->co);
		d->have = r ? d->have & ~ET_COAL : d->have | ET_COAL;
		if (et_unsupported_err(r))
			d->unsupported |= ET_COAL;
	}
}

static void et_knob(struct cctx *c, enum dp_layer layer, const struct et_dev *d,
		    const char *name, uint64_t v)
{
	/* d->name is interned; name is a literal (intern() finds it by address) */
	snap_add_interned(c->snap, c->ns, layer, MK_KNOB, 0, d->name, -1, -1, intern(name), v);
}

static void et_emit_settings(struct cctx *c, enum dp_layer layer, const struct et_dev *d)
{
	size_t before = c->snap->nm;

	if (snap_reuse(c->snap, &d->set_ver, d->set_ver, c->ns))
		return; /* not read since: the rows the buffer holds */
	if (d->have & ET_RING) {
		et_knob(c, layer, d, "rx_ring", d->ring.rx_pending);
		et_knob(c, layer, d, "rx_ring_max", d->ring.rx_max_pending);
		et_knob(c, layer, d, "tx_ring", d->ring.tx_pending);
		et_knob(c, layer, d, "tx_ring_max", d->ring.tx_max_pending);
	}
	if (d->have & ET_CHAN) {
		if (d->ch.max_rx) {
			et_knob(c, layer, d, "rx_channels", d->ch.rx_count);
			et_knob(c, layer, d, "rx_channels_max", d->ch.max_rx);
		}
		if (d->ch.max_tx) {
			et_knob(c, layer, d, "tx_channels", d->ch.tx_count);
			et_knob(c, layer, d, "tx_channels_max", d->ch.max_tx);
		}
		if (d->ch.max_combined) {
			et_knob(c, layer, d, "combined_channels", d->ch.combined_count);
			et_knob(c, layer, d, "combined_channels_max", d->ch.max_combined);
		}
	}
	if (d->have & ET_COAL) {
		et_knob(c, layer, d, "rx_usecs", d->co.rx_coalesce_usecs);
		et_knob(c, layer, d, "rx_frames", d->co.rx_max_coalesced_frames);
		et_knob(c, layer, d, "adaptive_rx", d->co.use_adaptive_rx_coalesce);
		et_knob(c, layer, d, "tx_usecs", d->co.tx_coalesce_usecs);
		et_knob(c, layer, d, "tx_frames", d->co.tx_max_coalesced_frames);
	}
	snap_add_run(c->snap, &d->set_ver, d->set_ver, before);
}

/* The driver's current number of statistics, 0 if none, or -errno. */
static int et_stat_count(int fd, const char *dev)
{
	union {
		struct ethtool_sset_info h;
		uint8_t raw[sizeof(struct ethtool_sset_info) + sizeof(uint32_t)];
	} ss;
	uint32_t count;
	int r;

	memset(&ss, 0, sizeof(ss));
	ss.h.cmd = ETHTOOL_GSSET_INFO;
	ss.h.sset_mask = 1ULL << ETH_SS_STATS;
	r = et_ioctl(fd, dev, &ss);
	if (r)
		return r;
	if (!(ss.h.sset_mask & (1ULL << ETH_SS_STATS)))
		return 0;
	memcpy(&count, ss.raw + sizeof(ss.h), sizeof(count));
	return count > 1000000 ? -E2BIG : (int)count;
}

/* Read the string set and size the buffers; 0 with d->nstats set, or -errno. */
static int et_read_strings(int fd, struct et_dev *d)
{
	struct ethtool_gstrings *gs;
	int n = et_stat_count(fd, d->name), r;

	free(d->names);
	free(d->st);
	d->names = NULL;
	d->st = NULL;
	d->nstats = 0;
	if (n <= 0)
		return n ? n : -EOPNOTSUPP;
	gs = xcalloc(1, sizeof(*gs) + (size_t)n * ETH_GSTRING_LEN);
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_STATS;
	gs->len = (uint32_t)n;
	r = et_ioctl(fd, d->name, gs);
	if (!r && gs->len != (uint32_t)n)
		r = -EAGAIN; /* the set changed in between: try again next time */
	if (!r) {
		d->names = xcalloc((size_t)n, sizeof(*d->names));
		ethtool_parse_strings((const char *)gs->data, (size_t)n * ETH_GSTRING_LEN,
				      (size_t)n, d->names);
		/* one spare slot for the count probe below */
		d->st = xcalloc(1, sizeof(*d->st) + ((size_t)n + 1) * sizeof(uint64_t));
		d->nstats = (uint32_t)n;
	}
	free(gs);
	return r;
}

static int et_read_stats(int fd, struct et_dev *d)
{
	int r;

	d->ver = snap_new_version();
	if (!d->nstats) {
		d->st_valid = false;
		r = et_read_strings(fd, d);
		if (r)
			return r;
	}
	if (et_kernel_checks_count == 0) {
		/* Old kernels write their own count of values: check it first. */
		r = et_stat_count(fd, d->name);
		if (r != (int)d->nstats) {
			d->nstats = 0;
			return r < 0 ? r : -EAGAIN;
		}
	}
	d->st->cmd = ETHTOOL_GSTATS;
	d->st->n_stats = d->nstats + (et_kernel_checks_count < 0);
	r = et_ioctl(fd, d->name, d->st);
	if (r)
		return r;
	if (et_kernel_checks_count < 0) {
		/* We asked for one more than there is: a checking kernel answers 0. */
		et_kernel_checks_count = d->st->n_stats == 0;
		if (et_kernel_checks_count)
			return et_read_stats(fd, d);
	}
	if (d->st->n_stats != d->nstats) {
		d->nstats = 0; /* the set changed (channels): strings again next time */
		d->st_valid = false;
		return -EAGAIN;
	}
	d->st_valid = true;
	return 0;
}

/* A veth whose statistics cannot have moved since they were read (see ET_VERIFY). */
static bool et_veth_quiet(const struct link_info *li, const struct et_dev *d)
{
	const char *veth = INTERN_LIT("veth"); /* driver and kind are interned */

	return !et_gate_off && d->st_valid && d->calm >= 2 && d->driver == veth &&
	       li->kind == veth;
}

/* The periodic read of a quiet veth: as et_read_stats, and if a value moved while the
 * device's link counters did not, the premise of et_veth_quiet does not hold here. */
static int et_verify_stats(int fd, struct et_dev *d)
{
	uint32_t n = d->nstats;
	uint64_t *old = xcalloc(n ? n : 1, sizeof(*old));
	int r;

	memcpy(old, d->st->data, n * sizeof(*old));
	r = et_read_stats(fd, d);
	if (!r && d->nstats == n)
		for (uint32_t i = 0; i < n; i++)
			if (!d->names[i].skip && d->st->data[i] != old[i])
				d->suspect = true;
	free(old);
	return r;
}

static void et_emit_stats(struct cctx *c, enum dp_layer layer, const struct et_dev *d)
{
	size_t before = c->snap->nm;

	if (snap_reuse(c->snap, &d->ver, d->ver, c->ns))
		return; /* not read since: the rows the buffer holds */
	for (uint32_t i = 0; i < d->nstats; i++) {
		const struct ethtool_stat_name *e = &d->names[i];

		if (e->skip)
			continue;
		snap_add_interned(c->snap, c->ns, layer, MK_COUNTER, e->flags, d->name, e->queue,
				  -1, e->name, d->st->data[i]);
	}
	snap_add_run(c->snap, &d->ver, d->ver, before);
}

/* Seconds between reads of a device's settings: ETHTOOL_KNOB_REFRESH, or the engine's
 * knob_max_age when longer (stat -i, record, top: 10 s), spread over 1-1.9 x that by
 * namespace like the knobs collector's sysctls, so that settings and sysctls are as
 * fresh as each other and not all re-read in the same snapshot. */
static double et_knob_period(struct cctx *c)
{
	double age = cctx_opts(c)->knob_max_age;

	if (age <= ETHTOOL_KNOB_REFRESH)
		return ETHTOOL_KNOB_REFRESH;
	return age * (1.0 + (double)(c->ns % 10) / 10.0);
}

static void et_device(struct cctx *c, struct et_priv *p, struct link_info *li, double now)
{
	struct et_dev *d = et_dev_get(p, li);
	enum dp_layer layer = link_layer(li);
	int r;

	d->seen = true;
	if (!(d->unsupported & ET_DRV) && !d->driver) {
		struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };

		r = et_ioctl(p->fd, d->name, &di);
		if (!r && di.driver[0]) {
			di.driver[sizeof(di.driver) - 1] = '\0';
			d->driver = intern(di.driver);
		} else if (et_unsupported_err(r)) {
			d->unsupported |= ET_DRV;
		}
	}
	li->driver = d->driver;
	if (!d->knob_t || now - d->knob_t >= et_knob_period(c) || now < d->knob_t) {
		et_read_settings(p->fd, d);
		d->knob_t = now;
	}
	et_emit_settings(c, layer, d);
	if (d->unsupported & ET_STATS)
		return;
	if (li->relinked || !li->stats_hash || li->stats_hash != d->link_hash)
		d->calm = 0;
	else if (d->calm < 255)
		d->calm++;
	d->link_hash = li->stats_hash;
	/* A move seen by the periodic read is explained if the link counters, read a few ms
	 * before it, show it at the next snapshot (packets that came in between); if they do
	 * not, the premise fails on this kernel and every veth is read from now on. */
	if (d->suspect && d->calm > 0)
		et_gate_off = true;
	if (d->calm == 0)
		d->suspect = false;
	if (et_veth_quiet(li, d) && !d->suspect) {
		if (d->skipped < ET_VERIFY || now - d->read_t < ET_VERIFY_SEC) {
			if (d->skipped < 255)
				d->skipped++;
			et_emit_stats(c, layer, d); /* unchanged since the last read */
			return;
		}
		r = et_verify_stats(p->fd, d);
		d->skipped = 0;
		d->read_t = now;
	} else {
		unsigned k = (unsigned)d->ifindex % ET_VERIFY;

		r = et_read_stats(p->fd, d);
		/* veths read in the same snapshot verify in different ones */
		d->skipped = (uint8_t)k;
		d->read_t = now - k * (ET_VERIFY_SEC / ET_VERIFY);
	}
	if (et_unsupported_err(r))
		d->unsupported |= ET_STATS;
	else if (!r)
		et_emit_stats(c, layer, d);
}

static int et_run(struct cctx *c)
{
	struct et_priv *p = *cctx_priv(c);
	double now = now_mono();
	size_t i, k;

	if (cctx_opts(c)->recorded)
		return cctx_unavailable(c, -EOPNOTSUPP,
					"ethtool reads devices with ioctls, not recorded files");
	if (!p) {
		int e = cctx_enter_ns(c); /* the ioctl socket names devices of its namespace */

		if (e)
			return e;
		p = xcalloc(1, sizeof(*p));
		p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (p->fd < 0) /* no IPv4: any socket of the namespace will do */
			p->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
		if (p->fd < 0) {
			int r = -errno;

			free(p);
			return cctx_unavailable(c, r, "cannot open a socket for ethtool ioctls: %s",
						strerror(-r));
		}
		*cctx_priv(c) = p;
	}
	for (i = 0; i < p->n; i++)
		p->dev[i].seen = false;
	/* Collectors run namespace by namespace, link before us: this namespace's devices
	 * are the last block of the list (scanning all of it per namespace was 1.6 % of a
	 * 100-namespace snapshot). */
	for (i = c->snap->nlinks; i > 0 && c->snap->links[i - 1].ns == c->ns; i--)
		;
	for (; i < c->snap->nlinks; i++)
		if (c->snap->links[i].ifindex > 0)
			et_device(c, p, &c->snap->links[i], now);
	for (i = k = 0; i < p->n; i++) { /* forget devices that are gone */
		if (p->dev[i].seen)
			p->dev[k++] = p->dev[i];
		else
			et_dev_reset(&p->dev[i]);
	}
	p->n = k;
	return 0;
}

const struct collector collector_ethtool = { "ethtool", SCOPE_NETNS, et_run, et_release };
