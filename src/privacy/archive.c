/* privacy/archive: POSIX ustar (see archive.h). */
#include "privacy/archive.h"
#include "core/xalloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 512

static bool name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > 99 || name[0] == '/' || strstr(name, "..") != NULL)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '/'))
			return false;
	}
	return true;
}

static void reserve(struct archive_writer *w, size_t more)
{
	if (w->len + more <= w->cap)
		return;
	size_t cap = w->cap ? w->cap : 16 * BLOCK;
	while (cap < w->len + more)
		cap *= 2;
	w->buf = xrealloc(w->buf, cap);
	w->cap = cap;
}

static unsigned checksum(const unsigned char *h)
{
	unsigned sum = 0;
	for (size_t i = 0; i < BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum;
}

int archive_add(struct archive_writer *w, const char *name, const void *data, size_t len,
                int64_t mtime)
{
	if (!name_ok(name) || len > 077777777777ull)
		return -1;
	size_t padded = (len + BLOCK - 1) / BLOCK * BLOCK;
	reserve(w, BLOCK + padded);
	unsigned char *h = w->buf + w->len;
	memset(h, 0, BLOCK + padded);
	memcpy(h, name, strlen(name));
	snprintf((char *)h + 100, 8, "%07o", 0600);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)len);
	/* ustar holds 11 octal digits: a time past year 6000 is clamped */
	unsigned long long t = mtime > 0 ? (unsigned long long)mtime : 0;
	snprintf((char *)h + 136, 12, "%011llo", t > 077777777777ull ? 077777777777ull : t);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "iris", 4);
	memcpy(h + 297, "iris", 4);
	snprintf((char *)h + 148, 8, "%06o", checksum(h));
	h[155] = ' ';
	if (len > 0)
		memcpy(h + BLOCK, data, len);
	w->len += BLOCK + padded;
	return 0;
}

void archive_finish(struct archive_writer *w)
{
	reserve(w, 2 * BLOCK);
	memset(w->buf + w->len, 0, 2 * BLOCK);
	w->len += 2 * BLOCK;
}

void archive_writer_free(struct archive_writer *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

/* Parses an octal field of n bytes (NUL/space terminated); -1 if invalid. */
static long long octal(const unsigned char *f, size_t n)
{
	long long v = 0;
	size_t i = 0;
	while (i < n && f[i] == ' ')
		i++;
	if (i == n || f[i] < '0' || f[i] > '7')
		return -1;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (1ll << 40))
			return -1;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	return v;
}

static bool zero_block(const unsigned char *h)
{
	for (size_t i = 0; i < BLOCK; i++)
		if (h[i] != 0)
			return false;
	return true;
}

int archive_each(const void *buf, size_t len, unsigned max_files,
                 int (*fn)(const char *name, const unsigned char *data, size_t len, void *ctx),
                 void *ctx)
{
	const unsigned char *p = buf;
	size_t off = 0;
	unsigned files = 0;
	while (off + BLOCK <= len) {
		const unsigned char *h = p + off;
		char name[101];
		if (zero_block(h))
			return 0;
		long long size = octal(h + 124, 12), sum = octal(h + 148, 8);
		if (size < 0 || sum < 0 || (unsigned)sum != checksum(h))
			return -1;
		memcpy(name, h, 100);
		name[100] = '\0';
		if (memchr(h, '\0', 100) == NULL || h[345] != '\0') /* no prefix field use */
			return -1;
		off += BLOCK;
		if ((size_t)size > len - off)
			return -1;
		char type = (char)h[156];
		if (type == '0' || type == '\0') {
			if (!name_ok(name) || ++files > max_files)
				return -1;
			if (fn(name, p + off, (size_t)size, ctx) != 0)
				return -1;
		} else if (type != '5') { /* directories are skipped, anything else refused */
			return -1;
		}
		off += ((size_t)size + BLOCK - 1) / BLOCK * BLOCK;
	}
	return off >= len ? 0 : -1;
}

struct find_ctx {
	const char *name;
	const unsigned char *data;
	size_t len;
};

static int find_fn(const char *name, const unsigned char *data, size_t len, void *ctx)
{
	struct find_ctx *f = ctx;
	if (f->data == NULL && strcmp(name, f->name) == 0) {
		f->data = data;
		f->len = len;
	}
	return 0;
}

const unsigned char *archive_find(const void *buf, size_t len, const char *name, size_t *len_r)
{
	struct find_ctx f = {name, NULL, 0};
	if (archive_each(buf, len, 100000, find_fn, &f) < 0)
		return NULL;
	*len_r = f.len;
	return f.data;
}
