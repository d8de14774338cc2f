/*
 * cmd/modules: the composition root (modules.h). The modules of the core
 * layers are listed below, one line each; a feature module in its own
 * folder (src/modules/NAME, with its descriptor NAME_module, core/module.h)
 * is one name in the top meson.build's feature_modules list, which this file
 * expands (cmd/feature_modules.h). The
 * privacy catalog, the data-subject rights, retention, jobs, REST routes
 * and the end of a contract reach it from here. A module with personal
 * data but no export or erasure behaviour fails test_schema_catalog.
 */
#include "cmd/modules.h"
#include "core/module.h"
#include "privacy/catalog.h"
#include "compliance/retention.h"

#include "cmd/feature_modules.h"

#include <stddef.h>

extern const struct module keys_module, audit_module, mail_module, jobs_module, backup_module,
    account_changes_module, accounts_module, directory_module, privacy_centre_module,
    registers_module, contacts_module, xmpp_module, xep_module, pep_module, conversations_module,
    test_clock_module;
#define X(m) extern const struct module m;
IRIS_FEATURE_MODULES
#undef X

static const struct module *const iris_modules[] = {
    &keys_module,            /* subject keys (crypto-shredding) */
    &audit_module,           /* the hash-chained audit log (P-AUD-1) */
    &mail_module,            /* the outbox */
    &jobs_module,            /* time-driven duties */
    &backup_module,          /* backups and the erasure ledger (P-AVL-1) */
    &account_changes_module, /* account-state changes for a running irisd */
    &accounts_module,        /* tenants, accounts, tokens, profiles, logs */
    &directory_module,       /* the tenant directory (P-DIR-1) */
    &privacy_centre_module,  /* data-subject rights (P-DSR-1..7) */
    &registers_module,       /* the processor's registers and duties */
    &contacts_module,        /* contact hygiene (P-HYG) */
    &xmpp_module,            /* XMPP core: rosters, archive, offline */
    &xep_module,             /* XEPs with storage */
    &pep_module,             /* personal eventing, avatars */
    &conversations_module,   /* history deletion over REST */
    &test_clock_module,      /* the operator's test clock (test_mode) */
#define X(m) &m,
    IRIS_FEATURE_MODULES /* src/modules/: XEP-0202 entity time, ... */
#undef X
};

void iris_modules_register(void)
{
	for (size_t i = 0; i < sizeof(iris_modules) / sizeof(iris_modules[0]); i++)
		module_register(iris_modules[i]);
	privacy_catalog_register_modules();
	retention_register_modules();
}

static void module_jobs(const struct module *m, void *ctx)
{
	if (m->jobs != NULL)
		m->jobs();
}

void iris_modules_jobs(void)
{
	module_each(module_jobs, NULL);
}

struct routes_ctx {
	struct http_router *router;
	struct app *app;
};

static void module_routes(const struct module *m, void *ctx)
{
	struct routes_ctx *r = ctx;
	if (m->routes != NULL)
		m->routes(r->router, r->app);
}

void iris_modules_routes(struct http_router *router, struct app *app)
{
	struct routes_ctx r = {router, app};
	module_each(module_routes, &r);
}
