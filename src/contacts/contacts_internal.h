/*
 * contacts internals: shared by the module's files, its unit tests and its
 * fuzz targets only.  Nothing outside src/contacts includes this.
 */
#ifndef IRIS_CONTACTS_INTERNAL_H
#define IRIS_CONTACTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "contacts/contacts.h"

/* ---- memory ---- */

/* Allocation helpers that abort on out-of-memory (process lifetime rule). */
void *cx_malloc(size_t n);
void *cx_calloc(size_t n, size_t size);
void *cx_realloc(void *p, size_t n);
char *cx_strndup(const char *s, size_t n);
char *cx_strdup(const char *s);
/* Grows *v (elements of size sz) so that it holds at least need elements. */
void cx_grow(void **v, size_t *cap, size_t need, size_t sz);

/* A bump allocator: strings of a book live here and are freed in one go. */
struct contacts_arena *cx_arena_new(void);
void cx_arena_free(struct contacts_arena *a);
void *cx_arena_alloc(struct contacts_arena *a, size_t n);
void cx_arena_adopt(struct contacts_arena *dst, struct contacts_arena *src);

/* A growable byte buffer. */
struct cx_buf {
	char *p;
	size_t len, cap;
};
void cx_buf_add(struct cx_buf *b, const char *s, size_t n);
void cx_buf_addc(struct cx_buf *b, char c);
void cx_buf_adds(struct cx_buf *b, const char *s);
/* Returns a NUL-terminated view (still owned by b). */
const char *cx_buf_cstr(struct cx_buf *b);
void cx_buf_free(struct cx_buf *b);

/* ---- text ---- */

/* Decodes one UTF-8 code point at s (len bytes left); returns its length
 * (0 when invalid) and the code point in *cp. */
size_t cx_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
size_t cx_utf8_encode(uint32_t cp, char out[4]);
bool cx_utf8_valid(const char *s, size_t len);
/* Re-reads bytes as Windows-1252, returning malloc'd UTF-8. */
char *cx_cp1252_to_utf8(const char *s, size_t len);
uint32_t cx_lower_cp(uint32_t cp);
uint32_t cx_upper_cp(uint32_t cp);
/* Lower-cases, strips accents (Latin), keeps [a-z0-9] and turns everything
 * else into single spaces, trimmed.  Result is malloc'd.  Used for keys. */
char *cx_fold(const char *s);
/* Same into a caller buffer; returns length (truncated at cap-1). */
size_t cx_fold_into(const char *s, char *out, size_t cap);
/* Trims ASCII white space and collapses internal runs into one space. */
char *cx_squeeze(const char *s);
bool cx_is_blank(const char *s);

/* ---- CSV (RFC 4180) ---- */

struct cx_csv_field {
	const char *p;
	size_t len;
};

enum {
	CX_ROW_QUOTE_REPAIRED = 1,
	CX_ROW_BAD_UTF8 = 2, /* set by the caller's check, not by the reader */
	CX_ROW_FIELD_TRUNCATED = 4,
	CX_ROW_REJECTED = 8, /* over max_row or max_columns: fields unusable */
};

struct cx_csv_row {
	struct cx_csv_field *f;
	size_t n;
	size_t line;   /* 1-based physical line where the row starts */
	unsigned flags;
	const char *raw; /* the row's bytes in the input */
	size_t raw_len;
};

struct cx_csv;
/* A reader over data (not copied; must outlive the reader).  A UTF-8 BOM is
 * skipped.  delimiter 0 detects it from the first line. */
struct cx_csv *cx_csv_new(const char *data, size_t len, char delimiter,
			  const struct contacts_limits *lim);
/* Reads the next row: 1 with a row, 0 at end.  Field memory is valid until
 * the next call.  Unquoted fields are trimmed of spaces. */
int cx_csv_next(struct cx_csv *r, struct cx_csv_row *row);
char cx_csv_delimiter(const struct cx_csv *r);
void cx_csv_free(struct cx_csv **r);
/* Writes one field, quoting it when it holds the delimiter, a quote, CR/LF
 * or leading/trailing space. */
void cx_csv_write_field(FILE *out, const char *s, char delimiter);

/* ---- names data ---- */

/* 'm', 'f', '?' (both) or 0 (unknown) for a folded first name. */
char cx_name_gender(const char *folded);
/* Canonical form of a nickname ("bill" -> "william"), or NULL. */
const char *cx_nickname_canon(const char *folded);

/* ---- e-mail lists ---- */
bool cx_domain_is_free(const char *domain);
bool cx_domain_is_disposable(const char *domain);
bool cx_local_is_role(const char *local);
/* Well-known domains for typo correction, NULL-terminated. */
extern const char *const cx_known_domains[];

/* ---- phone shim (C++ over libphonenumber) ---- */

/* Formats number as E.164 into out; returns 0 on success, -1 when it is
 * not a valid number.  type_r gets a static type name. */
int cx_phone_e164(const char *number, const char *region, char *out, size_t cap,
		  const char **type_r);

/* ---- de-duplication internals ---- */

/* Soundex of a folded word into out[5]. */
void cx_soundex(const char *folded, char out[5]);

/* Pre-computed comparison forms of a record (folded strings, digits); all
 * strings live in one allocation, buf. */
struct cx_prep {
	const char *first, *last, *first_canon, *email, *email_local, *email_domain, *phone,
		*company, *street_no, *street, *addr2, *city, *postcode, *birth, *natid;
	char *buf;
};
void cx_prep_init(struct cx_prep *p, const struct contact *c);
void cx_prep_free(struct cx_prep *p);
void cx_compare_prep(const struct cx_prep *a, const struct cx_prep *b,
		     uint8_t levels[CONTACTS_NCOMP]);
#define CX_MAX_KEYS 10
/* Blocking keys of a prepared record (hashes); returns how many (<= 12). */
size_t cx_block_keys(const struct cx_prep *p, uint32_t keys[CX_MAX_KEYS]);
/* Trains the model with EM over pattern counts; returns iterations. */
int cx_em_train(struct contacts_model *m, const uint32_t *patterns, const uint64_t *counts,
		size_t n);
uint32_t cx_pattern_pack(const uint8_t levels[CONTACTS_NCOMP]);
void cx_pattern_unpack(uint32_t p, uint8_t levels[CONTACTS_NCOMP]);
uint64_t cx_hash(const void *p, size_t n, uint64_t seed);

/* ---- changes ---- */
void cx_changes_add(struct contacts_changes *ch, size_t rec, enum contact_field f,
		    const char *before, const char *after, const char *why);

/* ---- JSON-ish helpers for export ---- */
void cx_json_string(FILE *out, const char *s);

#endif
