/* fuzz_webconfig.c: libFuzzer target for the parsers of outside input in `dptune
 * export`: the web config file (webconfig_parse), the --listen address
 * (exp_parse_listen) and a process's cgroup file (exp_cgroup_container). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "export/render.h"
#include "export/server.h"
#include "export/webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webconfig wc;
	char err[256], rt[32], id[16], *s;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (!webconfig_parse((const char *)data, size, "/etc", &wc, err, sizeof(err))) {
		if (!wc.cert_file != !wc.key_file || wc.nusers > WEBCONFIG_MAX_USERS)
			abort();
		for (size_t i = 0; i < wc.nusers; i++)
			if (strlen(wc.users[i].hash) != 60)
				abort();
		webconfig_release(&wc);
	} else if (strlen(err) >= sizeof(err)) {
		abort();
	}
	if (exp_cgroup_container((const char *)data, size, rt, sizeof(rt), id, sizeof(id)) &&
	    strlen(id) != 12)
		abort();
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	(void)exp_parse_listen(s, &ss, &sl);
	free(s);
	return 0;
}
