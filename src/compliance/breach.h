/*
 * privacy/breach: the register of personal-data breaches (P-BRE-1) and the
 * count of unsuccessful attempts, which are never breaches (P-BRE-2).
 *
 * A breach records facts, effects and remedies, the affected tenants and
 * users, and the detection time. The 72-hour clock runs from detection: the
 * job "breach.clock" reminds the operator at 24 h and 60 h while a tenant
 * is not notified, and marks the breach overdue at 72 h. Notifying a tenant
 * queues a mail to its admins carrying the report for that tenant only (the
 * documentation it needs for its own notification, Art. 33(3)) and records
 * the time; affected users may be told by e-mail too.
 *
 * Errors: "invalid_field", "not_found", "internal".
 */
#ifndef IRIS_PRIVACY_BREACH_H
#define IRIS_PRIVACY_BREACH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct app;
struct store;
struct actor;

#define BREACH_TEXT_MAX 4000
#define BREACH_DEADLINE_S (72 * 3600)

struct breach_new {
	const char *title, *facts, *effects, *remedies;
	int64_t detected_at; /* Unix s, not in the future */
	json_t *tenant_ids;  /* array of tenant ids (may be NULL) */
	json_t *user_ids;    /* array of account ids (their tenants are added) */
};

/* Records a breach and starts its clock. id_r = the breach. */
int breach_create(struct app *app, struct store *st, const struct actor *actor,
                  const struct breach_new *in, char id_r[37], const char **error_r);
/* Updates facts/effects/remedies (NULL = unchanged) and status ("open",
 * "closed", NULL). */
int breach_update(struct app *app, struct store *st, const struct actor *actor, const char *id,
                  const char *facts, const char *effects, const char *remedies, const char *status,
                  const char **error_r);
/* Notifies tenant_id (NULL: every affected tenant not yet notified);
 * notify_users also mails the affected users of those tenants. A tenant
 * (or user) counts as notified only when a mail to one of its admins (to
 * them) was queued AND an SMTP relay is configured (smtp.url): without a
 * relay the outbox holds every mail. A tenant without an admin with an
 * e-mail address, or whose mail is held, stays unnotified (its clock runs
 * on) and is listed as unreachable (and logged as a warning). Returns the
 * number of tenants notified; *result_r (may be NULL) gets
 * {tenants_notified, mails_queued, delivery ("queued" or "held: no
 * smtp.url"), notified: [{tenant_id, admin_mails, user_mails,
 * users_unreachable}], unreachable: [{tenant_id, admin_mails, user_mails,
 * users_unreachable, reason}]}; users_unreachable: the affected users
 * without an e-mail address (not recorded as told). */
int breach_notify(struct app *app, struct store *st, const struct actor *actor, const char *id,
                  const char *tenant_id, bool notify_users, json_t **result_r,
                  const char **error_r);
/* Operator views: every breach with its state ("open", "notified",
 * "overdue", "closed") and deadline; one breach with its tenants. */
json_t *breach_list_json(struct store *st, int64_t now);
json_t *breach_get_json(struct store *st, const char *id, int64_t now);
/* The report of breach id for one tenant only (NULL if not affected). */
json_t *breach_report_json(struct store *st, const char *id, const char *tenant_id);
/* The notices a tenant received: [{report..., notified_at}]. */
json_t *breach_notices_json(struct store *st, const char *tenant_id);
/* Job body of "breach.clock": arg "<breach id>:<hours>" (24, 60 or 72). */
int breach_clock(struct app *app, struct store *st, const char *arg, int64_t now, char *summary,
                 size_t len);

/* Unsuccessful attempts (P-BRE-2): counts of failed logins by result since
 * `since` (Unix s), installation-wide (tenant NULL) or for one tenant.
 * These are logged, counted and reported; never registered as breaches. */
json_t *breach_unsuccessful_json(struct store *st, const char *tenant_id, int64_t since);

#endif
