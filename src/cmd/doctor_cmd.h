/* doctor_cmd.h: helpers of the doctor command exposed for tests. */
#ifndef DPTUNE_DOCTOR_CMD_H
#define DPTUNE_DOCTOR_CMD_H
#include <stddef.h>
#include <stdint.h>

/* Find the lost/sent packet counts in the last JSON document of a `dptune bench --json`
 * output (keys lost_packets and packets, at top level or under "summary" or "end").
 * 0 or -ENOENT. */
int doctor_bench_lost(const char *buf, size_t len, uint64_t *lost, uint64_t *sent);

#endif
