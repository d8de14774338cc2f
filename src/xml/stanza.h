/*
 * xmpp/stanza: small helpers over element trees for the three stanza kinds
 * of RFC 6120 §8 (message, presence, iq) and their common attributes.
 */
#ifndef IRIS_XMPP_STANZA_H
#define IRIS_XMPP_STANZA_H

#include "xml/xml_elem.h"

enum stanza_kind { STANZA_OTHER = 0, STANZA_MESSAGE, STANZA_PRESENCE, STANZA_IQ };

/* The kind of a top-level element: message, presence or iq in jabber:client
 * or jabber:server; STANZA_OTHER for anything else (stream features, SASL,
 * stream management, unknown elements). */
enum stanza_kind stanza_kind(const struct xml_elem *stanza);
/* "message", "presence", "iq", or NULL for STANZA_OTHER. */
const char *stanza_kind_name(enum stanza_kind kind);

/* Attribute shortcuts; NULL when absent. */
const char *stanza_to(const struct xml_elem *stanza);
const char *stanza_from(const struct xml_elem *stanza);
const char *stanza_id(const struct xml_elem *stanza);
const char *stanza_type(const struct xml_elem *stanza);

/*
 * Makes a new document (no cap) whose root is a stanza of this kind in
 * namespace ns (NULL = jabber:client), with the attributes that are not
 * NULL. Returns the document; the root is xml_doc_root(). Aborts on
 * out-of-memory; kind must not be STANZA_OTHER.
 */
struct xml_doc *stanza_new(enum stanza_kind kind, const char *ns, const char *type, const char *to,
                           const char *from, const char *id);

/*
 * Makes the type='result' reply to iq (no cap; free with xml_doc_free):
 * same namespace and id, to = requester (NULL: none; the caller passes the
 * requester's JID it trusts, not the client-written from), from = the
 * request's to when it had one (RFC 6120 §8.1.2.1: a reply comes from the
 * address the query was sent to; clients such as Conversations drop a
 * reply whose from differs). Aborts on out-of-memory.
 */
struct xml_doc *stanza_iq_result(const struct xml_elem *iq, const char *to);

#endif
