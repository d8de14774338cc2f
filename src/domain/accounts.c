/* domain/accounts: create, read, change and erase accounts (see accounts.h). */
#include "domain/accounts.h"
#include "core/account_events.h"
#include "privacy/account_changes.h"
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/accounts_internal.h"
#include "domain/app.h"
#include "domain/directory.h"
#include "domain/mail.h"
#include "privacy/dsr.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void acc_prepared_free(struct acc_prepared *p)
{
	free(p->sha256);
	free(p->sha1);
	secret_wipe(p, sizeof(*p));
}

static bool name_ok(const char *s)
{
	return s == NULL || (s[0] != '\0' && strlen(s) <= ACCOUNTS_NAME_MAX);
}

int acc_prepare(struct app *app, const struct account_new *in, struct acc_prepared *p,
                const char **error_r)
{
	const char *password = in->password;
	memset(p, 0, sizeof(*p));
	if (!accounts_username_valid(in->username))
		return *error_r = "invalid_username", -1;
	if (in->email != NULL && acc_email_normalise(in->email, p->email, sizeof(p->email)) < 0)
		return *error_r = "invalid_email", -1;
	if (!name_ok(in->first_name) || !name_ok(in->last_name))
		return *error_r = "invalid_field", -1;
	if (password == NULL) {
		acc_random_password(p->password);
		password = p->password;
	} else if (!accounts_password_valid(password)) {
		return *error_r = "weak_password", -1;
	}
	if (acc_credentials(app, password, &p->sha256, &p->sha1) < 0)
		return *error_r = "weak_password", -1;
	return 0;
}

static bool username_taken(struct store *st, const char *username)
{
	struct store_stmt *q =
	    store_query(st, "SELECT 1 FROM accounts WHERE username = ?", "s", username);
	bool taken = q != NULL && store_step(q) == STORE_ROW;
	store_stmt_done(q);
	return taken;
}

static bool email_taken(struct store *st, const char *index)
{
	struct store_stmt *q =
	    store_query(st, "SELECT 1 FROM accounts WHERE email_index = ?", "s", index);
	bool taken = q != NULL && store_step(q) == STORE_ROW;
	store_stmt_done(q);
	return taken;
}

/* Seals the e-mail and the names of a fresh account. */
static int seal_new(struct app *app, struct store *st, const struct account_new *in, const char *id,
                    const struct acc_prepared *p)
{
	if (p->email[0] != '\0' &&
	    acc_seal_column(app, st, in->tenant_id, id, "accounts", "id", id, "email_sealed",
	                    in->email, strlen(in->email)) < 0)
		return -1;
	if (store_run(st, "INSERT INTO account_profiles (account_id, updated_at) VALUES (?, ?)",
	              "si", id, acc_now()) != STORE_DONE)
		return -1;
	if (in->first_name != NULL &&
	    acc_seal_column(app, st, in->tenant_id, id, "account_profiles", "account_id", id,
	                    "first_name_sealed", in->first_name, strlen(in->first_name)) < 0)
		return -1;
	if (in->last_name != NULL &&
	    acc_seal_column(app, st, in->tenant_id, id, "account_profiles", "account_id", id,
	                    "last_name_sealed", in->last_name, strlen(in->last_name)) < 0)
		return -1;
	return 0;
}

int acc_insert_tx(struct app *app, struct store *st, const struct actor *actor,
                  const struct account_new *in, const struct acc_prepared *p,
                  char id_r[IDS_UUID_LEN], const char **error_r)
{
	char index[65] = "";
	int64_t now = acc_now();
	*error_r = "internal";
	if (username_taken(st, in->username))
		return *error_r = "username_taken", -1;
	if (p->email[0] != '\0') {
		if (acc_email_index(app, st, p->email, index) < 0)
			return -1;
		if (email_taken(st, index))
			return *error_r = "email_taken", -1;
	}
	ids_uuid4(id_r);
	int rc =
	    store_run(st,
	              "INSERT INTO accounts (id, tenant_id, username, role, status, "
	              "email_index, scram_sha256, scram_sha1, must_change_password, "
	              "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	              "ssssssssdii", id_r, in->tenant_id, in->username, account_role_name(in->role),
	              in->status ? in->status : "active", index[0] ? index : NULL, p->sha256,
	              p->sha1, in->must_change_password || in->password == NULL, now, now);
	if (rc == STORE_CONSTRAINT)
		return *error_r = "conflict", -1;
	if (rc != STORE_DONE || seal_new(app, st, in, id_r, p) < 0 ||
	    directory_reindex_tx(app, st, id_r) < 0)
		return -1;
	char fields[96];
	snprintf(fields, sizeof(fields), "username,role,password%s%s%s", index[0] ? ",email" : "",
	         in->first_name ? ",first_name" : "", in->last_name ? ",last_name" : "");
	bool instruction = actor->role == ROLE_TENANT_ADMIN;
	if (acc_audit(app, st, actor, in->tenant_id, "account.create", "account", id_r, fields,
	              instruction) < 0)
		return -1;
	*error_r = NULL;
	return 0;
}

int accounts_create_tx(struct app *app, struct store *st, const struct actor *actor,
                       const struct account_new *in, char id_r[IDS_UUID_LEN], char password_r[64],
                       const char **error_r)
{
	struct acc_prepared p;
	int ret = -1;
	if (acc_prepare(app, in, &p, error_r) < 0)
		goto out;
	if (acc_insert_tx(app, st, actor, in, &p, id_r, error_r) < 0)
		goto out;
	snprintf(password_r, 64, "%s", in->password == NULL ? p.password : "");
	ret = 0;
out:
	acc_prepared_free(&p);
	return ret;
}

int accounts_create(struct app *app, struct store *st, const struct actor *actor,
                    const struct account_new *in, char id_r[IDS_UUID_LEN], char password_r[64],
                    const char **error_r)
{
	struct acc_prepared p;
	int ret = -1;
	if (acc_prepare(app, in, &p, error_r) < 0)
		goto out;
	if (store_tx_begin(st) < 0) {
		*error_r = "internal";
		goto out;
	}
	if (acc_insert_tx(app, st, actor, in, &p, id_r, error_r) < 0 || store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		if (*error_r == NULL)
			*error_r = "internal";
		goto out;
	}
	snprintf(password_r, 64, "%s", in->password == NULL ? p.password : "");
	ret = 0;
out:
	acc_prepared_free(&p);
	return ret;
}

static int get_where(struct store *st, const char *sql, const char *key, struct account *out,
                     const char **error_r)
{
	struct store_stmt *q = store_query(st, sql, "s", key);
	int rc = q ? store_step(q) : STORE_ERROR;
	if (rc == STORE_ROW)
		acc_from_row(q, out);
	store_stmt_done(q);
	if (rc == STORE_ROW)
		return 0;
	*error_r = rc == STORE_DONE ? "not_found" : "internal";
	return -1;
}

int accounts_get(struct store *st, const char *id, struct account *out, const char **error_r)
{
	return get_where(st, "SELECT " ACC_COLUMNS " FROM accounts WHERE id = ?", id, out, error_r);
}

int accounts_get_by_username(struct store *st, const char *username, struct account *out,
                             const char **error_r)
{
	return get_where(st, "SELECT " ACC_COLUMNS " FROM accounts WHERE username = ?", username,
	                 out, error_r);
}

int accounts_email(struct app *app, struct store *st, const struct account *acc, char **email_r)
{
	struct store_stmt *q =
	    store_query(st, "SELECT email_sealed FROM accounts WHERE id = ?", "s", acc->id);
	int ret = -1;
	char *plain = NULL;
	size_t len = 0, sealed_len = 0;
	*email_r = NULL;
	if (q == NULL || store_step(q) != STORE_ROW)
		goto out;
	const void *sealed = store_col_blob(q, 0, &sealed_len);
	if (acc_open_column(app, st, acc->tenant_id, acc->id, "accounts", acc->id, "email_sealed",
	                    sealed, sealed_len, &plain, &len) < 0)
		goto out;
	if (plain != NULL) {
		*email_r = xstrdup(plain);
		acc_free_plain(plain, len);
	}
	ret = 0;
out:
	store_stmt_done(q);
	return ret;
}

int accounts_set_password(struct app *app, struct store *st, const struct actor *actor,
                          const char *account_id, const char *password, bool must_change,
                          char password_r[64], const char **error_r)
{
	char random[64] = "";
	char *s256 = NULL, *s1 = NULL;
	struct account acc;
	int ret = -1;
	*error_r = "internal";
	if (password != NULL && !accounts_password_valid(password))
		return *error_r = "weak_password", -1;
	if (accounts_get(st, account_id, &acc, error_r) < 0)
		return -1;
	if (password == NULL) {
		acc_random_password(random);
		password = random;
	}
	if (acc_credentials(app, password, &s256, &s1) < 0 || store_tx_begin(st) < 0)
		goto out;
	int64_t now = acc_now();
	if (store_run(st,
	              "UPDATE accounts SET scram_sha256 = ?, scram_sha1 = ?, "
	              "must_change_password = ?, updated_at = ? WHERE id = ?",
	              "ssdis", s256, s1, (int)must_change, now, account_id) != STORE_DONE ||
	    store_run(st,
	              "UPDATE auth_tokens SET revoked_at = ? WHERE account_id = ? AND "
	              "revoked_at IS NULL",
	              "is", now, account_id) != STORE_DONE ||
	    account_changes_record_tx(st, ACCOUNT_CHANGE_PASSWORD, account_id, acc.tenant_id,
	                              NULL) < 0 ||
	    acc_audit(app, st, actor, acc.tenant_id, "account.password_set", "account", account_id,
	              "password", actor->role == ROLE_TENANT_ADMIN) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		goto out;
	}
	/* Sessions opened with the old password end (docs/xmpp.md). */
	account_events_notify(ACCOUNT_CHANGE_PASSWORD, account_id, acc.tenant_id, NULL);
	if (password_r != NULL)
		snprintf(password_r, 64, "%s", random);
	*error_r = NULL;
	ret = 0;
out:
	free(s256);
	free(s1);
	secret_wipe(random, sizeof(random));
	return ret;
}

int accounts_reset_password(struct app *app, struct store *st, const char *username,
                            char password_r[64], const char **error_r)
{
	struct account acc;
	struct actor cli;
	if (accounts_get_by_username(st, username, &acc, error_r) < 0)
		return -1;
	actor_system(&cli, "operator-cli");
	return accounts_set_password(app, st, &cli, acc.id, NULL, true, password_r, error_r);
}

/* Applies upd inside the transaction; fields_r lists what changed. */
static int update_tx(struct app *app, struct store *st, const struct account *acc,
                     const struct account_update *upd, char *fields, size_t fields_len,
                     const char **error_r)
{
	int64_t now = acc_now();
	enum account_role role;
	if (upd->role != NULL) {
		if (account_role_parse(upd->role, &role) < 0 || role == ROLE_OPERATOR)
			return *error_r = "invalid_field", -1;
		if (store_run(st, "UPDATE accounts SET role = ?, updated_at = ? WHERE id = ?",
		              "sis", upd->role, now, acc->id) != STORE_DONE)
			return -1;
		strncat(fields, "role,", fields_len - strlen(fields) - 1);
	}
	if (upd->status != NULL) {
		if (strcmp(upd->status, "active") != 0 && strcmp(upd->status, "disabled") != 0)
			return *error_r = "invalid_field", -1;
		if (store_run(st, "UPDATE accounts SET status = ?, updated_at = ? WHERE id = ?",
		              "sis", upd->status, now, acc->id) != STORE_DONE)
			return -1;
		if (strcmp(upd->status, "disabled") == 0 &&
		    store_run(st,
		              "UPDATE auth_tokens SET revoked_at = ? WHERE account_id = ? "
		              "AND revoked_at IS NULL",
		              "is", now, acc->id) != STORE_DONE)
			return -1;
		strncat(fields, "status,", fields_len - strlen(fields) - 1);
	}
	if (upd->email != NULL) {
		char norm[ACCOUNTS_EMAIL_MAX + 1], index[65];
		if (acc_email_normalise(upd->email, norm, sizeof(norm)) < 0)
			return *error_r = "invalid_email", -1;
		if (acc_email_index(app, st, norm, index) < 0)
			return -1;
		struct store_stmt *q =
		    store_query(st, "SELECT 1 FROM accounts WHERE email_index = ? AND id <> ?",
		                "ss", index, acc->id);
		bool taken = q != NULL && store_step(q) == STORE_ROW;
		store_stmt_done(q);
		if (taken)
			return *error_r = "email_taken", -1;
		if (store_run(st,
		              "UPDATE accounts SET email_index = ?, updated_at = ? WHERE id = ?",
		              "sis", index, now, acc->id) != STORE_DONE ||
		    acc_seal_column(app, st, acc->tenant_id, acc->id, "accounts", "id", acc->id,
		                    "email_sealed", upd->email, strlen(upd->email)) < 0)
			return -1;
		if (directory_reindex_tx(app, st, acc->id) < 0)
			return -1;
		strncat(fields, "email,", fields_len - strlen(fields) - 1);
	}
	return 0;
}

static bool last_admin(struct store *st, const struct account *acc);

/* True when upd would take away the tenant's last active admin (demotion or
 * disabling): refused like deleting it (409 last_admin), or nobody is left
 * to manage the tenant. Called inside the transaction, so two admins cannot
 * both step down at once. */
static bool update_removes_last_admin(struct store *st, const struct account *acc,
                                      const struct account_update *upd)
{
	enum account_role role;
	bool demotes = upd->role != NULL && account_role_parse(upd->role, &role) == 0 &&
	               role != ROLE_TENANT_ADMIN;
	bool disables = upd->status != NULL && strcmp(upd->status, "disabled") == 0;
	return (demotes || disables) && strcmp(acc->status, "active") == 0 && last_admin(st, acc);
}

int accounts_update(struct app *app, struct store *st, const struct actor *actor,
                    const char *account_id, const struct account_update *upd, const char **error_r)
{
	struct account acc;
	char fields[64] = "";
	if (accounts_get(st, account_id, &acc, error_r) < 0)
		return -1;
	if (acc.role == ROLE_OPERATOR)
		return *error_r = "forbidden", -1;
	if (store_tx_begin(st) < 0)
		return *error_r = "internal", -1;
	*error_r = "internal";
	if (actor->role != ROLE_OPERATOR && update_removes_last_admin(st, &acc, upd)) {
		*error_r = "last_admin";
		goto fail;
	}
	if (update_tx(app, st, &acc, upd, fields, sizeof(fields), error_r) < 0)
		goto fail;
	if (upd->status != NULL && strcmp(upd->status, "disabled") == 0 &&
	    account_changes_record_tx(st, ACCOUNT_CHANGE_DISABLED, acc.id, acc.tenant_id, NULL) < 0)
		goto fail;
	if (fields[0] != '\0') {
		fields[strlen(fields) - 1] = '\0';
		if (acc_audit(app, st, actor, acc.tenant_id, "account.update", "account", acc.id,
		              fields, actor->role == ROLE_TENANT_ADMIN) < 0)
			goto fail;
	}
	if (store_tx_commit(st) < 0)
		goto fail;
	if (upd->status != NULL && strcmp(upd->status, "disabled") == 0)
		account_events_notify(ACCOUNT_CHANGE_DISABLED, acc.id, acc.tenant_id, NULL);
	*error_r = NULL;
	return 0;
fail:
	store_tx_rollback(st);
	return -1;
}

/* Why an erasure happens, for the deletion log (a fixed list, no data). */
static const char *erase_reason(const struct actor *actor, const struct account *acc,
                                const char *request_id)
{
	if (strcmp(actor->id, acc->id) == 0)
		return "self-service";
	if (request_id != NULL)
		return "deletion request decided by the tenant admin";
	if (strcmp(actor->id, "system") == 0)
		return "expired unconfirmed registration";
	if (actor->role == ROLE_OPERATOR)
		return "operator instruction";
	return "tenant admin instruction";
}

/* Every account deletion path ends here: the privacy centre's erasure
 * (privacy/dsr.h: deletion log, each catalogued column's erasure action,
 * subject key destroyed) in the caller's transaction (P-ACC-4, P-DSR-3). */
static int erase_tx(struct app *app, struct store *st, const struct actor *actor,
                    const struct account *acc, const char *request_id, const char **error_r)
{
	int64_t now = acc_now();
	char log_id[IDS_UUID_LEN];
	struct dsr_ctx cx = {app->keys, st, (unsigned)app->cfg->audit_checkpoint_every};
	struct dsr_erasure e = {acc->tenant_id,
	                        acc->id,
	                        {actor->id, strcmp(actor->id, "system") == 0
	                                        ? "system"
	                                        : account_role_name(actor->role)},
	                        request_id,
	                        erase_reason(actor, acc, request_id)};
	*error_r = "internal";
	if (store_run(st,
	              "UPDATE deletion_requests SET status = 'done', decided_at = ?, "
	              "decided_by = ? WHERE account_id = ? AND status = 'open'",
	              "iss", now, actor->id, acc->id) != STORE_DONE)
		return -1;
	/* the modules' duties (the backups' erasure ledger, P-AVL-1) run inside
	 * dsr_erase_tx */
	if (dsr_erase_tx(&cx, &e, log_id, error_r) < 0)
		return -1;
	/* The accounts tables again, idempotently: erasure of this module's
	 * data must not depend on the composition root having registered the
	 * catalog (unit tests, tools). */
	if (mail_forget_subject(st, acc->tenant_id, acc->id) < 0 ||
	    store_run(st,
	              "UPDATE login_events SET account_id = NULL, addr_sealed = NULL "
	              "WHERE account_id = ?",
	              "s", acc->id) != STORE_DONE ||
	    store_run(st, "UPDATE deletion_requests SET account_id = NULL WHERE account_id = ?",
	              "s", acc->id) != STORE_DONE ||
	    store_run(st, "DELETE FROM accounts WHERE id = ?", "s", acc->id) != STORE_DONE ||
	    /* after the catalog walk above, which deletes the subject's rows */
	    account_changes_record_tx(st, ACCOUNT_CHANGE_ERASED, acc->id, acc->tenant_id, NULL) < 0)
		return *error_r = "internal", -1;
	bool self = strcmp(actor->id, acc->id) == 0;
	if (acc_audit(app, st, actor, acc->tenant_id, "account.erase", "account", acc->id,
	              "username,email,password,profile,avatar,tokens,login_events", !self) < 0)
		return -1;
	*error_r = NULL;
	return 0;
}

int accounts_erase_tx(struct app *app, struct store *st, const struct actor *actor,
                      const struct account *acc, const char **error_r)
{
	if (erase_tx(app, st, actor, acc, NULL, error_r) < 0)
		return -1;
	/* Before the caller's commit: a rollback only costs a reconnect. */
	account_events_notify(ACCOUNT_CHANGE_ERASED, acc->id, acc->tenant_id, NULL);
	return 0;
}

/* True when acc is the only tenant admin left in its tenant. */
static bool last_admin(struct store *st, const struct account *acc)
{
	if (acc->role != ROLE_TENANT_ADMIN)
		return false;
	struct store_stmt *q = store_query(st,
	                                   "SELECT COUNT(*) FROM accounts WHERE tenant_id = ? AND "
	                                   "role = 'tenant_admin' AND status = 'active'",
	                                   "s", acc->tenant_id);
	bool last = q != NULL && store_step(q) == STORE_ROW && store_col_int(q, 0) <= 1;
	store_stmt_done(q);
	return last;
}

int accounts_erase_for_request(struct app *app, struct store *st, const struct actor *actor,
                               const char *account_id, const char *request_id, const char **error_r)
{
	struct account acc;
	char pseudo[LOG_PSEUDONYM_LEN];
	/* The account and the last-admin check are read inside the transaction:
	 * BEGIN IMMEDIATE serialises writers, so two admins erasing each other
	 * at the same time cannot both see the other one still there and leave
	 * the tenant without an admin; the second one gets last_admin. */
	if (store_tx_begin(st) < 0)
		return *error_r = "internal", -1;
	*error_r = NULL;
	if (accounts_get(st, account_id, &acc, error_r) < 0)
		goto fail;
	if (acc.role == ROLE_OPERATOR) {
		*error_r = "forbidden";
		goto fail;
	}
	if (actor->role != ROLE_OPERATOR && last_admin(st, &acc)) {
		*error_r = "last_admin";
		goto fail;
	}
	if (erase_tx(app, st, actor, &acc, request_id, error_r) < 0 || store_tx_commit(st) < 0)
		goto fail;
	account_events_notify(ACCOUNT_CHANGE_ERASED, acc.id, acc.tenant_id, NULL);
	log_info("event=account_erased account=%s", log_pseudonym(acc.id, pseudo));
	return 0;
fail:
	store_tx_rollback(st);
	if (*error_r == NULL)
		*error_r = "internal";
	return -1;
}

int accounts_erase(struct app *app, struct store *st, const struct actor *actor,
                   const char *account_id, const char **error_r)
{
	return accounts_erase_for_request(app, st, actor, account_id, NULL, error_r);
}

int accounts_list(struct store *st, const char *tenant_id,
                  void (*fn)(const struct account *acc, void *ctx), void *ctx)
{
	struct store_stmt *q = store_query(
	    st, "SELECT " ACC_COLUMNS " FROM accounts WHERE tenant_id = ? ORDER BY username", "s",
	    tenant_id);
	int rc;
	if (q == NULL)
		return -1;
	while ((rc = store_step(q)) == STORE_ROW) {
		struct account acc;
		acc_from_row(q, &acc);
		fn(&acc, ctx);
	}
	store_stmt_done(q);
	return rc == STORE_DONE ? 0 : -1;
}
