/* journal.h: the record `tune apply` writes before it changes anything: one JSON line per
 * event, fsync'd, so that `tune revert` can restore every original value exactly even
 * after the applying process was killed midway. */
#ifndef DPTUNE_JOURNAL_H
#define DPTUNE_JOURNAL_H

#include "knob.h"

struct journal_entry {
	struct knob_ref k;
	char original[256];
	char value[256];
	char id[48];       /* the apply run it belongs to */
	bool done;         /* the write completed */
};

struct journal {
	struct journal_entry *e;
	size_t n, cap;
	unsigned bad_lines; /* lines that could not be parsed (torn last line after a crash) */
};

/* Parse a journal buffer; unparsable lines are counted and skipped. */
void journal_parse(const char *buf, size_t len, struct journal *j);
/* Load dir/journal.jsonl; a missing file gives an empty journal. 0 or -errno. */
int journal_load(const char *dir, struct journal *j) MUST_CHECK;
void journal_release(struct journal *j);

/* Open dir/journal.jsonl for appending (creating dir). Returns fd or -errno. */
int journal_open(const char *dir);
/* Append the intent to change k from original to value, and fsync. 0 or -errno. */
int journal_intent(int fd, const char *id, const struct knob_ref *k, const char *original,
		   const char *value) MUST_CHECK;
/* Append that the change of k completed, and fsync. */
int journal_done(int fd, const char *id, const struct knob_ref *k) MUST_CHECK;
/* How many reverted journals a state directory keeps (the newest). */
#define JOURNAL_KEEP_REVERTED 10

/* Move the journal aside once everything in it was reverted, as journal-TIME.reverted
 * (journal-TIME-N.reverted for the N-th within one second), then keep only the newest
 * JOURNAL_KEEP_REVERTED of them. 0 or -errno. */
int journal_retire(const char *dir) MUST_CHECK;
/* Remove all but the newest `keep` reverted journals of dir (by their time, then N).
 * 0 or the first -errno. */
int journal_prune(const char *dir, unsigned keep) MUST_CHECK;

#endif
