/* privacy/consent_mail: see consent_mail.h. */
#include "domain/consent_mail.h"
#include "domain/mail.h"
#include "privacy/consent.h"
#include "privacy/restriction.h"

#include <string.h>

int consent_mail_enqueue(struct app *app, struct store *st, const char *tenant_id,
                         const char *subject_id, const char *kind, const char *to,
                         const char *subject, const char *body, const char **error_r)
{
	if (restriction_is_set(st, subject_id, NULL) && strcmp(kind, "dsr") != 0)
		return *error_r = "account_restricted", -1;
	if (strcmp(kind, CONSENT_MAIL_MARKETING) == 0 &&
	    !consent_current(st, subject_id, CONSENT_MARKETING_EMAIL))
		return *error_r = "consent_required", -1;
	if (mail_enqueue(app, st, tenant_id, subject_id, kind, to, subject, body) < 0)
		return *error_r = "internal", -1;
	*error_r = NULL;
	return 0;
}
