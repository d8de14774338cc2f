/* privacy/legal_hold: see legal_hold.h. */
#include "core/clock.h"
#include "compliance/legal_hold.h"
#include "core/ids.h"
#include "domain/accounts.h"
#include "compliance/register_internal.h"
#include "compliance/retention.h"
#include "store/store.h"

#include <string.h>

bool legal_hold_active(struct store *st, const char *tenant_id, const char *subject_type,
                       const char *subject_id)
{
	struct store_stmt *q = store_query(
	    st,
	    "SELECT 1 FROM legal_holds WHERE tenant_id = ? AND subject_type = ? AND subject_id = ?"
	    " AND lifted_at IS NULL",
	    "sss", tenant_id, subject_type, subject_id);
	bool held = q != NULL && store_step(q) == STORE_ROW;
	store_stmt_done(q);
	return held;
}

static int subject_check(struct store *st, const char *tenant_id, const char *type,
                         const char *subject_id, const char **error_r)
{
	struct account acc;
	const char *error = NULL;
	if (type == NULL || (strcmp(type, "user") != 0 && strcmp(type, "bubble") != 0) ||
	    subject_id == NULL || !ids_is_uuid4(subject_id)) {
		*error_r = "invalid_field";
		return -1;
	}
	if (strcmp(type, "user") == 0 && (accounts_get(st, subject_id, &acc, &error) < 0 ||
	                                  strcmp(acc.tenant_id, tenant_id) != 0)) {
		*error_r = "not_found";
		return -1;
	}
	return 0;
}

int legal_hold_set(struct app *app, struct store *st, const struct actor *actor,
                   const char *tenant_id, const char *subject_type, const char *subject_id,
                   char id_r[37], const char **error_r)
{
	if (subject_check(st, tenant_id, subject_type, subject_id, error_r) < 0)
		return -1;
	if (legal_hold_active(st, tenant_id, subject_type, subject_id)) {
		*error_r = "conflict";
		return -1;
	}
	*error_r = "internal";
	ids_uuid4(id_r);
	if (store_tx_begin(st) < 0)
		return -1;
	if (store_run(st,
	              "INSERT INTO legal_holds (id, tenant_id, subject_type, subject_id, created_by,"
	              " created_at) VALUES (?, ?, ?, ?, ?, ?)",
	              "sssssi", id_r, tenant_id, subject_type, subject_id, actor->id,
	              clock_action_now()) != STORE_DONE ||
	    regs_audit(app, st, actor, tenant_id, "legal_hold.set", subject_type, subject_id,
	               "legal_holds.subject_id", true) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return -1;
	}
	return 0;
}

int legal_hold_lift(struct app *app, struct store *st, const struct actor *actor,
                    const char *tenant_id, const char *hold_id, const char **error_r)
{
	*error_r = "internal";
	if (hold_id == NULL || !ids_is_uuid4(hold_id)) {
		*error_r = "not_found";
		return -1;
	}
	if (store_tx_begin(st) < 0)
		return -1;
	if (store_run(st,
	              "UPDATE legal_holds SET lifted_by = ?, lifted_at = ? WHERE id = ? AND"
	              " tenant_id = ? AND lifted_at IS NULL",
	              "siss", actor->id, clock_action_now(), hold_id, tenant_id) != STORE_DONE)
		goto fail;
	if (store_changes(st) != 1) {
		*error_r = "not_found";
		goto fail;
	}
	if (regs_audit(app, st, actor, tenant_id, "legal_hold.lift", "legal_hold", hold_id,
	               "legal_holds.lifted_at", true) < 0 ||
	    store_tx_commit(st) < 0)
		goto fail;
	return 0;
fail:
	store_tx_rollback(st);
	return -1;
}

json_t *legal_hold_list_json(struct store *st, const char *tenant_id)
{
	json_t *list = json_array();
	struct store_stmt *q = store_query(st,
	                                   "SELECT id, subject_type, subject_id, created_by,"
	                                   " created_at, lifted_by, lifted_at FROM legal_holds"
	                                   " WHERE tenant_id = ? ORDER BY created_at DESC, id",
	                                   "s", tenant_id);
	while (q != NULL && store_step(q) == STORE_ROW) {
		const char *lifted_by = store_col_text(q, 5);
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:b}", "id",
		                    store_col_text(q, 0), "subject_type", store_col_text(q, 1),
		                    "subject_id", store_col_text(q, 2), "created_by",
		                    store_col_text(q, 3), "created_at",
		                    (json_int_t)store_col_int(q, 4), "lifted_by",
		                    lifted_by ? json_string(lifted_by) : json_null(), "lifted_at",
		                    store_col_is_null(q, 6) ? json_null()
		                                            : json_integer(store_col_int(q, 6)),
		                    "active", store_col_is_null(q, 6)));
	}
	store_stmt_done(q);
	return list;
}
