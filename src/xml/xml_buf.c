/*
 * xmpp/xml_buf: see xml_buf.h.
 */
#include "xml/xml_buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void xml_buf_init(struct xml_buf *buf)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

void xml_buf_free(struct xml_buf *buf)
{
	free(buf->data);
	xml_buf_init(buf);
}

void xml_buf_reset(struct xml_buf *buf)
{
	xml_buf_truncate(buf, 0);
}

void xml_buf_truncate(struct xml_buf *buf, size_t len)
{
	if (len < buf->len) {
		buf->len = len;
		buf->data[len] = '\0';
	}
}

/* Makes room for extra more bytes plus the NUL. */
static void buf_reserve(struct xml_buf *buf, size_t extra)
{
	size_t need, cap;

	if (extra > SIZE_MAX - buf->len - 1)
		abort();
	need = buf->len + extra + 1;
	if (need <= buf->cap)
		return;
	cap = buf->cap < 256 ? 256 : buf->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	buf->data = xrealloc(buf->data, cap);
	buf->cap = cap;
}

void xml_buf_append(struct xml_buf *buf, const void *data, size_t len)
{
	buf_reserve(buf, len);
	if (len > 0)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

void xml_buf_append_str(struct xml_buf *buf, const char *s)
{
	xml_buf_append(buf, s, strlen(s));
}

const char *xml_buf_cstr(struct xml_buf *buf)
{
	if (buf->data == NULL) {
		buf_reserve(buf, 0);
		buf->data[0] = '\0';
	}
	return buf->data;
}

/* Decodes one UTF-8 sequence at s (n bytes available); returns its length
 * and the code point in *cp, or 0 when malformed, overlong or a surrogate. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0)
		len = 2, c = s[0] & 0x1F, min = 0x80;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3, c = s[0] & 0x0F, min = 0x800;
	else if ((s[0] & 0xF8) == 0xF0)
		len = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

static bool xml_char_ok(uint32_t c)
{
	if (c < 0x20)
		return c == 0x9 || c == 0xA || c == 0xD;
	return c <= 0xD7FF || (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000;
}

bool xml_valid_chars(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0 || !xml_char_ok(cp))
			return false;
		i += n;
	}
	return true;
}

/* The entity or character reference for c in the given context, or NULL
 * when c is copied as is. */
static const char *escape_for(unsigned char c, bool attr)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '\r':
		return "&#13;";
	case '"':
		return attr ? "&quot;" : NULL;
	case '\'':
		return attr ? "&apos;" : NULL;
	case '\n':
		return attr ? "&#10;" : NULL;
	case '\t':
		return attr ? "&#9;" : NULL;
	default:
		return NULL;
	}
}

static int append_escaped(struct xml_buf *buf, const char *s, size_t len, bool attr)
{
	size_t i, run = 0;
	const char *esc;

	if (!xml_valid_chars(s, len))
		return -1;
	for (i = 0; i < len; i++) {
		esc = escape_for((unsigned char)s[i], attr);
		if (esc == NULL)
			continue;
		xml_buf_append(buf, s + run, i - run);
		xml_buf_append_str(buf, esc);
		run = i + 1;
	}
	xml_buf_append(buf, s + run, len - run);
	return 0;
}

int xml_buf_append_text(struct xml_buf *buf, const char *s, size_t len)
{
	return append_escaped(buf, s, len, false);
}

int xml_buf_append_attr(struct xml_buf *buf, const char *s, size_t len)
{
	return append_escaped(buf, s, len, true);
}
