/*
 * api_tenants: tenants and their admin queues.
 *   POST /api/v1/tenants                     {name}            operator
 *   GET  /api/v1/tenants                                       operator
 *   GET  /api/v1/tenants/{id}                                  operator, own admin/auditor
 *   GET  /api/v1/tenants/{id}/agreements                       own admin/auditor (P-ACC-3)
 *   GET  /api/v1/tenants/{id}/deletion-requests                own admin/auditor (P-ACC-2)
 *   PATCH /api/v1/tenants/{id}/deletion-requests/{rid} {status: done|rejected}  own admin
 */
#include "api/api_internal.h"
#include "core/ids.h"
#include "domain/app.h"
#include "domain/tenants.h"
#include "store/store.h"

#include <string.h>

static void h_tenants_create(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"name", API_TENANT_NAME, true},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	struct tenant t;
	char id[IDS_UUID_LEN];
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, AZ_TENANTS_MANAGE, NULL, &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	if (tenants_create(c.app, c.st, &c.p.actor, api_str(c.body, "name"), id, &error) < 0 ||
	    tenants_get(c.st, id, &t, &error) < 0)
		api_fail_field(resp, error, "name");
	else
		http_response_json(resp, 201, api_tenant_json(&t));
	api_call_end(&c);
}

static void add_tenant(const struct tenant *t, void *ctx)
{
	json_array_append_new(ctx, api_tenant_json(t));
}

static void h_tenants_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_TENANTS_MANAGE, NULL, &c) < 0)
		return;
	json_t *list = json_array();
	api_reply_wrapped(resp, tenants_list(c.st, add_tenant, list), "tenants", list);
}

static void h_tenant_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	struct tenant t;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, AZ_TENANT_READ, "id", &c) < 0)
		return;
	if (tenants_get(c.st, c.tenant_id, &t, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200, api_tenant_json(&t));
}

static void add_agreement(const struct tenant_agreement *a, void *ctx)
{
	json_array_append_new(
	    ctx, json_pack("{s:o, s:s, s:I}", "accepted_by",
	                   a->accepted_by[0] ? json_string(a->accepted_by) : json_null(), "version",
	                   a->version, "accepted_at", (json_int_t)a->accepted_at));
}

static void h_agreements(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	json_t *list = json_array();
	api_reply_wrapped(resp, tenants_agreements(c.st, c.tenant_id, add_agreement, list),
	                  "agreements", list);
}

static void add_request(const struct deletion_request *r, void *ctx)
{
	json_array_append_new(
	    ctx, json_pack("{s:s, s:o, s:o, s:s, s:I, s:o, s:I, s:b}", "id", r->id, "account_id",
	                   r->account_id[0] ? json_string(r->account_id) : json_null(), "username",
	                   r->username[0] ? json_string(r->username) : json_null(), "status",
	                   r->status, "created_at", (json_int_t)r->created_at, "decided_at",
	                   r->decided_at ? json_integer(r->decided_at) : json_null(), "due_at",
	                   (json_int_t)r->due_at, "overdue", r->overdue));
}

static void h_requests(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	json_t *list = json_array();
	api_reply_wrapped(resp,
	                  accounts_deletion_requests_list(c.st, c.tenant_id, add_request, list),
	                  "requests", list);
}

static void h_request_decide(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"status", API_DELETION_ANSWER, true},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	const char *rid = http_request_param(req, "rid");
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_WRITE, "id", &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	const char *status = api_str(c.body, "status");
	if (!ids_is_uuid4(rid))
		api_fail(resp, "not_found");
	else if (accounts_deletion_request_decide(c.app, c.st, &c.p.actor, c.tenant_id, rid, status,
	                                          &error) < 0)
		api_fail_field(resp, error, strcmp(error, "invalid_field") == 0 ? "status" : NULL);
	else
		http_response_json(resp, 200, json_pack("{s:s, s:s}", "id", rid, "status", status));
	api_call_end(&c);
}

void api_routes_tenants(struct http_router *router, struct app *app)
{
	http_router_add(router, "POST", "/api/v1/tenants", HTTP_ROUTE_WORKER, h_tenants_create,
	                app);
	http_router_add(router, "GET", "/api/v1/tenants", HTTP_ROUTE_WORKER, h_tenants_list, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}", HTTP_ROUTE_WORKER, h_tenant_get,
	                app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/agreements", HTTP_ROUTE_WORKER,
	                h_agreements, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/deletion-requests", HTTP_ROUTE_WORKER,
	                h_requests, app);
	http_router_add(router, "PATCH", "/api/v1/tenants/{id}/deletion-requests/{rid}",
	                HTTP_ROUTE_WORKER, h_request_decide, app);
}
