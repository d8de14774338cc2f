/*
 * xmpp/sasl_util: base64 for SASL payloads, the local part of a JID, the
 * clock in milliseconds. The account lookups (SQL) are in sasl_db.c.
 * Login throttling, login events and the connection log (P-LOG-1)
 * are domain/auth.h's, shared with the REST logins (see sasl.c).
 */
#include "core/config.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "xmpp/c2s_internal.h"
#include "xmpp/sasl_internal.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

char *sasl_b64_encode(const void *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

int sasl_b64_decode(const char *text, unsigned char **out_r, size_t *len_r)
{
	return xmpp_b64_decode(text, 4 * SCRAM_MESSAGE_MAX, out_r, len_r);
}

int xmpp_b64_decode(const char *text, size_t max_text, unsigned char **out_r, size_t *len_r)
{
	size_t n = strlen(text);
	*out_r = NULL;
	*len_r = 0;
	if (n == 0 || strcmp(text, "=") == 0) {
		*out_r = xcalloc(1, 1);
		return 0;
	}
	if (n % 4 != 0 || n > max_text || n > INT_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char ch = text[i];
		bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		          (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' ||
		          (ch == '=' && i >= n - 2);
		if (!ok || (ch != '=' && i > 0 && text[i - 1] == '='))
			return -1;
	}
	unsigned char *out = xmalloc(n / 4 * 3 + 1);
	int got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
	if (got < 0) {
		free(out);
		return -1;
	}
	size_t pad = text[n - 1] == '=' ? (text[n - 2] == '=' ? 2 : 1) : 0;
	*len_r = (size_t)got - pad;
	out[*len_r] = '\0';
	*out_r = out;
	return 0;
}

const char *xacct_local_of(const struct xmpp_server *srv, const char *bare, char *buf, size_t size)
{
	const char *at = strchr(bare, '@');
	if (at == NULL || at == bare || (size_t)(at - bare) >= size ||
	    strcmp(at + 1, srv->domain) != 0 || strchr(at + 1, '/') != NULL)
		return NULL;
	memcpy(buf, bare, (size_t)(at - bare));
	buf[at - bare] = '\0';
	return buf;
}

int64_t sasl_now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}
