/* doctor_cmd.h: helpers of the doctor command exposed for tests. */
#ifndef DPTUNE_DOCTOR_CMD_H
#define DPTUNE_DOCTOR_CMD_H
#include <stddef.h>
#include <stdint.h>

/* Find the lost/sent packet counts in the last JSON document of a `dptune bench --json`
 * output (keys lost_packets and sent, at top level or under "forward", "summary" or
 * "end").
 * 0 or -ENOENT. */
int doctor_bench_lost(const char *buf, size_t len, uint64_t *lost, uint64_t *sent);

struct collect_engine;
#include "../model/delta.h"
#include "../analyze/ledger.h"
#include "../analyze/doctor.h"

/* One observation window: counters before and after, their delta, the drop ledger and
 * the findings; with a command, its exit status and the bench loss it printed. */
struct observation {
	struct snapshot a, b;
	struct delta d;
	struct ledger l;
	struct doctor_report rep;
	struct knob_owners owners;
	uint64_t lost, sent;
	bool have_lost;
	int cmd_rc;
};

/* Watch for duration seconds, or while cmdv runs (its stdout passed to stderr when
 * echo is set). 0, or -errno with err[] set. Stops early on *stop. */
int doctor_observe(struct collect_engine *eng, double duration, char **cmdv, bool echo,
		   volatile int *stop, struct observation *o, char *err, size_t errlen);
void observation_release(struct observation *o);

#endif
