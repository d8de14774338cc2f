/*
 * xmpp/session: resource binding (RFC 6120 §7), several resources per
 * account with "the new session wins" conflicts, the session's stanza
 * dispatch, its end, and the client-version query that feeds the
 * connection log (P-LOG-1).
 */
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "xmpp/c2s_internal.h"
#include "xml/jid.h"
#include "xmpp/pep.h"
#include "xml/stanza.h"
#include "xmpp/xep.h"
#include "xmpp/xmpp_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void session_features(struct c2s_conn *c, struct xml_elem *features)
{
	struct xml_doc *d = xml_elem_doc(features);
	xml_elem_new(d, features, XMPP_NS_BIND, "bind");
	struct xml_elem *s = xml_elem_new(d, features, XMPP_NS_SESSION, "session");
	xml_elem_new(d, s, XMPP_NS_SESSION, "optional");
	xep_stream_features(c, features); /* XEP-0115 caps */
}

/* Sends <iq type='result'/> for iq, with the root of *payload_doc as child
 * when given (the doc is freed). Every handler's result goes through here:
 * from = the request's to (stanza_iq_result), to = the session's JID. */
void server_send_iq_result(struct c2s_conn *c, const struct xml_elem *iq,
                           struct xml_doc **payload_doc)
{
	struct xml_doc *d = stanza_iq_result(iq, c->full);
	if (payload_doc != NULL && *payload_doc != NULL) {
		xml_elem_copy(d, xml_doc_root(d), xml_doc_root(*payload_doc));
		xml_doc_free(payload_doc);
	}
	c2s_send(c, xml_doc_root(d));
	xml_doc_free(&d);
}

size_t xuser_available(struct xuser *u, struct c2s_conn **out, size_t max)
{
	size_t n = 0;
	for (struct c2s_conn *s = u->sessions; s != NULL && n < max; s = s->unext)
		if (s->available)
			out[n++] = s;
	return n;
}

static void link_session(struct c2s_conn *c)
{
	struct xuser *u = xmpp_user_get(c->srv, &c->acct);
	c->user = u;
	c->unext = u->sessions;
	u->sessions = c;
	u->n_sessions++;
	xmpp_metrics_session(1);
}

static void unlink_session(struct c2s_conn *c)
{
	struct xuser *u = c->user;
	if (u == NULL)
		return;
	struct c2s_conn **p = &u->sessions;
	while (*p != NULL && *p != c)
		p = &(*p)->unext;
	if (*p == c)
		*p = c->unext;
	u->n_sessions--;
	xmpp_metrics_session(-1);
	c->user = NULL;
	if (u->sessions == NULL)
		xmpp_user_drop(c->srv, u);
}

static void ask_client_version(struct c2s_conn *c)
{
	xmpp_server_new_id(c->srv, c->version_id);
	struct xml_doc *d =
	    stanza_new(STANZA_IQ, NULL, "get", c->full, c->srv->domain, c->version_id);
	xml_elem_new(d, xml_doc_root(d), XMPP_NS_VERSION, "query");
	c2s_send(c, xml_doc_root(d));
	xml_doc_free(&d);
}

static void bind_error(struct c2s_conn *c, const struct xml_elem *iq, enum stanza_error_cond cond)
{
	c2s_send_stanza_error(c, iq, cond);
}

/* RFC 6120 §7: binds the requested (or a generated) resource. */
static void do_bind(struct c2s_conn *c, struct xml_elem *iq, struct xml_elem *bind)
{
	struct xml_elem *r = xml_elem_find(bind, XMPP_NS_BIND, "resource");
	char gen[17], *full;
	const char *res = r != NULL ? xml_elem_text(r, NULL) : "";
	struct jid j;
	if (res == NULL || res[0] == '\0') {
		ids_random_hex(gen, 8);
		res = gen;
	}
	full = xasprintf("%s@%s/%s", c->acct.username, c->srv->domain, res);
	if (strlen(res) > 256 || jid_parse_str(full, &j, NULL) < 0) {
		free(full);
		bind_error(c, iq, STANZA_ERR_BAD_REQUEST);
		return;
	}
	jid_free(&j);
	struct xuser *u = xuser_find(c->srv, c->acct.username);
	if (u != NULL) {
		struct c2s_conn *old = router_find_full(c->srv, full);
		if (old != NULL) /* the new session wins (RFC 6120 §7.7.2.2) */
			c2s_stream_error(old, STREAM_ERR_CONFLICT, "replaced by a new session");
		else if (u->n_sessions >= XMPP_MAX_RESOURCES) {
			free(full);
			bind_error(c, iq, STANZA_ERR_RESOURCE_CONSTRAINT);
			return;
		}
	}
	c->resource = xstrdup(res);
	c->full = full;
	c->state = C2S_BOUND;
	uv_timer_stop(&c->timer);
	link_session(c);
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *b = xml_elem_new(p, NULL, XMPP_NS_BIND, "bind");
	xml_elem_add_child_text(b, XMPP_NS_BIND, "jid", full);
	server_send_iq_result(c, iq, &p);
	ask_client_version(c);
}

/* Only the bind (and legacy session) iq are allowed before binding. */
static void authed_dispatch(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	const char *type = stanza_type(el);
	struct xml_elem *bind = xml_elem_find(el, XMPP_NS_BIND, "bind");
	if (stanza_kind(el) == STANZA_IQ && type != NULL && strcmp(type, "set") == 0 &&
	    bind != NULL)
		do_bind(c, el, bind);
	else
		c2s_stream_error(c, STREAM_ERR_NOT_AUTHORIZED, "bind a resource first");
	xml_doc_free(&doc);
}

/* Clean text of the client's version answer for the log: printable ASCII,
 * bounded. */
static void clean_append(char *out, size_t size, const char *s)
{
	size_t n = strlen(out);
	for (; s != NULL && *s && n + 1 < size; s++)
		if (*s >= 0x20 && *s < 0x7f)
			out[n++] = *s;
	out[n] = '\0';
}

struct client_job {
	struct dbjob job;
	struct xacct acct;
	char addr_hash[65];
	char client[200];
};

static void client_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct client_job *j = (struct client_job *)job;
	if (connlog_write(st, j->acct.id, j->acct.tenant_id, "client", j->addr_hash, j->client) < 0)
		job->status = -1;
}

static void logout_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct client_job *j = (struct client_job *)job;
	if (connlog_write(st, j->acct.id, j->acct.tenant_id, "logout", j->addr_hash, NULL) < 0)
		job->status = -1;
}

static void client_done(struct dbjob *job)
{
	free(job);
}

/* The answer to our jabber:iq:version query (XEP-0092). */
static bool version_answer(struct c2s_conn *c, struct xml_elem *iq)
{
	const char *id = stanza_id(iq), *type = stanza_type(iq), *to = stanza_to(iq);
	if (c->version_id[0] == '\0' || id == NULL || strcmp(id, c->version_id) != 0 ||
	    (to != NULL && strcmp(to, c->srv->domain) != 0))
		return false;
	c->version_id[0] = '\0';
	struct client_job *j = xcalloc(1, sizeof(*j));
	j->job.tx = true;
	j->job.work = client_work;
	j->job.done = client_done;
	j->acct = c->acct;
	memcpy(j->addr_hash, c->addr_hash, sizeof(j->addr_hash));
	struct xml_elem *q = xml_elem_find(iq, XMPP_NS_VERSION, "query");
	if (type != NULL && strcmp(type, "result") == 0 && q != NULL) {
		struct xml_elem *n = xml_elem_find(q, XMPP_NS_VERSION, "name");
		struct xml_elem *v = xml_elem_find(q, XMPP_NS_VERSION, "version");
		struct xml_elem *os = xml_elem_find(q, XMPP_NS_VERSION, "os");
		clean_append(j->client, 64, n ? xml_elem_text(n, NULL) : "unknown");
		clean_append(j->client, 64 + 1, "/");
		clean_append(j->client, 64 + 1 + 32, v ? xml_elem_text(v, NULL) : "");
		if (os != NULL) {
			clean_append(j->client, 130, " (");
			clean_append(j->client, 194, xml_elem_text(os, NULL));
			clean_append(j->client, 196, ")");
		}
	} else
		snprintf(j->client, sizeof(j->client), "unknown");
	xmpp_job_submit(c->srv, &j->job);
	return true;
}

void session_dispatch(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	if (c->state == C2S_AUTHED) {
		authed_dispatch(c, doc);
		return;
	}
	switch (stanza_kind(el)) {
	case STANZA_MESSAGE:
		router_message(c, doc);
		return;
	case STANZA_PRESENCE:
		presence_handle(c, doc);
		return;
	case STANZA_IQ:
		if (version_answer(c, el)) {
			xml_doc_free(&doc);
			return;
		}
		router_iq(c, doc);
		return;
	default:
		xml_doc_free(&doc);
		return;
	}
}

/* The end of a session in the connection log (P-LOG-1). */
static void log_logout(struct c2s_conn *c)
{
	struct client_job *j = xcalloc(1, sizeof(*j));
	j->job.tx = true;
	j->job.work = logout_work;
	j->job.done = client_done;
	j->acct = c->acct;
	memcpy(j->addr_hash, c->addr_hash, sizeof(j->addr_hash));
	xmpp_job_submit(c->srv, &j->job);
}

void session_end(struct c2s_conn *c)
{
	log_logout(c);
	if (c->available || c->n_directed > 0)
		presence_unavailable(c, NULL);
	pep_session_end(c);
	unlink_session(c);
}
