/*
 * core/module: the descriptor a feature fills once.
 *
 * A feature (accounts, contacts, the XMPP archive, the registers, ...)
 * declares in one struct what it stores and what it owes: its catalog
 * fragment (every column, personal or not, and its tables), its retention
 * declarations, its jobs, its REST routes, and its privacy hooks (what it
 * adds to a subject's export, what it erases beyond the catalog walk, what
 * guards erasure, what it destroys at the end of a tenant's contract).
 *
 * One composition root (src/cmd/modules.c) lists the modules, one line
 * each, and registers them before anything starts; the privacy catalog,
 * the data-subject rights engine, the jobs runner, the REST router and the
 * termination walk the registered modules, so a duty reaches every module
 * by construction instead of by hand-wiring in four places.
 *
 * The descriptor lives in core, below every layer, and names the other
 * layers' types only as incomplete structs: a module's descriptor is
 * defined in the feature's highest layer (where its routes are), which can
 * see them all. Registration happens once at start-up, before threads;
 * afterwards the registry is read-only.
 */
#ifndef IRIS_CORE_MODULE_H
#define IRIS_CORE_MODULE_H

#include <stdbool.h>
#include <stddef.h>

struct app;
struct archive_writer;
struct catalog_column;
struct catalog_table;
struct dsr_ctx;
struct http_router;
struct json_t;
struct retention_decl;
struct store;
struct xmpp_module;

/* What a module owes a data subject beyond what the catalog walk does by
 * itself (the walk exports and erases every catalogued column of every
 * table that names its subject column). Every hook may be NULL. */
struct module_privacy {
	/* Adds the module's files and manifest entries to a subject's export
	 * archive (P-DSR-1, P-DSR-5): data the catalog walk cannot shape
	 * (XEP-0227 roster and messages, iCalendar, ...). 0 or -1. */
	int (*export)(const struct dsr_ctx *cx, const char *tenant_id, const char *subject_id,
	              struct archive_writer *w, struct json_t *manifest_entries);
	/* Inside the erasure's transaction, after the catalog's actions and the
	 * destruction of the subject key (P-DSR-3, P-ACC-4): the subject's
	 * traces in rows that are not the subject's own (others' rosters, block
	 * lists), ledgers (the backups' erasure ledger). 0 or -1. */
	int (*erase_tx)(struct store *st, const char *tenant_id, const char *subject_id);
	/* Consulted before erasure: non-zero with *reason_r (static text)
	 * refuses it (a legal hold, P-RET-2). */
	int (*erase_guard)(struct store *st, const char *tenant_id, const char *subject_id,
	                   const char **reason_r);
	/* Inside the destruction of a tenant at the end of its contract
	 * (P-END-1), before its keys are destroyed: rows the catalog does not tie
	 * to the tenant. 0 or -1. */
	int (*terminate_tx)(struct store *st, const char *tenant_id);
};

struct module {
	const char *name; /* short, unique: "accounts", "contacts", "xmpp.archive" */
	/* The privacy catalog fragment (zero-terminated, static) and the table
	 * declarations; NULL when the module stores nothing. */
	const struct catalog_column *columns;
	const struct catalog_table *tables;
	/* Retention categories the tenant may set (zero-terminated) or NULL. */
	const struct retention_decl *retention;
	/* Registers the module's jobs (jobs_register) at start-up, or NULL. */
	void (*jobs)(void);
	/* Adds the module's REST routes, or NULL. */
	void (*routes)(struct http_router *router, struct app *app);
	/* Its XMPP handlers and disco features (xmpp/xmpp_module.h), or NULL:
	 * the XMPP server installs them at start. */
	const struct xmpp_module *xmpp;
	struct module_privacy privacy;
};

/* The most modules one installation composes. */
#define MODULES_MAX 64

/* Registers m (static storage); idempotent; aborts past MODULES_MAX or on a
 * second module of the same name. Call before any thread starts. */
void module_register(const struct module *m);
/* Calls fn for every registered module, in registration order. */
void module_each(void (*fn)(const struct module *m, void *ctx), void *ctx);
/* The registered module called name, or NULL. */
const struct module *module_find(const char *name);
/* Number of registered modules. */
size_t module_count(void);
/* Forgets every registration (tests). */
void module_reset(void);

#endif
