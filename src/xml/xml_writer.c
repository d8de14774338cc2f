/*
 * xmpp/xml_writer: see xml_writer.h.
 */
#include "xml/xml_writer.h"

#include <stdio.h>
#include <string.h>

#include "xml/xml_stream.h"

/* At most this many distinct attribute namespaces per element get a
 * generated prefix; more is refused (no real stanza has more than one). */
#define WRITER_MAX_ATTR_NS 8

/*
 * Cheap name check: non-empty, no markup or quote characters, no
 * whitespace or control bytes, no colon (prefixes are the writer's job).
 * Trees from the parser always pass; this guards builder misuse.
 */
static bool name_ok(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (*p == '\0' || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.')
		return false;
	for (; *p != '\0'; p++) {
		if (*p <= 0x20 || *p == 0x7F || strchr("<>&'\"=/:!?;,()[]{}", *p) != NULL)
			return false;
	}
	return true;
}

static int write_ns_decl(struct xml_buf *buf, const char *prefix, const char *ns)
{
	xml_buf_append_str(buf, prefix == NULL ? " xmlns='" : " xmlns:");
	if (prefix != NULL) {
		xml_buf_append_str(buf, prefix);
		xml_buf_append_str(buf, "='");
	}
	if (xml_buf_append_attr(buf, ns, strlen(ns)) < 0)
		return -1;
	xml_buf_append_str(buf, "'");
	return 0;
}

/* Writes the attributes of elem, declaring generated prefixes first. */
static int write_attrs(struct xml_buf *buf, const struct xml_elem *elem)
{
	const char *nss[WRITER_MAX_ATTR_NS];
	unsigned n_ns = 0, i;
	char prefix[16];
	const struct xml_attr *a;

	for (a = xml_elem_attrs(elem); a != NULL; a = a->next) {
		if (!name_ok(a->name))
			return -1;
		if (a->ns[0] == '\0' || strcmp(a->ns, XML_NS_XML) == 0)
			continue;
		for (i = 0; i < n_ns && strcmp(nss[i], a->ns) != 0; i++)
			;
		if (i < n_ns)
			continue;
		if (n_ns == WRITER_MAX_ATTR_NS)
			return -1;
		nss[n_ns] = a->ns;
		snprintf(prefix, sizeof(prefix), "ns%u", n_ns);
		if (write_ns_decl(buf, prefix, a->ns) < 0)
			return -1;
		n_ns++;
	}
	for (a = xml_elem_attrs(elem); a != NULL; a = a->next) {
		xml_buf_append_str(buf, " ");
		if (strcmp(a->ns, XML_NS_XML) == 0) {
			xml_buf_append_str(buf, "xml:");
		} else if (a->ns[0] != '\0') {
			for (i = 0; strcmp(nss[i], a->ns) != 0; i++)
				;
			snprintf(prefix, sizeof(prefix), "ns%u:", i);
			xml_buf_append_str(buf, prefix);
		}
		xml_buf_append_str(buf, a->name);
		xml_buf_append_str(buf, "='");
		if (xml_buf_append_attr(buf, a->value, a->value_len) < 0)
			return -1;
		xml_buf_append_str(buf, "'");
	}
	return 0;
}

static int write_elem(struct xml_buf *buf, const struct xml_elem *elem, const char *scope_ns,
                      bool stream_bound)
{
	const char *ns = xml_elem_ns(elem);
	bool is_stream = strcmp(ns, XMPP_NS_STREAMS) == 0;
	const struct xml_node *n = NULL;
	const struct xml_elem *child;
	const char *text;
	size_t len;

	if (!name_ok(xml_elem_name(elem)))
		return -1;
	xml_buf_append_str(buf, is_stream ? "<stream:" : "<");
	xml_buf_append_str(buf, xml_elem_name(elem));
	if (is_stream && !stream_bound) {
		xml_buf_append_str(buf, " xmlns:stream='" XMPP_NS_STREAMS "'");
		stream_bound = true;
	} else if (!is_stream && strcmp(ns, scope_ns) != 0) {
		if (write_ns_decl(buf, NULL, ns) < 0)
			return -1;
		scope_ns = ns;
	}
	if (write_attrs(buf, elem) < 0)
		return -1;
	if (xml_elem_next_node(elem, NULL) == NULL) {
		xml_buf_append_str(buf, "/>");
		return 0;
	}
	xml_buf_append_str(buf, ">");
	while ((n = xml_elem_next_node(elem, n)) != NULL) {
		child = xml_node_elem(n);
		if (child != NULL) {
			if (write_elem(buf, child, scope_ns, stream_bound) < 0)
				return -1;
			continue;
		}
		text = xml_node_text(n, &len);
		if (xml_buf_append_text(buf, text, len) < 0)
			return -1;
	}
	xml_buf_append_str(buf, is_stream ? "</stream:" : "</");
	xml_buf_append_str(buf, xml_elem_name(elem));
	xml_buf_append_str(buf, ">");
	return 0;
}

int xml_writer_write(struct xml_buf *buf, const struct xml_elem *elem, const char *scope_ns,
                     bool stream_bound)
{
	size_t start = buf->len;

	if (write_elem(buf, elem, scope_ns == NULL ? "" : scope_ns, stream_bound) < 0) {
		xml_buf_truncate(buf, start);
		return -1;
	}
	return 0;
}
