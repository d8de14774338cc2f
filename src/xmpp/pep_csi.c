/*
 * xmpp/pep_csi: per-session state of the second XEP batch: client state
 * indication (XEP-0352: while inactive, presence to the session is held,
 * only the latest per sender, and sent when it is active again; messages
 * and everything else go at once), the +notify interests learnt from the
 * client's caps (XEP-0115 disco#info), and the blocking filter (XEP-0191)
 * of presence written to a session: nothing from a user who blocked the
 * session's user or whom that user blocked.
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "xmpp/pep_internal.h"
#include "xml/stanza.h"
#include "xmpp/xep_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HELD_MAX 2000  /* senders held per inactive session; beyond, sent at once */
#define NOTIFY_MAX 256 /* +notify features kept per session */

static void sess_clear(struct pep_sess *s)
{
	for (size_t i = 0; i < s->n_held; i++)
		xml_doc_free(&s->held[i]);
	free(s->held);
	s->held = NULL;
	s->n_held = s->cap_held = 0;
	for (size_t i = 0; i < s->n_notify; i++)
		free(s->notify[i]);
	free(s->notify);
	s->notify = NULL;
	s->n_notify = 0;
	s->notify_known = false;
	s->inactive = false;
	s->caps_ver[0] = '\0';
	s->disco_id[0] = '\0';
}

/* The state lives on the connection itself (c->pep): it goes with it, and
 * no table outlives a server. */
struct pep_sess *pep_sess_get(struct c2s_conn *c, bool create)
{
	if (c->pep == NULL && create)
		c->pep = xcalloc(1, sizeof(*c->pep));
	return c->pep;
}

void pep_session_end(struct c2s_conn *c)
{
	if (c->pep == NULL)
		return;
	sess_clear(c->pep);
	free(c->pep);
	c->pep = NULL;
}

bool pep_wants(struct c2s_conn *c, const char *node)
{
	struct pep_sess *s = pep_sess_get(c, false);
	if (s == NULL || !s->notify_known)
		return true;
	size_t n = strlen(node);
	for (size_t i = 0; i < s->n_notify; i++)
		if (strncmp(s->notify[i], node, n) == 0 && strcmp(s->notify[i] + n, "+notify") == 0)
			return true;
	return false;
}

/* ---- XEP-0352 --------------------------------------------------------------- */

void pep_stream_features(struct c2s_conn *c, struct xml_elem *features)
{
	(void)c;
	xml_elem_new(xml_elem_doc(features), features, NS_CSI, "csi");
}

void pep_csi(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	bool active = strcmp(xml_elem_name(el), "active") == 0;
	bool inactive = strcmp(xml_elem_name(el), "inactive") == 0;
	if (c->state != C2S_BOUND || (!active && !inactive)) {
		xml_doc_free(&doc);
		c2s_stream_error(c, STREAM_ERR_UNSUPPORTED_STANZA_TYPE, NULL);
		return;
	}
	xml_doc_free(&doc);
	struct pep_sess *s = pep_sess_get(c, true);
	if (inactive) {
		s->inactive = true;
		return;
	}
	s->inactive = false;
	struct xml_doc **held = s->held;
	size_t n = s->n_held;
	s->held = NULL;
	s->n_held = s->cap_held = 0;
	for (size_t i = 0; i < n; i++) {
		c2s_send(c, xml_doc_root(held[i]));
		xml_doc_free(&held[i]);
	}
	free(held);
}

/* Presence that can wait: availability (not subscriptions, probes, errors). */
static bool holdable(const struct xml_elem *stanza)
{
	const char *type = stanza_type(stanza);
	return stanza_from(stanza) != NULL && (type == NULL || strcmp(type, "unavailable") == 0);
}

static bool hold(struct pep_sess *s, const struct xml_elem *stanza)
{
	const char *from = stanza_from(stanza);
	for (size_t i = 0; i < s->n_held; i++) {
		const char *f = stanza_from(xml_doc_root(s->held[i]));
		if (f != NULL && strcmp(f, from) == 0) {
			xml_doc_free(&s->held[i]);
			s->held[i] = xml_doc_new(0);
			xml_elem_copy(s->held[i], NULL, stanza);
			return true;
		}
	}
	if (s->n_held >= HELD_MAX)
		return false;
	if (s->n_held == s->cap_held) {
		s->cap_held = s->cap_held ? s->cap_held * 2 : 16;
		s->held = xrealloc(s->held, s->cap_held * sizeof(*s->held));
	}
	s->held[s->n_held] = xml_doc_new(0);
	xml_elem_copy(s->held[s->n_held], NULL, stanza);
	s->n_held++;
	return true;
}

bool pep_send_filter(struct c2s_conn *c, const struct xml_elem *stanza)
{
	if (c->user == NULL || c->state != C2S_BOUND || stanza_kind(stanza) != STANZA_PRESENCE)
		return false;
	const char *from = stanza_from(stanza);
	if (from == NULL)
		return false;
	char bare[400], local[65];
	snprintf(bare, sizeof(bare), "%s", from);
	char *slash = strchr(bare, '/');
	if (slash != NULL)
		*slash = '\0';
	if (strcmp(bare, c->user->bare) != 0) {
		/* XEP-0191 §3.5/3.6: the blocked see nothing, and say nothing */
		if (xep_is_blocked(c->srv, c->acct.username, bare))
			return true;
		if (xacct_local_of(c->srv, bare, local, sizeof(local)) != NULL &&
		    xep_is_blocked(c->srv, local, c->user->bare))
			return true;
	}
	struct pep_sess *s = pep_sess_get(c, false);
	if (s != NULL && s->inactive && holdable(stanza))
		return hold(s, stanza);
	return false;
}

/* ---- caps and +notify ----------------------------------------------------------- */

void pep_caps_seen(struct c2s_conn *c, const struct xml_elem *presence)
{
	struct xml_elem *caps = xml_elem_find(presence, NS_CAPS, "c");
	const char *node = caps ? xml_elem_attr(caps, "node") : NULL;
	const char *ver = caps ? xml_elem_attr(caps, "ver") : NULL;
	if (node == NULL || ver == NULL || strlen(ver) >= 64 || strlen(node) > 512)
		return;
	struct pep_sess *s = pep_sess_get(c, true);
	if (strcmp(s->caps_ver, ver) == 0)
		return;
	snprintf(s->caps_ver, sizeof(s->caps_ver), "%s", ver);
	xmpp_server_new_id(c->srv, s->disco_id);
	char *qnode = xasprintf("%s#%s", node, ver);
	struct xml_doc *d =
	    stanza_new(STANZA_IQ, NULL, "get", c->full, c->srv->domain, s->disco_id);
	struct xml_elem *q = xml_elem_new(d, xml_doc_root(d), XMPP_NS_DISCO_INFO, "query");
	xml_elem_set_attr(q, "node", qnode);
	c2s_send(c, xml_doc_root(d));
	xml_doc_free(&d);
	free(qnode);
}

bool pep_caps_answer(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	const char *type = stanza_type(el), *id = stanza_id(el), *to = stanza_to(el);
	if (type == NULL || id == NULL ||
	    (strcmp(type, "result") != 0 && strcmp(type, "error") != 0))
		return false;
	struct pep_sess *s = pep_sess_get(c, false);
	if (s == NULL || s->disco_id[0] == '\0' || strcmp(s->disco_id, id) != 0 ||
	    (to != NULL && strcmp(to, c->srv->domain) != 0))
		return false;
	s->disco_id[0] = '\0';
	for (size_t i = 0; i < s->n_notify; i++)
		free(s->notify[i]);
	s->n_notify = 0;
	s->notify_known = false;
	struct xml_elem *q = xml_elem_find(el, XMPP_NS_DISCO_INFO, "query");
	if (strcmp(type, "result") == 0 && q != NULL) {
		for (struct xml_elem *f = xml_elem_first_child(q); f;
		     f = xml_elem_next_sibling(f)) {
			const char *var = xml_elem_attr(f, "var");
			size_t n = var ? strlen(var) : 0;
			if (!xml_elem_is(f, XMPP_NS_DISCO_INFO, "feature") || n <= 7 ||
			    n > PEP_NODE_MAX + 7 || strcmp(var + n - 7, "+notify") != 0 ||
			    s->n_notify >= NOTIFY_MAX)
				continue;
			s->notify = xrealloc(s->notify, (s->n_notify + 1) * sizeof(*s->notify));
			s->notify[s->n_notify++] = xstrdup(var);
		}
		s->notify_known = true;
	}
	xml_doc_free(&doc);
	return true;
}

/* ---- the presence hook ---------------------------------------------------------- */

bool pep_presence_out(struct c2s_conn *c, struct xml_doc *doc)
{
	struct xml_elem *el = xml_doc_root(doc);
	if (c->state != C2S_BOUND || c->user == NULL || stanza_to(el) != NULL ||
	    stanza_type(el) != NULL)
		return false;
	if (pep_avatar_presence(c, doc)) /* XEP-0153: doc comes back later */
		return true;
	pep_caps_seen(c, el);
	if (!c->available)
		pep_send_last_items(c);
	return false;
}
