/*
 * privacy/dsr: the catalog walk, the access report and erasure (dsr.h).
 * SQL is built from catalog identifiers only (static strings in code,
 * checked to be plain identifiers), never from input.
 */
#include "core/module.h"
#include "privacy/dsr.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "privacy/audit.h"
#include "privacy/catalog.h"
#include "privacy/deletion_log.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_COLS 64

int dsr_audit(const struct dsr_ctx *cx, const struct dsr_actor *actor, const char *tenant_id,
              const char *action, const char *target_type, const char *target_id,
              const char *fields, bool instruction)
{
	struct audit_event ev = {
	    .tenant_id = tenant_id,
	    .actor_id = actor->id,
	    .actor_role = actor->role,
	    .action = action,
	    .target_type = target_type,
	    .target_id = target_id,
	    .fields = fields,
	    .request_id = NULL,
	    .instruction = instruction,
	};
	return audit_append(cx->st, cx->keys, &ev, cx->audit_every);
}

static bool ident_ok(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 63)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* The personal columns of one table, in catalog order. */
struct table_cols {
	const char *table;
	const struct catalog_column *cols[MAX_COLS];
	size_t n;
	const struct catalog_column *subject; /* entry of the subject column */
};

static void cols_fn(const struct catalog_column *e, void *ctx)
{
	struct table_cols *tc = ctx;
	if (strcmp(e->table, tc->table) != 0)
		return;
	if (e->personal && tc->n < MAX_COLS && ident_ok(e->column))
		tc->cols[tc->n++] = e;
}

static void table_cols(const struct catalog_table *t, struct table_cols *tc)
{
	memset(tc, 0, sizeof(*tc));
	tc->table = t->table;
	privacy_catalog_each(cols_fn, tc);
	if (t->subject_column != NULL)
		tc->subject = privacy_catalog_find(t->table, t->subject_column);
}

/* " WHERE subj = ?[ AND tenant = ?]" */
static void where_clause(const struct catalog_table *t, char *out, size_t outlen)
{
	if (t->tenant_column != NULL)
		snprintf(out, outlen, " WHERE %s = ? AND %s = ?", t->subject_column,
		         t->tenant_column);
	else
		snprintf(out, outlen, " WHERE %s = ?", t->subject_column);
}

static bool table_ok(const struct catalog_table *t)
{
	return ident_ok(t->table) && ident_ok(t->subject_column) &&
	       (t->tenant_column == NULL || ident_ok(t->tenant_column)) &&
	       (t->row_column == NULL || ident_ok(t->row_column));
}

static struct store_stmt *subject_query(const struct dsr_ctx *cx, const struct catalog_table *t,
                                        const char *sql, const char *tenant_id,
                                        const char *subject_id)
{
	if (t->tenant_column != NULL)
		return store_query(cx->st, sql, "ss", subject_id, tenant_id);
	return store_query(cx->st, sql, "s", subject_id);
}

struct tables_list {
	const struct catalog_table *items[256];
	size_t n;
};

static void tables_fn(const struct catalog_table *t, void *ctx)
{
	struct tables_list *l = ctx;
	if (t->subject_column != NULL && l->n < 256 && table_ok(t))
		l->items[l->n++] = t;
}

static int walk_table(const struct dsr_ctx *cx, const struct catalog_table *t,
                      const char *tenant_id, const char *subject_id,
                      int (*fn)(const struct dsr_value *v, void *ctx), void *ctx)
{
	struct table_cols tc;
	char sql[4096], where[256];
	size_t off;
	table_cols(t, &tc);
	if (tc.n == 0)
		return 0;
	off =
	    (size_t)snprintf(sql, sizeof(sql), "SELECT %s", t->row_column ? t->row_column : "NULL");
	for (size_t i = 0; i < tc.n && off < sizeof(sql); i++)
		off += (size_t)snprintf(sql + off, sizeof(sql) - off, ", %s", tc.cols[i]->column);
	where_clause(t, where, sizeof(where));
	if (off < sizeof(sql))
		off += (size_t)snprintf(sql + off, sizeof(sql) - off, " FROM %s%s ORDER BY 1",
		                        t->table, where);
	if (off >= sizeof(sql))
		return -1;
	struct store_stmt *q = subject_query(cx, t, sql, tenant_id, subject_id);
	int rc, ret = 0;
	unsigned long row = 0;
	if (q == NULL)
		return -1;
	while (ret == 0 && (rc = store_step(q)) == STORE_ROW) {
		char row_id[128] = "";
		const char *rid = store_col_text(q, 0);
		if (rid != NULL)
			snprintf(row_id, sizeof(row_id), "%s", rid);
		for (size_t i = 0; i < tc.n && ret == 0; i++) {
			const struct catalog_column *c = tc.cols[i];
			struct dsr_value v = {t, c, row_id[0] ? row_id : NULL, row, NULL, 0, false};
			char *plain = NULL;
			size_t plen = 0;
			int col = (int)i + 1;
			if (store_col_is_null(q, col)) {
				/* NULL: nothing held */
			} else if (c->sealed) {
				size_t slen = 0;
				const void *sealed = store_col_blob(q, col, &slen);
				struct seal_ad ad = {t->table, row_id, c->column};
				if (keys_open_sealed(cx->keys, cx->st, tenant_id, subject_id, &ad,
				                     sealed, slen, &plain, &plen) < 0) {
					plain = NULL;
					v.unreadable = true;
				}
				v.data = plain;
				v.len = plen;
			} else {
				v.data = store_col_text(q, col);
				v.len = v.data ? strlen(v.data) : 0;
			}
			if (v.data != NULL || v.unreadable)
				ret = fn(&v, ctx) != 0 ? -1 : 0;
			if (plain != NULL)
				secret_free(plain, plen + 1);
		}
		row++;
	}
	store_stmt_done(q);
	if (ret == 0 && rc != STORE_DONE)
		ret = -1;
	return ret;
}

int dsr_walk(const struct dsr_ctx *cx, const char *tenant_id, const char *subject_id,
             int (*fn)(const struct dsr_value *v, void *ctx), void *ctx)
{
	struct tables_list l = {.n = 0};
	privacy_catalog_each_table(tables_fn, &l);
	for (size_t i = 0; i < l.n; i++)
		if (walk_table(cx, l.items[i], tenant_id, subject_id, fn, ctx) < 0)
			return -1;
	return 0;
}

/* ---- access report ---- */

struct report_ctx {
	json_t *cats; /* category -> {source -> item} */
};

json_t *dsr_value_json(const struct dsr_value *v)
{
	const char *s = v->data;
	size_t n = v->len;
	/* Integers stay integers (times); lists stored as JSON stay lists. */
	if (!v->column->sealed && n > 0 && n < 19) {
		size_t i = s[0] == '-' ? 1 : 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == n && n > (size_t)(s[0] == '-'))
			return json_integer(strtoll(s, NULL, 10));
	}
	if (n > 1 && (s[0] == '[' || s[0] == '{')) {
		json_t *j = json_loadb(s, n, 0, NULL);
		if (j != NULL)
			return j;
	}
	return json_stringn(s, n);
}

/* A value in the access report: unreadable and file values are described. */
static json_t *value_json(const struct dsr_value *v)
{
	if (v->unreadable)
		return json_pack("{s:s}", "unreadable", "the key of this value is gone");
	if (v->column->export_as == EXPORT_FILE)
		return json_pack("{s:s, s:I}", "file", "uploaded file", "bytes",
		                 (json_int_t)v->len);
	return dsr_value_json(v);
}

static int report_fn(const struct dsr_value *v, void *ctx)
{
	struct report_ctx *r = ctx;
	const struct catalog_column *c = v->column;
	const char *cat = c->category ? c->category : "dpv-pd:PersonalData";
	char source[160];
	json_t *items = json_object_get(r->cats, cat);
	if (items == NULL) {
		items = json_object();
		json_object_set_new(r->cats, cat, items);
	}
	snprintf(source, sizeof(source), "%s.%s", c->table, c->column);
	json_t *item = json_object_get(items, source);
	if (item == NULL) {
		item = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:[]}", "source", source,
		                 "subject", c->subject ? c->subject : "", "purpose",
		                 c->purpose ? c->purpose : "", "legal_basis",
		                 c->legal_basis ? c->legal_basis : "", "retention",
		                 c->retention ? c->retention : "", "erasure",
		                 privacy_catalog_erasure_name(c->erasure), "count", 0, "values");
		if (c->export_as == EXPORT_NONE)
			json_object_set_new(
			    item, "note",
			    json_string("held in a form that is not shown: a keyed "
			                "hash, a credential or a sealed technical copy"));
		json_object_set_new(items, source, item);
	}
	json_object_set_new(item, "count",
	                    json_integer(json_integer_value(json_object_get(item, "count")) + 1));
	if (c->export_as != EXPORT_NONE)
		json_array_append_new(json_object_get(item, "values"), value_json(v));
	return 0;
}

int dsr_report(const struct dsr_ctx *cx, const char *tenant_id, const char *subject_id,
               json_t **out_r)
{
	struct report_ctx r = {json_object()};
	const char *cat;
	json_t *items;
	if (dsr_walk(cx, tenant_id, subject_id, report_fn, &r) < 0) {
		json_decref(r.cats);
		return -1;
	}
	json_t *list = json_array();
	/* jansson keeps insertion order; sort category names for a stable report. */
	const char **names = xcalloc(json_object_size(r.cats) + 1, sizeof(*names));
	size_t n = 0;
	json_object_foreach(r.cats, cat, items)
	{
		names[n++] = cat;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *tmp = names[j];
			names[j] = names[j - 1];
			names[j - 1] = tmp;
		}
	for (size_t i = 0; i < n; i++) {
		json_t *arr = json_array();
		const char *src;
		json_t *item;
		json_object_foreach(json_object_get(r.cats, names[i]), src, item)
		{
			json_array_append(arr, item);
		}
		json_array_append_new(list,
		                      json_pack("{s:s, s:o}", "category", names[i], "items", arr));
	}
	free(names);
	json_decref(r.cats);
	*out_r = json_pack("{s:{s:s, s:o}, s:I, s:o}", "subject", "id", subject_id, "tenant_id",
	                   tenant_id[0] ? json_string(tenant_id) : json_null(), "generated_at",
	                   (json_int_t)time(NULL), "categories", list);
	return *out_r ? 0 : -1;
}

/* ---- HTML ---- */

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_raw(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void puts_esc(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			puts_raw(b, "&amp;");
			break;
		case '<':
			puts_raw(b, "&lt;");
			break;
		case '>':
			puts_raw(b, "&gt;");
			break;
		case '"':
			puts_raw(b, "&quot;");
			break;
		case '\'':
			puts_raw(b, "&#39;");
			break;
		default:
			put(b, s, 1);
		}
	}
}

static void value_html(struct buf *b, json_t *v)
{
	if (json_is_string(v)) {
		puts_esc(b, json_string_value(v));
	} else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		puts_esc(b, s ? s : "");
		free(s);
	}
}

char *dsr_report_html(const json_t *report)
{
	struct buf b = {NULL, 0, 0};
	size_t i, j, k;
	json_t *cat, *item, *v;
	char num[32];
	puts_raw(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	             "<title>Personal data held by Iris</title>"
	             "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
	             "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;"
	             "padding:.3em;text-align:left;vertical-align:top}</style></head><body>\n"
	             "<h1>Personal data held about you</h1>\n<p>Account ");
	puts_esc(&b, json_string_value(json_object_get(json_object_get(report, "subject"), "id")));
	snprintf(num, sizeof(num), "%lld",
	         (long long)json_integer_value(json_object_get(report, "generated_at")));
	puts_raw(&b, ". Report generated at Unix time ");
	puts_raw(&b, num);
	puts_raw(&b, " from the privacy catalog: every category below lists where the data is "
	             "kept, why (purpose), on which legal basis, for how long, and what erasure "
	             "does.</p>\n");
	json_array_foreach(json_object_get(report, "categories"), i, cat)
	{
		puts_raw(&b, "<h2>");
		puts_esc(&b, json_string_value(json_object_get(cat, "category")));
		puts_raw(&b,
		         "</h2>\n<table><tr><th>Source</th><th>Purpose</th><th>Legal basis</th>"
		         "<th>Retention</th><th>Erasure</th><th>Items</th><th>Values</th></tr>\n");
		json_array_foreach(json_object_get(cat, "items"), j, item)
		{
			static const char *const keys[] = {"source", "purpose", "legal_basis",
			                                   "retention", "erasure"};
			puts_raw(&b, "<tr>");
			for (k = 0; k < 5; k++) {
				puts_raw(&b, "<td>");
				puts_esc(&b, json_string_value(json_object_get(item, keys[k])));
				puts_raw(&b, "</td>");
			}
			snprintf(num, sizeof(num), "%lld",
			         (long long)json_integer_value(json_object_get(item, "count")));
			puts_raw(&b, "<td>");
			puts_raw(&b, num);
			puts_raw(&b, "</td><td>");
			if (json_object_get(item, "note") != NULL)
				puts_esc(&b, json_string_value(json_object_get(item, "note")));
			json_array_foreach(json_object_get(item, "values"), k, v)
			{
				puts_raw(&b, k ? "<br>" : "");
				value_html(&b, v);
			}
			puts_raw(&b, "</td></tr>\n");
		}
		puts_raw(&b, "</table>\n");
	}
	puts_raw(&b, "</body></html>\n");
	return b.p;
}

/* ---- erasure ---- */

static __thread const char *guard_reason;

/* The modules' guards and erasure hooks (core/module.h), walked in
 * registration order; the first refusal or failure stops the walk. */
struct module_walk {
	const struct dsr_erasure *e;
	struct store *st;
	bool refused;
	bool failed;
};

static void guard_module(const struct module *m, void *ctx)
{
	struct module_walk *w = ctx;
	if (!w->refused && m->privacy.erase_guard != NULL &&
	    m->privacy.erase_guard(w->st, w->e->tenant_id, w->e->subject_id, &guard_reason) != 0)
		w->refused = true;
}

static void erase_module(const struct module *m, void *ctx)
{
	struct module_walk *w = ctx;
	if (!w->failed && m->privacy.erase_tx != NULL &&
	    m->privacy.erase_tx(w->st, w->e->tenant_id, w->e->subject_id) < 0) {
		log_warn("event=erase_module_failed module=%s", m->name);
		w->failed = true;
	}
}

const char *dsr_erase_refusal(void)
{
	return guard_reason;
}

static bool keeps_row(const struct table_cols *tc)
{
	for (size_t i = 0; i < tc->n; i++)
		if (tc->cols[i]->erasure == ERASE_ANONYMISE ||
		    tc->cols[i]->erasure == ERASE_KEEP_LEGAL)
			return true;
	return false;
}

static void count_add(json_t *obj, const char *cat, int64_t n)
{
	if (n <= 0)
		return;
	json_int_t old = json_integer_value(json_object_get(obj, cat));
	json_object_set_new(obj, cat, json_integer(old + n));
}

/* Counts the subject's non-NULL values per category into erased /
 * anonymised / kept. */
static int count_table(const struct dsr_ctx *cx, const struct catalog_table *t,
                       const struct dsr_erasure *e, json_t *erased, json_t *anon, json_t *kept,
                       int64_t *items)
{
	struct table_cols tc;
	char sql[4096], where[256];
	size_t off = 0;
	table_cols(t, &tc);
	if (tc.n == 0)
		return 0;
	off = (size_t)snprintf(sql, sizeof(sql), "SELECT COUNT(*)");
	for (size_t i = 0; i < tc.n && off < sizeof(sql); i++)
		off += (size_t)snprintf(sql + off, sizeof(sql) - off, ", COUNT(%s)",
		                        tc.cols[i]->column);
	where_clause(t, where, sizeof(where));
	if (off < sizeof(sql))
		off +=
		    (size_t)snprintf(sql + off, sizeof(sql) - off, " FROM %s%s", t->table, where);
	if (off >= sizeof(sql))
		return -1;
	struct store_stmt *q = subject_query(cx, t, sql, e->tenant_id, e->subject_id);
	if (q == NULL || store_step(q) != STORE_ROW) {
		store_stmt_done(q);
		return -1;
	}
	bool keep = keeps_row(&tc);
	for (size_t i = 0; i < tc.n; i++) {
		const struct catalog_column *c = tc.cols[i];
		int64_t n = store_col_int(q, (int)i + 1);
		const char *cat = c->category ? c->category : "dpv-pd:PersonalData";
		bool is_subject = strcmp(c->column, t->subject_column) == 0;
		if (c->erasure == ERASE_KEEP_LEGAL) {
			count_add(kept, cat, n);
		} else if (c->erasure == ERASE_ANONYMISE && !is_subject && keep) {
			count_add(anon, cat, n);
			*items += n;
		} else {
			count_add(erased, cat, n);
			*items += n;
		}
	}
	store_stmt_done(q);
	return 0;
}

static int erase_table(const struct dsr_ctx *cx, const struct catalog_table *t,
                       const struct dsr_erasure *e)
{
	struct table_cols tc;
	char sql[4096], where[256];
	size_t off = 0;
	table_cols(t, &tc);
	where_clause(t, where, sizeof(where));
	if (!keeps_row(&tc)) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s%s", t->table, where);
	} else {
		off = (size_t)snprintf(sql, sizeof(sql), "UPDATE %s SET ", t->table);
		size_t start = off;
		for (size_t i = 0; i < tc.n && off < sizeof(sql); i++) {
			const struct catalog_column *c = tc.cols[i];
			bool is_subject = strcmp(c->column, t->subject_column) == 0;
			bool clear = c->erasure == ERASE_DELETE || c->erasure == ERASE_SHRED ||
			             (is_subject && c->erasure == ERASE_ANONYMISE);
			if (!clear || is_subject)
				continue;
			off += (size_t)snprintf(sql + off, sizeof(sql) - off, "%s%s = NULL",
			                        off > start ? ", " : "", c->column);
		}
		/* The link to the subject goes last (SET is evaluated on the old row anyway). */
		if (tc.subject != NULL && tc.subject->erasure != ERASE_KEEP_LEGAL &&
		    tc.subject->erasure != ERASE_NOT_PERSONAL && off < sizeof(sql))
			off += (size_t)snprintf(sql + off, sizeof(sql) - off, "%s%s = NULL",
			                        off > start ? ", " : "", t->subject_column);
		if (off == start)
			return 0; /* everything kept under a legal duty */
		if (off < sizeof(sql))
			off += (size_t)snprintf(sql + off, sizeof(sql) - off, "%s", where);
	}
	if (off >= sizeof(sql))
		return -1;
	int rc = t->tenant_column != NULL
	             ? store_run(cx->st, sql, "ss", e->subject_id, e->tenant_id)
	             : store_run(cx->st, sql, "s", e->subject_id);
	if (rc != STORE_DONE) {
		log_error("event=dsr_erase_failed table=%s error=\"%s\"", t->table,
		          store_errmsg(cx->st));
		return -1;
	}
	return 0;
}

int dsr_erase_tx(const struct dsr_ctx *cx, const struct dsr_erasure *e, char log_id_r[IDS_UUID_LEN],
                 const char **error_r)
{
	struct tables_list l = {.n = 0};
	int64_t items = 0;
	*error_r = "internal";
	guard_reason = NULL;
	if (!store_in_tx(cx->st))
		return -1;
	struct module_walk walk = {e, cx->st, false, false};
	module_each(guard_module, &walk);
	if (walk.refused)
		return *error_r = "legal_hold", -1;
	privacy_catalog_each_table(tables_fn, &l);
	json_t *erased = json_object(), *anon = json_object(), *kept = json_object();
	int ret = -1;
	for (size_t i = 0; i < l.n; i++)
		if (count_table(cx, l.items[i], e, erased, anon, kept, &items) < 0)
			goto out;
	json_t *cats = json_pack("{s:O, s:O, s:O}", "erased", erased, "anonymised", anon,
	                         "kept_under_legal_duty", kept);
	int rc = deletion_log_write_tx(cx, e, cats, items, log_id_r);
	json_decref(cats);
	if (rc < 0)
		goto out;
	/* Children before parents: reverse declaration order. */
	for (size_t i = l.n; i > 0; i--)
		if (erase_table(cx, l.items[i - 1], e) < 0)
			goto out;
	if (keys_subject_destroy(cx->keys, cx->st, e->tenant_id, e->subject_id) < 0)
		goto out;
	module_each(erase_module, &walk);
	if (walk.failed)
		goto out;
	*error_r = NULL;
	ret = 0;
out:
	json_decref(erased);
	json_decref(anon);
	json_decref(kept);
	return ret;
}
