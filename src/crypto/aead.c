/*
 * crypto/aead: the primitives under the keys module: AES-256-GCM in the
 * sealed-value format (version, nonce, ciphertext, tag), HKDF-SHA-256, and
 * the unambiguous associated-data encoding. OpenSSL 3 EVP only.
 */
#include "crypto/keys_internal.h"
#include "core/ids.h"
#include "core/xalloc.h"

#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <string.h>

/* EVP lengths are int: feed big buffers in pieces. */
#define EVP_CHUNK (1 << 30)

static int gcm_update(EVP_CIPHER_CTX *ctx, bool enc, unsigned char *out, const unsigned char *in,
                      size_t len)
{
	while (len > 0) {
		int n = len > EVP_CHUNK ? EVP_CHUNK : (int)len;
		int outl = 0;
		int ok = enc ? EVP_EncryptUpdate(ctx, out, &outl, in, n)
		             : EVP_DecryptUpdate(ctx, out, &outl, in, n);
		if (ok != 1 || outl != n)
			return -1;
		in += n;
		out += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Feeds associated data (out NULL = AAD). */
static int gcm_aad(EVP_CIPHER_CTX *ctx, bool enc, const void *ad, size_t ad_len)
{
	const unsigned char *p = ad;
	while (ad_len > 0) {
		int n = ad_len > EVP_CHUNK ? EVP_CHUNK : (int)ad_len;
		int outl = 0;
		int ok = enc ? EVP_EncryptUpdate(ctx, NULL, &outl, p, n)
		             : EVP_DecryptUpdate(ctx, NULL, &outl, p, n);
		if (ok != 1)
			return -1;
		p += n;
		ad_len -= (size_t)n;
	}
	return 0;
}

int aead_seal(const unsigned char key[KEY_LEN], const void *ad, size_t ad_len, const void *plain,
              size_t plain_len, unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	unsigned char *nonce = out + 1, *ct = out + 1 + NONCE_LEN;
	int outl = 0, rc = -1;

	if (ctx == NULL || plain_len > SIZE_MAX - SEAL_OVERHEAD)
		goto out;
	out[0] = SEAL_VERSION;
	/* A random 96-bit nonce per value: keys seal far fewer than 2^32
	 * values each, the NIST bound for random GCM nonces. */
	ids_random(nonce, NONCE_LEN);
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
	    gcm_aad(ctx, true, ad, ad_len) < 0 || gcm_update(ctx, true, ct, plain, plain_len) < 0 ||
	    EVP_EncryptFinal_ex(ctx, ct + plain_len, &outl) != 1 || outl != 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, ct + plain_len) != 1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int aead_open(const unsigned char key[KEY_LEN], const void *ad, size_t ad_len,
              const unsigned char *sealed, size_t sealed_len, unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = NULL;
	size_t ct_len;
	int outl = 0, rc = -1;

	if (sealed == NULL || sealed_len < SEAL_OVERHEAD || sealed[0] != SEAL_VERSION)
		return -1;
	ct_len = sealed_len - SEAL_OVERHEAD;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL || EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, sealed + 1) != 1 ||
	    gcm_aad(ctx, false, ad, ad_len) < 0 ||
	    gcm_update(ctx, false, out, sealed + 1 + NONCE_LEN, ct_len) < 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
	                        (void *)(sealed + sealed_len - TAG_LEN)) != 1 ||
	    EVP_DecryptFinal_ex(ctx, out + ct_len, &outl) != 1) {
		/* Never hand back unauthenticated plaintext. */
		secret_wipe(out, ct_len);
		goto out;
	}
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int hkdf_sha256(const void *salt, size_t salt_len, const void *ikm, size_t ikm_len,
                const void *info, size_t info_len, unsigned char *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[5], *p = params;
	int rc = -1;

	if (kctx == NULL || out_len == 0 || out_len > 255 * 32)
		goto out;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
	if (salt != NULL && salt_len > 0)
		*p++ =
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, out_len, params) == 1)
		rc = 0;
out:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	if (rc < 0 && out != NULL)
		secret_wipe(out, out_len);
	return rc;
}

unsigned char *ad_join(const char *prefix, const char *const *parts, size_t n, size_t *len_r)
{
	size_t len = strlen(prefix);
	for (size_t i = 0; i < n; i++)
		len += 1 + (parts[i] != NULL ? strlen(parts[i]) : 0);
	unsigned char *buf = xmalloc(len > 0 ? len : 1);
	size_t at = strlen(prefix);
	memcpy(buf, prefix, at);
	for (size_t i = 0; i < n; i++) {
		size_t pl = parts[i] != NULL ? strlen(parts[i]) : 0;
		buf[at++] = '\0';
		memcpy(buf + at, parts[i] != NULL ? parts[i] : "", pl);
		at += pl;
	}
	*len_r = len;
	return buf;
}
