/*
 * xmpp/xml_parser: the XML stream parser of an XMPP connection.
 *
 * A push parser over expat (namespaces on). The connection feeds it the
 * bytes it reads, in chunks of any size; the parser reports the peer's
 * stream header, each complete top-level stanza as an element tree, and
 * the stream close. It refuses what RFC 6120 §11.1 restricts (DTDs, entity
 * declarations and references other than the five predefined ones,
 * comments, processing instructions) and enforces the limits below while
 * parsing, so no input makes it hold more than about one stanza's worth of
 * memory. A refusal is reported as the RFC 6120 §4.9.3 stream error
 * condition to send; the parser is then dead and the stream must close.
 *
 * Two modes share one parser:
 *   XML_PARSER_STREAM   TCP (RFC 6120): one long document, <stream:stream>.
 *   XML_PARSER_FRAMING  WebSocket (RFC 7395): each message is one complete
 *                       element: <open/>, a stanza, or <close/>.
 *
 * Stream restarts (after STARTTLS and after SASL success) are
 * xml_parser_restart(): the next bytes must start a new stream header.
 *
 * Not thread-safe; one parser per connection, used on the loop thread.
 */
#ifndef IRIS_XMPP_XML_PARSER_H
#define IRIS_XMPP_XML_PARSER_H

#include <stdbool.h>
#include <stddef.h>

#include "xml/stream_error.h"
#include "xml/xml_elem.h"
#include "xml/xml_stream.h"

/*
 * Limits, checked while parsing. Each refusal is <policy-violation/> with a
 * text naming the limit (as Prosody and ejabberd do for stanza size). A
 * value at the limit passes; one more fails. docs/xmpp-limits.md explains
 * each default.
 */
struct xml_limits {
	size_t stanza_bytes;     /* raw bytes of one stanza, tags included */
	size_t header_bytes;     /* raw bytes before the stream header ends */
	unsigned depth;          /* element nesting in a stanza; root = 1 */
	unsigned attrs;          /* attributes + xmlns declarations per element */
	size_t name_bytes;       /* local name or prefix of an element/attribute */
	size_t ns_bytes;         /* namespace URI */
	size_t attr_value_bytes; /* one attribute value after decoding */
	size_t text_bytes;       /* text directly inside one element */
	unsigned children;       /* child elements of one element */
	unsigned elements;       /* elements in one stanza, root included */
	size_t stanza_memory;    /* arena bytes of one stanza's tree */
};

/* The defaults: 256 KiB stanzas, depth 32, 64 attributes, ... */
extern const struct xml_limits xml_limits_default;

enum xml_parser_mode { XML_PARSER_STREAM = 0, XML_PARSER_FRAMING };

/* What a callback asks of the parser. */
enum xml_parser_action {
	XML_PARSER_CONTINUE = 0,
	/* Stop right after this event. xml_parser_feed() returns 1 with
	 * *consumed_r = the bytes up to the end of this event; the parser
	 * accepts no more input until xml_parser_restart(). Use it when the
	 * stream is to be restarted (STARTTLS <proceed/>: the unconsumed bytes
	 * must then be dropped, not fed to the new stream) or torn down. */
	XML_PARSER_STOP,
};

struct xml_parser_callbacks {
	/* The peer's stream header (<stream:stream> or <open/>). */
	enum xml_parser_action (*on_header)(void *ctx, const struct xml_stream_header *header);
	/* One complete top-level element. The callee owns stanza and frees it
	 * with xml_doc_free() whenever it is done (it may keep it). */
	enum xml_parser_action (*on_stanza)(void *ctx, struct xml_doc *stanza);
	/* </stream:stream> or <close/>. */
	enum xml_parser_action (*on_close)(void *ctx);
};

struct xml_parser_settings {
	enum xml_parser_mode mode;
	/* The content namespace the stream header must declare as default
	 * (TCP mode only). NULL = XMPP_NS_CLIENT. */
	const char *content_ns;
	/* NULL = xml_limits_default. Copied. */
	const struct xml_limits *limits;
};

struct xml_parser_error {
	enum stream_error_cond cond;
	const char *text; /* short English reason for the <text/>, never NULL */
};

struct xml_parser;

/* Creates a parser. settings may be NULL (TCP, jabber:client, defaults).
 * callbacks and ctx must outlive the parser. Aborts on out-of-memory. */
struct xml_parser *xml_parser_new(const struct xml_parser_settings *settings,
                                  const struct xml_parser_callbacks *callbacks, void *ctx);
/* Frees the parser and any stanza it was building; sets *parser to NULL. */
void xml_parser_free(struct xml_parser **parser);

/*
 * TCP mode: parses len bytes. Returns 0 when all input was taken; 1 when a
 * callback returned XML_PARSER_STOP (*consumed_r tells how many bytes were
 * used, the rest was not parsed; call xml_parser_restart() before feeding
 * again); -1 when the stream must be closed with xml_parser_error().
 * consumed_r may be NULL. After -1 every further call fails the same way.
 *
 * Taken input may be held (at most 8 KiB) until a tag can have ended
 * (see xml_gate.h): callbacks for a stanza run in the call that delivers
 * its final '>', never later. Idle timers should count bytes read.
 */
int xml_parser_feed(struct xml_parser *parser, const void *data, size_t len, size_t *consumed_r);

/*
 * Framing mode: parses one complete WebSocket text message. 0, 1 (a
 * callback stopped: restart before the next message) or -1 as
 * xml_parser_feed(). A message larger than limits.stanza_bytes is refused
 * before parsing.
 */
int xml_parser_feed_message(struct xml_parser *parser, const void *data, size_t len);

/*
 * Starts a new stream: discards parser state and expects a stream header
 * next (RFC 6120 §5.4.3.3 after TLS, §6.4.6 after SASL; RFC 7395 §3.5).
 * Also the only way out of a callback's XML_PARSER_STOP. Not allowed from
 * inside a callback (return XML_PARSER_STOP, then restart).
 */
void xml_parser_restart(struct xml_parser *parser);

/* The error after a -1 (cond STREAM_ERR_UNDEFINED_CONDITION otherwise). */
const struct xml_parser_error *xml_parser_error(const struct xml_parser *parser);

/* True once the peer's stream header was reported and not yet closed. */
bool xml_parser_stream_open(const struct xml_parser *parser);

#endif
