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

#endif
