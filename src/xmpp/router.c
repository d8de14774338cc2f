/*
 * xmpp/router: where a client's message or iq goes (RFC 6120 §10,
 * RFC 6121 §8). The server never trusts a client's from: every stanza is
 * stamped with the session's full JID. Messages go through the archive
 * (archive.c) so they are committed before they are routed; iqs addressed
 * to the server or the account are answered here.
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

struct c2s_conn *router_find_full(struct xmpp_server *srv, const char *full)
{
	const char *slash = strchr(full, '/');
	char local[65];
	if (slash == NULL)
		return NULL;
	const char *at = strchr(full, '@');
	if (at == NULL || at > slash || (size_t)(at - full) >= sizeof(local))
		return NULL;
	memcpy(local, full, (size_t)(at - full));
	local[at - full] = '\0';
	struct xuser *u = xuser_find(srv, local);
	if (u == NULL)
		return NULL;
	for (struct c2s_conn *s = u->sessions; s != NULL; s = s->unext)
		if (strcmp(s->full, full) == 0)
			return s;
	return NULL;
}

/* RFC 6121 §8.5.2: a message to the bare JID goes to the available
 * resources of highest non-negative priority (headline: all non-negative). */
size_t router_deliver_bare(struct xuser *u, const struct xml_elem *stanza, const char *type)
{
	struct c2s_conn *av[XMPP_MAX_RESOURCES];
	size_t n = xuser_available(u, av, XMPP_MAX_RESOURCES), sent = 0;
	int best = -1;
	bool all = type != NULL && strcmp(type, "headline") == 0;
	for (size_t i = 0; i < n; i++)
		if (av[i]->priority > best)
			best = av[i]->priority;
	if (best < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (av[i]->priority < 0 || (!all && av[i]->priority != best))
			continue;
		c2s_send(av[i], stanza);
		sent++;
	}
	return sent;
}

/* Parses the to of a stanza; for the local domain puts the localpart in
 * local (empty for the domain itself) and the resource (may be NULL).
 * Returns 1 local, 0 remote domain, -1 malformed. */
static int parse_to(struct c2s_conn *c, const char *to, struct jid *j)
{
	if (jid_parse_str(to, j, NULL) < 0)
		return -1;
	if (j->domain_len != strlen(c->srv->domain) ||
	    memcmp(j->domain, c->srv->domain, j->domain_len) != 0)
		return 0;
	return 1;
}

static void error_reply(struct c2s_conn *c, struct xml_doc **doc, enum stanza_error_cond cond)
{
	c2s_send_stanza_error(c, xml_doc_root(*doc), cond);
	xml_doc_free(doc);
}

void router_message(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	const char *type = stanza_type(el);
	struct jid j;
	xml_elem_set_attr(el, "from", c->full); /* never trust the client's from */
	if (stanza_to(el) == NULL)
		xml_elem_set_attr(el, "to", c->user->bare);
	if (type == NULL)
		type = "normal";
	int where = parse_to(c, stanza_to(el), &j);
	if (where < 0) {
		error_reply(c, &doc, STANZA_ERR_JID_MALFORMED);
		return;
	}
	if (where == 0) {
		jid_free(&j);
		error_reply(c, &doc, STANZA_ERR_REMOTE_SERVER_NOT_FOUND);
		return;
	}
	if (j.local == NULL || strcmp(type, "groupchat") == 0) {
		jid_free(&j);
		error_reply(c, &doc, STANZA_ERR_SERVICE_UNAVAILABLE);
		return;
	}
	char local[65], *full = NULL;
	snprintf(local, sizeof(local), "%.*s", (int)j.local_len, j.local);
	if (j.resource != NULL)
		full = jid_to_string(&j, true);
	jid_free(&j);
	/* normalised to (lowercased local and domain) */
	if (xep_message(c, doc, local, full)) { /* blocking, markers, carbons */
		free(full);
		return;
	}
	archive_message(c, doc, local, full);
	free(full);
}

/* ---- the core's iq handlers (xmpp_module.h) ------------------------------ */

static void roster_handler(struct xmpp_iq *iq)
{
	roster_iq(iq->conn, iq->doc);
}

/* The legacy session iq (RFC 3921) and ping (XEP-0199): an empty result. */
static void empty_result_handler(struct xmpp_iq *iq)
{
	xmpp_iq_result(iq, NULL);
}

static void invisible_handler(struct xmpp_iq *iq) /* XEP-0186 */
{
	presence_invisible_iq(iq->conn, iq->doc, strcmp(xml_elem_name(iq->q), "invisible") == 0);
}

#define BOTH (XMPP_IQ_GET | XMPP_IQ_SET)
#define SERVER (XMPP_TO_NONE | XMPP_TO_SERVER)

static const struct xmpp_handler router_handlers[] = {
    {XMPP_NS_ROSTER, "query", BOTH, XMPP_TO_MINE, XMPP_DISCO_SERVER, NULL, roster_handler},
    /* a stream feature (session.c), not a disco feature */
    {XMPP_NS_SESSION, "session", BOTH, XMPP_TO_MINE, 0, NULL, empty_result_handler},
    {XMPP_NS_PING, "ping", BOTH, XMPP_TO_MINE, XMPP_DISCO_SERVER, NULL, empty_result_handler},
    {XMPP_NS_INVISIBLE, "invisible", BOTH, SERVER, XMPP_DISCO_SERVER, NULL, invisible_handler},
    {XMPP_NS_INVISIBLE, "visible", BOTH, SERVER, 0, NULL, invisible_handler},
    /* XEP-0160: messages to an offline account are stored (offline.c) */
    {NULL, NULL, 0, 0, XMPP_DISCO_SERVER, "msgoffline", NULL},
    {0},
};
#undef BOTH
#undef SERVER

const struct xmpp_module router_xmpp = {
    .name = "core",
    .handlers = router_handlers,
};

/* An iq to the server itself (or to the account's bare JID) that no
 * handler of the registry took (xep_iq_dispatch). */
static void iq_to_server(struct c2s_conn *c, struct xml_doc *doc)
{
	const char *type = stanza_type(xml_doc_root(doc));
	if (strcmp(type, "result") == 0 || strcmp(type, "error") == 0)
		xml_doc_free(&doc);
	else
		error_reply(c, &doc, STANZA_ERR_SERVICE_UNAVAILABLE);
}

static bool iq_valid(struct xml_elem *el)
{
	const char *type = stanza_type(el), *id = stanza_id(el);
	if (type == NULL || id == NULL)
		return false;
	if (strcmp(type, "get") == 0 || strcmp(type, "set") == 0)
		return xml_elem_child_count(el) == 1;
	return strcmp(type, "result") == 0 || strcmp(type, "error") == 0;
}

void router_iq(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	const char *to = stanza_to(el), *type;
	struct jid j;
	xml_elem_set_attr(el, "from", c->full);
	if (!iq_valid(el)) {
		error_reply(c, &doc, STANZA_ERR_BAD_REQUEST);
		return;
	}
	type = stanza_type(el);
	if (xep_iq_dispatch(c, doc)) /* the handler registry: xep.c */
		return;
	if (to == NULL) {
		iq_to_server(c, doc);
		return;
	}
	int where = parse_to(c, to, &j);
	if (where <= 0) {
		if (where == 0)
			jid_free(&j);
		error_reply(c, &doc,
		            where < 0 ? STANZA_ERR_JID_MALFORMED
		                      : STANZA_ERR_REMOTE_SERVER_NOT_FOUND);
		return;
	}
	bool reply_type = strcmp(type, "result") == 0 || strcmp(type, "error") == 0;
	if (j.local == NULL) {
		jid_free(&j);
		iq_to_server(c, doc);
		return;
	}
	if (j.resource == NULL) {
		bool own = j.local_len == strlen(c->acct.username) &&
		           memcmp(j.local, c->acct.username, j.local_len) == 0;
		jid_free(&j);
		if (own)
			iq_to_server(c, doc);
		else if (reply_type)
			xml_doc_free(&doc);
		else
			error_reply(c, &doc, STANZA_ERR_SERVICE_UNAVAILABLE);
		return;
	}
	char *full = jid_to_string(&j, true);
	jid_free(&j);
	struct c2s_conn *dest = router_find_full(c->srv, full);
	free(full);
	/* RFC 6121 §8.5.3.1: an iq must not reveal a resource to someone who
	 * may not see the user's presence (P-PRE-2) */
	if (dest != NULL && dest->user != c->user &&
	    !presence_visible(dest->user, &c->acct, c->user->bare))
		dest = NULL;
	if (dest != NULL)
		c2s_send(dest, el);
	else if (!reply_type) {
		error_reply(c, &doc, STANZA_ERR_SERVICE_UNAVAILABLE);
		return;
	}
	xml_doc_free(&doc);
}
