/*
 * xmpp/stanza_error: see stanza_error.h.
 */
#include "xml/stanza_error.h"

#include <string.h>

#include "xml/xml_stream.h"

static const char *const type_names[STANZA_ERR_TYPE_COUNT] = {
    [STANZA_ERR_TYPE_AUTH] = "auth",         [STANZA_ERR_TYPE_CANCEL] = "cancel",
    [STANZA_ERR_TYPE_CONTINUE] = "continue", [STANZA_ERR_TYPE_MODIFY] = "modify",
    [STANZA_ERR_TYPE_WAIT] = "wait",
};

/* Each condition with the type RFC 6120 §8.3.3 suggests for it. */
static const struct {
	const char *name;
	enum stanza_error_type type;
} conds[STANZA_ERR_COUNT] = {
    [STANZA_ERR_BAD_REQUEST] = {"bad-request", STANZA_ERR_TYPE_MODIFY},
    [STANZA_ERR_CONFLICT] = {"conflict", STANZA_ERR_TYPE_CANCEL},
    [STANZA_ERR_FEATURE_NOT_IMPLEMENTED] = {"feature-not-implemented", STANZA_ERR_TYPE_CANCEL},
    [STANZA_ERR_FORBIDDEN] = {"forbidden", STANZA_ERR_TYPE_AUTH},
    [STANZA_ERR_GONE] = {"gone", STANZA_ERR_TYPE_CANCEL},
    [STANZA_ERR_INTERNAL_SERVER_ERROR] = {"internal-server-error", STANZA_ERR_TYPE_CANCEL},
    [STANZA_ERR_ITEM_NOT_FOUND] = {"item-not-found", STANZA_ERR_TYPE_CANCEL},
    [STANZA_ERR_JID_MALFORMED] = {"jid-malformed", STANZA_ERR_TYPE_MODIFY},
    [STANZA_ERR_NOT_ACCEPTABLE] = {"not-acceptable", STANZA_ERR_TYPE_MODIFY},
    [STANZA_ERR_NOT_ALLOWED] = {"not-allowed", STANZA_ERR_TYPE_CANCEL},
    [STANZA_ERR_NOT_AUTHORIZED] = {"not-authorized", STANZA_ERR_TYPE_AUTH},
    [STANZA_ERR_POLICY_VIOLATION] = {"policy-violation", STANZA_ERR_TYPE_MODIFY},
    [STANZA_ERR_RECIPIENT_UNAVAILABLE] = {"recipient-unavailable", STANZA_ERR_TYPE_WAIT},
    [STANZA_ERR_REDIRECT] = {"redirect", STANZA_ERR_TYPE_MODIFY},
    [STANZA_ERR_REGISTRATION_REQUIRED] = {"registration-required", STANZA_ERR_TYPE_AUTH},
    [STANZA_ERR_REMOTE_SERVER_NOT_FOUND] = {"remote-server-not-found", STANZA_ERR_TYPE_CANCEL},
    [STANZA_ERR_REMOTE_SERVER_TIMEOUT] = {"remote-server-timeout", STANZA_ERR_TYPE_WAIT},
    [STANZA_ERR_RESOURCE_CONSTRAINT] = {"resource-constraint", STANZA_ERR_TYPE_WAIT},
    [STANZA_ERR_SERVICE_UNAVAILABLE] = {"service-unavailable", STANZA_ERR_TYPE_CANCEL},
    [STANZA_ERR_SUBSCRIPTION_REQUIRED] = {"subscription-required", STANZA_ERR_TYPE_AUTH},
    [STANZA_ERR_UNDEFINED_CONDITION] = {"undefined-condition", STANZA_ERR_TYPE_CANCEL},
    [STANZA_ERR_UNEXPECTED_REQUEST] = {"unexpected-request", STANZA_ERR_TYPE_WAIT},
};

const char *stanza_error_cond_name(enum stanza_error_cond cond)
{
	return (unsigned)cond < STANZA_ERR_COUNT ? conds[cond].name : NULL;
}

const char *stanza_error_type_name(enum stanza_error_type type)
{
	return (unsigned)type < STANZA_ERR_TYPE_COUNT ? type_names[type] : NULL;
}

int stanza_error_cond_from_name(const char *name, enum stanza_error_cond *cond_r)
{
	for (unsigned i = 0; i < STANZA_ERR_COUNT; i++) {
		if (strcmp(conds[i].name, name) == 0) {
			*cond_r = (enum stanza_error_cond)i;
			return 0;
		}
	}
	return -1;
}

int stanza_error_type_from_name(const char *name, enum stanza_error_type *type_r)
{
	for (unsigned i = 0; i < STANZA_ERR_TYPE_COUNT; i++) {
		if (strcmp(type_names[i], name) == 0) {
			*type_r = (enum stanza_error_type)i;
			return 0;
		}
	}
	return -1;
}

enum stanza_error_type stanza_error_default_type(enum stanza_error_cond cond)
{
	return (unsigned)cond < STANZA_ERR_COUNT ? conds[cond].type : STANZA_ERR_TYPE_CANCEL;
}

struct xml_elem *stanza_error_add(struct xml_elem *parent, const struct stanza_error *err)
{
	struct xml_doc *doc = xml_elem_doc(parent);
	const char *type = stanza_error_type_name(err->type);
	const char *cond = stanza_error_cond_name(err->cond);
	struct xml_elem *error, *c, *text;

	if (type == NULL || cond == NULL)
		return NULL;
	/* <error/> is in the stanza's own namespace (RFC 6120 §8.3.2). */
	error = xml_elem_new(doc, parent, xml_elem_ns(parent), "error");
	if (error == NULL || xml_elem_set_attr(error, "type", type) < 0)
		return NULL;
	if (err->by != NULL && xml_elem_set_attr(error, "by", err->by) < 0)
		return NULL;
	c = xml_elem_new(doc, error, XMPP_NS_STANZA_ERRORS, cond);
	if (c == NULL)
		return NULL;
	if (err->uri != NULL &&
	    (err->cond == STANZA_ERR_GONE || err->cond == STANZA_ERR_REDIRECT) &&
	    xml_elem_add_text(c, err->uri, strlen(err->uri)) < 0)
		return NULL;
	if (err->text != NULL) {
		text = xml_elem_add_child_text(error, XMPP_NS_STANZA_ERRORS, "text", err->text);
		if (text == NULL || xml_elem_set_attr_ns(text, XML_NS_XML, "lang", "en") < 0)
			return NULL;
	}
	return error;
}

struct xml_doc *stanza_error_reply(const struct xml_elem *stanza, const struct stanza_error *err)
{
	const char *type = xml_elem_attr(stanza, "type");
	const char *to = xml_elem_attr(stanza, "from");
	const char *from = xml_elem_attr(stanza, "to");
	const char *id = xml_elem_attr(stanza, "id");
	struct xml_doc *doc;
	struct xml_elem *root;

	if ((type != NULL && strcmp(type, "error") == 0) ||
	    stanza_error_cond_name(err->cond) == NULL || stanza_error_type_name(err->type) == NULL)
		return NULL;
	doc = xml_doc_new(0);
	root = xml_elem_new(doc, NULL, xml_elem_ns(stanza), xml_elem_name(stanza));
	/* Uncapped document: the builders below cannot fail. */
	if (from != NULL)
		(void)xml_elem_set_attr(root, "from", from);
	if (to != NULL)
		(void)xml_elem_set_attr(root, "to", to);
	if (id != NULL)
		(void)xml_elem_set_attr(root, "id", id);
	(void)xml_elem_set_attr(root, "type", "error");
	(void)stanza_error_add(root, err);
	return doc;
}
