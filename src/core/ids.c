/* core/ids: see ids.h. */
#include "core/ids.h"
#include "core/log.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

void ids_random(void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			fatal("event=getrandom_failed errno=%d", errno);
		}
		p += got;
		n -= (size_t)got;
	}
}

void ids_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void ids_random_hex(char *out, size_t n)
{
	unsigned char buf[64];
	while (n > 0) {
		size_t chunk = n < sizeof(buf) ? n : sizeof(buf);
		ids_random(buf, chunk);
		ids_hex(buf, chunk, out);
		out += 2 * chunk;
		n -= chunk;
	}
	explicit_bzero(buf, sizeof(buf));
}

void ids_uuid4(char out[IDS_UUID_LEN])
{
	unsigned char b[16];
	char hex[33];
	ids_random(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	ids_hex(b, sizeof(b), hex);
	memcpy(out, hex, 8);
	out[8] = '-';
	memcpy(out + 9, hex + 8, 4);
	out[13] = '-';
	memcpy(out + 14, hex + 12, 4);
	out[18] = '-';
	memcpy(out + 19, hex + 16, 4);
	out[23] = '-';
	memcpy(out + 24, hex + 20, 12);
	out[36] = '\0';
}

bool ids_is_uuid4(const char *s)
{
	if (s == NULL || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
	}
	return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}
