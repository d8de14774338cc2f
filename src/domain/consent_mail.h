/*
 * privacy/consent_mail: the one way to queue mail that needs the
 * recipient's consent or must respect a restriction (P-DSR-4, P-DSR-6).
 * Built with the domain files (it calls mail_enqueue); callers that queue
 * marketing mail use consent_mail_enqueue instead of mail_enqueue.
 *   kind "marketing": only with a current consent "marketing_email" and no
 *                     restriction; else "consent_required" /
 *                     "account_restricted"
 *   other kinds:      refused with "account_restricted" while the subject
 *                     is restricted, except kind "dsr" (answers to the
 *                     subject's own requests)
 */
#ifndef IRIS_PRIVACY_CONSENT_MAIL_H
#define IRIS_PRIVACY_CONSENT_MAIL_H

struct app;
struct store;

#define CONSENT_MAIL_MARKETING "marketing"

/* Checks, then mail_enqueue inside the caller's transaction. */
int consent_mail_enqueue(struct app *app, struct store *st, const char *tenant_id,
                         const char *subject_id, const char *kind, const char *to,
                         const char *subject, const char *body, const char **error_r);

#endif
