/*
 * crypto/keys_sign: the installation's Ed25519 signing key (audit
 * checkpoints). Created on first use; its private half is stored sealed
 * under a key derived from the master key ("iris-install-key\0<name>" as
 * associated data), the public half in clear next to it.
 */
#include "crypto/keys_internal.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <string.h>

#define SIGN_KEY_NAME "signing-ed25519"
#define SEALED_PRIV_LEN (SEAL_OVERHEAD + 32)

struct sign_row {
	unsigned char sealed[SEALED_PRIV_LEN];
	unsigned char pub[32];
};

/* Reads the row: 1 found (and well-formed), 0 none, -1 error or damaged. */
static int sign_row_read(struct store *st, struct sign_row *row)
{
	struct store_stmt *stmt = store_query(
	    st, "SELECT sealed, public FROM install_keys WHERE name = ?", "s", SIGN_KEY_NAME);
	int rc = -1;
	if (stmt == NULL)
		return -1;
	int step = store_step(stmt);
	if (step == STORE_DONE) {
		rc = 0;
	} else if (step == STORE_ROW) {
		size_t slen = 0, plen = 0;
		const void *s = store_col_blob(stmt, 0, &slen);
		const void *p = store_col_blob(stmt, 1, &plen);
		if (s != NULL && p != NULL && slen == SEALED_PRIV_LEN && plen == 32) {
			memcpy(row->sealed, s, slen);
			memcpy(row->pub, p, plen);
			rc = 1;
		} else {
			log_warn("event=signing_key_damaged");
		}
	}
	store_stmt_done(stmt);
	return rc;
}

static unsigned char *sign_ad(size_t *len_r)
{
	const char *name = SIGN_KEY_NAME;
	return ad_join("iris-install-key", &name, 1, len_r);
}

/* Creates the key unless a row exists (ON CONFLICT: the first writer wins). */
static int sign_key_create(struct keys *keys, struct store *st)
{
	unsigned char priv[32], pub[32], sealed[SEALED_PRIV_LEN];
	size_t pub_len = sizeof(pub), ad_len = 0;
	unsigned char *ad = sign_ad(&ad_len);
	int rc = -1;
	ids_random(priv, sizeof(priv));
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, sizeof(priv));
	if (pkey == NULL || EVP_PKEY_get_raw_public_key(pkey, pub, &pub_len) != 1 ||
	    pub_len != 32 ||
	    aead_seal(keys->secrets->kek_install, ad, ad_len, priv, 32, sealed) < 0)
		goto out;
	if (store_run(st,
	              "INSERT INTO install_keys (name, sealed, public) VALUES (?, ?, ?) "
	              "ON CONFLICT DO NOTHING",
	              "sbb", SIGN_KEY_NAME, sealed, sizeof(sealed), pub, sizeof(pub)) == STORE_DONE)
		rc = 0;
	if (rc == 0 && store_changes(st) > 0)
		log_info("event=signing_key_created");
out:
	EVP_PKEY_free(pkey);
	secret_wipe(priv, sizeof(priv));
	free(ad);
	return rc;
}

/* Unseals row into a new EVP_PKEY and checks it against the stored public
 * half. NULL on failure. */
static EVP_PKEY *sign_key_unseal(struct keys *keys, const struct sign_row *row)
{
	unsigned char priv[32], pub[32];
	size_t pub_len = sizeof(pub), ad_len = 0;
	unsigned char *ad = sign_ad(&ad_len);
	EVP_PKEY *pkey = NULL;
	if (aead_open(keys->secrets->kek_install, ad, ad_len, row->sealed, sizeof(row->sealed),
	              priv) == 0)
		pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, sizeof(priv));
	secret_wipe(priv, sizeof(priv));
	free(ad);
	if (pkey != NULL && (EVP_PKEY_get_raw_public_key(pkey, pub, &pub_len) != 1 ||
	                     pub_len != 32 || memcmp(pub, row->pub, 32) != 0)) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	if (pkey == NULL)
		log_warn(
		    "event=signing_key_unseal_failed hint=\"wrong master key or damaged row\"");
	return pkey;
}

/* Returns a reference to the signing key (caller EVP_PKEY_free()s it) and
 * its public half; NULL on failure. The cached key is used only while the
 * stored row is byte-identical to the one it came from. */
static EVP_PKEY *sign_key_get(struct keys *keys, struct store *st, unsigned char pub_r[32])
{
	struct sign_row row;
	EVP_PKEY *pkey = NULL;
	int found = sign_row_read(st, &row);
	if (found == 0 && sign_key_create(keys, st) == 0)
		found = sign_row_read(st, &row);
	if (found != 1)
		return NULL;
	pthread_mutex_lock(&keys->lock);
	if (keys->sign_key != NULL && keys->sign_sealed_len == sizeof(row.sealed) &&
	    memcmp(keys->sign_sealed, row.sealed, sizeof(row.sealed)) == 0 &&
	    EVP_PKEY_up_ref(keys->sign_key) == 1)
		pkey = keys->sign_key;
	pthread_mutex_unlock(&keys->lock);
	if (pkey == NULL) {
		pkey = sign_key_unseal(keys, &row);
		if (pkey == NULL)
			return NULL;
		pthread_mutex_lock(&keys->lock);
		EVP_PKEY_free(keys->sign_key);
		free(keys->sign_sealed);
		keys->sign_key = EVP_PKEY_up_ref(pkey) == 1 ? pkey : NULL;
		keys->sign_sealed = keys->sign_key != NULL ? xmalloc(sizeof(row.sealed)) : NULL;
		keys->sign_sealed_len = keys->sign_key != NULL ? sizeof(row.sealed) : 0;
		if (keys->sign_sealed != NULL)
			memcpy(keys->sign_sealed, row.sealed, sizeof(row.sealed));
		pthread_mutex_unlock(&keys->lock);
	}
	memcpy(pub_r, row.pub, 32);
	return pkey;
}

void keys_sign_forget(struct keys *keys)
{
	pthread_mutex_lock(&keys->lock);
	EVP_PKEY_free(keys->sign_key);
	free(keys->sign_sealed);
	keys->sign_key = NULL;
	keys->sign_sealed = NULL;
	keys->sign_sealed_len = 0;
	pthread_mutex_unlock(&keys->lock);
}

int keys_sign(struct keys *keys, struct store *st, const void *msg, size_t len,
              unsigned char sig[64])
{
	unsigned char pub[32];
	size_t sig_len = 64;
	int rc = -1;
	EVP_PKEY *pkey = sign_key_get(keys, st, pub);
	EVP_MD_CTX *mctx = pkey != NULL ? EVP_MD_CTX_new() : NULL;
	if (mctx != NULL && EVP_DigestSignInit(mctx, NULL, NULL, NULL, pkey) == 1 &&
	    EVP_DigestSign(mctx, sig, &sig_len, msg, len) == 1 && sig_len == 64)
		rc = 0;
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pkey);
	return rc;
}

int keys_sign_public(struct keys *keys, struct store *st, unsigned char pub[32])
{
	EVP_PKEY *pkey = sign_key_get(keys, st, pub);
	if (pkey == NULL)
		return -1;
	EVP_PKEY_free(pkey);
	return 0;
}

bool keys_verify(const unsigned char pub[32], const void *msg, size_t len,
                 const unsigned char sig[64])
{
	bool ok = false;
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *mctx = pkey != NULL ? EVP_MD_CTX_new() : NULL;
	if (mctx != NULL && EVP_DigestVerifyInit(mctx, NULL, NULL, NULL, pkey) == 1)
		ok = EVP_DigestVerify(mctx, sig, 64, msg, len) == 1;
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pkey);
	return ok;
}
