/* rss.c: where a received flow lands: the NIC's Toeplitz RSS hash over the fields
 * `ethtool -n rx-flow-hash` names, the indirection table of `ethtool -x`, the queue's IRQ
 * CPU, and the RPS CPU get_rps_cpu() would pick. Pure functions and parsers first, the
 * kernel reader (ioctls, sysfs, /proc/interrupts) last. See rss.h for the contract. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include "rss.h"
#include "../core/netns.h"
#include "../core/util.h"

/* ---- pure ---- */

void rss_config_init(struct rss_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t q = 0; q < RSS_QUEUES_MAX; q++) {
		cfg->queue[q].irq = -1;
		cfg->queue[q].irq_cpu = -1;
	}
}

static unsigned key_bit(const uint8_t *key, size_t keylen, size_t bit)
{
	size_t byte = bit / 8;

	if (byte >= keylen)
		return 0;
	return (key[byte] >> (7 - bit % 8)) & 1u;
}

uint32_t rss_toeplitz(const uint8_t *key, size_t keylen, const uint8_t *input, size_t len)
{
	uint32_t result = 0, v = 0;
	size_t next = 32; /* the key bit that enters v next */

	for (size_t b = 0; b < 32; b++)
		v = (v << 1) | key_bit(key, keylen, b);
	for (size_t i = 0; i < len; i++) {
		for (int b = 7; b >= 0; b--) {
			if (input[i] & (1u << b))
				result ^= v;
			v = (v << 1) | key_bit(key, keylen, next++);
		}
	}
	return result;
}

enum rss_flow_type rss_flow_type_of(const struct rss_flow *f)
{
	bool v6 = f->family == AF_INET6;

	if (f->proto == IPPROTO_TCP)
		return v6 ? RSS_FT_TCP6 : RSS_FT_TCP4;
	if (f->proto == IPPROTO_UDP)
		return v6 ? RSS_FT_UDP6 : RSS_FT_UDP4;
	return v6 ? RSS_FT_IP6 : RSS_FT_IP4;
}

size_t rss_flow_input(const struct rss_flow *f, uint32_t fields, uint8_t out[36])
{
	size_t alen = f->family == AF_INET6 ? 16 : 4, n = 0;
	bool l4 = f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP;

	if (fields & RSS_RXH_IP_SRC) {
		memcpy(out + n, f->src, alen);
		n += alen;
	}
	if (fields & RSS_RXH_IP_DST) {
		memcpy(out + n, f->dst, alen);
		n += alen;
	}
	if (l4 && (fields & RSS_RXH_L4_B_0_1)) {
		out[n++] = (uint8_t)(f->sport >> 8);
		out[n++] = (uint8_t)f->sport;
	}
	if (l4 && (fields & RSS_RXH_L4_B_2_3)) {
		out[n++] = (uint8_t)(f->dport >> 8);
		out[n++] = (uint8_t)f->dport;
	}
	return n;
}

int rss_rps_cpu(const uint64_t mask[RSS_CPU_WORDS], uint32_t hash)
{
	unsigned n = 0, want;

	for (size_t w = 0; w < RSS_CPU_WORDS; w++)
		n += (unsigned)__builtin_popcountll(mask[w]);
	if (!n)
		return -1;
	want = (unsigned)(((uint64_t)hash * n) >> 32); /* reciprocal_scale(hash, n) */
	for (int cpu = 0; cpu < RSS_CPUS_MAX; cpu++)
		if ((mask[cpu / 64] >> (cpu % 64)) & 1u) {
			if (!want)
				return cpu;
			want--;
		}
	return -1; /* not reached */
}

static bool mask_empty(const uint64_t mask[RSS_CPU_WORDS])
{
	for (size_t w = 0; w < RSS_CPU_WORDS; w++)
		if (mask[w])
			return false;
	return true;
}

static void note_add(struct rss_place *p, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void note_add(struct rss_place *p, const char *fmt, ...)
{
	size_t l = strlen(p->note);
	va_list ap;

	if (l && l + 2 < sizeof(p->note)) {
		memcpy(p->note + l, "; ", 3);
		l += 2;
	}
	va_start(ap, fmt);
	vsnprintf(p->note + l, sizeof(p->note) - l, fmt, ap);
	va_end(ap);
}

int rss_flow_place(const struct rss_config *cfg, const struct rss_flow *f,
		   struct rss_place *out)
{
	enum rss_flow_type ft = rss_flow_type_of(f);
	unsigned nq = cfg->n_rx_queues ? cfg->n_rx_queues : 1;

	memset(out, 0, sizeof(*out));
	out->indir_index = out->queue = out->irq = out->irq_cpu = out->rps_cpu = -1;
	if (cfg->fields_known[ft]) {
		out->fields = cfg->fields[ft];
	} else {
		out->fields = RSS_RXH_IP_SRC | RSS_RXH_IP_DST;
		if (ft != RSS_FT_IP4 && ft != RSS_FT_IP6)
			out->fields |= RSS_RXH_L4_B_0_1 | RSS_RXH_L4_B_2_3;
		if (cfg->rss)
			note_add(out, "hash fields of %s not known: assumed %s",
				 rss_flow_type_name(ft), ft >= RSS_FT_IP4 ? "sd" : "sdfn");
	}
	out->input_len = rss_flow_input(f, out->fields, out->input);
	if (out->fields & RSS_RXH_DISCARD)
		note_add(out, "the device discards %s flows", rss_flow_type_name(ft));
	if (out->fields & (RSS_RXH_L2DA | RSS_RXH_VLAN | RSS_RXH_L3_PROTO))
		note_add(out, "hash also covers L2DA/VLAN/L3 proto, not modelled");

	if (cfg->key_len && (cfg->hfunc == RSS_HFUNC_TOEPLITZ || cfg->hfunc == RSS_HFUNC_UNKNOWN)) {
		out->hash = rss_toeplitz(cfg->key, cfg->key_len, out->input, out->input_len);
		out->hash_known = true;
		if (cfg->hfunc == RSS_HFUNC_UNKNOWN && cfg->rss)
			note_add(out, "hash function not reported: assumed toeplitz");
	} else if (cfg->rss) {
		note_add(out, cfg->key_len ? "hash function %s is not computed"
					   : "no hash key known (%s)", rss_hfunc_name(cfg->hfunc));
	}

	if (!cfg->rss || nq <= 1 || !cfg->indir_size) {
		out->queue = nq <= 1 ? 0 : -1;
		if (nq > 1 && !cfg->rss)
			note_add(out, "%u rx queues without RSS: the queue is chosen by the "
				 "sender (veth: the peer's tx queue)", nq);
	} else if (out->hash_known) {
		out->indir_index = (int)(out->hash % cfg->indir_size);
		out->queue = (int)cfg->indir[out->indir_index];
	}

	if (out->queue >= 0 && (unsigned)out->queue < cfg->n_queues_info) {
		const struct rss_queue *q = &cfg->queue[out->queue];

		out->irq = q->irq;
		out->irq_cpu = q->irq_cpu;
		if (q->rps_known && !mask_empty(q->rps_mask)) {
			out->rps_on = true;
			/* The skb hash is the NIC's RSS hash only when the NIC computes one. */
			if (cfg->rss && out->hash_known)
				out->rps_cpu = rss_rps_cpu(q->rps_mask, out->hash);
			else
				note_add(out, "RPS on, but the skb hash is the kernel's own (random "
					 "seed): the RPS CPU is one of the mask, not predictable");
		}
	}
	return 0;
}

int rss_hash_place(const struct rss_config *cfg, uint32_t hash, unsigned rx_queue,
		   struct rss_place *out)
{
	memset(out, 0, sizeof(*out));
	out->indir_index = out->irq = out->irq_cpu = out->rps_cpu = -1;
	out->hash_known = true;
	out->hash = hash;
	out->queue = (int)rx_queue;
	if (cfg->rss && cfg->indir_size) {
		out->indir_index = (int)(hash % cfg->indir_size);
		out->queue = (int)cfg->indir[out->indir_index];
	}
	if ((unsigned)out->queue < cfg->n_queues_info) {
		const struct rss_queue *q = &cfg->queue[out->queue];

		out->irq = q->irq;
		out->irq_cpu = q->irq_cpu;
		if (q->rps_known && !mask_empty(q->rps_mask)) {
			out->rps_on = true;
			out->rps_cpu = rss_rps_cpu(q->rps_mask, hash);
		}
	}
	return 0;
}

const char *rss_hfunc_name(enum rss_hfunc h)
{
	switch (h) {
	case RSS_HFUNC_TOEPLITZ: return "toeplitz";
	case RSS_HFUNC_XOR: return "xor";
	case RSS_HFUNC_CRC32: return "crc32";
	default: return "unknown";
	}
}

static const char *const ft_names[RSS_FT_COUNT] = {
	[RSS_FT_TCP4] = "tcp4", [RSS_FT_UDP4] = "udp4", [RSS_FT_TCP6] = "tcp6",
	[RSS_FT_UDP6] = "udp6", [RSS_FT_IP4] = "ip4", [RSS_FT_IP6] = "ip6",
};

const char *rss_flow_type_name(enum rss_flow_type t)
{
	return (unsigned)t < RSS_FT_COUNT ? ft_names[t] : "?";
}

const char *rss_fields_letters(uint32_t fields, char *buf, size_t n)
{
	static const struct { uint32_t bit; char c; } L[] = {
		{ RSS_RXH_L2DA, 'm' }, { RSS_RXH_VLAN, 'v' }, { RSS_RXH_L3_PROTO, 't' },
		{ RSS_RXH_IP_SRC, 's' }, { RSS_RXH_IP_DST, 'd' }, { RSS_RXH_L4_B_0_1, 'f' },
		{ RSS_RXH_L4_B_2_3, 'n' }, { RSS_RXH_DISCARD, 'r' },
	};
	size_t k = 0;

	if (!n)
		return buf;
	for (size_t i = 0; i < ARRAY_SIZE(L) && k + 1 < n; i++)
		if (fields & L[i].bit)
			buf[k++] = L[i].c;
	buf[k] = 0;
	return buf;
}

/* ---- parsers ---- */

static void seterr(char *err, size_t n, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void seterr(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!err || !n)
		return;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

/* Line iterator over a buffer that need not be NUL-terminated. */
struct lines {
	const char *p, *end;
};

static bool next_line(struct lines *it, const char **s, size_t *n)
{
	const char *e;

	if (it->p >= it->end)
		return false;
	e = memchr(it->p, '\n', (size_t)(it->end - it->p));
	if (!e)
		e = it->end;
	*s = it->p;
	*n = (size_t)(e - it->p);
	while (*n && (( *s)[*n - 1] == '\r' || (*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
	it->p = e < it->end ? e + 1 : e;
	return true;
}

static bool starts(const char *s, size_t n, const char *pfx)
{
	size_t l = strlen(pfx);

	return n >= l && !memcmp(s, pfx, l);
}

static void skip_ws(const char **s, const char *end)
{
	while (*s < end && (**s == ' ' || **s == '\t'))
		(*s)++;
}

/* An unsigned decimal at *s (max 10 digits, <= UINT32_MAX); advances. -1 if none. */
static int64_t take_u32(const char **s, const char *end)
{
	uint64_t v = 0;
	int nd = 0;

	while (*s < end && isdigit((unsigned char)**s)) {
		if (++nd > 10)
			return -1;
		v = v * 10 + (uint64_t)(**s - '0');
		(*s)++;
	}
	if (!nd || v > UINT32_MAX)
		return -1;
	return (int64_t)v;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "6d:5a:..." into key; -EINVAL unless the whole line is colon-separated hex pairs. */
static int parse_key(const char *s, size_t n, uint8_t *key, uint32_t *klen)
{
	size_t k = 0, i = 0;

	while (i < n) {
		int hi, lo;

		if (i + 2 > n || (hi = hexval(s[i])) < 0 || (lo = hexval(s[i + 1])) < 0)
			return -EINVAL;
		if (k >= RSS_KEY_MAX)
			return -EINVAL;
		key[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
		if (i < n) {
			if (s[i] != ':')
				return -EINVAL;
			i++;
			if (i == n)
				return -EINVAL;
		}
	}
	if (!k)
		return -EINVAL;
	*klen = (uint32_t)k;
	return 0;
}

int rss_parse_ethtool_x(const char *text, size_t len, struct rss_config *cfg,
			char *err, size_t errlen)
{
	struct lines it = { text, text + len };
	const char *s;
	size_t n;
	enum { NONE, TABLE, KEY, HFUNC } sect = NONE;
	bool header = false;
	static const char H[] = "RX flow hash indirection table for ";

	while (next_line(&it, &s, &n)) {
		const char *e = s + n;

		if (starts(s, n, H)) {
			const char *d = s + sizeof(H) - 1, *w = d;
			int64_t rings;

			while (w < e && *w != ' ')
				w++;
			if ((size_t)(w - d) >= sizeof(cfg->dev) || w == d) {
				seterr(err, errlen, "line '%.*s': no device name", (int)n, s);
				return -EINVAL;
			}
			memcpy(cfg->dev, d, (size_t)(w - d));
			cfg->dev[w - d] = 0;
			if (!starts(w, (size_t)(e - w), " with ")) {
				seterr(err, errlen, "line '%.*s': no ring count", (int)n, s);
				return -EINVAL;
			}
			w += 6;
			rings = take_u32(&w, e);
			if (rings < 0 || !starts(w, (size_t)(e - w), " RX ring")) {
				seterr(err, errlen, "line '%.*s': no ring count", (int)n, s);
				return -EINVAL;
			}
			cfg->n_rx_queues = (unsigned)rings;
			header = true;
			sect = TABLE;
			continue;
		}
		if (starts(s, n, "RSS hash key:")) {
			sect = KEY;
			continue;
		}
		if (starts(s, n, "RSS hash function:")) {
			sect = HFUNC;
			continue;
		}
		if (starts(s, n, "RSS input transformation:") ||
		    starts(s, n, "RSS hash fields") || !n) {
			sect = n ? NONE : sect;
			continue;
		}
		if (sect == TABLE) {
			const char *p = s;
			int64_t idx;

			skip_ws(&p, e);
			if (starts(p, (size_t)(e - p), "Operation not supported")) {
				cfg->indir_size = 0;
				continue;
			}
			idx = take_u32(&p, e);
			if (idx < 0 || p >= e || *p != ':') {
				seterr(err, errlen, "indirection row '%.*s' is not 'N: q q ...'",
				       (int)n, s);
				return -EINVAL;
			}
			if ((uint64_t)idx != cfg->indir_size) {
				seterr(err, errlen, "indirection row %lld out of order (expected %u)",
				       (long long)idx, cfg->indir_size);
				return -EINVAL;
			}
			p++;
			for (;;) {
				int64_t q;

				skip_ws(&p, e);
				if (p >= e)
					break;
				q = take_u32(&p, e);
				if (q < 0 || (p < e && *p != ' ' && *p != '\t')) {
					seterr(err, errlen, "indirection row '%.*s': bad queue",
					       (int)n, s);
					return -EINVAL;
				}
				if (cfg->indir_size >= RSS_INDIR_MAX) {
					seterr(err, errlen, "indirection table over %d entries",
					       RSS_INDIR_MAX);
					return -EINVAL;
				}
				cfg->indir[cfg->indir_size++] = (uint32_t)q;
			}
		} else if (sect == KEY) {
			if (starts(s, n, "Operation not supported")) {
				cfg->key_len = 0;
				continue;
			}
			if (parse_key(s, n, cfg->key, &cfg->key_len)) {
				seterr(err, errlen, "hash key '%.*s' is not colon-separated hex",
				       (int)(n > 80 ? 80 : n), s);
				return -EINVAL;
			}
			sect = NONE;
		} else if (sect == HFUNC) {
			const char *p = s, *c;
			static const struct { const char *name; enum rss_hfunc h; } F[] = {
				{ "toeplitz", RSS_HFUNC_TOEPLITZ }, { "xor", RSS_HFUNC_XOR },
				{ "crc32", RSS_HFUNC_CRC32 },
			};

			skip_ws(&p, e);
			c = memchr(p, ':', (size_t)(e - p));
			if (!c)
				continue; /* "Operation not supported" and the like */
			for (size_t i = 0; i < ARRAY_SIZE(F); i++) {
				if ((size_t)(c - p) != strlen(F[i].name) ||
				    memcmp(p, F[i].name, (size_t)(c - p)))
					continue;
				cfg->hfunc_supported |= F[i].h;
				if (starts(c, (size_t)(e - c), ": on"))
					cfg->hfunc = F[i].h;
			}
		}
	}
	if (!header) {
		seterr(err, errlen, "no 'RX flow hash indirection table for DEV with N RX "
		       "ring(s):' line (is this `ethtool -x` output?)");
		return -EINVAL;
	}
	for (uint32_t i = 0; i < cfg->indir_size; i++)
		if (cfg->indir[i] >= cfg->n_rx_queues) {
			seterr(err, errlen, "indirection entry %u names queue %u of %u",
			       i, cfg->indir[i], cfg->n_rx_queues);
			return -EINVAL;
		}
	cfg->rss = cfg->n_rx_queues > 1 && cfg->indir_size > 0;
	if (!cfg->rss)
		snprintf(cfg->rss_reason, sizeof(cfg->rss_reason), "no RSS: %s",
			 cfg->n_rx_queues <= 1 ? "1 rx queue" : "no indirection table");
	return 0;
}

int rss_parse_rx_flow_hash(const char *text, size_t len, struct rss_config *cfg,
			   char *err, size_t errlen)
{
	static const struct { const char *hdr; enum rss_flow_type t; } T[] = {
		{ "TCP over IPV4 flows", RSS_FT_TCP4 }, { "UDP over IPV4 flows", RSS_FT_UDP4 },
		{ "TCP over IPV6 flows", RSS_FT_TCP6 }, { "UDP over IPV6 flows", RSS_FT_UDP6 },
		{ "IP over IPV4 flows", RSS_FT_IP4 },   { "IP over IPV6 flows", RSS_FT_IP6 },
		{ "IPV4 flows", RSS_FT_IP4 },           { "IPV6 flows", RSS_FT_IP6 },
	};
	static const struct { const char *line; uint32_t bit; } F[] = {
		{ "L2DA", RSS_RXH_L2DA }, { "VLAN tag", RSS_RXH_VLAN },
		{ "L3 proto", RSS_RXH_L3_PROTO }, { "IP SA", RSS_RXH_IP_SRC },
		{ "IP DA", RSS_RXH_IP_DST }, { "L4 bytes 0 & 1", RSS_RXH_L4_B_0_1 },
		{ "L4 bytes 2 & 3", RSS_RXH_L4_B_2_3 },
	};
	struct lines it = { text, text + len };
	const char *s;
	size_t n;
	int blocks = 0, cur = -1;

	while (next_line(&it, &s, &n)) {
		bool matched = false;

		if (!n)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(T); i++) {
			if (!starts(s, n, T[i].hdr))
				continue;
			if (!memmem(s, n, "use these fields", 16)) {
				seterr(err, errlen, "line '%.*s': no 'use these fields'", (int)n, s);
				return -EINVAL;
			}
			cur = (int)T[i].t;
			cfg->fields[cur] = 0;
			cfg->fields_known[cur] = true;
			blocks++;
			matched = true;
			break;
		}
		if (matched)
			continue;
		if (cur < 0) {
			seterr(err, errlen, "line '%.*s' before any 'X over IPVn flows use these "
			       "fields' header", (int)(n > 80 ? 80 : n), s);
			return -EINVAL;
		}
		if (starts(s, n, "None"))
			continue;
		if (starts(s, n, "Discard")) {
			cfg->fields[cur] |= RSS_RXH_DISCARD;
			continue;
		}
		for (size_t i = 0; i < ARRAY_SIZE(F); i++)
			if (starts(s, n, F[i].line)) {
				cfg->fields[cur] |= F[i].bit;
				matched = true;
				break;
			}
		if (!matched) {
			seterr(err, errlen, "unknown hash field line '%.*s'",
			       (int)(n > 80 ? 80 : n), s);
			return -EINVAL;
		}
	}
	if (!blocks) {
		seterr(err, errlen, "no 'X over IPVn flows use these fields' header (is this "
		       "`ethtool -n DEV rx-flow-hash T` output?)");
		return -EINVAL;
	}
	return blocks;
}

static int set_cpu(uint64_t mask[RSS_CPU_WORDS], uint64_t cpu)
{
	if (cpu >= RSS_CPUS_MAX)
		return -EINVAL;
	mask[cpu / 64] |= 1ull << (cpu % 64);
	return 0;
}

int rss_parse_cpulist(const char *s, size_t len, uint64_t mask[RSS_CPU_WORDS])
{
	const char *p = s, *e = s + len;

	memset(mask, 0, sizeof(uint64_t) * RSS_CPU_WORDS);
	while (e > p && (e[-1] == '\n' || e[-1] == ' '))
		e--;
	if (p == e)
		return 0; /* empty list */
	for (;;) {
		int64_t a = take_u32(&p, e), b;

		if (a < 0)
			return -EINVAL;
		b = a;
		if (p < e && *p == '-') {
			p++;
			b = take_u32(&p, e);
			if (b < a)
				return -EINVAL;
		}
		if (b >= RSS_CPUS_MAX)
			return -EINVAL;
		for (int64_t c = a; c <= b; c++)
			(void)set_cpu(mask, (uint64_t)c);
		if (p == e)
			return 0;
		if (*p++ != ',' || p == e)
			return -EINVAL;
	}
}

int rss_parse_cpumask(const char *s, size_t len, uint64_t mask[RSS_CPU_WORDS])
{
	const char *e = s + len;
	uint64_t bit = 0;

	memset(mask, 0, sizeof(uint64_t) * RSS_CPU_WORDS);
	while (e > s && (e[-1] == '\n' || e[-1] == ' '))
		e--;
	if (e == s)
		return -EINVAL;
	/* From the last (lowest) hex digit up; commas separate 32-bit groups. */
	for (const char *p = e; p > s; p--) {
		int v = p[-1] == ',' ? -2 : hexval(p[-1]);

		if (v == -2) {
			if (p - 1 == s || p == e)
				return -EINVAL;
			continue;
		}
		if (v < 0)
			return -EINVAL;
		for (int b = 0; b < 4; b++, bit++)
			if ((v >> b) & 1)
				if (set_cpu(mask, bit))
					return -EINVAL;
	}
	return 0;
}

/* The queue number at the end of name after prefix pfx and the separator, or -1. */
static int queue_suffix(const char *name, const char *pfx)
{
	size_t l = strlen(pfx);
	const char *p, *d;
	int64_t q;

	if (strncmp(name, pfx, l))
		return -1;
	p = name + l;
	d = p + strlen(p);
	while (d > p && isdigit((unsigned char)d[-1]))
		d--;
	if (!*d || d - p > 8)
		return -1;
	{
		const char *t = d, *end = d + strlen(d);

		q = take_u32(&t, end);
	}
	if (q < 0 || q >= RSS_QUEUES_MAX)
		return -1;
	/* what lies between the prefix and the number names the ring kind */
	{
		char mid[16];
		size_t ml = (size_t)(d - p);

		if (ml >= sizeof(mid))
			return -1;
		memcpy(mid, p, ml);
		mid[ml] = 0;
		for (char *c = mid; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (!strcmp(mid, "-") || !strcmp(mid, "-txrx-") || !strcmp(mid, "-rx-") ||
		    !strcmp(mid, "-tx-rx-") || !strcmp(mid, "-rxtx-") || !strcmp(mid, "-combined-") ||
		    !strcmp(mid, "-input.") || !strcmp(mid, "-queue-") || !strcmp(mid, "-ch-"))
			return (int)q;
	}
	return -1;
}

int rss_parse_interrupts(const char *text, size_t len, const char *vdev,
			 struct rss_config *cfg)
{
	struct lines it = { text, text + len };
	const char *s;
	size_t n;
	int matched = 0;
	unsigned nq = cfg->n_rx_queues ? cfg->n_rx_queues : 1;

	if (nq > RSS_QUEUES_MAX)
		nq = RSS_QUEUES_MAX;
	if (cfg->n_queues_info < nq)
		cfg->n_queues_info = nq;
	while (next_line(&it, &s, &n)) {
		const char *p = s, *e = s + n, *name;
		char nm[64];
		int64_t irq;
		int q = -1;

		skip_ws(&p, e);
		irq = take_u32(&p, e);
		if (irq < 0 || p >= e || *p != ':')
			continue;
		name = e;
		while (name > p && name[-1] != ' ' && name[-1] != '\t')
			name--;
		if ((size_t)(e - name) >= sizeof(nm) || name == e)
			continue;
		memcpy(nm, name, (size_t)(e - name));
		nm[e - name] = 0;
		if (cfg->dev[0]) {
			char pfx[40];

			snprintf(pfx, sizeof(pfx), "%s", cfg->dev);
			q = queue_suffix(nm, pfx);
		}
		if (q < 0 && vdev && *vdev) {
			char pfx[72];

			snprintf(pfx, sizeof(pfx), "%s", vdev);
			q = queue_suffix(nm, pfx);
			if (q >= 0 && !strstr(nm, "-input."))
				q = -1; /* virtioN-output.Q is the tx side */
			if (q < 0 && !strncmp(nm, "mlx5_comp", 9) && strstr(nm, vdev)) {
				const char *t = nm + 9, *te = nm + strlen(nm);
				int64_t v = take_u32(&t, te);

				if (v >= 0 && v < RSS_QUEUES_MAX && *t == '@')
					q = (int)v;
			}
		}
		if (q < 0 || (unsigned)q >= nq || cfg->queue[q].irq >= 0)
			continue;
		cfg->queue[q].irq = (int)irq;
		snprintf(cfg->queue[q].irq_name, sizeof(cfg->queue[q].irq_name), "%s", nm);
		matched++;
	}
	return matched;
}

/* ---- the kernel ---- */

static int et_ioctl(int fd, const char *dev, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

/* Read a small file at dirfd/path (dirfd AT_FDCWD for absolute paths) into buf. */
static ssize_t read_at(int dirfd, const char *path, char *buf, size_t n)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = read(fd, buf, n - 1);
	if (r < 0)
		r = -errno;
	else
		buf[r] = 0;
	close(fd);
	return r;
}

static int first_cpu(const uint64_t mask[RSS_CPU_WORDS])
{
	for (int c = 0; c < RSS_CPUS_MAX; c++)
		if ((mask[c / 64] >> (c % 64)) & 1u)
			return c;
	return -1;
}

/* IRQ of each queue from /proc/interrupts, its CPU from /proc/irq/N. */
static void read_irqs(struct rss_config *cfg, const char *vdev)
{
	struct strbuf sb;

	sb_init(&sb);
	if (!read_file_sb("/proc/interrupts", &sb, 4u << 20))
		(void)rss_parse_interrupts(sb.buf, sb.len, vdev, cfg);
	sb_release(&sb);
	for (unsigned q = 0; q < cfg->n_queues_info; q++) {
		struct rss_queue *rq = &cfg->queue[q];
		static const char *const files[] = { "effective_affinity_list", "smp_affinity_list" };

		if (rq->irq < 0)
			continue;
		for (size_t f = 0; f < ARRAY_SIZE(files) && rq->irq_cpu < 0; f++) {
			char path[64], buf[512];
			uint64_t mask[RSS_CPU_WORDS];
			ssize_t r;

			snprintf(path, sizeof(path), "/proc/irq/%d/%s", rq->irq, files[f]);
			r = read_at(AT_FDCWD, path, buf, sizeof(buf));
			if (r > 0 && !rss_parse_cpulist(buf, (size_t)r, mask))
				rq->irq_cpu = first_cpu(mask);
		}
	}
}

/* The rx queue count, RPS masks and the virtio device name from sysfs (sysfd: a sysfs
 * root, e.g. of another namespace). */
static void read_sysfs(int sysfd, struct rss_config *cfg, char *vdev, size_t vlen)
{
	char path[160], buf[512];
	unsigned count = 0;

	for (unsigned q = 0; q < RSS_QUEUES_MAX; q++) {
		ssize_t r;

		snprintf(path, sizeof(path), "class/net/%s/queues/rx-%u/rps_cpus", cfg->dev, q);
		r = read_at(sysfd, path, buf, sizeof(buf));
		if (r == -ENOENT)
			break;
		count = q + 1;
		if (r > 0 && !rss_parse_cpumask(buf, (size_t)r, cfg->queue[q].rps_mask))
			cfg->queue[q].rps_known = true;
	}
	if (!cfg->n_rx_queues)
		cfg->n_rx_queues = count;
	if (cfg->n_queues_info < count)
		cfg->n_queues_info = count;
	snprintf(path, sizeof(path), "class/net/%s/device", cfg->dev);
	{
		ssize_t r = readlinkat(sysfd, path, buf, sizeof(buf) - 1);

		vdev[0] = 0;
		if (r > 0) {
			const char *b;

			buf[r] = 0;
			b = strrchr(buf, '/');
			b = b ? b + 1 : buf;
			if (!strncmp(b, "virtio", 6) && strlen(b) < vlen)
				memcpy(vdev, b, strlen(b) + 1);
		}
	}
}

static const uint32_t ft_ethtool[RSS_FT_COUNT] = {
	[RSS_FT_TCP4] = TCP_V4_FLOW, [RSS_FT_UDP4] = UDP_V4_FLOW, [RSS_FT_TCP6] = TCP_V6_FLOW,
	[RSS_FT_UDP6] = UDP_V6_FLOW, [RSS_FT_IP4] = IPV4_FLOW, [RSS_FT_IP6] = IPV6_FLOW,
};

/* The ethtool part, with fd a datagram socket in the device's namespace. */
static int read_ethtool(int fd, struct rss_config *cfg, char *bus, size_t blen,
			char *err, size_t errlen)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_rxnfc nfc = { .cmd = ETHTOOL_GRXRINGS };
	struct ethtool_rxfh hdr = { .cmd = ETHTOOL_GRSSH };
	struct ethtool_rxfh *rx;
	size_t sz;
	int r;

	r = et_ioctl(fd, cfg->dev, &di);
	if (r == -ENODEV) {
		seterr(err, errlen, "no device %s in this namespace", cfg->dev);
		return r;
	}
	if (!r) {
		snprintf(cfg->driver, sizeof(cfg->driver), "%s", di.driver);
		snprintf(bus, blen, "%s", di.bus_info);
	}
	if (!et_ioctl(fd, cfg->dev, &nfc) && nfc.data)
		cfg->n_rx_queues = (unsigned)nfc.data;
	for (int t = 0; t < RSS_FT_COUNT; t++) {
		struct ethtool_rxnfc fh = { .cmd = ETHTOOL_GRXFH, .flow_type = ft_ethtool[t] };

		if (!et_ioctl(fd, cfg->dev, &fh)) {
			cfg->fields[t] = (uint32_t)fh.data;
			cfg->fields_known[t] = true;
		}
	}
	r = et_ioctl(fd, cfg->dev, &hdr);
	if (r) {
		snprintf(cfg->rss_reason, sizeof(cfg->rss_reason),
			 "no RSS: %s has no RSS configuration (ETHTOOL_GRSSH: %s)",
			 cfg->driver[0] ? cfg->driver : cfg->dev, strerror(-r));
		return 0;
	}
	cfg->hfunc = (enum rss_hfunc)hdr.hfunc;
	if (hdr.indir_size > RSS_INDIR_MAX || hdr.key_size > RSS_KEY_MAX) {
		snprintf(cfg->rss_reason, sizeof(cfg->rss_reason),
			 "RSS table of %u entries / key of %u bytes is over dptune's limits",
			 hdr.indir_size, hdr.key_size);
		return 0;
	}
	sz = sizeof(*rx) + hdr.indir_size * sizeof(uint32_t) + hdr.key_size;
	rx = xcalloc(1, sz);
	rx->cmd = ETHTOOL_GRSSH;
	rx->indir_size = hdr.indir_size;
	rx->key_size = hdr.key_size;
	r = et_ioctl(fd, cfg->dev, rx);
	if (!r) {
		cfg->hfunc = (enum rss_hfunc)rx->hfunc;
		cfg->indir_size = rx->indir_size;
		memcpy(cfg->indir, rx->rss_config, rx->indir_size * sizeof(uint32_t));
		cfg->key_len = rx->key_size;
		memcpy(cfg->key, (uint8_t *)(rx->rss_config + rx->indir_size), rx->key_size);
	} else {
		snprintf(cfg->rss_reason, sizeof(cfg->rss_reason),
			 "no RSS: ETHTOOL_GRSSH on %s: %s", cfg->dev, strerror(-r));
	}
	free(rx);
	return 0;
}

int rss_config_read(int nsfd, const char *dev, struct rss_config *cfg,
		    char *err, size_t errlen)
{
	int saved = -1, fd, sysfd = -1, r;
	char bus[64] = "", vdev[64] = "";

	rss_config_init(cfg);
	if (!dev || !*dev || strlen(dev) >= IFNAMSIZ) {
		seterr(err, errlen, "bad device name '%s'", dev ? dev : "");
		return -EINVAL;
	}
	snprintf(cfg->dev, sizeof(cfg->dev), "%s", dev);
	if (nsfd >= 0) {
		r = netns_switch(nsfd, &saved);
		if (r) {
			seterr(err, errlen, "cannot enter the namespace: %s", strerror(-r));
			return r;
		}
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	r = fd < 0 ? -errno : 0;
	if (nsfd >= 0) {
		int rr = netns_restore(&saved);

		if (rr) {
			if (fd >= 0)
				close(fd);
			seterr(err, errlen, "cannot return from the namespace: %s", strerror(-rr));
			return rr;
		}
	}
	if (r) {
		seterr(err, errlen, "cannot open a socket for ethtool ioctls: %s", strerror(-r));
		return r;
	}
	r = read_ethtool(fd, cfg, bus, sizeof(bus), err, errlen);
	close(fd);
	if (r)
		return r;

	if (nsfd >= 0) {
		r = netns_sysfs_root(nsfd, &sysfd);
		if (r) {
			seterr(err, errlen, "cannot mount the namespace's sysfs: %s", strerror(-r));
			return r;
		}
	} else {
		sysfd = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (sysfd < 0) {
			r = -errno;
			seterr(err, errlen, "cannot open /sys: %s", strerror(-r));
			return r;
		}
	}
	read_sysfs(sysfd, cfg, vdev, sizeof(vdev));
	close(sysfd);
	if (!cfg->n_rx_queues)
		cfg->n_rx_queues = 1;
	if (cfg->n_queues_info < cfg->n_rx_queues)
		cfg->n_queues_info = cfg->n_rx_queues > RSS_QUEUES_MAX ? RSS_QUEUES_MAX
								      : cfg->n_rx_queues;
	read_irqs(cfg, vdev[0] ? vdev : (!strcmp(cfg->driver, "mlx5_core") ? bus : NULL));

	for (uint32_t i = 0; i < cfg->indir_size; i++)
		if (cfg->indir[i] >= cfg->n_rx_queues && cfg->n_rx_queues > 1) {
			snprintf(cfg->rss_reason, sizeof(cfg->rss_reason),
				 "indirection entry %u names queue %u of %u", i, cfg->indir[i],
				 cfg->n_rx_queues);
			cfg->indir_size = 0;
			break;
		}
	cfg->rss = cfg->n_rx_queues > 1 && cfg->indir_size > 0;
	if (!cfg->rss && !cfg->rss_reason[0])
		snprintf(cfg->rss_reason, sizeof(cfg->rss_reason), "no RSS: %s",
			 cfg->n_rx_queues <= 1 ? "1 rx queue" : "no indirection table");
	else if (!cfg->rss && cfg->n_rx_queues <= 1 && !strstr(cfg->rss_reason, "1 rx queue")) {
		char tmp[sizeof(cfg->rss_reason)];

		snprintf(tmp, sizeof(tmp), "%s", cfg->rss_reason);
		snprintf(cfg->rss_reason, sizeof(cfg->rss_reason), "no RSS: 1 rx queue (%s)",
			 tmp + (strncmp(tmp, "no RSS: ", 8) ? 0 : 8));
	}
	return 0;
}
