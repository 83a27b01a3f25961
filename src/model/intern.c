/* intern.c: open-addressing hash set of strings allocated from chunked arenas. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "intern.h"
#include "../core/util.h"

struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

static const char **slots;
static const char *empty; /* intern(""), the obj of most rows */
static size_t nslots, nused;
static struct chunk *chunks;

/* Interned pointers seen lately, direct-mapped by address: a hit proves the argument is
 * itself an interned string (they never move or change), so intern() of an interned
 * pointer costs no hashing. */
#define KNOWN_BITS 14
static const char *known[1u << KNOWN_BITS];

static size_t known_slot(const char *p)
{
	return (size_t)(((uintptr_t)p * 0x9E3779B97F4A7C15ull) >> (64 - KNOWN_BITS));
}

static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static char *arena_alloc(size_t n)
{
	struct chunk *c = chunks;

	if (!c || c->size - c->used < n) {
		size_t sz = n > 65536 ? n : 65536;

		c = xmalloc(sizeof(*c) + sz);
		c->size = sz;
		c->used = 0;
		c->next = chunks;
		chunks = c;
	}
	c->used += n;
	return c->data + c->used - n;
}

static void rehash(void)
{
	size_t n = nslots ? nslots * 2 : 1024;
	const char **ns = xcalloc(n, sizeof(*ns));

	for (size_t i = 0; i < nslots; i++) {
		if (!slots[i])
			continue;
		size_t j = hash_str(slots[i], strlen(slots[i])) & (n - 1);

		while (ns[j])
			j = (j + 1) & (n - 1);
		ns[j] = slots[i];
	}
	free(slots);
	slots = ns;
	nslots = n;
}

const char *intern_n(const char *s, size_t n)
{
	size_t j;
	char *p;

	if (!s)
		return NULL;
	if ((nused + 1) * 2 > nslots)
		rehash();
	j = hash_str(s, n) & (nslots - 1);
	while (slots[j]) {
		if (!strncmp(slots[j], s, n) && slots[j][n] == '\0') {
			known[known_slot(slots[j])] = slots[j];
			return slots[j];
		}
		j = (j + 1) & (nslots - 1);
	}
	p = arena_alloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	slots[j] = p;
	nused++;
	known[known_slot(p)] = p;
	return p;
}

const char *intern_empty(void)
{
	if (!empty)
		empty = intern_n("", 0);
	return empty;
}

const char *intern(const char *s)
{
	if (!s)
		return NULL;
	if (known[known_slot(s)] == s)
		return s;
	return intern_n(s, strlen(s));
}

void intern_free_all(void)
{
	while (chunks) {
		struct chunk *c = chunks->next;

		free(chunks);
		chunks = c;
	}
	free(slots);
	slots = NULL;
	nslots = nused = 0;
	empty = NULL;
	memset(known, 0, sizeof(known));
}
