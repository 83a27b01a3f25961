/* linkpeer.h: which device a link's IFLA_LINK names (a veth's peer, a macvlan's or vlan's
 * parent), also when that device lives in another namespace. The kernel reports only the
 * peer's ifindex and a link-netnsid that is local to the reporting namespace; this maps
 * them onto the namespaces of a snapshot without asking the kernel again. Pure. */
#ifndef DPTUNE_LINKPEER_H
#define DPTUNE_LINKPEER_H

#include "snapshot.h"

/* Fill peer[0..s->nlinks) with the index in s->links of the device each link's IFLA_LINK
 * names, or -1 when it names none or that device cannot be told for certain (its
 * namespace was not read, or two candidates fit equally). A veth whose peer is in another
 * namespace is matched by the pair being mutual (each names the other's ifindex); every
 * unique match teaches which namespace that link-netnsid stands for in the reporting
 * namespace, which then resolves the other links carrying it (ambiguous pairs, macvlan
 * or vlan parents). Never guesses: an ambiguity left over stays -1. */
void linkpeer_resolve(const struct snapshot *s, int *peer);

#endif
