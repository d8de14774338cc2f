/*
 * api_directory: the user directory (P-DIR-1, P-DIR-2; domain/directory.h).
 *   GET /api/v1/directory?q=...            search (exact match on names, username, e-mail)
 *   GET /api/v1/me/suggestions             same-tenant users of the caller's e-mail domain
 *   PUT /api/v1/tenants/{id}/directory     {discoverable} (tenant admin; an instruction)
 * Searches are rate-limited per account (rate_limit RL_DIRECTORY) so the
 * directory cannot be used to enumerate the network.
 */
#include "privacy/catalog.h"
#include "core/module.h"
#include "api/api_internal.h"
#include "domain/app.h"
#include "domain/directory.h"
#include "domain/rate_limit.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

void api_routes_directory(struct http_router *router, struct app *app);

static void add_entry(const struct directory_entry *e, void *ctx)
{
	json_array_append_new(
	    ctx, json_pack("{s:s, s:s}", "username", e->username, "display_name", e->display_name));
}

static void h_search(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	char q[DIRECTORY_QUERY_MAX + 1], retry[16];
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	int wait = rate_limit_take(RL_DIRECTORY, c.p.account.id);
	if (wait > 0) {
		snprintf(retry, sizeof(retry), "%d", wait);
		http_response_header(resp, "Retry-After", retry);
		http_response_error(resp, 429, "rate_limited",
		                    "too many directory searches; try again later");
		return;
	}
	if (http_request_query(req, "q", q, sizeof(q)) == NULL || q[0] == '\0') {
		http_response_error(resp, 400, "invalid_field",
		                    "q: 1 to 128 bytes (a name, username or e-mail address)");
		return;
	}
	json_t *list = json_array();
	if (directory_search(c.app, c.st, &c.p.account, q, add_entry, list, &error) < 0) {
		json_decref(list);
		if (strcmp(error, "invalid_field") == 0)
			http_response_error(resp, 400, "invalid_field",
			                    "q: at most 4 words, no control characters");
		else
			api_fail(resp, error);
		return;
	}
	http_response_json(
	    resp, 200, json_pack("{s:o, s:i}", "results", list, "limit", DIRECTORY_MAX_RESULTS));
}

static void h_suggestions(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct api_call c;
	const char *error = NULL;
	if (api_call_begin(req, resp, ctx, API_SIGNED_IN, NULL, &c) < 0)
		return;
	json_t *list = json_array();
	if (directory_suggestions(c.app, c.st, &c.p.account, add_entry, list, &error) < 0) {
		json_decref(list);
		api_fail(resp, error);
		return;
	}
	http_response_json(
	    resp, 200,
	    json_pack("{s:o, s:i}", "suggestions", list, "limit", DIRECTORY_MAX_RESULTS));
}

static void h_tenant_directory(const struct http_request *req, struct http_response *resp,
                               void *ctx)
{
	static const struct api_field spec[] = {
	    {"discoverable", API_BOOL, true},
	    {NULL, API_ANY, false},
	};
	struct api_call c;
	const char *error = NULL;
	bool d = false;
	if (api_call_begin(req, resp, ctx, AZ_MEMBERS_WRITE, "id", &c) < 0 ||
	    api_call_body(&c, spec) < 0)
		return;
	const char *tid = c.tenant_id;
	if (directory_tenant_set(c.app, c.st, &c.p.actor, tid,
	                         json_is_true(json_object_get(c.body, "discoverable")),
	                         &error) < 0 ||
	    directory_tenant_get(c.st, tid, &d) < 0)
		api_fail(resp, error ? error : "internal");
	else
		http_response_json(resp, 200,
		                   json_pack("{s:s, s:b}", "tenant_id", tid, "discoverable", d));
	api_call_end(&c);
}

void api_routes_directory(struct http_router *router, struct app *app)
{
	http_router_add(router, "GET", "/api/v1/directory", HTTP_ROUTE_WORKER, h_search, app);
	http_router_add(router, "GET", "/api/v1/me/suggestions", HTTP_ROUTE_WORKER, h_suggestions,
	                app);
	http_router_add(router, "PUT", "/api/v1/tenants/{id}/directory", HTTP_ROUTE_WORKER,
	                h_tenant_directory, app);
}

extern const struct catalog_column directory_catalog[];
extern const struct catalog_table directory_catalog_tables[];

/* The tenant directory (P-DIR-1): its search index and REST routes. */
const struct module directory_module = {
    .name = "directory",
    .columns = directory_catalog,
    .tables = directory_catalog_tables,
    .routes = api_routes_directory,
};
