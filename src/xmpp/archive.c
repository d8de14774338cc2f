/*
 * xmpp/archive: every 1:1 message with a body is sealed at rest under its
 * conversation's key and archived before it is routed (P-SEC-2, P-AVL-2).
 *
 * Layout (migration 012): the stanza is sealed once in xmpp_messages under
 * the subject "conv:<min account id>:<max account id>" (tenant: the
 * participants' tenant when they share one, else the installation-wide "")
 * with associated data (xmpp_messages, id, stanza_sealed); each participant
 * has a view row in xmpp_archive, so one can delete their copy and the
 * other keeps theirs (P-CHAT-2: once no view is left, the message row goes,
 * and with the conversation's last message, its key). A message for a
 * recipient with no available resource also gets an xmpp_offline row.
 *
 * Message jobs are batched: every message received in one loop iteration is
 * committed in one transaction on the store's writer thread (group
 * commit), then routed.
 */
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "store/store.h"
#include "xmpp/c2s_internal.h"
#include "xmpp/sasl_internal.h"
#include "xml/stanza.h"
#include "xml/xml_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct msg_job {
	struct dbjob job;
	struct xml_doc *doc;
	struct xacct from;
	char to_user[65];
	char *to_full;
	char type[16];
	bool body, known, offline;
	/* results */
	int found;
	struct xacct to;
	bool full_store; /* offline store refused: too many waiting */
	bool stored_offline;
	char message_id[IDS_UUID_LEN];
	int max_offline;
};

static void msg_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct msg_job *m = (struct msg_job *)job;
	m->found = xacct_by_username(st, m->to_user, &m->to);
	if (m->found <= 0) {
		if (m->found < 0)
			job->status = -1;
		return;
	}
	bool archived = m->body && (strcmp(m->type, "chat") == 0 || strcmp(m->type, "normal") == 0);
	if (!archived)
		return;
	if (m->offline && offline_count(st, m->to.id) >= m->max_offline) {
		m->offline = false;
		m->full_store = true;
	}
	struct xml_buf buf = XML_BUF_INIT;
	if (xml_writer_write(&buf, xml_doc_root(m->doc), XMPP_NS_CLIENT, true) < 0) {
		job->status = -1;
		return;
	}
	struct archive_msg am = {m->from.id, m->from.tenant_id, m->to.id,   m->to.tenant_id,
	                         buf.data,   buf.len,           m->offline, sasl_now_ms()};
	if (archive_store(app, st, &am, m->message_id) < 0)
		job->status = -1;
	else
		m->stored_offline = m->offline;
	secret_wipe(buf.data, buf.cap);
	xml_buf_free(&buf);
}

struct late_offline_job {
	struct dbjob job;
	char owner[IDS_UUID_LEN];
	char message_id[IDS_UUID_LEN];
};

static void late_offline_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct late_offline_job *l = (struct late_offline_job *)job;
	if (offline_add(st, l->owner, l->message_id, sasl_now_ms()) < 0)
		job->status = -1;
}

static void late_offline_done(struct dbjob *job)
{
	free(job);
}

/* Routes a committed message (RFC 6121 §8.5). */
static void route(struct msg_job *m, struct c2s_conn *c)
{
	struct xml_elem *el = xml_doc_root(m->doc);
	struct xmpp_server *srv = m->job.srv;
	bool is_error = strcmp(m->type, "error") == 0;
	size_t sent = 0;
	struct c2s_conn *dest = m->to_full ? router_find_full(srv, m->to_full) : NULL;
	if (dest != NULL && dest->state == C2S_BOUND) {
		srv->sm_msg_id = m->message_id[0] ? m->message_id : NULL;
		c2s_send(dest, el);
		srv->sm_msg_id = NULL;
		return;
	}
	if (is_error || (m->to_full != NULL && strcmp(m->type, "headline") == 0))
		return; /* RFC 6121 §8.5.3.2: silently ignored */
	struct xuser *u = xuser_find(srv, m->to_user);
	if (u != NULL) {
		srv->sm_msg_id = m->message_id[0] ? m->message_id : NULL;
		sent = router_deliver_bare(u, el, m->type);
		srv->sm_msg_id = NULL;
	}
	if (sent > 0 || m->stored_offline || m->message_id[0] == '\0')
		return;
	if (m->full_store) {
		if (c != NULL)
			c2s_send_stanza_error(c, el, STANZA_ERR_SERVICE_UNAVAILABLE);
		return;
	}
	/* the recipient went away while the batch committed: keep it offline */
	struct late_offline_job *l = xcalloc(1, sizeof(*l));
	l->job.tx = true;
	l->job.work = late_offline_work;
	l->job.done = late_offline_done;
	memcpy(l->owner, m->to.id, sizeof(l->owner));
	memcpy(l->message_id, m->message_id, sizeof(l->message_id));
	xmpp_job_submit(srv, &l->job);
}

static void msg_done(struct dbjob *job)
{
	struct msg_job *m = (struct msg_job *)job;
	struct c2s_conn *c = job->conn;
	bool alive = c != NULL && c->state != C2S_CLOSING;
	bool is_error = strcmp(m->type, "error") == 0;
	if (job->status < 0) {
		if (alive && !is_error)
			c2s_send_stanza_error(c, xml_doc_root(m->doc),
			                      STANZA_ERR_INTERNAL_SERVER_ERROR);
	} else if (m->found == 0) {
		/* RFC 6121 §8.5.2.2.1 / brief: unknown local user */
		if (alive && !is_error)
			c2s_send_stanza_error(c, xml_doc_root(m->doc),
			                      STANZA_ERR_SERVICE_UNAVAILABLE);
	} else {
		route(m, alive ? c : NULL);
	}
	xml_doc_free(&m->doc);
	free(m->to_full);
	free(m);
}

/* Will the message reach a resource now? (decides offline storage) */
static bool deliverable_now(struct xmpp_server *srv, const char *to_user, const char *to_full,
                            const char *type)
{
	if (to_full != NULL) {
		struct c2s_conn *d = router_find_full(srv, to_full);
		if (d != NULL)
			return true;
	}
	struct xuser *u = xuser_find(srv, to_user);
	if (u == NULL)
		return false;
	struct c2s_conn *av[XMPP_MAX_RESOURCES];
	size_t n = xuser_available(u, av, XMPP_MAX_RESOURCES);
	for (size_t i = 0; i < n; i++)
		if (av[i]->priority >= 0)
			return true;
	(void)type;
	return false;
}

void archive_message(struct c2s_conn *c, struct xml_doc *doc, const char *to_user,
                     const char *to_full)
{
	struct xml_elem *el = xml_doc_root(doc);
	struct msg_job *m = xcalloc(1, sizeof(*m));
	const char *type = stanza_type(el);
	m->job.conn = c;
	m->job.tx = true;
	m->job.is_msg = true;
	m->job.work = msg_work;
	m->job.done = msg_done;
	m->doc = doc;
	m->from = c->acct;
	snprintf(m->to_user, sizeof(m->to_user), "%s", to_user);
	m->to_full = to_full ? xstrdup(to_full) : NULL;
	snprintf(m->type, sizeof(m->type), "%s", type ? type : "normal");
	m->body = xml_elem_find(el, XMPP_NS_CLIENT, "body") != NULL;
	bool storable = strcmp(m->type, "chat") == 0 || strcmp(m->type, "normal") == 0;
	m->offline = storable && m->body && !deliverable_now(c->srv, to_user, to_full, m->type);
	m->max_offline = c->srv->cfg->xmpp_max_offline;
	xmpp_job_submit(c->srv, &m->job);
}
