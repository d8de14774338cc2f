/* contacts/text: UTF-8 decoding, Latin case mapping and folding for keys. */
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts_internal.h"

/* Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
size_t cx_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	if (len == 0)
		return 0;
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t n;
	uint32_t v, min;
	if ((c & 0xE0) == 0xC0) {
		n = 2, v = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, v = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

size_t cx_utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

bool cx_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = cx_utf8_decode(p + i, len - i, &cp);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* Windows-1252 0x80..0x9F; 0 where undefined (kept as U+FFFD). */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

/* Re-reads every byte that is not part of valid UTF-8 as Windows-1252, so a
 * file mixing encodings keeps its valid parts unchanged. */
char *cx_cp1252_to_utf8(const char *s, size_t len)
{
	struct cx_buf b = {0};
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = cx_utf8_decode(p + i, len - i, &cp);
		if (n > 0) {
			cx_buf_add(&b, s + i, n);
			i += n;
			continue;
		}
		cp = p[i];
		if (cp >= 0x80 && cp < 0xA0)
			cp = cp1252_high[cp - 0x80] ? cp1252_high[cp - 0x80] : 0xFFFD;
		char out[4];
		cx_buf_add(&b, out, cx_utf8_encode(cp, out));
		i++;
	}
	cx_buf_cstr(&b);
	return b.p;
}

/* Case mapping for ASCII, Latin-1 and Latin Extended-A: enough for the
 * European names a contact book holds; other scripts pass unchanged. */
uint32_t cx_lower_cp(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 32;
	if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
		return cp + 32;
	if (cp >= 0x100 && cp <= 0x137 && cp != 0x130)
		return cp | 1;
	if (cp >= 0x139 && cp <= 0x148)
		return (cp & 1) ? cp + 1 : cp;
	if (cp >= 0x14A && cp <= 0x177)
		return cp | 1;
	if (cp == 0x178)
		return 0xFF;
	if (cp >= 0x179 && cp <= 0x17E)
		return (cp & 1) ? cp + 1 : cp;
	return cp;
}

uint32_t cx_upper_cp(uint32_t cp)
{
	if (cp >= 'a' && cp <= 'z')
		return cp - 32;
	if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7)
		return cp - 32;
	if (cp == 0xFF)
		return 0x178;
	if (cp >= 0x100 && cp <= 0x137 && cp != 0x131)
		return cp & ~1u;
	if (cp >= 0x139 && cp <= 0x148)
		return (cp & 1) ? cp : cp - 1;
	if (cp >= 0x14A && cp <= 0x177)
		return cp & ~1u;
	if (cp >= 0x179 && cp <= 0x17E)
		return (cp & 1) ? cp : cp - 1;
	return cp;
}

/* Base letter of a Latin-1 / Latin Extended-A letter, or 0. */
static char latin_base(uint32_t cp)
{
	static const char l1[] = "aaaaaaaceeeeiiiidnooooo ouuuuyty"; /* 0xE0..0xFF-ish */
	cp = cx_lower_cp(cp);
	if (cp == 0xDF)
		return 's';
	if (cp >= 0xE0 && cp <= 0xFF && cp != 0xF7)
		return l1[cp - 0xE0] == ' ' ? 0 : l1[cp - 0xE0];
	if (cp >= 0x100 && cp <= 0x17F) {
		static const char ext[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii"
					  "iijjkkkllllllllllnnnnnnnnnoooooooorrrrrrssssssss"
					  "ttttttuuuuuuuuuuuuwwyyyzzzzzzs";
		size_t i = cp - 0x100;
		return i < sizeof(ext) - 1 ? ext[i] : 0;
	}
	return 0;
}

size_t cx_fold_into(const char *s, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, o = 0;
	bool space = false;
	while (i < len && o + 2 < cap) {
		uint32_t cp;
		size_t n = cx_utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			cp = p[i];
			n = 1;
		}
		i += n;
		char c = 0;
		if (cp < 0x80) {
			c = (char)cx_lower_cp(cp);
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
				c = 0;
		} else {
			c = latin_base(cp);
			if (cp == 0xE6 || cp == 0xC6) /* æ */
				c = 'a';
		}
		if (c == 0) {
			space = o > 0;
			continue;
		}
		if (space) {
			out[o++] = ' ';
			space = false;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return o;
}

char *contacts_fold(const char *s)
{
	return cx_fold(s ? s : "");
}

char *cx_fold(const char *s)
{
	size_t cap = strlen(s) + 2;
	char *out = cx_malloc(cap);
	cx_fold_into(s, out, cap);
	return out;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

char *cx_squeeze(const char *s)
{
	size_t len = strlen(s), o = 0;
	char *out = cx_malloc(len + 1);
	bool space = false;
	for (size_t i = 0; i < len; i++) {
		if (is_ws(s[i])) {
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

bool cx_is_blank(const char *s)
{
	if (s == NULL)
		return true;
	for (; *s; s++)
		if (!is_ws(*s))
			return false;
	return true;
}
