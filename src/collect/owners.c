/* owners.c: find the daemons that own knobs dptune would change, by process name. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "owners.h"

bool owners_match(const char *comm, struct knob_owners *o)
{
	if (!strcmp(comm, "irqbalance"))
		o->irqbalance = true;
	else if (!strcmp(comm, "tuned"))
		o->tuned = true;
	else
		return false;
	return true;
}

int owners_find(const char *proc_root, const char *etc_root, struct knob_owners *o)
{
	char path[512], comm[32];
	struct dirent *de;
	DIR *d;

	memset(o, 0, sizeof(*o));
	d = opendir(proc_root ? proc_root : "/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%.20s/comm", proc_root ? proc_root : "/proc",
			 de->d_name);
		if (read_small(path, comm, sizeof(comm)))
			continue;
		owners_match(comm, o);
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/tuned/active_profile", etc_root ? etc_root : "/etc");
	if (o->tuned && read_small(path, o->tuned_profile, sizeof(o->tuned_profile)))
		o->tuned_profile[0] = '\0';
	return 0;
}
