/*
 * xmpp/presence: presence broadcast, probes, directed presence and
 * unavailable on disconnect (RFC 6121 §4), with the visibility rule of
 * P-PRE-2: a user's presence reaches members of the same tenant and the
 * contacts the user accepted (subscription from/both), nobody else.
 * Strangers' probes get nothing. States (show): online (none), away, chat,
 * dnd, xa (out of office) are relayed as the client sets them (P-PRE-1).
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "xmpp/c2s_internal.h"
#include "xml/jid.h"
#include "xml/stanza.h"
#include "xmpp/xep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFFLINE_BATCH 200

bool presence_visible(const struct xuser *owner, const struct xacct *viewer,
                      const char *viewer_bare)
{
	if (strcmp(owner->acct.id, viewer->id) == 0)
		return true;
	if (owner->acct.tenant_id[0] != '\0' &&
	    strcmp(owner->acct.tenant_id, viewer->tenant_id) == 0)
		return true;
	if (owner->roster_loaded) {
		struct roster_item *it = roster_find((struct roster *)&owner->roster, viewer_bare);
		if (it != NULL && roster_sub_has_from(it->sub))
			return true;
	}
	/* Hook: members of a shared bubble (bubbles module) will be checked here. */
	return false;
}

/* Sends the stanza (from is set) to every available resource of v. */
static void send_to_user(struct xuser *v, struct xml_elem *stanza)
{
	struct c2s_conn *av[XMPP_MAX_RESOURCES];
	size_t n = xuser_available(v, av, XMPP_MAX_RESOURCES);
	if (n == 0)
		return;
	xml_elem_set_attr(stanza, "to", v->bare);
	for (size_t i = 0; i < n; i++)
		c2s_send(av[i], stanza);
}

static struct xuser *local_user(struct xmpp_server *srv, const char *bare)
{
	char local[65];
	return xacct_local_of(srv, bare, local, sizeof(local)) ? xuser_find(srv, local) : NULL;
}

/*
 * Calls fn for every online user who may see u's presence (other than u):
 * tenant members, then accepted contacts outside the tenant.
 */
static void each_viewer(struct xuser *u, void (*fn)(struct xuser *v, void *ctx), void *ctx)
{
	struct xmpp_server *srv = u->sessions ? u->sessions->srv : NULL;
	if (srv == NULL)
		return;
	for (struct xuser *v = xmpp_tenant_online(srv, u->acct.tenant_id); v; v = v->tnext)
		if (v != u)
			fn(v, ctx);
	for (size_t i = 0; i < u->roster.n; i++) {
		struct roster_item *it = &u->roster.items[i];
		if (!roster_sub_has_from(it->sub))
			continue;
		struct xuser *v = local_user(srv, it->jid);
		if (v == NULL || v == u ||
		    (u->acct.tenant_id[0] && strcmp(v->acct.tenant_id, u->acct.tenant_id) == 0))
			continue;
		fn(v, ctx);
	}
}

static void viewer_send(struct xuser *v, void *ctx)
{
	send_to_user(v, ctx);
}

/* Broadcast of c's presence stanza to viewers and c's own resources; an
 * invisible session's (XEP-0186, P-PRE-1) reaches only its own user. */
static void broadcast(struct c2s_conn *c, struct xml_elem *stanza)
{
	xml_elem_set_attr(stanza, "from", c->full);
	if (!c->invisible)
		each_viewer(c->user, viewer_send, stanza);
	send_to_user(c->user, stanza);
}

/* Available sessions of u that others may see. */
static bool shown(const struct c2s_conn *s, const struct c2s_conn *to)
{
	return s->available && s->presence != NULL &&
	       (!s->invisible || (to->user != NULL && to->user == s->user));
}

void presence_send_current(struct xuser *u, struct c2s_conn *to)
{
	for (struct c2s_conn *s = u->sessions; s != NULL; s = s->unext) {
		if (!shown(s, to))
			continue;
		struct xml_elem *p = xml_doc_root(s->presence);
		xml_elem_set_attr(p, "from", s->full);
		xml_elem_set_attr(p, "to", to->user ? to->user->bare : to->full);
		c2s_send(to, p);
	}
}

void presence_send_unavailable_to(struct xuser *u, struct c2s_conn *to_session, const char *to_bare)
{
	struct xml_doc *d =
	    stanza_new(STANZA_PRESENCE, NULL, "unavailable", to_bare, u->bare, NULL);
	c2s_send(to_session, xml_doc_root(d));
	xml_doc_free(&d);
}

void presence_after_sub_change(struct xmpp_server *srv, const char *owner_user,
                               const char *viewer_user)
{
	struct xuser *u = xuser_find(srv, owner_user), *v = xuser_find(srv, viewer_user);
	struct c2s_conn *av[XMPP_MAX_RESOURCES];
	if (u == NULL || v == NULL)
		return;
	size_t n = xuser_available(v, av, XMPP_MAX_RESOURCES);
	bool visible = presence_visible(u, &v->acct, v->bare);
	for (size_t i = 0; i < n; i++) {
		if (visible)
			presence_send_current(u, av[i]);
		else
			presence_send_unavailable_to(u, av[i], v->bare);
	}
}

/* Probes on login (RFC 6121 §4.3): the current presence of everyone the
 * new resource's user may see, and of the user's other resources. */
static void probe_viewed(struct xuser *v, void *ctx)
{
	struct c2s_conn *c = ctx;
	if (presence_visible(v, &c->acct, c->user->bare))
		presence_send_current(v, c);
}

static void probe_all(struct c2s_conn *c)
{
	struct xuser *u = c->user;
	for (struct xuser *v = xmpp_tenant_online(c->srv, u->acct.tenant_id); v; v = v->tnext)
		if (v != u)
			probe_viewed(v, c);
	for (size_t i = 0; i < u->roster.n; i++) {
		struct roster_item *it = &u->roster.items[i];
		if (!roster_sub_has_to(it->sub))
			continue;
		struct xuser *v = local_user(c->srv, it->jid);
		if (v != NULL && v != u &&
		    !(u->acct.tenant_id[0] && strcmp(v->acct.tenant_id, u->acct.tenant_id) == 0))
			probe_viewed(v, c);
	}
	for (struct c2s_conn *s = u->sessions; s != NULL; s = s->unext)
		if (s != c && s->available && s->presence != NULL) {
			struct xml_elem *p = xml_doc_root(s->presence);
			xml_elem_set_attr(p, "from", s->full);
			xml_elem_set_attr(p, "to", u->bare);
			c2s_send(c, p);
		}
}

/* Subscription requests that arrived while the user was away. */
static void pending_requests(struct c2s_conn *c)
{
	struct xuser *u = c->user;
	for (size_t i = 0; i < u->roster.n; i++) {
		if (!u->roster.items[i].pending_in)
			continue;
		struct xml_doc *d = stanza_new(STANZA_PRESENCE, NULL, "subscribe", u->bare,
		                               u->roster.items[i].jid, NULL);
		c2s_send(c, xml_doc_root(d));
		xml_doc_free(&d);
	}
}

struct offline_job {
	struct dbjob job;
	char owner_id[IDS_UUID_LEN];
	struct offline_msg *msgs;
	size_t n;
};

static void offline_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct offline_job *o = (struct offline_job *)job;
	if (offline_load(app, st, o->owner_id, OFFLINE_BATCH, &o->msgs, &o->n) < 0)
		job->status = -1;
}

static void offline_fetch(struct c2s_conn *c);

static void offline_done(struct dbjob *job)
{
	struct offline_job *o = (struct offline_job *)job;
	struct c2s_conn *c = job->conn;
	if (job->status == 0 && c->state == C2S_BOUND && c->available) {
		offline_deliver(c, o->msgs, o->n);
		if (o->n == OFFLINE_BATCH)
			offline_fetch(c);
	}
	offline_free(o->msgs, o->n);
	free(o);
}

static void offline_fetch(struct c2s_conn *c)
{
	struct offline_job *o = xcalloc(1, sizeof(*o));
	o->job.conn = c;
	o->job.tx = true;
	o->job.work = offline_work;
	o->job.done = offline_done;
	memcpy(o->owner_id, c->acct.id, sizeof(o->owner_id));
	xmpp_job_submit(c->srv, &o->job);
}

static int parse_priority(struct xml_elem *p)
{
	struct xml_elem *e = xml_elem_find(p, XMPP_NS_CLIENT, "priority");
	if (e == NULL)
		return 0;
	char *end;
	long v = strtol(xml_elem_text(e, NULL), &end, 10);
	if (*end != '\0' || v < -128 || v > 127)
		return 0;
	return (int)v;
}

static void become_available(struct c2s_conn *c, struct xml_doc *doc)
{
	bool initial = !c->available;
	xml_doc_free(&c->presence);
	c->presence = doc;
	c->priority = parse_priority(xml_doc_root(doc));
	c->available = true;
	broadcast(c, xml_doc_root(doc));
	if (initial) {
		probe_all(c);
		pending_requests(c);
		if (c->priority >= 0)
			offline_fetch(c);
	}
}

void presence_unavailable(struct c2s_conn *c, const char *status_text)
{
	struct xml_doc *d = stanza_new(STANZA_PRESENCE, NULL, "unavailable", NULL, c->full, NULL);
	if (status_text != NULL)
		xml_elem_add_child_text(xml_doc_root(d), XMPP_NS_CLIENT, "status", status_text);
	if (c->available) {
		c->available = false;
		broadcast(c, xml_doc_root(d));
	}
	for (size_t i = 0; i < c->n_directed; i++) {
		struct c2s_conn *s = router_find_full(c->srv, c->directed[i]);
		xml_elem_set_attr(xml_doc_root(d), "to", c->directed[i]);
		if (s != NULL)
			c2s_send(s, xml_doc_root(d));
		else {
			struct xuser *v = local_user(c->srv, c->directed[i]);
			if (v != NULL)
				send_to_user(v, xml_doc_root(d));
		}
		free(c->directed[i]);
	}
	c->n_directed = 0;
	xml_doc_free(&c->presence);
	xml_doc_free(&d);
}

static void remember_directed(struct c2s_conn *c, const char *to, bool available)
{
	for (size_t i = 0; i < c->n_directed; i++)
		if (strcmp(c->directed[i], to) == 0) {
			if (!available) {
				free(c->directed[i]);
				c->directed[i] = c->directed[--c->n_directed];
			}
			return;
		}
	if (!available || c->n_directed >= 256)
		return;
	c->directed = xrealloc(c->directed, (c->n_directed + 1) * sizeof(*c->directed));
	c->directed[c->n_directed++] = xstrdup(to);
}

/* Directed presence (RFC 6121 §4.6): the user chose to reveal it. */
static void directed(struct c2s_conn *c, struct xml_doc *doc, const char *type)
{
	struct xml_elem *el = xml_doc_root(doc);
	struct jid j;
	if (jid_parse_str(stanza_to(el), &j, NULL) < 0) {
		xml_doc_free(&doc);
		return;
	}
	char *to = jid_to_string(&j, true);
	bool full = j.resource != NULL;
	jid_free(&j);
	bool available = type == NULL;
	if (full) {
		struct c2s_conn *s = router_find_full(c->srv, to);
		if (s != NULL && s->state == C2S_BOUND) {
			c2s_send(s, el);
			remember_directed(c, to, available);
		}
	} else {
		struct xuser *v = local_user(c->srv, to);
		if (v != NULL) {
			send_to_user(v, el);
			remember_directed(c, to, available);
		}
	}
	free(to);
	xml_doc_free(&doc);
}

/* type='probe' from a client: answered only where P-PRE-2 allows. */
static void probe(struct c2s_conn *c, struct xml_doc *doc)
{
	struct jid j;
	if (jid_parse_str(stanza_to(xml_doc_root(doc)), &j, NULL) == 0) {
		char *bare = jid_to_string(&j, false);
		struct xuser *v = local_user(c->srv, bare);
		if (v != NULL && presence_visible(v, &c->acct, c->user->bare)) {
			bool any = false;
			for (struct c2s_conn *s = v->sessions; s != NULL; s = s->unext)
				any |= shown(s, c);
			if (any)
				presence_send_current(v, c);
			else /* invisible (P-PRE-1): looks offline */
				presence_send_unavailable_to(v, c, c->user->bare);
		}
		free(bare);
		jid_free(&j);
	}
	xml_doc_free(&doc);
}

/* XEP-0186 §3: invisible ends the broadcast (viewers get unavailable, the
 * session stays available to its user and gets messages); visible
 * broadcasts the current presence again. */
void presence_invisible_iq(struct c2s_conn *c, struct xml_doc *doc, bool invisible)
{
	struct xml_elem *iq = xml_doc_root(doc);
	const char *type = stanza_type(iq);
	if (type == NULL || strcmp(type, "set") != 0) {
		c2s_send_stanza_error(c, iq, STANZA_ERR_BAD_REQUEST);
		xml_doc_free(&doc);
		return;
	}
	if (invisible && !c->invisible && c->available) {
		struct xml_doc *d =
		    stanza_new(STANZA_PRESENCE, NULL, "unavailable", NULL, c->full, NULL);
		xml_elem_set_attr(xml_doc_root(d), "from", c->full);
		each_viewer(c->user, viewer_send, xml_doc_root(d));
		xml_doc_free(&d);
	}
	bool was = c->invisible;
	c->invisible = invisible;
	if (!invisible && was && c->available && c->presence != NULL) {
		struct xml_elem *p = xml_doc_root(c->presence);
		xml_elem_remove_attr(p, "to");
		xml_elem_set_attr(p, "from", c->full);
		each_viewer(c->user, viewer_send, p);
	}
	log_info("event=xmpp_invisible on=%d", invisible ? 1 : 0);
	server_send_iq_result(c, iq, NULL);
	xml_doc_free(&doc);
}

static void initial_loaded(struct c2s_conn *c, struct xml_doc *doc)
{
	become_available(c, doc);
}

/* Token bucket against presence floods (each broadcast costs one stanza per
 * viewer). */
static bool presence_allowed(struct c2s_conn *c)
{
	uint64_t now = uv_now(c->srv->loop);
	if (c->presence_at == 0)
		c->presence_tokens = PRESENCE_BURST;
	else
		c->presence_tokens += (double)(now - c->presence_at) * PRESENCE_RATE / 1000.0;
	if (c->presence_tokens > PRESENCE_BURST)
		c->presence_tokens = PRESENCE_BURST;
	c->presence_at = now;
	if (c->presence_tokens < 1.0)
		return false;
	c->presence_tokens -= 1.0;
	return true;
}

void presence_handle(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	const char *type = stanza_type(el);
	if (!presence_allowed(c)) {
		if (type == NULL || strcmp(type, "error") != 0) {
			struct stanza_error err = {STANZA_ERR_TYPE_WAIT,
			                           STANZA_ERR_POLICY_VIOLATION,
			                           "too many presence stanzas", NULL, NULL};
			struct xml_doc *reply = stanza_error_reply(el, &err);
			if (reply != NULL) {
				xml_elem_set_attr(xml_doc_root(reply), "to", c->full);
				c2s_send(c, xml_doc_root(reply));
				xml_doc_free(&reply);
			}
		}
		xml_doc_free(&doc);
		return;
	}
	static const char *const subs[] = {"subscribe", "subscribed", "unsubscribe",
	                                   "unsubscribed"};
	xml_elem_set_attr(el, "from", c->full);
	if (xep_presence(c, doc)) /* blocking (XEP-0191): xep.c */
		return;
	for (int i = 0; type != NULL && i < 4; i++)
		if (strcmp(type, subs[i]) == 0) {
			if (stanza_to(el) == NULL) {
				xml_doc_free(&doc);
				return;
			}
			roster_subscription(c, doc, (enum sub_event)i);
			return;
		}
	if (type != NULL && strcmp(type, "probe") == 0) {
		if (stanza_to(el) != NULL)
			probe(c, doc);
		else
			xml_doc_free(&doc);
		return;
	}
	if (type != NULL && strcmp(type, "unavailable") != 0) {
		xml_doc_free(&doc); /* error or unknown type: dropped */
		return;
	}
	if (stanza_to(el) != NULL) {
		directed(c, doc, type);
		return;
	}
	if (type != NULL) {
		const char *status = NULL;
		struct xml_elem *s = xml_elem_find(el, XMPP_NS_CLIENT, "status");
		if (s != NULL)
			status = xml_elem_text(s, NULL);
		if (c->available)
			presence_unavailable(c, status);
		xml_doc_free(&doc);
		return;
	}
	xml_elem_remove_attr(el, "to");
	roster_ensure_loaded(c, doc, initial_loaded);
}
