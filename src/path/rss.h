/* rss.h: where a received flow lands before any traffic is sent: the NIC's RSS (hash
 * function, hash key, indirection table, per-flow-type hash fields, as `ethtool -x` and
 * `ethtool -n DEV rx-flow-hash T` show them), the queue's IRQ and the CPU it is affine to,
 * then RPS (rx-N/rps_cpus) as the kernel's get_rps_cpu() picks a CPU from the hash.
 *
 * Three parts, usable apart:
 *   - pure: rss_toeplitz(), rss_flow_input(), rss_flow_place(), rss_rps_cpu()
 *     (no I/O; tested against Microsoft's published RSS verification vectors);
 *   - parsers of recorded text: rss_parse_ethtool_x(), rss_parse_rx_flow_hash(),
 *     rss_parse_cpulist(), rss_parse_cpumask() (buffers, not files; fuzzed);
 *   - the kernel reader rss_config_read() (SIOCETHTOOL ETHTOOL_GRSSH / ETHTOOL_GRXFH /
 *     ETHTOOL_GRXRINGS, /sys/class/net/DEV/queues/rx-N/rps_cpus, /proc/interrupts and
 *     /proc/irq/N/effective_affinity_list), inside a namespace through core/netns.
 *
 * struct rss_config is flat (fixed arrays, no pointers) so it can be copied, returned
 * from a forked child (netns_run with NETNS_SYSFS) and zeroed with memset.
 *
 * Caveats the caller should show (rss_place.note says which applies):
 *   - only the Toeplitz function is computed; XOR/CRC32/unknown → hash_known false;
 *   - the indirection index is hash % indir_size (the low bits: ixgbe, i40e, ice, mlx5,
 *     ena, virtio's "hash & mask" all do this for their power-of-two tables);
 *   - a NIC without RSS (veth, single-queue virtio) has n_rx_queues 1 and rss false:
 *     every flow is queue 0; rss_reason says why;
 *   - RPS uses skb->hash: the NIC's RSS hash when the driver reports it (the common case
 *     for ixgbe/i40e/mlx5/ena/virtio-with-hash-report), else the kernel's own flow
 *     dissector hash, which is keyed with a random boot-time seed and cannot be predicted
 *     (rps_cpu is then -1 with the note saying so, and the mask still tells the set);
 *   - RFS (rps_sock_flow_entries), aRFS, ntuple rules and XDP steering override all this.
 */
#ifndef DPTUNE_RSS_H
#define DPTUNE_RSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RSS_KEY_MAX    256      /* bytes; real keys are 40 (ixgbe, mlx5, ena) or 52 (i40e, ice) */
#define RSS_INDIR_MAX  4096     /* entries; real tables are 64 .. 2048 */
#define RSS_QUEUES_MAX 256      /* rx queues whose RPS mask and IRQ are kept */
#define RSS_CPUS_MAX   1024     /* CPUs in a mask */
#define RSS_CPU_WORDS  (RSS_CPUS_MAX / 64)

/* Hash functions, the bits of ETH_RSS_HASH_* (linux/ethtool.h): 0 means not known. */
enum rss_hfunc {
	RSS_HFUNC_UNKNOWN  = 0,
	RSS_HFUNC_TOEPLITZ = 1 << 0,
	RSS_HFUNC_XOR      = 1 << 1,
	RSS_HFUNC_CRC32    = 1 << 2,
};

/* Flow types whose hash fields are kept (index into rss_config.fields). */
enum rss_flow_type {
	RSS_FT_TCP4, RSS_FT_UDP4, RSS_FT_TCP6, RSS_FT_UDP6, RSS_FT_IP4, RSS_FT_IP6,
	RSS_FT_COUNT
};

/* Hash field bits: the RXH_* values of linux/ethtool.h (same numbers). */
#define RSS_RXH_L2DA      (1u << 1)
#define RSS_RXH_VLAN      (1u << 2)
#define RSS_RXH_L3_PROTO  (1u << 3)
#define RSS_RXH_IP_SRC    (1u << 4)
#define RSS_RXH_IP_DST    (1u << 5)
#define RSS_RXH_L4_B_0_1  (1u << 6)   /* TCP/UDP source port */
#define RSS_RXH_L4_B_2_3  (1u << 7)   /* TCP/UDP destination port */
#define RSS_RXH_DISCARD   (1u << 31)

/* One flow. Addresses in network byte order (4 bytes used for AF_INET), ports in host
 * order, proto IPPROTO_UDP or IPPROTO_TCP (anything else hashes as IP only). */
struct rss_flow {
	int family;            /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];
	uint8_t proto;
	uint16_t sport, dport;
};

/* Per rx queue: RPS mask and the IRQ that serves it. */
struct rss_queue {
	uint64_t rps_mask[RSS_CPU_WORDS]; /* rx-N/rps_cpus; all zero: RPS off */
	bool rps_known;                   /* rps_cpus was read */
	int irq;                          /* -1: not found in /proc/interrupts */
	int irq_cpu;                      /* first CPU of effective_affinity_list, else of
					   * smp_affinity_list; -1 unknown */
	char irq_name[48];                /* the /proc/interrupts action name */
};

struct rss_config {
	char dev[32];
	char driver[32];                  /* ethtool -i driver, "" when not read */
	bool rss;                         /* the device spreads by hash over > 1 queue */
	char rss_reason[128];             /* why rss is false (or a warning when true) */
	unsigned n_rx_queues;             /* rings (ETHTOOL_GRXRINGS or "with N RX ring(s)") */
	enum rss_hfunc hfunc;
	uint32_t hfunc_supported;         /* ETH_RSS_HASH_* bits the device offers, 0 unknown */
	uint8_t key[RSS_KEY_MAX];
	uint32_t key_len;                 /* 0: no key known */
	uint32_t indir[RSS_INDIR_MAX];
	uint32_t indir_size;              /* 0: no table (all flows to queue 0) */
	uint32_t fields[RSS_FT_COUNT];    /* RSS_RXH_* bits per flow type */
	bool fields_known[RSS_FT_COUNT];  /* false: the driver did not say (then the
					   * default used is IP SA+DA+L4 ports; see note) */
	unsigned n_queues_info;           /* entries of queue[] filled (<= RSS_QUEUES_MAX) */
	struct rss_queue queue[RSS_QUEUES_MAX];
};

/* Where one flow lands. */
struct rss_place {
	bool hash_known;           /* false: hash function not Toeplitz, or no key */
	uint32_t hash;
	uint32_t fields;           /* the RSS_RXH_* bits the hash covered */
	uint8_t input[36];         /* the Toeplitz input bytes (src, dst, sport, dport) */
	size_t input_len;
	int indir_index;           /* -1: no table */
	int queue;                 /* -1: unknown (hash not known and more than 1 queue) */
	int irq;                   /* -1 unknown */
	int irq_cpu;               /* -1 unknown */
	int rps_cpu;               /* -1: RPS off on that queue, or hash not predictable */
	bool rps_on;               /* the queue has a non-empty rps_cpus mask */
	char note[160];            /* caveat in words, "" when none */
};

/* Zero cfg and mark every queue's irq/irq_cpu -1. */
void rss_config_init(struct rss_config *cfg);

/* Microsoft RSS Toeplitz hash of input (len bytes) with key (keylen bytes; bits beyond
 * the key are taken as zero, so a key must be at least len + 4 bytes for a full hash). */
uint32_t rss_toeplitz(const uint8_t *key, size_t keylen, const uint8_t *input, size_t len);

/* The flow type of a flow (RSS_FT_UDP4 ...). */
enum rss_flow_type rss_flow_type_of(const struct rss_flow *f);

/* The hash input of a flow for fields (RSS_RXH_* bits; L4 bits ignored unless TCP/UDP):
 * source address, destination address, source port, destination port, each when its bit
 * is set, in network byte order. Returns the length written to out (<= 36). */
size_t rss_flow_input(const struct rss_flow *f, uint32_t fields, uint8_t out[36]);

/* Place a flow: hash (when Toeplitz with a key), indirection index, queue, the queue's
 * IRQ and CPU, the RPS CPU. Fields come from cfg->fields for the flow's type, or IP
 * SA/DA + L4 ports when not known (note says so). Never fails: unknowns are -1 with
 * a note. Returns 0. */
int rss_flow_place(const struct rss_config *cfg, const struct rss_flow *f,
		   struct rss_place *out);

/* Place a known hash (an skb hash seen elsewhere, or a test value): indirection index,
 * queue (rx_queue when the device has no RSS table: the queue the packet arrived on),
 * its IRQ CPU and the RPS CPU for that hash. hash_known is true, fields 0. Returns 0. */
int rss_hash_place(const struct rss_config *cfg, uint32_t hash, unsigned rx_queue,
		   struct rss_place *out);

/* The CPU get_rps_cpu() picks for hash from a mask: the mask's CPUs in increasing
 * order, cpus[((uint64_t)hash * n) >> 32] (reciprocal_scale). -1 for an empty mask. */
int rss_rps_cpu(const uint64_t mask[RSS_CPU_WORDS], uint32_t hash);

/* ---- parsers of recorded text (buffers need not be NUL-terminated) ---- */

/* `ethtool -x DEV` output: "RX flow hash indirection table for X with N RX ring(s):",
 * rows "  0:  0  1 ...", "RSS hash key:" colon-hex (or "Operation not supported"),
 * "RSS hash function:" with "    toeplitz: on". Fills dev, n_rx_queues, indir, key,
 * hfunc, rss (more than one ring and a table). 0, or -EINVAL with a reason in err. */
int rss_parse_ethtool_x(const char *text, size_t len, struct rss_config *cfg,
			char *err, size_t errlen);

/* `ethtool -n DEV rx-flow-hash T` output, one or several concatenated: a header
 * "UDP over IPV4 flows use these fields for computing Hash flow key:" then lines
 * "IP SA", "IP DA", "L4 bytes 0 & 1 [TCP/UDP src port]", "L4 bytes 2 & 3 [TCP/UDP dst
 * port]", "L2DA", "VLAN tag", "L3 proto", or "None". Sets cfg->fields[]/fields_known[]
 * of each block's type. Returns the number of blocks parsed (>= 1), or -EINVAL. */
int rss_parse_rx_flow_hash(const char *text, size_t len, struct rss_config *cfg,
			   char *err, size_t errlen);

/* CPU list "0-3,8,10-11" (smp_affinity_list) / hex mask "ff,00000001" (rps_cpus) into
 * mask (bits beyond RSS_CPUS_MAX are an error). 0 or -EINVAL. */
int rss_parse_cpulist(const char *s, size_t len, uint64_t mask[RSS_CPU_WORDS]);
int rss_parse_cpumask(const char *s, size_t len, uint64_t mask[RSS_CPU_WORDS]);

/* /proc/interrupts text: for each queue q of cfg->dev (up to n_rx_queues), the IRQ whose
 * action name is DEV-TxRx-q, DEV-rx-q, DEV-q, DEV-ch-q, DEVN-input.q (virtio: vdev is the
 * virtio device name, "virtio0", or NULL), mlx5_comp<q>@..., ena DEV-Tx-Rx-q. Fills
 * queue[q].irq and irq_name. Returns the number of queues matched. */
int rss_parse_interrupts(const char *text, size_t len, const char *vdev,
			 struct rss_config *cfg);

/* ---- the kernel ---- */

/* Read dev's RSS configuration, RPS masks and IRQ CPUs in the network namespace nsfd
 * (-1: the caller's). ioctls ETHTOOL_GDRVINFO, ETHTOOL_GRXRINGS (else GCHANNELS, else
 * the rx-N count in sysfs), ETHTOOL_GRSSH (key, table, hfunc), ETHTOOL_GRXFH for each
 * flow type; /sys/class/net/DEV/queues/rx-N/rps_cpus (a private sysfs of that namespace
 * when nsfd >= 0); /proc/interrupts and /proc/irq/N/{effective_,smp_}affinity_list
 * (host-wide). A device without RSS is not an error: rss false, n_rx_queues 1 (or its
 * count), rss_reason "no RSS: ...". Returns 0, -ENODEV (no such device, err says),
 * or -errno with err set. */
int rss_config_read(int nsfd, const char *dev, struct rss_config *cfg,
		    char *err, size_t errlen);

/* Names: "toeplitz", "xor", "crc32", "unknown"; "udp4", "tcp6", ...; the fields in the
 * `ethtool -N rx-flow-hash` letters ("sdfn", "sd", "" for none) into buf. */
const char *rss_hfunc_name(enum rss_hfunc h);
const char *rss_flow_type_name(enum rss_flow_type t);
const char *rss_fields_letters(uint32_t fields, char *buf, size_t n);

#endif
