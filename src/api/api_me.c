/*
 * api_me: the caller's own account.
 *   GET    /api/v1/me                     account and e-mail
 *   DELETE /api/v1/me                     freemium users without company only (P-ACC-3)
 *   POST   /api/v1/me/password            {current_password, new_password}
 *   POST   /api/v1/me/company             {name, accept_dpa: true} (P-ACC-3)
 *   POST   /api/v1/me/deletion-request    members ask their admin (P-ACC-2)
 * (GET /api/v1/me/login-events, the caller's login history, is in api_logs.c.)
 */
#include "api/api_internal.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "domain/tenants.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

static void h_me(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	char *email = NULL;
	if (api_call_begin(req, resp, ctx, API_ANY_SCOPE, NULL, &c) < 0)
		return;
	json_t *o = api_account_json(&c.p.account);
	if (accounts_email(c.app, c.st, &c.p.account, &email) < 0) {
		json_decref(o);
		api_fail(resp, "internal");
		return;
	}
	json_object_set_new(o, "email", email ? json_string(email) : json_null());
	json_object_set_new(o, "token_expires_at", json_integer(c.p.expires_at));
	free(email);
	http_response_json(resp, 200, o);
}

static void h_me_delete(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	/* Members of a tenant ask their admin instead (P-ACC-2). */
	if (c.p.account.tenant_id[0] != '\0' || c.p.account.role != ROLE_USER) {
		http_response_error(resp, 403, "forbidden",
		                    "members of an organisation cannot delete their own account; "
		                    "ask your admin with POST /api/v1/me/deletion-request");
		return;
	}
	if (accounts_erase(c.app, c.st, &c.p.actor, c.p.account.id, &error) < 0)
		api_fail(resp, error);
	else
		http_response_set(resp, 204, NULL, NULL, 0);
}

static void h_password(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {
	    {"current_password", API_STRING, true},
	    {"new_password", API_STRING, true},
	    {NULL, API_ANY, false},
	};
	struct api_call c;
	struct login_result r;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, API_ANY_SCOPE, NULL, &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	if (auth_change_password(c.app, c.st, &c.p, api_str(c.body, "current_password"),
	                         api_str(c.body, "new_password"), &r, &error) < 0)
		api_fail(resp, error);
	else
		api_token_response(resp, 200, &r);
	secret_wipe(&r, sizeof(r));
	api_call_end(&c);
}

static void h_company(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {
	    {"name", API_TENANT_NAME, true},
	    {"accept_dpa", API_BOOL, true},
	    {NULL, API_ANY, false},
	};
	struct api_call c;
	struct tenant t;
	char id[IDS_UUID_LEN];
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	if (tenants_found_company(c.app, c.st, &c.p.account, api_str(c.body, "name"),
	                          json_is_true(json_object_get(c.body, "accept_dpa")), id,
	                          &error) < 0 ||
	    tenants_get(c.st, id, &t, &error) < 0 ||
	    accounts_get(c.st, c.p.account.id, &c.p.account, &error) < 0) {
		api_fail_field(resp, error,
		               strcmp(error, "dpa_required") == 0 ? "accept_dpa" : NULL);
	} else {
		json_t *o =
		    json_pack("{s:o, s:o, s:{s:s, s:I}}", "tenant", api_tenant_json(&t), "account",
		              api_account_json(&c.p.account), "agreement", "version",
		              ACCOUNTS_DPA_VERSION, "accepted_at", (json_int_t)t.created_at);
		http_response_json(resp, 201, o);
	}
	api_call_end(&c);
}

static void h_deletion_request(const struct http_request *req, struct http_response *resp,
                               void *ctx)
{
	struct api_call c;
	char id[IDS_UUID_LEN];
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	if (c.p.account.tenant_id[0] == '\0') {
		http_response_error(
		    resp, 403, "forbidden",
		    "an account without organisation is deleted with DELETE /api/v1/me");
		return;
	}
	if (accounts_deletion_request(c.app, c.st, &c.p.account, id, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 202, json_pack("{s:s, s:s}", "id", id, "status", "open"));
}

void api_routes_me(struct http_router *router, struct app *app)
{
	http_router_add(router, "GET", "/api/v1/me", HTTP_ROUTE_WORKER, h_me, app);
	http_router_add(router, "DELETE", "/api/v1/me", HTTP_ROUTE_WORKER, h_me_delete, app);
	http_router_add(router, "POST", "/api/v1/me/password", HTTP_ROUTE_WORKER, h_password, app);
	http_router_add(router, "POST", "/api/v1/me/company", HTTP_ROUTE_WORKER, h_company, app);
	http_router_add(router, "POST", "/api/v1/me/deletion-request", HTTP_ROUTE_WORKER,
	                h_deletion_request, app);
}
