/*
 * xmpp/stanza: see stanza.h.
 */
#include "xml/stanza.h"

#include <assert.h>
#include <string.h>

#include "xml/xml_stream.h"

static const char *const kind_names[] = {
    [STANZA_OTHER] = NULL,
    [STANZA_MESSAGE] = "message",
    [STANZA_PRESENCE] = "presence",
    [STANZA_IQ] = "iq",
};

enum stanza_kind stanza_kind(const struct xml_elem *stanza)
{
	const char *ns = xml_elem_ns(stanza);
	const char *name = xml_elem_name(stanza);

	if (strcmp(ns, XMPP_NS_CLIENT) != 0 && strcmp(ns, XMPP_NS_SERVER) != 0)
		return STANZA_OTHER;
	for (int k = STANZA_MESSAGE; k <= STANZA_IQ; k++) {
		if (strcmp(name, kind_names[k]) == 0)
			return (enum stanza_kind)k;
	}
	return STANZA_OTHER;
}

const char *stanza_kind_name(enum stanza_kind kind)
{
	if ((unsigned)kind > STANZA_IQ)
		return NULL;
	return kind_names[kind];
}

const char *stanza_to(const struct xml_elem *stanza)
{
	return xml_elem_attr(stanza, "to");
}

const char *stanza_from(const struct xml_elem *stanza)
{
	return xml_elem_attr(stanza, "from");
}

const char *stanza_id(const struct xml_elem *stanza)
{
	return xml_elem_attr(stanza, "id");
}

const char *stanza_type(const struct xml_elem *stanza)
{
	return xml_elem_attr(stanza, "type");
}

struct xml_doc *stanza_new(enum stanza_kind kind, const char *ns, const char *type, const char *to,
                           const char *from, const char *id)
{
	struct xml_doc *doc;
	struct xml_elem *root;

	assert(kind != STANZA_OTHER && stanza_kind_name(kind) != NULL);
	doc = xml_doc_new(0);
	root = xml_elem_new(doc, NULL, ns != NULL ? ns : XMPP_NS_CLIENT, stanza_kind_name(kind));
	/* Uncapped document: the builders cannot fail. */
	if (from != NULL)
		(void)xml_elem_set_attr(root, "from", from);
	if (to != NULL)
		(void)xml_elem_set_attr(root, "to", to);
	if (id != NULL)
		(void)xml_elem_set_attr(root, "id", id);
	if (type != NULL)
		(void)xml_elem_set_attr(root, "type", type);
	return doc;
}

struct xml_doc *stanza_iq_result(const struct xml_elem *iq, const char *to)
{
	return stanza_new(STANZA_IQ, xml_elem_ns(iq), "result", to, stanza_to(iq), stanza_id(iq));
}
