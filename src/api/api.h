/*
 * api: the REST API of tenants, accounts, authentication and profiles under
 * /api/v1 (docs/api/openapi.yaml). Handlers run on the worker pool
 * (HTTP_ROUTE_WORKER), use the calling thread's store connection, and
 * answer JSON; errors are {"error":{"code","message"}} with stable codes.
 */
#ifndef IRIS_API_API_H
#define IRIS_API_API_H

struct http_router;
struct app;

/* Registers every route of this module; app must outlive the router. */
void api_routes_register(struct http_router *router, struct app *app);

#endif
