/*
 * crypto/scram: SCRAM credentials (RFC 5802, RFC 7677). Passwords are stored
 * only as salted SCRAM keys, never reversibly (P-SEC-1): StoredKey and
 * ServerKey per hash, with the salt and iteration count. The same record
 * serves REST password logins and XMPP SASL SCRAM-SHA-256 / SCRAM-SHA-1.
 */
#ifndef IRIS_CRYPTO_SCRAM_H
#define IRIS_CRYPTO_SCRAM_H

#include <stdbool.h>
#include <stddef.h>

enum scram_hash { SCRAM_SHA1 = 1, SCRAM_SHA256 = 256 };

/* Accepted PBKDF2 iteration counts (RFC 7677 asks for at least 4096). */
#define SCRAM_ITERATIONS_MIN 4096u
#define SCRAM_ITERATIONS_MAX 10000000u
/* Longest password accepted, in bytes, before and after SASLprep. */
#define SCRAM_PASSWORD_MAX 1024

struct scram_credentials {
	enum scram_hash hash;
	unsigned char salt[16];
	unsigned iterations;
	unsigned char stored_key[32]; /* first 20 bytes used for SHA-1 */
	unsigned char server_key[32];
};

/* Normalises the password with SASLprep (RFC 4013, stored-string profile,
 * through GNU SASL: rejects control characters, unassigned code points and
 * invalid UTF-8; empty or above SCRAM_PASSWORD_MAX bytes is refused), draws
 * a 16-byte salt, runs PBKDF2. iterations must lie within
 * SCRAM_ITERATIONS_MIN..MAX. error_r is a static message. */
int scram_credentials_make(const char *password, enum scram_hash hash, unsigned iterations,
                           struct scram_credentials *out, const char **error_r);
/* The same with a given salt: known-answer tests, and credentials that are
 * stable across calls (scram_credentials_fake). */
int scram_credentials_make_salt(const char *password, enum scram_hash hash, unsigned iterations,
                                const unsigned char salt[16], struct scram_credentials *out,
                                const char **error_r);
/* Credentials for a user that does not exist: salt derived from key (e.g.
 * keys_derive("scram-fake")) and the username, so that asking twice gives
 * the same salt and nothing tells an unknown user from a known one. No
 * password matches them. */
void scram_credentials_fake(enum scram_hash hash, unsigned iterations, const unsigned char key[32],
                            const char *username, struct scram_credentials *out);
/* Checks a clear password (REST login, SASL PLAIN over TLS) against stored
 * credentials in constant time. */
bool scram_password_matches(const char *password, const struct scram_credentials *cred);
/* Text form for storage: "SCRAM-SHA-256$<iter>$<b64 salt>$<b64 stored>$<b64 server>"
 * ("SCRAM-SHA-1$..." for SHA-1), standard base64 with padding. malloc'd;
 * NULL on invalid input. */
char *scram_credentials_encode(const struct scram_credentials *cred);
/* Parses the text form strictly: exact prefix, decimal iterations within
 * bounds without sign or leading zero, canonical base64 of exactly the
 * right lengths, nothing after. Treats text as hostile. 0, or -1 with out
 * zeroed. */
int scram_credentials_decode(const char *text, struct scram_credentials *out);

/*
 * Server side of one SASL SCRAM exchange (RFC 5802 §5, RFC 7677), for the
 * XMPP layer. Messages are the raw SASL payloads (already base64-decoded from
 * the XMPP <auth/>/<response/> elements). Usage:
 *
 *   s = scram_server_new(SCRAM_SHA256, cbind_type, cbind_data, cbind_len);
 *   scram_server_client_first(s, msg, len, &user, &authzid, &err);
 *   look up user's credentials (or scram_credentials_fake() if none);
 *   scram_server_first(s, &cred, &reply, &err);      send reply
 *   scram_server_final(s, msg, len, &reply, &err);   send reply ("v=...")
 *   scram_server_free(&s);
 *
 * Channel binding: pass the type the connection offers in -PLUS mechanisms
 * ("tls-exporter" or "tls-server-end-point") and its data, or NULL/0 when
 * none is offered. A client saying "y" while the server offers binding is
 * refused (downgrade, RFC 5802 §6). Error messages are the RFC 5802
 * server-error values where one fits ("invalid-proof", "channel-bindings-
 * dont-match", ...), static strings. Replies and names are owned by the
 * exchange and valid until scram_server_free(). Messages above
 * SCRAM_MESSAGE_MAX bytes are refused.
 */
#define SCRAM_MESSAGE_MAX 4096
struct scram_server;
struct scram_server *scram_server_new(enum scram_hash hash, const char *cbind_type,
                                      const unsigned char *cbind_data, size_t cbind_len);
int scram_server_client_first(struct scram_server *s, const char *msg, size_t len,
                              const char **username_r, const char **authzid_r,
                              const char **error_r);
int scram_server_first(struct scram_server *s, const struct scram_credentials *cred,
                       const char **reply_r, const char **error_r);
/* Checks the channel-binding echo, the nonce and the ClientProof in
 * constant time; on success the reply carries the ServerSignature. */
int scram_server_final(struct scram_server *s, const char *msg, size_t len, const char **reply_r,
                       const char **error_r);
/* Wipes and frees; NULL is fine. */
void scram_server_free(struct scram_server **s);

#endif
