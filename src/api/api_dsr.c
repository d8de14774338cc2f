/*
 * api_dsr: data-subject rights of the caller and, for their tenant admin,
 * of a member (docs/privacy-centre.md "Data-subject rights").
 *   GET    /api/v1/me/data-report[?format=html|json]           P-DSR-1
 *   GET    /api/v1/tenants/{id}/members/{uid}/data-report     admin
 *   GET    /api/v1/me/export                                  P-DSR-5 (ustar)
 *   GET    /api/v1/tenants/{id}/members/{uid}/export          admin
 *   PATCH  /api/v1/me  {email}                                P-DSR-2 (own e-mail)
 *   GET    /api/v1/me/restriction                             P-DSR-4
 *   POST   /api/v1/me/restriction  {confirm: true}
 *   POST   /api/v1/restriction/lift  {username, password}     the holder lifts it
 *   GET|PUT|DELETE /api/v1/tenants/{id}/members/{uid}/restriction   admin
 *   GET|POST /api/v1/me/consents  {purpose, given}            P-DSR-6
 *   GET|POST /api/v1/me/objections  {purpose, reason?}
 *   GET    /api/v1/tenants/{id}/deletion-log                  admin, auditor (P-DSR-3)
 */
#include "core/module.h"
#include "api/api_internal.h"
#include "core/config.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "privacy/consent.h"
#include "privacy/deletion_log.h"
#include "privacy/dsr.h"
#include "privacy/restriction.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct dsr_ctx cx_of(struct app *app, struct store *st)
{
	struct dsr_ctx cx = {app->keys, st, (unsigned)app->cfg->audit_checkpoint_every};
	return cx;
}

static struct dsr_actor actor_of(const struct principal *p)
{
	struct dsr_actor a = {p->actor.id, account_role_name(p->actor.role)};
	return a;
}

/* ---- access report ---- */

static bool wants_html(const struct http_request *req)
{
	char fmt[8];
	if (http_request_query(req, "format", fmt, sizeof(fmt)) != NULL)
		return strcmp(fmt, "html") == 0;
	const char *accept = http_request_header(req, "Accept");
	return accept != NULL && strstr(accept, "text/html") != NULL;
}

static void report(struct app *app, struct store *st, const struct http_request *req,
                   struct http_response *resp, const struct account *acc)
{
	struct dsr_ctx cx = cx_of(app, st);
	json_t *r = NULL;
	char fmt[8];
	if (http_request_query(req, "format", fmt, sizeof(fmt)) != NULL &&
	    strcmp(fmt, "html") != 0 && strcmp(fmt, "json") != 0) {
		api_fail_field(resp, "invalid_field", "format");
		return;
	}
	if (dsr_report(&cx, acc->tenant_id, acc->id, &r) < 0) {
		api_fail(resp, "internal");
		return;
	}
	json_object_set_new(json_object_get(r, "subject"), "username", json_string(acc->username));
	http_response_header(resp, "Cache-Control", "no-store");
	if (wants_html(req)) {
		char *html = dsr_report_html(r);
		json_decref(r);
		http_response_take(resp, 200, "text/html; charset=utf-8", html, strlen(html));
		return;
	}
	http_response_json(resp, 200, r);
}

static void h_me_report(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	report(c.app, c.st, req, resp, &c.p.account);
}

/* A member of tenant {id}, for its admin only (auditors do not read
 * personal data; other tenants get 404). */
static int admin_member(const struct http_request *req, struct http_response *resp, void *ctx,
                        struct api_call *c)
{
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_WRITE, "id", c) < 0 || api_call_member(c) < 0)
		return -1;
	return 0;
}

static void h_member_report(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (admin_member(req, resp, ctx, &c) < 0)
		return;
	report(c.app, c.st, req, resp, &c.member);
}

/* ---- export ---- */

static void export(struct app *app, struct store *st, struct http_response *resp,
                   const struct principal *p, const struct account *acc)
{
	struct dsr_ctx cx = cx_of(app, st);
	struct dsr_actor a = actor_of(p);
	unsigned char *tar = NULL;
	size_t len = 0;
	char disp[128];
	if (dsr_export(&cx, acc->tenant_id, acc->id, &tar, &len) < 0) {
		api_fail(resp, "internal");
		return;
	}
	/* An export is a disclosure: audited (an instruction when by an admin). */
	if (store_tx_begin(st) < 0 ||
	    dsr_audit(&cx, &a, acc->tenant_id, "dsr.export", "account", acc->id, "export",
	              strcmp(p->account.id, acc->id) != 0) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		secret_free(tar, len);
		api_fail(resp, "internal");
		return;
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"iris-export-%s.tar\"", acc->username);
	http_response_header(resp, "Content-Disposition", disp);
	http_response_header(resp, "Cache-Control", "no-store");
	http_response_take(resp, 200, "application/x-tar", (char *)tar, len);
}

static void h_me_export(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	export(c.app, c.st, resp, &c.p, &c.p.account);
}

static void h_member_export(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (admin_member(req, resp, ctx, &c) < 0)
		return;
	export(c.app, c.st, resp, &c.p, &c.member);
}

/* ---- rectification of the caller's own e-mail (P-DSR-2) ---- */

static void h_me_patch(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"email", API_EMAIL, false},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	const char *error = NULL;
	char *email = NULL;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	struct account_update upd = {NULL, NULL, api_str(c.body, "email")};
	if (upd.email != NULL &&
	    accounts_update(c.app, c.st, &c.p.actor, c.p.account.id, &upd, &error) < 0) {
		api_fail_field(resp, error, strcmp(error, "internal") ? "email" : NULL);
	} else if (accounts_email(c.app, c.st, &c.p.account, &email) < 0) {
		api_fail(resp, "internal");
	} else {
		json_t *o = api_account_json(&c.p.account);
		json_object_set_new(o, "email", email ? json_string(email) : json_null());
		http_response_json(resp, 200, o);
	}
	free(email);
	api_call_end(&c);
}

/* ---- restriction (P-DSR-4) ---- */

static void restriction_json(struct store *st, struct http_response *resp, const char *account_id,
                             int status)
{
	int64_t since = 0;
	bool set = restriction_is_set(st, account_id, &since);
	http_response_json(
	    resp, status,
	    json_pack("{s:b, s:o, s:s}", "restricted", set, "since",
	              set ? json_integer(since) : json_null(), "effect",
	              set ? RESTRICTION_MESSAGE
	                  : "processing is not restricted; restricting it suspends "
	                    "the service (login and delivery refused) until lifted"));
}

static void h_me_restriction_get(const struct http_request *req, struct http_response *resp,
                                 void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	restriction_json(c.st, resp, c.p.account.id, 200);
}

static const struct api_field confirm_spec[] = {{"confirm", API_BOOL, false},
                                                {NULL, API_ANY, false}};

/* Sets the restriction once the caller confirmed the suspension. */
static void restrict_account(struct api_call *c, const struct account *acc)
{
	struct http_response *resp = c->resp;
	struct dsr_ctx cx = cx_of(c->app, c->st);
	struct dsr_actor a = actor_of(&c->p);
	const char *error = NULL;
	if (api_call_body(c, confirm_spec) < 0)
		return;
	bool confirmed = json_is_true(json_object_get(c->body, "confirm"));
	api_call_end(c);
	if (!confirmed)
		api_fail(resp, "restriction_unconfirmed");
	else if (restriction_set(&cx, &a, acc->tenant_id, acc->id, true, &error) < 0)
		api_fail(resp, error);
	else
		restriction_json(c->st, resp, acc->id, 200);
}

static void h_me_restriction_set(const struct http_request *req, struct http_response *resp,
                                 void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	restrict_account(&c, &c.p.account);
}

/* The holder lifts their own restriction with their password: a restricted
 * account has no token. auth_login checks throttle and password first and
 * answers "account_restricted" only to the right password. */
static void h_restriction_lift(const struct http_request *req, struct http_response *resp,
                               void *ctx)
{
	static const struct api_field spec[] = {
	    {"username", API_STRING, true}, {"password", API_STRING, true}, {NULL, API_ANY, false}};
	struct app *app = ctx;
	struct store *st = app_thread_store(app);
	struct login_result r;
	struct dsr_ctx cx = cx_of(app, st);
	const char *error = NULL;
	json_t *body;
	if (api_body(req, resp, spec, &body) < 0)
		return;
	const char *user = api_str(body, "username"), *pass = api_str(body, "password");
	int rc = auth_login(app, st, user, pass, req->remote_addr, 0, &r, &error);
	if (rc < 0 && strcmp(error, "account_restricted") == 0) {
		struct account acc;
		const char *err2 = NULL;
		if (accounts_get_by_username(st, user, &acc, &err2) < 0) {
			api_fail(resp, "internal");
			goto out;
		}
		struct dsr_actor self = {acc.id, account_role_name(acc.role)};
		if (restriction_set(&cx, &self, acc.tenant_id, acc.id, false, &err2) < 0) {
			api_fail(resp, "internal");
			goto out;
		}
		rc = auth_login(app, st, user, pass, req->remote_addr, 0, &r, &error);
	}
	if (rc < 0) {
		if (strcmp(error, "throttled") == 0 && r.retry_after > 0) {
			char s[16];
			snprintf(s, sizeof(s), "%d", r.retry_after);
			http_response_header(resp, "Retry-After", s);
		}
		api_fail(resp, error);
	} else {
		api_token_response(resp, 200, &r);
	}
out:
	secret_wipe(&r, sizeof(r));
	json_decref(body);
}

static void h_member_restriction_get(const struct http_request *req, struct http_response *resp,
                                     void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0 ||
	    api_call_member(&c) < 0)
		return;
	restriction_json(c.st, resp, c.member.id, 200);
}

static void h_member_restriction_put(const struct http_request *req, struct http_response *resp,
                                     void *ctx)
{
	struct api_call c;
	if (admin_member(req, resp, ctx, &c) < 0)
		return;
	restrict_account(&c, &c.member);
}

static void h_member_restriction_delete(const struct http_request *req, struct http_response *resp,
                                        void *ctx)
{
	struct api_call c;
	const char *error = NULL;
	if (admin_member(req, resp, ctx, &c) < 0)
		return;
	struct dsr_ctx cx = cx_of(c.app, c.st);
	struct dsr_actor a = actor_of(&c.p);
	if (restriction_set(&cx, &a, c.member.tenant_id, c.member.id, false, &error) < 0)
		api_fail(resp, error);
	else
		restriction_json(c.st, resp, c.member.id, 200);
}

/* ---- consents and objections (P-DSR-6) ---- */

static void h_consents_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	json_t *list;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	struct dsr_ctx cx = cx_of(c.app, c.st);
	if (consent_list(&cx, c.p.account.id, &list) < 0) {
		api_fail(resp, "internal");
		return;
	}
	json_t *cur = json_object();
	json_object_set_new(
	    cur, CONSENT_MARKETING_EMAIL,
	    json_boolean(consent_current(c.st, c.p.account.id, CONSENT_MARKETING_EMAIL)));
	json_object_set_new(cur, "product_news",
	                    json_boolean(consent_current(c.st, c.p.account.id, "product_news")));
	http_response_json(resp, 200, json_pack("{s:o, s:o}", "current", cur, "records", list));
}

static void h_consents_post(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"purpose", API_CONSENT_PURPOSE, true},
	                                        {"given", API_BOOL, true},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	struct dsr_ctx cx = cx_of(c.app, c.st);
	struct dsr_actor a = actor_of(&c.p);
	const char *purpose = api_str(c.body, "purpose");
	bool given = json_is_true(json_object_get(c.body, "given"));
	if (consent_set(&cx, &a, c.p.account.tenant_id, c.p.account.id, purpose, given, &error) < 0)
		api_fail_field(resp, error, strcmp(error, "internal") ? "purpose" : NULL);
	else
		http_response_json(resp, 200,
		                   json_pack("{s:s, s:b}", "purpose", purpose, "current",
		                             consent_current(c.st, c.p.account.id, purpose)));
	api_call_end(&c);
}

static void h_objections_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	json_t *list;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	struct dsr_ctx cx = cx_of(c.app, c.st);
	if (objection_list(&cx, c.p.account.tenant_id, c.p.account.id, &list) < 0)
		api_fail(resp, "internal");
	else
		http_response_json(resp, 200, json_pack("{s:o}", "objections", list));
}

static void h_objections_post(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"purpose", API_STRING, true},
	                                        {"reason", API_REASON_TEXT, false},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	char id[IDS_UUID_LEN];
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	struct dsr_ctx cx = cx_of(c.app, c.st);
	struct dsr_actor a = actor_of(&c.p);
	const char *purpose = api_str(c.body, "purpose");
	if (objection_record(&cx, &a, c.p.account.tenant_id, c.p.account.id, purpose,
	                     api_str(c.body, "reason"), id, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 201,
		                   json_pack("{s:s, s:s}", "id", id, "purpose", purpose));
	api_call_end(&c);
}

/* ---- deletion log (P-DSR-3) ---- */

static void h_deletion_log(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	json_t *list;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	struct dsr_ctx cx = cx_of(c.app, c.st);
	const char *tid = c.tenant_id;
	if (deletion_log_list(&cx, tid, &list) < 0)
		api_fail(resp, "internal");
	else
		http_response_json(resp, 200,
		                   json_pack("{s:s, s:o}", "tenant_id", tid, "entries", list));
}

void api_routes_dsr(struct http_router *router, struct app *app)
{
	http_router_add(router, "GET", "/api/v1/me/data-report", HTTP_ROUTE_WORKER, h_me_report,
	                app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/members/{uid}/data-report",
	                HTTP_ROUTE_WORKER, h_member_report, app);
	http_router_add(router, "GET", "/api/v1/me/export", HTTP_ROUTE_WORKER, h_me_export, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/members/{uid}/export",
	                HTTP_ROUTE_WORKER, h_member_export, app);
	http_router_add(router, "PATCH", "/api/v1/me", HTTP_ROUTE_WORKER, h_me_patch, app);
	http_router_add(router, "GET", "/api/v1/me/restriction", HTTP_ROUTE_WORKER,
	                h_me_restriction_get, app);
	http_router_add(router, "POST", "/api/v1/me/restriction", HTTP_ROUTE_WORKER,
	                h_me_restriction_set, app);
	http_router_add(router, "POST", "/api/v1/restriction/lift", HTTP_ROUTE_WORKER,
	                h_restriction_lift, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/members/{uid}/restriction",
	                HTTP_ROUTE_WORKER, h_member_restriction_get, app);
	http_router_add(router, "PUT", "/api/v1/tenants/{id}/members/{uid}/restriction",
	                HTTP_ROUTE_WORKER, h_member_restriction_put, app);
	http_router_add(router, "DELETE", "/api/v1/tenants/{id}/members/{uid}/restriction",
	                HTTP_ROUTE_WORKER, h_member_restriction_delete, app);
	http_router_add(router, "GET", "/api/v1/me/consents", HTTP_ROUTE_WORKER, h_consents_get,
	                app);
	http_router_add(router, "POST", "/api/v1/me/consents", HTTP_ROUTE_WORKER, h_consents_post,
	                app);
	http_router_add(router, "GET", "/api/v1/me/objections", HTTP_ROUTE_WORKER, h_objections_get,
	                app);
	http_router_add(router, "POST", "/api/v1/me/objections", HTTP_ROUTE_WORKER,
	                h_objections_post, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/deletion-log", HTTP_ROUTE_WORKER,
	                h_deletion_log, app);
}

static void privacy_centre_routes(struct http_router *router, struct app *app)
{
	api_routes_dsr(router, app);
	api_routes_dsr_requests(router, app);
	api_routes_dsr_import(router, app);
}

/* The privacy centre (P-DSR-1..7): its own rows (requests, restrictions,
 * consents, objections, the deletion log) and its REST routes. The walk it
 * does for every subject reaches every module through their descriptors. */
const struct module privacy_centre_module = {
    .name = "privacy_centre",
    .columns = dsr_catalog,
    .tables = dsr_tables,
    .routes = privacy_centre_routes,
};
