/*
 * libFuzzer target: the base64 of SASL payloads (xmpp/sasl_util.c,
 * sasl_b64_decode), which decodes the text of every <auth/> and
 * <response/> a client sends before it is authenticated, and the avatar
 * data of XEP-0084 publishes.
 *
 * The input, cut at its first NUL (XML text holds none), is the element's
 * text. Asserted, against a small reference decoder written here (strict
 * RFC 4648: alphabet, length a multiple of 4, '=' only as the last one or
 * two characters): sasl_b64_decode accepts exactly what the reference
 * accepts (plus "" and "=", the empty response of RFC 6120 §6.4.2, and
 * minus texts over 4 * SCRAM_MESSAGE_MAX) and returns the same bytes,
 * NUL-terminated; what it returns encodes (sasl_b64_encode) and decodes
 * back to the same bytes.
 */
#include "crypto/scram.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* From xmpp/c2s_internal.h (which pulls in the whole server). */
char *sasl_b64_encode(const void *data, size_t len);
int sasl_b64_decode(const char *text, unsigned char **out_r, size_t *len_r);

static int value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The reference: -1 when invalid, else the decoded length (out holds it). */
static long reference(const char *t, size_t n, unsigned char *out)
{
	size_t pad = 0, o = 0;
	if (n == 0 || n % 4 != 0)
		return -1;
	if (t[n - 1] == '=')
		pad = t[n - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		for (size_t k = 0; k < 4; k++) {
			bool padded = i + k >= n - pad;
			int d = padded ? 0 : value(t[i + k]);
			if (d < 0 || (padded && t[i + k] != '='))
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		size_t take = i + 4 == n ? 3 - pad : 3;
		for (size_t k = 0; k < take; k++)
			out[o++] = (unsigned char)(v >> (16 - 8 * k));
	}
	return (long)o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	size_t n = strlen(text);
	unsigned char *ref = malloc(n / 4 * 3 + 1), *out = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	long want = reference(text, n, ref);
	int rc = sasl_b64_decode(text, &out, &len);
	bool empty = n == 0 || strcmp(text, "=") == 0;
	bool too_long = n > 4 * SCRAM_MESSAGE_MAX;
	if (empty) {
		if (rc != 0 || len != 0 || out == NULL || out[0] != '\0')
			abort();
	} else if (want < 0 || too_long) {
		if (rc != -1 || out != NULL)
			abort();
	} else {
		if (rc != 0 || len != (size_t)want || memcmp(out, ref, len) != 0 ||
		    out[len] != '\0')
			abort();
		char *enc = sasl_b64_encode(out, len);
		if (strlen(enc) != (len + 2) / 3 * 4 || sasl_b64_decode(enc, &again, &len2) != 0 ||
		    len2 != len || memcmp(again, out, len) != 0)
			abort();
		free(enc);
	}
	free(again);
	free(out);
	free(ref);
	free(text);
	return 0;
}
