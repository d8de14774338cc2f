/*
 * xmpp/stanza_error: stanza errors of RFC 6120 §8.3: an error type, one
 * defined condition and an optional text, returned to the sender as a reply
 * to the stanza that caused them (to/from swapped, same id, type='error').
 *
 * Privacy: the reply never echoes the original payload (RFC 6120 §8.3.1
 * makes that optional), so a refused message body is not sent back out.
 */
#ifndef IRIS_XMPP_STANZA_ERROR_H
#define IRIS_XMPP_STANZA_ERROR_H

#include "xml/xml_elem.h"

enum stanza_error_type {
	STANZA_ERR_TYPE_AUTH = 0,
	STANZA_ERR_TYPE_CANCEL,
	STANZA_ERR_TYPE_CONTINUE,
	STANZA_ERR_TYPE_MODIFY,
	STANZA_ERR_TYPE_WAIT,
	STANZA_ERR_TYPE_COUNT
};

enum stanza_error_cond {
	STANZA_ERR_BAD_REQUEST = 0,
	STANZA_ERR_CONFLICT,
	STANZA_ERR_FEATURE_NOT_IMPLEMENTED,
	STANZA_ERR_FORBIDDEN,
	STANZA_ERR_GONE,
	STANZA_ERR_INTERNAL_SERVER_ERROR,
	STANZA_ERR_ITEM_NOT_FOUND,
	STANZA_ERR_JID_MALFORMED,
	STANZA_ERR_NOT_ACCEPTABLE,
	STANZA_ERR_NOT_ALLOWED,
	STANZA_ERR_NOT_AUTHORIZED,
	STANZA_ERR_POLICY_VIOLATION,
	STANZA_ERR_RECIPIENT_UNAVAILABLE,
	STANZA_ERR_REDIRECT,
	STANZA_ERR_REGISTRATION_REQUIRED,
	STANZA_ERR_REMOTE_SERVER_NOT_FOUND,
	STANZA_ERR_REMOTE_SERVER_TIMEOUT,
	STANZA_ERR_RESOURCE_CONSTRAINT,
	STANZA_ERR_SERVICE_UNAVAILABLE,
	STANZA_ERR_SUBSCRIPTION_REQUIRED,
	STANZA_ERR_UNDEFINED_CONDITION,
	STANZA_ERR_UNEXPECTED_REQUEST,
	STANZA_ERR_COUNT
};

struct stanza_error {
	enum stanza_error_type type;
	enum stanza_error_cond cond;
	const char *text; /* optional human text (xml:lang='en') */
	const char *by;   /* optional JID of the entity returning the error */
	const char *uri;  /* optional content of <gone/> and <redirect/> */
};

/* Element name of a condition / value of a type; NULL when out of range. */
const char *stanza_error_cond_name(enum stanza_error_cond cond);
const char *stanza_error_type_name(enum stanza_error_type type);
/* Lookups by name: 0, or -1 when unknown. */
int stanza_error_cond_from_name(const char *name, enum stanza_error_cond *cond_r);
int stanza_error_type_from_name(const char *name, enum stanza_error_type *type_r);
/* The type RFC 6120 §8.3.3 suggests for a condition. */
enum stanza_error_type stanza_error_default_type(enum stanza_error_cond cond);

/*
 * Appends <error type=.. [by=..]><COND xmlns=stanzas/>[<text>]</error> to
 * parent. Returns the <error/> element, or NULL when parent's document is
 * capped and full or a field is out of range.
 */
struct xml_elem *stanza_error_add(struct xml_elem *parent, const struct stanza_error *err);

/*
 * Builds the error reply to stanza in a new document (no cap; free with
 * xml_doc_free): same element name and namespace, to = its from, from =
 * its to (each only when present), same id, type='error', one <error/>
 * child. Returns NULL when stanza is itself an error (RFC 6120 §8.3.1: never
 * answer an error with an error) or err is out of range.
 */
struct xml_doc *stanza_error_reply(const struct xml_elem *stanza, const struct stanza_error *err);

#endif
