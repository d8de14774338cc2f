/*
 * libFuzzer target: an uploaded archive into the ustar reader
 * (privacy/archive), as POST /api/v1/tenants/{id}/import walks it
 * (archive_each, then archive_find for manifest.json and the data files).
 *
 * Asserted: every file handed over lies inside the input buffer and has a
 * name the reader promises (1 to 99 bytes of [A-Za-z0-9._/-], no "..",
 * not absolute); archive_each never reports more than max_files files;
 * archive_find agrees with archive_each. Then every accepted file is
 * written again with the writer and read back: same names, same bytes.
 */
#include "privacy/archive.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILES 64

struct seen {
	const uint8_t *buf;
	size_t size;
	unsigned files;
	const unsigned char *data[MAX_FILES];
	size_t len[MAX_FILES];
	struct archive_writer again;
};

static void check_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 99 || name[0] == '/' || strstr(name, "..") != NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '/'))
			abort();
	}
}

static int on_file(const char *name, const unsigned char *d, size_t len, void *ctx)
{
	struct seen *s = ctx;
	check_name(name);
	if (d < s->buf || len > s->size || d - s->buf > (ptrdiff_t)(s->size - len))
		abort(); /* outside the input */
	if (s->files >= MAX_FILES)
		abort(); /* more than max_files */
	s->data[s->files] = d;
	s->len[s->files] = len;
	s->files++;
	if (archive_add(&s->again, name, d, len, 1700000000) != 0)
		abort(); /* a name the reader accepts, the writer must accept */
	return 0;
}

struct again_ctx {
	const struct seen *first;
	unsigned i;
};

static int on_again(const char *name, const unsigned char *d, size_t len, void *ctx)
{
	struct again_ctx *a = ctx;
	if (a->i >= a->first->files || len != a->first->len[a->i] ||
	    memcmp(d, a->first->data[a->i], len) != 0)
		abort();
	(void)name;
	a->i++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = {.buf = data, .size = size};
	int rc = archive_each(data, size, MAX_FILES, on_file, &s);
	if (rc == 0) {
		/* archive_find sees the same archive (its own larger bound) */
		size_t n = 0;
		const unsigned char *m = archive_find(data, size, "manifest.json", &n);
		if (m != NULL && (m < data || n > size || m - data > (ptrdiff_t)(size - n)))
			abort();
		if (s.files > 0 && archive_find(data, size, "\x01", &n) != NULL)
			abort(); /* no such name can be in an archive */
		/* what was read is written and read again to the same files */
		struct again_ctx a = {&s, 0};
		archive_finish(&s.again);
		if (archive_each(s.again.buf, s.again.len, MAX_FILES, on_again, &a) != 0 ||
		    a.i != s.files)
			abort();
	}
	archive_writer_free(&s.again);
	return 0;
}
