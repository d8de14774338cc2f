/*
 * xmpp/xml_parser_internal: state shared by xml_parser.c (lifecycle,
 * feeding, refusals) and xml_parser_tree.c (element and text handlers).
 * Used only by those files.
 */
#ifndef IRIS_XMPP_XML_PARSER_INTERNAL_H
#define IRIS_XMPP_XML_PARSER_INTERNAL_H

#include <expat.h>
#include <stdint.h>

#include "xml/xml_gate.h"
#include "xml/xml_parser.h"

/* Separator expat puts between namespace URI, local name and prefix. It is
 * not an XML character, so no name or URI can contain it. */
#define XML_PARSER_NS_SEP '\x01'

enum xml_parser_state {
	PARSER_WANT_HEADER, /* before <stream:stream> / <open/> */
	PARSER_OPEN,        /* stream open, stanzas flow */
	PARSER_CLOSED,      /* peer closed the stream */
	PARSER_STOPPED,     /* a callback said stop; restart needed */
	PARSER_FAILED,      /* refused; err says why */
};

/* What one framing message turned out to be (dispatched after parsing). */
enum xml_parser_frame { FRAME_NONE, FRAME_OPEN, FRAME_CLOSE, FRAME_STANZA };

enum xml_parser_hdr_field { HDR_TO, HDR_FROM, HDR_ID, HDR_VERSION, HDR_LANG, HDR_COUNT };

struct xml_parser {
	XML_Parser xp;
	enum xml_parser_mode mode;
	struct xml_limits limits;
	char *content_ns;
	const struct xml_parser_callbacks *cb;
	void *ctx;
	enum xml_parser_state state;

	bool in_parse;       /* inside XML_Parse: handlers may run */
	bool halted;         /* XML_StopParser called: ignore late callbacks */
	bool stop_requested; /* ... because a callback returned STOP */
	uint64_t fed;        /* bytes given to expat since the last reset */
	uint64_t mark;       /* end of the last event outside any stanza */
	uint64_t stanza_start;
	uint64_t stop_at; /* end of the event after which a callback stopped */

	unsigned depth;        /* open elements, the stream root included */
	unsigned ns_decls;     /* xmlns declarations of the coming start tag */
	char *root_default_ns; /* default namespace declared on the root */
	bool root_default_seen;

	struct xml_doc *doc;   /* stanza being built, NULL between stanzas */
	struct xml_elem *cur;  /* innermost open element of doc */
	size_t *text_at_depth; /* text bytes of each open stanza element */
	char *text;            /* pending character data for cur */
	size_t text_len, text_cap;

	struct xml_gate gate; /* TCP: when held bytes go to expat */
	char *hold;           /* TCP: bytes received, not yet given to expat */
	size_t hold_len, hold_cap;

	enum xml_parser_frame frame; /* framing: this message's element */
	char *hdr[HDR_COUNT];        /* header attribute copies */

	struct xml_parser_error err;
	char err_text[160];
};

/* Records the error (first one wins) and stops expat if it is running. */
void xml_parser_fail(struct xml_parser *p, enum stream_error_cond cond, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Calls XML_StopParser for a callback's STOP after the current event. */
void xml_parser_request_stop(struct xml_parser *p);
/* Absolute offset just past the event expat is reporting. */
uint64_t xml_parser_event_end(const struct xml_parser *p);
/* Frees the header attribute copies. */
void xml_parser_clear_header(struct xml_parser *p);
/* Installs the element, text and namespace handlers (xml_parser_tree.c). */
void xml_parser_tree_install(struct xml_parser *p);

#endif
