/*
 * xmpp/sasl_util: base64 for SASL payloads, account lookups as XMPP sees
 * them. Login throttling, login events and the connection log (P-LOG-1)
 * are domain/auth.h's, shared with the REST logins (see sasl.c).
 */
#include "core/config.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "store/store.h"
#include "xmpp/c2s_internal.h"
#include "xmpp/sasl_internal.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

char *sasl_b64_encode(const void *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

int sasl_b64_decode(const char *text, unsigned char **out_r, size_t *len_r)
{
	return xmpp_b64_decode(text, 4 * SCRAM_MESSAGE_MAX, out_r, len_r);
}

int xmpp_b64_decode(const char *text, size_t max_text, unsigned char **out_r, size_t *len_r)
{
	size_t n = strlen(text);
	*out_r = NULL;
	*len_r = 0;
	if (n == 0 || strcmp(text, "=") == 0) {
		*out_r = xcalloc(1, 1);
		return 0;
	}
	if (n % 4 != 0 || n > max_text || n > INT_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char ch = text[i];
		bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		          (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' ||
		          (ch == '=' && i >= n - 2);
		if (!ok || (ch != '=' && i > 0 && text[i - 1] == '='))
			return -1;
	}
	unsigned char *out = xmalloc(n / 4 * 3 + 1);
	int got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
	if (got < 0) {
		free(out);
		return -1;
	}
	size_t pad = text[n - 1] == '=' ? (text[n - 2] == '=' ? 2 : 1) : 0;
	*len_r = (size_t)got - pad;
	out[*len_r] = '\0';
	*out_r = out;
	return 0;
}

int xacct_by_username(struct store *st, const char *username, struct xacct *out)
{
	memset(out, 0, sizeof(*out));
	struct store_stmt *q = store_query(
	    st,
	    "SELECT id, tenant_id, username, status, must_change_password FROM accounts "
	    "WHERE username = ?",
	    "s", username);
	if (q == NULL)
		return -1;
	int rc = store_step(q);
	if (rc == STORE_ROW) {
		snprintf(out->id, sizeof(out->id), "%s", store_col_text(q, 0));
		snprintf(out->tenant_id, sizeof(out->tenant_id), "%s", store_col_text(q, 1));
		snprintf(out->username, sizeof(out->username), "%s", store_col_text(q, 2));
		snprintf(out->status, sizeof(out->status), "%s", store_col_text(q, 3));
		out->must_change_password = store_col_int(q, 4) != 0;
	}
	store_stmt_done(q);
	return rc == STORE_ROW ? 1 : rc == STORE_DONE ? 0 : -1;
}

const char *xacct_local_of(const struct xmpp_server *srv, const char *bare, char *buf, size_t size)
{
	const char *at = strchr(bare, '@');
	if (at == NULL || at == bare || (size_t)(at - bare) >= size ||
	    strcmp(at + 1, srv->domain) != 0 || strchr(at + 1, '/') != NULL)
		return NULL;
	memcpy(buf, bare, (size_t)(at - bare));
	buf[at - bare] = '\0';
	return buf;
}

int64_t sasl_now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int sasl_credentials(struct store *st, const char *account_id, enum scram_hash hash,
                     struct scram_credentials *out)
{
	struct store_stmt *q =
	    store_query(st,
	                hash == SCRAM_SHA1 ? "SELECT scram_sha1 FROM accounts WHERE id = ?"
	                                   : "SELECT scram_sha256 FROM accounts WHERE id = ?",
	                "s", account_id);
	int rc = -1;
	if (q != NULL && store_step(q) == STORE_ROW &&
	    scram_credentials_decode(store_col_text(q, 0), out) == 0)
		rc = 0;
	store_stmt_done(q);
	return rc;
}
