/*
 * privacy/restriction: restriction of processing (P-DSR-4, Art. 18). While
 * an account is restricted its data is kept but not processed: login (REST
 * and XMPP) is refused with "account_restricted", every token is revoked,
 * live XMPP sessions end at once (account_events, ACCOUNT_CHANGE_RESTRICTED),
 * and mail other than the answer to the subject's own
 * requests is not sent. Restricting the core processing suspends the
 * service; callers must have the setter confirm that (see docs). Setting and
 * lifting are audited (an instruction when an admin does it).
 */
#ifndef IRIS_PRIVACY_RESTRICTION_H
#define IRIS_PRIVACY_RESTRICTION_H

#include <stdbool.h>
#include <stdint.h>

#include "privacy/dsr.h"

/* The message every refusal carries. */
#define RESTRICTION_MESSAGE                                                                        \
	"processing of this account is restricted (GDPR Art. 18): its data is kept but not "       \
	"used, which suspends the service; the account holder or the tenant admin can lift the "   \
	"restriction"

/* True when account_id is restricted; since_r (may be NULL) the time. */
bool restriction_is_set(struct store *st, const char *account_id, int64_t *since_r);
/* Sets (restricted true) or lifts it, in its own transaction; when setting,
 * revokes the account's tokens and, after the commit, notifies
 * ACCOUNT_CHANGE_RESTRICTED (live sessions end). Idempotent. */
int restriction_set(const struct dsr_ctx *cx, const struct dsr_actor *actor, const char *tenant_id,
                    const char *account_id, bool restricted, const char **error_r);

#endif
