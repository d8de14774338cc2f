/*
 * domain/accounts_register: freemium self-registration with e-mail
 * confirmation (P-ACC-1). The account is created "pending" together with a
 * single-use code (only its SHA-256 is stored) and the confirmation mail in
 * the outbox, all in one transaction: the mail exists exactly when the
 * account does. Pending accounts whose code expired are erased by the hourly
 * job accounts.pending_purge (privacy/retention_jobs.c) and by the next
 * registration, which frees their username and address; each such erasure
 * is recorded in the retention log.
 */
#include "privacy/retention_log.h"
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/accounts_internal.h"
#include "domain/app.h"
#include "domain/mail.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODE_BYTES 16

/* Erases pending accounts created before now - ttl (their code expired)
 * and records how many in the retention log (P-RET-1). */
static int purge_stale_pending_tx(struct app *app, struct store *st, int64_t now, int64_t ttl,
                                  int64_t *erased_r)
{
	struct actor sys;
	const char *error = NULL;
	int64_t n = 0;
	actor_system(&sys, "system");
	for (;;) {
		struct account acc;
		struct store_stmt *q = store_query(st,
		                                   "SELECT " ACC_COLUMNS " FROM accounts WHERE "
		                                   "status = 'pending' AND created_at < ? LIMIT 1",
		                                   "i", now - ttl);
		int rc = q ? store_step(q) : STORE_ERROR;
		if (rc == STORE_ROW)
			acc_from_row(q, &acc);
		store_stmt_done(q);
		if (rc == STORE_DONE)
			break;
		if (rc != STORE_ROW || accounts_erase_tx(app, st, &sys, &acc, &error) < 0)
			return -1;
		n++;
	}
	*erased_r = n;
	return retention_log_write_tx(st, "", "pending_registrations", "accounts", n, now - ttl,
	                              now);
}

int accounts_purge_pending(struct app *app, struct store *st, int64_t now, int64_t *erased_r)
{
	*erased_r = 0;
	if (store_tx_begin(st) < 0)
		return -1;
	if (purge_stale_pending_tx(app, st, now, app->cfg->confirm_ttl_s, erased_r) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		*erased_r = 0;
		return -1;
	}
	return 0;
}

static int queue_mail_tx(struct app *app, struct store *st, const char *id,
                         const struct registration *reg, const char *code)
{
	char *body =
	    xasprintf("Hello %s %s,\n\n"
	              "please confirm your e-mail address to activate your Iris account \"%s\".\n\n"
	              "Open this link:\n%s/api/v1/register/confirm?code=%s\n\n"
	              "or enter this confirmation code: %s\n\n"
	              "The code is valid for %d hours. If you did not register, ignore this mail;\n"
	              "the pending account and your address will be deleted.\n",
	              reg->first_name, reg->last_name, reg->username, app->public_url, code, code,
	              app->cfg->confirm_ttl_s / 3600 > 0 ? app->cfg->confirm_ttl_s / 3600 : 1);
	int rc =
	    mail_enqueue(app, st, "", id, "confirm", reg->email, "Confirm your Iris account", body);
	secret_free(body, strlen(body));
	return rc;
}

static int register_tx(struct app *app, struct store *st, const struct account_new *in,
                       const struct acc_prepared *p, const struct registration *reg,
                       char id_r[IDS_UUID_LEN], const char **error_r)
{
	struct actor self;
	char code[2 * CODE_BYTES + 1], hash[65];
	int ret = -1;
	int64_t now = acc_now();
	*error_r = "internal";
	int64_t purged = 0;
	if (purge_stale_pending_tx(app, st, now, app->cfg->confirm_ttl_s, &purged) < 0)
		return -1;
	/* The new user is the actor of their own registration. */
	actor_system(&self, "self-registration");
	self.role = ROLE_USER;
	if (acc_insert_tx(app, st, &self, in, p, id_r, error_r) < 0)
		return -1;
	*error_r = "internal";
	ids_random_hex(code, CODE_BYTES);
	acc_sha256_hex(code, strlen(code), hash);
	if (store_run(st,
	              "INSERT INTO account_confirmations (code_hash, account_id, created_at, "
	              "expires_at) VALUES (?, ?, ?, ?)",
	              "ssii", hash, id_r, now, now + app->cfg->confirm_ttl_s) == STORE_DONE &&
	    queue_mail_tx(app, st, id_r, reg, code) == 0) {
		*error_r = NULL;
		ret = 0;
	}
	secret_wipe(code, sizeof(code));
	return ret;
}

int accounts_register(struct app *app, struct store *st, const struct registration *reg,
                      char id_r[IDS_UUID_LEN], const char **error_r)
{
	struct account_new in = {
	    .tenant_id = "",
	    .username = reg->username,
	    .password = reg->password,
	    .email = reg->email,
	    .first_name = reg->first_name,
	    .last_name = reg->last_name,
	    .role = ROLE_USER,
	    .status = "pending",
	};
	struct acc_prepared p;
	char pseudo[LOG_PSEUDONYM_LEN];
	int ret = -1;
	if (!app->cfg->self_registration)
		return *error_r = "registration_disabled", -1;
	if (reg->email == NULL || reg->first_name == NULL || reg->last_name == NULL ||
	    reg->password == NULL)
		return *error_r = "missing_field", -1;
	if (acc_prepare(app, &in, &p, error_r) < 0)
		goto out;
	if (store_tx_begin(st) < 0) {
		*error_r = "internal";
		goto out;
	}
	if (register_tx(app, st, &in, &p, reg, id_r, error_r) < 0 || store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		if (*error_r == NULL)
			*error_r = "internal";
		goto out;
	}
	if (app->mail_kick != NULL)
		app->mail_kick(app->mail_kick_ctx);
	log_info("event=account_registered account=%s", log_pseudonym(id_r, pseudo));
	ret = 0;
out:
	acc_prepared_free(&p);
	return ret;
}

static int confirm_tx(struct app *app, struct store *st, const char *hash, const char **error_r)
{
	struct actor self;
	char account_id[IDS_UUID_LEN], tenant_id[IDS_UUID_LEN];
	struct store_stmt *q = store_query(st,
	                                   "SELECT c.account_id, c.expires_at, a.tenant_id FROM "
	                                   "account_confirmations c JOIN accounts a ON "
	                                   "a.id = c.account_id WHERE c.code_hash = ?",
	                                   "s", hash);
	int rc = q ? store_step(q) : STORE_ERROR;
	int64_t expires = 0;
	if (rc == STORE_ROW) {
		snprintf(account_id, sizeof(account_id), "%s", store_col_text(q, 0));
		expires = store_col_int(q, 1);
		snprintf(tenant_id, sizeof(tenant_id), "%s", store_col_text(q, 2));
	}
	store_stmt_done(q);
	if (rc != STORE_ROW)
		return *error_r = rc == STORE_DONE ? "invalid_code" : "internal", -1;
	if (expires <= acc_now())
		return *error_r = "code_expired", -1;
	*error_r = "internal";
	/* Single use: every code of the account goes with the activation. */
	if (store_run(st, "DELETE FROM account_confirmations WHERE account_id = ?", "s",
	              account_id) != STORE_DONE ||
	    store_run(st,
	              "UPDATE accounts SET status = 'active', updated_at = ? WHERE id = ? AND "
	              "status = 'pending'",
	              "is", acc_now(), account_id) != STORE_DONE)
		return -1;
	memset(&self, 0, sizeof(self));
	snprintf(self.id, sizeof(self.id), "%s", account_id);
	self.role = ROLE_USER;
	if (acc_audit(app, st, &self, tenant_id, "account.confirm", "account", account_id,
	              "status,email", false) < 0)
		return -1;
	*error_r = NULL;
	return 0;
}

int accounts_confirm(struct app *app, struct store *st, const char *code, const char **error_r)
{
	char hash[65];
	size_t len = code ? strlen(code) : 0;
	if (len == 0 || len > 128)
		return *error_r = "invalid_code", -1;
	acc_sha256_hex(code, len, hash);
	if (store_tx_begin(st) < 0)
		return *error_r = "internal", -1;
	if (confirm_tx(app, st, hash, error_r) < 0 || store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		if (*error_r == NULL)
			*error_r = "internal";
		return -1;
	}
	return 0;
}
