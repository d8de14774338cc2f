/* api_internal: helpers shared by the handler files of src/api/. */
#ifndef IRIS_API_API_INTERNAL_H
#define IRIS_API_API_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "domain/accounts.h"
#include "domain/auth.h"
#include "net/http.h"

struct app;
struct store;
struct tenant;

/* Types of JSON body fields. Past API_ANY come strings with a constraint:
 * one of a set of values, or a longest length. The one table of these types
 * (api_util.c) holds the values and limits, api_body() checks them and
 * writes the refusal from them ("role: must be one of user, tenant_admin,
 * auditor"; "name: at most 128 bytes"), so no handler writes such a check
 * or message by hand. The domain still checks what it stores. */
enum api_type {
	API_STRING,
	API_BOOL,
	API_INT,
	API_ANY,
	/* strings, one of a set of values */
	API_ROLE,            /* a role a tenant may give: user, tenant_admin, auditor */
	API_ACCOUNT_STATUS,  /* active, disabled */
	API_DELETION_ANSWER, /* a deletion request's outcome: done, rejected */
	API_DSR_KIND,        /* dsr_request_kinds[] */
	API_CONSENT_PURPOSE, /* consent_purposes[] */
	API_HOLD_SUBJECT,    /* a legal hold's subject type: user, bubble */
	API_SP_CHANGE,       /* a subprocessor change: add, replace, remove */
	API_SP_STATUS,       /* a subprocessor's status: active, planned, removed */
	API_BREACH_STATUS,   /* open, closed */
	/* strings, at most so many bytes */
	API_TENANT_NAME,  /* TENANTS_NAME_MAX */
	API_PERSON_NAME,  /* ACCOUNTS_NAME_MAX */
	API_EMAIL,        /* ACCOUNTS_EMAIL_MAX */
	API_TITLE,        /* 200 */
	API_SP_TEXT,      /* SUBPROCESSORS_TEXT_MAX */
	API_BREACH_TEXT,  /* BREACH_TEXT_MAX */
	API_REQUEST_TEXT, /* DSR_REQUEST_TEXT_MAX */
	API_REASON_TEXT,  /* OBJECTION_REASON_MAX */
};

struct api_field {
	const char *name;
	enum api_type type;
	bool required;
};

/* Parses the body as one JSON object that holds only the fields of spec
 * (terminated by a NULL name), each of its type (and allowed value and
 * length), the required ones present. spec NULL: any object. On failure
 * answers 400/415 and returns -1: malformed JSON with the parser's error
 * and its position (error.line, error.column, error.position); a refused
 * field with its name (error.field) and, for enums and lengths, the allowed
 * values (error.allowed) or the limit (error.max_bytes). *obj_r is a new
 * reference on success. */
int api_body(const struct http_request *req, struct http_response *resp,
             const struct api_field *spec, json_t **obj_r);
/* String member of obj, or NULL. */
const char *api_str(json_t *obj, const char *name);

/* Answers the error of a domain code from the one shared table
 * ("username_taken" → 409, "too_many_rows" → 413, ...); an unknown code
 * (also "internal" and NULL) answers 500. */
void api_fail(struct http_response *resp, const char *code);
/* Like api_fail, naming a field in the message. */
void api_fail_field(struct http_response *resp, const char *code, const char *field);
/* Like api_fail; the codes that carry a reason (instruction_refused,
 * window_closed, too_soon) answer it as message and reason (the table's
 * message when reason is NULL). */
void api_fail_reason(struct http_response *resp, const char *code, const char *reason);
/* Answers 200 with {key: value} (steals value); rc < 0 or value NULL
 * answers 500 instead. */
void api_reply_wrapped(struct http_response *resp, int rc, const char *key, json_t *value);

/* Authenticates the bearer token of req into p. limited_ok: a token that
 * only allows a password change is enough. Answers 401/403 and returns -1. */
int api_auth(struct app *app, struct store *st, const struct http_request *req,
             struct http_response *resp, struct principal *p, bool limited_ok);
/* auth_authorize() plus: the tenant exists (404 otherwise). */
int api_allow(struct store *st, struct http_response *resp, const struct principal *p,
              enum authz_action action, const char *tenant_id);
/* Loads member {uid} of tenant {id}; 404 unless it belongs to that tenant. */
int api_member(struct store *st, const struct http_request *req, struct http_response *resp,
               struct account *out);

/* Who may make a call (api_call_begin's action): any signed-in account, the
 * operator only, or an enum authz_action decided by auth_authorize(). */
#define API_SIGNED_IN (-1)
#define API_OPERATOR (-2)
#define API_ANY_SCOPE (-3) /* signed in, even with a password-change-only token */

/* One handler call: the prologue every handler shares (authenticate,
 * authorise for a tenant, load a member, parse the body) fills it, and
 * api_call_end() releases what it holds. Each step answers the error itself
 * and returns -1, so a handler chains them with || and returns. */
struct api_call {
	const struct http_request *req;
	struct http_response *resp;
	struct app *app;
	struct store *st;      /* this worker thread's connection */
	struct principal p;    /* the authenticated caller */
	const char *tenant_id; /* the authorised tenant (the route's parameter) or NULL */
	struct account member; /* after api_call_member() */
	json_t *body;          /* after api_call_body(), else NULL; owned */
};

/* Authenticates the bearer token (full scope) and authorises action: with
 * tenant_param (a route parameter such as "id") as api_call_tenant() does,
 * else API_SIGNED_IN (nothing more), API_OPERATOR (403 unless the operator)
 * API_ANY_SCOPE (any token, also one that only allows a password change)
 * or auth_authorize(action, NULL) (403 unless allowed). */
int api_call_begin(const struct http_request *req, struct http_response *resp, struct app *app,
                   int action, const char *tenant_param, struct api_call *c);
/* api_allow() for the tenant named by route parameter tenant_param: 404
 * for other tenants and unknown ones, 403 when the role may not. */
int api_call_tenant(struct api_call *c, enum authz_action action, const char *tenant_param);
/* Loads member {uid} of tenant {id} into c->member (api_member()). */
int api_call_member(struct api_call *c);
/* Parses the strict JSON body of spec into c->body (api_body()). */
int api_call_body(struct api_call *c, const struct api_field *spec);
/* Releases the body; c may be reused. */
void api_call_end(struct api_call *c);

/* Runs fn(st, arg) on the store's writer thread, in the group commit that
 * XMPP's storage jobs share (inside a savepoint of the batch's transaction:
 * fn must not begin one), and waits until it is durable: 0, or -1 when fn
 * failed (its writes are undone) or the commit did. While the writer's
 * queue is full the calling worker waits (backpressure). Without a writer
 * (a program other than irisd) fn runs in a transaction of its own on this
 * thread's store. */
int api_write(struct app *app, int (*fn)(struct store *st, void *arg), void *arg);

/* {id, username, role, tenant_id, status, must_change_password, created_at} */
json_t *api_account_json(const struct account *acc);
json_t *api_tenant_json(const struct tenant *t);
/* Answers 200 with {token, expires_at, scope, account}. */
void api_token_response(struct http_response *resp, int status, const struct login_result *r);

void api_routes_auth(struct http_router *router, struct app *app);
void api_routes_me(struct http_router *router, struct app *app);
void api_routes_profile(struct http_router *router, struct app *app);
void api_routes_tenants(struct http_router *router, struct app *app);
void api_routes_members(struct http_router *router, struct app *app);
void api_routes_dsr(struct http_router *router, struct app *app);
void api_routes_dsr_requests(struct http_router *router, struct app *app);
void api_routes_dsr_import(struct http_router *router, struct app *app);
void api_routes_logs(struct http_router *router, struct app *app);

#endif
