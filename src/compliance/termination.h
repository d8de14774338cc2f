/*
 * privacy/termination: the end of a tenant's contract (P-END-1).
 *
 * The operator records the end date; the job "tenant.end" runs at the end
 * date plus a grace period of at most 30 days. It returns the data (a JSON
 * archive of every catalogued row of the tenant, sealed values opened, plus
 * the audit extract, written with mode 0600 to <data_dir>/exports/) and then
 * destroys it: the tenant key and every subject key (crypto-shredding), the
 * tenant's rows in every catalogued table, and its audit chain
 * (audit_purge_tenant, itself recorded in the installation chain). The
 * termination record keeps what was destroyed (tables and counts, never
 * data), and the deletion log (privacy/deletion_log.h) gets one entry for
 * the destruction at the job's time: per DPV category, the rows destroyed,
 * instructed by "system", reason "end of contract". The return archive
 * stays the JSON dump of every catalogued table: the DSR export
 * (dsr_export) is per account and would miss the tenant's own tables.
 *
 * Errors: "invalid_field", "not_found", "conflict" (already destroyed),
 * "internal".
 */
#ifndef IRIS_PRIVACY_TERMINATION_H
#define IRIS_PRIVACY_TERMINATION_H

#include <jansson.h>
#include <stdint.h>

struct app;
struct store;
struct actor;

#define TERMINATION_MAX_GRACE_DAYS 30

int termination_schedule(struct app *app, struct store *st, const struct actor *actor,
                         const char *tenant_id, int64_t end_at, int grace_days,
                         const char **error_r);
int termination_cancel(struct app *app, struct store *st, const struct actor *actor,
                       const char *tenant_id, const char **error_r);
/* The record, or NULL when none. */
json_t *termination_get_json(struct store *st, const char *tenant_id);
/* Return and destruction now (the job body). summary: counts. */
int termination_run(struct app *app, struct store *st, const char *tenant_id, int64_t now,
                    char *summary, size_t len);

#endif
