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

struct scram_credentials {
	enum scram_hash hash;
	unsigned char salt[16];
	unsigned iterations;
	unsigned char stored_key[32]; /* first 20 bytes used for SHA-1 */
	unsigned char server_key[32];
};

/* Normalises the password (SASLprep subset: rejects control characters and
 * anything above 1024 bytes), draws a salt, runs PBKDF2. */
int scram_credentials_make(const char *password, enum scram_hash hash, unsigned iterations,
			   struct scram_credentials *out, const char **error_r);
/* Checks a clear password (REST login, SASL PLAIN over TLS) against stored
 * credentials in constant time. */
bool scram_password_matches(const char *password, const struct scram_credentials *cred);
/* Text form for storage: "SCRAM-SHA-256$<iter>$<b64 salt>$<b64 stored>$<b64 server>". */
char *scram_credentials_encode(const struct scram_credentials *cred);
int scram_credentials_decode(const char *text, struct scram_credentials *out);

#endif
