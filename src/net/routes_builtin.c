/* net/routes_builtin: GET /api/v1/health and GET /metrics (http.h). */
#include "net/http.h"
#include "core/metrics.h"

#include <string.h>

static void health_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const char body[] = "{\"status\":\"ok\"}";
	http_response_set(resp, 200, "application/json", body, strlen(body));
}

/* Rendering takes the registry lock for a moment and never blocks on I/O,
 * so it runs inline on the loop thread. */
static void metrics_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	size_t len;
	char *text = metrics_render(&len);
	http_response_take(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

void net_routes_builtin(struct http_router *router)
{
	http_router_add(router, "GET", "/api/v1/health", 0, health_handler, NULL);
	http_router_add(router, "GET", "/metrics", 0, metrics_handler, NULL);
}
