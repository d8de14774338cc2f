/*
 * api_registers: the tenant side of the processor's registers (issue 4).
 *   GET   /api/v1/tenants/{id}/settings                  admin, auditor
 *   PATCH /api/v1/tenants/{id}/settings                  admin (P-INS-1/2)
 *   GET   /api/v1/tenants/{id}/instructions              admin, auditor
 *   POST  /api/v1/tenants/{id}/instructions/{iid}/confirm {acknowledge}  admin
 *   POST  /api/v1/tenants/{id}/instructions/{iid}/cancel  admin
 *   GET   /api/v1/tenants/{id}/retention                 admin, auditor (P-RET-1)
 *   PUT   /api/v1/tenants/{id}/retention/{category} {days}  admin
 *   GET   /api/v1/tenants/{id}/retention-log             admin, auditor
 *   GET   /api/v1/tenants/{id}/legal-holds               admin, auditor (P-RET-2)
 *   POST  /api/v1/tenants/{id}/legal-holds {subject_type, subject_id}  admin
 *   DELETE /api/v1/tenants/{id}/legal-holds/{hid}        admin
 *   GET   /api/v1/tenants/{id}/register[?format=html]    admin, auditor (P-REG-1)
 *   GET   /api/v1/tenants/{id}/tom-report[?format=html]  admin, auditor (P-REG-2)
 *   GET   /api/v1/tenants/{id}/audit-extract[?from_seq=N] admin, auditor (P-AUD-2)
 * Other tenants' resources answer 404; auditors' writes 403.
 */
#include "privacy/retention_log.h"
#include "core/clock.h"
#include "core/module.h"
#include "api/api_registers.h"
#include "core/ids.h"
#include "domain/app.h"
#include "privacy/audit.h"
#include "compliance/instructions.h"
#include "compliance/legal_hold.h"
#include "compliance/register.h"
#include "compliance/retention.h"
#include "compliance/tom.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The registers' former helpers (api_registers.h; api_test_clock.c still
 * calls regs_api_operator): now thin forms of the shared api_call_begin(),
 * api_fail_reason() and api_reply_wrapped(). */
void regs_api_fail(struct http_response *resp, const char *code, const char *reason)
{
	api_fail_reason(resp, code, reason);
}

int regs_api_operator(struct app *app, struct store *st, const struct http_request *req,
                      struct http_response *resp, struct principal *p)
{
	struct api_call c;
	(void)st;
	int rc = api_call_begin(req, resp, app, API_OPERATOR, NULL, &c);
	*p = c.p;
	return rc;
}

int regs_api_tenant(struct app *app, struct store *st, const struct http_request *req,
                    struct http_response *resp, struct principal *p, enum authz_action action,
                    const char **tid_r)
{
	struct api_call c;
	(void)st;
	int rc = api_call_begin(req, resp, app, (int)action, "id", &c);
	*p = c.p;
	*tid_r = c.tenant_id;
	return rc;
}

void regs_api_wrap(struct http_response *resp, int status, const char *key, json_t *value)
{
	(void)status; /* always 200 */
	api_reply_wrapped(resp, 0, key, value);
}

static bool want_html(const struct http_request *req, struct http_response *resp, bool *bad)
{
	char buf[16];
	const char *f = http_request_query(req, "format", buf, sizeof(buf));
	*bad = f != NULL && strcmp(f, "html") != 0 && strcmp(f, "json") != 0;
	if (*bad)
		api_fail_field(resp, "invalid_field", "format");
	return f != NULL && strcmp(f, "html") == 0;
}

static void h_settings_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	json_t *s = tenant_settings_json(c.st, c.tenant_id);
	if (s == NULL)
		api_fail(resp, "internal");
	else
		http_response_json(resp, 200, s);
}

static void h_settings_patch(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"discoverable", API_BOOL, false},
	                                        {"objection_window_days", API_INT, false},
	                                        {"region", API_STRING, false},
	                                        {"transfer_region", API_STRING, false},
	                                        {"transfer_consent", API_BOOL, false},
	                                        {"retention", API_ANY, false},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	const char *error = NULL, *reason = NULL;
	char held[IDS_UUID_LEN];
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_WRITE, "id", &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	int rc =
	    instructions_apply(c.app, c.st, &c.p.actor, c.tenant_id, c.body, held, &reason, &error);
	if (rc < 0)
		api_fail_reason(resp, error, reason);
	else if (rc == INSTRUCTION_HELD)
		http_response_json(resp, 202,
		                   json_pack("{s:s, s:s, s:s}", "status", "pending_confirmation",
		                             "instruction_id", held, "reason", reason));
	else
		http_response_json(resp, 200, tenant_settings_json(c.st, c.tenant_id));
	api_call_end(&c);
}

static void h_instructions(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	api_reply_wrapped(resp, 0, "instructions", instructions_list_json(c.st, c.tenant_id));
}

static void h_instruction_decide(const struct http_request *req, struct http_response *resp,
                                 void *ctx, bool confirm)
{
	static const struct api_field spec[] = {{"acknowledge", API_BOOL, true},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	const char *error = NULL;
	const char *iid = http_request_param(req, "iid");
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_WRITE, "id", &c) < 0 ||
	    (confirm && api_call_body(&c, spec) < 0))
		return;
	int rc =
	    confirm
	        ? instructions_confirm(c.app, c.st, &c.p.actor, c.tenant_id, iid,
	                               json_is_true(json_object_get(c.body, "acknowledge")), &error)
	        : instructions_cancel(c.app, c.st, &c.p.actor, c.tenant_id, iid, &error);
	if (rc < 0)
		api_fail_field(resp, error,
		               strcmp(error, "invalid_field") == 0 ? "acknowledge" : NULL);
	else
		http_response_json(resp, 200,
		                   json_pack("{s:s, s:s}", "id", iid, "status",
		                             confirm ? "confirmed" : "cancelled"));
	api_call_end(&c);
}

static void h_instruction_confirm(const struct http_request *req, struct http_response *resp,
                                  void *ctx)
{
	h_instruction_decide(req, resp, ctx, true);
}

static void h_instruction_cancel(const struct http_request *req, struct http_response *resp,
                                 void *ctx)
{
	h_instruction_decide(req, resp, ctx, false);
}

static void h_retention_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	api_reply_wrapped(resp, 0, "rules", retention_rules_json(c.st, c.tenant_id));
}

static void h_retention_put(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"days", API_INT, true}, {NULL, API_ANY, false}};
	struct api_call c;
	const char *error = NULL, *reason = NULL;
	const char *cat = http_request_param(req, "category");
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_WRITE, "id", &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	json_int_t days = json_integer_value(json_object_get(c.body, "days"));
	if (days < 0 || days > 36500)
		api_fail_field(resp, "invalid_field", "days");
	else if (retention_set(c.app, c.st, &c.p.actor, c.tenant_id, cat, (int)days, &reason,
	                       &error) < 0)
		api_fail_reason(resp, error, reason);
	else
		api_reply_wrapped(resp, 0, "rules", retention_rules_json(c.st, c.tenant_id));
	api_call_end(&c);
}

static void h_retention_log(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	api_reply_wrapped(resp, 0, "entries", retention_log_json(c.st, c.tenant_id, 1000));
}

static void h_holds_get(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	api_reply_wrapped(resp, 0, "holds", legal_hold_list_json(c.st, c.tenant_id));
}

static void h_holds_post(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"subject_type", API_HOLD_SUBJECT, true},
	                                        {"subject_id", API_STRING, true},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	const char *error = NULL;
	char id[IDS_UUID_LEN];
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_WRITE, "id", &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	const char *type = api_str(c.body, "subject_type"), *sid = api_str(c.body, "subject_id");
	if (legal_hold_set(c.app, c.st, &c.p.actor, c.tenant_id, type, sid, id, &error) < 0)
		api_fail(resp, error);
	else
		http_response_json(resp, 201,
		                   json_pack("{s:s, s:s, s:s, s:b}", "id", id, "subject_type", type,
		                             "subject_id", sid, "active", 1));
	api_call_end(&c);
}

static void h_holds_delete(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_WRITE, "id", &c) < 0)
		return;
	if (legal_hold_lift(c.app, c.st, &c.p.actor, c.tenant_id, http_request_param(req, "hid"),
	                    &error) < 0)
		api_fail(resp, error);
	else
		http_response_set(resp, 204, NULL, NULL, 0);
}

/* Answers report r (stolen; NULL: 500) as JSON or, html, as the page
 * html_of renders. */
static void report_reply(struct http_response *resp, bool html, json_t *r,
                         char *(*html_of)(const json_t *r))
{
	if (r == NULL) {
		api_fail(resp, "internal");
	} else if (html) {
		char *page = html_of(r);
		http_response_take(resp, 200, "text/html; charset=utf-8", page, strlen(page));
		json_decref(r);
	} else {
		http_response_json(resp, 200, r);
	}
}

static void h_register(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	bool bad;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	bool html = want_html(req, resp, &bad);
	if (!bad)
		report_reply(resp, html, register_ropa_json(c.app, c.st, c.tenant_id),
		             register_ropa_html);
}

static void h_tom(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	bool bad;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	bool html = want_html(req, resp, &bad);
	if (!bad)
		report_reply(resp, html,
		             tom_report_json(c.app, c.st, c.tenant_id, clock_action_now()),
		             tom_report_html);
}

static void h_audit_extract(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	char buf[24];
	char *out = NULL;
	size_t len = 0;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) < 0)
		return;
	const char *from = http_request_query(req, "from_seq", buf, sizeof(buf));
	char *end = NULL;
	long long seq = from != NULL ? strtoll(from, &end, 10) : 0;
	if (from != NULL && (end == from || *end != '\0' || seq < 0)) {
		api_fail_field(resp, "invalid_field", "from_seq");
		return;
	}
	FILE *fp = open_memstream(&out, &len);
	int rc = fp != NULL ? audit_export(c.st, c.tenant_id, seq, fp) : -1;
	if (fp != NULL)
		fclose(fp);
	if (rc < 0) {
		free(out);
		api_fail(resp, "internal");
		return;
	}
	http_response_take(resp, 200, "application/x-ndjson", out, len);
}

void api_routes_registers(struct http_router *router, struct app *app)
{
	http_router_add(router, "GET", "/api/v1/tenants/{id}/settings", HTTP_ROUTE_WORKER,
	                h_settings_get, app);
	http_router_add(router, "PATCH", "/api/v1/tenants/{id}/settings", HTTP_ROUTE_WORKER,
	                h_settings_patch, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/instructions", HTTP_ROUTE_WORKER,
	                h_instructions, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/instructions/{iid}/confirm",
	                HTTP_ROUTE_WORKER, h_instruction_confirm, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/instructions/{iid}/cancel",
	                HTTP_ROUTE_WORKER, h_instruction_cancel, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/retention", HTTP_ROUTE_WORKER,
	                h_retention_get, app);
	http_router_add(router, "PUT", "/api/v1/tenants/{id}/retention/{category}",
	                HTTP_ROUTE_WORKER, h_retention_put, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/retention-log", HTTP_ROUTE_WORKER,
	                h_retention_log, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/legal-holds", HTTP_ROUTE_WORKER,
	                h_holds_get, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/legal-holds", HTTP_ROUTE_WORKER,
	                h_holds_post, app);
	http_router_add(router, "DELETE", "/api/v1/tenants/{id}/legal-holds/{hid}",
	                HTTP_ROUTE_WORKER, h_holds_delete, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/register", HTTP_ROUTE_WORKER,
	                h_register, app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/tom-report", HTTP_ROUTE_WORKER, h_tom,
	                app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/audit-extract", HTTP_ROUTE_WORKER,
	                h_audit_extract, app);
	api_routes_registers_ops(router, app);
}

/* Erasure waits while a legal hold covers the account (P-RET-2). */
static int erase_guard_legal_hold(struct store *st, const char *tenant_id, const char *subject_id,
                                  const char **reason_r)
{
	if (!legal_hold_active(st, tenant_id, "user", subject_id))
		return 0;
	*reason_r = "a legal hold suspends deletion of this account";
	return 1;
}

/* The registers and duties of a processor: instructions, retention and
 * legal holds, sub-processors, breaches, the Art. 30 record, the TOM
 * report, the end of a contract; their time-driven jobs and REST routes. */
const struct module registers_module = {
    .name = "registers",
    .columns = registers_catalog,
    .tables = registers_catalog_tables,
    .jobs = privacy_jobs_register,
    .routes = api_routes_registers,
    .privacy = {.erase_guard = erase_guard_legal_hold},
};
