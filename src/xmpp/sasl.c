/*
 * xmpp/sasl: SASL authentication of a c2s stream (RFC 6120 §6) with
 * SCRAM-SHA-256, SCRAM-SHA-1 (RFC 5802, 7677) and PLAIN (RFC 4616, only
 * under TLS), against the credentials the REST API uses.
 *
 * Every attempt is throttled and recorded exactly as REST logins are
 * (login_events: time, result, pseudonymised and sealed address) and in the
 * connection log (P-SEC-5, P-LOG-1). Lookups and PBKDF2 run on the worker
 * pool; the record is group-committed before the client hears the outcome.
 *
 * Under TLS, SCRAM-SHA-256-PLUS and SCRAM-SHA-1-PLUS bind the exchange to
 * the TLS session (RFC 5802 §6): tls-exporter (RFC 9266, TLS 1.3) or
 * tls-server-end-point (RFC 5929), advertised with XEP-0440. While binding
 * is offered, a client claiming "y" (it would bind but thinks we cannot) is
 * refused as a downgrade.
 */
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/auth.h"
#include "net/tls.h"
#include "privacy/account_changes.h"
#include "privacy/restriction.h"
#include "store/store.h"
#include "xmpp/c2s_internal.h"
#include "xmpp/sasl_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sasl_mech { MECH_NONE = 0, MECH_SCRAM_SHA256, MECH_SCRAM_SHA1, MECH_PLAIN };

struct sasl_state {
	enum sasl_mech mech;
	struct scram_server *scram;
	char username[65];
	bool found;
	struct xacct acct;
	bool busy;
	char user_key[65];             /* what the login throttle counts (auth_user_key) */
	struct scram_credentials cred; /* as looked up: the login rechecks them */
};

void sasl_free(struct sasl_state **s)
{
	if (*s == NULL)
		return;
	scram_server_free(&(*s)->scram);
	secret_free(*s, sizeof(**s));
	*s = NULL;
}

const struct xacct *sasl_account(const struct c2s_conn *c)
{
	const struct sasl_state *s = c->sasl;
	return s != NULL && s->found && s->mech != MECH_NONE ? &s->acct : NULL;
}

static bool plaintext_ok(const struct c2s_conn *c)
{
	const struct config *cfg = c->srv->cfg;
	return c->secure || (cfg->xmpp_plaintext && cfg->dev_mode && c->loopback);
}

#define NS_SASL_CB "urn:xmpp:sasl-cb:0"

/* Channel-binding types this connection supports (may be none). */
static bool cb_available(struct c2s_conn *c, const char *type)
{
	unsigned char buf[64];
	return c->srv->cfg->xmpp_channel_binding && c->tls_active &&
	       tls_conn_channel_binding(c->tls, type, buf, sizeof(buf)) > 0;
}

void sasl_features(struct c2s_conn *c, struct xml_elem *features)
{
	struct xml_doc *d = xml_elem_doc(features);
	struct xml_elem *m = xml_elem_new(d, features, XMPP_NS_SASL, "mechanisms");
	bool exporter = cb_available(c, "tls-exporter");
	bool endpoint = cb_available(c, "tls-server-end-point");
	if (exporter || endpoint) {
		xml_elem_add_child_text(m, XMPP_NS_SASL, "mechanism", "SCRAM-SHA-256-PLUS");
		xml_elem_add_child_text(m, XMPP_NS_SASL, "mechanism", "SCRAM-SHA-1-PLUS");
		/* XEP-0440: which channel-binding types */
		struct xml_elem *cb = xml_elem_new(d, features, NS_SASL_CB, "sasl-channel-binding");
		if (exporter)
			xml_elem_set_attr(xml_elem_new(d, cb, NS_SASL_CB, "channel-binding"),
			                  "type", "tls-exporter");
		if (endpoint)
			xml_elem_set_attr(xml_elem_new(d, cb, NS_SASL_CB, "channel-binding"),
			                  "type", "tls-server-end-point");
	}
	xml_elem_add_child_text(m, XMPP_NS_SASL, "mechanism", "SCRAM-SHA-256");
	xml_elem_add_child_text(m, XMPP_NS_SASL, "mechanism", "SCRAM-SHA-1");
	if (c->secure)
		xml_elem_add_child_text(m, XMPP_NS_SASL, "mechanism", "PLAIN");
}

static void failure(struct c2s_conn *c, const char *cond, const char *text)
{
	char *s =
	    xasprintf("<failure xmlns='%s'><%s/>%s%s%s</failure>", XMPP_NS_SASL, cond,
	              text ? "<text xml:lang='en'>" : "", text ? text : "", text ? "</text>" : "");
	c2s_send_raw(c, s);
	free(s);
	if (c->sasl != NULL) {
		scram_server_free(&c->sasl->scram);
		c->sasl->mech = MECH_NONE;
		c->sasl->busy = false;
	}
}

/* ---- recording the outcome ------------------------------------------ */

struct record_job {
	struct dbjob job;
	struct xacct acct;
	bool found;
	char result[16];
	char addr[64];
	char addr_hash[65];
	char user_key[65];
	char *reply;      /* SCRAM server-final, for <success/> */
	const char *cond; /* SASL failure to send after the record, or NULL */
	const char *text;
	struct scram_credentials cred; /* as looked up */
	int64_t seq;                   /* account_state_changes seen by the commit */
};

int connlog_write(struct store *st, const char *account_id, const char *tenant_id,
                  const char *event, const char *addr_hash, const char *client)
{
	return auth_connlog_write(st, account_id, tenant_id, "xmpp", event, addr_hash, client);
}

static bool same_credentials(const struct scram_credentials *a, const struct scram_credentials *b)
{
	return a->hash == b->hash && a->iterations == b->iterations &&
	       memcmp(a->salt, b->salt, sizeof(a->salt)) == 0 &&
	       memcmp(a->stored_key, b->stored_key, sizeof(a->stored_key)) == 0 &&
	       memcmp(a->server_key, b->server_key, sizeof(a->server_key)) == 0;
}

static void refuse(struct record_job *r, const char *result, const char *cond, const char *text)
{
	snprintf(r->result, sizeof(r->result), "%s", result);
	r->cond = cond;
	r->text = text;
}

/* The last step of a login, inside the transaction that records it. The
 * account may have changed since the lookup while the client answered the
 * challenge (restricted, disabled, a new password, erased): then the login
 * is refused as if the change had come first. BEGIN IMMEDIATE serialises
 * this with the change; a change committed after it has a seq above r->seq
 * and ends the session (account_watch.c). -1 on a store error. */
static int recheck(struct store *st, struct record_job *r)
{
	struct xacct now;
	struct scram_credentials cred;
	int found = xacct_by_username(st, r->acct.username, &now);
	r->seq = account_changes_last(st);
	if (found < 0 || r->seq < 0)
		return -1;
	if (found == 0 || strcmp(now.id, r->acct.id) != 0) {
		r->found = false; /* erased: nothing to tie the record to */
		refuse(r, "unknown_user", "not-authorized", NULL);
		return 0;
	}
	bool same = sasl_credentials(st, now.id, r->cred.hash, &cred) == 0 &&
	            same_credentials(&cred, &r->cred);
	secret_wipe(&cred, sizeof(cred));
	if (!same || now.must_change_password)
		refuse(r, "bad_password", "not-authorized", NULL);
	else if (strcmp(now.status, "active") != 0)
		refuse(r, "disabled", "account-disabled", NULL);
	else if (restriction_is_set(st, now.id, NULL))
		refuse(r, "restricted", "account-disabled",
		       "processing of this account is restricted");
	return 0;
}

static void record_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct record_job *r = (struct record_job *)job;
	struct account acc;
	memset(&acc, 0, sizeof(acc));
	if (r->found && r->cond == NULL && recheck(st, r) < 0) {
		job->status = -1;
		return;
	}
	if (r->found) {
		memcpy(acc.id, r->acct.id, sizeof(acc.id));
		memcpy(acc.tenant_id, r->acct.tenant_id, sizeof(acc.tenant_id));
		snprintf(acc.username, sizeof(acc.username), "%s", r->acct.username);
	}
	if (auth_record_event(app, st, r->found ? &acc : NULL, r->user_key, r->addr_hash, r->addr,
	                      r->result) < 0 ||
	    connlog_write(st, r->found ? r->acct.id : NULL, r->found ? r->acct.tenant_id : "",
	                  strcmp(r->result, "success") == 0 ? "login" : "login_failed",
	                  r->addr_hash, NULL) < 0)
		job->status = -1;
}

static void record_done(struct dbjob *job)
{
	struct record_job *r = (struct record_job *)job;
	struct c2s_conn *c = job->conn;
	char pseudo[LOG_PSEUDONYM_LEN];
	log_info("event=xmpp_login result=%s account=%s", r->result,
	         r->found ? log_pseudonym(r->acct.id, pseudo) : "-");
	if (c->state == C2S_CLOSING)
		goto out;
	if (job->status < 0) {
		failure(c, "temporary-auth-failure", NULL);
	} else if (r->cond != NULL) {
		failure(c, r->cond, r->text);
	} else {
		char *b64 = sasl_b64_encode(r->reply, strlen(r->reply));
		char *s = xasprintf("<success xmlns='%s'>%s</success>", XMPP_NS_SASL,
		                    r->reply[0] ? b64 : "");
		c2s_send_raw(c, s);
		free(s);
		free(b64);
		c->acct = r->acct;
		c->state_seq = r->seq;
		memcpy(c->addr_hash, r->addr_hash, sizeof(c->addr_hash));
		c->state = C2S_AUTHED;
		sasl_free(&c->sasl);
		c2s_restart_stream(c);
	}
out:
	free(r->reply);
	secret_free(r, sizeof(*r));
}

/* Records the attempt, then answers: success (reply = SCRAM final or "")
 * or the SASL failure cond. */
static void record(struct c2s_conn *c, const char *result, const char *addr_hash, const char *reply,
                   const char *cond, const char *text)
{
	struct record_job *r = xcalloc(1, sizeof(*r));
	r->job.conn = c;
	r->job.tx = true;
	r->job.work = record_work;
	r->job.done = record_done;
	r->found = c->sasl->found;
	r->acct = c->sasl->acct;
	r->cred = c->sasl->cred;
	snprintf(r->result, sizeof(r->result), "%s", result);
	snprintf(r->addr, sizeof(r->addr), "%s", c->addr);
	snprintf(r->addr_hash, sizeof(r->addr_hash), "%s", addr_hash);
	memcpy(r->user_key, c->sasl->user_key, sizeof(r->user_key));
	r->reply = xstrdup(reply != NULL ? reply : "");
	r->cond = cond;
	r->text = text;
	xmpp_job_submit(c->srv, &r->job);
}

/* The text of <credentials-expired/>: where a one-time password changes.
 * Not over XMPP (this very login is refused), but over HTTPS; XEP-0077
 * works for later changes. Built once from server.public_url (loop
 * thread); the static buffer outlives the record job that points to it. */
static const char *expired_text(const struct c2s_conn *c)
{
	static char text[640];
	const char *url =
	    c->srv->app != NULL && c->srv->app->public_url != NULL ? c->srv->app->public_url : "";
	if (text[0] != '\0')
		return text;
	if (strpbrk(url, "<>&'\"") != NULL)
		url = ""; /* failure() writes the text as is: no markup */
	int n = snprintf(text, sizeof(text),
	                 "this account still has its one-time password: change it over HTTPS "
	                 "first (POST %s/api/v1/auth/login with it, then POST "
	                 "%s/api/v1/me/password), then sign in again; later changes can also "
	                 "be made from the XMPP client (XEP-0077)",
	                 url, url);
	if (n < 0 || (size_t)n >= sizeof(text))
		snprintf(text, sizeof(text), "%s",
		         "this account still has its one-time password: change it first with "
		         "POST /api/v1/me/password over HTTPS, then sign in again");
	return text;
}

/* What a correct password leads to, by account status. */
static void judge_and_record(struct c2s_conn *c, const char *addr_hash, const char *reply)
{
	const struct xacct *a = &c->sasl->acct;
	if (strcmp(a->status, "pending") == 0)
		record(c, "pending", addr_hash, NULL, "account-disabled",
		       "confirm your e-mail address first");
	else if (strcmp(a->status, "active") != 0)
		record(c, "disabled", addr_hash, NULL, "account-disabled", NULL);
	else if (a->restricted)
		record(c, "restricted", addr_hash, NULL, "account-disabled",
		       "processing of this account is restricted");
	else if (a->must_change_password)
		record(c, "success", addr_hash, NULL, "credentials-expired", expired_text(c));
	else
		record(c, "success", addr_hash, reply, NULL, NULL);
}

/* ---- lookup (worker) -------------------------------------------------- */

struct lookup_job {
	struct dbjob job;
	char username[65];
	char addr[64];
	char addr_hash[65];
	char user_key[65];
	enum scram_hash hash;
	int found; /* 1, 0, -1 */
	struct xacct acct;
	int64_t seq; /* account_state_changes seen before the account was read */
	int wait;
	struct scram_credentials cred;
	/* PLAIN */
	char *password;
	bool password_ok;
	unsigned iterations;
	unsigned char fake_key[32];
};

static void lookup_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct lookup_job *l = (struct lookup_job *)job;
	/* read first: a change after this seq may be missed below, so it
	 * still ends the exchange (account_watch.c) */
	l->seq = account_changes_last(st);
	if (l->seq < 0 || auth_address_hash(app, st, l->addr, l->addr_hash) < 0) {
		job->status = -1;
		return;
	}
	l->found = xacct_by_username(st, l->username, &l->acct);
	if (l->found < 0 || auth_user_key(app, st, l->found == 1 ? l->acct.id : NULL, l->username,
	                                  l->user_key) < 0) {
		job->status = -1;
		return;
	}
	l->wait = auth_throttle_check(app, st, l->user_key, l->addr_hash);
	/* restriction of processing (P-DSR-4): data kept, service suspended */
	if (l->found == 1)
		l->acct.restricted = restriction_is_set(st, l->acct.id, NULL);
	if (l->wait < 0) {
		job->status = -1;
		return;
	}
	if (l->wait > 0)
		return;
	if (!l->found || sasl_credentials(st, l->acct.id, l->hash, &l->cred) < 0) {
		l->found = 0;
		scram_credentials_fake(l->hash, l->iterations, l->fake_key, l->username, &l->cred);
	}
	if (l->password != NULL) /* PLAIN: the PBKDF2 runs here, off the loop */
		l->password_ok = scram_password_matches(l->password, &l->cred) && l->found;
}

static void lookup_free(struct lookup_job *l)
{
	if (l->password != NULL)
		secret_free(l->password, strlen(l->password) + 1);
	secret_free(l, sizeof(*l));
}

static void lookup_done(struct dbjob *job)
{
	struct lookup_job *l = (struct lookup_job *)job;
	struct c2s_conn *c = job->conn;
	const char *reply = NULL, *err = NULL;
	if (c->state == C2S_CLOSING || c->sasl == NULL)
		goto out;
	c->sasl->busy = false;
	if (job->status < 0) {
		failure(c, "temporary-auth-failure", NULL);
		goto out;
	}
	c->sasl->found = l->found == 1;
	c->sasl->acct = l->acct;
	c->sasl->cred = l->cred;
	c->state_seq = l->seq;
	memcpy(c->sasl->user_key, l->user_key, sizeof(c->sasl->user_key));
	if (l->wait > 0) {
		c->sasl->busy = true;
		record(c, "throttled", l->addr_hash, NULL, "temporary-auth-failure",
		       "too many failed logins; try again later");
		goto out;
	}
	if (c->sasl->mech == MECH_PLAIN) {
		c->sasl->busy = true;
		if (!l->password_ok)
			record(c, c->sasl->found ? "bad_password" : "unknown_user", l->addr_hash,
			       NULL, "not-authorized", NULL);
		else
			judge_and_record(c, l->addr_hash, "");
		goto out;
	}
	if (scram_server_first(c->sasl->scram, &l->cred, &reply, &err) < 0) {
		failure(c, "malformed-request", NULL);
		goto out;
	}
	memcpy(c->addr_hash, l->addr_hash, sizeof(c->addr_hash));
	char *b64 = sasl_b64_encode(reply, strlen(reply));
	char *s = xasprintf("<challenge xmlns='%s'>%s</challenge>", XMPP_NS_SASL, b64);
	c2s_send_raw(c, s);
	free(s);
	free(b64);
out:
	lookup_free(l);
}

static void lookup(struct c2s_conn *c, const char *username, enum scram_hash hash, char *password)
{
	struct lookup_job *l = xcalloc(1, sizeof(*l));
	l->job.conn = c;
	l->job.tx = false;
	l->job.work = lookup_work;
	l->job.done = lookup_done;
	snprintf(l->username, sizeof(l->username), "%s", username);
	snprintf(l->addr, sizeof(l->addr), "%s", c->addr);
	l->hash = hash;
	l->password = password;
	l->iterations = (unsigned)c->srv->cfg->scram_iterations;
	memcpy(l->fake_key, c->srv->fake_key, sizeof(l->fake_key));
	c->sasl->busy = true;
	xmpp_job_submit(c->srv, &l->job);
}

/* ---- mechanisms --------------------------------------------------------- */

static bool authzid_ok(struct c2s_conn *c, const char *authzid, const char *user)
{
	if (authzid == NULL || authzid[0] == '\0')
		return true;
	char *mine = xasprintf("%s@%s", user, c->srv->domain);
	bool ok = strcmp(authzid, mine) == 0;
	free(mine);
	return ok;
}

static void plain_start(struct c2s_conn *c, unsigned char *msg, size_t len)
{
	/* authzid NUL authcid NUL password */
	const char *authzid = (const char *)msg;
	const char *p1 = memchr(msg, '\0', len);
	const char *p2 = p1 ? memchr(p1 + 1, '\0', len - (size_t)(p1 + 1 - (char *)msg)) : NULL;
	if (p1 == NULL || p2 == NULL ||
	    memchr(p2 + 1, '\0', len - (size_t)(p2 + 1 - (char *)msg))) {
		failure(c, "malformed-request", NULL);
		return;
	}
	const char *user = p1 + 1, *pass = p2 + 1;
	size_t plen = len - (size_t)(pass - (char *)msg);
	if (!accounts_username_valid(user) || plen == 0 || plen > SCRAM_PASSWORD_MAX) {
		/* still recorded and throttled as an unknown user */
		user = "-invalid-";
	}
	if (!authzid_ok(c, authzid, user)) {
		failure(c, "invalid-authzid", NULL);
		return;
	}
	snprintf(c->sasl->username, sizeof(c->sasl->username), "%s", user);
	lookup(c, user, SCRAM_SHA256, xstrndup(pass, plen));
}

/* The binding a client-first message asks for ("p=<type>,"), or the one we
 * offer (so that "y" is refused as a downgrade); NULL type when none. */
static int pick_binding(struct c2s_conn *c, bool plus, const unsigned char *msg, size_t len,
                        char type[32], unsigned char data[64])
{
	type[0] = '\0';
	if (plus) {
		const unsigned char *comma = len > 2 ? memchr(msg, ',', len) : NULL;
		if (msg[0] != 'p' || msg[1] != '=' || comma == NULL || comma - msg - 2 >= 32)
			return -1; /* -PLUS needs the client to bind */
		snprintf(type, 32, "%.*s", (int)(comma - msg - 2), (const char *)msg + 2);
	} else {
		if (len > 0 && msg[0] == 'p')
			return -1; /* binding without -PLUS */
		snprintf(type, 32, "%s",
		         cb_available(c, "tls-exporter")           ? "tls-exporter"
		         : cb_available(c, "tls-server-end-point") ? "tls-server-end-point"
		                                                   : "");
		if (type[0] == '\0')
			return 0;
	}
	int n = c->srv->cfg->xmpp_channel_binding
	            ? tls_conn_channel_binding(c->tls_active ? c->tls : NULL, type, data, 64)
	            : -1;
	if (n < 0) {
		/* unknown or unavailable type: the exchange fails in scram_server */
		snprintf(type, 32, "%s", plus ? "unsupported" : "");
		return 0;
	}
	return n;
}

static void scram_start(struct c2s_conn *c, enum scram_hash hash, bool plus, unsigned char *msg,
                        size_t len)
{
	const char *user = NULL, *authzid = NULL, *err = NULL;
	char cb_type[32];
	unsigned char cb_data[64];
	int cb_len = pick_binding(c, plus, msg, len, cb_type, cb_data);
	if (cb_len < 0) {
		failure(c, "malformed-request", "channel binding does not match the mechanism");
		return;
	}
	c->sasl->scram = scram_server_new(hash, cb_type[0] ? cb_type : NULL, cb_data,
	                                  cb_len > 0 ? (size_t)cb_len : 0);
	secret_wipe(cb_data, sizeof(cb_data));
	if (scram_server_client_first(c->sasl->scram, (const char *)msg, len, &user, &authzid,
	                              &err) < 0) {
		failure(c, "malformed-request", NULL);
		return;
	}
	if (!authzid_ok(c, authzid, user)) {
		failure(c, "invalid-authzid", NULL);
		return;
	}
	snprintf(c->sasl->username, sizeof(c->sasl->username), "%s",
	         accounts_username_valid(user) ? user : "-invalid-");
	lookup(c, c->sasl->username, hash, NULL);
}

static void on_auth(struct c2s_conn *c, struct xml_elem *el)
{
	const char *mech = xml_elem_attr(el, "mechanism");
	unsigned char *msg = NULL;
	size_t len = 0;
	if (c->sasl == NULL)
		c->sasl = xcalloc(1, sizeof(*c->sasl));
	if (c->sasl->mech != MECH_NONE) {
		failure(c, "aborted", "one exchange at a time");
		return;
	}
	if (!plaintext_ok(c) || (mech != NULL && strcmp(mech, "PLAIN") == 0 && !c->secure)) {
		failure(c, "encryption-required", "use STARTTLS first");
		return;
	}
	if (sasl_b64_decode(xml_elem_text(el, NULL), &msg, &len) < 0) {
		failure(c, "incorrect-encoding", NULL);
		return;
	}
	bool plus =
	    mech != NULL && strlen(mech) > 5 && strcmp(mech + strlen(mech) - 5, "-PLUS") == 0;
	if (mech != NULL &&
	    (strcmp(mech, "SCRAM-SHA-256") == 0 || strcmp(mech, "SCRAM-SHA-256-PLUS") == 0)) {
		c->sasl->mech = MECH_SCRAM_SHA256;
		scram_start(c, SCRAM_SHA256, plus, msg, len);
	} else if (mech != NULL &&
	           (strcmp(mech, "SCRAM-SHA-1") == 0 || strcmp(mech, "SCRAM-SHA-1-PLUS") == 0)) {
		c->sasl->mech = MECH_SCRAM_SHA1;
		scram_start(c, SCRAM_SHA1, plus, msg, len);
	} else if (mech != NULL && strcmp(mech, "PLAIN") == 0) {
		c->sasl->mech = MECH_PLAIN;
		plain_start(c, msg, len);
	} else {
		failure(c, "invalid-mechanism", NULL);
	}
	secret_free(msg, len + 1);
}

static void on_response(struct c2s_conn *c, struct xml_elem *el)
{
	unsigned char *msg = NULL;
	size_t len = 0;
	const char *reply = NULL, *err = NULL;
	struct sasl_state *s = c->sasl;
	if (s == NULL || s->scram == NULL || s->busy) {
		failure(c, "malformed-request", "no exchange in progress");
		return;
	}
	if (sasl_b64_decode(xml_elem_text(el, NULL), &msg, &len) < 0) {
		failure(c, "incorrect-encoding", NULL);
		return;
	}
	int rc = scram_server_final(s->scram, (const char *)msg, len, &reply, &err);
	secret_free(msg, len + 1);
	s->busy = true;
	if (rc < 0 || !s->found)
		record(c, s->found ? "bad_password" : "unknown_user", c->addr_hash, NULL,
		       "not-authorized", NULL);
	else
		judge_and_record(c, c->addr_hash, reply);
}

void sasl_handle(struct c2s_conn *c, struct xml_elem *el)
{
	const char *name = xml_elem_name(el);
	if (strcmp(name, "auth") == 0)
		on_auth(c, el);
	else if (strcmp(name, "response") == 0)
		on_response(c, el);
	else if (strcmp(name, "abort") == 0)
		failure(c, "aborted", NULL);
	else
		c2s_stream_error(c, STREAM_ERR_POLICY_VIOLATION, "unexpected SASL element");
}
