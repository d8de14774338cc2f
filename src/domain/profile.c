/* domain/profile: sealed profile fields (see profile.h). */
#include "domain/profile.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/accounts_internal.h"
#include "domain/app.h"
#include "domain/directory.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum field_kind { FIELD_TEXT, FIELD_PHONES, FIELD_EMAILS };

static const struct profile_field {
	const char *name;
	const char *column;
	enum field_kind kind;
	size_t max; /* bytes of the text, or of each list item */
	bool removable;
} profile_fields[] = {
    {"first_name", "first_name_sealed", FIELD_TEXT, ACCOUNTS_NAME_MAX, false},
    {"last_name", "last_name_sealed", FIELD_TEXT, ACCOUNTS_NAME_MAX, false},
    {"title", "title_sealed", FIELD_TEXT, 64, true},
    {"nickname", "nickname_sealed", FIELD_TEXT, 128, true},
    {"job_title", "job_title_sealed", FIELD_TEXT, 128, true},
    {"department", "department_sealed", FIELD_TEXT, 128, true},
    {"phone_numbers", "phone_numbers_sealed", FIELD_PHONES, 64, true},
    {"other_emails", "other_emails_sealed", FIELD_EMAILS, ACCOUNTS_EMAIL_MAX, true},
    {"postal_address", "postal_address_sealed", FIELD_TEXT, 1024, true},
    {"company", "company_sealed", FIELD_TEXT, 256, true},
    /* vCard FN (XEP-0054); unset: first and last name */
    {"display_name", "display_name_sealed", FIELD_TEXT, 2 * ACCOUNTS_NAME_MAX + 1, true},
};
#define N_FIELDS (sizeof(profile_fields) / sizeof(profile_fields[0]))

static const struct profile_field *field_find(const char *name)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (strcmp(profile_fields[i].name, name) == 0)
			return &profile_fields[i];
	return NULL;
}

static bool text_ok(const char *s, size_t max)
{
	size_t len = strlen(s);
	if (len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
			return false;
	return true;
}

static bool phone_ok(const char *s)
{
	if (s[0] == '\0')
		return false;
	for (const char *c = s; *c != '\0'; c++)
		if (strchr("0123456789+-() ./", *c) == NULL)
			return false;
	return true;
}

/* Checks one value; sets *error_r on failure. */
static int value_check(const struct profile_field *f, json_t *v, const char **error_r)
{
	size_t i;
	json_t *item;
	*error_r = "invalid_field";
	if (json_is_null(v))
		return f->removable ? 0 : -1;
	if (f->kind == FIELD_TEXT)
		return json_is_string(v) && json_string_length(v) > 0 &&
		               text_ok(json_string_value(v), f->max)
		           ? 0
		           : -1;
	if (!json_is_array(v) || json_array_size(v) > PROFILE_LIST_MAX)
		return -1;
	json_array_foreach(v, i, item)
	{
		if (!json_is_string(item) || !text_ok(json_string_value(item), f->max))
			return -1;
		char norm[ACCOUNTS_EMAIL_MAX + 1];
		if (f->kind == FIELD_EMAILS &&
		    acc_email_normalise(json_string_value(item), norm, sizeof(norm)) < 0)
			return *error_r = "invalid_email", -1;
		if (f->kind == FIELD_PHONES && !phone_ok(json_string_value(item)))
			return -1;
	}
	return 0;
}

static int patch_check(json_t *patch, const char **error_r, const char **field_r)
{
	const char *key;
	json_t *v;
	if (!json_is_object(patch))
		return *error_r = "invalid_json", -1;
	json_object_foreach(patch, key, v)
	{
		const struct profile_field *f = field_find(key);
		*field_r = f ? f->name : key; /* key lives as long as patch */
		if (f == NULL)
			return *error_r = "unknown_field", -1;
		if (value_check(f, v, error_r) < 0)
			return -1;
	}
	*field_r = NULL;
	return 0;
}

/* Seals one field's new value (text, or the list as JSON text) or clears it. */
static int field_write(struct app *app, struct store *st, const struct account *acc,
                       const struct profile_field *f, json_t *v)
{
	char *text = NULL;
	const char *value = NULL;
	if (json_is_string(v))
		value = json_string_value(v);
	else if (json_is_array(v))
		value = text = json_dumps(v, JSON_COMPACT);
	int rc = acc_seal_column(app, st, acc->tenant_id, acc->id, "account_profiles", "account_id",
	                         acc->id, f->column, value, value ? strlen(value) : 0);
	if (text != NULL)
		secret_free(text, strlen(text));
	return rc;
}

static int patch_tx(struct app *app, struct store *st, const struct actor *actor,
                    const struct account *acc, json_t *patch)
{
	char set[256] = "", removed[256] = "";
	const char *key;
	json_t *v;
	json_object_foreach(patch, key, v)
	{
		const struct profile_field *f = field_find(key);
		if (field_write(app, st, acc, f, v) < 0)
			return -1;
		char *list = json_is_null(v) ? removed : set;
		strncat(list, list[0] ? "," : "", 255 - strlen(list));
		strncat(list, f->name, 255 - strlen(list));
	}
	if (store_run(st, "UPDATE account_profiles SET updated_at = ? WHERE account_id = ?", "is",
	              acc_now(), acc->id) != STORE_DONE)
		return -1;
	bool instruction = strcmp(actor->id, acc->id) != 0;
	if (set[0] && acc_audit(app, st, actor, acc->tenant_id, "profile.update", "account",
	                        acc->id, set, instruction) < 0)
		return -1;
	if (removed[0] && acc_audit(app, st, actor, acc->tenant_id, "profile.remove", "account",
	                            acc->id, removed, instruction) < 0)
		return -1;
	return 0;
}

int profile_patch_check(json_t *patch, const char **error_r, const char **field_r)
{
	*field_r = NULL;
	if (patch_check(patch, error_r, field_r) < 0)
		return -1;
	*error_r = NULL;
	return 0;
}

int profile_patch_tx(struct app *app, struct store *st, const struct actor *actor,
                     const struct account *acc, json_t *patch)
{
	if (patch_tx(app, st, actor, acc, patch) < 0 || directory_reindex_tx(app, st, acc->id) < 0)
		return -1;
	return 0;
}

int profile_patch(struct app *app, struct store *st, const struct actor *actor,
                  const struct account *acc, json_t *patch, const char **error_r,
                  const char **field_r)
{
	if (profile_patch_check(patch, error_r, field_r) < 0)
		return -1;
	if (json_object_size(patch) == 0)
		return 0;
	if (store_tx_begin(st) < 0)
		return *error_r = "internal", -1;
	if (profile_patch_tx(app, st, actor, acc, patch) < 0 || store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return *error_r = "internal", -1;
	}
	*error_r = NULL;
	return 0;
}

/* Opens one field of the current row into a JSON value (null when unset). */
static json_t *field_read(struct app *app, struct store *st, const struct account *acc,
                          const struct profile_field *f, struct store_stmt *q, int col)
{
	size_t sealed_len = 0, len = 0;
	char *plain = NULL;
	const void *sealed = store_col_blob(q, col, &sealed_len);
	if (sealed == NULL)
		return json_null();
	if (acc_open_column(app, st, acc->tenant_id, acc->id, "account_profiles", acc->id,
	                    f->column, sealed, sealed_len, &plain, &len) < 0 ||
	    plain == NULL)
		return NULL;
	json_t *v =
	    f->kind == FIELD_TEXT ? json_stringn(plain, len) : json_loadb(plain, len, 0, NULL);
	acc_free_plain(plain, len);
	return v;
}

int profile_get(struct app *app, struct store *st, const struct account *acc, json_t **out_r,
                const char **error_r)
{
	struct store_stmt *q = store_query(
	    st,
	    "SELECT first_name_sealed, last_name_sealed, title_sealed, nickname_sealed, "
	    "job_title_sealed, department_sealed, phone_numbers_sealed, other_emails_sealed, "
	    "postal_address_sealed, company_sealed, display_name_sealed, avatar_type FROM "
	    "account_profiles WHERE "
	    "account_id = ?",
	    "s", acc->id);
	json_t *out = json_object();
	int rc = q ? store_step(q) : STORE_ERROR, ret = -1;
	*error_r = "internal";
	if (rc == STORE_DONE)
		*error_r = "not_found";
	if (rc != STORE_ROW)
		goto out;
	for (size_t i = 0; i < N_FIELDS; i++) {
		json_t *v = field_read(app, st, acc, &profile_fields[i], q, (int)i);
		if (v == NULL)
			goto out;
		json_object_set_new(out, profile_fields[i].name, v);
	}
	const char *type = store_col_text(q, (int)N_FIELDS);
	json_object_set_new(out, "avatar",
	                    type ? json_pack("{s:s}", "content_type", type) : json_null());
	*error_r = NULL;
	ret = 0;
out:
	store_stmt_done(q);
	if (ret < 0)
		json_decref(out);
	else
		*out_r = out;
	return ret;
}

int profile_names(struct app *app, struct store *st, const struct account *acc, char **first_r,
                  char **last_r)
{
	json_t *p = NULL;
	const char *error = NULL;
	*first_r = *last_r = NULL;
	if (profile_get(app, st, acc, &p, &error) < 0)
		return -1;
	const char *first = json_string_value(json_object_get(p, "first_name"));
	const char *last = json_string_value(json_object_get(p, "last_name"));
	*first_r = first ? xstrdup(first) : NULL;
	*last_r = last ? xstrdup(last) : NULL;
	json_decref(p);
	return 0;
}
