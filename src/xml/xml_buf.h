/*
 * xmpp/xml_buf: a growable output buffer and the XML escaping rules.
 *
 * The buffer grows with the x-helpers (aborts on out-of-memory); output
 * limits per connection belong to the connection code, which checks
 * xml_buf->len before queueing more.
 */
#ifndef IRIS_XMPP_XML_BUF_H
#define IRIS_XMPP_XML_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct xml_buf {
	char *data; /* NUL-terminated when len > 0 or after xml_buf_cstr() */
	size_t len;
	size_t cap;
};

#define XML_BUF_INIT                                                                               \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void xml_buf_init(struct xml_buf *buf);
/* Frees the storage; the buffer may be used again after. */
void xml_buf_free(struct xml_buf *buf);
/* Empties the buffer, keeping its storage. */
void xml_buf_reset(struct xml_buf *buf);
/* Cuts the buffer back to len bytes (len <= buf->len). */
void xml_buf_truncate(struct xml_buf *buf, size_t len);
void xml_buf_append(struct xml_buf *buf, const void *data, size_t len);
void xml_buf_append_str(struct xml_buf *buf, const char *s);
/* The contents as a NUL-terminated string (never NULL). */
const char *xml_buf_cstr(struct xml_buf *buf);

/*
 * True when s[0..len) is UTF-8 made only of characters XML 1.0 allows
 * (Char production: tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD,
 * U+10000-U+10FFFF), with no overlong forms or surrogates.
 */
bool xml_valid_chars(const char *s, size_t len);

/*
 * Appends s escaped for character data: & < > become entity references
 * (so "]]>" can never appear) and CR becomes &#13; so it survives
 * line-end normalisation. Returns -1 (buffer unchanged) when s is not
 * valid XML characters (see xml_valid_chars).
 */
int xml_buf_append_text(struct xml_buf *buf, const char *s, size_t len);

/*
 * Appends s escaped for an attribute value in either quote style: & < > " '
 * and TAB, LF, CR as character references (attribute-value normalisation
 * would otherwise turn them into spaces). -1 (unchanged) on invalid chars.
 */
int xml_buf_append_attr(struct xml_buf *buf, const char *s, size_t len);

#endif
