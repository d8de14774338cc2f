/*
 * privacy/instructions: the tenant's settings given as documented
 * instructions (P-INS-1) and the instructions held for confirmation because
 * they would breach a rule (P-INS-2).
 *
 * Settings: discoverable (directory), objection_window_days (14 or 30, for
 * sub-processor changes), region (placeholder of where data lives),
 * transfer_region (destination of exports/transfers; "EU" or an ISO 3166
 * code), transfer_consent (a recorded legal basis for a third-country
 * transfer), retention ({category: days}, see retention.h).
 *
 * A change is validated as a whole (no partial state):
 *  - retention below a legal minimum or above the default: refused
 *    ("instruction_refused" with the reason);
 *  - a transfer_region outside the EU/EEA without transfer_consent: held
 *    as a pending instruction until an admin confirms it with an explicit
 *    acknowledgement (then executed, consent recorded, audited).
 * Every executed change is one audit entry with instruction = true naming
 * the fields changed.
 */
#ifndef IRIS_PRIVACY_INSTRUCTIONS_H
#define IRIS_PRIVACY_INSTRUCTIONS_H

#include <jansson.h>
#include <stdbool.h>

struct app;
struct store;
struct actor;

/* True for "EU", "EEA" and the ISO codes of EU/EEA member states. */
bool instructions_region_in_eea(const char *region);
/* The tenant's settings {discoverable, objection_window_days, region,
 * transfer_region, transfer_consent, retention: [...]}; NULL on error. */
json_t *tenant_settings_json(struct store *st, const char *tenant_id);
/* The tenant's objection window in days (14 or 30; 30 by default). */
int tenant_settings_objection_window(struct store *st, const char *tenant_id);

enum instruction_outcome { INSTRUCTION_DONE = 0, INSTRUCTION_HELD = 1 };

/* Applies changes (a JSON object of the settings above). Returns
 * INSTRUCTION_DONE, INSTRUCTION_HELD (held_id_r = the pending instruction,
 * reason_r why), or -1 with error_r ("invalid_field", "not_found" for an
 * unknown retention category, "instruction_refused" with reason_r). */
int instructions_apply(struct app *app, struct store *st, const struct actor *actor,
                       const char *tenant_id, json_t *changes, char held_id_r[37],
                       const char **reason_r, const char **error_r);
/* Confirms a pending instruction with an explicit acknowledgement (true):
 * executes it and records the consent. Errors: "not_found", "conflict"
 * (already decided), "invalid_field" (no acknowledgement). */
int instructions_confirm(struct app *app, struct store *st, const struct actor *actor,
                         const char *tenant_id, const char *instruction_id, bool acknowledge,
                         const char **error_r);
/* Cancels a pending instruction. */
int instructions_cancel(struct app *app, struct store *st, const struct actor *actor,
                        const char *tenant_id, const char *instruction_id, const char **error_r);
/* The tenant's held instructions, newest first. */
json_t *instructions_list_json(struct store *st, const char *tenant_id);

#endif
