/* contacts/util: allocation helpers, the string arena and a byte buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts_internal.h"

/* Out of memory is fatal at process lifetime (STYLE.md "Memory"). */
static void cx_oom(void)
{
	fputs("contacts: out of memory\n", stderr);
	abort();
}

void *cx_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		cx_oom();
	return p;
}

void *cx_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		cx_oom();
	return p;
}

void *cx_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		cx_oom();
	return q;
}

char *cx_strndup(const char *s, size_t n)
{
	char *p = cx_malloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *cx_strdup(const char *s)
{
	return cx_strndup(s, strlen(s));
}

/* Doubles the capacity until need fits; aborts on size overflow. */
void cx_grow(void **v, size_t *cap, size_t need, size_t sz)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 16;
	while (c < need) {
		if (c > SIZE_MAX / 2 / sz)
			cx_oom();
		c *= 2;
	}
	*v = cx_realloc(*v, c * sz);
	*cap = c;
}

/* Arena: a chain of 1 MiB chunks; big requests get their own chunk. */
struct cx_chunk {
	struct cx_chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct contacts_arena {
	struct cx_chunk *head;
};

#define CX_CHUNK (1u << 20)

struct contacts_arena *cx_arena_new(void)
{
	return cx_calloc(1, sizeof(struct contacts_arena));
}

void cx_arena_free(struct contacts_arena *a)
{
	if (a == NULL)
		return;
	for (struct cx_chunk *c = a->head, *n; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	free(a);
}

/* Returns n bytes aligned to 8 that live as long as the arena. */
void *cx_arena_alloc(struct contacts_arena *a, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	struct cx_chunk *c = a->head;
	if (c == NULL || c->size - c->used < n) {
		size_t size = n > CX_CHUNK / 4 ? n : CX_CHUNK;
		struct cx_chunk *nc = cx_malloc(sizeof(*nc) + size);
		nc->used = 0;
		nc->size = size;
		if (size == n && c != NULL) {
			/* keep the current chunk in front for small allocations */
			nc->next = c->next;
			c->next = nc;
		} else {
			nc->next = c;
			a->head = nc;
		}
		c = nc;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

void cx_buf_add(struct cx_buf *b, const char *s, size_t n)
{
	cx_grow((void **)&b->p, &b->cap, b->len + n + 1, 1);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void cx_buf_addc(struct cx_buf *b, char c)
{
	cx_buf_add(b, &c, 1);
}

void cx_buf_adds(struct cx_buf *b, const char *s)
{
	cx_buf_add(b, s, strlen(s));
}

const char *cx_buf_cstr(struct cx_buf *b)
{
	if (b->p == NULL)
		cx_buf_add(b, "", 0);
	return b->p;
}

void cx_buf_free(struct cx_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* 64-bit FNV-1a mixed with a final avalanche; good enough for block keys. */
uint64_t cx_hash(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ull ^ seed;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

void cx_changes_add(struct contacts_changes *ch, size_t rec, enum contact_field f,
		    const char *before, const char *after, const char *why)
{
	if (ch == NULL)
		return;
	cx_grow((void **)&ch->v, &ch->cap, ch->n + 1, sizeof(*ch->v));
	struct contacts_change *c = &ch->v[ch->n++];
	c->rec = rec;
	c->field = f;
	c->before = before ? cx_strdup(before) : NULL;
	c->after = after ? cx_strdup(after) : NULL;
	c->why = why;
}

void contacts_changes_free(struct contacts_changes *ch)
{
	if (ch == NULL)
		return;
	for (size_t i = 0; i < ch->n; i++) {
		free(ch->v[i].before);
		free(ch->v[i].after);
	}
	free(ch->v);
	ch->v = NULL;
	ch->n = ch->cap = 0;
}

/* Writes s as a JSON string literal, escaping controls, quote and backslash. */
void cx_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* Moves every chunk of src into dst (src is left empty, still usable). */
void cx_arena_adopt(struct contacts_arena *dst, struct contacts_arena *src)
{
	struct cx_chunk **tail = &src->head;
	while (*tail != NULL)
		tail = &(*tail)->next;
	if (src->head == NULL)
		return;
	/* append dst's chain after src's, and keep src's current chunk first */
	*tail = dst->head;
	dst->head = src->head;
	src->head = NULL;
}
