/* net/routes_builtin: GET /api/v1/health and GET /metrics (http.h). */
#include "net/http.h"
#include "core/metrics.h"

#include <arpa/inet.h>
#include <string.h>

static void health_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const char body[] = "{\"status\":\"ok\"}";
	http_response_set(resp, 200, "application/json", body, strlen(body));
}

bool net_addr_is_loopback(const char *ip)
{
	struct in_addr v4;
	struct in6_addr v6;
	if (ip == NULL)
		return false;
	if (inet_pton(AF_INET, ip, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, ip, &v6) != 1)
		return false;
	if (memcmp(&v6, &in6addr_loopback, sizeof(v6)) == 0)
		return true;
	/* ::ffff:127.x.y.z (a dual-stack listener) */
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(v6.s6_addr, mapped, sizeof(mapped)) == 0 && v6.s6_addr[12] == 127;
}

bool net_metrics_allowed(const struct net_metrics_access *access, const struct http_request *req)
{
	if (access != NULL && access->public_access)
		return true;
	if (net_addr_is_loopback(req->remote_addr))
		return true;
	return access != NULL && access->operator_ok != NULL &&
	       access->operator_ok(req, access->ctx);
}

/* Rendering takes the registry lock for a moment and never blocks on I/O;
 * the route runs on a worker only when an operator's token may have to be
 * checked (storage). */
static void metrics_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	size_t len;
	if (!net_metrics_allowed(ctx, req)) {
		http_response_error(resp, 404, "not_found", "no such resource");
		return;
	}
	char *text = metrics_render(&len);
	http_response_take(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

void net_routes_builtin(struct http_router *router, const struct net_metrics_access *access)
{
	unsigned flags = access != NULL && access->operator_ok != NULL ? HTTP_ROUTE_WORKER : 0;
	http_router_add(router, "GET", "/api/v1/health", 0, health_handler, NULL);
	http_router_add(router, "GET", "/metrics", flags, metrics_handler, (void *)access);
}
