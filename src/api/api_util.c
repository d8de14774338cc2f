/*
 * api_util: strict JSON bodies, the map from domain error codes to HTTP
 * answers, and the authentication/authorisation gate every handler passes.
 */
#include "api/api.h"
#include "api/api_internal.h"
#include "api/api_registers.h"
#include "core/ids.h"
#include "domain/app.h"
#include "domain/rate_limit.h"
#include "domain/tenants.h"
#include "compliance/breach.h"
#include "privacy/consent.h"
#include "compliance/dsr_requests.h"
#include "privacy/restriction.h"
#include "compliance/subprocessors.h"
#include "store/store.h"
#include "store/writer.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The one map from domain error codes to HTTP answers. */
static const struct {
	const char *code;
	int status;
	const char *message;
} errors[] = {
    {"invalid_json", 400, "the body is not a JSON object"},
    {"unknown_field", 400, "the body holds a field this endpoint does not know"},
    {"invalid_field", 400, "a field has the wrong type or an invalid value"},
    {"missing_field", 400, "a required field is missing"},
    {"invalid_email", 400, "not a valid e-mail address"},
    {"invalid_username", 400,
     "usernames are 2 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter "
     "or digit"},
    {"weak_password", 400, "passwords are 8 to 1024 characters without control characters"},
    {"dpa_required", 400, "the standard processing agreement must be accepted (accept_dpa)"},
    {"invalid_code", 400, "unknown or already used confirmation code"},
    {"code_expired", 400, "the confirmation code has expired; register again"},
    {"unauthorized", 401, "authentication required or failed"},
    {"token_expired", 401, "the token has expired; log in again"},
    {"forbidden", 403, "not allowed for this account"},
    {"confirmation_required", 403, "confirm your e-mail address first"},
    {"account_disabled", 403, "the account is disabled"},
    {"password_change_required", 403, "change the one-time password first"},
    {"registration_disabled", 403, "self-registration is switched off"},
    {"account_restricted", 403, RESTRICTION_MESSAGE},
    {"restriction_unconfirmed", 409,
     "restricting processing suspends the service (login and delivery are refused until it is "
     "lifted); send confirm: true to go ahead"},
    {"consent_required", 403, "no current consent for this purpose"},
    {"legal_hold", 409, "a legal hold suspends the erasure of this subject"},
    {"invalid_archive", 400, "not an Iris export archive (ustar with manifest.json)"},
    {"not_found", 404, "no such resource"},
    {"username_taken", 409, "the username is taken"},
    {"email_taken", 409, "the e-mail address is already in use"},
    {"conflict", 409, "conflicts with the current state"},
    {"last_admin", 409, "the tenant's last admin cannot be removed"},
    {"payload_too_large", 413, "the body is too large"},
    {"unsupported_media_type", 415, "unsupported content type"},
    {"throttled", 429, "too many failed attempts; try again later"},
    {"rate_limited", 429, "too many requests; slow down and retry after Retry-After seconds"},
    /* the contact book (P-HYG-1..5) */
    {"invalid_input", 400, "the file has no usable header or content"},
    {"too_many_rows", 413, "the file or the book holds too many rows"},
    {"employees_not_informed", 409, "record first that the employees were informed (settings)"},
    {"employees_not_agreed", 409, "the tenant requires the employees' agreement: record it first"},
    /* the registers (issue 4) */
    {"instruction_refused", 422, "the instruction would breach a data-protection rule"},
    {"window_closed", 409, "the objection window has closed"},
    {"too_soon", 422, "a change must be announced at least 14 days before it takes effect"},
};

/* The codes whose error object also carries "reason" (the registers'
 * refusals, P-INS-2). */
static const char *const with_reason[] = {"instruction_refused", "window_closed", "too_soon"};

static bool carries_reason(const char *code)
{
	for (size_t i = 0; i < sizeof(with_reason) / sizeof(with_reason[0]); i++)
		if (strcmp(with_reason[i], code) == 0)
			return true;
	return false;
}

static int error_find(const char *code)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (code != NULL && strcmp(errors[i].code, code) == 0)
			return (int)i;
	return -1;
}

void api_fail(struct http_response *resp, const char *code)
{
	api_fail_reason(resp, code, NULL);
}

void api_fail_reason(struct http_response *resp, const char *code, const char *reason)
{
	int i = error_find(code);
	if (i < 0) {
		http_response_error(resp, 500, "internal_error", "internal error");
		return;
	}
	if (carries_reason(errors[i].code)) {
		const char *msg = reason != NULL ? reason : errors[i].message;
		http_response_json(resp, errors[i].status,
		                   json_pack("{s:{s:s, s:s, s:s}}", "error", "code", errors[i].code,
		                             "message", msg, "reason", msg));
		return;
	}
	if (errors[i].status == 401)
		http_response_header(resp, "WWW-Authenticate", "Bearer realm=\"iris\"");
	http_response_error(resp, errors[i].status, errors[i].code, errors[i].message);
}

void api_reply_wrapped(struct http_response *resp, int rc, const char *key, json_t *value)
{
	if (rc < 0 || value == NULL) {
		json_decref(value);
		api_fail(resp, "internal");
		return;
	}
	http_response_json(resp, 200, json_pack("{s:o}", key, value));
}

void api_fail_field(struct http_response *resp, const char *code, const char *field)
{
	char msg[256];
	int i = error_find(code);
	if (i < 0 || field == NULL) {
		api_fail(resp, code);
		return;
	}
	/* field may be a client's long key: cut it whole characters at a time
	 * (a split UTF-8 sequence made the answer a 500; fuzz_api_body). */
	size_t tail = strlen(errors[i].message) + 2, n = strlen(field);
	size_t room = tail < sizeof(msg) - 1 ? sizeof(msg) - 1 - tail : 0;
	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)field[n] & 0xc0) == 0x80)
			n--;
	}
	snprintf(msg, sizeof(msg), "%.*s: %s", (int)n, field, errors[i].message);
	http_response_error(resp, errors[i].status, errors[i].code, msg);
}

/* The constrained string types of enum api_type, in its order after
 * API_ANY: each with its allowed values or its longest length. */
static const char *const roles_assignable[] = {"user", "tenant_admin", "auditor", NULL};
static const char *const account_statuses[] = {"active", "disabled", NULL};
static const char *const deletion_answers[] = {"done", "rejected", NULL};
static const char *const hold_subjects[] = {"user", "bubble", NULL};
static const char *const sp_changes[] = {"add", "replace", "remove", NULL};
static const char *const sp_statuses[] = {"active", "planned", "removed", NULL};
static const char *const breach_statuses[] = {"open", "closed", NULL};

static const struct {
	enum api_type type;
	const char *const *allowed; /* NULL-terminated, or NULL */
	size_t max_bytes;           /* 0: none */
} constrained[] = {
    {API_ROLE, roles_assignable, 0},
    {API_ACCOUNT_STATUS, account_statuses, 0},
    {API_DELETION_ANSWER, deletion_answers, 0},
    {API_DSR_KIND, dsr_request_kinds, 0},
    {API_CONSENT_PURPOSE, consent_purposes, 0},
    {API_HOLD_SUBJECT, hold_subjects, 0},
    {API_SP_CHANGE, sp_changes, 0},
    {API_SP_STATUS, sp_statuses, 0},
    {API_BREACH_STATUS, breach_statuses, 0},
    {API_TENANT_NAME, NULL, TENANTS_NAME_MAX},
    {API_PERSON_NAME, NULL, ACCOUNTS_NAME_MAX},
    {API_EMAIL, NULL, ACCOUNTS_EMAIL_MAX},
    {API_TITLE, NULL, 200},
    {API_SP_TEXT, NULL, SUBPROCESSORS_TEXT_MAX},
    {API_BREACH_TEXT, NULL, BREACH_TEXT_MAX},
    {API_REQUEST_TEXT, NULL, DSR_REQUEST_TEXT_MAX},
    {API_REASON_TEXT, NULL, OBJECTION_REASON_MAX},
};

/* The row of a constrained type, or -1 for the plain ones. */
static int constrained_find(enum api_type type)
{
	for (size_t i = 0; i < sizeof(constrained) / sizeof(constrained[0]); i++)
		if (constrained[i].type == type)
			return (int)i;
	return -1;
}

static bool type_ok(json_t *v, enum api_type type)
{
	switch (type) {
	case API_BOOL:
		return json_is_boolean(v);
	case API_INT:
		return json_is_integer(v);
	case API_ANY:
		return true;
	default:
		return json_is_string(v);
	}
}

/* Answers 400 invalid_field for field with message and the machine-readable
 * extra (stolen; may be NULL) merged into the error object. */
static void fail_field_with(struct http_response *resp, const char *field, const char *message,
                            json_t *extra)
{
	json_t *err = json_pack("{s:s, s:s, s:s}", "code", "invalid_field", "message", message,
	                        "field", field);
	if (err != NULL && extra != NULL)
		json_object_update(err, extra);
	json_decref(extra);
	http_response_json(resp, 400, err != NULL ? json_pack("{s:o}", "error", err) : NULL);
}

/* Checks the value of a constrained string type; answers the refusal,
 * naming the allowed values or the limit, and returns -1. */
static int check_constraint(struct http_response *resp, const char *field, json_t *v,
                            enum api_type type)
{
	int row = constrained_find(type);
	if (row < 0)
		return 0;
	const char *const *allowed = constrained[row].allowed;
	size_t max = constrained[row].max_bytes;
	const char *s = json_string_value(v);
	char msg[512];
	if (max > 0 && json_string_length(v) > max) {
		snprintf(msg, sizeof(msg), "%s: too long, at most %zu bytes", field, max);
		fail_field_with(resp, field, msg, json_pack("{s:I}", "max_bytes", (json_int_t)max));
		return -1;
	}
	if (allowed == NULL)
		return 0;
	for (size_t i = 0; allowed[i] != NULL; i++)
		if (strcmp(allowed[i], s) == 0 && strlen(s) == json_string_length(v))
			return 0;
	json_t *list = json_array();
	size_t len = (size_t)snprintf(msg, sizeof(msg), "%s: must be one of ", field);
	for (size_t i = 0; allowed[i] != NULL; i++) {
		json_array_append_new(list, json_string(allowed[i]));
		if (len < sizeof(msg))
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s%s", i ? ", " : "",
			                        allowed[i]);
	}
	fail_field_with(resp, field, msg, json_pack("{s:o}", "allowed", list));
	return -1;
}

static int check_spec(struct http_response *resp, json_t *obj, const struct api_field *spec)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		const struct api_field *f = spec;
		while (f->name != NULL && strcmp(f->name, key) != 0)
			f++;
		if (f->name == NULL) {
			api_fail_field(resp, "unknown_field", key);
			return -1;
		}
		if (!type_ok(v, f->type)) {
			char msg[160];
			snprintf(msg, sizeof(msg), "%s: expected %s", key,
			         f->type == API_BOOL  ? "true or false"
			         : f->type == API_INT ? "an integer"
			                              : "a string");
			fail_field_with(resp, key, msg, NULL);
			return -1;
		}
		if (check_constraint(resp, key, v, f->type) < 0)
			return -1;
	}
	for (const struct api_field *f = spec; f->name != NULL; f++) {
		if (f->required && json_object_get(obj, f->name) == NULL) {
			api_fail_field(resp, "missing_field", f->name);
			return -1;
		}
	}
	return 0;
}

/* Answers 400 invalid_json with the parser's own words and where it
 * stopped (line, column, byte position), or says that valid JSON is not an
 * object. The parser's text may quote the input: only printable ASCII of
 * it is kept, so the answer is always valid UTF-8. */
static void fail_json(struct http_response *resp, const json_t *obj, const json_error_t *jerr)
{
	char msg[256];
	if (obj != NULL) {
		snprintf(msg, sizeof(msg), "the body must be a JSON object, not %s",
		         json_is_array(obj) ? "an array" : "a single value");
		http_response_error(resp, 400, "invalid_json", msg);
		return;
	}
	char text[JSON_ERROR_TEXT_LENGTH];
	size_t n = 0;
	for (const char *p = jerr->text; *p != '\0' && n + 1 < sizeof(text); p++)
		text[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
	text[n] = '\0';
	snprintf(msg, sizeof(msg), "the body is not valid JSON: %s (line %d, column %d)", text,
	         jerr->line, jerr->column);
	http_response_json(resp, 400,
	                   json_pack("{s:{s:s, s:s, s:i, s:i, s:i}}", "error", "code",
	                             "invalid_json", "message", msg, "line", jerr->line, "column",
	                             jerr->column, "position", jerr->position));
}

/* P-SEC-8: per-address and per-account request rate limits
 * (domain/rate_limit.h). Every handler passes api_auth or api_body; a
 * request that passes both is charged to its address once: api_auth marks
 * it and api_body skips the marked request. */
static __thread const struct http_request *rl_charged;

static int rl_check(struct http_response *resp, enum rate_limit_kind kind, const char *key)
{
	char retry[16];
	int wait = rate_limit_take(kind, key);
	if (wait <= 0)
		return 0;
	snprintf(retry, sizeof(retry), "%d", wait);
	http_response_header(resp, "Retry-After", retry);
	api_fail(resp, "rate_limited");
	return -1;
}

int api_body(const struct http_request *req, struct http_response *resp,
             const struct api_field *spec, json_t **obj_r)
{
	const char *ctype = http_request_header(req, "Content-Type");
	json_error_t jerr;
	*obj_r = NULL;
	if (rl_charged == req)
		rl_charged = NULL;
	else if (rl_check(resp, RL_ADDRESS, req->remote_addr) < 0)
		return -1;
	if (ctype != NULL && strncasecmp(ctype, "application/json", 16) != 0) {
		http_response_error(resp, 415, "unsupported_media_type",
		                    "send the body as application/json");
		return -1;
	}
	json_t *obj =
	    json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL || !json_is_object(obj)) {
		fail_json(resp, obj, &jerr);
		json_decref(obj);
		return -1;
	}
	if (spec != NULL && check_spec(resp, obj, spec) < 0) {
		json_decref(obj);
		return -1;
	}
	*obj_r = obj;
	return 0;
}

const char *api_str(json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

int api_auth(struct app *app, struct store *st, const struct http_request *req,
             struct http_response *resp, struct principal *p, bool limited_ok)
{
	const char *h = http_request_header(req, "Authorization");
	const char *error = "unauthorized";
	if (rl_check(resp, RL_ADDRESS, req->remote_addr) < 0)
		return -1;
	rl_charged = req;
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		api_fail(resp, "unauthorized");
		return -1;
	}
	if (auth_authenticate(app, st, h + 7, p, &error) < 0) {
		api_fail(resp, error);
		return -1;
	}
	if (rl_check(resp, RL_ACCOUNT, p->account.id) < 0)
		return -1;
	if (!limited_ok && p->scope != TOKEN_FULL) {
		api_fail(resp, "password_change_required");
		return -1;
	}
	return 0;
}

bool api_operator_token_ok(const struct http_request *req, void *ctx)
{
	struct app *app = ctx;
	const char *h = http_request_header(req, "Authorization");
	const char *error = NULL;
	struct principal p;
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	if (auth_authenticate(app, app_thread_store(app), h + 7, &p, &error) < 0)
		return false;
	return p.scope == TOKEN_FULL && p.account.role == ROLE_OPERATOR;
}

int api_allow(struct store *st, struct http_response *resp, const struct principal *p,
              enum authz_action action, const char *tenant_id)
{
	struct tenant t;
	const char *error = NULL;
	int decision = auth_authorize(p, action, tenant_id);
	if (decision == 403) {
		api_fail(resp, "forbidden");
		return -1;
	}
	if (decision != 0 || tenant_id == NULL || !ids_is_uuid4(tenant_id) ||
	    tenants_get(st, tenant_id, &t, &error) < 0) {
		api_fail(resp, error && strcmp(error, "internal") == 0 ? "internal" : "not_found");
		return -1;
	}
	return 0;
}

int api_member(struct store *st, const struct http_request *req, struct http_response *resp,
               struct account *out)
{
	const char *tid = http_request_param(req, "id");
	const char *uid = http_request_param(req, "uid");
	const char *error = NULL;
	if (uid == NULL || !ids_is_uuid4(uid) || accounts_get(st, uid, out, &error) < 0 ||
	    tid == NULL || strcmp(out->tenant_id, tid) != 0) {
		api_fail(resp, "not_found");
		return -1;
	}
	return 0;
}

int api_call_begin(const struct http_request *req, struct http_response *resp, struct app *app,
                   int action, const char *tenant_param, struct api_call *c)
{
	memset(c, 0, sizeof(*c));
	c->req = req;
	c->resp = resp;
	c->app = app;
	c->st = app_thread_store(app);
	if (api_auth(app, c->st, req, resp, &c->p, action == API_ANY_SCOPE) < 0)
		return -1;
	if (tenant_param != NULL)
		return api_call_tenant(c, (enum authz_action)action, tenant_param);
	if (action == API_SIGNED_IN || action == API_ANY_SCOPE)
		return 0;
	if (action == API_OPERATOR ? c->p.account.role != ROLE_OPERATOR
	                           : auth_authorize(&c->p, (enum authz_action)action, NULL) != 0) {
		api_fail(resp, "forbidden");
		return -1;
	}
	return 0;
}

int api_call_tenant(struct api_call *c, enum authz_action action, const char *tenant_param)
{
	c->tenant_id = http_request_param(c->req, tenant_param);
	return api_allow(c->st, c->resp, &c->p, action, c->tenant_id);
}

int api_call_member(struct api_call *c)
{
	return api_member(c->st, c->req, c->resp, &c->member);
}

int api_call_body(struct api_call *c, const struct api_field *spec)
{
	return api_body(c->req, c->resp, spec, &c->body);
}

void api_call_end(struct api_call *c)
{
	json_decref(c->body);
	c->body = NULL;
}

struct api_write_job {
	struct writer_job wj;
	int (*fn)(struct store *st, void *arg);
	void *arg;
};

/* Writer thread, inside the batch's transaction and the job's savepoint. */
static void api_write_work(struct writer_job *wj, struct store *st)
{
	struct api_write_job *j = (struct api_write_job *)wj;
	if (j->fn(st, j->arg) < 0)
		wj->status = -1;
}

int api_write(struct app *app, int (*fn)(struct store *st, void *arg), void *arg)
{
	if (app->writer != NULL) {
		struct api_write_job j = {.wj = {.work = api_write_work}, .fn = fn, .arg = arg};
		return writer_call(app->writer, &j.wj);
	}
	struct store *st = app_thread_store(app);
	if (store_tx_begin(st) < 0)
		return -1;
	if (fn(st, arg) < 0 || store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return -1;
	}
	return 0;
}

json_t *api_account_json(const struct account *acc)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:b, s:I}", "id", acc->id, "username",
	                 acc->username, "role", account_role_name(acc->role), "tenant_id",
	                 acc->tenant_id[0] ? json_string(acc->tenant_id) : json_null(), "status",
	                 acc->status, "must_change_password", acc->must_change_password,
	                 "created_at", (json_int_t)acc->created_at);
}

json_t *api_tenant_json(const struct tenant *t)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:I}", "id", t->id, "name", t->name, "plan", t->plan,
	                 "discoverable", t->discoverable, "created_at", (json_int_t)t->created_at);
}

void api_token_response(struct http_response *resp, int status, const struct login_result *r)
{
	json_t *o = json_pack("{s:s, s:I, s:s, s:o}", "token", r->token, "expires_at",
	                      (json_int_t)r->expires_at, "scope",
	                      r->scope == TOKEN_FULL ? "full" : "password_change", "account",
	                      api_account_json(&r->account));
	http_response_json(resp, status, o);
}
