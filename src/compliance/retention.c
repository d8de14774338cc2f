/* privacy/retention: see retention.h. */
#include "privacy/retention_log.h"
#include "core/module.h"
#include "compliance/retention.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "core/clock.h"
#include "privacy/catalog.h"
#include "compliance/register_internal.h"
#include "store/store.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY 86400
#define MAX_FRAGMENTS 32

/* Built-in categories. Connection logs are kept exactly one year (P-LOG-2):
 * the legal minimum equals the catalog's default, so no tenant can change
 * it. */
static const struct retention_decl builtin[] = {
    {"connection_logs", "login_events", "at_ms", true, "tenant_id", "account_id", "user", 365,
     "connection logs are kept exactly one year (P-LOG-2; security of processing, Art. 32)"},
    {"instruction_records", "pending_instructions", "decided_at", false, "tenant_id", NULL, NULL,
     90, "decided instructions stay at least 90 days as proof (the audit log keeps the rest)"},
    {"subprocessor_decisions", "subprocessor_notices", "decided_at", false, "tenant_id", NULL, NULL,
     365, "objections and consents to sub-processor changes: proof for one year at least"},
    {"contact_import_reports", "contact_imports", "created_at", false, "tenant_id", NULL, NULL, 1,
     "no legal minimum: an import report (with the raw text of rejected rows) may be "
     "deleted from the day after the import"},
    {NULL, NULL, NULL, false, NULL, NULL, NULL, 0, NULL},
};

static const struct retention_decl *fragments[MAX_FRAGMENTS] = {builtin};
static int fragment_count = 1;

/* Kept under a legal duty: shown with the rules, never swept. */
static const struct {
	const char *category, *table, *note;
} fixed[] = {
    {"audit_log", "audit_log",
     "kept under a legal duty (accountability, P-AUD-1) for the contract; destroyed with the "
     "tenant (P-END-1)"},
};

void retention_register(const struct retention_decl *fragment)
{
	for (int i = 0; i < fragment_count; i++)
		if (fragments[i] == fragment)
			return;
	if (fragment_count == MAX_FRAGMENTS)
		fatal("event=retention_register_full");
	fragments[fragment_count++] = fragment;
}

static void register_module_retention(const struct module *m, void *ctx)
{
	if (m->retention != NULL)
		retention_register(m->retention);
}

void retention_register_modules(void)
{
	module_each(register_module_retention, NULL);
}

const struct retention_decl *retention_find(const char *category)
{
	for (int i = 0; i < fragment_count; i++)
		for (const struct retention_decl *d = fragments[i]; d->category != NULL; d++)
			if (category != NULL && strcmp(d->category, category) == 0)
				return d;
	return NULL;
}

struct longest {
	const char *table;
	int days;
};

static void find_longest(const struct catalog_column *e, void *ctx)
{
	struct longest *l = ctx;
	if (e->personal && strcmp(e->table, l->table) == 0 && e->retention_days > l->days)
		l->days = e->retention_days;
}

int retention_default_days(const struct retention_decl *d)
{
	struct longest l = {d->table, 0};
	privacy_catalog_each(find_longest, &l);
	return l.days;
}

int retention_effective_days(struct store *st, const char *tenant_id,
                             const struct retention_decl *d)
{
	struct store_stmt *q =
	    store_query(st, "SELECT days FROM retention_rules WHERE tenant_id = ? AND category = ?",
	                "ss", tenant_id, d->category);
	int days = retention_default_days(d);
	if (q != NULL && store_step(q) == STORE_ROW)
		days = (int)store_col_int(q, 0);
	store_stmt_done(q);
	return days;
}

int retention_check(const char *category, int days, const char **reason_r, const char **error_r)
{
	const struct retention_decl *d = retention_find(category);
	*reason_r = NULL;
	if (d == NULL) {
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
			if (category != NULL && strcmp(category, fixed[i].category) == 0) {
				*reason_r =
				    "this category is kept under a legal duty and cannot be "
				    "changed by the tenant";
				*error_r = "instruction_refused";
				return -1;
			}
		}
		*error_r = "not_found";
		return -1;
	}
	if (days < d->legal_min_days) {
		*reason_r = d->legal_note;
		*error_r = "instruction_refused";
		return -1;
	}
	if (days > retention_default_days(d)) {
		*reason_r = "retention may be shortened, not lengthened beyond the default of the "
		            "privacy catalog (storage limitation, Art. 5(1)(e))";
		*error_r = "instruction_refused";
		return -1;
	}
	return 0;
}

int retention_put_tx(struct app *app, struct store *st, const struct actor *actor,
                     const char *tenant_id, const char *category, int days)
{
	if (store_run(st,
	              "INSERT INTO retention_rules (tenant_id, category, days, set_by, set_at)"
	              " VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, category) DO UPDATE SET"
	              " days = excluded.days, set_by = excluded.set_by, set_at = excluded.set_at",
	              "ssdsi", tenant_id, category, days, actor->id,
	              clock_action_now()) != STORE_DONE)
		return -1;
	return regs_audit(app, st, actor, tenant_id, "retention.set", "retention_rule", category,
	                  "retention_rules.days", true);
}

int retention_set(struct app *app, struct store *st, const struct actor *actor,
                  const char *tenant_id, const char *category, int days, const char **reason_r,
                  const char **error_r)
{
	if (retention_check(category, days, reason_r, error_r) < 0)
		return -1;
	*error_r = "internal";
	if (store_tx_begin(st) < 0)
		return -1;
	if (retention_put_tx(app, st, actor, tenant_id, category, days) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		return -1;
	}
	return 0;
}

json_t *retention_rules_json(struct store *st, const char *tenant_id)
{
	json_t *list = json_array();
	for (int i = 0; i < fragment_count; i++) {
		for (const struct retention_decl *d = fragments[i]; d->category != NULL; d++) {
			int dflt = retention_default_days(d);
			json_array_append_new(
			    list,
			    json_pack("{s:s, s:s, s:i, s:i, s:i, s:s, s:b}", "category",
			              d->category, "table", d->table, "default_days", dflt,
			              "legal_min_days", d->legal_min_days, "days",
			              retention_effective_days(st, tenant_id, d), "legal_note",
			              d->legal_note, "changeable", d->legal_min_days < dflt));
		}
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:n, s:n, s:n, s:s, s:b}", "category",
		                                fixed[i].category, "table", fixed[i].table,
		                                "default_days", "legal_min_days", "days",
		                                "legal_note", fixed[i].note, "changeable", false));
	return list;
}

/* Deletes the expired rows of d for one tenant and logs the deletion. */
static int sweep_tenant(struct store *st, const struct retention_decl *d, const char *tenant_id,
                        int64_t now, int64_t *deleted_r)
{
	int days = retention_effective_days(st, tenant_id, d);
	int64_t cutoff = now - (int64_t)days * DAY;
	int64_t cut = d->time_ms ? cutoff * 1000 : cutoff;
	char *sql;
	if (d->subject_column != NULL)
		sql =
		    xasprintf("DELETE FROM %s WHERE %s = ? AND %s < ? AND (%s IS NULL OR %s NOT IN"
		              " (SELECT subject_id FROM legal_holds WHERE tenant_id = ? AND"
		              " subject_type = '%s' AND lifted_at IS NULL))",
		              d->table, d->tenant_column, d->time_column, d->subject_column,
		              d->subject_column, d->subject_type);
	else
		sql = xasprintf("DELETE FROM %s WHERE %s = ? AND %s < ?", d->table,
		                d->tenant_column, d->time_column);
	int rc = -1;
	if (store_tx_begin(st) < 0)
		goto out;
	if ((d->subject_column != NULL ? store_run(st, sql, "sis", tenant_id, cut, tenant_id)
	                               : store_run(st, sql, "si", tenant_id, cut)) != STORE_DONE)
		goto rollback;
	int64_t n = store_changes(st);
	if (retention_log_write_tx(st, tenant_id, d->category, d->table, n, cutoff, now) < 0)
		goto rollback;
	if (store_tx_commit(st) < 0)
		goto rollback;
	*deleted_r += n;
	rc = 0;
	goto out;
rollback:
	store_tx_rollback(st);
out:
	free(sql);
	return rc;
}

static int sweep_decl(struct store *st, const struct retention_decl *d, int64_t now,
                      int64_t *deleted_r)
{
	if (retention_default_days(d) <= 0)
		return 0;
	char *sql = xasprintf("SELECT DISTINCT %s FROM %s", d->tenant_column, d->table);
	char **tenants = regs_strv(st, sql, NULL);
	free(sql);
	if (tenants == NULL)
		return -1;
	int rc = 0;
	for (char **t = tenants; *t != NULL; t++)
		if (sweep_tenant(st, d, *t, now, deleted_r) < 0)
			rc = -1;
	regs_strv_free(tenants);
	return rc;
}

int retention_sweep(struct app *app, struct store *st, int64_t now, int64_t *deleted_r)
{
	int rc = 0;
	(void)app;
	*deleted_r = 0;
	for (int i = 0; i < fragment_count; i++)
		for (const struct retention_decl *d = fragments[i]; d->category != NULL; d++)
			if (sweep_decl(st, d, now, deleted_r) < 0) {
				log_warn("event=retention_sweep_failed category=%s", d->category);
				rc = -1;
			}
	return rc;
}
