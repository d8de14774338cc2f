/*
 * xmpp/roster: roster get/set/push (RFC 6121 §2) and subscription
 * handling (§3) on the loop side. Members of the owner's tenant appear as
 * items with subscription "both" in a group named after the tenant, like a
 * shared roster (P-PRE-2); they are not stored.
 *
 * Every change runs as a batched storage job that reads, applies the state
 * machine (roster_model.c) and writes both parties' rows in one savepoint;
 * its done callback updates the in-memory rosters of online users, pushes
 * the items and routes the subscription stanzas.
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "store/store.h"
#include "xmpp/c2s_internal.h"
#include "xml/jid.h"
#include "xml/stanza.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- loading ----------------------------------------------------------- */

struct load_job {
	struct dbjob job;
	struct xacct acct;
	struct xml_doc *doc;
	void (*fn)(struct c2s_conn *c, struct xml_doc *doc);
	struct roster roster;
	char *tenant_name;
	char **members;
	size_t n_members;
};

static void load_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct load_job *l = (struct load_job *)job;
	if (roster_db_load(app, st, l->acct.tenant_id, l->acct.id, &l->roster) < 0) {
		job->status = -1;
		return;
	}
	if (l->acct.tenant_id[0] != '\0')
		roster_db_tenant_members(st, l->acct.tenant_id, l->acct.id, &l->tenant_name,
		                         &l->members, &l->n_members);
}

static void user_set_loaded(struct xuser *u, struct load_job *l)
{
	roster_clear(&u->roster);
	u->roster = l->roster;
	memset(&l->roster, 0, sizeof(l->roster));
	free(u->tenant_name);
	u->tenant_name = l->tenant_name;
	l->tenant_name = NULL;
	for (size_t i = 0; i < u->n_members; i++)
		free(u->members[i]);
	free(u->members);
	u->members = l->members;
	u->n_members = l->n_members;
	l->members = NULL;
	l->n_members = 0;
	u->roster_loaded = true;
}

static void load_done(struct dbjob *job)
{
	struct load_job *l = (struct load_job *)job;
	struct c2s_conn *c = job->conn;
	if (c->state == C2S_BOUND && c->user != NULL) {
		if (job->status < 0) {
			if (l->doc != NULL)
				c2s_send_stanza_error(c, xml_doc_root(l->doc),
				                      STANZA_ERR_INTERNAL_SERVER_ERROR);
			xml_doc_free(&l->doc);
		} else {
			/* a later snapshot in queue order is never staler */
			user_set_loaded(c->user, l);
			l->fn(c, l->doc);
			l->doc = NULL;
		}
	}
	xml_doc_free(&l->doc);
	roster_clear(&l->roster);
	free(l->tenant_name);
	for (size_t i = 0; i < l->n_members; i++)
		free(l->members[i]);
	free(l->members);
	free(l);
}

static void load_submit(struct c2s_conn *c, struct xml_doc *doc,
                        void (*fn)(struct c2s_conn *c, struct xml_doc *doc))
{
	struct load_job *l = xcalloc(1, sizeof(*l));
	l->job.conn = c;
	l->job.tx = true;
	l->job.work = load_work;
	l->job.done = load_done;
	l->acct = c->acct;
	l->doc = doc;
	l->fn = fn;
	xmpp_job_submit(c->srv, &l->job);
}

void roster_ensure_loaded(struct c2s_conn *c, struct xml_doc *doc,
                          void (*fn)(struct c2s_conn *c, struct xml_doc *doc))
{
	if (c->user->roster_loaded)
		fn(c, doc);
	else
		load_submit(c, doc, fn);
}

/* ---- XML --------------------------------------------------------------- */

void roster_item_xml(struct xml_elem *query, const struct roster_item *it)
{
	struct xml_doc *d = xml_elem_doc(query);
	struct xml_elem *e = xml_elem_new(d, query, XMPP_NS_ROSTER, "item");
	xml_elem_set_attr(e, "jid", it->jid);
	if (it->name != NULL)
		xml_elem_set_attr(e, "name", it->name);
	xml_elem_set_attr(e, "subscription", it->in_roster ? roster_sub_name(it->sub) : "remove");
	if (it->ask_out && it->in_roster)
		xml_elem_set_attr(e, "ask", "subscribe");
	if (it->approved && it->in_roster)
		xml_elem_set_attr(e, "approved", "true");
	for (unsigned i = 0; i < it->n_groups; i++)
		xml_elem_add_child_text(e, XMPP_NS_ROSTER, "group", it->groups[i]);
}

static bool is_member(const struct xuser *u, const char *bare, const char *domain)
{
	const char *at = strchr(bare, '@');
	if (at == NULL || strcmp(at + 1, domain) != 0)
		return false;
	for (size_t i = 0; i < u->n_members; i++)
		if (strlen(u->members[i]) == (size_t)(at - bare) &&
		    memcmp(u->members[i], bare, (size_t)(at - bare)) == 0)
			return true;
	return false;
}

/* A stored item as the client sees it: tenant members are always "both"
 * and carry the tenant's group. */
static void item_as_seen(const struct xuser *u, const struct roster_item *src,
                         struct roster_item *out, const char *domain)
{
	roster_item_copy(out, src);
	if (u->tenant_name != NULL && is_member(u, src->jid, domain)) {
		out->sub = SUB_BOTH;
		out->ask_out = false;
		if (out->n_groups < ROSTER_MAX_GROUPS)
			out->groups[out->n_groups++] = xstrdup(u->tenant_name);
	}
}

void roster_push(struct xuser *u, const struct roster_item *it, bool removed)
{
	struct roster_item seen;
	if (u == NULL)
		return;
	item_as_seen(u, it, &seen, strchr(u->bare, '@') + 1);
	if (removed)
		seen.in_roster = false;
	for (struct c2s_conn *s = u->sessions; s != NULL; s = s->unext) {
		if (!s->wants_roster || s->state != C2S_BOUND)
			continue;
		char id[20];
		xmpp_server_new_id(s->srv, id);
		struct xml_doc *d = stanza_new(STANZA_IQ, NULL, "set", s->full, NULL, id);
		struct xml_elem *q = xml_elem_new(d, xml_doc_root(d), XMPP_NS_ROSTER, "query");
		roster_item_xml(q, &seen);
		c2s_send(s, xml_doc_root(d));
		xml_doc_free(&d);
	}
	roster_item_clear(&seen);
}

static void roster_result(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xuser *u = c->user;
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *q = xml_elem_new(p, NULL, XMPP_NS_ROSTER, "query");
	const char *domain = c->srv->domain;
	for (size_t i = 0; i < u->roster.n; i++) {
		if (!u->roster.items[i].in_roster)
			continue;
		struct roster_item seen;
		item_as_seen(u, &u->roster.items[i], &seen, domain);
		roster_item_xml(q, &seen);
		roster_item_clear(&seen);
	}
	for (size_t i = 0; u->tenant_name != NULL && i < u->n_members; i++) {
		char bare[160];
		snprintf(bare, sizeof(bare), "%s@%s", u->members[i], domain);
		struct roster_item *st = roster_find(&u->roster, bare);
		if (st != NULL && st->in_roster)
			continue;
		struct roster_item v = {.jid = bare,
		                        .name = u->members[i],
		                        .sub = SUB_BOTH,
		                        .in_roster = true,
		                        .n_groups = 1};
		v.groups[0] = u->tenant_name;
		roster_item_xml(q, &v);
	}
	c->wants_roster = true;
	server_send_iq_result(c, xml_doc_root(doc), &p);
	xml_doc_free(&doc);
}

/* ---- changes ------------------------------------------------------------ */

enum rop_kind { ROP_SET, ROP_REMOVE, ROP_SUB };

struct rop_job {
	struct dbjob job;
	enum rop_kind kind;
	enum sub_event ev;
	struct xacct owner;
	char owner_bare[160];
	char contact[3 * JID_PART_MAX + 3];
	char contact_user[65];  /* "" when not a local account's JID */
	struct roster_item set; /* ROP_SET: name and groups */
	struct xml_doc *iq;     /* answered with a result */
	/* results */
	struct roster_item owner_item, contact_item;
	bool owner_changed, contact_changed, removed, auto_reply;
	int contact_found;
	struct xacct contact_acct;
	enum sub_event deliver[2];
	int n_deliver;
};

static bool item_differs(const struct roster_item *a, const struct roster_item *b)
{
	return a->sub != b->sub || a->ask_out != b->ask_out || a->pending_in != b->pending_in ||
	       a->approved != b->approved || a->in_roster != b->in_roster;
}

static void rop_event(struct rop_job *r, struct app *app, struct store *st, enum sub_event ev,
                      bool *have_contact)
{
	if (!roster_sub_outbound(&r->owner_item, ev) || r->contact_found != 1)
		return;
	if (!*have_contact) {
		bool found;
		roster_item_clear(&r->contact_item);
		if (roster_db_get(app, st, r->contact_acct.tenant_id, r->contact_acct.id,
		                  r->owner_bare, &r->contact_item, &found) < 0) {
			r->job.status = -1;
			return;
		}
		*have_contact = true;
	}
	struct roster_item before = r->contact_item;
	bool deliver = false, auto_reply = false;
	if (roster_sub_inbound(&r->contact_item, ev, &deliver, &auto_reply) ||
	    item_differs(&before, &r->contact_item))
		r->contact_changed = true;
	if (deliver && r->n_deliver < 2)
		r->deliver[r->n_deliver++] = ev;
	if (auto_reply) {
		/* the contact's server answers "subscribed"; the owner's side
		 * takes it like any inbound one: ignored, not delivered, when
		 * it changes nothing (RFC 6121 §3.1.6; a client that answers
		 * each "subscribed" would otherwise loop) */
		bool d2, a2;
		(void)roster_sub_inbound(&r->owner_item, SUB_EV_SUBSCRIBED, &d2, &a2);
		r->auto_reply = d2;
	}
}

static void rop_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct rop_job *r = (struct rop_job *)job;
	bool found, have_contact = false;
	if (roster_db_get(app, st, r->owner.tenant_id, r->owner.id, r->contact, &r->owner_item,
	                  &found) < 0) {
		job->status = -1;
		return;
	}
	struct roster_item before = r->owner_item;
	r->contact_found =
	    r->contact_user[0] ? xacct_by_username(st, r->contact_user, &r->contact_acct) : 0;
	if (r->contact_found < 0) {
		job->status = -1;
		return;
	}
	if (r->kind == ROP_SUB && r->contact_found == 0 && r->contact_user[0] != '\0')
		return; /* unknown local account: answered "unsubscribed" */
	if (r->kind == ROP_SET) {
		free(r->owner_item.name);
		for (unsigned i = 0; i < r->owner_item.n_groups; i++)
			free(r->owner_item.groups[i]);
		r->owner_item.name = r->set.name ? xstrdup(r->set.name) : NULL;
		r->owner_item.n_groups = r->set.n_groups;
		for (unsigned i = 0; i < r->set.n_groups; i++)
			r->owner_item.groups[i] = xstrdup(r->set.groups[i]);
		r->owner_item.in_roster = true;
		r->owner_changed = true;
	} else if (r->kind == ROP_REMOVE) {
		if (!found || !r->owner_item.in_roster)
			return; /* item-not-found, answered by done */
		if (roster_sub_has_to(r->owner_item.sub) || r->owner_item.ask_out)
			rop_event(r, app, st, SUB_EV_UNSUBSCRIBE, &have_contact);
		if (roster_sub_has_from(r->owner_item.sub) || r->owner_item.pending_in)
			rop_event(r, app, st, SUB_EV_UNSUBSCRIBED, &have_contact);
		r->owner_item.in_roster = r->owner_item.approved = false;
		r->owner_item.pending_in = r->owner_item.ask_out = false;
		r->owner_item.sub = SUB_NONE;
		r->removed = r->owner_changed = true;
	} else {
		rop_event(r, app, st, r->ev, &have_contact);
	}
	if (item_differs(&before, &r->owner_item))
		r->owner_changed = true;
	if (job->status < 0)
		return;
	if ((r->owner_changed &&
	     roster_db_put(app, st, r->owner.tenant_id, r->owner.id, &r->owner_item) < 0) ||
	    (r->contact_changed && roster_db_put(app, st, r->contact_acct.tenant_id,
	                                         r->contact_acct.id, &r->contact_item) < 0))
		job->status = -1;
}

static void send_sub_presence(struct xuser *to_user, const char *type, const char *from_bare,
                              const char *to_bare)
{
	struct c2s_conn *av[XMPP_MAX_RESOURCES];
	if (to_user == NULL)
		return;
	size_t n = xuser_available(to_user, av, XMPP_MAX_RESOURCES);
	if (n == 0)
		return;
	struct xml_doc *d = stanza_new(STANZA_PRESENCE, NULL, type, to_bare, from_bare, NULL);
	for (size_t i = 0; i < n; i++)
		c2s_send(av[i], xml_doc_root(d));
	xml_doc_free(&d);
}

static const char *ev_name(enum sub_event ev)
{
	static const char *const n[] = {"subscribe", "subscribed", "unsubscribe", "unsubscribed"};
	return n[ev];
}

static void update_cache(struct xuser *u, const struct roster_item *it)
{
	if (u != NULL && u->roster_loaded)
		roster_put(&u->roster, it);
}

static void rop_done(struct dbjob *job)
{
	struct rop_job *r = (struct rop_job *)job;
	struct c2s_conn *c = job->conn;
	struct xmpp_server *srv = job->srv;
	struct xuser *owner = xuser_find(srv, r->owner.username);
	struct xuser *contact = r->contact_found == 1 ? xuser_find(srv, r->contact_user) : NULL;
	bool alive = c != NULL && c->state == C2S_BOUND;
	if (job->status < 0) {
		if (alive && r->iq != NULL)
			c2s_send_stanza_error(c, xml_doc_root(r->iq),
			                      STANZA_ERR_INTERNAL_SERVER_ERROR);
		goto out;
	}
	if (r->kind == ROP_REMOVE && !r->removed) {
		if (alive && r->iq != NULL)
			c2s_send_stanza_error(c, xml_doc_root(r->iq), STANZA_ERR_ITEM_NOT_FOUND);
		goto out;
	}
	if (r->owner_changed) {
		update_cache(owner, &r->owner_item);
		if (r->owner_item.in_roster || r->removed)
			roster_push(owner, &r->owner_item, r->removed);
	}
	if (r->contact_changed) {
		update_cache(contact, &r->contact_item);
		if (r->contact_item.in_roster)
			roster_push(contact, &r->contact_item, false);
	}
	for (int i = 0; i < r->n_deliver; i++)
		send_sub_presence(contact, ev_name(r->deliver[i]), r->owner_bare, r->contact);
	if (r->auto_reply)
		send_sub_presence(owner, "subscribed", r->contact, r->owner_bare);
	if (r->kind == ROP_SUB && r->ev == SUB_EV_SUBSCRIBE && r->contact_found == 0 &&
	    r->contact_user[0] != '\0')
		send_sub_presence(owner, "unsubscribed", r->contact, r->owner_bare);
	if (r->contact_found == 1 && (r->owner_changed || r->contact_changed)) {
		presence_after_sub_change(srv, r->owner.username, r->contact_user);
		presence_after_sub_change(srv, r->contact_user, r->owner.username);
	}
	if (alive && r->iq != NULL)
		server_send_iq_result(c, xml_doc_root(r->iq), NULL);
out:
	xml_doc_free(&r->iq);
	roster_item_clear(&r->owner_item);
	roster_item_clear(&r->contact_item);
	roster_item_clear(&r->set);
	free(r);
}

/* Normalises a JID to its bare form; fills the local username when it is
 * an account of this server. -1 when malformed. */
static int contact_of(struct c2s_conn *c, const char *s, struct rop_job *r)
{
	struct jid j, b;
	if (s == NULL || jid_parse_str(s, &j, NULL) < 0)
		return -1;
	jid_bare(&b, &j);
	jid_free(&j);
	if (b.local == NULL || jid_format(&b, false, r->contact, sizeof(r->contact)) < 0) {
		jid_free(&b);
		return -1;
	}
	if (b.domain_len == strlen(c->srv->domain) &&
	    memcmp(b.domain, c->srv->domain, b.domain_len) == 0 && b.local_len < 65) {
		memcpy(r->contact_user, b.local, b.local_len);
		r->contact_user[b.local_len] = '\0';
	}
	jid_free(&b);
	return 0;
}

static struct rop_job *rop_new(struct c2s_conn *c, enum rop_kind kind)
{
	struct rop_job *r = xcalloc(1, sizeof(*r));
	r->job.conn = c;
	r->job.tx = true;
	r->job.work = rop_work;
	r->job.done = rop_done;
	r->kind = kind;
	r->owner = c->acct;
	snprintf(r->owner_bare, sizeof(r->owner_bare), "%s", c->user->bare);
	return r;
}

void roster_subscription(struct c2s_conn *c, struct xml_doc *doc, enum sub_event ev)
{
	struct rop_job *r = rop_new(c, ROP_SUB);
	r->ev = ev;
	if (contact_of(c, stanza_to(xml_doc_root(doc)), r) < 0 ||
	    strcmp(r->contact, r->owner_bare) == 0) {
		free(r);
		xml_doc_free(&doc);
		return;
	}
	xml_doc_free(&doc);
	xmpp_job_submit(c->srv, &r->job);
}

static void roster_set(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *q = xml_elem_find(xml_doc_root(doc), XMPP_NS_ROSTER, "query");
	struct xml_elem *item = xml_elem_find(q, XMPP_NS_ROSTER, "item");
	const char *sub = item ? xml_elem_attr(item, "subscription") : NULL;
	bool remove = sub != NULL && strcmp(sub, "remove") == 0;
	if (item == NULL || xml_elem_child_count(q) != 1 ||
	    (sub != NULL && !remove && strcmp(sub, "none") != 0 && strcmp(sub, "both") != 0 &&
	     strcmp(sub, "to") != 0 && strcmp(sub, "from") != 0)) {
		c2s_send_stanza_error(c, xml_doc_root(doc), STANZA_ERR_BAD_REQUEST);
		xml_doc_free(&doc);
		return;
	}
	struct rop_job *r = rop_new(c, remove ? ROP_REMOVE : ROP_SET);
	if (contact_of(c, xml_elem_attr(item, "jid"), r) < 0) {
		free(r);
		c2s_send_stanza_error(c, xml_doc_root(doc), STANZA_ERR_JID_MALFORMED);
		xml_doc_free(&doc);
		return;
	}
	const char *name = xml_elem_attr(item, "name");
	if (name != NULL && strlen(name) <= 1024)
		r->set.name = xstrdup(name);
	for (struct xml_elem *g = xml_elem_first_child(item); g != NULL;
	     g = xml_elem_next_sibling(g)) {
		const char *t =
		    xml_elem_is(g, XMPP_NS_ROSTER, "group") ? xml_elem_text(g, NULL) : NULL;
		if (t != NULL && t[0] && strlen(t) <= 1024 && !strchr(t, '\n') &&
		    r->set.n_groups < ROSTER_MAX_GROUPS)
			r->set.groups[r->set.n_groups++] = xstrdup(t);
	}
	if (!remove && c->user->roster.n >= ROSTER_MAX_ITEMS &&
	    roster_find(&c->user->roster, r->contact) == NULL) {
		roster_item_clear(&r->set);
		free(r);
		c2s_send_stanza_error(c, xml_doc_root(doc), STANZA_ERR_RESOURCE_CONSTRAINT);
		xml_doc_free(&doc);
		return;
	}
	r->iq = doc;
	xmpp_job_submit(c->srv, &r->job);
}

static void roster_iq_loaded(struct c2s_conn *c, struct xml_doc *doc)
{
	const char *type = stanza_type(xml_doc_root(doc));
	if (strcmp(type, "get") == 0)
		roster_result(c, doc);
	else if (strcmp(type, "set") == 0)
		roster_set(c, doc);
	else
		xml_doc_free(&doc);
}

void roster_iq(struct c2s_conn *c, struct xml_doc *doc)
{
	const char *type = stanza_type(xml_doc_root(doc));
	/* a roster get reloads, so members who joined the tenant since login
	 * show up */
	if (strcmp(type, "get") == 0)
		load_submit(c, doc, roster_iq_loaded);
	else
		roster_ensure_loaded(c, doc, roster_iq_loaded);
}
