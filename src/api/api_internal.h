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

/* Types of JSON body fields. */
enum api_type { API_STRING, API_BOOL, API_INT, API_ANY };

struct api_field {
	const char *name;
	enum api_type type;
	bool required;
};

/* Parses the body as one JSON object that holds only the fields of spec
 * (terminated by a NULL name), each of its type, the required ones present.
 * spec NULL: any object. On failure answers 400/415 and returns -1; *obj_r
 * is a new reference on success. */
int api_body(const struct http_request *req, struct http_response *resp,
             const struct api_field *spec, json_t **obj_r);
/* String member of obj, or NULL. */
const char *api_str(json_t *obj, const char *name);

/* Answers the error of a domain code ("username_taken" → 409, ...). */
void api_fail(struct http_response *resp, const char *code);
/* Like api_fail, naming a field in the message. */
void api_fail_field(struct http_response *resp, const char *code, const char *field);

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

#endif
