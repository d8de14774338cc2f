/*
 * xmpp/xml_writer: element tree -> XML text.
 *
 * Namespaces are written as default-namespace declarations (xmlns='...')
 * wherever an element's namespace differs from the one in scope, so a
 * stanza written into a jabber:client stream carries no xmlns while an
 * extension child does. Elements in the streams namespace are written with
 * the conventional "stream:" prefix. Namespaced attributes get xml: for the
 * XML namespace and a generated prefix declared on the same element
 * otherwise. Text and attribute values are escaped (xml_buf.h).
 */
#ifndef IRIS_XMPP_XML_WRITER_H
#define IRIS_XMPP_XML_WRITER_H

#include <stdbool.h>

#include "xml/xml_buf.h"
#include "xml/xml_elem.h"

/*
 * Appends elem and its subtree to buf. scope_ns is the default namespace
 * in scope where the text goes (XMPP_NS_CLIENT inside a c2s stream; NULL
 * with WebSocket framing, where each element stands alone). stream_bound
 * says the "stream" prefix is already declared (true inside a TCP stream).
 * Returns 0, or -1 with buf unchanged when a name is not a plausible XML
 * name or a text/attribute holds characters XML cannot carry.
 */
int xml_writer_write(struct xml_buf *buf, const struct xml_elem *elem, const char *scope_ns,
                     bool stream_bound);

#endif
