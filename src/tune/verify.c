/* verify.c: the keep-or-revert rule of `tune apply --verify` (verify.h). */
#include "verify.h"

enum verify_verdict verify_judge(uint64_t before, uint64_t after)
{
	if (!before)
		return VERIFY_NO_LOSS;
	if (after > before)
		return VERIFY_WORSE;
	/* after * 2 <= before, without the overflow of after * 2 */
	if (after <= before / 2)
		return VERIFY_HELPED;
	return VERIFY_NOT_ENOUGH;
}

bool verify_keep(enum verify_verdict v)
{
	return v == VERIFY_HELPED;
}

const char *verify_name(enum verify_verdict v)
{
	switch (v) {
	case VERIFY_HELPED: return "helped";
	case VERIFY_NO_LOSS: return "no-loss-before";
	case VERIFY_WORSE: return "worse";
	case VERIFY_NOT_ENOUGH: return "not-enough";
	}
	return "?";
}

const char *verify_reason(enum verify_verdict v)
{
	switch (v) {
	case VERIFY_HELPED: return "the change helped (the loss fell by half or more); kept";
	case VERIFY_NO_LOSS: return "there was no loss before the change, so nothing shows it "
				    "helped: reverting it";
	case VERIFY_WORSE: return "the loss rose after the change: reverting it";
	case VERIFY_NOT_ENOUGH: return "the change did not cut the loss by half: reverting it";
	}
	return "?";
}
