/*
 * domain/contact_book_import: the header-mapping step, the import of a CSV
 * or vCard file (parse and clean in memory with the engine, then one
 * transaction of prepared statements) and its stored per-row report
 * (P-HYG-1, P-HYG-2).
 */
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "domain/contact_book_internal.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Changes and issues returned inline; the rest is in the stored report. */
#define INLINE_MAX 500

static bool looks_vcard(const char *d, size_t len)
{
	size_t i = len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	while (i < len && (d[i] == ' ' || d[i] == '\r' || d[i] == '\n' || d[i] == '\t'))
		i++;
	return len - i >= 11 && strncasecmp(d + i, "BEGIN:VCARD", 11) == 0;
}

static const char *issue_code(enum contacts_issue_code k)
{
	switch (k) {
	case CI_EMPTY_ROW:
		return "empty_row";
	case CI_QUOTE_REPAIRED:
		return "quote_repaired";
	case CI_BAD_UTF8:
		return "bad_utf8_read_as_cp1252";
	case CI_FIELD_TRUNCATED:
		return "field_truncated";
	case CI_TOO_MANY_COLUMNS:
		return "too_many_columns";
	case CI_ROW_REJECTED:
		return "row_rejected";
	case CI_VCARD_BAD_LINE:
		return "vcard_bad_line";
	}
	return "other";
}

/* The effective column map: the tenant's saved one, overridden by map. */
struct eff_map {
	json_t *merged;
	struct contacts_mapping *v;
	size_t n;
};

static void eff_map_build(struct eff_map *m, json_t *saved, json_t *map)
{
	const char *k;
	json_t *v;
	m->merged = json_deep_copy(saved);
	if (map != NULL)
		json_object_update(m->merged, map);
	m->v = xcalloc(json_object_size(m->merged) + 1, sizeof(*m->v));
	m->n = 0;
	json_object_foreach(m->merged, k, v)
	{
		const char *f = json_string_value(v);
		int fi = f ? contacts_field_from_header(f, strlen(f)) : -1;
		if (fi >= 0)
			m->v[m->n++] = (struct contacts_mapping){k, (enum contact_field)fi};
	}
}

static void eff_map_free(struct eff_map *m)
{
	json_decref(m->merged);
	free(m->v);
}

/* Checks the options; fills the country and the map. */
static int opts_check(const struct contact_book_import_opts *o, const struct cb_settings *s,
                      struct eff_map *m, const char **country_r, const char **error_r)
{
	*country_r = o->country ? o->country : s->country;
	if (!cb_country_ok(*country_r) || (o->map != NULL && !cb_map_ok(o->map)) ||
	    (o->format && strcmp(o->format, "csv") != 0 && strcmp(o->format, "vcard") != 0))
		return *error_r = "invalid_field", -1;
	eff_map_build(m, s->column_map, o->map);
	return 0;
}

static bool is_vcard(const struct contact_book_import_opts *o, const char *data, size_t len)
{
	return o->format ? strcmp(o->format, "vcard") == 0 : looks_vcard(data, len);
}

/* The first non-blank line of a CSV file (bounded). */
static char *header_line(const char *d, size_t len, size_t *n_r)
{
	size_t i = 0;
	while (i < len && (d[i] == '\r' || d[i] == '\n'))
		i++;
	size_t e = i;
	while (e < len && d[e] != '\r' && d[e] != '\n' && e - i < 65536)
		e++;
	/* the line twice: the second copy is a record whose values are the headers */
	char *two = xasprintf("%.*s\n%.*s\n", (int)(e - i), d + i, (int)(e - i), d + i);
	*n_r = strlen(two);
	return two;
}

/* Where the mapping of header h comes from. */
static const char *map_source(const struct eff_map *m, json_t *req_map, const char *h)
{
	if (req_map != NULL && json_object_get(req_map, h) != NULL)
		return "request";
	if (json_object_get(m->merged, h) != NULL)
		return "saved";
	return "synonym";
}

int contact_book_preview(struct app *app, struct store *st, const char *tenant_id, const char *data,
                         size_t len, const struct contact_book_import_opts *o, json_t **out_r,
                         const char **error_r)
{
	struct cb_settings s;
	struct eff_map m;
	const char *country, *err = NULL;
	(void)app;
	if (cb_settings_load(st, tenant_id, &s) < 0)
		return *error_r = "internal", -1;
	int rc = opts_check(o, &s, &m, &country, error_r);
	cb_settings_free(&s);
	if (rc < 0)
		return -1;
	json_t *cols = json_array();
	const char *format = is_vcard(o, data, len) ? "vcard" : "csv";
	if (strcmp(format, "csv") == 0) {
		size_t hl;
		char *two = header_line(data, len, &hl);
		struct contacts_book *b = contacts_book_new();
		struct contacts_import_opts io = {
		    .delimiter = o->delimiter, .map = m.v, .n_map = m.n};
		if (contacts_book_import_csv(b, two, hl, &io, &err) < 0 || b->n != 1) {
			rc = -1;
		} else {
			const struct contact *c = &b->recs[0];
			for (int f = 0; f < CF_COUNT; f++)
				if (c->v[f] && !(f == CF_ID && strcmp(c->v[f], "r2") == 0))
					json_array_append_new(
					    cols,
					    json_pack("{s:s, s:s, s:s}", "header", c->v[f], "field",
					              contacts_field_name((enum contact_field)f),
					              "source", map_source(&m, o->map, c->v[f])));
			for (size_t k = 0; k < b->n_extra; k++)
				json_array_append_new(cols, json_pack("{s:s, s:n, s:n}", "header",
				                                      b->extra_names[k], "field",
				                                      "source"));
		}
		contacts_book_free(&b);
		free(two);
	}
	eff_map_free(&m);
	if (rc < 0) {
		json_decref(cols);
		return *error_r = "invalid_input", -1;
	}
	json_t *fields = json_array();
	for (int f = 0; f < CF_COUNT; f++)
		json_array_append_new(fields,
		                      json_string(contacts_field_name((enum contact_field)f)));
	*out_r = json_pack("{s:s, s:o, s:o}", "format", format, "columns", cols, "fields", fields);
	return 0;
}

/* Text of raw bytes: UTF-8 as is, anything else read as Latin-1, so no
 * byte is lost and the JSON stays valid. */
static json_t *raw_text(const char *raw)
{
	json_t *s = json_string(raw);
	if (s != NULL)
		return s;
	size_t n = strlen(raw), k = 0;
	char *u = xmalloc(2 * n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)raw[i];
		if (ch < 0x80) {
			u[k++] = (char)ch;
		} else {
			u[k++] = (char)(0xC0 | (ch >> 6));
			u[k++] = (char)(0x80 | (ch & 0x3F));
		}
	}
	s = json_stringn(u, k);
	free(u);
	return s;
}

/* Every per-row note as JSON [{line, code, raw}]. */
static json_t *issues_json(const struct contacts_book *b)
{
	json_t *a = json_array();
	for (size_t i = 0; i < b->n_issues; i++) {
		const struct contacts_issue *is = &b->issues[i];
		json_t *raw = is->raw ? raw_text(is->raw) : json_null();
		json_array_append_new(a, json_pack("{s:I, s:s, s:o}", "line", (json_int_t)is->line,
		                                   "code", issue_code(is->code), "raw", raw));
	}
	return a;
}

/* The cleaning changes grouped per record (per_rec[i] an array or NULL) and
 * the first INLINE_MAX of them for the answer. */
static json_t *changes_json(const struct contacts_book *b, const struct contacts_changes *ch,
                            char (*ids)[IDS_UUID_LEN], json_t **per_rec)
{
	json_t *first = json_array();
	for (size_t i = 0; i < ch->n; i++) {
		const struct contacts_change *c = &ch->v[i];
		if (c->rec >= b->n)
			continue;
		json_t *o = json_pack(
		    "{s:s, s:o, s:o, s:s}", "field", contacts_field_name(c->field), "before",
		    c->before ? json_string(c->before) : json_null(), "after",
		    c->after ? json_string(c->after) : json_null(), "why", c->why ? c->why : "");
		if (o == NULL)
			continue;
		if (per_rec[c->rec] == NULL)
			per_rec[c->rec] = json_array();
		json_array_append(per_rec[c->rec], o);
		if (json_array_size(first) < INLINE_MAX) {
			json_t *x = json_copy(o);
			json_object_set_new(x, "contact_id", json_string(ids[c->rec]));
			const char *sid = b->recs[c->rec].v[CF_ID];
			json_object_set_new(x, "source_id", sid ? json_string(sid) : json_null());
			json_array_append_new(first, x);
		}
		json_decref(o);
	}
	return first;
}

/* Stores the report row: counts in clear, the notes sealed under the book key. */
static int report_insert(struct app *app, struct store *st, const char *tenant_id,
                         const char *import_id, const char *format, const struct contacts_book *b,
                         size_t changes, json_t *issues)
{
	char subject[64], *text = json_dumps(issues, JSON_COMPACT);
	unsigned char *sealed = NULL;
	size_t slen = 0;
	struct seal_ad ad = {"contact_imports", import_id, "report_sealed"};
	cb_book_subject(tenant_id, subject);
	int rc = text && keys_seal(app->keys, st, tenant_id, subject, &ad, text, strlen(text),
	                           &sealed, &slen) == 0
	             ? 0
	             : -1;
	if (rc == 0 &&
	    store_run(
	        st,
	        "INSERT INTO contact_imports (id, tenant_id, format, rows_read, rows_imported, "
	        "rows_repaired, rows_rejected, changes, report_sealed, created_at) "
	        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	        "sssiiiiibi", import_id, tenant_id, format, (int64_t)b->rows_read, (int64_t)b->n,
	        (int64_t)b->rows_repaired, (int64_t)b->rows_rejected, (int64_t)changes, sealed,
	        slen, cb_now()) != STORE_DONE)
		rc = -1;
	if (text)
		secret_free(text, strlen(text));
	free(sealed);
	return rc;
}

/* Names of the fields present in the imported book, for the audit entry. */
static void fields_list(const struct contacts_book *b, char *out, size_t cap)
{
	out[0] = '\0';
	for (int f = 0; f < CF_COUNT; f++) {
		size_t l = strlen(out);
		if (b->field_present[f])
			snprintf(out + l, cap - l, "%s%s", l ? "," : "",
			         contacts_field_name((enum contact_field)f));
	}
	if (out[0] == '\0')
		snprintf(out, cap, "id");
}

struct import_job {
	struct contacts_book *b;
	char (*ids)[IDS_UUID_LEN];
	json_t **per_rec;
	char import_id[IDS_UUID_LEN];
	const char *format;
	size_t n_changes;
	json_t *issues;
};

/* The write phase: one transaction of prepared statements. */
static int import_store(struct app *app, struct store *st, const struct actor *actor,
                        const char *tenant_id, struct import_job *j, json_t *save_map)
{
	char fields[512];
	int64_t now = cb_now();
	if (store_tx_begin(st) < 0)
		return -1;
	int64_t pos = cb_max_pos(st, tenant_id) + 1;
	int rc = 0;
	for (size_t i = 0; i < j->b->n && rc == 0; i++) {
		struct cb_row row = {.pos = pos + (int64_t)i, .created_at = now};
		memcpy(row.id, j->ids[i], IDS_UUID_LEN);
		memcpy(row.import_id, j->import_id, IDS_UUID_LEN);
		cb_encode(j->b, &j->b->recs[i], j->per_rec[i], &row);
		rc = cb_insert(app, st, tenant_id, &row, &j->b->recs[i]);
		cb_row_clear(&row);
	}
	fields_list(j->b, fields, sizeof(fields));
	if (rc == 0)
		rc = report_insert(app, st, tenant_id, j->import_id, j->format, j->b, j->n_changes,
		                   j->issues);
	if (rc == 0 && save_map != NULL)
		rc = cb_settings_save_map(app, st, actor, tenant_id, save_map);
	if (rc == 0)
		rc = cb_audit(app, st, actor, tenant_id, "contacts.import", "contact_import",
		              j->import_id, fields);
	if (rc == 0)
		rc = store_tx_commit(st);
	if (rc < 0)
		store_tx_rollback(st);
	return rc;
}

static long book_count(struct store *st, const char *tenant_id)
{
	struct store_stmt *q =
	    store_query(st, "SELECT COUNT(*) FROM contacts WHERE tenant_id = ?", "s", tenant_id);
	long n = q && store_step(q) == STORE_ROW ? (long)store_col_int(q, 0) : -1;
	store_stmt_done(q);
	return n;
}

/* Parses and cleans; fills j. */
static int import_prepare(const char *data, size_t len, const struct contact_book_import_opts *o,
                          const struct eff_map *m, const char *country, const char *lang,
                          struct import_job *j, struct contacts_clean_stats *stats,
                          struct contacts_changes *ch, const char **error_r)
{
	const char *err = NULL;
	struct contacts_import_opts io = {.delimiter = o->delimiter, .map = m->v, .n_map = m->n};
	j->b = contacts_book_new();
	j->format = is_vcard(o, data, len) ? "vcard" : "csv";
	int rc = strcmp(j->format, "vcard") == 0
	             ? contacts_book_import_vcard(j->b, data, len, &err)
	             : contacts_book_import_csv(j->b, data, len, &io, &err);
	if (rc < 0)
		return *error_r = "invalid_input", -1;
	if (j->b->n > CONTACT_BOOK_MAX_IMPORT_ROWS)
		return *error_r = "too_many_rows", -1;
	struct contacts_clean_opts co = {country, lang, 2, 1};
	if (contacts_clean(j->b, &co, stats, ch, &err) < 0)
		return *error_r = "internal", -1;
	return 0;
}

static json_t *cleaned_json(const struct contacts_clean_stats *stats)
{
	json_t *o = json_object();
	for (int f = 0; f < CF_COUNT; f++)
		if (stats->changed[f] > 0)
			json_object_set_new(o, contacts_field_name((enum contact_field)f),
			                    json_integer((json_int_t)stats->changed[f]));
	return o;
}

static json_t *answer(const struct import_job *j, json_t *changes,
                      const struct contacts_clean_stats *stats)
{
	json_t *issues = json_array();
	for (size_t i = 0; i < json_array_size(j->issues) && i < INLINE_MAX; i++)
		json_array_append(issues, json_array_get(j->issues, i));
	return json_pack(
	    "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:o, s:o}", "import_id", j->import_id,
	    "format", j->format, "rows_read", (json_int_t)j->b->rows_read, "imported",
	    (json_int_t)j->b->n, "repaired", (json_int_t)j->b->rows_repaired, "rejected",
	    (json_int_t)j->b->rows_rejected, "issues_total", (json_int_t)json_array_size(j->issues),
	    "issues", issues, "changes_total", (json_int_t)j->n_changes, "changes", changes,
	    "cleaned", cleaned_json(stats));
}

int contact_book_import(struct app *app, struct store *st, const struct actor *actor,
                        const char *tenant_id, const char *data, size_t len,
                        const struct contact_book_import_opts *o, json_t **out_r,
                        const char **error_r)
{
	struct cb_settings s;
	struct eff_map m = {0};
	struct import_job j = {0};
	struct contacts_clean_stats stats = {0};
	struct contacts_changes ch = {0};
	const char *country;
	json_t *changes = NULL;
	int rc = -1;
	*out_r = NULL;
	if (cb_settings_load(st, tenant_id, &s) < 0)
		return *error_r = "internal", -1;
	if (opts_check(o, &s, &m, &country, error_r) < 0)
		goto out;
	if (import_prepare(data, len, o, &m, country, s.lang, &j, &stats, &ch, error_r) < 0)
		goto out;
	long have = book_count(st, tenant_id);
	if (have < 0 || (size_t)have + j.b->n > CONTACT_BOOK_MAX_CONTACTS) {
		*error_r = have < 0 ? "internal" : "too_many_rows";
		goto out;
	}
	j.ids = xcalloc(j.b->n + 1, sizeof(*j.ids));
	for (size_t i = 0; i < j.b->n; i++)
		ids_uuid4(j.ids[i]);
	ids_uuid4(j.import_id);
	j.per_rec = xcalloc(j.b->n + 1, sizeof(json_t *));
	j.n_changes = ch.n;
	changes = changes_json(j.b, &ch, j.ids, j.per_rec);
	j.issues = issues_json(j.b);
	if (import_store(app, st, actor, tenant_id, &j, o->save_map ? o->map : NULL) < 0) {
		*error_r = "internal";
		goto out;
	}
	*out_r = answer(&j, changes, &stats);
	changes = NULL;
	*error_r = NULL;
	rc = 0;
out:
	json_decref(changes);
	json_decref(j.issues);
	for (size_t i = 0; j.per_rec && i < j.b->n; i++)
		json_decref(j.per_rec[i]);
	free(j.per_rec);
	free(j.ids);
	contacts_book_free(&j.b);
	contacts_changes_free(&ch);
	eff_map_free(&m);
	cb_settings_free(&s);
	return rc;
}

int contact_book_import_report(struct app *app, struct store *st, const char *tenant_id,
                               const char *import_id, size_t offset, size_t limit, json_t **out_r,
                               const char **error_r)
{
	char subject[64], *plain = NULL;
	size_t plen = 0, slen = 0;
	struct store_stmt *q = store_query(
	    st,
	    "SELECT format, rows_read, rows_imported, rows_repaired, rows_rejected, changes, "
	    "report_sealed, created_at FROM contact_imports WHERE id = ? AND tenant_id = ?",
	    "ss", import_id, tenant_id);
	int step = q ? store_step(q) : STORE_ERROR;
	*error_r = step == STORE_DONE ? "not_found" : "internal";
	if (step != STORE_ROW) {
		store_stmt_done(q);
		return -1;
	}
	struct seal_ad ad = {"contact_imports", import_id, "report_sealed"};
	const void *sealed = store_col_blob(q, 6, &slen);
	cb_book_subject(tenant_id, subject);
	json_t *issues = NULL;
	if (sealed && keys_open_sealed(app->keys, st, tenant_id, subject, &ad, sealed, slen, &plain,
	                               &plen) == 0) {
		issues = json_loadb(plain, plen, 0, NULL);
		secret_free(plain, plen + 1);
	}
	json_t *page = json_array();
	for (size_t i = offset; i < json_array_size(issues) && i < offset + limit; i++)
		json_array_append(page, json_array_get(issues, i));
	*out_r = json_pack(
	    "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "import_id", import_id, "format",
	    store_col_text(q, 0), "rows_read", (json_int_t)store_col_int(q, 1), "imported",
	    (json_int_t)store_col_int(q, 2), "repaired", (json_int_t)store_col_int(q, 3),
	    "rejected", (json_int_t)store_col_int(q, 4), "changes_total",
	    (json_int_t)store_col_int(q, 5), "created_at", (json_int_t)store_col_int(q, 7),
	    "issues_total", (json_int_t)json_array_size(issues), "issues", page);
	json_decref(issues);
	store_stmt_done(q);
	*error_r = NULL;
	return 0;
}
