/*
 * xmpp/sasl_db: the account lookups of SASL and of the XMPP code that
 * resolves a local JID (worker thread, no loop state): an account by
 * username as XMPP sees it, and its stored SCRAM credentials.
 */
#include "store/store.h"
#include "xmpp/c2s_internal.h"
#include "xmpp/sasl_internal.h"

#include <stdio.h>
#include <string.h>

/* Fills the caller's *out (zeroed first) with the account named username;
 * 1 found, 0 not found, -1 error. */
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

/* Decodes the account's stored credentials for hash into the caller's
 * *out; 0, or -1 when there are none or they cannot be read. */
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
