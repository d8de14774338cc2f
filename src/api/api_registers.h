/* api_registers: shared helpers of the registers' handler files
 * (api_registers*.c); see api_registers.c for the routes. */
#ifndef IRIS_API_API_REGISTERS_H
#define IRIS_API_API_REGISTERS_H

#include "api/api_internal.h"

/* Answers a domain error: the registers' own codes (instruction_refused
 * 422 with the reason, window_closed 409, too_soon 422) or api_fail(). */
void regs_api_fail(struct http_response *resp, const char *code, const char *reason);
/* Authenticates; then 403 unless the caller is the operator. */
int regs_api_operator(struct app *app, struct store *st, const struct http_request *req,
                      struct http_response *resp, struct principal *p);
/* Authenticates and authorises action on tenant {id}; *tid_r = {id}. */
int regs_api_tenant(struct app *app, struct store *st, const struct http_request *req,
                    struct http_response *resp, struct principal *p, enum authz_action action,
                    const char **tid_r);
/* Answers 200 with {key: value} (steals value; NULL → 500). */
void regs_api_wrap(struct http_response *resp, int status, const char *key, json_t *value);

void api_routes_registers(struct http_router *router, struct app *app);
void api_routes_registers_ops(struct http_router *router, struct app *app);

#endif
