/*
 * xmpp/sm: stream management (XEP-0198) with resumption.
 *
 * Inbound: the server counts the stanzas it handled (h). A session runs its
 * stanzas in order and a non-message element waits until every job of the
 * session finished (c2s.c: is_message_job_ok), so the <a/> answering an
 * <r/> is written only after the messages before it were committed:
 * acknowledged means durable (P-AVL-2).
 *
 * Outbound: every stanza written to a session with stream management is
 * kept (its text, and for an archived message its message id) until the
 * client acknowledges it. When the TCP connection drops without a stream
 * close, a resumable session hibernates: it stays bound and available,
 * stanzas for it are kept, and a new connection may <resume/> it within
 * xmpp.resume_timeout_s; the unacknowledged stanzas are then sent again.
 * When the session ends without resumption (timeout, conflict, shutdown,
 * clean close), each unacknowledged archived message goes back to offline
 * storage, so a message is never lost (it may be delivered twice when the
 * client got it but had not acknowledged it yet).
 */
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "store/store.h"
#include "xmpp/c2s_internal.h"
#include "xmpp/sasl_internal.h"
#include "xml/stanza.h"
#include "xml/xml_writer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Unacknowledged stanzas kept per session; beyond, the session ends (its
 * archived messages go to offline storage). */
#define SM_MAX_UNACKED 5000
#define SM_MAX_UNACKED_BYTES (8u * 1024 * 1024)

struct sm_item {
	char *text;
	size_t len;
	char message_id[IDS_UUID_LEN]; /* "" when not an archived message */
};

struct sm_state {
	bool resumable;
	char id[33];
	uint32_t h_in;  /* stanzas handled from the client */
	uint32_t acked; /* last h the client acknowledged */
	struct sm_item *q;
	size_t q_head, q_len, q_cap, q_bytes;
	bool r_pending; /* stanzas sent since the last <r/> */
	/* a new connection resuming this session while a job still runs */
	struct c2s_conn *waiter;
	uint32_t waiter_h;
};

static void send_failed(struct c2s_conn *c, const char *cond, uint32_t h, bool with_h);

static void item_free(struct sm_item *it)
{
	if (it->text != NULL)
		secret_free(it->text, it->len + 1);
	it->text = NULL;
}

static struct sm_item *item_at(struct sm_state *s, size_t i)
{
	return &s->q[(s->q_head + i) % s->q_cap];
}

void sm_free(struct c2s_conn *c)
{
	struct sm_state *s = c->sm;
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->q_len; i++)
		item_free(item_at(s, i));
	free(s->q);
	struct c2s_conn *w = s->waiter;
	free(s);
	c->sm = NULL;
	if (w != NULL) { /* the session it wanted is gone */
		send_failed(w, "item-not-found", 0, false);
		w->jobs_inflight--;
		c2s_job_finished(w);
		c2s_unref(w);
	}
}

bool sm_resumable(const struct c2s_conn *c)
{
	return c->sm != NULL && c->sm->resumable;
}

void sm_count_in(struct c2s_conn *c)
{
	if (c->sm != NULL)
		c->sm->h_in++;
}

static void send_sm(struct c2s_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void send_sm(struct c2s_conn *c, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c2s_send_raw(c, buf);
}

static void send_failed(struct c2s_conn *c, const char *cond, uint32_t h, bool with_h)
{
	if (with_h)
		send_sm(c,
		        "<failed xmlns='" XMPP_NS_SM "' h='%u'><%s "
		        "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>",
		        h, cond);
	else
		send_sm(c,
		        "<failed xmlns='" XMPP_NS_SM "'><%s "
		        "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>",
		        cond);
}

void sm_record_out(struct c2s_conn *c, const char *text, size_t len, const char *message_id)
{
	struct sm_state *s = c->sm;
	if (s == NULL)
		return;
	if (s->q_len == s->q_cap) {
		size_t ncap = s->q_cap ? s->q_cap * 2 : 16;
		struct sm_item *nq = xcalloc(ncap, sizeof(*nq));
		for (size_t i = 0; i < s->q_len; i++)
			nq[i] = *item_at(s, i);
		free(s->q);
		s->q = nq;
		s->q_cap = ncap;
		s->q_head = 0;
	}
	struct sm_item *it = &s->q[(s->q_head + s->q_len++) % s->q_cap];
	it->text = xmalloc(len + 1);
	memcpy(it->text, text, len);
	it->text[len] = '\0';
	it->len = len;
	snprintf(it->message_id, sizeof(it->message_id), "%s", message_id ? message_id : "");
	s->q_bytes += len;
	s->r_pending = true;
	if (s->q_len > SM_MAX_UNACKED || s->q_bytes > SM_MAX_UNACKED_BYTES) {
		log_info("event=xmpp_sm_too_many_unacked");
		c2s_stream_error(c, STREAM_ERR_POLICY_VIOLATION, "too many unacknowledged stanzas");
	}
}

void sm_before_flush(struct c2s_conn *c)
{
	if (c->sm == NULL || !c->sm->r_pending || c->state != C2S_BOUND)
		return;
	c->sm->r_pending = false;
	static const char r[] = "<r xmlns='" XMPP_NS_SM "'/>";
	c2s_out_element(c, r, sizeof(r) - 1);
}

/* The client handled stanzas up to h: drops them. -1 when h is beyond
 * what was sent. */
static int apply_ack(struct sm_state *s, uint32_t h)
{
	uint32_t n = h - s->acked;
	if (n > s->q_len)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		struct sm_item *it = item_at(s, 0);
		s->q_bytes -= it->len;
		item_free(it);
		s->q_head = (s->q_head + 1) % s->q_cap;
		s->q_len--;
	}
	s->acked = h;
	return 0;
}

static int parse_h(const char *v, uint32_t *h_r)
{
	if (v == NULL || v[0] == '\0' || strlen(v) > 10)
		return -1;
	uint64_t x = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (x > UINT32_MAX)
		return -1;
	*h_r = (uint32_t)x;
	return 0;
}

/* ---- session end: unacknowledged messages back to offline storage ---- */

struct requeue_job {
	struct dbjob job;
	char owner[IDS_UUID_LEN];
	char (*ids)[IDS_UUID_LEN];
	size_t n;
};

static void requeue_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct requeue_job *r = (struct requeue_job *)job;
	(void)app;
	for (size_t i = 0; i < r->n; i++)
		if (offline_requeue(st, r->owner, r->ids[i]) < 0) {
			job->status = -1;
			return;
		}
}

static void requeue_done(struct dbjob *job)
{
	struct requeue_job *r = (struct requeue_job *)job;
	if (job->status < 0)
		log_error("event=xmpp_sm_requeue_failed count=%zu", r->n);
	free(r->ids);
	free(r);
}

void sm_session_end(struct c2s_conn *c)
{
	struct sm_state *s = c->sm;
	if (s == NULL)
		return;
	size_t n = 0;
	for (size_t i = 0; i < s->q_len; i++)
		if (item_at(s, i)->message_id[0] != '\0')
			n++;
	if (n > 0) {
		struct requeue_job *r = xcalloc(1, sizeof(*r));
		r->ids = xcalloc(n, sizeof(*r->ids));
		for (size_t i = 0; i < s->q_len; i++)
			if (item_at(s, i)->message_id[0] != '\0')
				memcpy(r->ids[r->n++], item_at(s, i)->message_id, IDS_UUID_LEN);
		memcpy(r->owner, c->acct.id, sizeof(r->owner));
		r->job.tx = true;
		r->job.work = requeue_work;
		r->job.done = requeue_done;
		xmpp_job_submit(c->srv, &r->job);
		log_info("event=xmpp_sm_requeued count=%zu", n);
	}
	sm_free(c);
}

/* ---- resumption ------------------------------------------------------ */

static struct c2s_conn *find_resumable(struct xmpp_server *srv, const char *id,
                                       const struct c2s_conn *self)
{
	for (struct c2s_conn *o = srv->conns; o != NULL; o = o->next)
		if (o != self && o->sm != NULL && o->sm->resumable && o->state == C2S_BOUND &&
		    strcmp(o->sm->id, id) == 0)
			return o;
	return NULL;
}

/* Moves the bound session of old onto c (a fresh authenticated
 * connection), answers <resumed/> and resends what the client missed. */
static void takeover(struct c2s_conn *old, struct c2s_conn *c, uint32_t h)
{
	struct sm_state *s = old->sm;
	if (apply_ack(s, h) < 0) {
		send_failed(c, "undefined-condition", s->h_in, true);
		c2s_sm_expire(old);
		return;
	}
	struct xuser *u = old->user;
	c->sm = s;
	old->sm = NULL;
	c->user = u;
	c->resource = old->resource;
	c->full = old->full;
	old->resource = old->full = NULL;
	c->available = old->available;
	c->wants_roster = old->wants_roster;
	c->initial_done = old->initial_done;
	c->priority = old->priority;
	c->invisible = old->invisible;
	c->presence = old->presence;
	old->presence = NULL;
	c->directed = old->directed;
	c->n_directed = old->n_directed;
	old->directed = NULL;
	old->n_directed = 0;
	old->available = false;
	c->presence_tokens = old->presence_tokens;
	c->presence_at = old->presence_at;
	/* client state (XEP-0352) and +notify interests go with the session */
	c->pep = old->pep;
	old->pep = NULL;
	/* extensions keyed by (full JID, stream id), e.g. carbons */
	memcpy(c->stream_id, old->stream_id, sizeof(c->stream_id));
	for (struct c2s_conn **p = &u->sessions; *p != NULL; p = &(*p)->unext)
		if (*p == old) {
			*p = c;
			c->unext = old->unext;
			break;
		}
	old->unext = NULL;
	old->user = NULL;
	c->state = C2S_BOUND;
	uv_timer_stop(&c->timer);
	c2s_retire(old);
	send_sm(c, "<resumed xmlns='" XMPP_NS_SM "' previd='%s' h='%u'/>", s->id, s->h_in);
	for (size_t i = 0; i < s->q_len; i++) {
		struct sm_item *it = item_at(s, i);
		c2s_out_stanza(c, it->text, it->len);
	}
	s->r_pending = s->q_len > 0;
	c2s_send_raw(c, "");
	log_info("event=xmpp_sm_resumed resent=%zu", s->q_len);
}

/* A job of a hibernating (or just detached) session finished. */
void sm_job_finished(struct c2s_conn *old)
{
	struct sm_state *s = old->sm;
	if (s == NULL || s->waiter == NULL || old->jobs_inflight > 0)
		return;
	struct c2s_conn *c = s->waiter;
	s->waiter = NULL;
	c->jobs_inflight--;
	if (c->state == C2S_AUTHED && !c->dead)
		takeover(old, c, s->waiter_h);
	c2s_job_finished(c);
	c2s_unref(c);
}

static void handle_resume(struct c2s_conn *c, struct xml_elem *el)
{
	const char *previd = xml_elem_attr(el, "previd");
	uint32_t h;
	if (previd == NULL || parse_h(xml_elem_attr(el, "h"), &h) < 0) {
		send_failed(c, "bad-request", 0, false);
		return;
	}
	struct c2s_conn *old = find_resumable(c->srv, previd, c);
	if (old == NULL || strcmp(old->acct.id, c->acct.id) != 0 || old->sm->waiter != NULL) {
		send_failed(c, "item-not-found", 0, false);
		return;
	}
	if (!old->hibernating)
		c2s_sm_detach(old); /* the client noticed the drop before we did */
	if (old->jobs_inflight > 0) {
		/* answer once the old session's last stanzas are committed */
		old->sm->waiter = c;
		old->sm->waiter_h = h;
		c2s_ref(c);
		c->jobs_inflight++; /* holds c's later stanzas back */
		return;
	}
	takeover(old, c, h);
}

static void handle_enable(struct c2s_conn *c, struct xml_elem *el)
{
	if (c->state != C2S_BOUND || c->sm != NULL) {
		send_failed(c, "unexpected-request", 0, false);
		return;
	}
	const char *r = xml_elem_attr(el, "resume");
	int timeout = c->srv->cfg->xmpp_resume_timeout_s;
	struct sm_state *s = xcalloc(1, sizeof(*s));
	c->sm = s;
	s->resumable = r != NULL && (strcmp(r, "true") == 0 || strcmp(r, "1") == 0) && timeout > 0;
	if (s->resumable) {
		ids_random_hex(s->id, 16);
		send_sm(c, "<enabled xmlns='" XMPP_NS_SM "' id='%s' resume='true' max='%d'/>",
		        s->id, timeout);
	} else
		c2s_send_raw(c, "<enabled xmlns='" XMPP_NS_SM "'/>");
}

void sm_features(struct c2s_conn *c, struct xml_elem *features)
{
	(void)c;
	xml_elem_new(xml_elem_doc(features), features, XMPP_NS_SM, "sm");
}

void sm_handle(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	const char *name = xml_elem_name(el);
	if (strcmp(name, "r") == 0) {
		if (c->sm == NULL)
			send_failed(c, "unexpected-request", 0, false);
		else
			send_sm(c, "<a xmlns='" XMPP_NS_SM "' h='%u'/>", c->sm->h_in);
	} else if (strcmp(name, "a") == 0) {
		uint32_t h;
		if (c->sm == NULL)
			send_failed(c, "unexpected-request", 0, false);
		else if (parse_h(xml_elem_attr(el, "h"), &h) < 0)
			c2s_stream_error(c, STREAM_ERR_INVALID_XML, "bad h");
		else if (apply_ack(c->sm, h) < 0)
			c2s_stream_error(c, STREAM_ERR_UNDEFINED_CONDITION,
			                 "handled-count-too-high");
	} else if (strcmp(name, "enable") == 0) {
		handle_enable(c, el);
	} else if (strcmp(name, "resume") == 0) {
		if (c->state != C2S_AUTHED)
			send_failed(c, "unexpected-request", 0, false);
		else
			handle_resume(c, el);
	} else {
		c2s_stream_error(c, STREAM_ERR_UNSUPPORTED_STANZA_TYPE, NULL);
	}
	xml_doc_free(&doc);
}
