/* privacy/register_internal: helpers shared by the registers' files
 * (retention, legal holds, instructions, sub-processors, breaches, reports,
 * termination) and their tests. Not a public contract. */
#ifndef IRIS_PRIVACY_REGISTER_INTERNAL_H
#define IRIS_PRIVACY_REGISTER_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app;
struct store;
struct actor;

/* Appends one audit entry in the caller's transaction (tenant "" for
 * operator events). fields: column names only. */
int regs_audit(struct app *app, struct store *st, const struct actor *actor, const char *tenant_id,
               const char *action, const char *target_type, const char *target_id,
               const char *fields, bool instruction);
/* Queues a mail to every tenant admin of tenant_id with an e-mail address,
 * inside the caller's transaction. Returns the number queued, -1 on error;
 * 0 (no admin has an address) is logged as a warning for the operator, and
 * the caller must not report the tenant as told. */
int regs_mail_admins(struct app *app, struct store *st, const char *tenant_id, const char *kind,
                     const char *subject, const char *body);
/* The same for every active operator account with an e-mail address
 * (breach reminders, the operator's queue of privacy requests). 0 is
 * logged as event=operators_unreachable. */
int regs_mail_operators(struct app *app, struct store *st, const char *kind, const char *subject,
                        const char *body);
/* True when s is 1..max bytes of printable text (UTF-8; newline and tab
 * allowed when multiline). */
bool regs_text_ok(const char *s, size_t max, bool multiline);
/* Runs a one-value integer query with one text parameter (or none). -1 on error. */
int64_t regs_count(struct store *st, const char *sql, const char *param);
/* Collects the first text column of sql (one text parameter) into a
 * malloc'd NULL-terminated array (free with regs_strv_free). */
char **regs_strv(struct store *st, const char *sql, const char *param);
void regs_strv_free(char **v);
/* HTML-escapes s into a new string. */
char *regs_html_escape(const char *s);

#endif
