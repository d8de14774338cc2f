/*
 * api_profile: the optional profile (P-PRO-1) and the avatar.
 *   GET/PATCH  /api/v1/me/profile
 *   GET/PUT/DELETE /api/v1/me/avatar        (image/png or image/jpeg body)
 *   GET/PATCH  /api/v1/tenants/{id}/members/{uid}/profile   (admin rectification)
 */
#include "api/api_internal.h"
#include "core/config.h"
#include "domain/app.h"
#include "domain/profile.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

static void profile_answer(struct app *app, struct store *st, struct http_response *resp,
                           const struct account *acc)
{
	json_t *o = NULL;
	const char *error = NULL;
	if (profile_get(app, st, acc, &o, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200, o);
}

struct profile_write {
	struct app *app;
	const struct actor *actor;
	const struct account *acc;
	json_t *patch;
};

/* Writer thread: the checked patch, in the group commit (api_write). */
static int profile_write_tx(struct store *st, void *arg)
{
	struct profile_write *w = arg;
	return profile_patch_tx(w->app, st, w->actor, w->acc, w->patch);
}

/* Checks the patch here (a worker), writes it through the store's writer
 * and answers with the profile once the write is durable. */
static void profile_change(struct app *app, struct store *st, const struct http_request *req,
                           struct http_response *resp, const struct actor *actor,
                           const struct account *acc)
{
	json_t *body;
	const char *error = NULL, *field = NULL;
	if (api_body(req, resp, NULL, &body) < 0)
		return;
	struct profile_write w = {app, actor, acc, body};
	if (profile_patch_check(body, &error, &field) < 0)
		api_fail_field(resp, error, field);
	else if (json_object_size(body) > 0 && api_write(app, profile_write_tx, &w) < 0)
		api_fail(resp, "internal");
	else
		profile_answer(app, st, resp, acc);
	json_decref(body);
}

static void h_me_profile(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	if (strcmp(req->method, "PATCH") == 0)
		profile_change(c.app, c.st, req, resp, &c.p.actor, &c.p.account);
	else
		profile_answer(c.app, c.st, resp, &c.p.account);
}

static void h_member_profile(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	bool write = strcmp(req->method, "PATCH") == 0;
	if (api_call_begin(req, resp, ctx, write ? AZ_MEMBERS_WRITE : AZ_MEMBERS_READ, "id", &c) <
	        0 ||
	    api_call_member(&c) < 0)
		return;
	if (write)
		profile_change(c.app, c.st, req, resp, &c.p.actor, &c.member);
	else
		profile_answer(c.app, c.st, resp, &c.member);
}

static void h_avatar_put(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	if (profile_avatar_set(c.app, c.st, &c.p.actor, &c.p.account,
	                       http_request_header(req, "Content-Type"), req->body, req->body_len,
	                       &error) < 0)
		api_fail(resp, error);
	else
		http_response_set(resp, 204, NULL, NULL, 0);
}

static void h_avatar_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL;
	char *data = NULL, type[32];
	size_t len = 0;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	if (profile_avatar_get(c.app, c.st, &c.p.account, &data, &len, type, &error) < 0) {
		api_fail(resp, error);
		return;
	}
	http_response_take(resp, 200, type, data, len);
	http_response_header(resp, "Cache-Control", "private, no-store");
}

static void h_avatar_delete(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	if (profile_avatar_delete(c.app, c.st, &c.p.actor, &c.p.account, &error) < 0)
		api_fail(resp, error);
	else
		http_response_set(resp, 204, NULL, NULL, 0);
}

void api_routes_profile(struct http_router *router, struct app *app)
{
	http_router_add(router, "GET", "/api/v1/me/profile", HTTP_ROUTE_WORKER, h_me_profile, app);
	http_router_add(router, "PATCH", "/api/v1/me/profile", HTTP_ROUTE_WORKER, h_me_profile,
	                app);
	http_router_add(router, "GET", "/api/v1/me/avatar", HTTP_ROUTE_WORKER, h_avatar_get, app);
	http_router_add(router, "PUT", "/api/v1/me/avatar", HTTP_ROUTE_WORKER, h_avatar_put, app);
	http_router_add(router, "DELETE", "/api/v1/me/avatar", HTTP_ROUTE_WORKER, h_avatar_delete,
	                app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/members/{uid}/profile",
	                HTTP_ROUTE_WORKER, h_member_profile, app);
	http_router_add(router, "PATCH", "/api/v1/tenants/{id}/members/{uid}/profile",
	                HTTP_ROUTE_WORKER, h_member_profile, app);
}
