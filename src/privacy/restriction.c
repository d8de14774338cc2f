/* privacy/restriction: see restriction.h. */
#include "privacy/restriction.h"
#include "core/account_events.h"
#include "privacy/account_changes.h"
#include "store/store.h"

#include <string.h>
#include <time.h>

bool restriction_is_set(struct store *st, const char *account_id, int64_t *since_r)
{
	struct store_stmt *q = store_query(
	    st, "SELECT since FROM account_restrictions WHERE account_id = ?", "s", account_id);
	bool set = q != NULL && store_step(q) == STORE_ROW;
	if (set && since_r != NULL)
		*since_r = store_col_int(q, 0);
	store_stmt_done(q);
	return set;
}

int restriction_set(const struct dsr_ctx *cx, const struct dsr_actor *actor, const char *tenant_id,
                    const char *account_id, bool restricted, const char **error_r)
{
	int64_t now = (int64_t)time(NULL);
	bool instruction = strcmp(actor->id, account_id) != 0;
	*error_r = "internal";
	if (store_tx_begin(cx->st) < 0)
		return -1;
	bool was = restriction_is_set(cx->st, account_id, NULL);
	if (was == restricted) {
		store_tx_rollback(cx->st);
		*error_r = NULL;
		return 0;
	}
	int rc = restricted
	             ? store_run(cx->st,
	                         "INSERT INTO account_restrictions (account_id, tenant_id, "
	                         "since, set_by) VALUES (?, ?, ?, ?)",
	                         "ssis", account_id, tenant_id, now, actor->id)
	             : store_run(cx->st, "DELETE FROM account_restrictions WHERE account_id = ?",
	                         "s", account_id);
	if (rc != STORE_DONE ||
	    (restricted &&
	     store_run(cx->st,
	               "UPDATE auth_tokens SET revoked_at = ? WHERE account_id = ? AND "
	               "revoked_at IS NULL",
	               "is", now, account_id) != STORE_DONE) ||
	    (restricted && account_changes_record_tx(cx->st, ACCOUNT_CHANGE_RESTRICTED, account_id,
	                                             tenant_id, NULL) < 0) ||
	    dsr_audit(cx, actor, tenant_id, restricted ? "dsr.restrict" : "dsr.restriction_lift",
	              "account", account_id, "restriction", instruction) < 0 ||
	    store_tx_commit(cx->st) < 0) {
		store_tx_rollback(cx->st);
		return -1;
	}
	/* Live sessions end at once: login is refused from now on. */
	if (restricted)
		account_events_notify(ACCOUNT_CHANGE_RESTRICTED, account_id, tenant_id, NULL);
	*error_r = NULL;
	return 0;
}
