/*
 * libFuzzer target: the SCRAM text form read from the database, and the
 * client messages of a server-side exchange read from the network. The
 * first input byte picks the parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/scram.h"
#include "crypto/scram_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_decode(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct scram_credentials c;
	memcpy(text, data, size);
	text[size] = '\0';
	if (scram_credentials_decode(text, &c) == 0) {
		/* What decodes must encode back to the same text (canonical). */
		char *again = scram_credentials_encode(&c);
		if (again == NULL || strcmp(again, text) != 0)
			abort();
		free(again);
	}
	free(text);
}

/* Input: client-first, a NUL byte, client-final. A fixed credential with the
 * RFC 7677 salt; the proof will almost never match, the parsing is the point. */
static void fuzz_exchange(const uint8_t *data, size_t size, bool bind)
{
	static const unsigned char cb[] = "0123456789abcdef0123456789abcdef";
	struct scram_credentials cred;
	const char *user = NULL, *authz = NULL, *reply = NULL, *error = NULL;
	const uint8_t *nul = memchr(data, '\0', size);
	size_t first_len = nul != NULL ? (size_t)(nul - data) : size;
	memset(&cred, 0, sizeof(cred));
	cred.hash = SCRAM_SHA256;
	cred.iterations = SCRAM_ITERATIONS_MIN;
	struct scram_server *s = scram_server_new(SCRAM_SHA256, bind ? "tls-exporter" : NULL,
	                                          bind ? cb : NULL, bind ? sizeof(cb) - 1 : 0);
	if (scram_server_client_first(s, (const char *)data, first_len, &user, &authz, &error) ==
	        0 &&
	    scram_server_first_nonce(s, &cred, "servernonce", &reply, &error) == 0 && nul != NULL)
		(void)scram_server_final(s, (const char *)nul + 1, size - first_len - 1, &reply,
		                         &error);
	scram_server_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_decode(data + 1, size - 1);
		break;
	case 1:
		fuzz_exchange(data + 1, size - 1, false);
		break;
	default:
		fuzz_exchange(data + 1, size - 1, true);
		break;
	}
	return 0;
}
