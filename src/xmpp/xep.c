/*
 * xmpp/xep: dispatch of the extensions (see xep.h): service discovery and
 * entity capabilities, version, last activity, carbons, blocking, the
 * ad-hoc command "delete-history", and the message hook (blocking,
 * receipts/markers, carbons).
 */
#include "xmpp/xep.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/app.h"
#include "store/store.h"
#include "xmpp/jid.h"
#include "xmpp/pep.h"
#include "xmpp/sasl_internal.h"
#include "xmpp/stanza.h"
#include "xmpp/xep_history.h"
#include "xmpp/xep_internal.h"
#include "xmpp/xml_parser.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IRIS_VERSION "0.1"
#define BLOCK_MAX_ITEMS 1000

/* Features of the server (sorted: the caps hash needs them sorted). */
static const char *const features[] = {
    "http://jabber.org/protocol/commands",
    "http://jabber.org/protocol/disco#info",
    "http://jabber.org/protocol/disco#items",
    "jabber:iq:last",
    "jabber:iq:private",
    "jabber:iq:register", /* XEP-0077: password change only */
    "jabber:iq:roster",
    "jabber:iq:version",
    "msgoffline",
    "urn:xmpp:blocking",
    "urn:xmpp:carbons:2",
    "urn:xmpp:ping",
    "vcard-temp",
    NULL,
};

/* On an account's bare JID. */
static const char *const account_features[] = {
    "http://jabber.org/protocol/disco#info",
    "http://jabber.org/protocol/pubsub#access-presence",
    "http://jabber.org/protocol/pubsub#access-whitelist",
    "http://jabber.org/protocol/pubsub#auto-create",
    "http://jabber.org/protocol/pubsub#item-ids",
    "http://jabber.org/protocol/pubsub#last-published",
    "http://jabber.org/protocol/pubsub#persistent-items",
    "http://jabber.org/protocol/pubsub#publish",
    "http://jabber.org/protocol/pubsub#publish-options",
    "http://jabber.org/protocol/pubsub#retract-items",
    "http://jabber.org/protocol/pubsub#retrieve-items",
    "urn:xmpp:mam:2",
    "vcard-temp",
    NULL,
};

static time_t started;

/* ---- helpers ----------------------------------------------------------- */

/* ---- helpers ---------------------------------------------------------- */

void xep_result(struct c2s_conn *c, struct xml_doc **doc, struct xml_doc **payload)
{
	server_send_iq_result(c, xml_doc_root(*doc), payload);
	xml_doc_free(doc);
}

void xep_error(struct c2s_conn *c, struct xml_doc **doc, enum stanza_error_cond cond)
{
	c2s_send_stanza_error(c, xml_doc_root(*doc), cond);
	xml_doc_free(doc);
}

enum xep_target xep_target_of(struct c2s_conn *c, const struct xml_elem *el, char local[65])
{
	const char *to = stanza_to(el);
	struct jid j;
	enum xep_target t = XT_NONE;
	local[0] = '\0';
	if (to == NULL)
		return XT_SERVER;
	if (jid_parse_str(to, &j, NULL) < 0)
		return XT_NONE;
	if (j.domain_len == strlen(c->srv->domain) &&
	    memcmp(j.domain, c->srv->domain, j.domain_len) == 0 && j.resource == NULL) {
		if (j.local == NULL)
			t = XT_SERVER;
		else if (j.local_len < 65) {
			memcpy(local, j.local, j.local_len);
			local[j.local_len] = '\0';
			t = strcmp(local, c->acct.username) == 0 ? XT_SELF : XT_OTHER;
		}
	}
	jid_free(&j);
	return t;
}

/* ---- disco, caps, version, last ----------------------------------------- */

static void add_features(struct xml_doc *p, struct xml_elem *q, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		xml_elem_set_attr(xml_elem_new(p, q, XMPP_NS_DISCO_INFO, "feature"), "var",
		                  list[i]);
}

/* XEP-0115 §5.1 verification string of the server's identity and features. */
static const char *caps_ver(void)
{
	static char ver[64];
	if (ver[0] != '\0')
		return ver;
	char s[2048] = "server/im//Iris<";
	for (size_t i = 0; features[i] != NULL; i++) {
		strncat(s, features[i], sizeof(s) - strlen(s) - 2);
		strncat(s, "<", sizeof(s) - strlen(s) - 1);
	}
	unsigned char md[SHA_DIGEST_LENGTH];
	SHA1((const unsigned char *)s, strlen(s), md);
	char *b = sasl_b64_encode(md, sizeof(md));
	snprintf(ver, sizeof(ver), "%s", b);
	free(b);
	return ver;
}

void xep_stream_features(struct c2s_conn *c, struct xml_elem *f)
{
	(void)c;
	struct xml_elem *e = xml_elem_new(xml_elem_doc(f), f, NS_CAPS, "c");
	xml_elem_set_attr(e, "hash", "sha-1");
	xml_elem_set_attr(e, "node", XEP_CAPS_NODE);
	xml_elem_set_attr(e, "ver", caps_ver());
	pep_stream_features(c, f); /* XEP-0352 */
}

static void disco_info_server(struct c2s_conn *c, struct xml_doc **doc, const char *node)
{
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *q = xml_elem_new(p, NULL, XMPP_NS_DISCO_INFO, "query");
	if (node != NULL)
		xml_elem_set_attr(q, "node", node);
	struct xml_elem *id = xml_elem_new(p, q, XMPP_NS_DISCO_INFO, "identity");
	xml_elem_set_attr(id, "category", "server");
	xml_elem_set_attr(id, "type", "im");
	xml_elem_set_attr(id, "name", "Iris");
	add_features(p, q, features);
	xep_result(c, doc, &p);
}

/* disco#info of an account's bare JID (the owner, or a visible viewer). */
static void disco_info_account(struct c2s_conn *c, struct xml_doc **doc)
{
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *q = xml_elem_new(p, NULL, XMPP_NS_DISCO_INFO, "query");
	struct xml_elem *id = xml_elem_new(p, q, XMPP_NS_DISCO_INFO, "identity");
	xml_elem_set_attr(id, "category", "account");
	xml_elem_set_attr(id, "type", "registered");
	id = xml_elem_new(p, q, XMPP_NS_DISCO_INFO, "identity"); /* XEP-0163 §6 */
	xml_elem_set_attr(id, "category", "pubsub");
	xml_elem_set_attr(id, "type", "pep");
	add_features(p, q, account_features);
	xep_result(c, doc, &p);
}

void xep_disco_account_reply(struct c2s_conn *c, struct xml_doc **doc)
{
	disco_info_account(c, doc);
}

static void disco_items(struct c2s_conn *c, struct xml_doc **doc, const char *node)
{
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *q = xml_elem_new(p, NULL, NS_DISCO_ITEMS, "query");
	if (node != NULL) {
		xml_elem_set_attr(q, "node", node);
		if (strcmp(node, NS_COMMANDS) == 0) {
			struct xml_elem *it = xml_elem_new(p, q, NS_DISCO_ITEMS, "item");
			xml_elem_set_attr(it, "jid", c->srv->domain);
			xml_elem_set_attr(it, "node", XEP_CMD_DELETE);
			xml_elem_set_attr(it, "name", "Delete my chat history with a contact");
		}
	}
	xep_result(c, doc, &p);
}

static void version_reply(struct c2s_conn *c, struct xml_doc **doc)
{
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *q = xml_elem_new(p, NULL, XMPP_NS_VERSION, "query");
	xml_elem_add_child_text(q, XMPP_NS_VERSION, "name", "Iris");
	xml_elem_add_child_text(q, XMPP_NS_VERSION, "version", IRIS_VERSION);
	xep_result(c, doc, &p);
}

static void last_reply(struct c2s_conn *c, struct xml_doc **doc)
{
	char secs[32];
	if (started == 0)
		started = time(NULL);
	snprintf(secs, sizeof(secs), "%lld", (long long)(time(NULL) - started));
	struct xml_doc *p = xml_doc_new(0);
	xml_elem_set_attr(xml_elem_new(p, NULL, NS_LAST, "query"), "seconds", secs);
	xep_result(c, doc, &p);
}

/* ---- carbons (XEP-0280) --------------------------------------------------- */

struct carbon_entry {
	char *full;
	char stream_id[33];
};
static struct carbon_entry *carbons;
static size_t n_carbons;

static bool carbons_on(const struct c2s_conn *s)
{
	for (size_t i = 0; i < n_carbons; i++)
		if (strcmp(carbons[i].full, s->full) == 0 &&
		    strcmp(carbons[i].stream_id, s->stream_id) == 0)
			return true;
	return false;
}

static void carbons_set(struct c2s_conn *c, bool on)
{
	/* drop entries of ended sessions and this one's */
	size_t w = 0;
	for (size_t i = 0; i < n_carbons; i++) {
		struct c2s_conn *s = router_find_full(c->srv, carbons[i].full);
		bool keep = s != NULL && strcmp(s->stream_id, carbons[i].stream_id) == 0 && s != c;
		if (keep)
			carbons[w++] = carbons[i];
		else
			free(carbons[i].full);
	}
	n_carbons = w;
	if (!on)
		return;
	carbons = xrealloc(carbons, (n_carbons + 1) * sizeof(*carbons));
	carbons[n_carbons].full = xstrdup(c->full);
	memcpy(carbons[n_carbons].stream_id, c->stream_id, sizeof(c->stream_id));
	n_carbons++;
}

static bool any_carbons(struct xuser *u, const struct c2s_conn *except)
{
	for (struct c2s_conn *s = u ? u->sessions : NULL; s; s = s->unext)
		if (s != except && carbons_on(s))
			return true;
	return false;
}

/* <message from=bare to=s->full type=..><WRAP xmlns=carbons><forwarded>copy */
static void send_carbon(struct c2s_conn *s, const char *bare, const char *wrap,
                        const struct xml_elem *orig)
{
	const char *type = stanza_type(orig);
	struct xml_doc *d =
	    stanza_new(STANZA_MESSAGE, NULL, type ? type : "chat", s->full, bare, NULL);
	struct xml_elem *w = xml_elem_new(d, xml_doc_root(d), NS_CARBONS, wrap);
	struct xml_elem *f = xml_elem_new(d, w, NS_FORWARD, "forwarded");
	xml_elem_copy(d, f, orig);
	c2s_send(s, xml_doc_root(d));
	xml_doc_free(&d);
}

struct carbon_job {
	struct dbjob job;
	struct xml_doc *copy;
	char *from_full;
	char *to_full;
	char to_user[65];
	char from_user[65];
};

static void carbon_work(struct dbjob *job, struct app *app, struct store *st)
{
	(void)job;
	(void)app;
	(void)st; /* runs after the message's own job in the same batch */
}

static void carbon_done(struct dbjob *job)
{
	struct carbon_job *j = (struct carbon_job *)job;
	struct xmpp_server *srv = job->srv;
	struct xml_elem *el = xml_doc_root(j->copy);
	struct xuser *from = xuser_find(srv, j->from_user);
	struct xuser *to = xuser_find(srv, j->to_user);
	if (job->status == 0 && from != NULL)
		for (struct c2s_conn *s = from->sessions; s; s = s->unext)
			if (s->state == C2S_BOUND && strcmp(s->full, j->from_full) != 0 &&
			    carbons_on(s) &&
			    (j->to_full == NULL || strcmp(s->full, j->to_full) != 0))
				send_carbon(s, from->bare, "sent", el);
	if (job->status == 0 && to != NULL && from != to) {
		/* the resources that got the message itself (RFC 6121 §8.5) */
		struct c2s_conn *direct = j->to_full ? router_find_full(srv, j->to_full) : NULL;
		int best = -1;
		if (direct == NULL)
			for (struct c2s_conn *s = to->sessions; s; s = s->unext)
				if (s->available && s->priority > best)
					best = s->priority;
		for (struct c2s_conn *s = to->sessions; s; s = s->unext) {
			bool got = direct != NULL
			               ? s == direct
			               : (s->available && best >= 0 && s->priority == best);
			if (!got && s->state == C2S_BOUND && carbons_on(s))
				send_carbon(s, to->bare, "received", el);
		}
	}
	xml_doc_free(&j->copy);
	free(j->from_full);
	free(j->to_full);
	free(j);
}

static void carbons_iq(struct c2s_conn *c, struct xml_doc **doc, bool on)
{
	carbons_set(c, on);
	xep_result(c, doc, NULL);
}

/* ---- blocking (XEP-0191) -------------------------------------------------- */

#define BLOCK_BUCKETS 1024
struct block {
	struct block *next;
	char *owner; /* username */
	char *jid;
};
static struct block *blocks[BLOCK_BUCKETS];
static bool blocks_loaded;
static const struct xmpp_server *blocks_srv;

static size_t block_hash(const char *owner, const char *jid)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *s = owner; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	h = (h ^ 1u) * 1099511628211ull;
	for (const char *s = jid; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)(h % BLOCK_BUCKETS);
}

static struct block **block_slot(const char *owner, const char *jid)
{
	struct block **p = &blocks[block_hash(owner, jid)];
	while (*p != NULL && (strcmp((*p)->owner, owner) != 0 || strcmp((*p)->jid, jid) != 0))
		p = &(*p)->next;
	return p;
}

static void block_add(const char *owner, const char *jid)
{
	struct block **p = block_slot(owner, jid);
	if (*p != NULL)
		return;
	struct block *b = xcalloc(1, sizeof(*b));
	b->owner = xstrdup(owner);
	b->jid = xstrdup(jid);
	*p = b;
}

static void block_del(const char *owner, const char *jid)
{
	struct block **p = block_slot(owner, jid), *b = *p;
	if (b == NULL)
		return;
	*p = b->next;
	free(b->owner);
	free(b->jid);
	free(b);
}

static void blocks_clear(void)
{
	for (size_t i = 0; i < BLOCK_BUCKETS; i++)
		while (blocks[i] != NULL)
			block_del(blocks[i]->owner, blocks[i]->jid);
}

/* Does owner (username) block bare (or its domain)? */
static bool blocked(const char *owner, const char *bare)
{
	if (*block_slot(owner, bare) != NULL)
		return true;
	const char *at = strchr(bare, '@');
	return at != NULL && *block_slot(owner, at + 1) != NULL;
}

bool xep_is_blocked(const char *owner, const char *bare)
{
	return blocked(owner, bare);
}

/* Normalised JID of an <item jid=../>, or NULL. */
static char *item_jid(struct xml_elem *item)
{
	struct jid j;
	const char *s = xml_elem_attr(item, "jid");
	if (s == NULL || jid_parse_str(s, &j, NULL) < 0)
		return NULL;
	char *out = jid_to_string(&j, true);
	jid_free(&j);
	return out;
}

struct block_row {
	char *owner, *jid;
};

/* Loads every block once (a batched job: it sees every committed change
 * and nothing later). A stanza that needed it is then dispatched again. */
struct load_job {
	struct dbjob job;
	struct xml_doc *doc;
	bool iq, presence;
	struct block_row *rows;
	size_t n;
};

static void load_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct load_job *l = (struct load_job *)job;
	(void)app;
	struct store_stmt *q = store_query(
	    st,
	    "SELECT a.username, b.jid FROM xep_blocklist b JOIN accounts a ON a.id = b.owner_id",
	    "");
	size_t cap = 0;
	int rc;
	if (q == NULL) {
		job->status = -1;
		return;
	}
	while ((rc = store_step(q)) == STORE_ROW) {
		if (l->n == cap) {
			cap = cap ? cap * 2 : 16;
			l->rows = xrealloc(l->rows, cap * sizeof(*l->rows));
		}
		l->rows[l->n].owner = xstrdup(store_col_text(q, 0));
		l->rows[l->n].jid = xstrdup(store_col_text(q, 1));
		l->n++;
	}
	store_stmt_done(q);
	if (rc != STORE_DONE)
		job->status = -1;
}

static void load_done(struct dbjob *job)
{
	struct load_job *l = (struct load_job *)job;
	struct c2s_conn *c = job->conn;
	if (job->status == 0 && !blocks_loaded) {
		blocks_clear();
		for (size_t i = 0; i < l->n; i++)
			block_add(l->rows[i].owner, l->rows[i].jid);
		blocks_loaded = true;
		blocks_srv = job->srv;
	}
	for (size_t i = 0; i < l->n; i++) {
		free(l->rows[i].owner);
		free(l->rows[i].jid);
	}
	free(l->rows);
	if (c->state != C2S_BOUND || !blocks_loaded)
		xml_doc_free(&l->doc);
	else if (l->iq)
		router_iq(c, l->doc);
	else if (l->presence)
		presence_handle(c, l->doc);
	else
		router_message(c, l->doc);
	free(l);
}

/* False when the block list is ready; else defers doc until it is. */
static bool need_blocks(struct c2s_conn *c, struct xml_doc *doc, bool iq, bool presence)
{
	if (blocks_loaded && blocks_srv == c->srv)
		return false;
	if (blocks_srv != c->srv)
		blocks_loaded = false;
	struct load_job *l = xcalloc(1, sizeof(*l));
	l->job.conn = c;
	l->job.tx = true;
	l->job.work = load_work;
	l->job.done = load_done;
	l->doc = doc;
	l->iq = iq;
	l->presence = presence;
	xmpp_job_submit(c->srv, &l->job);
	return true;
}

static void blocklist_reply(struct c2s_conn *c, struct xml_doc **doc)
{
	struct xml_doc *p = xml_doc_new(0);
	struct xml_elem *q = xml_elem_new(p, NULL, NS_BLOCKING, "blocklist");
	for (size_t i = 0; i < BLOCK_BUCKETS; i++)
		for (struct block *b = blocks[i]; b; b = b->next)
			if (strcmp(b->owner, c->acct.username) == 0)
				xml_elem_set_attr(xml_elem_new(p, q, NS_BLOCKING, "item"), "jid",
				                  b->jid);
	xep_result(c, doc, &p);
}

struct block_job {
	struct dbjob job;
	struct xml_doc *doc;
	bool block; /* else unblock */
	char **jids;
	size_t n; /* 0 with unblock: everything */
	char owner_id[IDS_UUID_LEN];
	char username[65];
};

static void block_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct block_job *b = (struct block_job *)job;
	(void)app;
	if (!b->block && b->n == 0) {
		if (store_run(st, "DELETE FROM xep_blocklist WHERE owner_id = ?", "s",
		              b->owner_id) != STORE_DONE)
			job->status = -1;
		return;
	}
	for (size_t i = 0; i < b->n; i++) {
		int rc =
		    b->block
		        ? store_run(st,
		                    "INSERT OR IGNORE INTO xep_blocklist (owner_id, jid, "
		                    "created_at) VALUES (?, ?, ?)",
		                    "ssi", b->owner_id, b->jids[i], sasl_now_ms())
		        : store_run(st, "DELETE FROM xep_blocklist WHERE owner_id = ? AND jid = ?",
		                    "ss", b->owner_id, b->jids[i]);
		if (rc != STORE_DONE) {
			job->status = -1;
			return;
		}
	}
}

static void block_done(struct dbjob *job)
{
	struct block_job *b = (struct block_job *)job;
	struct c2s_conn *c = job->conn;
	if (job->status == 0) {
		if (!b->block && b->n == 0) {
			for (size_t i = 0; i < BLOCK_BUCKETS; i++) {
				struct block **p = &blocks[i];
				while (*p != NULL) {
					if (strcmp((*p)->owner, b->username) == 0)
						block_del((*p)->owner, (*p)->jid);
					else
						p = &(*p)->next;
				}
			}
		}
		for (size_t i = 0; i < b->n; i++)
			(b->block ? block_add : block_del)(b->username, b->jids[i]);
		/* push to every resource of the user (XEP-0191 §3.3) */
		struct xuser *u = xuser_find(job->srv, b->username);
		for (struct c2s_conn *s = u ? u->sessions : NULL; s; s = s->unext) {
			char id[20];
			xmpp_server_new_id(job->srv, id);
			struct xml_doc *d = stanza_new(STANZA_IQ, NULL, "set", s->full, NULL, id);
			xml_elem_copy(d, xml_doc_root(d),
			              xml_elem_first_child(xml_doc_root(b->doc)));
			c2s_send(s, xml_doc_root(d));
			xml_doc_free(&d);
		}
		if (c->state == C2S_BOUND)
			xep_result(c, &b->doc, NULL);
	} else if (c->state == C2S_BOUND)
		xep_error(c, &b->doc, STANZA_ERR_INTERNAL_SERVER_ERROR);
	xml_doc_free(&b->doc);
	for (size_t i = 0; i < b->n; i++)
		free(b->jids[i]);
	free(b->jids);
	free(b);
}

static void blocking_iq(struct c2s_conn *c, struct xml_doc *doc, struct xml_elem *q, bool block)
{
	struct block_job *b = xcalloc(1, sizeof(*b));
	size_t n = xml_elem_child_count(q);
	if (block && n == 0) {
		free(b);
		xep_error(c, &doc, STANZA_ERR_BAD_REQUEST);
		return;
	}
	if (n > BLOCK_MAX_ITEMS) {
		free(b);
		xep_error(c, &doc, STANZA_ERR_POLICY_VIOLATION);
		return;
	}
	b->jids = xcalloc(n ? n : 1, sizeof(char *));
	for (struct xml_elem *it = xml_elem_first_child(q); it; it = xml_elem_next_sibling(it)) {
		char *j = xml_elem_is(it, NS_BLOCKING, "item") ? item_jid(it) : NULL;
		if (j == NULL) {
			for (size_t i = 0; i < b->n; i++)
				free(b->jids[i]);
			free(b->jids);
			free(b);
			xep_error(c, &doc, STANZA_ERR_JID_MALFORMED);
			return;
		}
		b->jids[b->n++] = j;
	}
	b->block = block;
	b->doc = doc;
	memcpy(b->owner_id, c->acct.id, sizeof(b->owner_id));
	snprintf(b->username, sizeof(b->username), "%s", c->acct.username);
	b->job.conn = c;
	b->job.tx = true;
	b->job.work = block_work;
	b->job.done = block_done;
	xmpp_job_submit(c->srv, &b->job);
}

/* ---- ad-hoc command delete-history (XEP-0050, P-CHAT-2) -------------------- */

struct adhoc_job {
	struct dbjob job;
	struct xml_doc *doc;
	struct xacct acct;
	char peer[65];
	char session[33];
	int rc;
	struct xep_history_result res;
};

static void adhoc_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct adhoc_job *a = (struct adhoc_job *)job;
	const char *error = NULL;
	a->rc = xep_history_delete(app, st, a->acct.id, a->acct.tenant_id, a->acct.id, "user",
	                           a->peer, &a->res, &error);
	if (a->rc < 0 && error != NULL && strcmp(error, "not_found") == 0)
		a->rc = -2;
}

static struct xml_elem *command_elem(struct xml_doc *p, const char *status, const char *session)
{
	struct xml_elem *cmd = xml_elem_new(p, NULL, NS_COMMANDS, "command");
	xml_elem_set_attr(cmd, "node", XEP_CMD_DELETE);
	xml_elem_set_attr(cmd, "sessionid", session);
	xml_elem_set_attr(cmd, "status", status);
	return cmd;
}

static void adhoc_done(struct dbjob *job)
{
	struct adhoc_job *a = (struct adhoc_job *)job;
	struct c2s_conn *c = job->conn;
	if (c->state != C2S_BOUND) {
		xml_doc_free(&a->doc);
	} else if (a->rc == -2) {
		xep_error(c, &a->doc, STANZA_ERR_ITEM_NOT_FOUND);
	} else if (a->rc < 0 || job->status < 0) {
		xep_error(c, &a->doc, STANZA_ERR_INTERNAL_SERVER_ERROR);
	} else {
		struct xml_doc *p = xml_doc_new(0);
		struct xml_elem *cmd = command_elem(p, "completed", a->session);
		struct xml_elem *note =
		    xml_elem_add_child_text(cmd, NS_COMMANDS, "note", "Chat history deleted.");
		xml_elem_set_attr(note, "type", "info");
		xep_result(c, &a->doc, &p);
	}
	free(a);
}

static void adhoc_iq(struct c2s_conn *c, struct xml_doc *doc, struct xml_elem *cmd)
{
	const char *node = xml_elem_attr(cmd, "node"), *action = xml_elem_attr(cmd, "action");
	const char *session = xml_elem_attr(cmd, "sessionid");
	char sid[33];
	if (node == NULL || strcmp(node, XEP_CMD_DELETE) != 0) {
		xep_error(c, &doc, STANZA_ERR_ITEM_NOT_FOUND);
		return;
	}
	if (action != NULL && strcmp(action, "cancel") == 0) {
		struct xml_doc *p = xml_doc_new(0);
		command_elem(p, "canceled", session ? session : "");
		xep_result(c, &doc, &p);
		return;
	}
	if (session == NULL || strlen(session) >= sizeof(sid)) {
		ids_random_hex(sid, 16);
	} else
		snprintf(sid, sizeof(sid), "%s", session);
	struct xml_elem *x = xml_elem_find(cmd, NS_XDATA, "x");
	const char *with = x ? xep_form_value(x, "with") : NULL;
	if (with == NULL) {
		/* first stage: the form */
		struct xml_doc *p = xml_doc_new(0);
		struct xml_elem *c2 = command_elem(p, "executing", sid);
		struct xml_elem *acts = xml_elem_new(p, c2, NS_COMMANDS, "actions");
		xml_elem_set_attr(acts, "execute", "complete");
		xml_elem_new(p, acts, NS_COMMANDS, "complete");
		struct xml_elem *f = xml_elem_new(p, c2, NS_XDATA, "x");
		xml_elem_set_attr(f, "type", "form");
		xml_elem_add_child_text(f, NS_XDATA, "title", "Delete chat history");
		xml_elem_add_child_text(f, NS_XDATA, "instructions",
		                        "Deletes every message of your chat with this contact, "
		                        "for you only, and the call history with them.");
		struct xml_elem *fl = xml_elem_new(p, f, NS_XDATA, "field");
		xml_elem_set_attr(fl, "var", "with");
		xml_elem_set_attr(fl, "type", "jid-single");
		xml_elem_set_attr(fl, "label", "Contact");
		xml_elem_new(p, fl, NS_XDATA, "required");
		xep_result(c, &doc, &p);
		return;
	}
	char local[65];
	if (xacct_local_of(c->srv, with, local, sizeof(local)) == NULL) {
		xep_error(c, &doc, STANZA_ERR_BAD_REQUEST);
		return;
	}
	struct adhoc_job *a = xcalloc(1, sizeof(*a));
	a->doc = doc;
	a->acct = c->acct;
	snprintf(a->peer, sizeof(a->peer), "%s", local);
	snprintf(a->session, sizeof(a->session), "%s", sid);
	a->job.conn = c;
	a->job.work = adhoc_work;
	a->job.done = adhoc_done;
	xmpp_job_submit(c->srv, &a->job);
}

/* ---- dispatch ------------------------------------------------------------- */

bool xep_iq_dispatch(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	const char *type = stanza_type(el);
	struct xml_elem *q = xml_elem_first_child(el);
	char local[65];
	if (pep_iq(c, doc)) /* PEP, private XML, caps answers: pep.c */
		return true;
	if (type == NULL || q == NULL || c->state != C2S_BOUND)
		return false;
	bool get = strcmp(type, "get") == 0, set = strcmp(type, "set") == 0;
	if (!get && !set)
		return false;
	enum xep_target t = xep_target_of(c, el, local);
	if (t == XT_NONE)
		return false;
	bool mine = t == XT_SERVER || t == XT_SELF;
	const char *node = xml_elem_attr(q, "node");
	if (xml_elem_is(q, XMPP_NS_DISCO_INFO, "query") && get) {
		if (t == XT_SERVER)
			disco_info_server(c, &doc, node);
		else if (t == XT_SELF)
			disco_info_account(c, &doc);
		else
			xep_disco_other(c, doc, local);
		return true;
	}
	if (xml_elem_is(q, NS_DISCO_ITEMS, "query") && get && mine) {
		disco_items(c, &doc, t == XT_SERVER ? node : NULL);
		return true;
	}
	if (xml_elem_is(q, XMPP_NS_VERSION, "query") && get && t == XT_SERVER) {
		version_reply(c, &doc);
		return true;
	}
	if (xml_elem_is(q, NS_LAST, "query") && get && t == XT_SERVER) {
		last_reply(c, &doc);
		return true;
	}
	if (set && t == XT_SERVER && xml_elem_ns(q) != NULL &&
	    strcmp(xml_elem_ns(q), NS_CARBONS) == 0) {
		if (strcmp(xml_elem_name(q), "enable") == 0 ||
		    strcmp(xml_elem_name(q), "disable") == 0)
			carbons_iq(c, &doc, strcmp(xml_elem_name(q), "enable") == 0);
		else
			xep_error(c, &doc, STANZA_ERR_BAD_REQUEST);
		return true;
	}
	if (mine && xml_elem_ns(q) != NULL && strcmp(xml_elem_ns(q), NS_BLOCKING) == 0) {
		if (need_blocks(c, doc, true, false))
			return true;
		if (get && strcmp(xml_elem_name(q), "blocklist") == 0)
			blocklist_reply(c, &doc);
		else if (set && strcmp(xml_elem_name(q), "block") == 0)
			blocking_iq(c, doc, q, true);
		else if (set && strcmp(xml_elem_name(q), "unblock") == 0)
			blocking_iq(c, doc, q, false);
		else
			xep_error(c, &doc, STANZA_ERR_BAD_REQUEST);
		return true;
	}
	if (xml_elem_is(q, NS_VCARD, "vCard") && t != XT_NONE) {
		xep_vcard_iq(c, doc, t, local);
		return true;
	}
	if (xml_elem_is(q, NS_MAM, "query") && mine) {
		xep_mam_iq(c, doc);
		return true;
	}
	if (xml_elem_is(q, NS_REGISTER, "query") && t == XT_SERVER) {
		xep_register_iq(c, doc, q, set);
		return true;
	}
	if (xml_elem_is(q, NS_COMMANDS, "command") && set && t == XT_SERVER) {
		adhoc_iq(c, doc, q);
		return true;
	}
	return false;
}

/* ---- messages --------------------------------------------------------------- */

static void blocked_error(struct c2s_conn *c, struct xml_doc **doc)
{
	struct stanza_error err = {STANZA_ERR_TYPE_CANCEL, STANZA_ERR_NOT_ACCEPTABLE, NULL, NULL,
	                           NULL};
	struct xml_doc *reply = stanza_error_reply(xml_doc_root(*doc), &err);
	if (reply != NULL) {
		struct xml_elem *e = xml_elem_find(xml_doc_root(reply), XMPP_NS_CLIENT, "error");
		if (e != NULL)
			xml_elem_new(reply, e, NS_BLOCKING_ERRORS, "blocked");
		c2s_send(c, xml_doc_root(reply));
		xml_doc_free(&reply);
	}
	xml_doc_free(doc);
}

bool xep_message(struct c2s_conn *c, struct xml_doc *doc, const char *to_user, const char *to_full)
{
	struct xml_elem *el = xml_doc_root(doc);
	const char *type = stanza_type(el);
	char peer[200];
	if (type == NULL)
		type = "normal";
	if (need_blocks(c, doc, false, false))
		return true;
	snprintf(peer, sizeof(peer), "%s@%s", to_user, c->srv->domain);
	if (blocked(c->acct.username, peer)) {
		if (strcmp(type, "error") != 0)
			blocked_error(c, &doc);
		else
			xml_doc_free(&doc);
		return true;
	}
	if (blocked(to_user, c->user->bare)) {
		/* XEP-0191 §3.5: the sender learns nothing more */
		if (strcmp(type, "error") != 0)
			c2s_send_stanza_error(c, el, STANZA_ERR_SERVICE_UNAVAILABLE);
		xml_doc_free(&doc);
		return true;
	}
	/* receipts and chat markers: the "seen" of P-CHAT-1 */
	struct xml_elem *r = xml_elem_find(el, NS_RECEIPTS, "received");
	struct xml_elem *mk = xml_elem_find(el, NS_MARKERS, "displayed");
	if (mk == NULL)
		mk = xml_elem_find(el, NS_MARKERS, "received");
	if (r != NULL && xml_elem_attr(r, "id") != NULL)
		xep_mark(c, to_user, xml_elem_attr(r, "id"), false);
	if (mk != NULL && xml_elem_attr(mk, "id") != NULL)
		xep_mark(c, to_user, xml_elem_attr(mk, "id"),
		         strcmp(xml_elem_name(mk), "displayed") == 0);
	/* carbons (XEP-0280 §6: chat messages, unless private or no-copy) */
	if (strcmp(type, "chat") != 0 || xml_elem_find(el, NS_CARBONS, "private") != NULL ||
	    xml_elem_find(el, NS_HINTS, "no-copy") != NULL)
		return false;
	struct xuser *to = xuser_find(c->srv, to_user);
	if (!any_carbons(c->user, c) && !any_carbons(to, NULL))
		return false;
	struct carbon_job *j = xcalloc(1, sizeof(*j));
	j->copy = xml_doc_new(0);
	xml_elem_copy(j->copy, NULL, el);
	j->from_full = xstrdup(c->full);
	j->to_full = to_full ? xstrdup(to_full) : NULL;
	snprintf(j->to_user, sizeof(j->to_user), "%s", to_user);
	snprintf(j->from_user, sizeof(j->from_user), "%s", c->acct.username);
	j->job.tx = true;
	j->job.work = carbon_work;
	j->job.done = carbon_done;
	archive_message(c, doc, to_user, to_full);
	xmpp_job_submit(c->srv, &j->job);
	return true;
}

/* ---- presence -------------------------------------------------------------- */

bool xep_presence(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	const char *to = stanza_to(el);
	char bare[400], local[65];
	if (c->state != C2S_BOUND)
		return false;
	if (to == NULL) {
		/* broadcasts: the block list must be there for the send filter
		 * (pep_send_filter); avatar hash, caps, last items (pep_csi.c) */
		if (need_blocks(c, doc, false, true))
			return true;
		return pep_presence_out(c, doc);
	}
	snprintf(bare, sizeof(bare), "%s", to);
	char *slash = strchr(bare, '/');
	if (slash != NULL)
		*slash = '\0';
	if (xacct_local_of(c->srv, bare, local, sizeof(local)) == NULL)
		return false;
	if (need_blocks(c, doc, false, true))
		return true;
	/* XEP-0191 §3.5/3.6: nothing goes to a blocked contact, nothing from a
	 * blocked user is delivered (subscription requests included) */
	if (blocked(c->acct.username, bare) || blocked(local, c->user->bare)) {
		xml_doc_free(&doc);
		return true;
	}
	return false;
}
