/*
 * xmpp/xml_arena: see xml_arena.h.
 */
#include "xml/xml_arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* First block size; later blocks double up to XML_ARENA_BLOCK_MAX so that a
 * small stanza costs one malloc and a big one a handful. */
#define XML_ARENA_BLOCK_MIN 1024
#define XML_ARENA_BLOCK_MAX (64 * 1024)
#define XML_ARENA_ALIGN alignof(max_align_t)

struct xml_arena_block {
	struct xml_arena_block *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct xml_arena {
	struct xml_arena_block *head; /* the block being filled */
	size_t cap;
	size_t total; /* bytes taken from malloc, headers included */
	size_t next_block;
};

struct xml_arena *xml_arena_new(size_t cap)
{
	struct xml_arena *arena = xcalloc(1, sizeof(*arena));

	arena->cap = cap;
	arena->next_block = XML_ARENA_BLOCK_MIN;
	return arena;
}

/* Adds a block able to hold at least size bytes; NULL when over the cap. */
static struct xml_arena_block *arena_grow(struct xml_arena *arena, size_t size)
{
	size_t want = arena->next_block > size ? arena->next_block : size;
	size_t bytes;
	struct xml_arena_block *block;

	if (want > SIZE_MAX - sizeof(*block))
		return NULL;
	bytes = sizeof(*block) + want;
	if (arena->cap != 0 && bytes > arena->cap - arena->total) {
		/* The doubling block would not fit: try exactly what is needed. */
		bytes = sizeof(*block) + size;
		if (arena->cap - arena->total < bytes || arena->cap < arena->total)
			return NULL;
		want = size;
	}
	block = arena->cap != 0 ? malloc(bytes) : xmalloc(bytes);
	if (block == NULL)
		return NULL;
	block->next = arena->head;
	block->size = want;
	block->used = 0;
	arena->head = block;
	arena->total += bytes;
	if (arena->next_block < XML_ARENA_BLOCK_MAX)
		arena->next_block *= 2;
	return block;
}

void *xml_arena_alloc(struct xml_arena *arena, size_t size)
{
	struct xml_arena_block *block = arena->head;
	size_t rounded;
	void *p;

	if (size > SIZE_MAX - XML_ARENA_ALIGN)
		return NULL;
	rounded = (size + XML_ARENA_ALIGN - 1) & ~(size_t)(XML_ARENA_ALIGN - 1);
	if (rounded == 0)
		rounded = XML_ARENA_ALIGN;
	if (block == NULL || block->size - block->used < rounded) {
		block = arena_grow(arena, rounded);
		if (block == NULL)
			return NULL;
	}
	p = block->data + block->used;
	block->used += rounded;
	return p;
}

char *xml_arena_strndup(struct xml_arena *arena, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		return NULL;
	p = xml_arena_alloc(arena, n + 1);
	if (p == NULL)
		return NULL;
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

size_t xml_arena_used(const struct xml_arena *arena)
{
	return arena->total;
}

void xml_arena_free(struct xml_arena **arena_p)
{
	struct xml_arena *arena = *arena_p;
	struct xml_arena_block *block, *next;

	if (arena == NULL)
		return;
	for (block = arena->head; block != NULL; block = next) {
		next = block->next;
		free(block);
	}
	free(arena);
	*arena_p = NULL;
}
