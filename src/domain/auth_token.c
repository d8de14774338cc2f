/*
 * domain/auth_token: bearer tokens (see auth.h). The token is 32 random
 * bytes as hex; the table holds only SHA-256(token), so a copy of the
 * database lets nobody act as a user.
 */
#include "core/account_events.h"
#include "privacy/account_changes.h"
#include "core/config.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/scram.h"
#include "domain/accounts_internal.h"
#include "domain/app.h"
#include "domain/auth.h"
#include "domain/auth_internal.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int auth_token_issue_tx(struct app *app, struct store *st, const char *account_id,
                        enum token_scope scope, int ttl_s, struct login_result *out)
{
	char id[IDS_UUID_LEN], hash[65];
	int64_t now = acc_now();
	int ttl = app->cfg->token_ttl_s;
	if (ttl_s > 0 && ttl_s < ttl)
		ttl = ttl_s;
	ids_uuid4(id);
	ids_random_hex(out->token, 32);
	acc_sha256_hex(out->token, 64, hash);
	out->expires_at = now + ttl;
	out->scope = scope;
	return store_run(st,
	                 "INSERT INTO auth_tokens (id, token_hash, account_id, scope, created_at, "
	                 "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
	                 "ssssii", id, hash, account_id,
	                 scope == TOKEN_FULL ? "full" : "password_change", now,
	                 out->expires_at) == STORE_DONE
	           ? 0
	           : -1;
}

static bool token_syntax_ok(const char *token)
{
	if (token == NULL || strlen(token) != 64)
		return false;
	for (const char *c = token; *c != '\0'; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return false;
	return true;
}

int auth_authenticate(struct app *app, struct store *st, const char *token, struct principal *p,
                      const char **error_r)
{
	char hash[65];
	memset(p, 0, sizeof(*p));
	*error_r = "unauthorized";
	if (!token_syntax_ok(token))
		return -1;
	acc_sha256_hex(token, 64, hash);
	struct store_stmt *q = store_query(
	    st,
	    "SELECT a.id, a.tenant_id, a.username, a.role, a.status, a.must_change_password, "
	    "a.created_at, t.id, t.scope, t.expires_at, t.revoked_at FROM auth_tokens t "
	    "JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = ?",
	    "s", hash);
	int rc = q ? store_step(q) : STORE_ERROR;
	bool revoked = false;
	if (rc == STORE_ROW) {
		acc_from_row(q, &p->account);
		snprintf(p->token_id, sizeof(p->token_id), "%s", store_col_text(q, 7));
		p->scope =
		    strcmp(store_col_text(q, 8), "full") == 0 ? TOKEN_FULL : TOKEN_PASSWORD_CHANGE;
		p->expires_at = store_col_int(q, 9);
		revoked = !store_col_is_null(q, 10);
	}
	store_stmt_done(q);
	if (rc != STORE_ROW) {
		if (rc != STORE_DONE)
			*error_r = "internal";
		return -1;
	}
	if (revoked || strcmp(p->account.status, "active") != 0)
		return -1;
	if (p->expires_at <= acc_now())
		return *error_r = "token_expired", -1;
	actor_from_account(&p->actor, &p->account);
	*error_r = NULL;
	return 0;
}

int auth_logout(struct store *st, const struct principal *p)
{
	return store_run(st,
	                 "UPDATE auth_tokens SET revoked_at = ? WHERE id = ? AND "
	                 "revoked_at IS NULL",
	                 "is", acc_now(), p->token_id) == STORE_DONE
	           ? 0
	           : -1;
}

int auth_revoke_all(struct app *app, struct store *st, const struct actor *actor,
                    const char *account_id, const char **error_r)
{
	struct account acc;
	if (accounts_get(st, account_id, &acc, error_r) < 0)
		return -1;
	if (store_tx_begin(st) < 0)
		return *error_r = "internal", -1;
	if (store_run(st,
	              "UPDATE auth_tokens SET revoked_at = ? WHERE account_id = ? AND "
	              "revoked_at IS NULL",
	              "is", acc_now(), account_id) != STORE_DONE ||
	    acc_audit(app, st, actor, acc.tenant_id, "account.tokens_revoke", "account", account_id,
	              "tokens", actor->role == ROLE_TENANT_ADMIN) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return *error_r = "internal", -1;
	}
	return 0;
}

static bool current_ok(struct store *st, const char *account_id, const char *password)
{
	struct scram_credentials c;
	bool ok = false;
	struct store_stmt *q =
	    store_query(st, "SELECT scram_sha256 FROM accounts WHERE id = ?", "s", account_id);
	if (q != NULL && store_step(q) == STORE_ROW &&
	    scram_credentials_decode(store_col_text(q, 0), &c) == 0)
		ok = true;
	store_stmt_done(q);
	ok = ok && password != NULL && scram_password_matches(password, &c);
	secret_wipe(&c, sizeof(c));
	return ok;
}

static int change_tx(struct app *app, struct store *st, const struct principal *p, const char *s256,
                     const char *s1, struct login_result *out)
{
	int64_t now = acc_now();
	if (store_run(st,
	              "UPDATE accounts SET scram_sha256 = ?, scram_sha1 = ?, "
	              "must_change_password = 0, updated_at = ? WHERE id = ?",
	              "ssis", s256, s1, now, p->account.id) != STORE_DONE ||
	    store_run(st,
	              "UPDATE auth_tokens SET revoked_at = ? WHERE account_id = ? AND "
	              "revoked_at IS NULL",
	              "is", now, p->account.id) != STORE_DONE ||
	    (out != NULL && auth_token_issue_tx(app, st, p->account.id, TOKEN_FULL, 0, out) < 0) ||
	    account_changes_record_tx(st, ACCOUNT_CHANGE_PASSWORD, p->account.id,
	                              p->account.tenant_id, p->session) < 0)
		return -1;
	return acc_audit(app, st, &p->actor, p->account.tenant_id, "account.password_change",
	                 "account", p->account.id, "password", false);
}

int auth_change_password(struct app *app, struct store *st, const struct principal *p,
                         const char *current, const char *new_password, struct login_result *out,
                         const char **error_r)
{
	char *s256 = NULL, *s1 = NULL;
	int ret = -1;
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (!accounts_password_valid(new_password))
		return *error_r = "weak_password", -1;
	/* Without current: only an XMPP session, which proved the password
	 * at its SASL login (XEP-0077 §3.3 sends none). */
	if (current == NULL ? p->session[0] == '\0' : !current_ok(st, p->account.id, current))
		return *error_r = "unauthorized", -1;
	/* a one-time password must really change */
	if (current != NULL ? strcmp(current, new_password) == 0
	                    : current_ok(st, p->account.id, new_password))
		return *error_r = "weak_password", -1;
	*error_r = "internal";
	if (acc_credentials(app, new_password, &s256, &s1) < 0 || store_tx_begin(st) < 0)
		goto out;
	if (change_tx(app, st, p, s256, s1, out) < 0 || store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		if (out != NULL)
			secret_wipe(out->token, sizeof(out->token));
		goto out;
	}
	/* The other sessions end; the XMPP session that changed it stays. */
	account_events_notify(ACCOUNT_CHANGE_PASSWORD, p->account.id, p->account.tenant_id,
	                      p->session);
	if (out != NULL) {
		out->account = p->account;
		out->account.must_change_password = false;
	}
	*error_r = NULL;
	ret = 0;
out:
	free(s256);
	free(s1);
	return ret;
}
