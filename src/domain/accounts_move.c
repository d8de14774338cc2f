/*
 * domain/accounts_move: re-sealing an account's values under another
 * tenant's key, for a freemium user who founds a company (P-ACC-3, P-SEC-6:
 * each tenant's data is under its own key). Every sealed column of the
 * account is opened with the old subject key, sealed with the new one, and
 * the old key is destroyed.
 */
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/accounts_internal.h"
#include "domain/app.h"
#include "domain/directory.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sealed columns keyed by the account id (one row each). */
static const struct {
	const char *table, *key_col, *column;
} account_sealed[] = {
    {"accounts", "id", "email_sealed"},
    {"account_profiles", "account_id", "first_name_sealed"},
    {"account_profiles", "account_id", "last_name_sealed"},
    {"account_profiles", "account_id", "title_sealed"},
    {"account_profiles", "account_id", "nickname_sealed"},
    {"account_profiles", "account_id", "job_title_sealed"},
    {"account_profiles", "account_id", "department_sealed"},
    {"account_profiles", "account_id", "phone_numbers_sealed"},
    {"account_profiles", "account_id", "other_emails_sealed"},
    {"account_profiles", "account_id", "postal_address_sealed"},
    {"account_profiles", "account_id", "company_sealed"},
    {"account_profiles", "account_id", "display_name_sealed"},
    {"account_profiles", "account_id", "avatar_sealed"},
};

/* Re-seals table.column of row row_id (keyed by key_col). */
static int reseal_one(struct app *app, struct store *st, const char *account_id, const char *from,
                      const char *to, const char *table, const char *key_col, const char *row_id,
                      const char *column)
{
	char sql[160];
	char *plain = NULL;
	size_t len = 0, sealed_len = 0;
	void *copy = NULL;
	int ret = -1;
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s = ?", column, table, key_col);
	struct store_stmt *q = store_query(st, sql, "s", row_id);
	if (q == NULL)
		return -1;
	int rc = store_step(q);
	const void *sealed = rc == STORE_ROW ? store_col_blob(q, 0, &sealed_len) : NULL;
	if (sealed != NULL && sealed_len > 0) {
		copy = xmalloc(sealed_len);
		memcpy(copy, sealed, sealed_len);
	}
	store_stmt_done(q);
	if (rc == STORE_ERROR)
		return -1;
	if (copy == NULL)
		return 0;
	if (acc_open_column(app, st, from, account_id, table, row_id, column, copy, sealed_len,
	                    &plain, &len) == 0 &&
	    acc_seal_column(app, st, to, account_id, table, key_col, row_id, column, plain, len) ==
	        0)
		ret = 0;
	acc_free_plain(plain, len);
	free(copy);
	return ret;
}

/* Login events: many rows; collect their ids first (no update while iterating). */
static int reseal_login_events(struct app *app, struct store *st, const char *account_id,
                               const char *from, const char *to)
{
	char **ids = NULL;
	size_t n = 0, cap = 0;
	int ret = 0, rc;
	struct store_stmt *q = store_query(st,
	                                   "SELECT id FROM login_events WHERE account_id = ? AND "
	                                   "addr_sealed IS NOT NULL",
	                                   "s", account_id);
	if (q == NULL)
		return -1;
	while ((rc = store_step(q)) == STORE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		ids[n++] = xstrdup(store_col_text(q, 0));
	}
	store_stmt_done(q);
	if (rc != STORE_DONE)
		ret = -1;
	for (size_t i = 0; i < n; i++) {
		if (ret == 0 && reseal_one(app, st, account_id, from, to, "login_events", "id",
		                           ids[i], "addr_sealed") < 0)
			ret = -1;
		free(ids[i]);
	}
	free(ids);
	return ret;
}

int accounts_move_tenant_tx(struct app *app, struct store *st, const char *account_id,
                            const char *from, const char *to, const char **error_r)
{
	*error_r = "internal";
	for (size_t i = 0; i < sizeof(account_sealed) / sizeof(account_sealed[0]); i++)
		if (reseal_one(app, st, account_id, from, to, account_sealed[i].table,
		               account_sealed[i].key_col, account_id, account_sealed[i].column) < 0)
			return -1;
	if (reseal_login_events(app, st, account_id, from, to) < 0 ||
	    store_run(st, "UPDATE login_events SET tenant_id = ? WHERE account_id = ?", "ss", to,
	              account_id) != STORE_DONE)
		return -1;
	if (keys_subject_destroy(app->keys, st, from, account_id) < 0 ||
	    directory_move_tx(st, account_id, to) < 0)
		return -1;
	*error_r = NULL;
	return 0;
}
