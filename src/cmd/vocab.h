/* vocab.h: the shared option vocabulary of DESIGN.md as entries of the one option table
 * (core/opt.h), with the limits taken from the library's own constants. Every command
 * builds its table from these, so `--flows` or `--rate` mean and accept the same thing
 * in bench, sweep and lab matrix alike. Each macro takes where the value goes, an
 * optional bool set when given (or NULL), and the default as the user would write it. */
#ifndef DPTUNE_VOCAB_H
#define DPTUNE_VOCAB_H

#include "../core/opt.h"
#include "../traffic/ctl.h"
#include "../traffic/dgram.h"
#include "../traffic/engine.h"

#define VOCAB_DURATION_MIN 0.01
#define VOCAB_DURATION_MAX (31 * 86400.0)
#define VOCAB_COUNT_MAX 1e9

#define VOCAB_JSON(D_)                                                                   \
	{ .name = "json", .shrt = 'j', .type = OPT_FLAG, .dst = (D_),                    \
	  .help = "JSON on stdout (errors too: {\"error\":{...}}; see dptune(1))" }
#define VOCAB_ALL(D_, W_)                                                              \
	{ .name = "all", .shrt = 'a', .type = OPT_FLAG, .dst = (D_), .help = (W_) }
#define VOCAB_RATE(D_, S_, DEF_)                                                         \
	{ .name = "rate", .shrt = 'r', .type = OPT_RATE, .dst = (D_), .set = (S_),      \
	  .min = 1, .max = ENGINE_MAX_RATE, .arg = "PPS", .def = (DEF_),                   \
	  .help = "datagrams per second per direction: 500k, 1.2M or max (%R)" }
#define VOCAB_SIZE(D_, S_, DEF_)                                                         \
	{ .name = "size", .shrt = 's', .type = OPT_U32, .dst = (D_), .set = (S_),       \
	  .min = DGRAM_HDR_LEN, .max = DGRAM_MAX_PAYLOAD, .arg = "BYTES", .def = (DEF_),   \
	  .unit = "bytes",  \
	  .help = "UDP payload, %R (the test header takes the first bytes)" }
#define VOCAB_FLOWS(D_, S_, DEF_)                                                        \
	{ .name = "flows", .shrt = 'f', .type = OPT_U32, .dst = (D_), .set = (S_),      \
	  .min = 1, .max = CTL_MAX_FLOWS, .arg = "N", .def = (DEF_),                       \
	  .help = "flows (5-tuples), %R" }
#define VOCAB_THREADS(D_, S_, DEF_)                                                      \
	{ .name = "threads", .shrt = 'T', .type = OPT_U32, .dst = (D_), .set = (S_),    \
	  .min = 1, .max = ENGINE_MAX_THREADS, .arg = "N", .def = (DEF_),                  \
	  .help = "sender/receiver threads, %R" }
#define VOCAB_DURATION(D_, S_, DEF_, W_)                                               \
	{ .name = "duration", .shrt = 'd', .type = OPT_SECONDS, .dst = (D_), .set = (S_), \
	  .min = VOCAB_DURATION_MIN, .max = VOCAB_DURATION_MAX, .arg = "SEC",             \
	  .def = (DEF_), .help = W_ " (%R)" }
#define VOCAB_INTERVAL(D_, S_, DEF_)                                                     \
	{ .name = "interval", .shrt = 'i', .type = OPT_SECONDS, .dst = (D_), .set = (S_), \
	  .min = VOCAB_DURATION_MIN, .max = 3600, .arg = "SEC", .def = (DEF_),             \
	  .help = "sample every SEC seconds, as rates (%R)" }
#define VOCAB_COUNT(D_, S_, DEF_)                                                        \
	{ .name = "count", .shrt = 'c', .type = OPT_U64, .dst = (D_), .set = (S_),      \
	  .min = 1, .max = VOCAB_COUNT_MAX, .arg = "N", .def = (DEF_),                     \
	  .help = "number of samples, %R" }
#define VOCAB_PORT(D_, S_, DEF_, LO_, W_)                                               \
	{ .name = "port", .shrt = 'p', .type = OPT_U32, .dst = (D_), .set = (S_),       \
	  .min = (LO_), .max = 65535, .arg = "PORT", .def = (DEF_), .help = W_ " (%R)" }
#define VOCAB_BIND(D_, W_)                                                             \
	{ .name = "bind", .shrt = 'B', .type = OPT_STR, .dst = (D_), .arg = "ADDR",      \
	  .help = (W_) }
/* --sched: a paced sender's scheduling (engine.h tx_cfg.sched_fifo); D_ is a const char **
 * left "fifo" or "other". */
#define VOCAB_SCHED(D_)                                                                  \
	{ .name = "sched", .type = OPT_CHOICE, .dst = (D_), .choices = "other|fifo",     \
	  .arg = "POLICY", .def = "other",                                                 \
	  .help = "paced senders: other, or fifo (SCHED_FIFO 1, root: keeps the rate on " \
		  "a busy CPU)" }
#define VOCAB_NETNS(D_)                                                                  \
	{ .name = "netns", .shrt = 'N', .type = OPT_STR, .dst = (D_), .arg = "LIST",     \
	  .help = "only these namespaces (comma list; host = the initial one)" }
#define VOCAB_DEV(D_)                                                                    \
	{ .name = "dev", .shrt = 'D', .type = OPT_STR, .dst = (D_), .arg = "LIST",       \
	  .help = "only these devices (comma list)" }
#define VOCAB_LAYER(D_)                                                                  \
	{ .name = "layer", .shrt = 'l', .type = OPT_CALLBACK, .dst = (D_),               \
	  .cb = vocab_layer_cb, .data = (D_), .arg = "LIST",                             \
	  .help = "only these layers: nic,irq,softirq,backlog,qdisc,vdev,netfilter,ip,udp,socket" }
#define VOCAB_PROC_ROOT(D_)                                                              \
	{ .name = "proc-root", .type = OPT_CALLBACK, .cb = vocab_dir_cb, .data = (D_),   \
	  .arg = "DIR", .help = "read /proc from DIR (recorded files)" }
#define VOCAB_SYS_ROOT(D_)                                                               \
	{ .name = "sys-root", .type = OPT_CALLBACK, .cb = vocab_dir_cb, .data = (D_),    \
	  .arg = "DIR", .help = "read /sys from DIR (recorded files)" }
#define VOCAB_CPUS(IDS_, N_, MAX_)                                                   \
	{ .name = "cpus", .type = OPT_CALLBACK, .cb = vocab_cpus_cb,                      \
	  .data = &(struct vocab_cpus){ (IDS_), (N_), (MAX_) }, .arg = "LIST",       \
	  .help = "CPUs to pin to, like 0,2-3 (each must be one this process may use)" }

/* --layer: a comma list of layer names (model/snapshot.h); data is a const char **. */
int vocab_layer_cb(const struct opt *o, const char *arg, void *data, char *err, size_t n);
/* The bit mask (1 << enum layer) of a --layer list vocab_layer_cb accepted; 0 for NULL. */
unsigned vocab_layer_mask(const char *list);
/* --proc-root/--sys-root: an existing directory; data is a const char **. */
int vocab_dir_cb(const struct opt *o, const char *arg, void *data, char *err, size_t n);

struct vocab_cpus {
	int *ids;
	int *n;
	int max;
};
/* --cpus: a CPU list whose every CPU is in this process's affinity mask. */
int vocab_cpus_cb(const struct opt *o, const char *arg, void *data, char *err, size_t n);

#endif
