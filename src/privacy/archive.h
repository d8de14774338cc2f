/*
 * privacy/archive: a small POSIX ustar writer and reader for the portable
 * export (P-DSR-5). The writer builds the archive in memory; the reader
 * walks an untrusted archive with strict bounds: regular files only, names
 * of at most 100 bytes made of [A-Za-z0-9._/-] without "..", no absolute
 * paths, sizes within the buffer, checksums verified.
 */
#ifndef IRIS_PRIVACY_ARCHIVE_H
#define IRIS_PRIVACY_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

struct archive_writer {
	unsigned char *buf;
	size_t len, cap;
};

/* Appends one regular file (mode 0600, mtime). Returns 0, -1 on a bad name. */
int archive_add(struct archive_writer *w, const char *name, const void *data, size_t len,
                int64_t mtime);
/* Writes the two zero blocks; the archive is w->buf, w->len bytes (caller
 * frees w->buf). */
void archive_finish(struct archive_writer *w);
void archive_writer_free(struct archive_writer *w);

/* Calls fn for every file of the archive (data points into buf). Returns 0,
 * or -1 when the archive is malformed (fn may have been called for earlier
 * files) or fn returned non-zero. At most max_files files. */
int archive_each(const void *buf, size_t len, unsigned max_files,
                 int (*fn)(const char *name, const unsigned char *data, size_t len, void *ctx),
                 void *ctx);
/* The data of file name in the archive, or NULL. */
const unsigned char *archive_find(const void *buf, size_t len, const char *name, size_t *len_r);

#endif
