/* vocab.c: checks behind the shared options of vocab.h that need more than a range. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "vocab.h"
#include "../model/snapshot.h"

int vocab_layer_cb(const struct opt *o, const char *arg, void *data, char *err, size_t n)
{
	char buf[256], *tok, *save;

	if (!arg[0] || strlen(arg) >= sizeof(buf)) {
		snprintf(err, n, "need a comma list of layers");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (layer_from_name(tok) < 0) {
			snprintf(err, n, "unknown layer '%s' (layers: nic, irq, softirq, backlog, "
				 "qdisc, vdev, netfilter, ip, udp, socket)", tok);
			return -1;
		}
	}
	*(const char **)data = arg;
	return 0;
}

int vocab_dir_cb(const struct opt *o, const char *arg, void *data, char *err, size_t n)
{
	struct stat st;

	if (stat(arg, &st)) {
		snprintf(err, n, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, n, "not a directory");
		return -1;
	}
	*(const char **)data = arg;
	return 0;
}

int vocab_cpus_cb(const struct opt *o, const char *arg, void *data, char *err, size_t n)
{
	struct vocab_cpus *v = data;
	cpu_set_t allowed;
	int cnt;

	cnt = engine_parse_cpus(arg, v->ids, v->max);
	if (cnt <= 0) {
		snprintf(err, n, "need a list like 0,2-3 of at most %d CPUs", v->max);
		return -1;
	}
	CPU_ZERO(&allowed);
	if (sched_getaffinity(0, sizeof(allowed), &allowed)) {
		snprintf(err, n, "cannot read this process's CPUs: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < cnt; i++) {
		if (!CPU_ISSET(v->ids[i], &allowed)) {
			snprintf(err, n, "CPU %d is not one this process may use (it may use %d "
				 "CPUs; see taskset -p $$ or /sys/devices/system/cpu/online)",
				 v->ids[i], CPU_COUNT(&allowed));
			return -1;
		}
	}
	*v->n = cnt;
	return 0;
}

unsigned vocab_layer_mask(const char *list)
{
	char buf[256], *save = NULL, *tok;
	unsigned mask = 0;

	if (!list)
		return 0;
	snprintf(buf, sizeof(buf), "%s", list); /* checked by vocab_layer_cb */
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		mask |= 1u << layer_from_name(tok);
	return mask;
}
