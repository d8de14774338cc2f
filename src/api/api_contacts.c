/*
 * api_contacts: the tenant's contact book (issue 5 item 7; P-HYG-1..5).
 *
 *   GET    /api/v1/tenants/{id}/contacts?q=&offset=&limit=       read
 *   DELETE /api/v1/tenants/{id}/contacts?confirm=all             admin
 *   POST   /api/v1/tenants/{id}/contacts/import/preview  (file)  admin
 *   POST   /api/v1/tenants/{id}/contacts/import?format=&country=&map=&save_mapping=
 *                                                         (file)  admin
 *   GET    /api/v1/tenants/{id}/contacts/imports/{iid}?offset=&limit=  read
 *   GET    /api/v1/tenants/{id}/contacts/duplicates?threshold=   read
 *   POST   /api/v1/tenants/{id}/contacts/merge  {contact_ids|cluster_id|all, threshold?} admin
 *   GET    /api/v1/tenants/{id}/contacts/merges                  read
 *   POST   /api/v1/tenants/{id}/contacts/merges/{mid}/undo       admin
 *   GET    /api/v1/tenants/{id}/contacts/export?format=csv|vcard|json   read (audited)
 *   GET    /api/v1/tenants/{id}/contacts/settings                read
 *   PATCH  /api/v1/tenants/{id}/contacts/settings                admin (instruction)
 *   POST   /api/v1/tenants/{id}/contacts/refresh        (mbox|CSV) admin
 *   GET    /api/v1/tenants/{id}/contacts/{cid}                   read
 *   DELETE /api/v1/tenants/{id}/contacts/{cid}                   admin
 *
 * "read": the tenant's admin, users and auditor; "admin": the tenant admin
 * only (auditor and users 403). The operator reads no tenant's contacts
 * (403); another tenant's caller gets 404 as if the tenant did not exist.
 * Files travel as the raw body (bounded by http.max_body_bytes).
 */
#include "core/module.h"
#include "api/api_internal.h"
#include "core/ids.h"
#include "domain/app.h"
#include "domain/contact_book.h"
#include "domain/tenants.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void api_routes_contacts(struct http_router *router, struct app *app);

/* Authenticates and authorises into c: readers are the tenant's members
 * (admin, user, auditor), writers its admin; the operator reads no tenant's
 * contacts (403), another tenant's caller gets 404. Answers and returns -1
 * otherwise. Not auth_authorize(): users read the book too. */
static int allow(const struct http_request *req, struct http_response *resp, void *ctx, bool write,
                 struct api_call *c)
{
	struct tenant t;
	const char *error = NULL, *tid = http_request_param(req, "id");
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, c) < 0)
		return -1;
	if (c->p.account.role == ROLE_OPERATOR) {
		api_fail(resp, "forbidden");
		return -1;
	}
	if (tid == NULL || !ids_is_uuid4(tid) || strcmp(c->p.account.tenant_id, tid) != 0 ||
	    tenants_get(c->st, tid, &t, &error) < 0) {
		api_fail(resp, "not_found");
		return -1;
	}
	if (write && c->p.account.role != ROLE_TENANT_ADMIN) {
		api_fail(resp, "forbidden");
		return -1;
	}
	c->tenant_id = tid;
	return 0;
}

/* A non-negative integer query parameter, or def; -1 when malformed. */
static long query_num(const struct http_request *req, const char *key, long def, long max)
{
	char buf[24];
	if (http_request_query(req, key, buf, sizeof(buf)) == NULL)
		return def;
	char *end = NULL;
	long v = strtol(buf, &end, 10);
	if (buf[0] == '\0' || *end != '\0' || v < 0 || v > max)
		return -1;
	return v;
}

/* The uploaded file: any text-ish type, not JSON; non-empty. */
static bool file_body(const struct http_request *req, struct http_response *resp)
{
	const char *ct = http_request_header(req, "Content-Type");
	if (ct != NULL && strncasecmp(ct, "application/json", 16) == 0) {
		http_response_error(
		    resp, 415, "unsupported_media_type",
		    "send the file itself (text/csv, text/vcard, application/mbox)");
		return false;
	}
	if (req->body == NULL || req->body_len == 0) {
		api_fail(resp, "invalid_input");
		return false;
	}
	return true;
}

static void h_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	char q[512];
	const char *error = NULL;
	json_t *out;
	if (allow(req, resp, ctx, false, &c) < 0)
		return;
	long offset = query_num(req, "offset", 0, 100000000),
	     limit = query_num(req, "limit", 50, CONTACT_BOOK_PAGE_MAX);
	if (offset < 0 || limit <= 0) {
		api_fail_field(resp, "invalid_field", offset < 0 ? "offset" : "limit");
		return;
	}
	const char *search = http_request_query(req, "q", q, sizeof(q));
	if (contact_book_list(c.app, c.st, c.tenant_id, search, (size_t)offset, (size_t)limit, &out,
	                      &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200, out);
}

/* Import options from the query string. */
static int import_opts(const struct http_request *req, struct http_response *resp,
                       struct contact_book_import_opts *o, char *fmt, char *country, char *map,
                       size_t map_len)
{
	char save[8], delim[4];
	memset(o, 0, sizeof(*o));
	o->format = http_request_query(req, "format", fmt, 16);
	o->country = http_request_query(req, "country", country, 3);
	if (http_request_query(req, "map", map, map_len) != NULL) {
		o->map = json_loads(map, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(o->map)) {
			json_decref(o->map);
			o->map = NULL;
			api_fail_field(resp, "invalid_field", "map");
			return -1;
		}
	}
	if (http_request_query(req, "save_mapping", save, sizeof(save)) != NULL)
		o->save_map = strcmp(save, "true") == 0 || strcmp(save, "1") == 0;
	if (http_request_query(req, "delimiter", delim, sizeof(delim)) != NULL) {
		if (strlen(delim) != 1) {
			json_decref(o->map);
			api_fail_field(resp, "invalid_field", "delimiter");
			return -1;
		}
		o->delimiter = delim[0];
	}
	return 0;
}

static void do_import(const struct http_request *req, struct http_response *resp, void *ctx,
                      bool preview)
{
	struct api_call c;
	struct contact_book_import_opts o;
	char fmt[16], country[3], map[4096];
	const char *error = NULL;
	json_t *out = NULL;
	if (allow(req, resp, ctx, true, &c) < 0 || !file_body(req, resp) ||
	    import_opts(req, resp, &o, fmt, country, map, sizeof(map)) < 0)
		return;
	int rc = preview ? contact_book_preview(c.app, c.st, c.tenant_id, req->body, req->body_len,
	                                        &o, &out, &error)
	                 : contact_book_import(c.app, c.st, &c.p.actor, c.tenant_id, req->body,
	                                       req->body_len, &o, &out, &error);
	json_decref(o.map);
	if (rc < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, preview ? 200 : 201, out);
}

static void h_import(const struct http_request *req, struct http_response *resp, void *ctx)
{
	do_import(req, resp, ctx, false);
}

static void h_preview(const struct http_request *req, struct http_response *resp, void *ctx)
{
	do_import(req, resp, ctx, true);
}

static void h_import_report(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL, *iid = http_request_param(req, "iid");
	json_t *out;
	if (allow(req, resp, ctx, false, &c) < 0)
		return;
	long offset = query_num(req, "offset", 0, 100000000),
	     limit = query_num(req, "limit", 500, 5000);
	if (offset < 0 || limit <= 0 || !ids_is_uuid4(iid)) {
		api_fail(resp, !ids_is_uuid4(iid) ? "not_found" : "invalid_field");
		return;
	}
	if (contact_book_import_report(c.app, c.st, c.tenant_id, iid, (size_t)offset, (size_t)limit,
	                               &out, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200, out);
}

static void h_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL, *cid = http_request_param(req, "cid");
	json_t *out;
	if (allow(req, resp, ctx, false, &c) < 0)
		return;
	if (!ids_is_uuid4(cid) || contact_book_get(c.app, c.st, c.tenant_id, cid, &out, &error) < 0)
		api_fail(resp, ids_is_uuid4(cid) ? error : "not_found");
	else
		http_response_json(resp, 200, out);
}

static void h_delete_one(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	size_t n = 0;
	const char *error = NULL, *cid = http_request_param(req, "cid");
	if (allow(req, resp, ctx, true, &c) < 0)
		return;
	if (!ids_is_uuid4(cid) ||
	    contact_book_delete(c.app, c.st, &c.p.actor, c.tenant_id, cid, &n, &error) < 0)
		api_fail(resp, ids_is_uuid4(cid) ? error : "not_found");
	else
		http_response_set(resp, 204, NULL, NULL, 0);
}

static void h_delete_all(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	size_t n = 0;
	char confirm[8];
	const char *error = NULL;
	if (allow(req, resp, ctx, true, &c) < 0)
		return;
	if (http_request_query(req, "confirm", confirm, sizeof(confirm)) == NULL ||
	    strcmp(confirm, "all") != 0) {
		api_fail_field(resp, "missing_field", "confirm=all");
		return;
	}
	if (contact_book_delete(c.app, c.st, &c.p.actor, c.tenant_id, NULL, &n, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200, json_pack("{s:I}", "deleted", (json_int_t)n));
}

static void h_duplicates(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	char buf[24];
	const char *error = NULL;
	double threshold = -1;
	json_t *out;
	if (allow(req, resp, ctx, false, &c) < 0)
		return;
	if (http_request_query(req, "threshold", buf, sizeof(buf)) != NULL) {
		char *end = NULL;
		threshold = strtod(buf, &end);
		if (buf[0] == '\0' || *end != '\0' || !(threshold > 0 && threshold < 1)) {
			api_fail_field(resp, "invalid_field", "threshold");
			return;
		}
	}
	if (contact_book_duplicates(c.app, c.st, c.tenant_id, threshold, &out, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200, out);
}

static void h_merge(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {
	    {"contact_ids", API_ANY, false}, {"cluster_id", API_STRING, false},
	    {"all", API_BOOL, false},        {"threshold", API_ANY, false},
	    {NULL, API_ANY, false},
	};
	struct api_call c;
	const char *error = NULL;
	json_t *out;
	if (allow(req, resp, ctx, true, &c) < 0 || api_call_body(&c, spec) < 0)
		return;
	if (contact_book_merge(c.app, c.st, &c.p.actor, c.tenant_id, c.body, &out, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 201, out);
	api_call_end(&c);
}

static void h_merges(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL;
	json_t *out;
	if (allow(req, resp, ctx, false, &c) < 0)
		return;
	if (contact_book_merges(c.app, c.st, c.tenant_id, &out, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200, out);
}

static void h_undo(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL, *mid = http_request_param(req, "mid");
	json_t *out;
	if (allow(req, resp, ctx, true, &c) < 0)
		return;
	if (!ids_is_uuid4(mid) ||
	    contact_book_undo(c.app, c.st, &c.p.actor, c.tenant_id, mid, &out, &error) < 0)
		api_fail(resp, ids_is_uuid4(mid) ? error : "not_found");
	else
		http_response_json(resp, 200, out);
}

static void h_export(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	char fmt[8];
	const char *error = NULL, *ctype = NULL;
	char *body = NULL;
	size_t len = 0;
	if (allow(req, resp, ctx, false, &c) < 0)
		return;
	const char *format = http_request_query(req, "format", fmt, sizeof(fmt));
	if (contact_book_export(c.app, c.st, &c.p.actor, c.tenant_id, format ? format : "csv",
	                        &body, &len, &ctype, &error) < 0)
		api_fail(resp, error);
	else
		http_response_take(resp, 200, ctype, body, len);
}

static void h_settings_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL;
	json_t *out;
	if (allow(req, resp, ctx, false, &c) < 0)
		return;
	if (contact_book_settings_get(c.app, c.st, c.tenant_id, &out, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200, out);
}

static void h_settings_patch(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {
	    {"default_country", API_STRING, false},
	    {"lang", API_STRING, false},
	    {"dedupe_threshold", API_ANY, false},
	    {"merge_keep_alternates", API_BOOL, false},
	    {"column_map", API_ANY, false},
	    {"employees_informed", API_BOOL, false},
	    {"consent_required", API_BOOL, false},
	    {"employees_agreed", API_BOOL, false},
	    {NULL, API_ANY, false},
	};
	struct api_call c;
	const char *error = NULL, *field = NULL;
	json_t *out;
	if (allow(req, resp, ctx, true, &c) < 0 || api_call_body(&c, spec) < 0)
		return;
	if (contact_book_settings_patch(c.app, c.st, &c.p.actor, c.tenant_id, c.body, &error,
	                                &field) < 0)
		field ? api_fail_field(resp, error, field) : api_fail(resp, error);
	else if (contact_book_settings_get(c.app, c.st, c.tenant_id, &out, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200, out);
	api_call_end(&c);
}

static void h_refresh(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL;
	json_t *out;
	if (allow(req, resp, ctx, true, &c) < 0 || !file_body(req, resp))
		return;
	if (contact_book_refresh(c.app, c.st, &c.p.actor, c.tenant_id, req->body, req->body_len,
	                         &out, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200, out);
}

void api_routes_contacts(struct http_router *router, struct app *app)
{
	http_router_add(router, "GET", "/api/v1/tenants/{id}/contacts", HTTP_ROUTE_WORKER, h_list,
	                app);
	http_router_add(router, "DELETE", "/api/v1/tenants/{id}/contacts", HTTP_ROUTE_WORKER,
	                h_delete_all, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/contacts/import", HTTP_ROUTE_WORKER,
	                h_import, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/contacts/import/preview",
	                HTTP_ROUTE_WORKER, h_preview, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/contacts/imports/{iid}",
	                HTTP_ROUTE_WORKER, h_import_report, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/contacts/duplicates",
	                HTTP_ROUTE_WORKER, h_duplicates, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/contacts/merge", HTTP_ROUTE_WORKER,
	                h_merge, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/contacts/merges", HTTP_ROUTE_WORKER,
	                h_merges, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/contacts/merges/{mid}/undo",
	                HTTP_ROUTE_WORKER, h_undo, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/contacts/export", HTTP_ROUTE_WORKER,
	                h_export, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/contacts/settings", HTTP_ROUTE_WORKER,
	                h_settings_get, app);
	http_router_add(router, "PATCH", "/api/v1/tenants/{id}/contacts/settings",
	                HTTP_ROUTE_WORKER, h_settings_patch, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/contacts/refresh", HTTP_ROUTE_WORKER,
	                h_refresh, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/contacts/{cid}", HTTP_ROUTE_WORKER,
	                h_get, app);
	http_router_add(router, "DELETE", "/api/v1/tenants/{id}/contacts/{cid}", HTTP_ROUTE_WORKER,
	                h_delete_one, app);
}

/* The contact books (P-HYG-1..5): what they store, and their REST routes. */
const struct module contacts_module = {
    .name = "contacts",
    .columns = contact_book_catalog,
    .tables = contact_book_catalog_tables,
    .routes = api_routes_contacts,
};
