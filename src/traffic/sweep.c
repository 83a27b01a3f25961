/* sweep.c: the NDR/PDR binary search. Each trial narrows the bracket [lo, hi] of every
 * target at once (a rate that passes a strict target passes the looser ones; a rate that
 * fails a loose target fails the stricter ones), and the next rate bisects the widest
 * unconverged bracket, strictest target first. */
#include <string.h>
#include "sweep.h"

void sweep_init(struct sweep *s, const struct sweep_params *p)
{
	memset(s, 0, sizeof(*s));
	s->p = *p;
	if (s->p.precision <= 0)
		s->p.precision = 0.01;
	if (!s->p.max_trials)
		s->p.max_trials = 30;
	s->ceiling = s->p.rate_max;
}

int sweep_add_target(struct sweep *s, const char *name, double max_loss)
{
	if (s->nt >= SWEEP_MAX_TARGETS)
		return -1;
	s->t[s->nt] = (struct sweep_target){ .name = name, .max_loss = max_loss };
	return s->nt++;
}

static bool target_done(const struct sweep *s, const struct sweep_target *t)
{
	if (t->lo > 0 && t->hi > 0)
		return t->hi - t->lo <= s->p.precision * t->hi;
	if (t->lo >= s->ceiling * (1 - s->p.precision)) /* passes at the ceiling */
		return true;
	if (t->hi > 0 && t->hi <= s->p.rate_min * (1 + s->p.precision)) /* fails at the floor */
		return true;
	return false;
}

double sweep_next(struct sweep *s)
{
	bool all_done = true;

	if (s->stop != SWEEP_RUNNING)
		return 0;
	for (int i = 0; i < s->nt; i++) {
		s->t[i].converged = target_done(s, &s->t[i]);
		all_done &= s->t[i].converged;
	}
	if (all_done) {
		bool at_max = true, at_min = true;

		for (int i = 0; i < s->nt; i++) {
			at_max &= s->t[i].hi == 0;
			at_min &= s->t[i].lo == 0;
		}
		s->stop = at_max ? SWEEP_AT_MAX : at_min ? SWEEP_AT_MIN : SWEEP_CONVERGED;
		return 0;
	}
	if (s->trials >= s->p.max_trials) {
		s->stop = SWEEP_MAX_TRIALS;
		return 0;
	}
	if (s->retry > 0)
		return s->retry;
	for (int i = 0; i < s->nt; i++) {
		const struct sweep_target *t = &s->t[i];
		double lo, hi;

		if (t->converged)
			continue;
		/* the first trial of all goes to the ceiling: most paths are clean there or
		 * the sender limits first, and then one trial answers everything */
		if (!t->lo && !t->hi)
			return s->ceiling;
		lo = t->lo > 0 ? t->lo : s->p.rate_min;
		hi = t->hi > 0 ? t->hi : s->ceiling;
		if (t->lo == 0 && t->hi > 0 && t->hi <= s->p.rate_min * 2)
			return s->p.rate_min; /* test the floor itself */
		return (lo + hi) / 2;
	}
	return 0;
}

void sweep_record(struct sweep *s, const struct sweep_trial_result *r)
{
	s->trials++;
	if (r->failed) {
		s->stop = SWEEP_ERROR;
		return;
	}
	if (r->sender_limited) {
		/* Not a datapath result. Once may be noise (a busy machine): try the same rate
		 * again. Twice: nothing above what the sender reached can be tested, so lower
		 * the ceiling below it, but never below a rate that already passed. */
		double c = r->achieved * 0.98, floor_ok = 0;

		s->sender_limited++;
		if (s->retry != r->offered) {
			s->retry = r->offered;
			return;
		}
		s->retry = 0;
		for (int i = 0; i < s->nt; i++)
			if (s->t[i].lo > floor_ok)
				floor_ok = s->t[i].lo;
		if (c < floor_ok)
			c = floor_ok;
		if (c < s->p.rate_min)
			c = s->p.rate_min;
		if (c < s->ceiling)
			s->ceiling = c;
		for (int i = 0; i < s->nt; i++)
			if (s->t[i].hi > s->ceiling)
				s->t[i].hi = 0;
		return;
	}
	s->retry = 0;
	for (int i = 0; i < s->nt; i++) {
		struct sweep_target *t = &s->t[i];

		if (r->loss <= t->max_loss) {
			if (t->hi > 0 && r->offered >= t->hi) {
				s->inconsistent = true;
				t->hi = 0; /* the earlier failure was noise: reopen above */
			}
			if (r->offered > t->lo)
				t->lo = r->offered;
		} else {
			if (t->lo > 0 && r->offered <= t->lo) {
				s->inconsistent = true;
				t->lo = 0;
			}
			if (!t->hi || r->offered < t->hi)
				t->hi = r->offered;
		}
	}
}

double sweep_result(const struct sweep *s, int i)
{
	return i >= 0 && i < s->nt ? s->t[i].lo : 0;
}

const char *sweep_stop_text(enum sweep_stop st)
{
	switch (st) {
	case SWEEP_RUNNING: return "running";
	case SWEEP_CONVERGED: return "converged to the requested precision";
	case SWEEP_MAX_TRIALS: return "stopped: trial limit reached (--max-trials)";
	case SWEEP_AT_MIN: return "loss even at the lowest rate (--rate-min)";
	case SWEEP_AT_MAX: return "no loss up to the highest rate the sender reached";
	case SWEEP_ERROR: return "stopped: a trial failed to run";
	}
	return "?";
}
