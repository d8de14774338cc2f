/* privacy/register: see register.h. */
#include "core/clock.h"
#include "compliance/register.h"
#include "core/config.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "compliance/instructions.h"
#include "compliance/register_internal.h"
#include "compliance/retention.h"
#include "compliance/subprocessors.h"
#include "store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_unique(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	if (s == NULL)
		return;
	json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return;
	json_array_append_new(arr, json_string(s));
}

/* One activity per purpose: categories, subjects, bases, retention. */
static void add_entry(const struct catalog_column *e, void *ctx)
{
	json_t *acts = ctx, *act = NULL, *v;
	size_t i;
	if (!e->personal)
		return;
	json_array_foreach(acts, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "purpose")), e->purpose) == 0) {
			act = v;
			break;
		}
	}
	if (act == NULL) {
		act = json_pack("{s:s, s:[], s:[], s:[], s:[], s:[]}", "purpose", e->purpose,
		                "data_categories", "data_subjects", "legal_bases", "retention",
		                "tables");
		json_array_append_new(acts, act);
	}
	add_unique(json_object_get(act, "data_categories"), e->category);
	add_unique(json_object_get(act, "data_subjects"), e->subject);
	add_unique(json_object_get(act, "legal_bases"), e->legal_basis);
	add_unique(json_object_get(act, "retention"), e->retention);
	add_unique(json_object_get(act, "tables"), e->table);
}

static json_t *transfers(struct store *st, json_t *settings, json_t *sps)
{
	json_t *third = json_array(), *v;
	size_t i;
	json_array_foreach(sps, i, v)
	{
		const char *loc = json_string_value(json_object_get(v, "location"));
		char code[3] = {0};
		if (loc != NULL && strlen(loc) >= 2)
			memcpy(code, loc, 2);
		if (strcmp(json_string_value(json_object_get(v, "status")), "removed") != 0 &&
		    !instructions_region_in_eea(code))
			json_array_append_new(
			    third, json_pack("{s:O, s:O}", "subprocessor", json_object_get(v, "name"),
			                     "location", json_object_get(v, "location")));
	}
	(void)st;
	return json_pack("{s:O, s:O, s:o}", "transfer_region",
	                 json_object_get(settings, "transfer_region"), "transfer_consent",
	                 json_object_get(settings, "transfer_consent"),
	                 "subprocessors_outside_eea", third);
}

json_t *register_ropa_json(struct app *app, struct store *st, const char *tenant_id)
{
	char **name = regs_strv(st, "SELECT name FROM tenants WHERE id = ?", tenant_id);
	if (name == NULL || name[0] == NULL) {
		regs_strv_free(name);
		return NULL;
	}
	json_t *settings = tenant_settings_json(st, tenant_id);
	json_t *acts = json_array();
	privacy_catalog_each(add_entry, acts);
	json_t *sps = subprocessors_list_json(st);
	json_t *r = json_pack(
	    "{s:s, s:I, s:{s:s, s:s}, s:{s:s, s:s, s:O}, s:o, s:O, s:o, s:o, s:o}", "title",
	    "Record of processing activities of the processor (GDPR Art. 30(2))", "generated_at",
	    (json_int_t)clock_action_now(), "processor", "name", app->cfg->domain, "url",
	    app->public_url, "controller", "tenant_id", tenant_id, "name", name[0], "region",
	    settings ? json_object_get(settings, "region") : json_null(), "processing", acts,
	    "subprocessors", sps, "transfers", transfers(st, settings, sps), "retention",
	    retention_rules_json(st, tenant_id), "security_measures",
	    json_pack("[s, s, s, s, s, s, s]",
	              "TLS 1.2 and 1.3 only for every connection (P-SEC-3)",
	              "personal content sealed with AES-256-GCM under per-subject keys wrapped by "
	              "a per-tenant key (crypto-shredding on erasure)",
	              "passwords kept only as salted SCRAM-SHA-256/-1 keys",
	              "hash-chained, signed audit log of every change and instruction",
	              "retention sweeps run by the jobs table, each deletion logged",
	              "roles and one authorisation decision; tenants isolated (404 across tenants)",
	              "verified by the TOM report: GET /api/v1/tenants/{id}/tom-report"));
	json_decref(sps);
	json_decref(settings);
	regs_strv_free(name);
	return r;
}

/* Appends printf output to a growing buffer. */
struct buf {
	char *p;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void bput(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, (size_t)n + 1);
	b->len += (size_t)n;
	free(s);
}

static void put_esc(struct buf *b, const char *s)
{
	char *e = regs_html_escape(s != NULL ? s : "");
	bput(b, "%s", e);
	free(e);
}

static void put_list(struct buf *b, json_t *arr)
{
	size_t i;
	json_t *v;
	bput(b, "<ul>");
	json_array_foreach(arr, i, v)
	{
		bput(b, "<li>");
		put_esc(b, json_string_value(v));
		bput(b, "</li>");
	}
	bput(b, "</ul>");
}

static const char *js(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s != NULL ? s : "";
}

char *register_ropa_html(const json_t *ropa_c)
{
	json_t *ropa = (json_t *)ropa_c, *v;
	json_t *ctl = json_object_get(ropa, "controller");
	size_t i;
	struct buf b = {0};
	bput(&b, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
	put_esc(&b, js(ropa, "title"));
	bput(&b, "</title></head><body><h1>");
	put_esc(&b, js(ropa, "title"));
	bput(&b, "</h1><p>Processor: ");
	put_esc(&b, js(json_object_get(ropa, "processor"), "name"));
	bput(&b, ". Controller: ");
	put_esc(&b, js(ctl, "name"));
	bput(&b, " (");
	put_esc(&b, js(ctl, "tenant_id"));
	bput(&b, "). Generated at %lld (Unix time).</p><h2>Categories of processing</h2>",
	     (long long)json_integer_value(json_object_get(ropa, "generated_at")));
	bput(&b, "<table border=\"1\"><tr><th>Purpose</th><th>Data categories</th><th>Data "
	         "subjects</th><th>Legal basis</th><th>Retention</th></tr>");
	json_array_foreach(json_object_get(ropa, "processing"), i, v)
	{
		bput(&b, "<tr><td>");
		put_esc(&b, js(v, "purpose"));
		bput(&b, "</td><td>");
		put_list(&b, json_object_get(v, "data_categories"));
		bput(&b, "</td><td>");
		put_list(&b, json_object_get(v, "data_subjects"));
		bput(&b, "</td><td>");
		put_list(&b, json_object_get(v, "legal_bases"));
		bput(&b, "</td><td>");
		put_list(&b, json_object_get(v, "retention"));
		bput(&b, "</td></tr>");
	}
	bput(&b, "</table><h2>Sub-processors</h2><table border=\"1\"><tr><th>Name</th><th>Address"
	         "</th><th>Purpose</th><th>Data shared</th><th>Location</th><th>Status</th></tr>");
	json_array_foreach(json_object_get(ropa, "subprocessors"), i, v)
	{
		static const char *const keys[] = {"name", "address", "purpose", "data_shared",
		                                   "location", "status"};
		bput(&b, "<tr>");
		for (size_t k = 0; k < 6; k++) {
			bput(&b, "<td>");
			put_esc(&b, js(v, keys[k]));
			bput(&b, "</td>");
		}
		bput(&b, "</tr>");
	}
	json_t *tr = json_object_get(ropa, "transfers");
	bput(&b, "</table><h2>Transfers</h2><p>Transfer destination: ");
	put_esc(&b, js(tr, "transfer_region"));
	bput(&b, "; recorded consent or legal basis for third countries: %s.</p>",
	     json_is_true(json_object_get(tr, "transfer_consent")) ? "yes" : "no");
	bput(&b, "<h2>Security measures</h2>");
	put_list(&b, json_object_get(ropa, "security_measures"));
	bput(&b, "</body></html>\n");
	return b.p;
}
