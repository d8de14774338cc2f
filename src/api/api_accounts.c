/*
 * api_accounts: the accounts module (core/module.h): tenants, accounts,
 * roles, tokens, profiles and avatars, login events and the connection log;
 * what they store (domain/accounts_catalog.c) and their REST routes, one
 * file of handlers per resource (api_auth.c, api_me.c, api_profile.c,
 * api_tenants.c, api_members.c, api_logs.c).
 */
#include "api/api_internal.h"
#include "core/module.h"
#include "privacy/catalog.h"

extern const struct catalog_column accounts_catalog[];
extern const struct catalog_table accounts_catalog_tables[];

static void accounts_routes(struct http_router *router, struct app *app)
{
	api_routes_auth(router, app);
	api_routes_me(router, app);
	api_routes_profile(router, app);
	api_routes_tenants(router, app);
	api_routes_members(router, app);
	api_routes_logs(router, app);
}

const struct module accounts_module = {
    .name = "accounts",
    .columns = accounts_catalog,
    .tables = accounts_catalog_tables,
    .routes = accounts_routes,
};
