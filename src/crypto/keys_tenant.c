/*
 * crypto/keys_tenant: tenant and subject keys, sealing, crypto-shredding and
 * blind indexes (keys.h).
 *
 * A tenant key is wrapped under a key derived from the master key, with the
 * associated data "iris-tenant-key\0<tenant>"; a subject key under its tenant
 * key with "iris-subject-key\0<tenant>\0<subject>". So a wrapped row copied to
 * another tenant or subject does not unwrap. A sealed value's associated data
 * is "iris1\0<table>\0<row id>\0<column>".
 *
 * Every lookup reads the wrapped row first; the cache only saves the unwrap
 * (keys_internal.h). Keys are copied to the stack only for the duration of
 * one call and wiped before returning.
 */
#include "crypto/keys_internal.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/store.h"

#include <openssl/hmac.h>
#include <string.h>
#include <time.h>

static bool id_ok(const char *id)
{
	return id != NULL && strnlen(id, 1025) <= 1024;
}

static unsigned char *tenant_ad(const char *tenant_id, size_t *len_r)
{
	return ad_join("iris-tenant-key", &tenant_id, 1, len_r);
}

static unsigned char *subject_ad(const char *tenant_id, const char *subject_id, size_t *len_r)
{
	const char *parts[] = {tenant_id, subject_id};
	return ad_join("iris-subject-key", parts, 2, len_r);
}

static int wrap_key(const unsigned char kek[KEY_LEN], const unsigned char *ad, size_t ad_len,
                    const unsigned char key[KEY_LEN], unsigned char out[WRAPPED_LEN])
{
	return aead_seal(kek, ad, ad_len, key, KEY_LEN, out);
}

int keys_tenant_create(struct keys *keys, struct store *st, const char *tenant_id)
{
	unsigned char key[KEY_LEN], wrapped[WRAPPED_LEN];
	size_t ad_len;
	int rc = -1;
	if (!id_ok(tenant_id))
		return -1;
	unsigned char *ad = tenant_ad(tenant_id, &ad_len);
	ids_random(key, sizeof(key));
	if (wrap_key(keys->secrets->kek_tenant, ad, ad_len, key, wrapped) < 0)
		goto out;
	/* Idempotent: an existing key is kept, never replaced. */
	if (store_run(st,
	              "INSERT INTO tenant_keys (tenant_id, wrapped, created_at) VALUES (?, ?, ?) "
	              "ON CONFLICT DO NOTHING",
	              "sbi", tenant_id, wrapped, sizeof(wrapped),
	              (int64_t)time(NULL)) != STORE_DONE) {
		log_warn("event=tenant_key_create_failed error=\"%s\"", store_errmsg(st));
		goto out;
	}
	rc = 0;
out:
	secret_wipe(key, sizeof(key));
	free(ad);
	return rc;
}

/* Copies the single blob column of the row sql selects into buf (len up to
 * WRAPPED_LEN + 1 so that an over-long value is seen as wrong). Returns 1
 * when found, 0 when no row, -1 on a database error. */
static int select_wrapped(struct store *st, const char *sql, const char *fmt, const char *a,
                          const char *b, unsigned char buf[WRAPPED_LEN + 1], size_t *len_r)
{
	struct store_stmt *stmt = store_query(st, sql, fmt, a, b);
	int rc = -1;
	if (stmt == NULL)
		return -1;
	int step = store_step(stmt);
	if (step == STORE_ROW) {
		size_t len = 0;
		const void *blob = store_col_blob(stmt, 0, &len);
		if (len > WRAPPED_LEN)
			len = WRAPPED_LEN + 1;
		if (blob != NULL)
			memcpy(buf, blob, len);
		*len_r = blob != NULL ? len : 0;
		rc = 1;
	} else if (step == STORE_DONE) {
		rc = 0;
	}
	store_stmt_done(stmt);
	return rc;
}

/* Unwraps the tenant's key into key_r. -1 when the tenant has no key. */
static int tenant_key_load(struct keys *keys, struct store *st, const char *tenant_id,
                           unsigned char key_r[KEY_LEN])
{
	unsigned char wrapped[WRAPPED_LEN + 1];
	size_t len = 0, ad_len;
	if (select_wrapped(st, "SELECT wrapped FROM tenant_keys WHERE tenant_id = ?", "s",
	                   tenant_id, NULL, wrapped, &len) != 1)
		return -1;
	if (key_cache_get(keys, tenant_id, NULL, wrapped, len, key_r))
		return 0;
	unsigned char *ad = tenant_ad(tenant_id, &ad_len);
	int rc = len == WRAPPED_LEN
	             ? aead_open(keys->secrets->kek_tenant, ad, ad_len, wrapped, len, key_r)
	             : -1;
	free(ad);
	if (rc < 0) {
		log_warn("event=tenant_key_unwrap_failed hint=\"wrong master key or damaged row\"");
		return -1;
	}
	key_cache_put(keys, tenant_id, NULL, wrapped, len, key_r);
	return 0;
}

static const char subject_select_sql[] =
    "SELECT wrapped FROM subject_keys WHERE tenant_id = ? AND subject_id = ?";

/* Inserts a fresh subject key unless one exists (a concurrent writer may
 * win: the caller reads the row again). */
static int subject_key_insert(struct keys *keys, struct store *st, const char *tenant_id,
                              const char *subject_id)
{
	unsigned char tkey[KEY_LEN], key[KEY_LEN], wrapped[WRAPPED_LEN];
	size_t ad_len = 0;
	unsigned char *ad = NULL;
	int rc = -1;
	if (tenant_key_load(keys, st, tenant_id, tkey) < 0)
		return -1;
	ids_random(key, sizeof(key));
	ad = subject_ad(tenant_id, subject_id, &ad_len);
	if (wrap_key(tkey, ad, ad_len, key, wrapped) < 0)
		goto out;
	if (store_run(st,
	              "INSERT INTO subject_keys (tenant_id, subject_id, wrapped, created_at) "
	              "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
	              "ssbi", tenant_id, subject_id, wrapped, sizeof(wrapped),
	              (int64_t)time(NULL)) == STORE_DONE)
		rc = 0;
out:
	secret_wipe(tkey, sizeof(tkey));
	secret_wipe(key, sizeof(key));
	free(ad);
	return rc;
}

/* Unwraps the subject's key into key_r, creating it first when create is
 * set. -1 when it does not exist (destroyed), cannot be unwrapped, or on a
 * database error. */
static int subject_key_load(struct keys *keys, struct store *st, const char *tenant_id,
                            const char *subject_id, bool create, unsigned char key_r[KEY_LEN])
{
	unsigned char wrapped[WRAPPED_LEN + 1], tkey[KEY_LEN];
	size_t len = 0, ad_len;
	int found =
	    select_wrapped(st, subject_select_sql, "ss", tenant_id, subject_id, wrapped, &len);
	if (found == 0 && create) {
		if (subject_key_insert(keys, st, tenant_id, subject_id) < 0)
			return -1;
		found = select_wrapped(st, subject_select_sql, "ss", tenant_id, subject_id, wrapped,
		                       &len);
	}
	if (found != 1)
		return -1;
	if (key_cache_get(keys, tenant_id, subject_id, wrapped, len, key_r))
		return 0;
	if (len != WRAPPED_LEN || tenant_key_load(keys, st, tenant_id, tkey) < 0)
		return -1;
	unsigned char *ad = subject_ad(tenant_id, subject_id, &ad_len);
	int rc = aead_open(tkey, ad, ad_len, wrapped, len, key_r);
	free(ad);
	secret_wipe(tkey, sizeof(tkey));
	if (rc < 0)
		return -1;
	key_cache_put(keys, tenant_id, subject_id, wrapped, len, key_r);
	return 0;
}

static bool seal_ad_ok(const struct seal_ad *ad)
{
	return ad != NULL && ad->table != NULL && ad->row_id != NULL && ad->column != NULL;
}

static unsigned char *value_ad(const struct seal_ad *ad, size_t *len_r)
{
	const char *parts[] = {ad->table, ad->row_id, ad->column};
	return ad_join("iris1", parts, 3, len_r);
}

int keys_seal(struct keys *keys, struct store *st, const char *tenant_id, const char *subject_id,
              const struct seal_ad *ad, const void *plain, size_t plain_len,
              unsigned char **sealed_r, size_t *sealed_len_r)
{
	unsigned char key[KEY_LEN];
	size_t ad_len = 0;
	*sealed_r = NULL;
	*sealed_len_r = 0;
	if (!id_ok(tenant_id) || !id_ok(subject_id) || !seal_ad_ok(ad) ||
	    (plain == NULL && plain_len > 0) || plain_len > SIZE_MAX - SEAL_OVERHEAD)
		return -1;
	if (subject_key_load(keys, st, tenant_id, subject_id, true, key) < 0)
		return -1;
	unsigned char *adb = value_ad(ad, &ad_len);
	unsigned char *out = xmalloc(plain_len + SEAL_OVERHEAD);
	int rc = aead_seal(key, adb, ad_len, plain != NULL ? plain : "", plain_len, out);
	secret_wipe(key, sizeof(key));
	free(adb);
	if (rc < 0) {
		free(out);
		return -1;
	}
	*sealed_r = out;
	*sealed_len_r = plain_len + SEAL_OVERHEAD;
	return 0;
}

int keys_open_sealed(struct keys *keys, struct store *st, const char *tenant_id,
                     const char *subject_id, const struct seal_ad *ad, const void *sealed,
                     size_t sealed_len, char **plain_r, size_t *plain_len_r)
{
	unsigned char key[KEY_LEN];
	size_t ad_len = 0;
	*plain_r = NULL;
	*plain_len_r = 0;
	if (!id_ok(tenant_id) || !id_ok(subject_id) || !seal_ad_ok(ad) || sealed == NULL ||
	    sealed_len < SEAL_OVERHEAD)
		return -1;
	if (subject_key_load(keys, st, tenant_id, subject_id, false, key) < 0)
		return -1;
	size_t plain_len = sealed_len - SEAL_OVERHEAD;
	unsigned char *adb = value_ad(ad, &ad_len);
	char *plain = xmalloc(plain_len + 1);
	int rc = aead_open(key, adb, ad_len, sealed, sealed_len, (unsigned char *)plain);
	secret_wipe(key, sizeof(key));
	free(adb);
	if (rc < 0) {
		secret_free(plain, plain_len + 1);
		return -1;
	}
	plain[plain_len] = '\0';
	*plain_r = plain;
	*plain_len_r = plain_len;
	return 0;
}

bool keys_subject_exists(struct keys *keys, struct store *st, const char *tenant_id,
                         const char *subject_id)
{
	unsigned char wrapped[WRAPPED_LEN + 1];
	size_t len = 0;
	(void)keys;
	if (!id_ok(tenant_id) || !id_ok(subject_id))
		return false;
	return select_wrapped(st, subject_select_sql, "ss", tenant_id, subject_id, wrapped, &len) ==
	       1;
}

int keys_subject_destroy(struct keys *keys, struct store *st, const char *tenant_id,
                         const char *subject_id)
{
	if (!id_ok(tenant_id) || !id_ok(subject_id))
		return -1;
	key_cache_drop(keys, tenant_id, subject_id);
	int rc = store_run(st, "DELETE FROM subject_keys WHERE tenant_id = ? AND subject_id = ?",
	                   "ss", tenant_id, subject_id);
	/* Again: a concurrent reader may have cached it meanwhile. */
	key_cache_drop(keys, tenant_id, subject_id);
	return rc == STORE_DONE ? 0 : -1;
}

int keys_tenant_destroy(struct keys *keys, struct store *st, const char *tenant_id)
{
	if (!id_ok(tenant_id))
		return -1;
	key_cache_drop(keys, tenant_id, NULL);
	/* The tenant key goes first: without it no subject key unwraps, even if
	 * the second statement were lost. */
	int rc = store_run(st, "DELETE FROM tenant_keys WHERE tenant_id = ?", "s", tenant_id);
	if (rc == STORE_DONE)
		rc = store_run(st, "DELETE FROM subject_keys WHERE tenant_id = ?", "s", tenant_id);
	key_cache_drop(keys, tenant_id, NULL);
	return rc == STORE_DONE ? 0 : -1;
}

/* The key of a blind index: HKDF from the tenant key (or, for tenant "", the
 * master key) with "iris-blind-index\0<purpose>" as info. */
static int blind_key(struct keys *keys, struct store *st, const char *tenant_id,
                     const char *purpose, unsigned char out[KEY_LEN])
{
	unsigned char tkey[KEY_LEN];
	size_t info_len = 0;
	const unsigned char *ikm = keys->secrets->master;
	if (*tenant_id != '\0') {
		if (tenant_key_load(keys, st, tenant_id, tkey) < 0)
			return -1;
		ikm = tkey;
	}
	unsigned char *info = ad_join("iris-blind-index", &purpose, 1, &info_len);
	int rc = hkdf_sha256(NULL, 0, ikm, KEY_LEN, info, info_len, out, KEY_LEN);
	free(info);
	secret_wipe(tkey, sizeof(tkey));
	return rc;
}

int keys_blind_index(struct keys *keys, struct store *st, const char *tenant_id,
                     const char *purpose, const char *normalised, char out[65])
{
	unsigned char key[KEY_LEN], mac[32];
	unsigned int mac_len = 0;
	out[0] = '\0';
	if (!id_ok(tenant_id) || purpose == NULL || *purpose == '\0' || normalised == NULL)
		return -1;
	if (blind_key(keys, st, tenant_id, purpose, key) < 0)
		return -1;
	size_t len = strlen(normalised);
	unsigned char *ok = len <= INT32_MAX
	                        ? HMAC(EVP_sha256(), key, KEY_LEN,
	                               (const unsigned char *)normalised, len, mac, &mac_len)
	                        : NULL;
	secret_wipe(key, sizeof(key));
	if (ok == NULL || mac_len != sizeof(mac))
		return -1;
	ids_hex(mac, sizeof(mac), out);
	return 0;
}
