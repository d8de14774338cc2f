/* privacy/register_util: see register_internal.h. */
#include "compliance/register_internal.h"
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/mail.h"
#include "privacy/audit.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

int regs_audit(struct app *app, struct store *st, const struct actor *actor, const char *tenant_id,
               const char *action, const char *target_type, const char *target_id,
               const char *fields, bool instruction)
{
	struct audit_event ev = {
	    .tenant_id = tenant_id,
	    .actor_id = actor->id,
	    .actor_role = actor->role == ROLE_OPERATOR && strcmp(actor->id, "system") == 0
	                      ? "system"
	                      : account_role_name(actor->role),
	    .action = action,
	    .target_type = target_type,
	    .target_id = target_id,
	    .fields = fields,
	    .instruction = instruction,
	};
	return audit_append(st, app->keys, &ev, (unsigned)app->cfg->audit_checkpoint_every);
}

/* Queues the mail to every account ids names that has an e-mail address;
 * the number queued (0: nobody had an address), -1 on a storage error. */
static int mail_accounts(struct app *app, struct store *st, char **ids, const char *tenant_id,
                         const char *kind, const char *subject, const char *body)
{
	int n = 0;
	for (char **id = ids; *id != NULL && n >= 0; id++) {
		struct account acc;
		const char *error = NULL;
		char *email = NULL;
		if (accounts_get(st, *id, &acc, &error) < 0 ||
		    accounts_email(app, st, &acc, &email) < 0) {
			n = -1;
			break;
		}
		if (email != NULL)
			n = mail_enqueue(app, st, tenant_id, acc.id, kind, email, subject, body) < 0
			        ? -1
			        : n + 1;
		free(email);
	}
	regs_strv_free(ids);
	return n;
}

int regs_mail_admins(struct app *app, struct store *st, const char *tenant_id, const char *kind,
                     const char *subject, const char *body)
{
	char **ids =
	    regs_strv(st,
	              "SELECT id FROM accounts WHERE tenant_id = ? AND role = 'tenant_admin'"
	              " AND status = 'active' ORDER BY username",
	              tenant_id);
	if (ids == NULL)
		return -1;
	int n = mail_accounts(app, st, ids, tenant_id, kind, subject, body);
	/* Nobody to tell: the operator must know (the caller reports it too). */
	if (n == 0)
		log_warn("event=tenant_admins_unreachable tenant=%s kind=%s reason=no_admin_email",
		         tenant_id, kind);
	return n;
}

int regs_mail_operators(struct app *app, struct store *st, const char *kind, const char *subject,
                        const char *body)
{
	char **ids =
	    regs_strv(st,
	              "SELECT id FROM accounts WHERE role = 'operator' AND status = 'active'"
	              " AND tenant_id = ? ORDER BY username",
	              "");
	if (ids == NULL)
		return -1;
	int n = mail_accounts(app, st, ids, "", kind, subject, body);
	/* Nobody to tell: the log is the operator's last channel. */
	if (n == 0)
		log_warn("event=operators_unreachable kind=%s reason=no_operator_email", kind);
	return n;
}

bool regs_text_ok(const char *s, size_t max, bool multiline)
{
	size_t len = s != NULL ? strlen(s) : 0;
	if (len == 0 || len > max)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == 0x7f || (*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t'))))
			return false;
	}
	return true;
}

int64_t regs_count(struct store *st, const char *sql, const char *param)
{
	struct store_stmt *q = param ? store_query(st, sql, "s", param) : store_query(st, sql, "");
	int64_t n = -1;
	if (q != NULL && store_step(q) == STORE_ROW)
		n = store_col_int(q, 0);
	store_stmt_done(q);
	return n;
}

char **regs_strv(struct store *st, const char *sql, const char *param)
{
	struct store_stmt *q = param ? store_query(st, sql, "s", param) : store_query(st, sql, "");
	size_t n = 0, cap = 8;
	char **v = xmalloc(cap * sizeof(*v));
	int rc = STORE_ERROR;
	if (q != NULL) {
		while ((rc = store_step(q)) == STORE_ROW) {
			const char *t = store_col_text(q, 0);
			if (n + 1 >= cap)
				v = xrealloc(v, (cap *= 2) * sizeof(*v));
			v[n++] = xstrdup(t != NULL ? t : "");
		}
	}
	store_stmt_done(q);
	v[n] = NULL;
	if (rc != STORE_DONE) {
		regs_strv_free(v);
		return NULL;
	}
	return v;
}

void regs_strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

char *regs_html_escape(const char *s)
{
	size_t len = 0;
	for (const char *p = s; *p; p++)
		len += strchr("<>&\"'", *p) ? 6 : 1;
	char *out = xmalloc(len + 1), *o = out;
	for (const char *p = s; *p; p++) {
		const char *rep = *p == '<'    ? "&lt;"
		                  : *p == '>'  ? "&gt;"
		                  : *p == '&'  ? "&amp;"
		                  : *p == '"'  ? "&quot;"
		                  : *p == '\'' ? "&#39;"
		                               : NULL;
		if (rep != NULL) {
			memcpy(o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}
