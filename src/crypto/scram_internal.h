/*
 * crypto/scram_internal: helpers shared by scram.c and scram_server.c, and
 * reached by their tests and fuzz target.
 */
#ifndef IRIS_CRYPTO_SCRAM_INTERNAL_H
#define IRIS_CRYPTO_SCRAM_INTERNAL_H

#include "crypto/scram.h"

#include <openssl/evp.h>

/* Length of base64 (with padding) of n bytes. */
#define B64_LEN(n) (((n) + 2) / 3 * 4)

/* Encodes n bytes as standard base64 with padding plus NUL into out
 * (B64_LEN(n) + 1 bytes). */
void b64_encode(const unsigned char *in, size_t n, char *out);
/* Decodes exactly text_len characters of canonical, padded base64 (no
 * whitespace, zero padding bits) into out (at most out_max bytes). Returns
 * the decoded length, or -1. */
long b64_decode(const char *text, size_t text_len, unsigned char *out, size_t out_max);

const EVP_MD *scram_md(enum scram_hash hash);
/* Digest length of the hash: 20 or 32; 0 for an unknown value. */
size_t scram_hash_len(enum scram_hash hash);

/* Test hook: server_first with a given server nonce (printable, no ','). */
int scram_server_first_nonce(struct scram_server *s, const struct scram_credentials *cred,
                             const char *server_nonce, const char **reply_r, const char **error_r);

#endif
