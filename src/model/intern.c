/* intern.c: open-addressing hash set of strings allocated from chunked arenas. */
#include <link.h>
#include <stdbool.h>
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

unsigned intern_gen = 1;
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

/* Pointers into this program's read-only segments (its string literals) mapped to their
 * interned copies: the bytes there can never change, so a literal passed to intern()
 * again costs one lookup instead of a hash and a compare (snap_add_full("udp_inuse"...)
 * in every namespace at every snapshot). No other pointer is cached: a buffer may be
 * reused with other text at the same address. */
#define LIT_BITS 10
static const char *lit_key[1u << LIT_BITS], *lit_val[1u << LIT_BITS];
static struct { uintptr_t lo, hi; } ro[4];
static int nro = -1; /* -1: segments not looked up yet */

static int ro_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	/* the first object is the program itself */
	for (int i = 0; i < info->dlpi_phnum && nro < (int)(sizeof(ro) / sizeof(ro[0])); i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && !(ph->p_flags & PF_W) && ph->p_memsz) {
			ro[nro].lo = info->dlpi_addr + ph->p_vaddr;
			ro[nro].hi = ro[nro].lo + ph->p_memsz;
			nro++;
		}
	}
	return 1;
}

static bool read_only(const char *s)
{
	uintptr_t a = (uintptr_t)s;

	if (nro < 0) {
		nro = 0;
		dl_iterate_phdr(ro_cb, NULL);
	}
	for (int i = 0; i < nro; i++)
		if (a >= ro[i].lo && a < ro[i].hi)
			return true;
	return false;
}

static size_t lit_slot(const char *p)
{
	return (size_t)(((uintptr_t)p * 0x9E3779B97F4A7C15ull) >> (64 - LIT_BITS));
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
	const char *p;
	size_t l;

	if (!s)
		return NULL;
	/* the small literal table first: it stays in cache, the other one often does not */
	l = lit_slot(s);
	if (lit_key[l] == s)
		return lit_val[l];
	if (known[known_slot(s)] == s)
		return s;
	p = intern_n(s, strlen(s));
	if (read_only(s)) {
		lit_key[l] = s;
		lit_val[l] = p;
	}
	return p;
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
	memset(lit_key, 0, sizeof(lit_key));
	intern_gen++;
}
