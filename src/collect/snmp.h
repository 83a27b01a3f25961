/* snmp.h: parsers for /proc/net/snmp, /proc/net/netstat (header/value line pairs) and
 * /proc/net/snmp6 (name value lines). They emit the IP and UDP layers' counters with
 * nstat's names (IpInDiscards, IpExtInNoRoutes, UdpRcvbufErrors, Udp6NoPorts...). */
#ifndef DPTUNE_SNMP_H
#define DPTUNE_SNMP_H

#include "../model/snapshot.h"

/* Parse a snmp or netstat buffer; returns the number of metrics added. Malformed pairs
 * (prefixes that differ, a non-number) are skipped. */
int snmp_parse_pairs(const char *buf, size_t len, struct snapshot *s, uint32_t ns);
/* Parse a snmp6 buffer; returns the number of metrics added. */
int snmp_parse_snmp6(const char *buf, size_t len, struct snapshot *s, uint32_t ns);

#endif
