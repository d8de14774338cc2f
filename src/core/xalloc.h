/*
 * core/xalloc: process-lifetime allocation helpers that abort on
 * out-of-memory (STYLE.md "Memory"), and secret buffers wiped on free.
 */
#ifndef IRIS_CORE_XALLOC_H
#define IRIS_CORE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; aborts on out-of-memory. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Wipes size bytes at ptr (not optimised away) and frees it. NULL is fine. */
void secret_free(void *ptr, size_t size);
/* Wipes size bytes in place. */
void secret_wipe(void *ptr, size_t size);

#endif
