/* domain/auth_internal: shared by the auth files and their tests. */
#ifndef IRIS_DOMAIN_AUTH_INTERNAL_H
#define IRIS_DOMAIN_AUTH_INTERNAL_H

#include "domain/auth.h"

/* Issues a token for account_id inside the caller's transaction: fills
 * out->token (64 hex characters) and out->expires_at. ttl_s 0 or above the
 * configured TTL gives the configured TTL. */
int auth_token_issue_tx(struct app *app, struct store *st, const char *account_id,
                        enum token_scope scope, int ttl_s, struct login_result *out);

#endif
