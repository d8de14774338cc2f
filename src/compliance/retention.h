/*
 * privacy/retention: per-category retention rules and the sweeps that
 * enforce them (P-RET-1, P-LOG-2), plus the clock and job registration of
 * the processor's registers (issue 4).
 *
 * A retention category is a table with a time column, declared in a small
 * retention declaration (struct retention_decl). Its default period is the
 * longest retention_days of the table's personal catalog entries; a tenant
 * may shorten it, never below the declared legal minimum, and never lengthen
 * it (both refused as "instruction_refused" with the reason). Each sweep
 * deletes the expired rows of every declared table, skips subjects under a
 * legal hold (privacy/legal_hold.h), and records each deletion (category,
 * count, time) in retention_log.
 *
 * Error codes (error_r, static): "invalid_field", "not_found",
 * "instruction_refused" (reason_r says why), "internal".
 */
#ifndef IRIS_PRIVACY_RETENTION_H
#define IRIS_PRIVACY_RETENTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct app;
struct store;
struct actor;

struct retention_decl {
	const char *category;       /* stable name, e.g. "connection_logs" */
	const char *table;          /* catalogued table */
	const char *time_column;    /* the row's time (NULL values are never swept) */
	bool time_ms;               /* time_column holds milliseconds */
	const char *tenant_column;  /* tenant of the row */
	const char *subject_column; /* id checked against legal holds, or NULL */
	const char *subject_type;   /* "user" or "bubble" (with subject_column) */
	int legal_min_days;         /* never kept shorter than this */
	const char *legal_note;     /* why the minimum, for reports */
};

/* Registers a zero-terminated fragment of declarations (static storage);
 * the built-in ones (connection logs, decided instructions, sub-processor
 * decisions) are always present. Idempotent. */
void retention_register(const struct retention_decl *fragment);
/* Registers the declarations of every registered module (core/module.h). */
void retention_register_modules(void);
/* The declaration of category, or NULL. */
const struct retention_decl *retention_find(const char *category);
/* Default period of a declaration: the longest retention_days of its
 * table's personal catalog entries (0: not swept). */
int retention_default_days(const struct retention_decl *d);
/* The tenant's period for d (its rule, else the default). */
int retention_effective_days(struct store *st, const char *tenant_id,
                             const struct retention_decl *d);

/* The tenant's instruction to keep category for days (P-RET-1, P-INS-2):
 * refused below the legal minimum or above the default; audited as an
 * instruction. Runs its own transaction. */
int retention_set(struct app *app, struct store *st, const struct actor *actor,
                  const char *tenant_id, const char *category, int days, const char **reason_r,
                  const char **error_r);
/* Checks the instruction "keep category for days" without applying it:
 * 0, or -1 with "not_found" / "instruction_refused" (and *reason_r). */
int retention_check(const char *category, int days, const char **reason_r,
                    const char **error_r);
/* Stores the rule inside the caller's transaction (after retention_check),
 * with the audit entry of the instruction. */
int retention_put_tx(struct app *app, struct store *st, const struct actor *actor,
                     const char *tenant_id, const char *category, int days);
/* [{category, table, default_days, legal_min_days, days, legal_note}] plus
 * the categories kept under a legal duty (audit log). New reference. */
json_t *retention_rules_json(struct store *st, const char *tenant_id);

/* One sweep over every declaration at `now` (Unix s). *deleted_r = rows
 * deleted in all. Each table/tenant runs in its own transaction. */
int retention_sweep(struct app *app, struct store *st, int64_t now, int64_t *deleted_r);


/* Registers the recurring and one-shot job kinds of the registers:
 * retention.sweep (hourly), accounts.pending_purge (hourly: expired pending
 * registrations), breach.clock, subprocessor.window, tenant.end.
 * Call once at start-up, before jobs_ensure_recurring(). */
void privacy_jobs_register(void);

#endif
