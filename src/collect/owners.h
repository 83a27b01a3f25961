/* owners.h: who else on this host changes datapath knobs (irqbalance rewrites IRQ
 * affinity, tuned may reapply sysctls), found by process name under proc_root. */
#ifndef DPTUNE_OWNERS_H
#define DPTUNE_OWNERS_H

#include "../analyze/doctor.h"

/* Fill o from proc_root ("/proc", or recorded files) and etc_root ("/etc"; tuned's active
 * profile). A directory that cannot be read leaves o empty: 0 or -errno. */
int owners_find(const char *proc_root, const char *etc_root, struct knob_owners *o);

/* The knob owner a process name stands for, set in o; false when none. Pure. */
bool owners_match(const char *comm, struct knob_owners *o);

#endif
