/* net/http_router: route matching (http.h, http_internal.h). */
#include "net/http_internal.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Longest pattern, in segments; the specificity score is a bit mask. */
#define ROUTE_MAX_SEGMENTS 32

struct route {
	char *method;
	char *pattern;
	char *segs[ROUTE_MAX_SEGMENTS]; /* literal text, or the name of a {param} */
	bool is_param[ROUTE_MAX_SEGMENTS];
	size_t n_segs;
	unsigned flags;
	http_handler_fn *fn;
	void *ctx;
};

struct http_router {
	struct route *routes;
	size_t n_routes;
	http_handler_fn *fallback;
	void *fallback_ctx;
	struct http_upgrade_route *upgrades;
	size_t n_upgrades;
};

struct http_router *http_router_new(void)
{
	return xcalloc(1, sizeof(struct http_router));
}

void http_router_free(struct http_router **routerp)
{
	struct http_router *router = *routerp;
	if (router == NULL)
		return;
	for (size_t i = 0; i < router->n_routes; i++) {
		struct route *r = &router->routes[i];
		for (size_t s = 0; s < r->n_segs; s++)
			free(r->segs[s]);
		free(r->method);
		free(r->pattern);
	}
	free(router->routes);
	for (size_t i = 0; i < router->n_upgrades; i++) {
		free(router->upgrades[i].path);
		free(router->upgrades[i].subprotocol);
	}
	free(router->upgrades);
	free(router);
	*routerp = NULL;
}

static bool param_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

/* Splits pattern into r's segments; a malformed pattern is a bug. */
static void route_parse(struct route *r, const char *pattern)
{
	if (pattern[0] != '/')
		fatal("event=http_route_bad_pattern pattern=\"%s\"", pattern);
	size_t n_params = 0;
	for (const char *s = pattern; *s == '/';) {
		const char *seg = s + 1, *end = strchr(seg, '/');
		size_t n = end != NULL ? (size_t)(end - seg) : strlen(seg);
		if (r->n_segs == ROUTE_MAX_SEGMENTS)
			fatal("event=http_route_too_long pattern=\"%s\"", pattern);
		bool param = n >= 2 && seg[0] == '{' && seg[n - 1] == '}';
		if (param && (!param_name_ok(seg + 1, n - 2) || ++n_params > HTTP_MAX_PARAMS))
			fatal("event=http_route_bad_param pattern=\"%s\"", pattern);
		if (!param && (memchr(seg, '{', n) != NULL || memchr(seg, '}', n) != NULL))
			fatal("event=http_route_bad_pattern pattern=\"%s\"", pattern);
		r->is_param[r->n_segs] = param;
		r->segs[r->n_segs++] = param ? xstrndup(seg + 1, n - 2) : xstrndup(seg, n);
		s = seg + n;
	}
}

void http_router_add(struct http_router *router, const char *method, const char *pattern,
                     unsigned flags, http_handler_fn *fn, void *ctx)
{
	for (size_t i = 0; i < router->n_routes; i++) {
		if (strcmp(router->routes[i].method, method) == 0 &&
		    strcmp(router->routes[i].pattern, pattern) == 0)
			fatal("event=http_route_duplicate method=%s pattern=\"%s\"", method,
			      pattern);
	}
	router->routes = xrealloc(router->routes, (router->n_routes + 1) * sizeof(*router->routes));
	struct route *r = &router->routes[router->n_routes++];
	memset(r, 0, sizeof(*r));
	r->method = xstrdup(method);
	r->pattern = xstrdup(pattern);
	r->flags = flags;
	r->fn = fn;
	r->ctx = ctx;
	route_parse(r, pattern);
}

void http_router_set_fallback(struct http_router *router, http_handler_fn *fn, void *ctx)
{
	router->fallback = fn;
	router->fallback_ctx = ctx;
}

/* A request path split into segments, pointing into a private copy. */
struct path_segs {
	char *copy;
	const char *segs[ROUTE_MAX_SEGMENTS];
	size_t n;
	bool too_long;
};

static void path_split(const char *path, struct path_segs *ps)
{
	memset(ps, 0, sizeof(*ps));
	if (path[0] != '/')
		return;
	ps->copy = xstrdup(path);
	for (char *s = ps->copy; s != NULL && *s == '/';) {
		if (ps->n == ROUTE_MAX_SEGMENTS) {
			ps->too_long = true;
			return;
		}
		*s = '\0';
		ps->segs[ps->n++] = s + 1;
		s = strchr(s + 1, '/');
	}
}

/* Returns the specificity score (literal segments early score high) when
 * r matches the path, or -1. */
static int64_t route_score(const struct route *r, const struct path_segs *ps)
{
	if (ps->too_long || r->n_segs != ps->n)
		return -1;
	int64_t score = 0;
	for (size_t i = 0; i < r->n_segs; i++) {
		if (r->is_param[i]) {
			if (ps->segs[i][0] == '\0')
				return -1;
		} else if (strcmp(r->segs[i], ps->segs[i]) != 0) {
			return -1;
		} else {
			score |= (int64_t)1 << (ROUTE_MAX_SEGMENTS - 1 - i);
		}
	}
	return score;
}

static const struct route *best_route(const struct http_router *router, const struct path_segs *ps,
                                      const char *method)
{
	const struct route *best = NULL;
	int64_t best_score = -1;
	for (size_t i = 0; i < router->n_routes; i++) {
		const struct route *r = &router->routes[i];
		if (strcmp(r->method, method) != 0)
			continue;
		int64_t score = route_score(r, ps);
		if (score > best_score) {
			best = r;
			best_score = score;
		}
	}
	return best;
}

/* Writes the methods routed for this path into allow ("GET, HEAD, ..."). */
static bool allowed_methods(const struct http_router *router, const struct path_segs *ps,
                            char *allow, size_t size)
{
	bool any = false, get = false, head = false;
	allow[0] = '\0';
	for (size_t i = 0; i < router->n_routes; i++) {
		const struct route *r = &router->routes[i];
		if (route_score(r, ps) < 0 || strstr(allow, r->method) != NULL)
			continue;
		any = true;
		get |= strcmp(r->method, "GET") == 0;
		head |= strcmp(r->method, "HEAD") == 0;
		size_t len = strlen(allow);
		snprintf(allow + len, size - len, "%s%s", len > 0 ? ", " : "", r->method);
	}
	if (any) {
		size_t len = strlen(allow);
		snprintf(allow + len, size - len, "%s%s", get && !head ? ", HEAD" : "",
		         ", OPTIONS");
	}
	return any;
}

static void params_fill(const struct route *r, const struct path_segs *ps, struct http_request *req)
{
	for (size_t i = 0; i < r->n_segs && req->n_params < HTTP_MAX_PARAMS; i++) {
		if (!r->is_param[i])
			continue;
		struct http_param *p = &req->params[req->n_params++];
		p->name = r->segs[i];
		p->value = xstrdup(ps->segs[i]);
	}
}

http_handler_fn *http_router_match(const struct http_router *router, struct http_request *req,
                                   struct http_response *resp, unsigned *flags_r, void **ctx_r)
{
	struct path_segs ps;
	http_handler_fn *fn = NULL;
	char allow[256];
	req->route = "-";
	if (strcmp(req->path, "*") == 0) {
		http_response_set(resp, 204, NULL, NULL, 0);
		return NULL;
	}
	path_split(req->path, &ps);
	const struct route *r = best_route(router, &ps, req->method);
	if (r == NULL && strcmp(req->method, "HEAD") == 0)
		r = best_route(router, &ps, "GET");
	if (r != NULL) {
		params_fill(r, &ps, req);
		req->route = r->pattern;
		*flags_r = r->flags;
		*ctx_r = r->ctx;
		fn = r->fn;
	} else if (allowed_methods(router, &ps, allow, sizeof(allow))) {
		if (strcmp(req->method, "OPTIONS") == 0)
			http_response_set(resp, 204, NULL, NULL, 0);
		else
			http_response_error(resp, 405, "method_not_allowed",
			                    "method not allowed for this resource");
		http_response_header(resp, "Allow", allow);
	} else if (router->fallback != NULL) {
		*flags_r = HTTP_ROUTE_WORKER;
		req->route = "(fallback)";
		*ctx_r = router->fallback_ctx;
		fn = router->fallback;
	} else {
		http_response_error(resp, 404, "not_found", "no such resource");
	}
	free(ps.copy);
	return fn;
}

void http_router_set_upgrade(struct http_router *router, const char *path, const char *subprotocol,
                             http_upgrade_fn *fn, void *ctx)
{
	if (path[0] != '/' || http_router_upgrade(router, path) != NULL)
		fatal("event=http_upgrade_bad_path path=\"%s\"", path);
	router->upgrades =
	    xrealloc(router->upgrades, (router->n_upgrades + 1) * sizeof(*router->upgrades));
	router->upgrades[router->n_upgrades++] =
	    (struct http_upgrade_route){xstrdup(path), xstrdup(subprotocol), fn, ctx};
}

const struct http_upgrade_route *http_router_upgrade(const struct http_router *router,
                                                     const char *path)
{
	for (size_t i = 0; i < router->n_upgrades; i++)
		if (strcmp(router->upgrades[i].path, path) == 0)
			return &router->upgrades[i];
	return NULL;
}
