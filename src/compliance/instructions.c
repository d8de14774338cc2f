/* privacy/instructions: see instructions.h. */
#include "core/clock.h"
#include "compliance/instructions.h"
#include "core/ids.h"
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "compliance/register_internal.h"
#include "compliance/retention.h"
#include "store/store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRANSFER_REASON                                                                            \
	"transfer to a country outside the EU/EEA without a recorded consent or other legal "      \
	"basis (GDPR Chapter V); confirm with an explicit acknowledgement to proceed"

static const char *const eea[] = {"EU", "EEA", "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE",
                                  "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
                                  "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS",
                                  "LI", "NO"};

bool instructions_region_in_eea(const char *region)
{
	for (size_t i = 0; i < sizeof(eea) / sizeof(eea[0]); i++)
		if (region != NULL && strcmp(region, eea[i]) == 0)
			return true;
	return false;
}

/* "EU", "EEA" or two upper-case letters. */
static bool region_valid(const char *r)
{
	if (r == NULL)
		return false;
	if (strcmp(r, "EU") == 0 || strcmp(r, "EEA") == 0)
		return true;
	return strlen(r) == 2 && isupper((unsigned char)r[0]) && isupper((unsigned char)r[1]);
}

struct settings {
	bool discoverable;
	int window;
	char region[8];
	char transfer_region[8];
	bool transfer_consent;
};

static int settings_load(struct store *st, const char *tenant_id, struct settings *s)
{
	struct store_stmt *q = store_query(
	    st,
	    "SELECT t.discoverable, COALESCE(s.objection_window_days, 30), COALESCE(s.region, 'EU'),"
	    " COALESCE(s.transfer_region, 'EU'), COALESCE(s.transfer_consent, 0) FROM tenants t"
	    " LEFT JOIN tenant_settings s ON s.tenant_id = t.id WHERE t.id = ?",
	    "s", tenant_id);
	int rc = q != NULL ? store_step(q) : STORE_ERROR;
	if (rc == STORE_ROW) {
		s->discoverable = store_col_int(q, 0) != 0;
		s->window = (int)store_col_int(q, 1);
		snprintf(s->region, sizeof(s->region), "%s", store_col_text(q, 2));
		snprintf(s->transfer_region, sizeof(s->transfer_region), "%s", store_col_text(q, 3));
		s->transfer_consent = store_col_int(q, 4) != 0;
	}
	store_stmt_done(q);
	return rc == STORE_ROW ? 0 : -1;
}

json_t *tenant_settings_json(struct store *st, const char *tenant_id)
{
	struct settings s;
	if (settings_load(st, tenant_id, &s) < 0)
		return NULL;
	return json_pack("{s:b, s:i, s:s, s:s, s:b, s:o}", "discoverable", s.discoverable,
	                 "objection_window_days", s.window, "region", s.region, "transfer_region",
	                 s.transfer_region, "transfer_consent", s.transfer_consent, "retention",
	                 retention_rules_json(st, tenant_id));
}

int tenant_settings_objection_window(struct store *st, const char *tenant_id)
{
	struct settings s;
	return settings_load(st, tenant_id, &s) == 0 ? s.window : 30;
}

/* Checks every member of changes and folds them into s; the field names
 * touched go into fields (comma-separated column names, for the audit). */
static int validate(json_t *changes, struct settings *s, char *fields, size_t len,
                    const char **reason_r, const char **error_r)
{
	const char *key;
	json_t *v;
	*error_r = "invalid_field";
	fields[0] = '\0';
	json_object_foreach(changes, key, v)
	{
		const char *col = NULL;
		if (strcmp(key, "discoverable") == 0 && json_is_boolean(v)) {
			s->discoverable = json_is_true(v);
			col = "tenants.discoverable";
		} else if (strcmp(key, "objection_window_days") == 0 && json_is_integer(v) &&
		           (json_integer_value(v) == 14 || json_integer_value(v) == 30)) {
			s->window = (int)json_integer_value(v);
			col = "tenant_settings.objection_window_days";
		} else if ((strcmp(key, "region") == 0 || strcmp(key, "transfer_region") == 0) &&
		           region_valid(json_string_value(v))) {
			bool transfer = key[0] == 't';
			snprintf(transfer ? s->transfer_region : s->region, sizeof(s->region), "%s",
			         json_string_value(v));
			col = transfer ? "tenant_settings.transfer_region" : "tenant_settings.region";
		} else if (strcmp(key, "transfer_consent") == 0 && json_is_boolean(v)) {
			s->transfer_consent = json_is_true(v);
			col = "tenant_settings.transfer_consent";
		} else if (strcmp(key, "retention") == 0 && json_is_object(v)) {
			const char *cat;
			json_t *days;
			json_object_foreach(v, cat, days)
			{
				if (!json_is_integer(days) || json_integer_value(days) < 0 ||
				    json_integer_value(days) > 36500)
					return -1;
				if (retention_check(cat, (int)json_integer_value(days), reason_r,
				                    error_r) < 0)
					return -1;
			}
			col = "retention_rules.days";
		} else {
			return -1;
		}
		size_t used = strlen(fields);
		snprintf(fields + used, len - used, "%s%s", used ? "," : "", col);
	}
	if (fields[0] == '\0')
		return -1;
	return 0;
}

/* Writes s and the retention rules of changes, with the audit entry. */
static int execute_tx(struct app *app, struct store *st, const struct actor *actor,
                      const char *tenant_id, const struct settings *s, json_t *changes,
                      const char *fields, int64_t now)
{
	json_t *ret = json_object_get(changes, "retention");
	const char *cat;
	json_t *days;
	if (store_run(st, "UPDATE tenants SET discoverable = ? WHERE id = ?", "ds",
	              s->discoverable ? 1 : 0, tenant_id) != STORE_DONE ||
	    store_run(st,
	              "INSERT INTO tenant_settings (tenant_id, objection_window_days, region,"
	              " transfer_region, transfer_consent, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
	              " ON CONFLICT (tenant_id) DO UPDATE SET objection_window_days ="
	              " excluded.objection_window_days, region = excluded.region, transfer_region"
	              " = excluded.transfer_region, transfer_consent = excluded.transfer_consent,"
	              " updated_at = excluded.updated_at",
	              "sdssdi", tenant_id, s->window, s->region, s->transfer_region,
	              s->transfer_consent ? 1 : 0, now) != STORE_DONE)
		return -1;
	json_object_foreach(ret, cat, days)
	{
		if (retention_put_tx(app, st, actor, tenant_id, cat, (int)json_integer_value(days)) <
		    0)
			return -1;
	}
	return regs_audit(app, st, actor, tenant_id, "tenant.settings.update", "tenant", tenant_id,
	                  fields, true);
}

static int hold(struct app *app, struct store *st, const struct actor *actor,
                const char *tenant_id, json_t *changes, char held_id_r[37], int64_t now)
{
	char *payload = json_dumps(changes, JSON_COMPACT | JSON_SORT_KEYS);
	int rc = -1;
	ids_uuid4(held_id_r);
	if (payload == NULL || store_tx_begin(st) < 0)
		goto out;
	if (store_run(st,
	              "INSERT INTO pending_instructions (id, tenant_id, actor_id, kind, payload,"
	              " reason, status, created_at) VALUES (?, ?, ?, 'settings', ?, ?, 'pending', ?)",
	              "sssssi", held_id_r, tenant_id, actor->id, payload, TRANSFER_REASON,
	              now) != STORE_DONE ||
	    regs_audit(app, st, actor, tenant_id, "instruction.hold", "instruction", held_id_r,
	               "pending_instructions.payload", true) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		goto out;
	}
	rc = INSTRUCTION_HELD;
out:
	free(payload);
	return rc;
}

int instructions_apply(struct app *app, struct store *st, const struct actor *actor,
                       const char *tenant_id, json_t *changes, char held_id_r[37],
                       const char **reason_r, const char **error_r)
{
	struct settings s;
	char fields[512];
	int64_t now = clock_action_now();
	*reason_r = NULL;
	if (settings_load(st, tenant_id, &s) < 0) {
		*error_r = "not_found";
		return -1;
	}
	if (!json_is_object(changes) ||
	    validate(changes, &s, fields, sizeof(fields), reason_r, error_r) < 0)
		return -1;
	*error_r = "internal";
	if (!instructions_region_in_eea(s.transfer_region) && !s.transfer_consent) {
		*reason_r = TRANSFER_REASON;
		return hold(app, st, actor, tenant_id, changes, held_id_r, now);
	}
	if (store_tx_begin(st) < 0)
		return -1;
	if (execute_tx(app, st, actor, tenant_id, &s, changes, fields, now) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return -1;
	}
	return INSTRUCTION_DONE;
}

/* Loads a pending instruction's payload (malloc'd) when it is pending. */
static int load_pending(struct store *st, const char *tenant_id, const char *id, char **payload_r,
                        const char **error_r)
{
	struct store_stmt *q = store_query(
	    st, "SELECT payload, status FROM pending_instructions WHERE id = ? AND tenant_id = ?",
	    "ss", id != NULL ? id : "", tenant_id);
	int rc = q != NULL ? store_step(q) : STORE_ERROR;
	*payload_r = NULL;
	*error_r = rc == STORE_ROW ? "conflict" : rc == STORE_DONE ? "not_found" : "internal";
	if (rc == STORE_ROW && strcmp(store_col_text(q, 1), "pending") == 0)
		*payload_r = xstrdup(store_col_text(q, 0));
	store_stmt_done(q);
	return *payload_r != NULL ? 0 : -1;
}

static int decide_tx(struct app *app, struct store *st, const struct actor *actor,
                     const char *tenant_id, const char *id, const char *status, int64_t now)
{
	if (store_run(st,
	              "UPDATE pending_instructions SET status = ?, decided_at = ?, decided_by = ?"
	              " WHERE id = ? AND tenant_id = ? AND status = 'pending'",
	              "sisss", status, now, actor->id, id, tenant_id) != STORE_DONE ||
	    store_changes(st) != 1)
		return -1;
	return regs_audit(app, st, actor, tenant_id,
	                  strcmp(status, "confirmed") == 0 ? "instruction.confirm"
	                                                   : "instruction.cancel",
	                  "instruction", id, "pending_instructions.status", true);
}

int instructions_confirm(struct app *app, struct store *st, const struct actor *actor,
                         const char *tenant_id, const char *instruction_id, bool acknowledge,
                         const char **error_r)
{
	struct settings s;
	char fields[512];
	char *payload = NULL;
	const char *reason = NULL;
	json_t *changes = NULL;
	int64_t now = clock_action_now();
	int rc = -1;
	if (load_pending(st, tenant_id, instruction_id, &payload, error_r) < 0)
		return -1;
	if (!acknowledge) {
		*error_r = "invalid_field";
		goto out;
	}
	changes = json_loads(payload, 0, NULL);
	/* Re-validated against today's settings: rules may have changed. */
	if (settings_load(st, tenant_id, &s) < 0 || changes == NULL ||
	    validate(changes, &s, fields, sizeof(fields), &reason, error_r) < 0)
		goto out;
	/* The acknowledgement is the recorded basis of the transfer. */
	s.transfer_consent = true;
	size_t used = strlen(fields);
	snprintf(fields + used, sizeof(fields) - used, ",tenant_settings.transfer_consent");
	*error_r = "internal";
	if (store_tx_begin(st) < 0)
		goto out;
	if (decide_tx(app, st, actor, tenant_id, instruction_id, "confirmed", now) < 0 ||
	    execute_tx(app, st, actor, tenant_id, &s, changes, fields, now) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		goto out;
	}
	rc = 0;
out:
	json_decref(changes);
	free(payload);
	return rc;
}

int instructions_cancel(struct app *app, struct store *st, const struct actor *actor,
                        const char *tenant_id, const char *instruction_id, const char **error_r)
{
	char *payload = NULL;
	if (load_pending(st, tenant_id, instruction_id, &payload, error_r) < 0)
		return -1;
	free(payload);
	*error_r = "internal";
	if (store_tx_begin(st) < 0)
		return -1;
	if (decide_tx(app, st, actor, tenant_id, instruction_id, "cancelled",
	              clock_action_now()) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return -1;
	}
	return 0;
}

json_t *instructions_list_json(struct store *st, const char *tenant_id)
{
	json_t *list = json_array();
	struct store_stmt *q = store_query(st,
	                                   "SELECT id, actor_id, kind, payload, reason, status,"
	                                   " created_at, decided_at, decided_by FROM"
	                                   " pending_instructions WHERE tenant_id = ?"
	                                   " ORDER BY created_at DESC, id",
	                                   "s", tenant_id);
	while (q != NULL && store_step(q) == STORE_ROW) {
		const char *by = store_col_text(q, 8);
		json_t *payload = json_loads(store_col_text(q, 3), 0, NULL);
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:I, s:o, s:o}", "id",
		                    store_col_text(q, 0), "actor_id", store_col_text(q, 1), "kind",
		                    store_col_text(q, 2), "changes",
		                    payload ? payload : json_null(), "reason", store_col_text(q, 4),
		                    "status", store_col_text(q, 5), "created_at",
		                    (json_int_t)store_col_int(q, 6), "decided_at",
		                    store_col_is_null(q, 7) ? json_null()
		                                            : json_integer(store_col_int(q, 7)),
		                    "decided_by", by ? json_string(by) : json_null()));
	}
	store_stmt_done(q);
	return list;
}
