/*
 * privacy/consent: consents (Art. 7) and objections (Art. 21), P-DSR-6.
 * A consent is recorded per purpose with the time it was given; withdrawal
 * stamps withdrawn_at and takes effect at once (consent_current is false from
 * that moment). An objection records the purpose objected to (and an
 * optional reason, sealed); an objection to direct marketing also withdraws
 * the marketing consent (Art. 21(3)).
 *
 * Purposes that need consent: CONSENT_PURPOSES. Mail of kind "marketing" is
 * sent only through consent_mail_enqueue (domain side, consent_mail.h),
 * which checks consent_current(..., "marketing_email").
 */
#ifndef IRIS_PRIVACY_CONSENT_H
#define IRIS_PRIVACY_CONSENT_H

#include <jansson.h>
#include <stdbool.h>

#include "privacy/dsr.h"

#define CONSENT_MARKETING_EMAIL "marketing_email"
#define OBJECTION_REASON_MAX 2000

/* The purposes Iris asks consent for, NULL-terminated. */
extern const char *const consent_purposes[];
/* True when purpose is one of consent_purposes. */
bool consent_purpose_known(const char *purpose);
/* True when purpose is a valid objection purpose ([a-z0-9_], 1..64). */
bool objection_purpose_valid(const char *purpose);

/* True only while a consent for purpose is given and not withdrawn. */
bool consent_current(struct store *st, const char *account_id, const char *purpose);
/* Gives (given true) or withdraws consent for purpose; own transaction,
 * audited. Errors: "invalid_field". Idempotent. */
int consent_set(const struct dsr_ctx *cx, const struct dsr_actor *actor, const char *tenant_id,
                const char *account_id, const char *purpose, bool given, const char **error_r);
/* The account's consent records, newest first: [{id, purpose, given_at,
 * withdrawn_at, current}]. */
int consent_list(const struct dsr_ctx *cx, const char *account_id, json_t **out_r);

/* Records an objection (reason may be NULL); id_r receives its id. */
int objection_record(const struct dsr_ctx *cx, const struct dsr_actor *actor, const char *tenant_id,
                     const char *account_id, const char *purpose, const char *reason,
                     char id_r[IDS_UUID_LEN], const char **error_r);
/* [{id, purpose, reason, created_at}] (reason opened). */
int objection_list(const struct dsr_ctx *cx, const char *tenant_id, const char *account_id,
                   json_t **out_r);

#endif
