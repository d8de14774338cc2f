/*
 * domain/contact_book_read: list (paged), search through the blind indexes,
 * one contact, export with source and cluster ids, erasure.
 */
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "domain/contact_book_internal.h"
#include "store/store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A set of contact ids (small, sorted on demand). */
struct idset {
	char (*v)[IDS_UUID_LEN];
	size_t n, cap;
};

static void idset_add(struct idset *s, const char *id)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	snprintf(s->v[s->n++], IDS_UUID_LEN, "%s", id);
}

static bool idset_has(const struct idset *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], id) == 0)
			return true;
	return false;
}

/* Contacts whose kind index holds norm. */
static int lookup(struct app *app, struct store *st, const char *tenant_id, const char *kind,
                  const char *norm, struct idset *out)
{
	char token[65];
	if (keys_blind_index(app->keys, st, tenant_id, kind, norm, token) < 0)
		return -1;
	struct store_stmt *q = store_query(st,
	                                   "SELECT DISTINCT contact_id FROM contact_index WHERE "
	                                   "tenant_id = ? AND kind = ? AND token = ?",
	                                   "sss", tenant_id, kind, token);
	int step = STORE_ERROR;
	while (q && (step = store_step(q)) == STORE_ROW)
		idset_add(out, store_col_text(q, 0));
	store_stmt_done(q);
	return step == STORE_DONE ? 0 : -1;
}

static bool phone_like(const char *q)
{
	size_t digits = 0;
	for (const char *c = q; *c; c++) {
		if (isdigit((unsigned char)*c))
			digits++;
		else if (strchr("+-(). ", *c) == NULL)
			return false;
	}
	return digits >= 5;
}

/* The contacts matching q: e-mail, phone, or every name word. */
static int search(struct app *app, struct store *st, const char *tenant_id, const char *q,
                  struct idset *out)
{
	const char *why = NULL;
	if (strchr(q, '@') != NULL) {
		char *e = contacts_clean_email(q, &why);
		int rc = lookup(app, st, tenant_id, "email", e ? e : q, out);
		free(e);
		return rc;
	}
	if (phone_like(q)) {
		struct cb_settings s;
		if (cb_settings_load(st, tenant_id, &s) < 0)
			return -1;
		cb_settings_free(&s);
		char *p = contacts_clean_phone(q, s.country, &why);
		int rc = lookup(app, st, tenant_id, "phone", p ? p : q, out);
		free(p);
		return rc;
	}
	char **t = cb_name_tokens(q);
	int rc = 0;
	for (size_t k = 0; t[k] && rc == 0; k++) {
		struct idset one = {0}, both = {0};
		rc = lookup(app, st, tenant_id, "name", t[k], &one);
		for (size_t i = 0; i < one.n; i++)
			if (k == 0 || idset_has(out, one.v[i]))
				idset_add(&both, one.v[i]);
		free(out->v);
		free(one.v);
		*out = both;
	}
	cb_tokens_free(t);
	return rc;
}

/* JSON of one opened row (without its change report). */
static json_t *row_json(const struct cb_row *row)
{
	struct contacts_book *b = contacts_book_new();
	struct contact *c = cb_decode(b, row);
	json_t *o = cb_record_json(b, c, row->id);
	contacts_book_free(&b);
	return o;
}

static int pos_cmp(const void *a, const void *b)
{
	const struct cb_row *x = a, *y = b;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

static int list_search(struct app *app, struct store *st, const char *tenant_id, const char *q,
                       size_t offset, size_t limit, json_t *page, size_t *total_r)
{
	struct idset ids = {0};
	int rc = search(app, st, tenant_id, q, &ids);
	struct cb_row *rows = xcalloc(ids.n + 1, sizeof(*rows));
	size_t n = 0;
	for (size_t i = 0; i < ids.n && rc == 0; i++) {
		int got = cb_read(app, st, tenant_id, ids.v[i], &rows[n]);
		if (got < 0)
			rc = -1;
		n += got == 1;
	}
	qsort(rows, n, sizeof(*rows), pos_cmp);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && i >= offset && i < offset + limit)
			json_array_append_new(page, row_json(&rows[i]));
		cb_row_clear(&rows[i]);
	}
	*total_r = n;
	free(rows);
	free(ids.v);
	return rc;
}

static int list_page(struct app *app, struct store *st, const char *tenant_id, size_t offset,
                     size_t limit, json_t *page, size_t *total_r)
{
	struct store_stmt *q =
	    store_query(st, "SELECT COUNT(*) FROM contacts WHERE tenant_id = ?", "s", tenant_id);
	*total_r = q && store_step(q) == STORE_ROW ? (size_t)store_col_int(q, 0) : 0;
	store_stmt_done(q);
	q = store_query(st,
	                "SELECT id FROM contacts WHERE tenant_id = ? ORDER BY pos, id LIMIT ? "
	                "OFFSET ?",
	                "sii", tenant_id, (int64_t)limit, (int64_t)offset);
	struct idset ids = {0};
	int step = STORE_ERROR;
	while (q && (step = store_step(q)) == STORE_ROW)
		idset_add(&ids, store_col_text(q, 0));
	store_stmt_done(q);
	int rc = step == STORE_DONE ? 0 : -1;
	for (size_t i = 0; i < ids.n && rc == 0; i++) {
		struct cb_row row;
		if (cb_read(app, st, tenant_id, ids.v[i], &row) != 1) {
			rc = -1;
			break;
		}
		json_array_append_new(page, row_json(&row));
		cb_row_clear(&row);
	}
	free(ids.v);
	return rc;
}

int contact_book_list(struct app *app, struct store *st, const char *tenant_id, const char *q,
                      size_t offset, size_t limit, json_t **out_r, const char **error_r)
{
	json_t *page = json_array();
	size_t total = 0;
	int rc = q != NULL && *q != '\0'
	             ? list_search(app, st, tenant_id, q, offset, limit, page, &total)
	             : list_page(app, st, tenant_id, offset, limit, page, &total);
	if (rc < 0) {
		json_decref(page);
		return *error_r = "internal", -1;
	}
	*out_r = json_pack("{s:I, s:I, s:I, s:o}", "total", (json_int_t)total, "offset",
	                   (json_int_t)offset, "limit", (json_int_t)limit, "contacts", page);
	*error_r = NULL;
	return 0;
}

/* The merge whose result is contact_id: {merge_id, sources[]} or null. */
static json_t *merge_of(struct store *st, const char *tenant_id, const char *contact_id)
{
	struct store_stmt *q = store_query(
	    st,
	    "SELECT m.id, s.contact_id FROM contact_merges m JOIN contact_merge_sources s ON "
	    "s.merge_id = m.id WHERE m.tenant_id = ? AND m.contact_id = ? ORDER BY s.pos",
	    "ss", tenant_id, contact_id);
	json_t *o = NULL;
	while (q && store_step(q) == STORE_ROW) {
		if (o == NULL)
			o = json_pack("{s:s, s:[]}", "merge_id", store_col_text(q, 0),
			              "source_contact_ids");
		json_array_append_new(json_object_get(o, "source_contact_ids"),
		                      json_string(store_col_text(q, 1)));
	}
	store_stmt_done(q);
	return o ? o : json_null();
}

int contact_book_get(struct app *app, struct store *st, const char *tenant_id,
                     const char *contact_id, json_t **out_r, const char **error_r)
{
	struct cb_row row;
	int got = cb_read(app, st, tenant_id, contact_id, &row);
	if (got != 1)
		return *error_r = got == 0 ? "not_found" : "internal", -1;
	json_t *o = row_json(&row);
	json_t *ch = row.plain[CB_CHANGES] ? json_loads(row.plain[CB_CHANGES], 0, NULL) : NULL;
	json_object_set_new(o, "changes", ch ? ch : json_array());
	json_object_set_new(o, "import_id",
	                    row.import_id[0] ? json_string(row.import_id) : json_null());
	json_object_set_new(o, "position", json_integer(row.pos));
	json_object_set_new(o, "created_at", json_integer(row.created_at));
	json_object_set_new(o, "merge", merge_of(st, tenant_id, contact_id));
	cb_row_clear(&row);
	*out_r = o;
	*error_r = NULL;
	return 0;
}

/* Every contact id of the tenant. */
static int all_ids(struct store *st, const char *tenant_id, struct idset *out)
{
	struct store_stmt *q =
	    store_query(st, "SELECT id FROM contacts WHERE tenant_id = ?", "s", tenant_id);
	int step = STORE_ERROR;
	while (q && (step = store_step(q)) == STORE_ROW)
		idset_add(out, store_col_text(q, 0));
	store_stmt_done(q);
	return step == STORE_DONE ? 0 : -1;
}

static int delete_all(struct app *app, struct store *st, const char *tenant_id, size_t *n_r)
{
	struct idset ids = {0};
	char subject[64];
	int rc = all_ids(st, tenant_id, &ids);
	for (size_t i = 0; i < ids.n && rc == 0; i++)
		rc = cb_erase(app, st, tenant_id, ids.v[i]);
	*n_r = ids.n;
	free(ids.v);
	cb_book_subject(tenant_id, subject);
	if (rc == 0 && (store_run(st, "DELETE FROM contact_imports WHERE tenant_id = ?", "s",
	                          tenant_id) != STORE_DONE ||
	                store_run(st, "DELETE FROM contact_merges WHERE tenant_id = ?", "s",
	                          tenant_id) != STORE_DONE ||
	                keys_subject_destroy(app->keys, st, tenant_id, subject) < 0))
		rc = -1;
	return rc;
}

static bool contact_exists(struct store *st, const char *tenant_id, const char *contact_id)
{
	struct store_stmt *q =
	    store_query(st, "SELECT 1 FROM contacts WHERE id = ? AND tenant_id = ?", "ss",
	                contact_id, tenant_id);
	bool found = q && store_step(q) == STORE_ROW;
	store_stmt_done(q);
	return found;
}

int contact_book_delete(struct app *app, struct store *st, const struct actor *actor,
                        const char *tenant_id, const char *contact_id, size_t *deleted_r,
                        const char **error_r)
{
	*deleted_r = 0;
	if (contact_id != NULL && !contact_exists(st, tenant_id, contact_id))
		return *error_r = "not_found", -1;
	if (store_tx_begin(st) < 0)
		return *error_r = "internal", -1;
	int rc;
	if (contact_id != NULL) {
		rc = cb_erase(app, st, tenant_id, contact_id);
		*deleted_r = 1;
	} else {
		rc = delete_all(app, st, tenant_id, deleted_r);
	}
	if (rc == 0)
		rc = cb_audit(app, st, actor, tenant_id,
		              contact_id ? "contacts.delete" : "contacts.delete_all",
		              contact_id ? "contact" : "contact_book",
		              contact_id ? contact_id : tenant_id, "contact");
	if (rc == 0)
		rc = store_tx_commit(st);
	if (rc < 0) {
		store_tx_rollback(st);
		*deleted_r = 0;
	}
	*error_r = rc < 0 ? "internal" : NULL;
	return rc;
}

/* Writes the book in format to a memory stream. */
static int export_write(struct contacts_book *b, const uint32_t *cl, const char *format,
                        char **body_r, size_t *len_r, const char **ctype_r)
{
	const char *err = NULL;
	FILE *f = open_memstream(body_r, len_r);
	if (f == NULL)
		return -1;
	int rc;
	if (strcmp(format, "csv") == 0) {
		*ctype_r = "text/csv; charset=utf-8";
		rc = contacts_book_export_csv(b, f, ',', cl, &err);
	} else if (strcmp(format, "json") == 0) {
		*ctype_r = "application/x-ndjson";
		rc = contacts_book_export_json(b, f, cl, &err);
	} else {
		/* vCard has no cluster property: it travels as an extra column */
		*ctype_r = "text/vcard; charset=utf-8";
		size_t k = cb_extra_index(b, "_cluster_id");
		for (size_t i = 0; cl && i < b->n; i++) {
			char num[16];
			snprintf(num, sizeof(num), "%u", cl[i]);
			b->recs[i].extra[k] = contacts_strdup(b, num, strlen(num));
		}
		rc = contacts_book_export_vcard(b, f, &err);
	}
	if (fclose(f) != 0)
		rc = -1;
	if (rc < 0) {
		free(*body_r);
		*body_r = NULL;
	}
	return rc;
}

int contact_book_export(struct app *app, struct store *st, const struct actor *actor,
                        const char *tenant_id, const char *format, char **body_r, size_t *len_r,
                        const char **content_type_r, const char **error_r)
{
	struct cb_book bk;
	struct cb_settings s;
	uint32_t *cl = NULL;
	const char *err = NULL;
	*body_r = NULL;
	if (strcmp(format, "csv") != 0 && strcmp(format, "vcard") != 0 &&
	    strcmp(format, "json") != 0)
		return *error_r = "invalid_field", -1;
	if (cb_settings_load(st, tenant_id, &s) < 0 || cb_load(app, st, tenant_id, &bk) < 0)
		return *error_r = "internal", -1;
	cb_settings_free(&s);
	struct contacts_dedupe_opts dopt = {s.threshold, 0, 2};
	int rc = 0;
	if (bk.b->n > 0 && contacts_dedupe(bk.b, &dopt, &cl, NULL, NULL, &err) < 0)
		rc = -1;
	if (rc == 0)
		rc = export_write(bk.b, cl, format, body_r, len_r, content_type_r);
	free(cl);
	cb_book_free(&bk);
	/* an export of personal data is an instruction of the tenant (P-INS-1) */
	if (rc == 0 && (store_tx_begin(st) < 0 ||
	                cb_audit(app, st, actor, tenant_id, "contacts.export", "contact_book",
	                         tenant_id, "contact") < 0 ||
	                store_tx_commit(st) < 0)) {
		if (store_in_tx(st))
			store_tx_rollback(st);
		free(*body_r);
		*body_r = NULL;
		rc = -1;
	}
	*error_r = rc < 0 ? "internal" : NULL;
	return rc;
}
