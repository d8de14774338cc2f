/*
 * api_members: a tenant admin manages the tenant's accounts (P-ACC-2).
 *   POST   /api/v1/tenants/{id}/members   {username, password?, email?, first_name?,
 *                                          last_name?, role?}   admin (operator too)
 *   GET    /api/v1/tenants/{id}/members                         admin, auditor
 *   GET    /api/v1/tenants/{id}/members/{uid}                   admin, auditor
 *   PATCH  /api/v1/tenants/{id}/members/{uid}  {role?, status?, email?}   admin
 *   DELETE /api/v1/tenants/{id}/members/{uid}                   admin (erasure)
 *   POST   /api/v1/tenants/{id}/members/{uid}/password {password?}  admin: reset
 *   POST   /api/v1/tenants/{id}/members/{uid}/revoke-tokens     admin, operator
 */
#include "api/api_internal.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "domain/profile.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

struct list_ctx {
	struct app *app;
	struct store *st;
	json_t *list;
};

/* The account with its e-mail and names opened. */
static json_t *member_json(struct app *app, struct store *st, const struct account *acc)
{
	char *email = NULL, *first = NULL, *last = NULL;
	json_t *o = api_account_json(acc);
	accounts_email(app, st, acc, &email);
	profile_names(app, st, acc, &first, &last);
	json_object_set_new(o, "email", email ? json_string(email) : json_null());
	json_object_set_new(o, "first_name", first ? json_string(first) : json_null());
	json_object_set_new(o, "last_name", last ? json_string(last) : json_null());
	free(email);
	free(first);
	free(last);
	return o;
}

static void add_member(const struct account *acc, void *ctx)
{
	struct list_ctx *c = ctx;
	json_array_append_new(c->list, member_json(c->app, c->st, acc));
}

static void h_members_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	struct list_ctx l = {c.app, c.st, json_array()};
	int rc = accounts_list(c.st, c.tenant_id, add_member, &l);
	api_reply_wrapped(resp, rc, "members", l.list);
}

static void h_member_create(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {
	    {"username", API_STRING, true},
	    {"password", API_STRING, false},
	    {"email", API_EMAIL, false},
	    {"first_name", API_PERSON_NAME, false},
	    {"last_name", API_PERSON_NAME, false},
	    {"role", API_ROLE, false},
	    {NULL, API_ANY, false},
	};
	struct api_call c;
	struct account acc;
	char id[IDS_UUID_LEN], otp[64] = "";
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_CREATE, "id", &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	json_t *body = c.body;
	struct account_new in = {
	    .tenant_id = c.tenant_id,
	    .username = api_str(body, "username"),
	    .password = api_str(body, "password"),
	    .email = api_str(body, "email"),
	    .first_name = api_str(body, "first_name"),
	    .last_name = api_str(body, "last_name"),
	    .role = ROLE_USER,
	    .status = "active",
	};
	const char *role = api_str(body, "role");
	if (role != NULL && (account_role_parse(role, &in.role) < 0 || in.role == ROLE_OPERATOR)) {
		api_fail_field(resp, "invalid_field", "role");
	} else if (accounts_create(c.app, c.st, &c.p.actor, &in, id, otp, &error) < 0 ||
	           accounts_get(c.st, id, &acc, &error) < 0) {
		api_fail(resp, error);
	} else {
		json_t *o = member_json(c.app, c.st, &acc);
		json_object_set_new(o, "one_time_password",
		                    otp[0] ? json_string(otp) : json_null());
		http_response_json(resp, 201, o);
	}
	secret_wipe(otp, sizeof(otp));
	api_call_end(&c);
}

static void h_member_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0 ||
	    api_call_member(&c) < 0)
		return;
	http_response_json(resp, 200, member_json(c.app, c.st, &c.member));
}

static void h_member_patch(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {
	    {"role", API_ROLE, false},
	    {"status", API_ACCOUNT_STATUS, false},
	    {"email", API_EMAIL, false},
	    {NULL, API_ANY, false},
	};
	struct api_call c;
	struct account *m = &c.member;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_WRITE, "id", &c) < 0 ||
	    api_call_member(&c) < 0 || api_call_body(&c, spec) < 0)
		return;
	struct account_update upd = {api_str(c.body, "role"), api_str(c.body, "status"),
	                             api_str(c.body, "email")};
	if (accounts_update(c.app, c.st, &c.p.actor, m->id, &upd, &error) < 0 ||
	    accounts_get(c.st, m->id, m, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200, member_json(c.app, c.st, m));
	api_call_end(&c);
}

static void h_member_delete(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_WRITE, "id", &c) < 0 ||
	    api_call_member(&c) < 0)
		return;
	if (accounts_erase(c.app, c.st, &c.p.actor, c.member.id, &error) < 0)
		api_fail(resp, error);
	else
		http_response_set(resp, 204, NULL, NULL, 0);
}

static void h_member_password(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"password", API_STRING, false},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	char otp[64] = "";
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_WRITE, "id", &c) < 0 ||
	    api_call_member(&c) < 0 || api_call_body(&c, spec) < 0)
		return;
	if (accounts_set_password(c.app, c.st, &c.p.actor, c.member.id, api_str(c.body, "password"),
	                          true, otp, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200,
		                   json_pack("{s:o, s:b}", "one_time_password",
		                             otp[0] ? json_string(otp) : json_null(),
		                             "must_change_password", 1));
	secret_wipe(otp, sizeof(otp));
	api_call_end(&c);
}

static void h_member_revoke(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, AZ_TOKENS_REVOKE, "id", &c) < 0 ||
	    api_call_member(&c) < 0)
		return;
	if (auth_revoke_all(c.app, c.st, &c.p.actor, c.member.id, &error) < 0)
		api_fail(resp, error);
	else
		http_response_set(resp, 204, NULL, NULL, 0);
}

void api_routes_members(struct http_router *router, struct app *app)
{
	http_router_add(router, "GET", "/api/v1/tenants/{id}/members", HTTP_ROUTE_WORKER,
	                h_members_list, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/members", HTTP_ROUTE_WORKER,
	                h_member_create, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/members/{uid}", HTTP_ROUTE_WORKER,
	                h_member_get, app);
	http_router_add(router, "PATCH", "/api/v1/tenants/{id}/members/{uid}", HTTP_ROUTE_WORKER,
	                h_member_patch, app);
	http_router_add(router, "DELETE", "/api/v1/tenants/{id}/members/{uid}", HTTP_ROUTE_WORKER,
	                h_member_delete, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/members/{uid}/password",
	                HTTP_ROUTE_WORKER, h_member_password, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/members/{uid}/revoke-tokens",
	                HTTP_ROUTE_WORKER, h_member_revoke, app);
}
