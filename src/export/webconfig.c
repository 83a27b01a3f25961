/* webconfig.c: node_exporter's --web.config.file format, the parts dptune serves
 * (webconfig.h). */
#include <crypt.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "webconfig.h"
#include "../core/util.h"

void webconfig_release(struct webconfig *wc)
{
	free(wc->cert_file);
	free(wc->key_file);
	for (size_t i = 0; i < wc->nusers; i++) {
		free(wc->users[i].name);
		free(wc->users[i].hash);
	}
	memset(wc, 0, sizeof(*wc));
}

/* A scalar: 'single' ('' is a quote), "double" (\" \\ \n \t), or plain up to a comment.
 * Writes into out; returns 0 or -1 (unterminated quote, junk after it). */
static int scalar(const char *s, char *out, size_t n)
{
	size_t o = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\'' || *s == '"') {
		char q = *s++;

		for (;; s++) {
			char c = *s;

			if (!c)
				return -1;
			if (c == q) {
				if (q == '\'' && s[1] == '\'') {
					s++; /* '' inside single quotes */
				} else {
					break;
				}
			} else if (q == '"' && c == '\\') {
				s++;
				c = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
				if (!c)
					return -1;
			}
			if (o + 1 >= n)
				return -1;
			out[o++] = c;
		}
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s && *s != '#')
			return -1;
		out[o] = '\0';
		return 0;
	}
	for (; *s && !(*s == '#' && (o == 0 || out[o - 1] == ' ' || out[o - 1] == '\t')); s++) {
		if (o + 1 >= n)
			return -1;
		out[o++] = *s;
	}
	while (o && (out[o - 1] == ' ' || out[o - 1] == '\t'))
		o--;
	out[o] = '\0';
	return 0;
}

static char *resolve(const char *base, const char *p)
{
	if (!base || p[0] == '/')
		return xstrdup(p);
	return xasprintf("%s/%s", base, p);
}

static bool bcrypt_hash(const char *h)
{
	/* $2a$, $2b$, $2y$ then a two-digit cost, '$' and 53 characters */
	return strlen(h) == 60 && h[0] == '$' && h[1] == '2' && strchr("aby", h[2]) &&
	       h[3] == '$' && h[6] == '$';
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); r = -EINVAL; goto out; } while (0)

int webconfig_parse(const char *buf, size_t len, const char *base_dir, struct webconfig *wc,
		    char *err, size_t errlen)
{
	enum { SEC_NONE, SEC_TLS, SEC_USERS } sec = SEC_NONE;
	char *text = xmalloc(len + 1), *save = NULL, *line;
	unsigned lineno = 0;
	int r = 0;

	memset(wc, 0, sizeof(*wc));
	memcpy(text, buf, len);
	text[len] = '\0';
	if (strlen(text) != len) {
		free(text);
		snprintf(err, errlen, "a NUL byte in the file");
		return -EINVAL;
	}
	for (line = text; line; line = save) {
		char *nl = strchr(line, '\n'), *colon, key[256], val[1024];
		size_t indent = 0, kl;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		if (nl && nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		while (line[indent] == ' ')
			indent++;
		if (line[indent] == '\t')
			FAIL("line %u: a tab in the indentation (YAML allows spaces only)", lineno);
		if (!line[indent] || line[indent] == '#')
			continue;
		if (!strcmp(line + indent, "---") && !indent)
			continue;
		colon = strstr(line + indent, ": ");
		if (!colon) {
			size_t l = strlen(line);

			if (l && line[l - 1] == ':')
				colon = line + l - 1;
		}
		if (!colon)
			FAIL("line %u: expected 'key: value'", lineno);
		kl = (size_t)(colon - (line + indent));
		if (!kl || kl >= sizeof(key))
			FAIL("line %u: empty or too long key", lineno);
		memcpy(key, line + indent, kl);
		key[kl] = '\0';
		if ((key[0] == '"' || key[0] == '\'') && kl >= 2 && key[kl - 1] == key[0]) {
			memmove(key, key + 1, kl - 2);
			key[kl - 2] = '\0';
		}
		if (scalar(colon + 1, val, sizeof(val)))
			FAIL("line %u: malformed value (an unterminated quote, or too long)", lineno);
		if (!indent) {
			if (!strcmp(key, "tls_server_config"))
				sec = SEC_TLS;
			else if (!strcmp(key, "basic_auth_users"))
				sec = SEC_USERS;
			else
				FAIL("line %u: '%s' is not supported (dptune export reads "
				     "tls_server_config: cert_file, key_file and basic_auth_users)",
				     lineno, key);
			if (val[0] && strcmp(val, "{}") && strcmp(val, "null") && strcmp(val, "~"))
				FAIL("line %u: '%s' takes an indented block, not a value", lineno, key);
			continue;
		}
		if (sec == SEC_NONE)
			FAIL("line %u: indented '%s' outside a section", lineno, key);
		if (!val[0])
			FAIL("line %u: '%s' has no value", lineno, key);
		if (sec == SEC_TLS) {
			char **dst = !strcmp(key, "cert_file") ? &wc->cert_file :
				     !strcmp(key, "key_file") ? &wc->key_file : NULL;

			if (!dst)
				FAIL("line %u: tls_server_config '%s' is not supported (only "
				     "cert_file and key_file)", lineno, key);
			if (*dst)
				FAIL("line %u: '%s' given twice", lineno, key);
			*dst = resolve(base_dir, val);
		} else {
			if (wc->nusers >= WEBCONFIG_MAX_USERS)
				FAIL("line %u: more than %d users", lineno, WEBCONFIG_MAX_USERS);
			if (strchr(key, ':'))
				FAIL("line %u: a user name cannot hold ':'", lineno);
			for (size_t i = 0; i < wc->nusers; i++)
				if (!strcmp(wc->users[i].name, key))
					FAIL("line %u: user '%s' given twice", lineno, key);
			if (!bcrypt_hash(val))
				FAIL("line %u: the password of '%s' is not a bcrypt hash ($2y$..., "
				     "as htpasswd -nbB prints)", lineno, key);
			wc->users[wc->nusers].name = xstrdup(key);
			wc->users[wc->nusers].hash = xstrdup(val);
			wc->nusers++;
		}
	}
	if (!wc->cert_file != !wc->key_file)
		FAIL("tls_server_config needs both cert_file and key_file");
out:
	free(text);
	if (r)
		webconfig_release(wc);
	return r;
}

int webconfig_load(const char *path, struct webconfig *wc, char *err, size_t errlen)
{
	struct strbuf sb;
	char *dir, *dcopy;
	int r;

	sb_init(&sb);
	r = read_file_sb(path, &sb, 1 << 20);
	if (r) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		sb_release(&sb);
		return r;
	}
	dcopy = xstrdup(path);
	dir = dirname(dcopy);
	{
		char e2[256];

		r = webconfig_parse(sb.buf ? sb.buf : "", sb.len, dir, wc, e2, sizeof(e2));
		if (r)
			snprintf(err, errlen, "%s: %s", path, e2);
	}
	free(dcopy);
	sb_release(&sb);
	return r;
}

bool webconfig_check(const struct webconfig *wc, const char *user, const char *password)
{
	for (size_t i = 0; i < wc->nusers; i++) {
		struct crypt_data cd;
		const char *h;
		size_t n;
		unsigned char diff = 0;

		if (strcmp(wc->users[i].name, user))
			continue;
		memset(&cd, 0, sizeof(cd));
		h = crypt_r(password, wc->users[i].hash, &cd);
		if (!h || h[0] == '*')
			return false;
		n = strlen(wc->users[i].hash);
		if (strlen(h) != n)
			return false;
		for (size_t k = 0; k < n; k++)
			diff |= (unsigned char)(h[k] ^ wc->users[i].hash[k]);
		return diff == 0;
	}
	return false;
}
