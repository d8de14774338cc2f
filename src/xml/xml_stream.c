/*
 * xmpp/xml_stream: see xml_stream.h.
 */
#include "xml/xml_stream.h"

#include <string.h>

/* Appends ` name='value'` when value is not NULL; -1 on invalid chars. */
static int write_attr(struct xml_buf *buf, const char *name, const char *value)
{
	if (value == NULL)
		return 0;
	xml_buf_append_str(buf, " ");
	xml_buf_append_str(buf, name);
	xml_buf_append_str(buf, "='");
	if (xml_buf_append_attr(buf, value, strlen(value)) < 0)
		return -1;
	xml_buf_append_str(buf, "'");
	return 0;
}

int xml_stream_write_header(struct xml_buf *buf, const struct xml_stream_header *h)
{
	size_t start = buf->len;
	const char *ns = h->content_ns != NULL ? h->content_ns : XMPP_NS_CLIENT;

	if (h->framing) {
		xml_buf_append_str(buf, "<open xmlns='" XMPP_NS_FRAMING "'");
	} else {
		xml_buf_append_str(
		    buf, "<?xml version='1.0'?><stream:stream xmlns:stream='" XMPP_NS_STREAMS "'");
		if (write_attr(buf, "xmlns", ns) < 0)
			goto fail;
	}
	if (write_attr(buf, "id", h->id) < 0 || write_attr(buf, "from", h->from) < 0 ||
	    write_attr(buf, "to", h->to) < 0 || write_attr(buf, "version", h->version) < 0 ||
	    write_attr(buf, "xml:lang", h->lang) < 0)
		goto fail;
	xml_buf_append_str(buf, h->framing ? "/>" : ">");
	return 0;
fail:
	xml_buf_truncate(buf, start);
	return -1;
}

void xml_stream_write_close(struct xml_buf *buf, bool framing)
{
	xml_buf_append_str(buf,
	                   framing ? "<close xmlns='" XMPP_NS_FRAMING "'/>" : "</stream:stream>");
}
