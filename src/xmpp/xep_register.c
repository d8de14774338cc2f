/*
 * xmpp/xep_register: XEP-0077 In-Band Registration, only its password
 * change use case (§3.3): a bound session sends
 * <query xmlns='jabber:iq:register'><username/><password/></query> to the
 * server. The change goes through auth_change_password, the function REST
 * uses (password policy, SCRAM credentials, revoked tokens, audit entry
 * "account.password_change"); the session's SASL login proved the current
 * password, so none is asked (XEP-0077 sends none). Creating accounts
 * (before login) and cancelling one (<remove/>) stay off: <not-allowed/>.
 */
#include "core/xalloc.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/auth.h"
#include "xml/stanza.h"
#include "xmpp/xep.h"
#include "xmpp/xep_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct register_job {
	struct dbjob job;
	struct xml_doc *doc;
	char account_id[IDS_UUID_LEN];
	char resource[ACCOUNT_EVENTS_KEEP_MAX + 1];
	char *password; /* wiped on free */
	const char *error;
	int rc;
};

/* An error reply with a human text (xep_error has none). Frees doc. */
static void error_text(struct c2s_conn *c, struct xml_doc **doc, enum stanza_error_cond cond,
                       const char *text)
{
	struct stanza_error err = {stanza_error_default_type(cond), cond, text, NULL, NULL};
	struct xml_doc *reply = stanza_error_reply(xml_doc_root(*doc), &err);
	if (reply != NULL) {
		c2s_send(c, xml_doc_root(reply));
		xml_doc_free(&reply);
	}
	xml_doc_free(doc);
}

bool xep_preauth_iq(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	if (stanza_kind(el) != STANZA_IQ || xml_elem_find(el, NS_REGISTER, "query") == NULL)
		return false;
	error_text(c, &doc, STANZA_ERR_NOT_ALLOWED,
	           "accounts are not created over XMPP: ask your administrator, or sign up "
	           "through the Iris web API (POST /api/v1/register)");
	return true;
}

static void register_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct register_job *r = (struct register_job *)job;
	struct principal p;
	memset(&p, 0, sizeof(p));
	r->rc = accounts_get(st, r->account_id, &p.account, &r->error);
	if (r->rc < 0)
		return;
	actor_from_account(&p.actor, &p.account);
	snprintf(p.session, sizeof(p.session), "%s", r->resource);
	r->rc = auth_change_password(app, st, &p, NULL, r->password, NULL, &r->error);
}

static void register_done(struct dbjob *job)
{
	struct register_job *r = (struct register_job *)job;
	struct c2s_conn *c = job->conn;
	const char *e = r->error != NULL ? r->error : "internal";
	if (c->state != C2S_BOUND)
		xml_doc_free(&r->doc);
	else if (job->status == 0 && r->rc == 0)
		xep_result(c, &r->doc, NULL);
	else if (job->status == 0 && strcmp(e, "weak_password") == 0)
		error_text(c, &r->doc, STANZA_ERR_NOT_ACCEPTABLE,
		           "the new password must be 8 to 1024 bytes without control characters "
		           "and differ from the current one");
	else
		xep_error(c, &r->doc, STANZA_ERR_INTERNAL_SERVER_ERROR);
	secret_free(r->password, strlen(r->password));
	free(r);
}

/* get: XEP-0077 §3.1, the entity is registered: its username and the
 * field that can change (never a password value). */
static void register_get(struct c2s_conn *c, struct xml_doc **doc)
{
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *q = xml_elem_new(p, NULL, NS_REGISTER, "query");
	xml_elem_add_child_text(q, NS_REGISTER, "instructions",
	                        "Send your username and a new password to change the password.");
	xml_elem_new(p, q, NS_REGISTER, "registered");
	xml_elem_add_child_text(q, NS_REGISTER, "username", c->acct.username);
	xml_elem_new(p, q, NS_REGISTER, "password");
	xep_result(c, doc, &p);
}

static const char *field(struct xml_elem *q, const char *name)
{
	struct xml_elem *e = xml_elem_find(q, NS_REGISTER, name);
	return e != NULL ? xml_elem_text(e, NULL) : NULL;
}

void xep_register_iq(struct c2s_conn *c, struct xml_doc *doc, struct xml_elem *q, bool set)
{
	if (!set) {
		register_get(c, &doc);
		return;
	}
	if (xml_elem_find(q, NS_REGISTER, "remove") != NULL) {
		error_text(c, &doc, STANZA_ERR_NOT_ALLOWED,
		           "accounts are not deleted over XMPP: use the Iris web API "
		           "(DELETE /api/v1/me, or a deletion request to your administrator)");
		return;
	}
	const char *user = field(q, "username"), *password = field(q, "password");
	if (user == NULL || password == NULL || password[0] == '\0') {
		error_text(c, &doc, STANZA_ERR_BAD_REQUEST, "username and password are required");
		return;
	}
	if (strcmp(user, c->acct.username) != 0) {
		error_text(c, &doc, STANZA_ERR_NOT_ALLOWED, "only your own password can change");
		return;
	}
	struct register_job *r = xcalloc(1, sizeof(*r));
	r->doc = doc;
	r->password = xstrdup(password);
	/* the copy is wiped on free; so is the text in the request kept for
	 * the reply */
	explicit_bzero((char *)password, strlen(password));
	memcpy(r->account_id, c->acct.id, sizeof(r->account_id));
	snprintf(r->resource, sizeof(r->resource), "%s", c->resource ? c->resource : "");
	r->job.conn = c;
	r->job.tx = false; /* PBKDF2 and its own transaction */
	r->job.work = register_work;
	r->job.done = register_done;
	xmpp_job_submit(c->srv, &r->job);
}
