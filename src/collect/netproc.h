/* netproc.h: parsers behind the sockstat, conntrack, udpsock and knobs collectors.
 * Each takes a buffer (a /proc file, a netlink dump) apart from the I/O that filled it,
 * so unit tests and fuzzers call them directly. None allocates per line. */
#ifndef DPTUNE_NETPROC_H
#define DPTUNE_NETPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- /proc/net/sockstat and sockstat6 ---- */

/* One "KEY: name value name value ..." pair, e.g. key "UDP", name "inuse". */
struct sockstat_val {
	char key[16];
	char name[16];
	uint64_t value;
};

/* Parse sockstat or sockstat6 text into out (up to max values). Lines or pairs that are
 * malformed are skipped. Returns the number of values stored (>= 0). */
int sockstat_parse(const char *buf, size_t len, struct sockstat_val *out, int max);
/* Value of key/name in vals, or -ENOENT. */
int sockstat_get(const struct sockstat_val *vals, int n, const char *key, const char *name,
		 uint64_t *v);

/* ---- /proc/net/stat/nf_conntrack ---- */

#define CT_STAT_MAXCOLS 32
#define CT_STAT_MAXROWS 4096

struct ct_stat {
	int ncols;                       /* columns named by the header */
	char names[CT_STAT_MAXCOLS][24]; /* header names, as printed ("clashres") */
	int nrows;                       /* data rows stored (row i = i-th possible CPU) */
	int rows_cap;                    /* capacity of vals in rows */
	uint32_t *vals;                  /* caller-provided, rows_cap * CT_STAT_MAXCOLS */
};

/* Parse the per-CPU table: header line of names, then one row of 8-digit hex values per
 * possible CPU. A data row with a wrong column count or non-hex field is skipped (and
 * does not take a CPU slot: the kernel never prints one). Returns 0, or -EINVAL when no
 * header is found. */
int ct_stat_parse(const char *buf, size_t len, struct ct_stat *st);
/* Name dptune gives a header column: "clashres" -> "clash_resolve", "chainlength" ->
 * "chaintoolong", "icmp_error" -> "error"; NULL for columns not emitted per CPU
 * ("entries", the table size repeated on every row). */
const char *ct_stat_metric_name(const char *col);


/* ---- UDP sockets: /proc/net/udp{,6} and sock_diag ---- */

struct udp_sock {
	uint8_t family;          /* AF_INET or AF_INET6 */
	uint8_t state;           /* TCP_ESTABLISHED (1) when connected, TCP_CLOSE (7) else */
	bool have_mem;           /* rcvbuf and rmem_alloc are known (sock_diag) */
	uint16_t lport, rport;   /* host order */
	uint8_t laddr[16], raddr[16]; /* network order; IPv4 uses the first 4 bytes */
	uint64_t inode;          /* 0 for kernel sockets (vxlan, wireguard) */
	uint32_t rx_queue, tx_queue, drops;
	uint32_t rcvbuf, rmem_alloc;
};

struct udp_vec {
	struct udp_sock *v;
	size_t n, cap;
};

void udp_vec_release(struct udp_vec *uv);

/* Append the sockets of a /proc/net/udp (family AF_INET) or udp6 (AF_INET6) table to out.
 * Lines that do not parse are skipped. Returns the number appended, or -EINVAL when the
 * header line is missing. */
int udp_parse_proc(const char *buf, size_t len, int family, struct udp_vec *out);

/* Append the sockets in one buffer of sock_diag (NETLINK_SOCK_DIAG, inet_diag_msg with
 * INET_DIAG_SKMEMINFO) dump replies to out. Returns 1 when NLMSG_DONE was seen, 0 when
 * the dump continues in the next buffer, -errno for an NLMSG_ERROR or a truncated
 * message. Messages of other types are skipped. */
int udp_parse_diag(const void *buf, size_t len, struct udp_vec *out);

/* Object name of a socket: "udp 0.0.0.0:5000", "udp6 [::1]:53->[::1]:4000". */
void udp_sock_obj(const struct udp_sock *s, char *buf, size_t n);

/* ---- small-file reads for the collectors ---- */

struct cctx;
/* Read a small /proc file (a sysctl) through an fd cached in *fd (-1: not open yet; the
 * caller closes it in its release). Reads at most n-1 bytes into buf, NUL-terminated.
 * Unlike cctx_read_proc, which asks for 64 KiB, this keeps the kernel's per-read sysctl
 * buffer (allocated and zeroed at the size asked for) small. Returns the length or
 * -errno. */
int netproc_read_small(struct cctx *c, int *fd, const char *rel, char *buf, size_t n);

/* ---- knobs ---- */

/* Copy a sysctl/sysfs value to out with trailing whitespace stripped and inner runs of
 * spaces/tabs collapsed to one space ("4096\t8192\t16384\n" -> "4096 8192 16384").
 * Returns the length written. */
size_t knob_text(const char *buf, size_t len, char *out, size_t n);
/* Parse a hex CPU mask ("f", "00000000,00000003") into a 64-bit value (low 64 CPUs).
 * Returns 0 or -EINVAL. */
int knob_parse_mask(const char *text, uint64_t *v);

/* Device names of a /proc/net/dev text, written as NUL-separated names into names
 * (size n). Returns the number of names, or -EINVAL when the header is missing. */
int netdev_parse_names(const char *buf, size_t len, char *names, size_t n);

#endif
