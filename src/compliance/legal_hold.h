/*
 * privacy/legal_hold: suspend deletion for a user or a bubble (P-RET-2).
 * Setting and lifting are documented instructions of the tenant (audited);
 * the list is visible to the tenant's admins and auditors. While a hold is
 * active, retention sweeps skip the subject's rows; erasure should refuse
 * (legal_hold_active). Errors as in retention.h, plus "conflict".
 */
#ifndef IRIS_PRIVACY_LEGAL_HOLD_H
#define IRIS_PRIVACY_LEGAL_HOLD_H

#include <jansson.h>
#include <stdbool.h>

struct app;
struct store;
struct actor;

/* subject_type "user" (an account of the tenant) or "bubble" (an id). id_r
 * receives the hold id (37 bytes). */
int legal_hold_set(struct app *app, struct store *st, const struct actor *actor,
                   const char *tenant_id, const char *subject_type, const char *subject_id,
                   char id_r[37], const char **error_r);
int legal_hold_lift(struct app *app, struct store *st, const struct actor *actor,
                    const char *tenant_id, const char *hold_id, const char **error_r);
/* True while a hold on the subject is active. */
bool legal_hold_active(struct store *st, const char *tenant_id, const char *subject_type,
                       const char *subject_id);
/* Every hold of the tenant (active and lifted), newest first. */
json_t *legal_hold_list_json(struct store *st, const char *tenant_id);

#endif
