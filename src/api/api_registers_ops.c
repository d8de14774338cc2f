/*
 * api_registers_ops: the operator side of the registers (issue 4).
 *   GET   /api/v1/subprocessors                 any signed-in account (P-SUB-1)
 *   POST  /api/v1/subprocessors                 operator
 *   GET   /api/v1/subprocessors/{sid}           any signed-in account
 *   PUT   /api/v1/subprocessors/{sid}           operator
 *   GET   /api/v1/subprocessors/changes         operator: with every tenant's outcome
 *   POST  /api/v1/subprocessors/changes         operator: announce (P-SUB-2)
 *   GET   /api/v1/tenants/{id}/subprocessor-objections   admin, auditor
 *   POST  /api/v1/tenants/{id}/subprocessor-objections {change_id, reason?}  admin
 *   GET   /api/v1/breaches                      operator (P-BRE-1)
 *   POST  /api/v1/breaches                      operator
 *   GET   /api/v1/breaches/{bid}                operator
 *   PATCH /api/v1/breaches/{bid}                operator
 *   POST  /api/v1/breaches/{bid}/notify {tenant_id?, notify_users?}  operator
 *   GET   /api/v1/tenants/{id}/breach-notices   admin, auditor
 *   GET   /api/v1/security/unsuccessful-attempts[?since=T]  operator (P-BRE-2)
 *   GET   /api/v1/tenants/{id}/termination      operator, admin, auditor (P-END-1)
 *   POST  /api/v1/tenants/{id}/termination {end_at, grace_days?}  operator
 *   DELETE /api/v1/tenants/{id}/termination     operator
 */
#include "core/clock.h"
#include "api/api_registers.h"
#include "core/ids.h"
#include "domain/app.h"
#include "compliance/breach.h"
#include "compliance/retention.h"
#include "compliance/subprocessors.h"
#include "compliance/termination.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

static void h_sp_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	api_reply_wrapped(resp, 0, "subprocessors", subprocessors_list_json(c.st));
}

static void h_sp_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	json_t *sp = subprocessors_get_json(c.st, http_request_param(req, "sid"));
	if (sp == NULL)
		api_fail(resp, "not_found");
	else
		http_response_json(resp, 200, sp);
}

static void sp_put(const struct http_request *req, struct http_response *resp, void *ctx,
                   const char *sid)
{
	static const struct api_field spec[] = {
	    {"name", API_TITLE, true},      {"address", API_SP_TEXT, true},
	    {"purpose", API_SP_TEXT, true}, {"data_shared", API_SP_TEXT, true},
	    {"location", API_TITLE, true},  {"status", API_SP_STATUS, false},
	    {NULL, API_ANY, false}};
	struct api_call c;
	const char *error = NULL;
	char id[IDS_UUID_LEN];
	if (api_call_begin(req, resp, ctx, API_OPERATOR, NULL, &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	struct subprocessor sp = {api_str(c.body, "name"),     api_str(c.body, "address"),
	                          api_str(c.body, "purpose"),  api_str(c.body, "data_shared"),
	                          api_str(c.body, "location"), api_str(c.body, "status")};
	if (subprocessors_put(c.app, c.st, &c.p.actor, sid, &sp, id, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, sid ? 200 : 201, subprocessors_get_json(c.st, id));
	api_call_end(&c);
}

static void h_sp_create(const struct http_request *req, struct http_response *resp, void *ctx)
{
	sp_put(req, resp, ctx, NULL);
}

static void h_sp_update(const struct http_request *req, struct http_response *resp, void *ctx)
{
	const char *sid = http_request_param(req, "sid");
	if (sid == NULL || !ids_is_uuid4(sid)) {
		api_fail(resp, "not_found");
		return;
	}
	sp_put(req, resp, ctx, sid);
}

static void h_changes_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, API_OPERATOR, NULL, &c) < 0)
		return;
	api_reply_wrapped(resp, 0, "changes", subprocessors_changes_json(c.st, NULL));
}

static void h_changes_announce(const struct http_request *req, struct http_response *resp,
                               void *ctx)
{
	static const struct api_field spec[] = {{"subprocessor_id", API_STRING, true},
	                                        {"change", API_SP_CHANGE, true},
	                                        {"description", API_SP_TEXT, true},
	                                        {"effective_at", API_INT, true},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	const char *error = NULL;
	char id[IDS_UUID_LEN];
	if (api_call_begin(req, resp, ctx, API_OPERATOR, NULL, &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	if (subprocessors_announce(c.app, c.st, &c.p.actor, api_str(c.body, "subprocessor_id"),
	                           api_str(c.body, "change"), api_str(c.body, "description"),
	                           json_integer_value(json_object_get(c.body, "effective_at")), id,
	                           &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 201, json_pack("{s:s}", "id", id));
	api_call_end(&c);
}

static void h_objections_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	api_reply_wrapped(resp, 0, "changes", subprocessors_changes_json(c.st, c.tenant_id));
}

static void h_objections_post(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"change_id", API_STRING, true},
	                                        {"reason", API_SP_TEXT, false},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_WRITE, "id", &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	if (subprocessors_object(c.app, c.st, &c.p.actor, c.tenant_id, api_str(c.body, "change_id"),
	                         api_str(c.body, "reason"), &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 201,
		                   json_pack("{s:s, s:s}", "change_id",
		                             api_str(c.body, "change_id"), "outcome", "objected"));
	api_call_end(&c);
}

static void h_breaches_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, API_OPERATOR, NULL, &c) < 0)
		return;
	api_reply_wrapped(resp, 0, "breaches", breach_list_json(c.st, clock_action_now()));
}

static void h_breaches_create(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {
	    {"title", API_TITLE, true},         {"facts", API_BREACH_TEXT, true},
	    {"effects", API_BREACH_TEXT, true}, {"remedies", API_BREACH_TEXT, true},
	    {"detected_at", API_INT, true},     {"tenant_ids", API_ANY, false},
	    {"user_ids", API_ANY, false},       {NULL, API_ANY, false}};
	struct api_call c;
	const char *error = NULL;
	char id[IDS_UUID_LEN];
	if (api_call_begin(req, resp, ctx, API_OPERATOR, NULL, &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	struct breach_new in = {api_str(c.body, "title"),
	                        api_str(c.body, "facts"),
	                        api_str(c.body, "effects"),
	                        api_str(c.body, "remedies"),
	                        json_integer_value(json_object_get(c.body, "detected_at")),
	                        json_object_get(c.body, "tenant_ids"),
	                        json_object_get(c.body, "user_ids")};
	if (breach_create(c.app, c.st, &c.p.actor, &in, id, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 201, breach_get_json(c.st, id, clock_action_now()));
	api_call_end(&c);
}

static void h_breach_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, API_OPERATOR, NULL, &c) < 0)
		return;
	json_t *b = breach_get_json(c.st, http_request_param(req, "bid"), clock_action_now());
	if (b == NULL)
		api_fail(resp, "not_found");
	else
		http_response_json(resp, 200, b);
}

static void h_breach_patch(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"facts", API_BREACH_TEXT, false},
	                                        {"effects", API_BREACH_TEXT, false},
	                                        {"remedies", API_BREACH_TEXT, false},
	                                        {"status", API_BREACH_STATUS, false},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	const char *error = NULL, *bid = http_request_param(req, "bid");
	if (api_call_begin(req, resp, ctx, API_OPERATOR, NULL, &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	if (breach_update(c.app, c.st, &c.p.actor, bid, api_str(c.body, "facts"),
	                  api_str(c.body, "effects"), api_str(c.body, "remedies"),
	                  api_str(c.body, "status"), &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 200, breach_get_json(c.st, bid, clock_action_now()));
	api_call_end(&c);
}

static void h_breach_notify(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"tenant_id", API_STRING, false},
	                                        {"notify_users", API_BOOL, false},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	const char *error = NULL, *bid = http_request_param(req, "bid");
	if (api_call_begin(req, resp, ctx, API_OPERATOR, NULL, &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	json_t *res = NULL;
	int n = breach_notify(c.app, c.st, &c.p.actor, bid, api_str(c.body, "tenant_id"),
	                      json_is_true(json_object_get(c.body, "notify_users")), &res, &error);
	if (n < 0) {
		api_fail(resp, error);
	} else {
		/* What was sent, not what was asked: a tenant whose admins have
		 * no e-mail address, or whose mail cannot leave for want of a
		 * relay, is not notified, and the operator is told. */
		if (strcmp(api_str(res, "delivery"), "queued") != 0)
			json_object_set_new(
			    res, "warning",
			    json_string("no SMTP relay is configured (smtp.url): the mails are "
			                "held in the outbox and no tenant counts as notified; "
			                "set smtp.url, restart irisd and notify again (the held "
			                "mails leave too), or reach the tenants another way: "
			                "the 72-hour clock keeps running"));
		else if (json_array_size(json_object_get(res, "unreachable")) > 0)
			json_object_set_new(
			    res, "warning",
			    json_string(
			        "some affected tenants were not notified: none of their "
			        "admins has an e-mail address; have an admin set one "
			        "(PATCH /api/v1/tenants/{id}/members/{uid} {\"email\"}) and "
			        "notify again, or reach them another way: the 72-hour clock "
			        "keeps running"));
		json_object_set_new(res, "breach", breach_get_json(c.st, bid, clock_action_now()));
		http_response_json(resp, 200, res);
	}
	api_call_end(&c);
}

static void h_breach_notices(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	api_reply_wrapped(resp, 0, "notices", breach_notices_json(c.st, c.tenant_id));
}

static void h_unsuccessful(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	char buf[24];
	if (api_call_begin(req, resp, ctx, API_OPERATOR, NULL, &c) < 0)
		return;
	const char *since = http_request_query(req, "since", buf, sizeof(buf));
	char *end = NULL;
	long long t = since != NULL ? strtoll(since, &end, 10) : clock_action_now() - 86400;
	if (since != NULL && (end == since || *end != '\0' || t < 0)) {
		api_fail_field(resp, "invalid_field", "since");
		return;
	}
	http_response_json(resp, 200, breach_unsuccessful_json(c.st, NULL, t));
}

static void h_term_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *tid = http_request_param(req, "id");
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	json_t *t = tid != NULL && ids_is_uuid4(tid) ? termination_get_json(c.st, tid) : NULL;
	/* The record outlives the tenant: the operator still reads it then. */
	if (c.p.account.role != ROLE_OPERATOR && api_call_tenant(&c, AZ_TENANT_READ, "id") < 0) {
		json_decref(t);
		return;
	}
	if (t == NULL)
		api_fail(resp, "not_found");
	else
		http_response_json(resp, 200, t);
}

static void h_term_post(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {
	    {"end_at", API_INT, true}, {"grace_days", API_INT, false}, {NULL, API_ANY, false}};
	struct api_call c;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, API_OPERATOR, NULL, &c) < 0 ||
	    api_call_tenant(&c, AZ_TENANT_READ, "id") < 0 || api_call_body(&c, spec) < 0)
		return;
	const char *tid = c.tenant_id;
	json_t *g = json_object_get(c.body, "grace_days");
	json_int_t grace = g ? json_integer_value(g) : 30;
	if (grace < 0 || grace > 30)
		api_fail_field(resp, "invalid_field", "grace_days");
	else if (termination_schedule(c.app, c.st, &c.p.actor, tid,
	                              json_integer_value(json_object_get(c.body, "end_at")),
	                              (int)grace, &error) < 0)
		api_fail_field(resp, error, strcmp(error, "invalid_field") == 0 ? "end_at" : NULL);
	else
		http_response_json(resp, 201, termination_get_json(c.st, tid));
	api_call_end(&c);
}

static void h_term_delete(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, API_OPERATOR, NULL, &c) < 0 ||
	    api_call_tenant(&c, AZ_TENANT_READ, "id") < 0)
		return;
	if (termination_cancel(c.app, c.st, &c.p.actor, c.tenant_id, &error) < 0)
		api_fail(resp, error);
	else
		http_response_set(resp, 204, NULL, NULL, 0);
}

void api_routes_registers_ops(struct http_router *router, struct app *app)
{
	http_router_add(router, "GET", "/api/v1/subprocessors", HTTP_ROUTE_WORKER, h_sp_list, app);
	http_router_add(router, "POST", "/api/v1/subprocessors", HTTP_ROUTE_WORKER, h_sp_create,
	                app);
	http_router_add(router, "GET", "/api/v1/subprocessors/changes", HTTP_ROUTE_WORKER,
	                h_changes_list, app);
	http_router_add(router, "POST", "/api/v1/subprocessors/changes", HTTP_ROUTE_WORKER,
	                h_changes_announce, app);
	http_router_add(router, "GET", "/api/v1/subprocessors/{sid}", HTTP_ROUTE_WORKER, h_sp_get,
	                app);
	http_router_add(router, "PUT", "/api/v1/subprocessors/{sid}", HTTP_ROUTE_WORKER,
	                h_sp_update, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/subprocessor-objections",
	                HTTP_ROUTE_WORKER, h_objections_get, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/subprocessor-objections",
	                HTTP_ROUTE_WORKER, h_objections_post, app);
	http_router_add(router, "GET", "/api/v1/breaches", HTTP_ROUTE_WORKER, h_breaches_list, app);
	http_router_add(router, "POST", "/api/v1/breaches", HTTP_ROUTE_WORKER, h_breaches_create,
	                app);
	http_router_add(router, "GET", "/api/v1/breaches/{bid}", HTTP_ROUTE_WORKER, h_breach_get,
	                app);
	http_router_add(router, "PATCH", "/api/v1/breaches/{bid}", HTTP_ROUTE_WORKER,
	                h_breach_patch, app);
	http_router_add(router, "POST", "/api/v1/breaches/{bid}/notify", HTTP_ROUTE_WORKER,
	                h_breach_notify, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/breach-notices", HTTP_ROUTE_WORKER,
	                h_breach_notices, app);
	http_router_add(router, "GET", "/api/v1/security/unsuccessful-attempts", HTTP_ROUTE_WORKER,
	                h_unsuccessful, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/termination", HTTP_ROUTE_WORKER,
	                h_term_get, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/termination", HTTP_ROUTE_WORKER,
	                h_term_post, app);
	http_router_add(router, "DELETE", "/api/v1/tenants/{id}/termination", HTTP_ROUTE_WORKER,
	                h_term_delete, app);
}
