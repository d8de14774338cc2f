/*
 * crypto/scram_server: the server side of one SASL SCRAM exchange (scram.h).
 * Parses the client's messages strictly and boundedly (they come from the
 * network), checks channel binding, the nonce and the ClientProof, and
 * computes the ServerSignature (RFC 5802 §3, §5, §7; RFC 7677).
 */
#include "crypto/scram_internal.h"
#include "core/ids.h"
#include "core/xalloc.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <string.h>

enum scram_state { ST_NEW, ST_GOT_FIRST, ST_SENT_FIRST, ST_DONE, ST_FAILED };

struct scram_server {
	enum scram_hash hash;
	enum scram_state state;
	char *cbind_type; /* offered by the connection, or NULL */
	unsigned char *cbind_data;
	size_t cbind_len;
	bool client_binds; /* gs2 flag 'p' */
	char *gs2_header;  /* "n,," etc., with the trailing ',' */
	char *client_first_bare;
	char *client_nonce;
	char *username;
	char *authzid; /* NULL when absent */
	char *server_first;
	char *nonce; /* client nonce + server nonce */
	char *reply;
	struct scram_credentials cred;
};

struct scram_server *scram_server_new(enum scram_hash hash, const char *cbind_type,
                                      const unsigned char *cbind_data, size_t cbind_len)
{
	if (scram_md(hash) == NULL)
		return NULL;
	struct scram_server *s = xcalloc(1, sizeof(*s));
	s->hash = hash;
	if (cbind_type != NULL && cbind_data != NULL && cbind_len > 0 && cbind_len <= 1024) {
		s->cbind_type = xstrdup(cbind_type);
		s->cbind_data = xmalloc(cbind_len);
		memcpy(s->cbind_data, cbind_data, cbind_len);
		s->cbind_len = cbind_len;
	}
	return s;
}

void scram_server_free(struct scram_server **sp)
{
	struct scram_server *s = *sp;
	if (s == NULL)
		return;
	*sp = NULL;
	free(s->cbind_type);
	free(s->cbind_data);
	free(s->gs2_header);
	free(s->client_first_bare);
	free(s->client_nonce);
	free(s->username);
	free(s->authzid);
	free(s->server_first);
	free(s->nonce);
	free(s->reply);
	secret_wipe(&s->cred, sizeof(s->cred));
	free(s);
}

static int fail(struct scram_server *s, const char *why, const char **error_r)
{
	s->state = ST_FAILED;
	*error_r = why;
	return -1;
}

/* Copies a message into a NUL-terminated string; NULL when too long, empty
 * or holding a NUL byte. */
static char *message_copy(const char *msg, size_t len)
{
	if (msg == NULL || len == 0 || len > SCRAM_MESSAGE_MAX || memchr(msg, '\0', len) != NULL)
		return NULL;
	return xstrndup(msg, len);
}

/* Decodes a saslname ("=2C" -> ',', "=3D" -> '=') of n bytes; NULL when
 * empty or with any other '=' escape. */
static char *saslname_decode(const char *p, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '=') {
			out[o++] = p[i];
		} else if (i + 2 < n && p[i + 1] == '2' && p[i + 2] == 'C') {
			out[o++] = ',';
			i += 2;
		} else if (i + 2 < n && p[i + 1] == '3' && p[i + 2] == 'D') {
			out[o++] = '=';
			i += 2;
		} else {
			free(out);
			return NULL;
		}
	}
	out[o] = '\0';
	if (o == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Length of the attribute value at p (up to ',' or the end). */
static size_t value_len(const char *p)
{
	return strcspn(p, ",");
}

static bool nonce_ok(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e || p[i] == ',')
			return false;
	return true;
}

static bool cbname_ok(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* gs2-header: cbind flag and optional authzid. Returns its length (with the
 * trailing ','), or -1 with *why set. */
static long parse_gs2(struct scram_server *s, const char *m, const char **why)
{
	size_t at;
	*why = "other-error";
	if (m[0] == 'n' || m[0] == 'y') {
		if (m[1] != ',')
			return -1;
		if (m[0] == 'y' && s->cbind_type != NULL) {
			*why = "server-does-support-channel-binding";
			return -1;
		}
		at = 2;
	} else if (m[0] == 'p' && m[1] == '=') {
		size_t n = value_len(m + 2);
		if (!cbname_ok(m + 2, n) || m[2 + n] != ',')
			return -1;
		if (s->cbind_type == NULL || strlen(s->cbind_type) != n ||
		    memcmp(s->cbind_type, m + 2, n) != 0) {
			*why = "unsupported-channel-binding-type";
			return -1;
		}
		s->client_binds = true;
		at = 2 + n + 1;
	} else {
		return -1;
	}
	if (m[at] == 'a' && m[at + 1] == '=') {
		size_t n = value_len(m + at + 2);
		s->authzid = saslname_decode(m + at + 2, n);
		if (s->authzid == NULL || m[at + 2 + n] != ',') {
			*why = "invalid-encoding";
			return -1;
		}
		at += 2 + n;
	}
	if (m[at] != ',')
		return -1;
	return (long)at + 1;
}

/* client-first-message-bare: username and nonce; extensions ignored, a
 * mandatory one ("m=") refused. */
static int parse_first_bare(struct scram_server *s, const char *b, const char **why)
{
	*why = "other-error";
	if (b[0] == 'm' && b[1] == '=') {
		*why = "extensions-not-supported";
		return -1;
	}
	if (b[0] != 'n' || b[1] != '=')
		return -1;
	size_t n = value_len(b + 2);
	s->username = saslname_decode(b + 2, n);
	if (s->username == NULL) {
		*why = "invalid-username-encoding";
		return -1;
	}
	const char *r = b + 2 + n;
	if (r[0] != ',' || r[1] != 'r' || r[2] != '=')
		return -1;
	size_t rn = value_len(r + 3);
	if (!nonce_ok(r + 3, rn) || (r[3 + rn] != ',' && r[3 + rn] != '\0'))
		return -1;
	s->client_nonce = xstrndup(r + 3, rn);
	return 0;
}

int scram_server_client_first(struct scram_server *s, const char *msg, size_t len,
                              const char **username_r, const char **authzid_r, const char **error_r)
{
	const char *why = "other-error";
	*username_r = *authzid_r = NULL;
	if (s->state != ST_NEW)
		return fail(s, "other-error", error_r);
	char *m = message_copy(msg, len);
	if (m == NULL)
		return fail(s, "other-error", error_r);
	long gs2 = parse_gs2(s, m, &why);
	if (gs2 < 0 || parse_first_bare(s, m + gs2, &why) < 0) {
		free(m);
		return fail(s, why, error_r);
	}
	s->gs2_header = xstrndup(m, (size_t)gs2);
	s->client_first_bare = xstrdup(m + gs2);
	free(m);
	s->state = ST_GOT_FIRST;
	*username_r = s->username;
	*authzid_r = s->authzid;
	return 0;
}

int scram_server_first_nonce(struct scram_server *s, const struct scram_credentials *cred,
                             const char *server_nonce, const char **reply_r, const char **error_r)
{
	char salt[B64_LEN(16) + 1];
	*reply_r = NULL;
	if (s->state != ST_GOT_FIRST || cred == NULL || cred->hash != s->hash ||
	    cred->iterations < SCRAM_ITERATIONS_MIN || cred->iterations > SCRAM_ITERATIONS_MAX ||
	    !nonce_ok(server_nonce, strlen(server_nonce)))
		return fail(s, "other-error", error_r);
	s->cred = *cred;
	s->nonce = xasprintf("%s%s", s->client_nonce, server_nonce);
	b64_encode(cred->salt, sizeof(cred->salt), salt);
	s->server_first = xasprintf("r=%s,s=%s,i=%u", s->nonce, salt, cred->iterations);
	s->state = ST_SENT_FIRST;
	*reply_r = s->server_first;
	return 0;
}

int scram_server_first(struct scram_server *s, const struct scram_credentials *cred,
                       const char **reply_r, const char **error_r)
{
	unsigned char raw[18];
	char nonce[B64_LEN(18) + 1];
	ids_random(raw, sizeof(raw));
	b64_encode(raw, sizeof(raw), nonce);
	return scram_server_first_nonce(s, cred, nonce, reply_r, error_r);
}

/* Checks "c=<b64>": the gs2 header, plus the binding data for 'p'. */
static int check_cbind(const struct scram_server *s, const char *c, size_t n)
{
	size_t hlen = strlen(s->gs2_header);
	size_t want = hlen + (s->client_binds ? s->cbind_len : 0);
	unsigned char *buf = xmalloc(want + 3);
	long got = b64_decode(c, n, buf, want + 2);
	int rc = -1;
	if (got == (long)want && memcmp(buf, s->gs2_header, hlen) == 0 &&
	    (!s->client_binds || CRYPTO_memcmp(buf + hlen, s->cbind_data, s->cbind_len) == 0))
		rc = 0;
	free(buf);
	return rc;
}

/* ClientProof check and ServerSignature (RFC 5802 §3). sig_r gets hlen
 * bytes. */
static int check_proof(const struct scram_server *s, const char *auth, const unsigned char *proof,
                       unsigned char sig_r[32])
{
	const EVP_MD *md = scram_md(s->hash);
	size_t hlen = scram_hash_len(s->hash);
	unsigned char csig[32], ckey[32], stored[32];
	unsigned int len = 0;
	size_t alen = strlen(auth);
	int rc = -1;
	if (HMAC(md, s->cred.stored_key, (int)hlen, (const unsigned char *)auth, alen, csig,
	         &len) == NULL)
		goto out;
	for (size_t i = 0; i < hlen; i++)
		ckey[i] = proof[i] ^ csig[i];
	if (EVP_Digest(ckey, hlen, stored, &len, md, NULL) != 1 ||
	    CRYPTO_memcmp(stored, s->cred.stored_key, hlen) != 0)
		goto out;
	if (HMAC(md, s->cred.server_key, (int)hlen, (const unsigned char *)auth, alen, sig_r,
	         &len) == NULL)
		goto out;
	rc = 0;
out:
	secret_wipe(csig, sizeof(csig));
	secret_wipe(ckey, sizeof(ckey));
	secret_wipe(stored, sizeof(stored));
	return rc;
}

/* Splits client-final into its parts; returns the proof's offset or -1. */
static long parse_final(const struct scram_server *s, const char *m, const char **why)
{
	*why = "other-error";
	const char *proof = NULL;
	for (const char *p = strstr(m, ",p="); p != NULL; p = strstr(p + 1, ",p="))
		proof = p;
	if (proof == NULL || strchr(proof + 3, ',') != NULL || m[0] != 'c' || m[1] != '=')
		return -1;
	size_t cn = value_len(m + 2);
	if (check_cbind(s, m + 2, cn) < 0) {
		*why = "channel-bindings-dont-match";
		return -1;
	}
	const char *r = m + 2 + cn;
	size_t nlen = strlen(s->nonce);
	if (r[0] != ',' || r[1] != 'r' || r[2] != '=' || strncmp(r + 3, s->nonce, nlen) != 0 ||
	    (r[3 + nlen] != ',') || r + 3 + nlen > proof)
		return -1;
	return proof - m;
}

int scram_server_final(struct scram_server *s, const char *msg, size_t len, const char **reply_r,
                       const char **error_r)
{
	const char *why = "other-error";
	unsigned char proof[32], sig[32];
	char sig64[B64_LEN(32) + 1];
	size_t hlen = scram_hash_len(s->hash);
	*reply_r = NULL;
	if (s->state != ST_SENT_FIRST)
		return fail(s, "other-error", error_r);
	char *m = message_copy(msg, len);
	if (m == NULL)
		return fail(s, "other-error", error_r);
	long at = parse_final(s, m, &why);
	if (at < 0 || b64_decode(m + at + 3, strlen(m + at + 3), proof, hlen) != (long)hlen) {
		free(m);
		return fail(s, at < 0 ? why : "invalid-encoding", error_r);
	}
	m[at] = '\0'; /* client-final-message-without-proof */
	char *auth = xasprintf("%s,%s,%s", s->client_first_bare, s->server_first, m);
	int rc = check_proof(s, auth, proof, sig);
	free(auth);
	free(m);
	if (rc < 0)
		return fail(s, "invalid-proof", error_r);
	b64_encode(sig, hlen, sig64);
	s->reply = xasprintf("v=%s", sig64);
	s->state = ST_DONE;
	*reply_r = s->reply;
	return 0;
}
