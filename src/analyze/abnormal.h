/* abnormal.h: the rules that call one reading abnormal on its own (a table nearly full,
 * memory under pressure, events the tracer could not count). Collectors only report
 * values; these rules judge them, for doctor's findings and for stat's highlight alike,
 * so the two cannot disagree. Pure: no I/O. */
#ifndef DPTUNE_ABNORMAL_H
#define DPTUNE_ABNORMAL_H

#include <stdbool.h>
#include <stdint.h>
#include "../model/snapshot.h"

/* The conntrack table is (nearly) full: count at or above 90 % of max. A max of 0
 * (unknown) is never full. */
#define ANALYZE_CONNTRACK_FULL_PCT 90
bool analyze_conntrack_full(uint64_t count, uint64_t max);

/* UDP memory (sockstat's "UDP mem", pages) at or above the pressure threshold, the
 * second field of net.ipv4.udp_mem ("min pressure max"). A pressure of 0 never is. */
bool analyze_udp_mem_pressure(uint64_t pages, uint64_t pressure);

/* Whether row m of s is abnormal on its own: nf_conntrack_count by
 * analyze_conntrack_full() against the nf_conntrack_max of its namespace; udp_mem by
 * analyze_udp_mem_pressure() against the net.ipv4.udp_mem knob row of its namespace;
 * the drop tracer's drop_events_unaccounted and drop_events_missed when not 0 (the
 * drop-reason counts are incomplete). Collectors no longer set MF_ABNORMAL: this is
 * the only judge. m must point into s->m. */
bool analyze_row_abnormal(const struct snapshot *s, const struct metric *m);

#endif
