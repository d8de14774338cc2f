/* privacy/subprocessors: see subprocessors.h. */
#include "core/clock.h"
#include "compliance/subprocessors.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/jobs.h"
#include "compliance/instructions.h"
#include "compliance/register_internal.h"
#include "compliance/retention.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400

static bool sp_valid(const struct subprocessor *sp)
{
	const char *status = sp->status ? sp->status : "active";
	return regs_text_ok(sp->name, 200, false) &&
	       regs_text_ok(sp->address, SUBPROCESSORS_TEXT_MAX, true) &&
	       regs_text_ok(sp->purpose, SUBPROCESSORS_TEXT_MAX, true) &&
	       regs_text_ok(sp->data_shared, SUBPROCESSORS_TEXT_MAX, true) &&
	       regs_text_ok(sp->location, 200, false) &&
	       (strcmp(status, "active") == 0 || strcmp(status, "planned") == 0 ||
	        strcmp(status, "removed") == 0);
}

int subprocessors_put(struct app *app, struct store *st, const struct actor *actor,
                      const char *id, const struct subprocessor *sp, char id_r[37],
                      const char **error_r)
{
	int64_t now = clock_action_now();
	const char *status = sp->status ? sp->status : "active";
	if (!sp_valid(sp)) {
		*error_r = "invalid_field";
		return -1;
	}
	if (id != NULL && (!ids_is_uuid4(id) ||
	                   regs_count(st, "SELECT COUNT(*) FROM subprocessors WHERE id = ?", id) != 1)) {
		*error_r = "not_found";
		return -1;
	}
	*error_r = "internal";
	if (id != NULL)
		snprintf(id_r, 37, "%s", id);
	else
		ids_uuid4(id_r);
	if (store_tx_begin(st) < 0)
		return -1;
	int rc = id != NULL
	             ? store_run(st,
	                         "UPDATE subprocessors SET name = ?, address = ?, purpose = ?,"
	                         " data_shared = ?, location = ?, status = ?, updated_at = ?"
	                         " WHERE id = ?",
	                         "ssssssis", sp->name, sp->address, sp->purpose, sp->data_shared,
	                         sp->location, status, now, id_r)
	             : store_run(st,
	                         "INSERT INTO subprocessors (id, name, address, purpose,"
	                         " data_shared, location, status, created_at, updated_at)"
	                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                         "sssssssii", id_r, sp->name, sp->address, sp->purpose,
	                         sp->data_shared, sp->location, status, now, now);
	if (rc != STORE_DONE ||
	    regs_audit(app, st, actor, "", id ? "subprocessor.update" : "subprocessor.add",
	               "subprocessor", id_r,
	               "subprocessors.name,subprocessors.address,subprocessors.purpose,"
	               "subprocessors.data_shared,subprocessors.location,subprocessors.status",
	               false) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return -1;
	}
	return 0;
}

static json_t *sp_row(struct store_stmt *q)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "id", store_col_text(q, 0),
	                 "name", store_col_text(q, 1), "address", store_col_text(q, 2), "purpose",
	                 store_col_text(q, 3), "data_shared", store_col_text(q, 4), "location",
	                 store_col_text(q, 5), "status", store_col_text(q, 6), "created_at",
	                 (json_int_t)store_col_int(q, 7), "updated_at",
	                 (json_int_t)store_col_int(q, 8));
}

#define SP_COLS                                                                                    \
	"SELECT id, name, address, purpose, data_shared, location, status, created_at, updated_at" \
	" FROM subprocessors"

json_t *subprocessors_list_json(struct store *st)
{
	json_t *list = json_array();
	struct store_stmt *q = store_query(st, SP_COLS " ORDER BY name, id", "");
	while (q != NULL && store_step(q) == STORE_ROW)
		json_array_append_new(list, sp_row(q));
	store_stmt_done(q);
	return list;
}

json_t *subprocessors_get_json(struct store *st, const char *id)
{
	json_t *o = NULL;
	struct store_stmt *q = store_query(st, SP_COLS " WHERE id = ?", "s", id ? id : "");
	if (q != NULL && store_step(q) == STORE_ROW)
		o = sp_row(q);
	store_stmt_done(q);
	return o;
}

/* Notifies one tenant: the notice row, the admins' mail, the closing job. */
static int notify_tenant(struct app *app, struct store *st, const char *tenant_id,
                         const char *change_id, const char *sp_name, const char *change,
                         const char *description, int64_t effective_at, int64_t now)
{
	int window = tenant_settings_objection_window(st, tenant_id);
	int64_t closes = now + (int64_t)window * DAY;
	char key[128];
	if (store_run(st,
	              "INSERT INTO subprocessor_notices (change_id, tenant_id, window_days,"
	              " notified_at, closes_at, outcome) VALUES (?, ?, ?, ?, ?, 'pending')",
	              "ssdii", change_id, tenant_id, window, now, closes) != STORE_DONE)
		return -1;
	char *body = xasprintf(
	    "The operator of this Iris installation announces a change of sub-processor.\n\n"
	    "Change: %s\nSub-processor: %s\nDescription: %s\nEffective (Unix time): %lld\n\n"
	    "Your organisation may object until %lld (Unix time, %d days from today) through\n"
	    "POST %s/api/v1/tenants/%s/subprocessor-objections {\"change_id\": \"%s\"}.\n"
	    "Without an objection within this window the change counts as accepted.\n",
	    change, sp_name, description, (long long)effective_at, (long long)closes, window,
	    app->public_url, tenant_id, change_id);
	int n = regs_mail_admins(app, st, tenant_id, "subprocessor_change",
	                         "Iris: announced change of sub-processor", body);
	free(body);
	snprintf(key, sizeof(key), "subprocessor.window:%s:%s", change_id, tenant_id);
	if (n < 0 || jobs_schedule(st, "subprocessor.window", tenant_id, change_id, closes, key,
	                           NULL) < 0)
		return -1;
	return 0;
}

int subprocessors_announce(struct app *app, struct store *st, const struct actor *actor,
                           const char *subprocessor_id, const char *change,
                           const char *description, int64_t effective_at, char id_r[37],
                           const char **error_r)
{
	int64_t now = clock_action_now();
	json_t *sp = subprocessors_get_json(st, subprocessor_id);
	int rc = -1;
	*error_r = "invalid_field";
	if (change == NULL || (strcmp(change, "add") != 0 && strcmp(change, "replace") != 0 &&
	                       strcmp(change, "remove") != 0) ||
	    !regs_text_ok(description, SUBPROCESSORS_TEXT_MAX, true))
		goto out;
	if (sp == NULL) {
		*error_r = "not_found";
		goto out;
	}
	if (effective_at < now + 14 * DAY) {
		*error_r = "too_soon";
		goto out;
	}
	char **tenants = regs_strv(st, "SELECT id FROM tenants ORDER BY id", NULL);
	*error_r = "internal";
	if (tenants == NULL)
		goto out;
	ids_uuid4(id_r);
	if (store_tx_begin(st) < 0)
		goto free_tenants;
	if (store_run(st,
	              "INSERT INTO subprocessor_changes (id, subprocessor_id, change, description,"
	              " announced_at, effective_at) VALUES (?, ?, ?, ?, ?, ?)",
	              "ssssii", id_r, subprocessor_id, change, description, now,
	              effective_at) != STORE_DONE ||
	    regs_audit(app, st, actor, "", "subprocessor.announce", "subprocessor_change", id_r,
	               "subprocessor_changes.change,subprocessor_changes.effective_at", false) < 0)
		goto rollback;
	for (char **t = tenants; *t != NULL; t++)
		if (notify_tenant(app, st, *t, id_r, json_string_value(json_object_get(sp, "name")),
		                  change, description, effective_at, now) < 0)
			goto rollback;
	if (store_tx_commit(st) < 0)
		goto rollback;
	rc = 0;
	if (app->mail_kick != NULL)
		app->mail_kick(app->mail_kick_ctx);
	goto free_tenants;
rollback:
	store_tx_rollback(st);
free_tenants:
	regs_strv_free(tenants);
out:
	json_decref(sp);
	return rc;
}

static json_t *notices_json(struct store *st, const char *change_id, const char *tenant_id)
{
	json_t *list = json_array();
	struct store_stmt *q = store_query(
	    st,
	    "SELECT tenant_id, window_days, notified_at, closes_at, outcome, reason, decided_at,"
	    " decided_by FROM subprocessor_notices WHERE change_id = ? AND (? IS NULL OR"
	    " tenant_id = ?) ORDER BY tenant_id",
	    "sss", change_id, tenant_id, tenant_id);
	while (q != NULL && store_step(q) == STORE_ROW) {
		const char *reason = store_col_text(q, 5), *by = store_col_text(q, 7);
		json_array_append_new(
		    list, json_pack("{s:s, s:i, s:I, s:I, s:s, s:o, s:o, s:o}", "tenant_id",
		                    store_col_text(q, 0), "window_days", (int)store_col_int(q, 1),
		                    "notified_at", (json_int_t)store_col_int(q, 2), "closes_at",
		                    (json_int_t)store_col_int(q, 3), "outcome", store_col_text(q, 4),
		                    "reason", reason ? json_string(reason) : json_null(), "decided_at",
		                    store_col_is_null(q, 6) ? json_null()
		                                            : json_integer(store_col_int(q, 6)),
		                    "decided_by", by ? json_string(by) : json_null()));
	}
	store_stmt_done(q);
	return list;
}

json_t *subprocessors_changes_json(struct store *st, const char *tenant_id)
{
	json_t *list = json_array();
	struct store_stmt *q = store_query(
	    st,
	    "SELECT c.id, c.subprocessor_id, s.name, c.change, c.description, c.announced_at,"
	    " c.effective_at FROM subprocessor_changes c JOIN subprocessors s ON"
	    " s.id = c.subprocessor_id ORDER BY c.announced_at DESC, c.id",
	    "");
	while (q != NULL && store_step(q) == STORE_ROW)
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "id", store_col_text(q, 0),
		                    "subprocessor_id", store_col_text(q, 1), "subprocessor",
		                    store_col_text(q, 2), "change", store_col_text(q, 3),
		                    "description", store_col_text(q, 4), "announced_at",
		                    (json_int_t)store_col_int(q, 5), "effective_at",
		                    (json_int_t)store_col_int(q, 6)));
	store_stmt_done(q);
	/* Then the notices (a different statement, after the first is done). */
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c)
	{
		json_t *n = notices_json(st, json_string_value(json_object_get(c, "id")), tenant_id);
		if (tenant_id != NULL)
			json_object_set(c, "notice", json_array_size(n) ? json_array_get(n, 0)
			                                                 : json_null());
		else
			json_object_set(c, "notices", n);
		json_decref(n);
	}
	return list;
}

int subprocessors_object(struct app *app, struct store *st, const struct actor *actor,
                         const char *tenant_id, const char *change_id, const char *reason,
                         const char **error_r)
{
	int64_t now = clock_action_now();
	if (reason != NULL && !regs_text_ok(reason, SUBPROCESSORS_TEXT_MAX, true)) {
		*error_r = "invalid_field";
		return -1;
	}
	struct store_stmt *q = store_query(st,
	                                   "SELECT closes_at, outcome FROM subprocessor_notices"
	                                   " WHERE change_id = ? AND tenant_id = ?",
	                                   "ss", change_id ? change_id : "", tenant_id);
	int rc = q != NULL ? store_step(q) : STORE_ERROR;
	int64_t closes = rc == STORE_ROW ? store_col_int(q, 0) : 0;
	bool pending = rc == STORE_ROW && strcmp(store_col_text(q, 1), "pending") == 0;
	store_stmt_done(q);
	if (rc != STORE_ROW) {
		*error_r = rc == STORE_DONE ? "not_found" : "internal";
		return -1;
	}
	if (!pending || now >= closes) {
		*error_r = pending ? "window_closed" : "conflict";
		return -1;
	}
	*error_r = "internal";
	char key[128];
	snprintf(key, sizeof(key), "subprocessor.window:%s:%s", change_id, tenant_id);
	if (store_tx_begin(st) < 0)
		return -1;
	if (store_run(st,
	              "UPDATE subprocessor_notices SET outcome = 'objected', reason = ?,"
	              " decided_at = ?, decided_by = ? WHERE change_id = ? AND tenant_id = ?",
	              "sisss", reason, now, actor->id, change_id, tenant_id) != STORE_DONE ||
	    jobs_cancel(st, key) < 0 ||
	    regs_audit(app, st, actor, tenant_id, "subprocessor.object", "subprocessor_change",
	               change_id, "subprocessor_notices.outcome", true) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return -1;
	}
	return 0;
}

int subprocessors_close_window(struct app *app, struct store *st, const char *tenant_id,
                               const char *change_id, int64_t now)
{
	struct actor sys;
	actor_system(&sys, "system");
	if (store_tx_begin(st) < 0)
		return -1;
	if (store_run(st,
	              "UPDATE subprocessor_notices SET outcome = 'consented', decided_at = ?"
	              " WHERE change_id = ? AND tenant_id = ? AND outcome = 'pending'",
	              "iss", now, change_id, tenant_id) != STORE_DONE)
		goto fail;
	if (store_changes(st) == 1 &&
	    regs_audit(app, st, &sys, tenant_id, "subprocessor.consent_by_silence",
	               "subprocessor_change", change_id, "subprocessor_notices.outcome", false) < 0)
		goto fail;
	return store_tx_commit(st);
fail:
	store_tx_rollback(st);
	return -1;
}
