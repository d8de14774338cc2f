/*
 * api_auth: self-registration, e-mail confirmation, login and logout.
 *   POST /api/v1/register            {username, password, email, first_name, last_name}
 *   POST /api/v1/register/confirm    {code}
 *   GET  /api/v1/register/confirm?code=...   (the link in the mail)
 *   POST /api/v1/auth/login          {username, password, ttl_s?}
 *   POST /api/v1/auth/logout
 */
#include "api/api_internal.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static void h_register(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {
	    {"username", API_STRING, true},       {"password", API_STRING, true},
	    {"email", API_EMAIL, true},           {"first_name", API_PERSON_NAME, true},
	    {"last_name", API_PERSON_NAME, true}, {NULL, API_ANY, false},
	};
	struct app *app = ctx;
	json_t *body;
	char id[IDS_UUID_LEN];
	const char *error = NULL;
	if (api_body(req, resp, spec, &body) < 0)
		return;
	struct registration reg = {
	    .username = api_str(body, "username"),
	    .password = api_str(body, "password"),
	    .email = api_str(body, "email"),
	    .first_name = api_str(body, "first_name"),
	    .last_name = api_str(body, "last_name"),
	};
	if (accounts_register(app, app_thread_store(app), &reg, id, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 202,
		                   json_pack("{s:s, s:s}", "id", id, "status", "pending"));
	json_decref(body);
}

static void confirm(struct app *app, struct http_response *resp, const char *code)
{
	const char *error = NULL;
	if (accounts_confirm(app, app_thread_store(app), code, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200, json_pack("{s:s}", "status", "active"));
}

static void h_confirm_post(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"code", API_STRING, true}, {NULL, API_ANY, false}};
	json_t *body;
	if (api_body(req, resp, spec, &body) < 0)
		return;
	confirm(ctx, resp, api_str(body, "code"));
	json_decref(body);
}

static void h_confirm_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	char code[160];
	if (http_request_query(req, "code", code, sizeof(code)) == NULL) {
		api_fail_field(resp, "missing_field", "code");
		return;
	}
	confirm(ctx, resp, code);
}

static void h_login(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {
	    {"username", API_STRING, true},
	    {"password", API_STRING, true},
	    {"ttl_s", API_INT, false},
	    {NULL, API_ANY, false},
	};
	struct app *app = ctx;
	struct login_result r;
	json_t *body;
	const char *error = NULL;
	if (api_body(req, resp, spec, &body) < 0)
		return;
	json_int_t ttl = json_integer_value(json_object_get(body, "ttl_s"));
	if (json_object_get(body, "ttl_s") != NULL && (ttl < 1 || ttl > 31536000)) {
		api_fail_field(resp, "invalid_field", "ttl_s");
	} else if (auth_login_client(app, app_thread_store(app), api_str(body, "username"),
	                             api_str(body, "password"), req->remote_addr,
	                             http_request_header(req, "User-Agent"), (int)ttl, &r,
	                             &error) < 0) { /* P-LOG-1: client in the connection log */
		if (strcmp(error, "throttled") == 0) {
			char wait[16];
			snprintf(wait, sizeof(wait), "%d", r.retry_after);
			http_response_header(resp, "Retry-After", wait);
		}
		api_fail(resp, error);
	} else {
		api_token_response(resp, 200, &r);
	}
	secret_wipe(&r, sizeof(r));
	json_decref(body);
}

static void h_logout(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct app *app = ctx;
	struct store *st = app_thread_store(app);
	struct principal p;
	if (api_auth(app, st, req, resp, &p, true) < 0)
		return;
	if (auth_logout(st, &p) < 0)
		api_fail(resp, "internal");
	else
		http_response_set(resp, 204, NULL, NULL, 0);
}

void api_routes_auth(struct http_router *router, struct app *app)
{
	http_router_add(router, "POST", "/api/v1/register", HTTP_ROUTE_WORKER, h_register, app);
	http_router_add(router, "POST", "/api/v1/register/confirm", HTTP_ROUTE_WORKER,
	                h_confirm_post, app);
	http_router_add(router, "GET", "/api/v1/register/confirm", HTTP_ROUTE_WORKER, h_confirm_get,
	                app);
	http_router_add(router, "POST", "/api/v1/auth/login", HTTP_ROUTE_WORKER, h_login, app);
	http_router_add(router, "POST", "/api/v1/auth/logout", HTTP_ROUTE_WORKER, h_logout, app);
}
