/*
 * privacy/subprocessors: the operator's register of sub-processors
 * (P-SUB-1) and the announcement of changes to every tenant (P-SUB-2).
 *
 * An announced change notifies every tenant (a mail of kind
 * "subprocessor_change" to each tenant admin, through the outbox) and opens
 * the tenant's objection window (14 or 30 days, tenant setting). A tenant
 * admin may object while the window is open; when it closes without an
 * objection, the job "subprocessor.window" records the tenant's consent
 * (silence counts as consent). Outcomes are listed for the operator.
 *
 * Errors: "invalid_field", "not_found", "window_closed", "conflict",
 * "too_soon" (effective date before the shortest window), "internal".
 */
#ifndef IRIS_PRIVACY_SUBPROCESSORS_H
#define IRIS_PRIVACY_SUBPROCESSORS_H

#include <jansson.h>
#include <stdint.h>

struct app;
struct store;
struct actor;

#define SUBPROCESSORS_TEXT_MAX 512

struct subprocessor {
	const char *name, *address, *purpose, *data_shared, *location;
	const char *status; /* "active" (default), "planned", "removed" */
};

/* Adds (id_r) or updates (id given) an entry. Operator only (the caller
 * checks); audited in the installation chain. */
int subprocessors_put(struct app *app, struct store *st, const struct actor *actor,
                      const char *id, const struct subprocessor *sp, char id_r[37],
                      const char **error_r);
/* The register (status filter NULL = all). */
json_t *subprocessors_list_json(struct store *st);
json_t *subprocessors_get_json(struct store *st, const char *id);

/* Announces change ("add", "replace", "remove") of subprocessor_id,
 * effective at effective_at (at least 14 days ahead): notifies every tenant
 * and schedules the close of each window. id_r = the change. */
int subprocessors_announce(struct app *app, struct store *st, const struct actor *actor,
                           const char *subprocessor_id, const char *change,
                           const char *description, int64_t effective_at, char id_r[37],
                           const char **error_r);
/* Changes with the outcome per tenant (operator view, with_outcomes) or
 * only this tenant's notice (tenant_id). */
json_t *subprocessors_changes_json(struct store *st, const char *tenant_id_or_null);
/* The tenant objects to change_id (reason optional, <= 512 bytes). */
int subprocessors_object(struct app *app, struct store *st, const struct actor *actor,
                         const char *tenant_id, const char *change_id, const char *reason,
                         const char **error_r);
/* Job: closes the tenant's window of change arg at now; silence = consent. */
int subprocessors_close_window(struct app *app, struct store *st, const char *tenant_id,
                               const char *change_id, int64_t now);

#endif
