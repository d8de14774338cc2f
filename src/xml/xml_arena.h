/*
 * xmpp/xml_arena: a bump allocator for one stanza's element tree, freed in
 * one go (h2o/Dovecot style).
 *
 * Every byte the arena takes from the system is counted against a cap, so a
 * parser can refuse a stanza the moment its in-memory form grows too big
 * instead of after it has been built. A cap of 0 means "no cap"; such an
 * arena aborts on out-of-memory like the x-helpers (process policy).
 */
#ifndef IRIS_XMPP_XML_ARENA_H
#define IRIS_XMPP_XML_ARENA_H

#include <stddef.h>

struct xml_arena;

/* Creates an empty arena that may take at most cap bytes (0 = unbounded).
 * Nothing is allocated until the first xml_arena_alloc(). */
struct xml_arena *xml_arena_new(size_t cap);

/* Returns size bytes aligned for any object, or NULL when the cap would be
 * passed. Memory stays valid until xml_arena_free(). */
void *xml_arena_alloc(struct xml_arena *arena, size_t size);

/* Copies n bytes of s into the arena and NUL-terminates; NULL over cap. */
char *xml_arena_strndup(struct xml_arena *arena, const char *s, size_t n);

/* Bytes taken from the system so far (block headers included). */
size_t xml_arena_used(const struct xml_arena *arena);

/* Frees every block and the arena; *arena is set to NULL. NULL is fine. */
void xml_arena_free(struct xml_arena **arena);

#endif
