/* domain/mail: e-mail address syntax (RFC 5321 practical subset). */
#include "domain/mail.h"

#include <string.h>

static bool atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL;
}

/* Dot-atom: atext runs separated by single dots, no dot at either end. */
static bool local_part_valid(const char *s, size_t len)
{
	if (len == 0 || len > 64 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return false;
		} else if (!atext((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/* Host name: at least two labels of letters, digits and inner hyphens. */
static bool domain_valid(const char *s, size_t len)
{
	size_t label = 0, labels = 0;
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';
		if (c == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			labels++;
			label = 0;
			continue;
		}
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');
		if (!alnum && !(c == '-' && label > 0))
			return false;
		label++;
	}
	return labels >= 2;
}

bool mail_address_valid(const char *addr)
{
	if (addr == NULL)
		return false;
	size_t len = strlen(addr);
	const char *at = strchr(addr, '@');
	if (len > 254 || at == NULL || strchr(at + 1, '@') != NULL)
		return false;
	return local_part_valid(addr, (size_t)(at - addr)) &&
	       domain_valid(at + 1, len - (size_t)(at - addr) - 1);
}
