/*
 * domain/contact_book_settings: the tenant's settings of the contact book
 * (each change an audited instruction, P-HYG-5) and the mailbox refresh
 * that depends on the recorded information/consent of employees (P-HYG-4).
 */
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "domain/contact_book_internal.h"
#include "store/store.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETTINGS_COLUMNS                                                                           \
	"default_country, lang, dedupe_threshold_milli, merge_keep_alternates, column_map, "       \
	"employees_informed, consent_required, employees_agreed, refresh_recorded_at, updated_at"

static void settings_defaults(struct cb_settings *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->country, sizeof(s->country), "FR");
	snprintf(s->lang, sizeof(s->lang), "en");
	s->threshold = 0.5;
	s->keep_alternates = true;
	s->column_map = json_object();
}

/* Reads the settings row into s and, when json_r, as JSON. */
static int settings_read(struct store *st, const char *tenant_id, struct cb_settings *s,
                         json_t **json_r)
{
	struct store_stmt *q =
	    store_query(st, "SELECT " SETTINGS_COLUMNS " FROM contact_settings WHERE tenant_id = ?",
	                "s", tenant_id);
	int rc = q ? store_step(q) : STORE_ERROR;
	int64_t recorded = 0, updated = 0;
	settings_defaults(s);
	if (rc == STORE_ROW) {
		snprintf(s->country, sizeof(s->country), "%s", store_col_text(q, 0));
		snprintf(s->lang, sizeof(s->lang), "%s", store_col_text(q, 1));
		s->threshold = (double)store_col_int(q, 2) / 1000.0;
		s->keep_alternates = store_col_int(q, 3) != 0;
		json_t *m = json_loads(store_col_text(q, 4), 0, NULL);
		if (json_is_object(m)) {
			json_decref(s->column_map);
			s->column_map = m;
		} else {
			json_decref(m);
		}
		s->informed = store_col_int(q, 5) != 0;
		s->consent_required = store_col_int(q, 6) != 0;
		s->agreed = store_col_int(q, 7) != 0;
		recorded = store_col_is_null(q, 8) ? 0 : store_col_int(q, 8);
		updated = store_col_int(q, 9);
	}
	store_stmt_done(q);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return -1;
	if (json_r != NULL)
		*json_r = json_pack(
		    "{s:s, s:s, s:f, s:b, s:O, s:b, s:b, s:b, s:o, s:o}", "default_country",
		    s->country, "lang", s->lang, "dedupe_threshold", s->threshold,
		    "merge_keep_alternates", s->keep_alternates, "column_map", s->column_map,
		    "employees_informed", s->informed, "consent_required", s->consent_required,
		    "employees_agreed", s->agreed, "refresh_recorded_at",
		    recorded ? json_integer(recorded) : json_null(), "updated_at",
		    updated ? json_integer(updated) : json_null());
	return 0;
}

int cb_settings_load(struct store *st, const char *tenant_id, struct cb_settings *s)
{
	return settings_read(st, tenant_id, s, NULL);
}

void cb_settings_free(struct cb_settings *s)
{
	json_decref(s->column_map);
	s->column_map = NULL;
}

int contact_book_settings_get(struct app *app, struct store *st, const char *tenant_id,
                              json_t **out_r, const char **error_r)
{
	struct cb_settings s;
	(void)app;
	int rc = settings_read(st, tenant_id, &s, out_r);
	cb_settings_free(&s);
	*error_r = rc < 0 ? "internal" : NULL;
	return rc;
}

/* A column map: {"header": "field"} with known field names. */
bool cb_map_ok(json_t *m)
{
	const char *k;
	json_t *v;
	if (!json_is_object(m) || json_object_size(m) > 256)
		return false;
	json_object_foreach(m, k, v)
	{
		const char *f = json_string_value(v);
		if (f == NULL || strlen(k) == 0 || strlen(k) > 256 ||
		    contacts_field_from_header(f, strlen(f)) < 0 ||
		    strcmp(contacts_field_name(
		               (enum contact_field)contacts_field_from_header(f, strlen(f))),
		           f) != 0)
			return false;
	}
	return true;
}

bool cb_country_ok(const char *c)
{
	return c && strlen(c) == 2 && isupper((unsigned char)c[0]) && isupper((unsigned char)c[1]);
}

/* Checks one setting and applies it to s. */
static int setting_apply(struct cb_settings *s, const char *key, json_t *v)
{
	if (strcmp(key, "default_country") == 0 && cb_country_ok(json_string_value(v)))
		snprintf(s->country, sizeof(s->country), "%s", json_string_value(v));
	else if (strcmp(key, "lang") == 0 && json_is_string(v) &&
	         (strcmp(json_string_value(v), "en") == 0 ||
	          strcmp(json_string_value(v), "fr") == 0))
		snprintf(s->lang, sizeof(s->lang), "%s", json_string_value(v));
	else if (strcmp(key, "dedupe_threshold") == 0 && json_is_number(v) &&
	         json_number_value(v) > 0.0 && json_number_value(v) < 1.0)
		s->threshold = json_number_value(v);
	else if (strcmp(key, "merge_keep_alternates") == 0 && json_is_boolean(v))
		s->keep_alternates = json_is_true(v);
	else if (strcmp(key, "column_map") == 0 && cb_map_ok(v)) {
		json_decref(s->column_map);
		s->column_map = json_incref(v);
	} else if (strcmp(key, "employees_informed") == 0 && json_is_boolean(v))
		s->informed = json_is_true(v);
	else if (strcmp(key, "consent_required") == 0 && json_is_boolean(v))
		s->consent_required = json_is_true(v);
	else if (strcmp(key, "employees_agreed") == 0 && json_is_boolean(v))
		s->agreed = json_is_true(v);
	else
		return -1;
	return 0;
}

static const char *const setting_names[] = {"default_country",
                                            "lang",
                                            "dedupe_threshold",
                                            "merge_keep_alternates",
                                            "column_map",
                                            "employees_informed",
                                            "consent_required",
                                            "employees_agreed",
                                            NULL};

static int settings_write(struct app *app, struct store *st, const struct actor *actor,
                          const char *tenant_id, const struct cb_settings *s, bool refresh,
                          const char *fields)
{
	char *map = json_dumps(s->column_map, JSON_COMPACT);
	int64_t now = cb_now();
	int rc =
	    store_run(st,
	              "INSERT INTO contact_settings (tenant_id, default_country, lang, "
	              "dedupe_threshold_milli, merge_keep_alternates, column_map, "
	              "employees_informed, consent_required, employees_agreed, "
	              "refresh_recorded_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	              "ON CONFLICT (tenant_id) DO UPDATE SET default_country = "
	              "excluded.default_country, lang = excluded.lang, dedupe_threshold_milli = "
	              "excluded.dedupe_threshold_milli, merge_keep_alternates = "
	              "excluded.merge_keep_alternates, column_map = excluded.column_map, "
	              "employees_informed = excluded.employees_informed, consent_required = "
	              "excluded.consent_required, employees_agreed = excluded.employees_agreed, "
	              "refresh_recorded_at = COALESCE(excluded.refresh_recorded_at, "
	              "contact_settings.refresh_recorded_at), updated_at = excluded.updated_at",
	              "sssddsdddni", tenant_id, s->country, s->lang,
	              (int)lround(s->threshold * 1000.0), (int)s->keep_alternates, map ? map : "{}",
	              (int)s->informed, (int)s->consent_required, (int)s->agreed, now) == STORE_DONE
	        ? 0
	        : -1;
	free(map);
	if (rc == 0 && refresh &&
	    store_run(st, "UPDATE contact_settings SET refresh_recorded_at = ? WHERE tenant_id = ?",
	              "is", now, tenant_id) != STORE_DONE)
		rc = -1;
	if (rc == 0)
		rc = cb_audit(app, st, actor, tenant_id,
		              refresh ? "contacts.refresh_consent" : "contacts.settings",
		              "contact_book", tenant_id, fields);
	return rc;
}

int cb_settings_save_map(struct app *app, struct store *st, const struct actor *actor,
                         const char *tenant_id, json_t *map)
{
	struct cb_settings s;
	if (settings_read(st, tenant_id, &s, NULL) < 0)
		return -1;
	json_decref(s.column_map);
	s.column_map = json_incref(map);
	int rc = settings_write(app, st, actor, tenant_id, &s, false, "column_map");
	cb_settings_free(&s);
	return rc;
}

/* Appends name to a comma-separated list. */
static void list_add(char *list, size_t cap, const char *name)
{
	size_t l = strlen(list);
	snprintf(list + l, cap - l, "%s%s", l ? "," : "", name);
}

int contact_book_settings_patch(struct app *app, struct store *st, const struct actor *actor,
                                const char *tenant_id, json_t *patch, const char **error_r,
                                const char **field_r)
{
	struct cb_settings s;
	char fields[256] = "";
	bool refresh = false;
	*field_r = NULL;
	if (settings_read(st, tenant_id, &s, NULL) < 0)
		return *error_r = "internal", -1;
	for (size_t i = 0; setting_names[i] != NULL; i++) {
		json_t *v = json_object_get(patch, setting_names[i]);
		if (v == NULL)
			continue;
		if (setting_apply(&s, setting_names[i], v) < 0) {
			cb_settings_free(&s);
			*field_r = setting_names[i];
			return *error_r = "invalid_field", -1;
		}
		list_add(fields, sizeof(fields), setting_names[i]);
		refresh |= i >= 5;
	}
	int rc = 0;
	if (fields[0] != '\0') {
		rc = store_tx_begin(st);
		if (rc == 0 && settings_write(app, st, actor, tenant_id, &s, refresh, fields) < 0)
			rc = -1;
		if (rc == 0)
			rc = store_tx_commit(st);
		if (rc < 0)
			store_tx_rollback(st);
	}
	cb_settings_free(&s);
	*error_r = rc < 0 ? "internal" : NULL;
	return rc;
}

/* {field, before, after, why, contact_id} entries of the refresh changes. */
static json_t *refresh_changes(const struct cb_book *bk, const struct contacts_changes *ch,
                               json_t **per_rec)
{
	json_t *all = json_array();
	for (size_t i = 0; i < ch->n; i++) {
		const struct contacts_change *c = &ch->v[i];
		json_t *o = json_pack(
		    "{s:s, s:o, s:o, s:s}", "field", contacts_field_name(c->field), "before",
		    c->before ? json_string(c->before) : json_null(), "after",
		    c->after ? json_string(c->after) : json_null(), "why", c->why ? c->why : "");
		if (per_rec[c->rec] == NULL)
			per_rec[c->rec] = json_array();
		json_array_append(per_rec[c->rec], o);
		json_object_set_new(o, "contact_id", json_string(bk->ids[c->rec]));
		json_array_append_new(all, o);
	}
	return all;
}

/* Rewrites each changed contact, appending its refresh changes to its
 * stored change report. */
static int refresh_store(struct app *app, struct store *st, const char *tenant_id,
                         const struct cb_book *bk, json_t **per_rec)
{
	for (size_t r = 0; r < bk->b->n; r++) {
		if (per_rec[r] == NULL)
			continue;
		struct cb_row old, row;
		if (cb_read(app, st, tenant_id, bk->ids[r], &old) != 1)
			return -1;
		json_t *changes = old.plain[CB_CHANGES] ? json_loads(old.plain[CB_CHANGES], 0, NULL)
		                                        : json_array();
		if (!json_is_array(changes)) {
			json_decref(changes);
			changes = json_array();
		}
		json_array_extend(changes, per_rec[r]);
		memset(&row, 0, sizeof(row));
		memcpy(row.id, old.id, sizeof(row.id));
		cb_encode(bk->b, &bk->b->recs[r], changes, &row);
		json_decref(changes);
		int rc = cb_update(app, st, tenant_id, &row);
		cb_row_clear(&row);
		cb_row_clear(&old);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int contact_book_refresh(struct app *app, struct store *st, const struct actor *actor,
                         const char *tenant_id, const char *data, size_t len, json_t **out_r,
                         const char **error_r)
{
	struct cb_settings s;
	struct cb_book bk;
	struct contacts_changes ch = {0};
	struct contacts_refresh_stats stats = {0};
	const char *eerr = NULL;
	if (cb_settings_load(st, tenant_id, &s) < 0)
		return *error_r = "internal", -1;
	cb_settings_free(&s);
	if (!s.informed)
		return *error_r = "employees_not_informed", -1;
	if (s.consent_required && !s.agreed)
		return *error_r = "employees_not_agreed", -1;
	if (cb_load(app, st, tenant_id, &bk) < 0)
		return *error_r = "internal", -1;
	struct contacts_refresh_opts ro = {1, s.consent_required, s.agreed};
	if (contacts_refresh(bk.b, data, len, &ro, &stats, &ch, &eerr) < 0) {
		cb_book_free(&bk);
		contacts_changes_free(&ch);
		return *error_r = "invalid_input", -1;
	}
	json_t **per_rec = xcalloc(bk.b->n + 1, sizeof(json_t *));
	json_t *changes = refresh_changes(&bk, &ch, per_rec);
	int rc = store_tx_begin(st);
	if (rc == 0)
		rc = refresh_store(app, st, tenant_id, &bk, per_rec);
	if (rc == 0)
		rc = cb_audit(app, st, actor, tenant_id, "contacts.refresh", "contact_book",
		              tenant_id, "email,email_status,last_seen");
	if (rc == 0)
		rc = store_tx_commit(st);
	if (rc < 0)
		store_tx_rollback(st);
	for (size_t r = 0; r < bk.b->n; r++)
		json_decref(per_rec[r]);
	free(per_rec);
	*out_r = json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "events", (json_int_t)stats.events,
	                   "bounces_marked", (json_int_t)stats.bounces_marked, "addresses_updated",
	                   (json_int_t)stats.addresses_updated, "last_seen_updated",
	                   (json_int_t)stats.last_seen_updated, "ignored",
	                   (json_int_t)stats.ignored, "changes", changes);
	cb_book_free(&bk);
	contacts_changes_free(&ch);
	if (rc < 0) {
		json_decref(*out_r);
		*out_r = NULL;
	}
	*error_r = rc < 0 ? "internal" : NULL;
	return rc;
}
