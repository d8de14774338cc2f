/*
 * domain/accounts_deletion: members' deletion requests (P-ACC-2). A member
 * of a business tenant cannot delete their own account; their request lands
 * in the tenant admins' queue, where an admin erases the account ("done") or
 * declines ("rejected"). Only one open request per account. A request is
 * due one calendar month after it was made (GDPR Art. 12(3), P-DSR-7), by
 * the privacy clock (clock_action_now, which the test clock moves).
 */
#include "core/clock.h"
#include "core/log.h"
#include "domain/accounts_internal.h"
#include "domain/app.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

int accounts_deletion_request(struct app *app, struct store *st, const struct account *acc,
                              char id_r[IDS_UUID_LEN], const char **error_r)
{
	struct actor self;
	if (acc->tenant_id[0] == '\0')
		return *error_r = "forbidden", -1; /* freemium: delete directly */
	if (store_tx_begin(st) < 0)
		return *error_r = "internal", -1;
	*error_r = "internal";
	struct store_stmt *q = store_query(
	    st, "SELECT id FROM deletion_requests WHERE account_id = ? AND status = 'open'", "s",
	    acc->id);
	int rc = q ? store_step(q) : STORE_ERROR;
	if (rc == STORE_ROW)
		snprintf(id_r, IDS_UUID_LEN, "%s", store_col_text(q, 0));
	store_stmt_done(q);
	if (rc == STORE_ROW) { /* idempotent: the open request stands */
		store_tx_rollback(st);
		*error_r = NULL;
		return 0;
	}
	actor_from_account(&self, acc);
	ids_uuid4(id_r);
	if (rc != STORE_DONE ||
	    store_run(st,
	              "INSERT INTO deletion_requests (id, tenant_id, account_id, status, "
	              "created_at) VALUES (?, ?, ?, 'open', ?)",
	              "sssi", id_r, acc->tenant_id, acc->id, clock_action_now()) != STORE_DONE ||
	    acc_audit(app, st, &self, acc->tenant_id, "account.deletion_request",
	              "deletion_request", id_r, "account_id,status", false) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return -1;
	}
	*error_r = NULL;
	return 0;
}

int accounts_deletion_requests_list(struct store *st, const char *tenant_id,
                                    void (*fn)(const struct deletion_request *r, void *ctx),
                                    void *ctx)
{
	struct store_stmt *q = store_query(st,
	                                   "SELECT r.id, r.account_id, a.username, r.status, "
	                                   "r.created_at, r.decided_at FROM deletion_requests r "
	                                   "LEFT JOIN accounts a ON a.id = r.account_id WHERE "
	                                   "r.tenant_id = ? ORDER BY r.created_at, r.id",
	                                   "s", tenant_id);
	int64_t now = clock_action_now();
	int rc;
	if (q == NULL)
		return -1;
	while ((rc = store_step(q)) == STORE_ROW) {
		struct deletion_request r;
		memset(&r, 0, sizeof(r));
		snprintf(r.id, sizeof(r.id), "%s", store_col_text(q, 0));
		if (!store_col_is_null(q, 1))
			snprintf(r.account_id, sizeof(r.account_id), "%s", store_col_text(q, 1));
		if (!store_col_is_null(q, 2))
			snprintf(r.username, sizeof(r.username), "%s", store_col_text(q, 2));
		snprintf(r.status, sizeof(r.status), "%s", store_col_text(q, 3));
		r.created_at = store_col_int(q, 4);
		r.decided_at = store_col_is_null(q, 5) ? 0 : store_col_int(q, 5);
		r.due_at = clock_add_month(r.created_at);
		r.overdue = strcmp(r.status, "open") == 0 && now > r.due_at;
		fn(&r, ctx);
	}
	store_stmt_done(q);
	return rc == STORE_DONE ? 0 : -1;
}

int accounts_deletion_request_decide(struct app *app, struct store *st, const struct actor *actor,
                                     const char *tenant_id, const char *request_id,
                                     const char *status, const char **error_r)
{
	char account_id[IDS_UUID_LEN] = "";
	struct store_stmt *q = store_query(st,
	                                   "SELECT account_id, status FROM deletion_requests WHERE "
	                                   "id = ? AND tenant_id = ?",
	                                   "ss", request_id, tenant_id);
	int rc = q ? store_step(q) : STORE_ERROR;
	bool open = false;
	if (rc == STORE_ROW) {
		if (!store_col_is_null(q, 0))
			snprintf(account_id, sizeof(account_id), "%s", store_col_text(q, 0));
		open = strcmp(store_col_text(q, 1), "open") == 0;
	}
	store_stmt_done(q);
	if (rc != STORE_ROW)
		return *error_r = rc == STORE_DONE ? "not_found" : "internal", -1;
	if (!open)
		return *error_r = "conflict", -1;
	if (strcmp(status, "done") == 0)
		return accounts_erase_for_request(app, st, actor, account_id, request_id, error_r);
	if (strcmp(status, "rejected") != 0)
		return *error_r = "invalid_field", -1;
	if (store_tx_begin(st) < 0)
		return *error_r = "internal", -1;
	if (store_run(st,
	              "UPDATE deletion_requests SET status = 'rejected', decided_at = ?, "
	              "decided_by = ? WHERE id = ?",
	              "iss", acc_now(), actor->id, request_id) != STORE_DONE ||
	    acc_audit(app, st, actor, tenant_id, "account.deletion_reject", "deletion_request",
	              request_id, "status", true) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return *error_r = "internal", -1;
	}
	return 0;
}
