/* webconfig.h: the web configuration file of `dptune export --web.config.file`, in the
 * form node_exporter (prometheus/exporter-toolkit) reads: TLS certificate and key, and
 * basic-auth users with bcrypt password hashes. A small YAML subset: two-level block
 * mappings, plain or quoted scalars, comments. Unknown keys are refused, so a setting
 * this exporter does not implement is never silently ignored. */
#ifndef DPTUNE_WEBCONFIG_H
#define DPTUNE_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define WEBCONFIG_MAX_USERS 64

struct webconfig_user {
	char *name, *hash;
};

struct webconfig {
	char *cert_file, *key_file; /* absolute, or relative to the file's directory */
	struct webconfig_user users[WEBCONFIG_MAX_USERS];
	size_t nusers;
};

/* Parse a buffer (the file's text). base_dir resolves relative paths (NULL: as given).
 * 0, or -EINVAL with err saying what and on which line. */
int webconfig_parse(const char *buf, size_t len, const char *base_dir, struct webconfig *wc,
		    char *err, size_t errlen);
/* Read and parse a file. 0 or -errno with err. */
int webconfig_load(const char *path, struct webconfig *wc, char *err, size_t errlen);
void webconfig_release(struct webconfig *wc);

/* Check user/password against the configured bcrypt hashes with crypt(3). */
bool webconfig_check(const struct webconfig *wc, const char *user, const char *password);

#endif
