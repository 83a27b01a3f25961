/* rowcache.h: the rows a collector made from one source at its last read, kept with the
 * bytes they were made from. A source that reads the same bytes makes the same rows, so
 * they are copied into the snapshot instead of parsed again: on a host of mostly quiet
 * namespaces, most of the text the kernel formats at each sample (snmp, snmp6,
 * stat/nf_conntrack) is what it was at the previous one. Exact: the bytes are compared,
 * not hashed; the source is still read at every sample. Plain data, no I/O. */
#ifndef DPTUNE_ROWCACHE_H
#define DPTUNE_ROWCACHE_H

#include "snapshot.h"

struct rowcache {
	char *raw;          /* the bytes the rows were made from */
	size_t rawlen, rawcap;
	struct metric *m;   /* the rows, as they were added */
	size_t n, cap;
	unsigned gen;       /* intern_gen they were made under (0: nothing kept) */
	uint64_t ver;       /* their version (snap_run): the delta maps them by position */
	size_t watch_end;   /* 1 + the index of the last of them with MF_WATCH, 0 if none */
};

/* Whether raw is byte for byte what rc's rows were made from (under this intern pool). */
bool rowcache_same(const struct rowcache *rc, const void *raw, size_t len);
/* Append rc's rows to s, in namespace ns, as a run of rc at its version. */
void rowcache_put(const struct rowcache *rc, struct snapshot *s, uint32_t ns);
/* Both: if raw is what rc's rows were made from, append them to s and return true; else
 * false, and the caller parses. */
bool rowcache_replay(const struct rowcache *rc, struct snapshot *s, uint32_t ns,
		     const void *raw, size_t len);
/* Keep s's rows from index `from` to its end as what raw makes: a new version, and those
 * rows a run of it. */
void rowcache_keep(struct rowcache *rc, struct snapshot *s, size_t from,
		   const void *raw, size_t len);
/* Forget the rows (the next read parses). */
void rowcache_forget(struct rowcache *rc);
void rowcache_release(struct rowcache *rc);

#endif
