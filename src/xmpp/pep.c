/*
 * xmpp/pep: personal eventing (XEP-0163) on a minimal PubSub subset
 * (XEP-0060) at the account's bare JID: publish (auto-create, with
 * publish-options for the access model and max_items), retract, items
 * (all, the newest N, or by id), notifications to the sessions that may
 * see the owner's presence (P-PRE-2, not blocked) and asked for the node
 * (+notify, pep_csi.c), and the last items of the visible nodes after a
 * session's initial presence. Access models: "presence" (open is served
 * as presence: P-PRE-2 is never widened) and "whitelist" (the owner
 * only); bookmark nodes are always whitelist. Private XML storage
 * (XEP-0049) is here too. Storage in pep_db.c (sealed).
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "store/store.h"
#include "xml/jid.h"
#include "xmpp/pep_internal.h"
#include "xml/stanza.h"
#include "xmpp/xep_internal.h"
#include "xml/xml_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool private_node(const char *node)
{
	return strcmp(node, NS_BOOKMARKS2) == 0 || strcmp(node, "storage:bookmarks") == 0;
}

static bool node_ok(const char *node)
{
	size_t n = node ? strlen(node) : 0;
	return n > 0 && n <= PEP_NODE_MAX;
}

/* ---- notifications ----------------------------------------------------- */

static void notify_user(struct xuser *v, const char *from, const char *node,
                        const struct xml_elem *event)
{
	for (struct c2s_conn *s = v->sessions; s != NULL; s = s->unext) {
		if (!s->available || s->state != C2S_BOUND || !pep_wants(s, node))
			continue;
		struct xml_doc *d =
		    stanza_new(STANZA_MESSAGE, NULL, "headline", s->full, from, NULL);
		xml_elem_copy(d, xml_doc_root(d), event);
		c2s_send(s, xml_doc_root(d));
		xml_doc_free(&d);
	}
}

static bool may_notify(struct xmpp_server *srv, struct xuser *owner, struct xuser *v)
{
	return v != owner && presence_visible(owner, &v->acct, v->bare) &&
	       !xep_is_blocked(srv, owner->acct.username, v->bare) &&
	       !xep_is_blocked(srv, v->acct.username, owner->bare);
}

void pep_notify(struct xmpp_server *srv, struct xuser *owner, const char *node,
                enum pep_access access, const struct xml_elem *event)
{
	notify_user(owner, owner->bare, node, event);
	if (access == PEP_ACCESS_WHITELIST)
		return;
	for (struct xuser *v = xmpp_tenant_online(srv, owner->acct.tenant_id); v; v = v->tnext)
		if (may_notify(srv, owner, v))
			notify_user(v, owner->bare, node, event);
	for (size_t i = 0; i < owner->roster.n; i++) {
		struct roster_item *it = &owner->roster.items[i];
		char local[65];
		if (!roster_sub_has_from(it->sub) ||
		    xacct_local_of(srv, it->jid, local, sizeof(local)) == NULL)
			continue;
		struct xuser *v = xuser_find(srv, local);
		if (v == NULL || (owner->acct.tenant_id[0] != '\0' &&
		                  strcmp(v->acct.tenant_id, owner->acct.tenant_id) == 0))
			continue; /* tenant members were notified above */
		if (may_notify(srv, owner, v))
			notify_user(v, owner->bare, node, event);
	}
}

/* <event><items node=N>ITEM or <retract id/></items></event> */
static struct xml_doc *event_doc(const char *node, struct xml_elem **items_r)
{
	struct xml_doc *d = xml_doc_new(0);
	struct xml_elem *ev = xml_elem_new(d, NULL, NS_PUBSUB_EVENT, "event");
	struct xml_elem *items = xml_elem_new(d, ev, NS_PUBSUB_EVENT, "items");
	xml_elem_set_attr(items, "node", node);
	*items_r = items;
	return d;
}

/* Copies an <item/> of any namespace as a pubsub#event item. */
static void copy_item(struct xml_doc *d, struct xml_elem *parent, const char *ns,
                      struct xml_elem *item)
{
	struct xml_elem *it = xml_elem_new(d, parent, ns, "item");
	const char *id = xml_elem_attr(item, "id");
	if (id != NULL)
		xml_elem_set_attr(it, "id", id);
	for (struct xml_elem *ch = xml_elem_first_child(item); ch; ch = xml_elem_next_sibling(ch))
		xml_elem_copy(d, it, ch);
}

/* ---- the iq job ---------------------------------------------------------- */

enum pep_op { OP_PUBLISH, OP_RETRACT, OP_ITEMS, OP_PRIV_GET, OP_PRIV_SET };

struct pep_job {
	struct dbjob job;
	enum pep_op op;
	struct xml_doc *doc;
	struct xacct viewer;
	char viewer_bare[200];
	char owner_user[65];
	bool known_visible;
	char node[PEP_NODE_MAX + 1];
	char item_id[PEP_ITEM_ID_MAX + 1];
	bool has_item_id;
	size_t max_items; /* items get */
	enum pep_access access;
	bool access_given;
	int node_max; /* publish: max_items of the node */
	bool node_max_given;
	char *item_xml; /* publish: the stored <item/> */
	size_t item_len;
	/* results */
	enum stanza_error_cond err;
	bool failed;
	bool notify;
	char **items;
	size_t n_items;
	struct xml_doc *payload;
	struct xacct owner;
};

static void fail(struct pep_job *j, enum stanza_error_cond cond)
{
	j->failed = true;
	j->err = cond;
}

static void items_work(struct pep_job *j, struct app *app, struct store *st)
{
	enum pep_access access;
	int max;
	bool own = strcmp(j->owner.id, j->viewer.id) == 0;
	if (!own && !j->known_visible &&
	    !xep_visible_db(app, st, &j->owner, &j->viewer, j->viewer_bare)) {
		fail(j, STANZA_ERR_FORBIDDEN); /* P-PRE-2: strangers learn nothing */
		return;
	}
	int found = pep_db_node(st, j->owner.id, j->node, &access, &max);
	if (found < 0) {
		fail(j, STANZA_ERR_INTERNAL_SERVER_ERROR);
		return;
	}
	if (found == 0) {
		fail(j, STANZA_ERR_ITEM_NOT_FOUND);
		return;
	}
	if (!own && access == PEP_ACCESS_WHITELIST) {
		fail(j, STANZA_ERR_FORBIDDEN);
		return;
	}
	if (pep_db_items(app, st, j->owner.id, j->owner.tenant_id, j->node,
	                 j->has_item_id ? j->item_id : NULL, j->max_items, &j->items,
	                 &j->n_items) < 0)
		fail(j, STANZA_ERR_INTERNAL_SERVER_ERROR);
}

static void publish_work(struct pep_job *j, struct app *app, struct store *st)
{
	enum pep_access access = private_node(j->node) ? PEP_ACCESS_WHITELIST : PEP_ACCESS_PRESENCE;
	int max = private_node(j->node) ? PEP_ITEMS_MAX : 1;
	enum pep_access old_access;
	int old_max;
	int found = pep_db_node(st, j->viewer.id, j->node, &old_access, &old_max);
	if (found < 0) {
		fail(j, STANZA_ERR_INTERNAL_SERVER_ERROR);
		return;
	}
	if (found == 1) {
		access = old_access;
		max = old_max;
	}
	if (j->access_given && !private_node(j->node))
		access = j->access;
	if (j->node_max_given)
		max = j->node_max;
	int rc =
	    pep_db_node_put(st, j->viewer.id, j->viewer.tenant_id, j->node, access, max, now_ms());
	if (rc == -2) {
		fail(j, STANZA_ERR_POLICY_VIOLATION);
		return;
	}
	if (rc < 0 || pep_db_item_put(app, st, j->viewer.id, j->viewer.tenant_id, j->node,
	                              j->item_id, j->item_xml, j->item_len, max, now_ms()) < 0) {
		fail(j, STANZA_ERR_INTERNAL_SERVER_ERROR);
		return;
	}
	j->access = access;
	j->notify = true;
}

static void retract_work(struct pep_job *j, struct app *app, struct store *st)
{
	enum pep_access access;
	int max;
	int found = pep_db_node(st, j->viewer.id, j->node, &access, &max);
	if (found <= 0) {
		fail(j, found < 0 ? STANZA_ERR_INTERNAL_SERVER_ERROR : STANZA_ERR_ITEM_NOT_FOUND);
		return;
	}
	int rc =
	    pep_db_item_delete(app, st, j->viewer.id, j->viewer.tenant_id, j->node, j->item_id);
	if (rc < 0)
		fail(j, STANZA_ERR_INTERNAL_SERVER_ERROR);
	else if (rc == 0)
		fail(j, STANZA_ERR_ITEM_NOT_FOUND);
	j->access = access;
	j->notify = rc == 1;
}

static void private_work(struct pep_job *j, struct app *app, struct store *st)
{
	/* node holds the namespace; item_xml the element (set) */
	if (j->op == OP_PRIV_SET) {
		int rc = pep_db_private_put(app, st, j->viewer.id, j->viewer.tenant_id, j->node,
		                            j->item_xml, j->item_len, now_ms());
		if (rc == -2)
			fail(j, STANZA_ERR_POLICY_VIOLATION);
		else if (rc < 0)
			fail(j, STANZA_ERR_INTERNAL_SERVER_ERROR);
		return;
	}
	char *xml = NULL;
	size_t len = 0;
	if (pep_db_private_get(app, st, j->viewer.id, j->viewer.tenant_id, j->node, &xml, &len) <
	    0) {
		fail(j, STANZA_ERR_INTERNAL_SERVER_ERROR);
		return;
	}
	if (xml != NULL) {
		j->items = xcalloc(1, sizeof(*j->items));
		j->items[0] = xml;
		j->n_items = 1;
	}
}

static void pep_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct pep_job *j = (struct pep_job *)job;
	if (j->op == OP_ITEMS) {
		int found = xacct_by_username(st, j->owner_user, &j->owner);
		if (found <= 0) {
			fail(j,
			     found < 0 ? STANZA_ERR_INTERNAL_SERVER_ERROR : STANZA_ERR_FORBIDDEN);
			return;
		}
		if (pep_avatar_node(j->node)) {
			if (strcmp(j->owner.id, j->viewer.id) != 0 && !j->known_visible &&
			    !xep_visible_db(app, st, &j->owner, &j->viewer, j->viewer_bare)) {
				fail(j, STANZA_ERR_FORBIDDEN);
				return;
			}
			j->payload = pep_avatar_items(app, st, &j->owner, j->node,
			                              j->has_item_id ? j->item_id : NULL);
			if (j->payload == NULL)
				fail(j, STANZA_ERR_INTERNAL_SERVER_ERROR);
			return;
		}
		items_work(j, app, st);
	} else if (j->op == OP_PUBLISH) {
		if (pep_avatar_node(j->node)) {
			int rc = pep_avatar_publish(app, st, &j->viewer, j->node, j->item_id,
			                            j->item_xml, j->item_len, &j->err);
			j->failed = rc < 0;
			j->notify = rc > 0;
			j->access = PEP_ACCESS_PRESENCE;
			return;
		}
		publish_work(j, app, st);
	} else if (j->op == OP_RETRACT)
		retract_work(j, app, st);
	else
		private_work(j, app, st);
}

static struct xml_doc *items_payload(struct pep_job *j)
{
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *ps = xml_elem_new(p, NULL, NS_PUBSUB, "pubsub");
	struct xml_elem *items = xml_elem_new(p, ps, NS_PUBSUB, "items");
	xml_elem_set_attr(items, "node", j->node);
	for (size_t i = j->n_items; i-- > 0;) { /* oldest first */
		struct xml_doc *it = xep_parse_stanza(j->items[i], strlen(j->items[i]));
		if (it != NULL)
			copy_item(p, items, NS_PUBSUB, xml_doc_root(it));
		xml_doc_free(&it);
	}
	return p;
}

static struct xml_doc *private_payload(struct pep_job *j)
{
	struct xml_elem *q = xml_elem_first_child(xml_doc_root(j->doc));
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *out = xml_elem_new(p, NULL, NS_PRIVATE, "query");
	struct xml_doc *stored =
	    j->n_items ? xep_parse_stanza(j->items[0], strlen(j->items[0])) : NULL;
	if (stored != NULL)
		xml_elem_copy(p, out, xml_doc_root(stored));
	else /* XEP-0049 §3.2: nothing stored, the empty element comes back */
		xml_elem_new(p, out, j->node, xml_elem_name(xml_elem_first_child(q)));
	xml_doc_free(&stored);
	return p;
}

static void publish_notify(struct pep_job *j, struct c2s_conn *c)
{
	struct xml_elem *items;
	struct xml_doc *ev = event_doc(j->node, &items);
	if (j->op == OP_RETRACT) {
		xml_elem_set_attr(xml_elem_new(ev, items, NS_PUBSUB_EVENT, "retract"), "id",
		                  j->item_id);
	} else {
		struct xml_doc *it = xep_parse_stanza(j->item_xml, j->item_len);
		if (it != NULL)
			copy_item(ev, items, NS_PUBSUB_EVENT, xml_doc_root(it));
		xml_doc_free(&it);
	}
	if (c->user != NULL)
		pep_notify(c->srv, c->user, j->node, j->access, xml_doc_root(ev));
	xml_doc_free(&ev);
}

static void pep_done(struct dbjob *job)
{
	struct pep_job *j = (struct pep_job *)job;
	struct c2s_conn *c = job->conn;
	if (c->state != C2S_BOUND)
		xml_doc_free(&j->doc);
	else if (job->status < 0)
		xep_error(c, &j->doc, STANZA_ERR_INTERNAL_SERVER_ERROR);
	else if (j->failed)
		xep_error(c, &j->doc, j->err);
	else if (j->op == OP_ITEMS) {
		struct xml_doc *p = j->payload ? j->payload : items_payload(j);
		j->payload = NULL;
		xep_result(c, &j->doc, &p);
	} else if (j->op == OP_PRIV_GET) {
		struct xml_doc *p = private_payload(j);
		xep_result(c, &j->doc, &p);
	} else if (j->op == OP_PUBLISH) {
		struct xml_doc *p = xml_doc_new(0);
		struct xml_elem *ps = xml_elem_new(p, NULL, NS_PUBSUB, "pubsub");
		struct xml_elem *pub = xml_elem_new(p, ps, NS_PUBSUB, "publish");
		xml_elem_set_attr(pub, "node", j->node);
		xml_elem_set_attr(xml_elem_new(p, pub, NS_PUBSUB, "item"), "id", j->item_id);
		xep_result(c, &j->doc, &p);
		if (j->notify)
			publish_notify(j, c);
		if (j->notify && pep_avatar_node(j->node))
			pep_avatar_changed(c);
	} else {
		xep_result(c, &j->doc, NULL);
		if (j->notify)
			publish_notify(j, c);
	}
	pep_db_free_items(j->items, j->n_items);
	xml_doc_free(&j->payload);
	free(j->item_xml);
	free(j);
}

static struct pep_job *job_new(struct c2s_conn *c, struct xml_doc *doc, enum pep_op op)
{
	struct pep_job *j = xcalloc(1, sizeof(*j));
	j->op = op;
	j->doc = doc;
	j->viewer = c->acct;
	snprintf(j->viewer_bare, sizeof(j->viewer_bare), "%s", c->user->bare);
	j->job.conn = c;
	j->job.work = pep_work;
	j->job.done = pep_done;
	return j;
}

/* Writes el standalone (its namespace declared); NULL when unwritable. */
static char *write_elem(const struct xml_elem *el, size_t *len_r)
{
	struct xml_buf b = XML_BUF_INIT;
	if (xml_writer_write(&b, el, NULL, false) < 0) {
		xml_buf_free(&b);
		return NULL;
	}
	char *s = xmalloc(b.len + 1);
	memcpy(s, b.data, b.len);
	s[b.len] = '\0';
	*len_r = b.len;
	xml_buf_free(&b);
	return s;
}

/* publish-options (XEP-0060 §7.1.5): access model and max_items. */
static bool read_options(struct pep_job *j, struct xml_elem *ps)
{
	struct xml_elem *po = xml_elem_find(ps, NS_PUBSUB, "publish-options");
	struct xml_elem *x = po ? xml_elem_find(po, NS_XDATA, "x") : NULL;
	if (x == NULL)
		return true;
	const char *am = xep_form_value(x, "pubsub#access_model");
	const char *mi = xep_form_value(x, "pubsub#max_items");
	if (am != NULL) {
		if (strcmp(am, "whitelist") == 0)
			j->access = PEP_ACCESS_WHITELIST;
		else if (strcmp(am, "presence") == 0 || strcmp(am, "open") == 0 ||
		         strcmp(am, "roster") == 0)
			j->access = PEP_ACCESS_PRESENCE; /* never wider than P-PRE-2 */
		else
			return false;
		j->access_given = true;
	}
	if (mi != NULL) {
		char *end;
		long v = strtol(mi, &end, 10);
		if (strcmp(mi, "max") == 0)
			v = PEP_ITEMS_MAX;
		else if (*end != '\0' || v < 1)
			return false;
		j->node_max = v > PEP_ITEMS_MAX ? PEP_ITEMS_MAX : (int)v;
		j->node_max_given = true;
	}
	return true;
}

static void pubsub_set(struct c2s_conn *c, struct xml_doc *doc, struct xml_elem *ps)
{
	struct xml_elem *pub = xml_elem_find(ps, NS_PUBSUB, "publish");
	struct xml_elem *ret = xml_elem_find(ps, NS_PUBSUB, "retract");
	struct xml_elem *op = pub ? pub : ret;
	const char *node = op ? xml_elem_attr(op, "node") : NULL;
	struct xml_elem *item = op ? xml_elem_find(op, NS_PUBSUB, "item") : NULL;
	if (op == NULL) {
		xep_error(c, &doc, STANZA_ERR_FEATURE_NOT_IMPLEMENTED);
		return;
	}
	if (!node_ok(node)) {
		xep_error(c, &doc, STANZA_ERR_BAD_REQUEST);
		return;
	}
	const char *id = item ? xml_elem_attr(item, "id") : NULL;
	struct pep_job *j = job_new(c, doc, pub ? OP_PUBLISH : OP_RETRACT);
	snprintf(j->node, sizeof(j->node), "%s", node);
	if (ret != NULL) {
		if (id == NULL || id[0] == '\0' || strlen(id) > PEP_ITEM_ID_MAX) {
			free(j);
			xep_error(c, &doc, STANZA_ERR_BAD_REQUEST);
			return;
		}
		snprintf(j->item_id, sizeof(j->item_id), "%s", id);
		xmpp_job_submit(c->srv, &j->job);
		return;
	}
	/* one item with one payload element (XEP-0060 §7.1.3.6) */
	if (item == NULL || xml_elem_child_count(item) != 1 ||
	    (id && strlen(id) > PEP_ITEM_ID_MAX) || !read_options(j, ps)) {
		free(j);
		xep_error(c, &doc, STANZA_ERR_BAD_REQUEST);
		return;
	}
	if (id == NULL || id[0] == '\0') {
		char gen[33];
		ids_random_hex(gen, 16);
		snprintf(j->item_id, sizeof(j->item_id), "%s", gen);
		xml_elem_set_attr(item, "id", j->item_id);
	} else
		snprintf(j->item_id, sizeof(j->item_id), "%s", id);
	j->item_xml = write_elem(item, &j->item_len);
	if (j->item_xml == NULL) {
		free(j);
		xep_error(c, &doc, STANZA_ERR_BAD_REQUEST);
		return;
	}
	/* the profile avatar has its own transaction (domain/profile.h) */
	j->job.tx = !pep_avatar_node(j->node);
	xmpp_job_submit(c->srv, &j->job);
}

static void pubsub_get(struct c2s_conn *c, struct xml_doc *doc, struct xml_elem *ps,
                       enum xep_target t, const char *local)
{
	struct xml_elem *items = xml_elem_find(ps, NS_PUBSUB, "items");
	const char *node = items ? xml_elem_attr(items, "node") : NULL;
	if (items == NULL) {
		xep_error(c, &doc, STANZA_ERR_FEATURE_NOT_IMPLEMENTED);
		return;
	}
	if (!node_ok(node)) {
		xep_error(c, &doc, STANZA_ERR_BAD_REQUEST);
		return;
	}
	struct pep_job *j = job_new(c, doc, OP_ITEMS);
	snprintf(j->node, sizeof(j->node), "%s", node);
	snprintf(j->owner_user, sizeof(j->owner_user), "%s",
	         t == XT_OTHER ? local : c->acct.username);
	j->max_items = PEP_ITEMS_MAX;
	const char *mi = xml_elem_attr(items, "max_items");
	if (mi != NULL) {
		char *end;
		long v = strtol(mi, &end, 10);
		if (*end == '\0' && v >= 1 && v < PEP_ITEMS_MAX)
			j->max_items = (size_t)v;
	}
	struct xml_elem *want = xml_elem_find(items, NS_PUBSUB, "item");
	const char *id = want ? xml_elem_attr(want, "id") : NULL;
	if (id != NULL && strlen(id) <= PEP_ITEM_ID_MAX) {
		snprintf(j->item_id, sizeof(j->item_id), "%s", id);
		j->has_item_id = true;
	}
	if (t == XT_OTHER) {
		struct xuser *owner = xuser_find(c->srv, local);
		if (owner != NULL && owner->roster_loaded)
			j->known_visible = presence_visible(owner, &c->acct, c->user->bare);
	}
	xmpp_job_submit(c->srv, &j->job);
}

/* XEP-0049: only for the own account; one child, not in a jabber: space. */
static void private_iq(struct c2s_conn *c, struct xml_doc *doc, struct xml_elem *q, bool set,
                       bool mine)
{
	struct xml_elem *ch = xml_elem_first_child(q);
	const char *ns = ch ? xml_elem_ns(ch) : NULL;
	if (!mine) {
		xep_error(c, &doc, STANZA_ERR_FORBIDDEN);
		return;
	}
	if (ch == NULL || xml_elem_child_count(q) != 1 || ns == NULL || ns[0] == '\0' ||
	    strncmp(ns, "jabber:", 7) == 0 || strlen(ns) > PEP_NODE_MAX) {
		xep_error(c, &doc, STANZA_ERR_NOT_ACCEPTABLE);
		return;
	}
	struct pep_job *j = job_new(c, doc, set ? OP_PRIV_SET : OP_PRIV_GET);
	snprintf(j->node, sizeof(j->node), "%s", ns);
	if (set) {
		j->item_xml = write_elem(ch, &j->item_len);
		if (j->item_xml == NULL) {
			free(j);
			xep_error(c, &doc, STANZA_ERR_BAD_REQUEST);
			return;
		}
		j->job.tx = true;
	}
	xmpp_job_submit(c->srv, &j->job);
}

/* The xep_target of an addressee (no 'to' is the sender's own account). */
static enum xep_target pep_target(enum xmpp_to to)
{
	return to == XMPP_TO_SELF ? XT_SELF : to == XMPP_TO_OTHER ? XT_OTHER : XT_SERVER;
}

static void private_handler(struct xmpp_iq *iq)
{
	private_iq(iq->conn, iq->doc, iq->q, iq->type == XMPP_IQ_SET, iq->to != XMPP_TO_OTHER);
}

/* XEP-0163 on an account (there is no pubsub service on the domain: an iq
 * to it gets the core's <service-unavailable/>). */
static void pubsub_handler(struct xmpp_iq *iq)
{
	if (iq->type == XMPP_IQ_GET)
		pubsub_get(iq->conn, iq->doc, iq->q, pep_target(iq->to),
		           iq->local ? iq->local : "");
	else if (iq->to == XMPP_TO_OTHER)
		xmpp_iq_error(iq, STANZA_ERR_FORBIDDEN);
	else
		pubsub_set(iq->conn, iq->doc, iq->q);
}

static void pubsub_owner_handler(struct xmpp_iq *iq)
{
	xmpp_iq_error(iq, STANZA_ERR_FEATURE_NOT_IMPLEMENTED);
}

#define PEP_TO (XMPP_TO_NONE | XMPP_TO_SELF | XMPP_TO_OTHER)
#define PEP_FEATURE(f)                                                                             \
	{                                                                                          \
		NULL, NULL, 0, 0, XMPP_DISCO_ACCOUNT, "http://jabber.org/protocol/pubsub#" f, NULL \
	}

/* PEP (XEP-0163), bookmarks (XEP-0402, PEP nodes) and private XML
 * (XEP-0049). The pubsub#... features are node behaviours of the pubsub
 * handler (pubsub_get, pubsub_set in this file). */
static const struct xmpp_handler pep_handlers[] = {
    {NS_PRIVATE, "query", XMPP_IQ_GET | XMPP_IQ_SET, XMPP_TO_MINE | XMPP_TO_OTHER,
     XMPP_DISCO_SERVER, NULL, private_handler},
    {NS_PUBSUB, "pubsub", XMPP_IQ_GET | XMPP_IQ_SET, PEP_TO, 0, NULL, pubsub_handler},
    {NS_PUBSUB_OWNER, "pubsub", XMPP_IQ_GET | XMPP_IQ_SET, PEP_TO, 0, NULL, pubsub_owner_handler},
    PEP_FEATURE("access-presence"),  /* access_model in pubsub_set's publish-options */
    PEP_FEATURE("access-whitelist"), /* the default access model of bookmarks */
    PEP_FEATURE("auto-create"),      /* a publish creates the node (pubsub_set) */
    PEP_FEATURE("item-ids"),
    PEP_FEATURE("last-published"),   /* pep_send_last_items (below) */
    PEP_FEATURE("persistent-items"), /* pep_db.c */
    PEP_FEATURE("publish"),
    PEP_FEATURE("publish-options"),
    PEP_FEATURE("retract-items"),
    PEP_FEATURE("retrieve-items"), /* pubsub_get */
    {0},
};
#undef PEP_TO
#undef PEP_FEATURE

const struct xmpp_module pep_xmpp = {
    .name = "pep",
    .handlers = pep_handlers,
    .init = pep_state_new, /* the avatar hash cache (pep_avatar.c) */
    .free = pep_state_free,
};

/* ---- last items after the initial presence ------------------------------- */

struct last_owner {
	struct xacct acct;
};

struct last_item {
	char owner_bare[sizeof(((struct xacct *)0)->username) + 128]; /* user@domain */
	char node[PEP_NODE_MAX + 1];
	char *xml;
	struct xml_doc *payload; /* avatar metadata */
};

struct last_job {
	struct dbjob job;
	struct xacct viewer;
	char viewer_bare[200];
	char domain[128];
	struct last_item *items;
	size_t n, cap;
};

static void last_add(struct last_job *l, const struct xacct *owner, const char *node, char *xml,
                     struct xml_doc *payload)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->items = xrealloc(l->items, l->cap * sizeof(*l->items));
	}
	struct last_item *it = &l->items[l->n++];
	snprintf(it->owner_bare, sizeof(it->owner_bare), "%s@%s", owner->username, l->domain);
	snprintf(it->node, sizeof(it->node), "%s", node);
	it->xml = xml;
	it->payload = payload;
}

static void last_owner_nodes(struct last_job *l, struct app *app, struct store *st,
                             const struct xacct *owner)
{
	bool own = strcmp(owner->id, l->viewer.id) == 0;
	char *nodes[PEP_NODES_MAX];
	size_t n = pep_db_visible_nodes(st, owner->id, own, nodes, PEP_NODES_MAX);
	for (size_t i = 0; i < n; i++) {
		char **items = NULL;
		size_t k = 0;
		if (pep_avatar_node(nodes[i])) {
			if (strcmp(nodes[i], NS_AVATAR_META) == 0) {
				struct xml_doc *p =
				    pep_avatar_items(app, st, owner, nodes[i], NULL);
				if (p != NULL)
					last_add(l, owner, nodes[i], NULL, p);
			}
		} else if (pep_db_items(app, st, owner->id, owner->tenant_id, nodes[i], NULL, 1,
		                        &items, &k) == 0 &&
		           k == 1) {
			last_add(l, owner, nodes[i], items[0], NULL);
			items[0] = NULL;
		}
		pep_db_free_items(items, k);
		free(nodes[i]);
	}
}

static void last_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct last_job *l = (struct last_job *)job;
	struct xacct *owners = xcalloc(PEP_LAST_OWNERS, sizeof(*owners));
	size_t n = 0;
	owners[n++] = l->viewer;
	/* tenant members who have nodes (visible without subscription) */
	if (l->viewer.tenant_id[0] != '\0')
		n += pep_db_tenant_owners(st, l->viewer.tenant_id, l->viewer.id, owners + n,
		                          PEP_LAST_OWNERS - n);
	/* contacts the viewer is subscribed to, when they accepted (P-PRE-2) */
	struct roster r = {0};
	if (roster_db_load(app, st, l->viewer.tenant_id, l->viewer.id, &r) == 0) {
		for (size_t i = 0; i < r.n && n < PEP_LAST_OWNERS; i++) {
			char local[65];
			const char *at = strchr(r.items[i].jid, '@');
			if (!roster_sub_has_to(r.items[i].sub) || at == NULL ||
			    strcmp(at + 1, l->domain) != 0 || (size_t)(at - r.items[i].jid) >= 65)
				continue;
			snprintf(local, sizeof(local), "%.*s", (int)(at - r.items[i].jid),
			         r.items[i].jid);
			struct xacct o;
			if (xacct_by_username(st, local, &o) != 1 ||
			    (o.tenant_id[0] && strcmp(o.tenant_id, l->viewer.tenant_id) == 0) ||
			    !xep_visible_db(app, st, &o, &l->viewer, l->viewer_bare))
				continue;
			owners[n++] = o;
		}
	}
	roster_clear(&r);
	for (size_t i = 0; i < n; i++)
		last_owner_nodes(l, app, st, &owners[i]);
	free(owners);
}

static void last_done(struct dbjob *job)
{
	struct last_job *l = (struct last_job *)job;
	struct c2s_conn *c = job->conn;
	for (size_t i = 0; i < l->n; i++) {
		struct last_item *it = &l->items[i];
		char owner_local[65];
		bool send = job->status == 0 && c->state == C2S_BOUND && c->user != NULL &&
		            pep_wants(c, it->node);
		if (send &&
		    xacct_local_of(c->srv, it->owner_bare, owner_local, sizeof(owner_local)) !=
		        NULL &&
		    (xep_is_blocked(c->srv, owner_local, c->user->bare) ||
		     xep_is_blocked(c->srv, c->acct.username, it->owner_bare)))
			send = false;
		if (send) {
			struct xml_elem *items;
			struct xml_doc *ev = event_doc(it->node, &items);
			struct xml_doc *src =
			    it->xml ? xep_parse_stanza(it->xml, strlen(it->xml)) : NULL;
			struct xml_elem *item = NULL;
			if (src != NULL)
				item = xml_doc_root(src);
			else if (it->payload != NULL) {
				struct xml_elem *ps_items =
				    xml_elem_find(xml_doc_root(it->payload), NS_PUBSUB, "items");
				item = ps_items ? xml_elem_find(ps_items, NS_PUBSUB, "item") : NULL;
			}
			if (item != NULL) {
				copy_item(ev, items, NS_PUBSUB_EVENT, item);
				struct xml_doc *d = stanza_new(STANZA_MESSAGE, NULL, "headline",
				                               c->full, it->owner_bare, NULL);
				xml_elem_copy(d, xml_doc_root(d), xml_doc_root(ev));
				c2s_send(c, xml_doc_root(d));
				xml_doc_free(&d);
			}
			xml_doc_free(&src);
			xml_doc_free(&ev);
		}
		free(it->xml);
		xml_doc_free(&it->payload);
	}
	free(l->items);
	free(l);
}

void pep_send_last_items(struct c2s_conn *c)
{
	struct last_job *l = xcalloc(1, sizeof(*l));
	l->viewer = c->acct;
	snprintf(l->viewer_bare, sizeof(l->viewer_bare), "%s", c->user->bare);
	snprintf(l->domain, sizeof(l->domain), "%s", c->srv->domain);
	l->job.conn = c;
	l->job.work = last_work;
	l->job.done = last_done;
	xmpp_job_submit(c->srv, &l->job);
}
