/*
 * crypto/scram: SCRAM credentials (scram.h): SASLprep, PBKDF2, the derived
 * StoredKey/ServerKey, constant-time password checks, and the strict text
 * form stored in the database.
 */
#include "crypto/scram_internal.h"
#include "core/ids.h"
#include "core/xalloc.h"

#include <gsasl.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <string.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long b64_decode(const char *text, size_t text_len, unsigned char *out, size_t out_max)
{
	size_t o = 0;
	if (text_len % 4 != 0)
		return -1;
	for (size_t i = 0; i < text_len; i += 4) {
		bool last = i + 4 == text_len;
		int pad = (text[i + 3] == '=') + (text[i + 3] == '=' && text[i + 2] == '=');
		if (pad > 0 && !last)
			return -1;
		unsigned v = 0;
		for (int k = 0; k < 4 - pad; k++) {
			int d = b64_value(text[i + (size_t)k]);
			if (d < 0)
				return -1;
			v = v << 6 | (unsigned)d;
		}
		v <<= 6 * pad;
		/* Canonical: the bits under the padding are zero. */
		if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
			return -1;
		size_t n = 3 - (size_t)pad;
		if (o + n > out_max)
			return -1;
		out[o++] = (unsigned char)(v >> 16);
		if (n > 1)
			out[o++] = (unsigned char)(v >> 8);
		if (n > 2)
			out[o++] = (unsigned char)v;
	}
	return (long)o;
}

const EVP_MD *scram_md(enum scram_hash hash)
{
	return hash == SCRAM_SHA256 ? EVP_sha256() : hash == SCRAM_SHA1 ? EVP_sha1() : NULL;
}

size_t scram_hash_len(enum scram_hash hash)
{
	return hash == SCRAM_SHA256 ? 32 : hash == SCRAM_SHA1 ? 20 : 0;
}

/* SASLprep into a malloc'd string (free with secret_free(p, strlen(p))). */
static char *password_prepare(const char *password, const char **error_r)
{
	char *prep = NULL;
	int sprc = 0;
	size_t len = password != NULL ? strnlen(password, SCRAM_PASSWORD_MAX + 1) : 0;
	if (len == 0) {
		*error_r = "password is empty";
		return NULL;
	}
	if (len > SCRAM_PASSWORD_MAX) {
		*error_r = "password is too long";
		return NULL;
	}
	if (gsasl_saslprep(password, 0, &prep, &sprc) != GSASL_OK || prep == NULL) {
		*error_r = "password has characters that are not allowed (SASLprep)";
		return NULL;
	}
	size_t plen = strlen(prep);
	if (plen == 0 || plen > SCRAM_PASSWORD_MAX) {
		*error_r = plen == 0 ? "password is empty" : "password is too long";
		secret_wipe(prep, plen);
		gsasl_free(prep);
		return NULL;
	}
	/* Move into our allocator so the caller wipes and frees it one way. */
	char *out = xstrndup(prep, plen);
	secret_wipe(prep, plen);
	gsasl_free(prep);
	return out;
}

/* StoredKey and ServerKey from a prepared password (RFC 5802 §3). */
static int derive_keys(const char *prep, enum scram_hash hash, unsigned iterations,
                       const unsigned char salt[16], unsigned char stored[32],
                       unsigned char server[32])
{
	const EVP_MD *md = scram_md(hash);
	size_t hlen = scram_hash_len(hash);
	unsigned char salted[32], client[32];
	unsigned int len = 0;
	int rc = -1;
	memset(stored, 0, 32);
	memset(server, 0, 32);
	if (md == NULL || iterations < SCRAM_ITERATIONS_MIN || iterations > SCRAM_ITERATIONS_MAX)
		return -1;
	if (PKCS5_PBKDF2_HMAC(prep, (int)strlen(prep), salt, 16, (int)iterations, md, (int)hlen,
	                      salted) != 1 ||
	    HMAC(md, salted, (int)hlen, (const unsigned char *)"Client Key", 10, client, &len) ==
	        NULL ||
	    EVP_Digest(client, hlen, stored, &len, md, NULL) != 1 ||
	    HMAC(md, salted, (int)hlen, (const unsigned char *)"Server Key", 10, server, &len) ==
	        NULL)
		goto out;
	rc = 0;
out:
	secret_wipe(salted, sizeof(salted));
	secret_wipe(client, sizeof(client));
	return rc;
}

int scram_credentials_make_salt(const char *password, enum scram_hash hash, unsigned iterations,
                                const unsigned char salt[16], struct scram_credentials *out,
                                const char **error_r)
{
	memset(out, 0, sizeof(*out));
	*error_r = NULL;
	if (scram_md(hash) == NULL) {
		*error_r = "unknown SCRAM hash";
		return -1;
	}
	if (iterations < SCRAM_ITERATIONS_MIN || iterations > SCRAM_ITERATIONS_MAX) {
		*error_r = "SCRAM iteration count out of bounds";
		return -1;
	}
	char *prep = password_prepare(password, error_r);
	if (prep == NULL)
		return -1;
	out->hash = hash;
	out->iterations = iterations;
	memcpy(out->salt, salt, sizeof(out->salt));
	int rc = derive_keys(prep, hash, iterations, salt, out->stored_key, out->server_key);
	secret_free(prep, strlen(prep));
	if (rc < 0) {
		secret_wipe(out, sizeof(*out));
		*error_r = "PBKDF2 failed";
	}
	return rc;
}

int scram_credentials_make(const char *password, enum scram_hash hash, unsigned iterations,
                           struct scram_credentials *out, const char **error_r)
{
	unsigned char salt[16];
	ids_random(salt, sizeof(salt));
	return scram_credentials_make_salt(password, hash, iterations, salt, out, error_r);
}

void scram_credentials_fake(enum scram_hash hash, unsigned iterations, const unsigned char key[32],
                            const char *username, struct scram_credentials *out)
{
	unsigned char mac[32];
	unsigned int len = 0;
	const char *u = username != NULL ? username : "";
	memset(out, 0, sizeof(*out));
	out->hash = hash;
	out->iterations = iterations;
	if (HMAC(EVP_sha256(), key, 32, (const unsigned char *)u, strlen(u), mac, &len) == NULL)
		ids_random(mac, sizeof(mac));
	memcpy(out->salt, mac, sizeof(out->salt));
	/* Random keys: no ClientProof can match a StoredKey nobody derived. */
	ids_random(out->stored_key, sizeof(out->stored_key));
	ids_random(out->server_key, sizeof(out->server_key));
	secret_wipe(mac, sizeof(mac));
}

bool scram_password_matches(const char *password, const struct scram_credentials *cred)
{
	unsigned char stored[32], server[32];
	const char *error = NULL;
	size_t hlen = scram_hash_len(cred->hash);
	if (hlen == 0)
		return false;
	char *prep = password_prepare(password, &error);
	if (prep == NULL)
		return false;
	int rc = derive_keys(prep, cred->hash, cred->iterations, cred->salt, stored, server);
	secret_free(prep, strlen(prep));
	bool ok = rc == 0 && (CRYPTO_memcmp(stored, cred->stored_key, hlen) |
	                      CRYPTO_memcmp(server, cred->server_key, hlen)) == 0;
	secret_wipe(stored, sizeof(stored));
	secret_wipe(server, sizeof(server));
	return ok;
}

static const char *hash_prefix(enum scram_hash hash)
{
	return hash == SCRAM_SHA256 ? "SCRAM-SHA-256$" : hash == SCRAM_SHA1 ? "SCRAM-SHA-1$" : NULL;
}

char *scram_credentials_encode(const struct scram_credentials *cred)
{
	char salt[B64_LEN(16) + 1], stored[B64_LEN(32) + 1], server[B64_LEN(32) + 1];
	const char *prefix = hash_prefix(cred->hash);
	size_t hlen = scram_hash_len(cred->hash);
	if (prefix == NULL || cred->iterations < SCRAM_ITERATIONS_MIN ||
	    cred->iterations > SCRAM_ITERATIONS_MAX)
		return NULL;
	b64_encode(cred->salt, sizeof(cred->salt), salt);
	b64_encode(cred->stored_key, hlen, stored);
	b64_encode(cred->server_key, hlen, server);
	char *text = xasprintf("%s%u$%s$%s$%s", prefix, cred->iterations, salt, stored, server);
	secret_wipe(stored, sizeof(stored));
	secret_wipe(server, sizeof(server));
	return text;
}

/* Parses "<digits>$" at *p within bounds; advances *p past the '$'. */
static int parse_iterations(const char **p, unsigned *out)
{
	const char *s = *p;
	unsigned long v = 0;
	size_t n = 0;
	if (*s < '1' || *s > '9')
		return -1;
	while (s[n] >= '0' && s[n] <= '9') {
		if (++n > 8)
			return -1;
		v = v * 10 + (unsigned long)(s[n - 1] - '0');
	}
	if (s[n] != '$' || v < SCRAM_ITERATIONS_MIN || v > SCRAM_ITERATIONS_MAX)
		return -1;
	*out = (unsigned)v;
	*p = s + n + 1;
	return 0;
}

/* Decodes a base64 field of exactly want bytes ending at term ('$' or NUL);
 * advances *p past the terminator. */
static int parse_field(const char **p, char term, unsigned char *out, size_t want)
{
	const char *s = *p;
	size_t tlen = B64_LEN(want);
	if (strnlen(s, tlen + 1) < tlen || s[tlen] != term ||
	    b64_decode(s, tlen, out, want) != (long)want)
		return -1;
	*p = s + tlen + (term != '\0');
	return 0;
}

int scram_credentials_decode(const char *text, struct scram_credentials *out)
{
	struct scram_credentials c;
	memset(&c, 0, sizeof(c));
	memset(out, 0, sizeof(*out));
	if (text == NULL || strnlen(text, 257) > 256)
		return -1;
	const char *p = text;
	if (strncmp(p, "SCRAM-SHA-256$", 14) == 0) {
		c.hash = SCRAM_SHA256;
		p += 14;
	} else if (strncmp(p, "SCRAM-SHA-1$", 12) == 0) {
		c.hash = SCRAM_SHA1;
		p += 12;
	} else {
		return -1;
	}
	size_t hlen = scram_hash_len(c.hash);
	if (parse_iterations(&p, &c.iterations) < 0 ||
	    parse_field(&p, '$', c.salt, sizeof(c.salt)) < 0 ||
	    parse_field(&p, '$', c.stored_key, hlen) < 0 ||
	    parse_field(&p, '\0', c.server_key, hlen) < 0) {
		secret_wipe(&c, sizeof(c));
		return -1;
	}
	*out = c;
	secret_wipe(&c, sizeof(c));
	return 0;
}
