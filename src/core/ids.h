/*
 * core/ids: random identifiers and bytes from the kernel CSPRNG.
 * Internal ids are random UUIDv4 (P-SEC-7): they reveal nothing of the order
 * or time of creation.
 */
#ifndef IRIS_CORE_IDS_H
#define IRIS_CORE_IDS_H

#include <stdbool.h>
#include <stddef.h>

#define IDS_UUID_LEN 37 /* 36 characters and the NUL */

/* Fills buf with n random bytes; aborts if the kernel cannot supply them. */
void ids_random(void *buf, size_t n);
/* Writes a new lowercase UUIDv4 into out. */
void ids_uuid4(char out[IDS_UUID_LEN]);
/* True when s is a lowercase canonical UUIDv4. */
bool ids_is_uuid4(const char *s);
/* Writes n random bytes as 2n lowercase hex characters plus NUL into out. */
void ids_random_hex(char *out, size_t n);
/* Hex-encodes n bytes into out (2n+1 bytes). */
void ids_hex(const unsigned char *in, size_t n, char *out);

#endif
