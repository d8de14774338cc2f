/*
 * xmpp/xml_stream: the namespaces of an XMPP stream, the header a peer
 * sent (as the parser reports it), and writing our own stream header and
 * close, for TCP streams (RFC 6120 §4) and WebSocket framing (RFC 7395).
 */
#ifndef IRIS_XMPP_XML_STREAM_H
#define IRIS_XMPP_XML_STREAM_H

#include <stdbool.h>

#include "xml/xml_buf.h"

#define XMPP_NS_STREAMS "http://etherx.jabber.org/streams"
#define XMPP_NS_CLIENT "jabber:client"
#define XMPP_NS_SERVER "jabber:server"
#define XMPP_NS_FRAMING "urn:ietf:params:xml:ns:xmpp-framing"
#define XMPP_NS_STREAM_ERRORS "urn:ietf:params:xml:ns:xmpp-streams"
#define XMPP_NS_STANZA_ERRORS "urn:ietf:params:xml:ns:xmpp-stanzas"
#define XML_NS_XML "http://www.w3.org/XML/1998/namespace"

/*
 * A stream header: <stream:stream ...> on TCP, <open .../> with framing.
 * Any field may be NULL when the attribute was absent. content_ns is the
 * default namespace the peer declared on <stream:stream> (jabber:client);
 * it is NULL with framing, where every stanza carries its own xmlns.
 * When reported by the parser the strings are owned by the parser and valid
 * during the on_header callback only.
 */
struct xml_stream_header {
	const char *to;
	const char *from;
	const char *id;
	const char *version;
	const char *lang; /* xml:lang */
	const char *content_ns;
	bool framing;
};

/*
 * Appends our stream header. TCP: the XML declaration and an open
 * <stream:stream> declaring xmlns (h->content_ns, default jabber:client)
 * and xmlns:stream. Framing: a complete <open xmlns=framing .../>.
 * Attribute values are escaped; -1 (buffer unchanged) if one is not
 * valid XML characters.
 */
int xml_stream_write_header(struct xml_buf *buf, const struct xml_stream_header *h);

/* Appends the stream close: </stream:stream>, or <close xmlns=framing/>. */
void xml_stream_write_close(struct xml_buf *buf, bool framing);

#endif
