/*
 * crypto/keys_cache: a small, bounded cache of unwrapped tenant and subject
 * keys, so that a busy subject does not cost an unwrap per value. Slots are
 * direct-mapped by the random nonce of the wrapped key; the key bytes live in
 * the locked secrets region. Every function takes keys->lock.
 *
 * The cache never decides whether a key exists: callers read the wrapped row
 * first and only then ask the cache, which answers only for byte-identical
 * wrapped bytes of the same owner (keys_internal.h).
 */
#include "crypto/keys_internal.h"
#include "core/xalloc.h"

#include <string.h>

static size_t slot_of(const unsigned char *wrapped)
{
	/* The nonce (bytes 1..12) is uniformly random. */
	size_t h = ((size_t)wrapped[1] << 8) | wrapped[2];
	return h % KEY_CACHE_SLOTS;
}

static bool id_fits(const char *id)
{
	return id != NULL && strnlen(id, KEY_CACHE_ID_MAX + 1) <= KEY_CACHE_ID_MAX;
}

static bool slot_matches(const struct key_cache_slot *s, const char *tenant_id,
                         const char *subject_id)
{
	if (!s->used || s->subject != (subject_id != NULL) || strcmp(s->tenant_id, tenant_id) != 0)
		return false;
	return subject_id == NULL || strcmp(s->subject_id, subject_id) == 0;
}

static void slot_wipe(struct keys *keys, size_t i)
{
	secret_wipe(keys->secrets->cache[i], KEY_LEN);
	memset(&keys->slots[i], 0, sizeof(keys->slots[i]));
}

bool key_cache_get(struct keys *keys, const char *tenant_id, const char *subject_id,
                   const unsigned char *wrapped, size_t wrapped_len, unsigned char key_r[KEY_LEN])
{
	bool hit = false;
	if (wrapped_len != WRAPPED_LEN || !id_fits(tenant_id))
		return false;
	size_t i = slot_of(wrapped);
	pthread_mutex_lock(&keys->lock);
	const struct key_cache_slot *s = &keys->slots[i];
	if (slot_matches(s, tenant_id, subject_id) &&
	    memcmp(s->wrapped, wrapped, WRAPPED_LEN) == 0) {
		memcpy(key_r, keys->secrets->cache[i], KEY_LEN);
		hit = true;
	}
	pthread_mutex_unlock(&keys->lock);
	return hit;
}

void key_cache_put(struct keys *keys, const char *tenant_id, const char *subject_id,
                   const unsigned char *wrapped, size_t wrapped_len,
                   const unsigned char key[KEY_LEN])
{
	if (wrapped_len != WRAPPED_LEN || !id_fits(tenant_id) ||
	    (subject_id != NULL && !id_fits(subject_id)))
		return;
	size_t i = slot_of(wrapped);
	pthread_mutex_lock(&keys->lock);
	slot_wipe(keys, i);
	struct key_cache_slot *s = &keys->slots[i];
	s->used = true;
	s->subject = subject_id != NULL;
	memcpy(s->tenant_id, tenant_id, strlen(tenant_id) + 1);
	if (subject_id != NULL)
		memcpy(s->subject_id, subject_id, strlen(subject_id) + 1);
	memcpy(s->wrapped, wrapped, WRAPPED_LEN);
	memcpy(keys->secrets->cache[i], key, KEY_LEN);
	pthread_mutex_unlock(&keys->lock);
}

void key_cache_drop(struct keys *keys, const char *tenant_id, const char *subject_id)
{
	pthread_mutex_lock(&keys->lock);
	for (size_t i = 0; i < KEY_CACHE_SLOTS; i++) {
		struct key_cache_slot *s = &keys->slots[i];
		if (!s->used || strcmp(s->tenant_id, tenant_id) != 0)
			continue;
		if (subject_id == NULL || (s->subject && strcmp(s->subject_id, subject_id) == 0))
			slot_wipe(keys, i);
	}
	pthread_mutex_unlock(&keys->lock);
}

void key_cache_clear(struct keys *keys)
{
	pthread_mutex_lock(&keys->lock);
	for (size_t i = 0; i < KEY_CACHE_SLOTS; i++)
		slot_wipe(keys, i);
	pthread_mutex_unlock(&keys->lock);
}
