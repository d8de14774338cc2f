/*
 * api_dsr_requests: requests of data subjects to Iris, the processor
 * (P-DSR-7). Iris does not answer them for a tenant: they are forwarded to
 * the tenant admins' queue (with a notice by e-mail that carries no content)
 * and tracked until an admin answers.
 *   POST /api/v1/privacy-requests  {kind, message?}                the subject
 *   GET  /api/v1/me/privacy-requests                                the subject
 *   GET  /api/v1/tenants/{id}/privacy-requests                      admin, auditor
 *   POST /api/v1/tenants/{id}/privacy-requests/{rid}/answer {answer}  admin
 *   GET  /api/v1/privacy-requests                                   operator
 *   POST /api/v1/privacy-requests/{rid}/answer {answer}             operator
 * The operator's queue holds the requests of accounts without a tenant
 * (freemium): there the operator of the installation is the controller, and
 * the operators with an e-mail address get the same content-free notice.
 */
#include "api/api_internal.h"
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "domain/mail.h"
#include "compliance/dsr_requests.h"
#include "compliance/register_internal.h" /* regs_mail_operators */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct dsr_ctx cx_of(struct app *app, struct store *st)
{
	struct dsr_ctx cx = {app->keys, st, (unsigned)app->cfg->audit_checkpoint_every};
	return cx;
}

/* The due date as YYYY-MM-DD (UTC). */
static void due_date(int64_t due, char *buf, size_t len)
{
	time_t t = (time_t)due;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

struct notify_ctx {
	struct app *app;
	struct store *st;
	int64_t due;
	int queued;
};

static void notify_admin(const struct account *acc, void *ctx)
{
	struct notify_ctx *n = ctx;
	char *email = NULL;
	if (acc->role != ROLE_TENANT_ADMIN || strcmp(acc->status, "active") != 0 ||
	    accounts_email(n->app, n->st, acc, &email) < 0 || email == NULL)
		return;
	char due[32];
	due_date(n->due, due, sizeof(due));
	char *body = xasprintf("A member of your organisation has sent a data-protection request "
	                       "to Iris. Iris does not answer it on your behalf: please answer it "
	                       "in the privacy centre (GET /api/v1/tenants/%s/privacy-requests) "
	                       "by %s (one month after receipt, GDPR Art. 12(3)).\n",
	                       acc->tenant_id, due);
	if (mail_enqueue(n->app, n->st, acc->tenant_id, acc->id, "privacy_request", email,
	                 "Data-protection request waiting for your answer", body) == 0)
		n->queued++;
	free(body);
	free(email);
}

/* Notices to the tenant's admins, in their own transaction (the request is
 * recorded whatever happens to the notices). Returns the notices queued. */
static int notify_admins(struct app *app, struct store *st, const char *tenant_id, int64_t due)
{
	struct notify_ctx n = {app, st, due, 0};
	if (store_tx_begin(st) < 0)
		return 0;
	if (accounts_list(st, tenant_id, notify_admin, &n) < 0 || store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		log_warn("event=privacy_request_notice_failed");
		return 0;
	}
	if (n.queued == 0)
		log_warn("event=tenant_admins_unreachable tenant=%s kind=privacy_request"
		         " reason=no_admin_email",
		         tenant_id);
	else if (app->mail_kick != NULL)
		app->mail_kick(app->mail_kick_ctx);
	return n.queued;
}

/* Notices to the operators of a request in their queue (an account without
 * a tenant: the operator is the controller), in their own transaction. The
 * mail carries no content of the request. Returns the notices queued; 0 is
 * logged (event=operators_unreachable) by regs_mail_operators. */
static int notify_operators(struct app *app, struct store *st, const char *request_id, int64_t due)
{
	char day[32];
	due_date(due, day, sizeof(day));
	char *body = xasprintf("A user without an organisation has sent a data-protection request "
	                       "(%s). For these users the operator of this Iris installation is "
	                       "the controller: please answer it by %s (one month after receipt, "
	                       "GDPR Art. 12(3)) in the operator's queue (GET "
	                       "/api/v1/privacy-requests, or irisctl dsr requests).\n",
	                       request_id, day);
	int n = -1;
	if (store_tx_begin(st) == 0) {
		n = regs_mail_operators(app, st, "privacy_request",
		                        "Data-protection request waiting for your answer", body);
		if (n < 0 || store_tx_commit(st) < 0) {
			store_tx_rollback(st);
			n = -1;
		}
	}
	free(body);
	if (n < 0) {
		log_warn("event=privacy_request_notice_failed queue=operator request=%s",
		         request_id);
		return 0;
	}
	if (n > 0 && app->mail_kick != NULL)
		app->mail_kick(app->mail_kick_ctx);
	return n;
}

static void h_file(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct api_field spec[] = {{"kind", API_DSR_KIND, true},
	                                        {"message", API_REQUEST_TEXT, false},
	                                        {NULL, API_ANY, false}};
	struct api_call c;
	char id[IDS_UUID_LEN];
	int64_t due = 0;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	struct dsr_ctx cx = cx_of(c.app, c.st);
	const char *tid = c.p.account.tenant_id;
	if (dsr_request_file(&cx, tid, c.p.account.id, api_str(c.body, "kind"),
	                     api_str(c.body, "message"), id, &due, &error) < 0) {
		api_fail(resp, error);
	} else {
		int notices;
		if (tid[0] != '\0') {
			notices = notify_admins(c.app, c.st, tid, due);
		} else { /* the operator's queue: GET /api/v1/privacy-requests */
			log_info(
			    "event=privacy_request_received queue=operator request=%s due=%lld", id,
			    (long long)due);
			notices = notify_operators(c.app, c.st, id, due);
		}
		/* notices_queued: 0 says nobody was told by e-mail (the request
		 * is in the queue all the same; the log warns the operator). */
		http_response_json(
		    resp, 201,
		    json_pack("{s:s, s:s, s:I, s:s, s:i}", "id", id, "status",
		              tid[0] ? "forwarded" : "received", "due_at", (json_int_t)due,
		              "handled_by",
		              tid[0] ? "your organisation's admins (the controller); Iris does not "
		                       "answer on their behalf"
		                     : "the operator of this Iris installation",
		              "notices_queued", notices));
	}
	api_call_end(&c);
}

static void h_mine(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	json_t *list = NULL;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	struct dsr_ctx cx = cx_of(c.app, c.st);
	int rc = dsr_request_list(&cx, c.p.account.tenant_id, c.p.account.id, &list);
	api_reply_wrapped(resp, rc, "requests", list);
}

/* Lists the requests of tenant_id ("": accounts without a tenant). */
static void list_requests(struct http_response *resp, struct api_call *c, const char *tenant_id)
{
	json_t *list = NULL;
	struct dsr_ctx cx = cx_of(c->app, c->st);
	int rc = dsr_request_list(&cx, tenant_id, NULL, &list);
	api_reply_wrapped(resp, rc, "requests", list);
}

/* Answers request rid of tenant_id ("": the operator's queue) with the
 * body's answer; the caller has authorised c. */
static void answer_request(const struct http_request *req, struct http_response *resp,
                           struct api_call *c, const char *tenant_id)
{
	static const struct api_field spec[] = {{"answer", API_REQUEST_TEXT, true},
	                                        {NULL, API_ANY, false}};
	const char *rid = http_request_param(req, "rid");
	const char *error = NULL;
	if (api_call_body(c, spec) < 0)
		return;
	struct dsr_ctx cx = cx_of(c->app, c->st);
	struct dsr_actor a = {c->p.actor.id, account_role_name(c->p.actor.role)};
	if (rid == NULL || !ids_is_uuid4(rid))
		api_fail(resp, "not_found");
	else if (dsr_request_answer(&cx, &a, tenant_id, rid, api_str(c->body, "answer"), &error) <
	         0)
		api_fail_field(resp, error, strcmp(error, "invalid_field") == 0 ? "answer" : NULL);
	else
		http_response_json(resp, 200,
		                   json_pack("{s:s, s:s}", "id", rid, "status", "answered"));
	api_call_end(c);
}

static void h_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_READ, "id", &c) == 0)
		list_requests(resp, &c, c.tenant_id);
}

static void h_answer(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_WRITE, "id", &c) == 0)
		answer_request(req, resp, &c, c.tenant_id);
}

/* The operator's queue: requests of accounts without a tenant (freemium),
 * for which the operator of the installation is the controller. */
static void h_operator_list(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, API_OPERATOR, NULL, &c) == 0)
		list_requests(resp, &c, "");
}

static void h_operator_answer(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	if (api_call_begin(req, resp, ctx, API_OPERATOR, NULL, &c) == 0)
		answer_request(req, resp, &c, "");
}

void api_routes_dsr_requests(struct http_router *router, struct app *app)
{
	http_router_add(router, "GET", "/api/v1/privacy-requests", HTTP_ROUTE_WORKER,
	                h_operator_list, app);
	http_router_add(router, "POST", "/api/v1/privacy-requests/{rid}/answer", HTTP_ROUTE_WORKER,
	                h_operator_answer, app);
	http_router_add(router, "POST", "/api/v1/privacy-requests", HTTP_ROUTE_WORKER, h_file, app);
	http_router_add(router, "GET", "/api/v1/me/privacy-requests", HTTP_ROUTE_WORKER, h_mine,
	                app);
	http_router_add(router, "GET", "/api/v1/tenants/{id}/privacy-requests", HTTP_ROUTE_WORKER,
	                h_list, app);
	http_router_add(router, "POST", "/api/v1/tenants/{id}/privacy-requests/{rid}/answer",
	                HTTP_ROUTE_WORKER, h_answer, app);
}
