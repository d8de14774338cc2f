/*
 * xmpp/xml_parser_tree: the expat element, text and namespace handlers of
 * the stream parser: the stream header, the framing control elements, and
 * stanza trees built under the limits (see xml_parser.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "xml/xml_parser_internal.h"

/* An expat name "uri SEP local [SEP prefix]" split into slices. */
struct qname {
	const char *ns, *local, *prefix;
	size_t ns_len, local_len, prefix_len;
};

static void split_name(const char *name, struct qname *q)
{
	const char *s1 = strchr(name, XML_PARSER_NS_SEP), *s2;

	memset(q, 0, sizeof(*q));
	q->ns = "";
	if (s1 == NULL) {
		q->local = name;
		q->local_len = strlen(name);
		return;
	}
	q->ns = name;
	q->ns_len = (size_t)(s1 - name);
	q->local = s1 + 1;
	s2 = strchr(q->local, XML_PARSER_NS_SEP);
	if (s2 == NULL) {
		q->local_len = strlen(q->local);
		return;
	}
	q->local_len = (size_t)(s2 - q->local);
	q->prefix = s2 + 1;
	q->prefix_len = strlen(q->prefix);
}

static bool slice_is(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

/* Name, prefix and namespace lengths against the limits. */
static bool qname_ok(struct xml_parser *p, const struct qname *q)
{
	if (q->local_len > p->limits.name_bytes || q->prefix_len > p->limits.name_bytes) {
		xml_parser_fail(p, STREAM_ERR_POLICY_VIOLATION, "name too long (limit %zu bytes)",
		                p->limits.name_bytes);
		return false;
	}
	if (q->ns_len > p->limits.ns_bytes) {
		xml_parser_fail(p, STREAM_ERR_POLICY_VIOLATION,
		                "namespace too long (limit %zu bytes)", p->limits.ns_bytes);
		return false;
	}
	return true;
}

static bool attr_count_ok(struct xml_parser *p, const XML_Char **atts, unsigned decls)
{
	size_t n = 0;

	while (atts[n] != NULL)
		n += 2;
	if (n / 2 + decls > p->limits.attrs) {
		xml_parser_fail(p, STREAM_ERR_POLICY_VIOLATION,
		                "too many attributes (limit %u per element)", p->limits.attrs);
		return false;
	}
	return true;
}

static void fail_memory(struct xml_parser *p)
{
	xml_parser_fail(p, STREAM_ERR_POLICY_VIOLATION,
	                "stanza too large (limit %zu bytes in memory)", p->limits.stanza_memory);
}

/* Copies the stream header attributes we report (to, from, id, version,
 * xml:lang); other attributes are ignored as RFC 6120 §4.7 asks. */
static bool collect_header(struct xml_parser *p, const XML_Char **atts)
{
	static const char *const names[HDR_COUNT] = {"to", "from", "id", "version", "lang"};
	struct qname q;
	bool is_xml;

	for (size_t i = 0; atts[i] != NULL; i += 2) {
		split_name(atts[i], &q);
		if (!qname_ok(p, &q))
			return false;
		is_xml = slice_is(q.ns, q.ns_len, XML_NS_XML);
		for (int f = 0; f < HDR_COUNT; f++) {
			if ((f == HDR_LANG) != is_xml || (q.ns_len != 0 && !is_xml) ||
			    !slice_is(q.local, q.local_len, names[f]))
				continue;
			free(p->hdr[f]);
			p->hdr[f] = xstrdup(atts[i + 1]);
		}
	}
	return true;
}

/* <stream:stream> on TCP: checks names and namespaces, reports it. */
static void stream_root_start(struct xml_parser *p, const XML_Char *name, const XML_Char **atts)
{
	struct qname q;
	struct xml_stream_header h;
	enum xml_parser_action act = XML_PARSER_CONTINUE;

	split_name(name, &q);
	if (!slice_is(q.ns, q.ns_len, XMPP_NS_STREAMS) ||
	    !slice_is(q.local, q.local_len, "stream")) {
		xml_parser_fail(p, STREAM_ERR_INVALID_NAMESPACE,
		                "expected <stream:stream> in " XMPP_NS_STREAMS);
		return;
	}
	if (q.prefix == NULL) {
		xml_parser_fail(p, STREAM_ERR_BAD_NAMESPACE_PREFIX,
		                "the stream element needs the stream: prefix");
		return;
	}
	if (!p->root_default_seen || strcmp(p->root_default_ns, p->content_ns) != 0) {
		xml_parser_fail(p, STREAM_ERR_INVALID_NAMESPACE, "the default namespace must be %s",
		                p->content_ns);
		return;
	}
	if (!collect_header(p, atts))
		return;
	h = (struct xml_stream_header){
	    p->hdr[HDR_TO],   p->hdr[HDR_FROM],   p->hdr[HDR_ID], p->hdr[HDR_VERSION],
	    p->hdr[HDR_LANG], p->root_default_ns, false};
	p->state = PARSER_OPEN;
	p->mark = xml_parser_event_end(p);
	if (p->cb->on_header != NULL)
		act = p->cb->on_header(p->ctx, &h);
	xml_parser_clear_header(p);
	if (act == XML_PARSER_STOP)
		xml_parser_request_stop(p);
}

/* Framing: is this root element <open/> or <close/>? Records it if so. */
static bool framing_control(struct xml_parser *p, const XML_Char *name, const XML_Char **atts)
{
	struct qname q;

	split_name(name, &q);
	if (!slice_is(q.ns, q.ns_len, XMPP_NS_FRAMING))
		return false;
	if (slice_is(q.local, q.local_len, "open")) {
		p->frame = FRAME_OPEN;
		collect_header(p, atts);
		return true;
	}
	if (slice_is(q.local, q.local_len, "close")) {
		p->frame = FRAME_CLOSE;
		return true;
	}
	return false;
}

/* Moves pending character data into the current element. */
static bool flush_text(struct xml_parser *p)
{
	if (p->text_len == 0 || p->cur == NULL)
		return true;
	if (xml_elem_add_text(p->cur, p->text, p->text_len) < 0) {
		fail_memory(p);
		return false;
	}
	p->text_len = 0;
	return true;
}

/* Checks the structural limits for a new element at stanza depth sd. */
static bool stanza_shape_ok(struct xml_parser *p, unsigned sd)
{
	if (sd > p->limits.depth) {
		xml_parser_fail(p, STREAM_ERR_POLICY_VIOLATION,
		                "stanza nested too deeply (limit %u)", p->limits.depth);
		return false;
	}
	if (p->doc != NULL && xml_doc_elem_count(p->doc) >= p->limits.elements) {
		xml_parser_fail(p, STREAM_ERR_POLICY_VIOLATION,
		                "too many elements in a stanza (limit %u)", p->limits.elements);
		return false;
	}
	if (p->cur != NULL && xml_elem_child_count(p->cur) >= p->limits.children) {
		xml_parser_fail(p, STREAM_ERR_POLICY_VIOLATION,
		                "too many child elements (limit %u)", p->limits.children);
		return false;
	}
	return true;
}

static bool add_attrs(struct xml_parser *p, struct xml_elem *elem, const XML_Char **atts)
{
	struct qname q;
	size_t vlen;

	for (size_t i = 0; atts[i] != NULL; i += 2) {
		split_name(atts[i], &q);
		if (!qname_ok(p, &q))
			return false;
		vlen = strlen(atts[i + 1]);
		if (vlen > p->limits.attr_value_bytes) {
			xml_parser_fail(p, STREAM_ERR_POLICY_VIOLATION,
			                "attribute value too long (limit %zu bytes)",
			                p->limits.attr_value_bytes);
			return false;
		}
		if (xml_elem_add_attr_n(elem, q.ns, q.ns_len, q.local, q.local_len, atts[i + 1],
		                        vlen) < 0) {
			fail_memory(p);
			return false;
		}
	}
	return true;
}

/* An element inside a stanza, or a stanza's root (sd == 1). */
static void stanza_elem_start(struct xml_parser *p, unsigned sd, const XML_Char *name,
                              const XML_Char **atts, unsigned decls)
{
	struct qname q;
	struct xml_elem *elem;

	if (!stanza_shape_ok(p, sd) || !attr_count_ok(p, atts, decls) || !flush_text(p))
		return;
	split_name(name, &q);
	if (!qname_ok(p, &q))
		return;
	if (sd == 1) {
		p->stanza_start = (uint64_t)XML_GetCurrentByteIndex(p->xp);
		p->doc = xml_doc_new(p->limits.stanza_memory);
	}
	elem = xml_elem_new_n(p->doc, p->cur, q.ns, q.ns_len, q.local, q.local_len);
	if (elem == NULL) {
		fail_memory(p);
		return;
	}
	if (!add_attrs(p, elem, atts))
		return;
	p->cur = elem;
	p->text_at_depth[sd] = 0;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_parser *p = ud;
	unsigned decls = p->ns_decls;
	unsigned base = p->mode == XML_PARSER_STREAM ? 1 : 0;

	if (p->halted)
		return;
	p->ns_decls = 0;
	if (p->depth == 0 && p->mode == XML_PARSER_STREAM) {
		if (attr_count_ok(p, atts, decls))
			stream_root_start(p, name, atts);
	} else if (p->depth == 0 && framing_control(p, name, atts)) {
		/* <open/> or <close/>: dispatched after the message parsed. */
	} else if (p->frame == FRAME_OPEN || p->frame == FRAME_CLOSE) {
		xml_parser_fail(p, STREAM_ERR_BAD_FORMAT, "<open/> and <close/> have no children");
	} else {
		if (p->depth == 0)
			p->frame = FRAME_STANZA;
		stanza_elem_start(p, p->depth - base + 1, name, atts, decls);
	}
	p->depth++;
}

/* A stanza's root closed: size check, then hand it over (TCP) or keep it
 * for dispatch after the message (framing). */
static void stanza_end(struct xml_parser *p)
{
	uint64_t end = xml_parser_event_end(p);
	struct xml_doc *doc;
	enum xml_parser_action act;

	if (end - p->stanza_start > p->limits.stanza_bytes) {
		xml_parser_fail(p, STREAM_ERR_POLICY_VIOLATION,
		                "stanza too large (limit %zu bytes)", p->limits.stanza_bytes);
		return;
	}
	p->cur = NULL;
	if (p->text_cap > 4096) {
		/* A big text must not stay allocated on an idle connection. */
		free(p->text);
		p->text = NULL;
		p->text_cap = 0;
	}
	if (p->mode == XML_PARSER_FRAMING)
		return;
	doc = p->doc;
	p->doc = NULL;
	p->mark = end;
	act = p->cb->on_stanza(p->ctx, doc);
	if (act == XML_PARSER_STOP)
		xml_parser_request_stop(p);
}

static void stream_end(struct xml_parser *p)
{
	enum xml_parser_action act = XML_PARSER_CONTINUE;

	p->state = PARSER_CLOSED;
	p->mark = xml_parser_event_end(p);
	if (p->cb->on_close != NULL)
		act = p->cb->on_close(p->ctx);
	if (act == XML_PARSER_STOP)
		xml_parser_request_stop(p);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct xml_parser *p = ud;
	unsigned base = p->mode == XML_PARSER_STREAM ? 1 : 0;

	if (p->halted)
		return;
	p->depth--;
	if (p->depth == 0 && p->mode == XML_PARSER_STREAM) {
		stream_end(p);
		return;
	}
	if (p->doc == NULL || p->cur == NULL)
		return; /* framing <open/> or <close/> */
	if (!flush_text(p))
		return;
	if (p->depth == base) {
		stanza_end(p);
		return;
	}
	p->cur = xml_elem_parent(p->cur);
}

static bool all_space(const XML_Char *s, int len)
{
	for (int i = 0; i < len; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	}
	return true;
}

/* Text between stanzas: whitespace keepalives only (RFC 6120 §4.6.1). */
static void stream_level_text(struct xml_parser *p, const XML_Char *s, int len)
{
	if (!all_space(s, len)) {
		xml_parser_fail(p, STREAM_ERR_BAD_FORMAT, "text outside a stanza");
		return;
	}
	p->mark = xml_parser_event_end(p);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct xml_parser *p = ud;
	unsigned base = p->mode == XML_PARSER_STREAM ? 1 : 0;
	size_t *count, need;

	if (p->halted || len <= 0)
		return;
	if (p->cur == NULL) {
		stream_level_text(p, s, len);
		return;
	}
	count = &p->text_at_depth[p->depth - base];
	if ((size_t)len > p->limits.text_bytes - *count) {
		xml_parser_fail(p, STREAM_ERR_POLICY_VIOLATION,
		                "text too long (limit %zu bytes per element)",
		                p->limits.text_bytes);
		return;
	}
	*count += (size_t)len;
	need = p->text_len + (size_t)len;
	if (need > p->text_cap) {
		p->text_cap = need < 256 ? 256 : need * 2;
		p->text = xrealloc(p->text, p->text_cap);
	}
	memcpy(p->text + p->text_len, s, (size_t)len);
	p->text_len = need;
}

/* Counts xmlns declarations against the attribute limit, checks their
 * length, and records the default namespace declared on the root. */
static void XMLCALL on_ns_start(void *ud, const XML_Char *prefix, const XML_Char *uri)
{
	struct xml_parser *p = ud;
	struct qname q = {0};

	if (p->halted)
		return;
	p->ns_decls++;
	q.ns_len = uri == NULL ? 0 : strlen(uri);
	q.prefix_len = prefix == NULL ? 0 : strlen(prefix);
	if (!qname_ok(p, &q))
		return;
	if (p->depth == 0 && prefix == NULL) {
		free(p->root_default_ns);
		p->root_default_ns = xstrdup(uri == NULL ? "" : uri);
		p->root_default_seen = true;
	}
}

void xml_parser_tree_install(struct xml_parser *p)
{
	XML_SetElementHandler(p->xp, on_start, on_end);
	XML_SetCharacterDataHandler(p->xp, on_text);
	XML_SetStartNamespaceDeclHandler(p->xp, on_ns_start);
}
