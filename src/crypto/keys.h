/*
 * crypto/keys: the key hierarchy and the only module that sees the master key
 * (DESIGN.md "Keys and encryption").
 *
 *   master key (key file, mode 0600, or supplied by the operator)
 *     └─ tenant key (one per tenant, stored wrapped under the master key)
 *          └─ subject key (one per user, 1:1 conversation, bubble, ...;
 *                          stored wrapped under its tenant key)
 *
 * Callers never receive a key: they ask this module to seal or open a value
 * for a subject, to compute a blind index, to sign, or to destroy a key. That
 * request/response shape lets the module move into its own process later
 * (privilege separation) without changing callers. Every call takes the
 * caller's store connection (one per thread); wrapped keys live in the
 * tables of migration 002. Functions are thread-safe.
 *
 * Erasing a subject = keys_subject_destroy(): its wrapped key row is deleted,
 * so every sealed copy of its data, backups included, becomes unreadable
 * (crypto-shredding, P-AVL-1).
 */
#ifndef IRIS_CRYPTO_KEYS_H
#define IRIS_CRYPTO_KEYS_H

#include <stdbool.h>
#include <stddef.h>

struct store;
struct keys;

/* Binds a sealed value to its place (table, row id, column) so that it
 * cannot be moved to another row or column (AES-GCM associated data). */
struct seal_ad {
	const char *table;
	const char *row_id;
	const char *column;
};

/* Loads the master key from key_path, creating it (32 random bytes, mode
 * 0600 whatever the umask, written atomically) when missing and create is
 * true; the caller makes the 0700 directory. Refuses a key file that group
 * or others may read, that another user owns, that is not a regular file
 * (or is a symlink), or that is not exactly 32 bytes. *error_r names the
 * path; it stays valid until the next keys_open() on this thread. The key
 * is kept in mlock'ed memory excluded from core dumps where possible. */
int keys_open(const char *key_path, bool create, struct keys **keys_r, const char **error_r);
/* Wipes every key in memory and frees; NULL is fine. */
void keys_close(struct keys **keys);

/* Creates the tenant key (idempotent: an existing key is kept). Must run
 * inside the caller's transaction that creates the tenant. A tenant without
 * a key cannot seal, open or index: sealing never creates a tenant key. */
int keys_tenant_create(struct keys *keys, struct store *st, const char *tenant_id);
/* Destroys the tenant key and every subject key under it (end of contract). */
int keys_tenant_destroy(struct keys *keys, struct store *st, const char *tenant_id);

/* Seals plain for subject_id of tenant_id, creating the subject key on first
 * use (also after keys_subject_destroy: a new key, which opens nothing
 * older). *sealed_r is malloc'd (caller frees). Format: version byte (1),
 * 12-byte random nonce, ciphertext, 16-byte tag: plain_len + 29 bytes;
 * AES-256-GCM with associated data "iris1\0<table>\0<row_id>\0<column>". */
int keys_seal(struct keys *keys, struct store *st, const char *tenant_id, const char *subject_id,
              const struct seal_ad *ad, const void *plain, size_t plain_len,
              unsigned char **sealed_r, size_t *sealed_len_r);
/* Opens a sealed value. *plain_r is malloc'd with a NUL after plain_len bytes
 * (so text can be used directly); free it with secret_free(p, len + 1).
 * Returns -1 when the subject key is destroyed, the value was moved (wrong
 * ad), or it was tampered with. */
int keys_open_sealed(struct keys *keys, struct store *st, const char *tenant_id,
                     const char *subject_id, const struct seal_ad *ad, const void *sealed,
                     size_t sealed_len, char **plain_r, size_t *plain_len_r);

/* True when the subject still has a key. */
bool keys_subject_exists(struct keys *keys, struct store *st, const char *tenant_id,
                         const char *subject_id);
/* Crypto-shredding: deletes the subject's wrapped key (and drops any cached
 * copy). Idempotent. */
int keys_subject_destroy(struct keys *keys, struct store *st, const char *tenant_id,
                         const char *subject_id);

/* Blind index for searchable fields: hex HMAC-SHA-256, under a key derived
 * from the tenant key and purpose (e.g. "email"), of the already normalised
 * value. out must hold 65 bytes. Equal inputs give equal outputs within a
 * tenant and purpose; nothing else is revealed. tenant_id may be "" for
 * installation-wide indexes (e.g. unique usernames across tenants). */
int keys_blind_index(struct keys *keys, struct store *st, const char *tenant_id,
                     const char *purpose, const char *normalised, char out[65]);

/* Ed25519 signature with the installation's signing key (created on first
 * use, stored sealed under the master key). sig must hold 64 bytes. */
int keys_sign(struct keys *keys, struct store *st, const void *msg, size_t len,
              unsigned char sig[64]);
/* The public half, raw 32 bytes, for verifiers (auditors). */
int keys_sign_public(struct keys *keys, struct store *st, unsigned char pub[32]);
/* Verifies a signature with a raw public key; needs no secret. */
bool keys_verify(const unsigned char pub[32], const void *msg, size_t len,
                 const unsigned char sig[64]);

/* Derives a 32-byte installation key for a named purpose ("log-pseudonym",
 * "backup", "token-hash", "scram-fake") with HKDF-SHA-256 from the master
 * key (info "iris-derive\0<purpose>", so no purpose can collide with the
 * module's own keys). Deterministic: the same master key gives the same key.
 * The caller wipes out after use. */
int keys_derive(struct keys *keys, const char *purpose, unsigned char out[32]);

#endif
