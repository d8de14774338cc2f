/*
 * crypto/keys_internal: what the keys module's files share, and what its
 * tests reach. Nothing outside src/crypto/ and tests/unit/test_crypto_*.c
 * includes this header.
 */
#ifndef IRIS_CRYPTO_KEYS_INTERNAL_H
#define IRIS_CRYPTO_KEYS_INTERNAL_H

#include "crypto/keys.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define KEY_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16
#define SEAL_VERSION 1
/* Sealed value: version byte, nonce, ciphertext, tag. */
#define SEAL_OVERHEAD (1 + NONCE_LEN + TAG_LEN)
/* A wrapped 32-byte key is a sealed value too. */
#define WRAPPED_LEN (SEAL_OVERHEAD + KEY_LEN)

/* Cache of unwrapped tenant and subject keys. Bounded, direct-mapped. */
#define KEY_CACHE_SLOTS 256
#define KEY_CACHE_ID_MAX 64

/* Secret material: one mmap'd region, mlock'ed where possible, excluded from
 * core dumps, wiped on close. */
struct keys_secrets {
	unsigned char master[KEY_LEN];
	unsigned char kek_tenant[KEY_LEN];  /* wraps tenant keys */
	unsigned char kek_install[KEY_LEN]; /* seals installation keys (signing) */
	unsigned char cache[KEY_CACHE_SLOTS][KEY_LEN];
};

/* What identifies a cached key: the wrapped bytes read from the database
 * (unique: random nonce) plus its owner. A cache hit is only taken when the
 * row read just now is byte-identical, so a key destroyed or replaced by
 * another connection or process, or created in a rolled-back transaction,
 * is never used from the cache. */
struct key_cache_slot {
	bool used;
	bool subject; /* false: tenant key */
	char tenant_id[KEY_CACHE_ID_MAX + 1];
	char subject_id[KEY_CACHE_ID_MAX + 1];
	unsigned char wrapped[WRAPPED_LEN];
};

struct keys {
	struct keys_secrets *secrets;
	size_t secrets_size;
	bool locked; /* mlock succeeded */
	pthread_mutex_t lock;
	struct key_cache_slot slots[KEY_CACHE_SLOTS];
	/* Ed25519 signing key, cached with the sealed bytes it came from. */
	EVP_PKEY *sign_key;
	unsigned char *sign_sealed;
	size_t sign_sealed_len;
	unsigned char sign_public[32];
};

/* AES-256-GCM. out must hold plain_len + SEAL_OVERHEAD bytes. 0 or -1. */
int aead_seal(const unsigned char key[KEY_LEN], const void *ad, size_t ad_len, const void *plain,
              size_t plain_len, unsigned char *out);
/* Opens sealed into out (sealed_len - SEAL_OVERHEAD bytes). -1 on a wrong
 * version, a short value, or a failed tag; out is then wiped. */
int aead_open(const unsigned char key[KEY_LEN], const void *ad, size_t ad_len,
              const unsigned char *sealed, size_t sealed_len, unsigned char *out);
/* HKDF-SHA-256 (RFC 5869); salt may be NULL. out_len <= 255 * 32. */
int hkdf_sha256(const void *salt, size_t salt_len, const void *ikm, size_t ikm_len,
                const void *info, size_t info_len, unsigned char *out, size_t out_len);
/* Joins prefix and parts with NUL separators: "prefix\0p1\0p2...". A part
 * that is NULL counts as "". Returns a malloc'd buffer and its length. */
unsigned char *ad_join(const char *prefix, const char *const *parts, size_t n, size_t *len_r);

/* Cache (keys_cache.c). Lookup copies the key out on a hit. */
bool key_cache_get(struct keys *keys, const char *tenant_id, const char *subject_id,
                   const unsigned char *wrapped, size_t wrapped_len, unsigned char key_r[KEY_LEN]);
void key_cache_put(struct keys *keys, const char *tenant_id, const char *subject_id,
                   const unsigned char *wrapped, size_t wrapped_len,
                   const unsigned char key[KEY_LEN]);
/* Drops (and wipes) every entry of the subject; subject_id NULL: every entry
 * of the tenant, its own key included. */
void key_cache_drop(struct keys *keys, const char *tenant_id, const char *subject_id);
/* Wipes every entry. */
void key_cache_clear(struct keys *keys);

/* Signing (keys_sign.c): frees the cached key. */
void keys_sign_forget(struct keys *keys);

#endif
