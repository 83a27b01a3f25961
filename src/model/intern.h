/* intern.h: a process-wide string pool. Equal strings get the same pointer, so metric
 * keys from two snapshots compare by pointer and hash cheaply. */
#ifndef DPTUNE_INTERN_H
#define DPTUNE_INTERN_H
#include <stddef.h>

/* intern(""), without looking it up. */
const char *intern_empty(void);
const char *intern(const char *s);
const char *intern_n(const char *s, size_t n);
void intern_free_all(void); /* at exit, for leak checkers */

/* Bumped by intern_free_all(): a pointer kept from an older pool is stale. */
extern unsigned intern_gen;

/* intern() of a string literal, kept in a static at the call site: one compare per call
 * instead of a lookup (for rows emitted in every namespace at every snapshot). */
#define INTERN_LIT(lit)                                                              \
	({                                                                           \
		static const char *lit_p_;                                           \
		static unsigned lit_g_;                                              \
		if (lit_g_ != intern_gen || !lit_p_) {                               \
			lit_p_ = intern(lit);                                        \
			lit_g_ = intern_gen;                                         \
		}                                                                    \
		lit_p_;                                                              \
	})

#endif
