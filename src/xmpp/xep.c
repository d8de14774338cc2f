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
#include "xml/jid.h"
#include "xmpp/pep.h"
#include "xmpp/sasl_internal.h"
#include "xml/stanza.h"
#include "domain/conversation_history.h"
#include "xmpp/xep_internal.h"
#include "xml/xml_parser.h"
#include "xmpp/xmpp_registry.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IRIS_VERSION "0.1"
#define BLOCK_MAX_ITEMS 1000
#define BLOCK_BUCKETS 1024

/* A session with carbons on (XEP-0280). */
struct carbon_entry {
	char *full;
	char stream_id[33];
};

/* One block list entry (XEP-0191). */
struct block {
	struct block *next;
	char *owner; /* username */
	char *jid;
};

/* The extensions' state on one server (xmpp_module.h: init/free). */
struct xep_state {
	time_t started;               /* jabber:iq:last of the server: its uptime */
	char caps_ver[64];            /* XEP-0115 verification string, made once */
	struct carbon_entry *carbons; /* sessions with carbons on */
	size_t n_carbons;
	/* every account's block list, loaded once from the store */
	struct block *blocks[BLOCK_BUCKETS];
	bool blocks_loaded;
};

static void blocks_clear(struct xep_state *st);

static void *xep_state_new(struct xmpp_server *srv)
{
	(void)srv;
	struct xep_state *st = xcalloc(1, sizeof(*st));
	st->started = time(NULL);
	return st;
}

static void xep_state_free(void *p)
{
	struct xep_state *st = p;
	for (size_t i = 0; i < st->n_carbons; i++)
		free(st->carbons[i].full);
	free(st->carbons);
	blocks_clear(st);
	free(st);
}

static struct xep_state *xep_state(struct xmpp_server *srv)
{
	return xmpp_module_state(srv, &xep_xmpp);
}

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

void xmpp_iq_result(struct xmpp_iq *iq, struct xml_doc **payload)
{
	xep_result(iq->conn, &iq->doc, payload);
}

void xmpp_iq_error(struct xmpp_iq *iq, enum stanza_error_cond cond)
{
	xep_error(iq->conn, &iq->doc, cond);
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

/* The disco features of entity, from the handler registry: what the
 * registered modules serve (xmpp_module.h). */
static void add_features(struct c2s_conn *c, struct xml_doc *p, struct xml_elem *q,
                         enum xmpp_entity entity)
{
	const char *list[XMPP_REGISTRY_FEATURES_MAX];
	size_t n =
	    xmpp_registry_features(c->srv->registry, entity, list, XMPP_REGISTRY_FEATURES_MAX);
	for (size_t i = 0; i < n; i++)
		xml_elem_set_attr(xml_elem_new(p, q, XMPP_NS_DISCO_INFO, "feature"), "var",
		                  list[i]);
}

/* XEP-0115 §5.1 verification string of the server's identity and features
 * (the registry's, sorted), made once per server. */
static const char *caps_ver(struct xmpp_server *srv)
{
	struct xep_state *st = xep_state(srv);
	if (st->caps_ver[0] != '\0')
		return st->caps_ver;
	const char *list[XMPP_REGISTRY_FEATURES_MAX];
	size_t n = xmpp_registry_features(srv->registry, XMPP_DISCO_SERVER, list,
	                                  XMPP_REGISTRY_FEATURES_MAX);
	char s[4096] = "server/im//Iris<";
	for (size_t i = 0; i < n; i++) {
		strncat(s, list[i], sizeof(s) - strlen(s) - 2);
		strncat(s, "<", sizeof(s) - strlen(s) - 1);
	}
	unsigned char md[SHA_DIGEST_LENGTH];
	SHA1((const unsigned char *)s, strlen(s), md);
	char *b = sasl_b64_encode(md, sizeof(md));
	snprintf(st->caps_ver, sizeof(st->caps_ver), "%s", b);
	free(b);
	return st->caps_ver;
}

void xep_stream_features(struct c2s_conn *c, struct xml_elem *f)
{
	struct xml_elem *e = xml_elem_new(xml_elem_doc(f), f, NS_CAPS, "c");
	xml_elem_set_attr(e, "hash", "sha-1");
	xml_elem_set_attr(e, "node", XEP_CAPS_NODE);
	xml_elem_set_attr(e, "ver", caps_ver(c->srv));
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
	add_features(c, p, q, XMPP_DISCO_SERVER);
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
	add_features(c, p, q, XMPP_DISCO_ACCOUNT);
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
	snprintf(secs, sizeof(secs), "%lld", (long long)(time(NULL) - xep_state(c->srv)->started));
	struct xml_doc *p = xml_doc_new(0);
	xml_elem_set_attr(xml_elem_new(p, NULL, NS_LAST, "query"), "seconds", secs);
	xep_result(c, doc, &p);
}

/* ---- carbons (XEP-0280) --------------------------------------------------- */

static bool carbons_on(const struct c2s_conn *s)
{
	const struct xep_state *st = xep_state(s->srv);
	for (size_t i = 0; i < st->n_carbons; i++)
		if (strcmp(st->carbons[i].full, s->full) == 0 &&
		    strcmp(st->carbons[i].stream_id, s->stream_id) == 0)
			return true;
	return false;
}

static void carbons_set(struct c2s_conn *c, bool on)
{
	struct xep_state *st = xep_state(c->srv);
	/* drop entries of ended sessions and this one's */
	size_t w = 0;
	for (size_t i = 0; i < st->n_carbons; i++) {
		struct c2s_conn *s = router_find_full(c->srv, st->carbons[i].full);
		bool keep =
		    s != NULL && strcmp(s->stream_id, st->carbons[i].stream_id) == 0 && s != c;
		if (keep)
			st->carbons[w++] = st->carbons[i];
		else
			free(st->carbons[i].full);
	}
	st->n_carbons = w;
	if (!on)
		return;
	st->carbons = xrealloc(st->carbons, (st->n_carbons + 1) * sizeof(*st->carbons));
	st->carbons[st->n_carbons].full = xstrdup(c->full);
	memcpy(st->carbons[st->n_carbons].stream_id, c->stream_id, sizeof(c->stream_id));
	st->n_carbons++;
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

static struct block **block_slot(struct xep_state *st, const char *owner, const char *jid)
{
	struct block **p = &st->blocks[block_hash(owner, jid)];
	while (*p != NULL && (strcmp((*p)->owner, owner) != 0 || strcmp((*p)->jid, jid) != 0))
		p = &(*p)->next;
	return p;
}

static void block_add(struct xep_state *st, const char *owner, const char *jid)
{
	struct block **p = block_slot(st, owner, jid);
	if (*p != NULL)
		return;
	struct block *b = xcalloc(1, sizeof(*b));
	b->owner = xstrdup(owner);
	b->jid = xstrdup(jid);
	*p = b;
}

static void block_del(struct xep_state *st, const char *owner, const char *jid)
{
	struct block **p = block_slot(st, owner, jid), *b = *p;
	if (b == NULL)
		return;
	*p = b->next;
	free(b->owner);
	free(b->jid);
	free(b);
}

static void blocks_clear(struct xep_state *st)
{
	for (size_t i = 0; i < BLOCK_BUCKETS; i++)
		while (st->blocks[i] != NULL)
			block_del(st, st->blocks[i]->owner, st->blocks[i]->jid);
}

/* Does owner (username) block bare (or its domain)? */
static bool blocked(struct xmpp_server *srv, const char *owner, const char *bare)
{
	struct xep_state *st = xep_state(srv);
	if (*block_slot(st, owner, bare) != NULL)
		return true;
	const char *at = strchr(bare, '@');
	return at != NULL && *block_slot(st, owner, at + 1) != NULL;
}

bool xep_is_blocked(struct xmpp_server *srv, const char *owner, const char *bare)
{
	return blocked(srv, owner, bare);
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
	if (blocking_db_load_all(st, &l->rows, &l->n) < 0)
		job->status = -1;
}

static void load_done(struct dbjob *job)
{
	struct load_job *l = (struct load_job *)job;
	struct c2s_conn *c = job->conn;
	struct xep_state *st = xep_state(job->srv);
	if (job->status == 0 && !st->blocks_loaded) {
		blocks_clear(st);
		for (size_t i = 0; i < l->n; i++)
			block_add(st, l->rows[i].owner, l->rows[i].jid);
		st->blocks_loaded = true;
	}
	blocking_db_rows_free(l->rows, l->n);
	if (c->state != C2S_BOUND || !st->blocks_loaded)
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
	if (xep_state(c->srv)->blocks_loaded)
		return false;
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
	const struct xep_state *st = xep_state(c->srv);
	for (size_t i = 0; i < BLOCK_BUCKETS; i++)
		for (struct block *b = st->blocks[i]; b; b = b->next)
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
	if (!b->block && b->n == 0) {
		if (blocking_db_clear(st, b->owner_id) < 0)
			job->status = -1;
		return;
	}
	for (size_t i = 0; i < b->n; i++) {
		int rc = b->block ? blocking_db_add(st, b->owner_id, b->jids[i], sasl_now_ms())
		                  : blocking_db_remove(st, b->owner_id, b->jids[i]);
		if (rc < 0) {
			job->status = -1;
			return;
		}
	}
}

static void block_done(struct dbjob *job)
{
	struct block_job *b = (struct block_job *)job;
	struct c2s_conn *c = job->conn;
	struct xep_state *st = xep_state(job->srv);
	if (job->status == 0) {
		if (!b->block && b->n == 0) {
			for (size_t i = 0; i < BLOCK_BUCKETS; i++) {
				struct block **p = &st->blocks[i];
				while (*p != NULL) {
					if (strcmp((*p)->owner, b->username) == 0)
						block_del(st, (*p)->owner, (*p)->jid);
					else
						p = &(*p)->next;
				}
			}
		}
		for (size_t i = 0; i < b->n; i++)
			(b->block ? block_add : block_del)(st, b->username, b->jids[i]);
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
	struct conversation_history_result res;
};

static void adhoc_work(struct dbjob *job, struct app *app, struct store *st)
{
	struct adhoc_job *a = (struct adhoc_job *)job;
	const char *error = NULL;
	a->rc = conversation_history_delete(app, st, a->acct.id, a->acct.tenant_id, a->acct.id,
	                                    "user", a->peer, &a->res, &error);
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

/* ---- handlers (xmpp_module.h) --------------------------------------------- */

/* The xep_target of an addressee, for the handlers written before the
 * registry (no 'to' and the domain are both "the server"). */
static enum xep_target target_of(enum xmpp_to to)
{
	return to == XMPP_TO_SELF ? XT_SELF : to == XMPP_TO_OTHER ? XT_OTHER : XT_SERVER;
}

static bool to_server(enum xmpp_to to)
{
	return to == XMPP_TO_NONE || to == XMPP_TO_SERVER;
}

static void disco_info_iq(struct xmpp_iq *iq)
{
	if (to_server(iq->to))
		disco_info_server(iq->conn, &iq->doc, xml_elem_attr(iq->q, "node"));
	else if (iq->to == XMPP_TO_SELF)
		disco_info_account(iq->conn, &iq->doc);
	else
		xep_disco_other(iq->conn, iq->doc, iq->local);
}

static void disco_items_iq(struct xmpp_iq *iq)
{
	disco_items(iq->conn, &iq->doc, to_server(iq->to) ? xml_elem_attr(iq->q, "node") : NULL);
}

static void version_iq(struct xmpp_iq *iq)
{
	version_reply(iq->conn, &iq->doc);
}

static void last_iq(struct xmpp_iq *iq)
{
	last_reply(iq->conn, &iq->doc);
}

static void carbons_enable_iq(struct xmpp_iq *iq)
{
	carbons_iq(iq->conn, &iq->doc, strcmp(xml_elem_name(iq->q), "enable") == 0);
}

static void bad_request_iq(struct xmpp_iq *iq)
{
	xmpp_iq_error(iq, STANZA_ERR_BAD_REQUEST);
}

static void blocking_handler(struct xmpp_iq *iq)
{
	struct c2s_conn *c = iq->conn;
	const char *name = xml_elem_name(iq->q);
	if (need_blocks(c, iq->doc, true, false))
		return; /* dispatched again once the lists are loaded */
	if (iq->type == XMPP_IQ_GET && strcmp(name, "blocklist") == 0)
		blocklist_reply(c, &iq->doc);
	else if (iq->type == XMPP_IQ_SET && strcmp(name, "block") == 0)
		blocking_iq(c, iq->doc, iq->q, true);
	else if (iq->type == XMPP_IQ_SET && strcmp(name, "unblock") == 0)
		blocking_iq(c, iq->doc, iq->q, false);
	else
		xep_error(c, &iq->doc, STANZA_ERR_BAD_REQUEST);
}

static void vcard_iq(struct xmpp_iq *iq)
{
	xep_vcard_iq(iq->conn, iq->doc, target_of(iq->to), iq->local ? iq->local : "");
}

static void mam_iq(struct xmpp_iq *iq)
{
	xep_mam_iq(iq->conn, iq->doc);
}

static void register_iq(struct xmpp_iq *iq)
{
	xep_register_iq(iq->conn, iq->doc, iq->q, iq->type == XMPP_IQ_SET);
}

static void command_iq(struct xmpp_iq *iq)
{
	adhoc_iq(iq->conn, iq->doc, iq->q);
}

#define GET XMPP_IQ_GET
#define SET XMPP_IQ_SET
#define ANY_TO (XMPP_TO_MINE | XMPP_TO_OTHER)
#define SERVER (XMPP_TO_NONE | XMPP_TO_SERVER)
#define ACCOUNT (XMPP_TO_NONE | XMPP_TO_SELF)
#define D_SRV XMPP_DISCO_SERVER
#define D_ACC XMPP_DISCO_ACCOUNT

/* What this file (and xep_vcard.c, xep_mam.c, xep_register.c) serves. */
static const struct xmpp_handler xep_handlers[] = {
    {XMPP_NS_DISCO_INFO, "query", GET, ANY_TO, D_SRV | D_ACC, NULL, disco_info_iq}, /* 0030 */
    {NS_DISCO_ITEMS, "query", GET, XMPP_TO_MINE, D_SRV, NULL, disco_items_iq},
    {XMPP_NS_VERSION, "query", GET, SERVER, D_SRV, NULL, version_iq},    /* 0092 */
    {NS_LAST, "query", GET, SERVER, D_SRV, NULL, last_iq},               /* 0012 */
    {NS_CARBONS, "enable", SET, SERVER, D_SRV, NULL, carbons_enable_iq}, /* 0280 */
    {NS_CARBONS, "disable", SET, SERVER, 0, NULL, carbons_enable_iq},
    {NS_CARBONS, NULL, SET, SERVER, 0, NULL, bad_request_iq},
    {NS_BLOCKING, NULL, GET | SET, XMPP_TO_MINE, D_SRV, NULL, blocking_handler}, /* 0191 */
    {NS_VCARD, "vCard", GET | SET, ANY_TO, D_SRV | D_ACC, NULL, vcard_iq},       /* 0054 */
    {NS_MAM, "query", GET | SET, ACCOUNT, D_ACC, NULL, mam_iq},                  /* 0313 */
    {NS_REGISTER, "query", GET | SET, SERVER, D_SRV, NULL, register_iq},         /* 0077 */
    {NS_COMMANDS, "command", SET, SERVER, D_SRV, NULL, command_iq},              /* 0050 */
    {0},
};
#undef GET
#undef SET
#undef ANY_TO
#undef SERVER
#undef ACCOUNT
#undef D_SRV
#undef D_ACC

const struct xmpp_module xep_xmpp = {
    .name = "xeps",
    .handlers = xep_handlers,
    .init = xep_state_new,
    .free = xep_state_free,
};

/* ---- dispatch ------------------------------------------------------------- */

/* Who an iq is addressed to (one enum xmpp_to bit; 0: another domain or a
 * malformed JID); local gets the username of a bare or full JID. */
static enum xmpp_to addressee(struct c2s_conn *c, const char *to, char local[65])
{
	struct jid j;
	enum xmpp_to t = 0;
	local[0] = '\0';
	if (to == NULL)
		return XMPP_TO_NONE;
	if (jid_parse_str(to, &j, NULL) < 0)
		return 0;
	if (j.domain_len == strlen(c->srv->domain) &&
	    memcmp(j.domain, c->srv->domain, j.domain_len) == 0) {
		if (j.local != NULL && j.local_len < 65) {
			memcpy(local, j.local, j.local_len);
			local[j.local_len] = '\0';
		}
		if (j.resource != NULL)
			t = XMPP_TO_FULL;
		else if (j.local == NULL)
			t = XMPP_TO_SERVER;
		else if (j.local_len < 65)
			t = strcmp(local, c->acct.username) == 0 ? XMPP_TO_SELF : XMPP_TO_OTHER;
	}
	jid_free(&j);
	return t;
}

bool xep_iq_dispatch(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	const char *type = stanza_type(el);
	struct xml_elem *q = xml_elem_first_child(el);
	char local[65];
	if (c->state != C2S_BOUND || c->user == NULL || type == NULL)
		return false;
	if (pep_caps_answer(c, doc)) /* the client's answer to our caps query */
		return true;
	if (q == NULL || (strcmp(type, "get") != 0 && strcmp(type, "set") != 0))
		return false;
	struct xmpp_iq iq = {c,
	                     doc,
	                     q,
	                     strcmp(type, "get") == 0 ? XMPP_IQ_GET : XMPP_IQ_SET,
	                     addressee(c, stanza_to(el), local),
	                     NULL,
	                     NULL};
	const struct xmpp_module *m = NULL;
	const struct xmpp_handler *h =
	    iq.to == 0 ? NULL
	               : xmpp_registry_find(c->srv->registry, xml_elem_ns(q), xml_elem_name(q),
	                                    iq.type, iq.to, &m);
	if (h == NULL)
		return false; /* the core's: routed, or service-unavailable */
	iq.local = local[0] != '\0' ? local : NULL;
	iq.state = xmpp_registry_state(c->srv->registry, m);
	h->fn(&iq);
	return true;
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
	if (blocked(c->srv, c->acct.username, peer)) {
		if (strcmp(type, "error") != 0)
			blocked_error(c, &doc);
		else
			xml_doc_free(&doc);
		return true;
	}
	if (blocked(c->srv, to_user, c->user->bare)) {
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
	if (blocked(c->srv, c->acct.username, bare) || blocked(c->srv, local, c->user->bare)) {
		xml_doc_free(&doc);
		return true;
	}
	return false;
}
