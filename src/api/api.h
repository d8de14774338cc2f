/*
 * api: the REST API of tenants, accounts, authentication and profiles under
 * /api/v1 (docs/api/openapi.yaml). Handlers run on the worker pool
 * (HTTP_ROUTE_WORKER), use the calling thread's store connection, and
 * answer JSON; errors are {"error":{"code","message"}} with stable codes.
 */
#ifndef IRIS_API_API_H
#define IRIS_API_API_H

#include <stdbool.h>

struct http_router;
struct app;

/* The routes are the modules' (core/module.h): each module descriptor of
 * this folder (accounts, directory, contacts, privacy centre, registers,
 * conversations, test clock) names its own; irisd walks them. */
/* True when the request carries a valid full-scope token of an operator
 * (the operator's access to GET /metrics); ctx is the struct app. Runs on a
 * worker thread (storage). */
struct http_request;
bool api_operator_token_ok(const struct http_request *req, void *app);

#endif
