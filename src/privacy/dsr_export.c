/*
 * privacy/dsr_export: the portable export (P-DSR-5), derived from the
 * catalog walk (dsr.h):
 *   manifest.json          format, subject, and one entry per file with the
 *                          DPV categories it holds
 *   data/<table>.json      the subject's rows: every catalogued personal
 *                          column exported "as value" (sealed ones opened;
 *                          column names without the "_sealed" suffix)
 *   files/<table>/...      columns exported "as file", as uploaded
 *   profile.vcf            a vCard 4.0 built from the values' categories
 * plus whatever registered providers add (XEP-0227 for XMPP data, ...).
 */
#include "core/module.h"
#include "core/xalloc.h"
#include "privacy/archive.h"
#include "privacy/catalog.h"
#include "privacy/dsr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The modules' export hooks (core/module.h), in registration order. */
struct export_walk {
	const struct dsr_ctx *cx;
	const char *tenant_id;
	const char *subject_id;
	struct archive_writer *w;
	json_t *entries;
	bool failed;
};

static void export_module(const struct module *m, void *ctx)
{
	struct export_walk *x = ctx;
	if (!x->failed && m->privacy.export != NULL &&
	    m->privacy.export(x->cx, x->tenant_id, x->subject_id, x->w, x->entries) < 0)
		x->failed = true;
}

struct export_ctx {
	struct archive_writer *w;
	int64_t now;
	json_t *tables;     /* table -> [row objects] */
	json_t *table_cats; /* table -> {category: true} */
	json_t *entries;    /* manifest entries */
	json_t *vcard;      /* category -> [values] */
	const struct catalog_table *cur_table;
	unsigned long cur_row;
	bool failed;
};

/* "first_name_sealed" -> "first_name" */
static void field_name(const char *column, char *out, size_t outlen)
{
	size_t n = strlen(column);
	if (n > 7 && strcmp(column + n - 7, "_sealed") == 0)
		n -= 7;
	snprintf(out, outlen, "%.*s", (int)n, column);
}

static const char *file_ext(const char *data, size_t len)
{
	if (len >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "png";
	if (len >= 3 && memcmp(data, "\xff\xd8\xff", 3) == 0)
		return "jpg";
	return "bin";
}

static int export_fn(const struct dsr_value *v, void *ctx)
{
	struct export_ctx *x = ctx;
	const struct catalog_column *c = v->column;
	char field[80];
	if (c->export_as == EXPORT_NONE || v->unreadable)
		return 0;
	json_t *rows = json_object_get(x->tables, c->table);
	if (rows == NULL) {
		rows = json_array();
		json_object_set_new(x->tables, c->table, rows);
		json_object_set_new(x->table_cats, c->table, json_object());
	}
	if (x->cur_table != v->table || x->cur_row != v->row || json_array_size(rows) == 0) {
		json_array_append_new(rows, json_object());
		x->cur_table = v->table;
		x->cur_row = v->row;
	}
	json_t *row = json_array_get(rows, json_array_size(rows) - 1);
	field_name(c->column, field, sizeof(field));
	if (c->category != NULL)
		json_object_set_new(json_object_get(x->table_cats, c->table), c->category,
		                    json_true());
	if (c->export_as == EXPORT_FILE) {
		char path[160];
		snprintf(path, sizeof(path), "files/%s/%s-%lu.%s", c->table, field, v->row,
		         file_ext(v->data, v->len));
		if (archive_add(x->w, path, v->data, v->len, x->now) < 0)
			return x->failed = true, -1;
		json_object_set_new(row, field, json_string(path));
		json_array_append_new(x->entries,
		                      json_pack("{s:s, s:[s], s:s, s:s, s:s}", "path", path,
		                                "categories", c->category, "table", c->table,
		                                "column", field, "format", "as uploaded"));
		return 0;
	}
	json_t *val = dsr_value_json(v);
	json_object_set(row, field, val);
	if (c->category != NULL && c->sealed) {
		json_t *list = json_object_get(x->vcard, c->category);
		if (list == NULL) {
			list = json_array();
			json_object_set_new(x->vcard, c->category, list);
		}
		if (json_is_array(val))
			json_array_extend(list, val);
		else
			json_array_append(list, val);
	}
	json_decref(val);
	return 0;
}

/* vCard text escaping (RFC 6350 3.4). */
static void vc_esc(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == ',' || *s == ';')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s != '\r')
			fputc(*s, f);
	}
}

static const char *vc_first(json_t *vcard, const char *cat)
{
	return json_string_value(json_array_get(json_object_get(vcard, cat), 0));
}

static void vc_all(FILE *f, json_t *vcard, const char *cat, const char *prop)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(vcard, cat), i, v)
	{
		if (!json_is_string(v))
			continue;
		fprintf(f, "%s:", prop);
		vc_esc(f, json_string_value(v));
		fputs("\r\n", f);
	}
}

static char *make_vcard(json_t *vcard, size_t *len_r)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	const char *first = vc_first(vcard, "dpv-pd:FirstName");
	const char *last = vc_first(vcard, "dpv-pd:LastName");
	const char *title = vc_first(vcard, "dpv-pd:Title");
	fputs("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:", f);
	vc_esc(f, first);
	fputs(first && last ? " " : "", f);
	vc_esc(f, last);
	fputs("\r\nN:", f);
	vc_esc(f, last);
	fputc(';', f);
	vc_esc(f, first);
	fputs(";;", f);
	vc_esc(f, title);
	fputs(";\r\n", f);
	vc_all(f, vcard, "dpv-pd:Nickname", "NICKNAME");
	vc_all(f, vcard, "dpv-pd:JobTitle", "TITLE");
	const char *org = vc_first(vcard, "dpv-pd:Employer");
	const char *dept = vc_first(vcard, "dpv-pd:Job");
	if (org != NULL || dept != NULL) {
		fputs("ORG:", f);
		vc_esc(f, org);
		if (dept != NULL) {
			fputc(';', f);
			vc_esc(f, dept);
		}
		fputs("\r\n", f);
	}
	vc_all(f, vcard, "dpv-pd:TelephoneNumber", "TEL");
	vc_all(f, vcard, "dpv-pd:EmailAddress", "EMAIL");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(vcard, "dpv-pd:PostalAddress"), i, v)
	{
		if (!json_is_string(v))
			continue;
		fputs("ADR;LABEL=\"", f);
		for (const char *s = json_string_value(v); *s; s++)
			if (*s != '"' && *s != '\r')
				*s == '\n' ? fputs("\\n", f) : fputc(*s, f);
		fputs("\":;;", f);
		vc_esc(f, json_string_value(v));
		fputs(";;;;\r\n", f);
	}
	fputs("END:VCARD\r\n", f);
	fclose(f);
	*len_r = len;
	return out;
}

static int add_json(struct archive_writer *w, const char *path, json_t *j, int64_t now)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (s == NULL)
		return -1;
	int rc = archive_add(w, path, s, strlen(s), now);
	secret_free(s, strlen(s));
	return rc;
}

int dsr_export(const struct dsr_ctx *cx, const char *tenant_id, const char *subject_id,
               unsigned char **tar_r, size_t *len_r)
{
	struct archive_writer w = {NULL, 0, 0};
	struct export_ctx x = {&w,           (int64_t)time(NULL), json_object(), json_object(),
	                       json_array(), json_object(),       NULL,          0,
	                       false};
	const char *table;
	json_t *rows;
	int ret = -1;
	if (dsr_walk(cx, tenant_id, subject_id, export_fn, &x) < 0)
		goto out;
	json_object_foreach(x.tables, table, rows)
	{
		char path[128];
		const char *cat;
		json_t *t;
		snprintf(path, sizeof(path), "data/%s.json", table);
		if (add_json(&w, path, rows, x.now) < 0)
			goto out;
		json_t *cats = json_array();
		json_object_foreach(json_object_get(x.table_cats, table), cat, t)
		{
			json_array_append_new(cats, json_string(cat));
		}
		json_array_append_new(x.entries, json_pack("{s:s, s:o, s:s, s:s}", "path", path,
		                                           "categories", cats, "table", table,
		                                           "format", "application/json"));
	}
	size_t vlen = 0;
	char *vc = make_vcard(x.vcard, &vlen);
	if (vc == NULL || archive_add(&w, "profile.vcf", vc, vlen, x.now) < 0) {
		if (vc != NULL)
			secret_free(vc, vlen);
		goto out;
	}
	secret_free(vc, vlen);
	json_t *vcats = json_array();
	const char *cat;
	json_t *t;
	json_object_foreach(x.vcard, cat, t)
	{
		json_array_append_new(vcats, json_string(cat));
	}
	json_array_append_new(x.entries, json_pack("{s:s, s:o, s:s}", "path", "profile.vcf",
	                                           "categories", vcats, "format", "text/vcard"));
	struct export_walk walk = {cx, tenant_id, subject_id, &w, x.entries, false};
	module_each(export_module, &walk);
	if (walk.failed)
		goto out;
	json_t *manifest = json_pack(
	    "{s:s, s:i, s:{s:s, s:o}, s:I, s:s, s:O}", "format", "iris-export", "version", 1,
	    "subject", "id", subject_id, "tenant_id",
	    tenant_id[0] ? json_string(tenant_id) : json_null(), "exported_at", (json_int_t)x.now,
	    "vocabulary", "W3C DPV personal data categories (dpv-pd)", "entries", x.entries);
	int rc = add_json(&w, "manifest.json", manifest, x.now);
	json_decref(manifest);
	if (rc < 0)
		goto out;
	archive_finish(&w);
	*tar_r = w.buf;
	*len_r = w.len;
	w.buf = NULL;
	ret = 0;
out:
	archive_writer_free(&w);
	json_decref(x.tables);
	json_decref(x.table_cats);
	json_decref(x.entries);
	json_decref(x.vcard);
	return ret;
}
