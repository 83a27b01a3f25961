/* verify.h: the rule `tune apply --verify` keeps or reverts a change by: the loss in a
 * window after the change must be at most half the loss in an equal window before it.
 * Pure: the caller measures (packets a bench reported lost, or drops counted along the
 * path) and passes the two counts. */
#ifndef DPTUNE_VERIFY_H
#define DPTUNE_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

enum verify_verdict {
	VERIFY_HELPED,       /* after <= before / 2 (exactly half counts), before > 0 */
	VERIFY_NO_LOSS,      /* before == 0: nothing to cut, so nothing proves the change */
	VERIFY_WORSE,        /* after > before */
	VERIFY_NOT_ENOUGH,   /* before / 2 < after <= before */
};

/* The verdict for the loss before and after a change (same measure, equal windows).
 * Only VERIFY_HELPED keeps the change. Exact for every uint64_t (no overflow). */
enum verify_verdict verify_judge(uint64_t before, uint64_t after);
/* True for the verdicts that keep the change. */
bool verify_keep(enum verify_verdict v);
/* A short stable name ("helped", "no-loss-before", "worse", "not-enough") for JSON. */
const char *verify_name(enum verify_verdict v);
/* One sentence for people: why the change is kept or reverted. */
const char *verify_reason(enum verify_verdict v);

#endif
