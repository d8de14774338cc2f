/*
 * xmpp/xml_parser: lifecycle, feeding and refusals. The element and text
 * handlers that build stanzas are in xml_parser_tree.c.
 */
#include "xml/xml_parser.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "xml/xml_parser_internal.h"

/* Bytes given to expat per XML_Parse call: after each slice the parser
 * checks how much input the unfinished stanza holds, so expat never buffers
 * more than a limit plus one slice. */
#define FEED_SLICE 4096
/* Bytes the gate (xml_gate.h) may hold back before feeding anyway. */
#define HOLD_MAX 8192

const struct xml_limits xml_limits_default = {
    .stanza_bytes = 256 * 1024,
    .header_bytes = 4096,
    .depth = 32,
    .attrs = 64,
    .name_bytes = 256,
    .ns_bytes = 1024,
    .attr_value_bytes = 64 * 1024,
    .text_bytes = 256 * 1024,
    .children = 1024,
    .elements = 4096,
    .stanza_memory = 1024 * 1024,
};

void xml_parser_fail(struct xml_parser *p, enum stream_error_cond cond, const char *fmt, ...)
{
	va_list ap;

	if (p->state == PARSER_FAILED)
		return;
	p->state = PARSER_FAILED;
	p->err.cond = cond;
	va_start(ap, fmt);
	/* Truncation only shortens a diagnostic text: acceptable. */
	(void)vsnprintf(p->err_text, sizeof(p->err_text), fmt, ap);
	va_end(ap);
	if (p->in_parse && !p->halted) {
		p->halted = true;
		XML_StopParser(p->xp, XML_FALSE);
	}
}

void xml_parser_request_stop(struct xml_parser *p)
{
	if (p->halted)
		return;
	p->stop_requested = true;
	p->stop_at = xml_parser_event_end(p);
	p->halted = true;
	XML_StopParser(p->xp, XML_FALSE);
}

uint64_t xml_parser_event_end(const struct xml_parser *p)
{
	XML_Index idx = XML_GetCurrentByteIndex(p->xp);
	int count = XML_GetCurrentByteCount(p->xp);

	return (uint64_t)(idx < 0 ? 0 : idx) + (uint64_t)(count < 0 ? 0 : count);
}

void xml_parser_clear_header(struct xml_parser *p)
{
	for (int i = 0; i < HDR_COUNT; i++) {
		free(p->hdr[i]);
		p->hdr[i] = NULL;
	}
	free(p->root_default_ns);
	p->root_default_ns = NULL;
	p->root_default_seen = false;
}

/* --- RFC 6120 §11.1 refusals. Each handler stops the parse at once, so no
 * DTD is ever read and no entity is ever expanded. --- */

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
	xml_parser_fail(ud, STREAM_ERR_RESTRICTED_XML, "DTD not allowed (RFC 6120 11.1)");
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
                                   const XML_Char *value, int value_len, const XML_Char *base,
                                   const XML_Char *sysid, const XML_Char *pubid,
                                   const XML_Char *notation)
{
	xml_parser_fail(ud, STREAM_ERR_RESTRICTED_XML, "entity declaration not allowed");
}

static void XMLCALL on_unparsed_entity(void *ud, const XML_Char *name, const XML_Char *base,
                                       const XML_Char *sysid, const XML_Char *pubid,
                                       const XML_Char *notation)
{
	xml_parser_fail(ud, STREAM_ERR_RESTRICTED_XML, "unparsed entity not allowed");
}

static void XMLCALL on_notation(void *ud, const XML_Char *name, const XML_Char *base,
                                const XML_Char *sysid, const XML_Char *pubid)
{
	xml_parser_fail(ud, STREAM_ERR_RESTRICTED_XML, "notation not allowed");
}

static int XMLCALL on_external_entity(XML_Parser xp, const XML_Char *context, const XML_Char *base,
                                      const XML_Char *sysid, const XML_Char *pubid)
{
	xml_parser_fail(XML_GetUserData(xp), STREAM_ERR_RESTRICTED_XML,
	                "external entity not allowed");
	return XML_STATUS_ERROR;
}

static void XMLCALL on_skipped_entity(void *ud, const XML_Char *name, int is_param)
{
	xml_parser_fail(ud, STREAM_ERR_RESTRICTED_XML, "entity reference not allowed");
}

static void XMLCALL on_comment(void *ud, const XML_Char *data)
{
	xml_parser_fail(ud, STREAM_ERR_RESTRICTED_XML, "comment not allowed (RFC 6120 11.1)");
}

static void XMLCALL on_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
	xml_parser_fail(ud, STREAM_ERR_RESTRICTED_XML,
	                "processing instruction not allowed (RFC 6120 11.1)");
}

/* RFC 6120 §11.6: UTF-8 only. The parser is created with UTF-8 forced, so
 * expat would ignore another declared encoding; refuse it explicitly. */
static void XMLCALL on_xml_decl(void *ud, const XML_Char *version, const XML_Char *encoding,
                                int standalone)
{
	if (encoding != NULL && strcasecmp(encoding, "UTF-8") != 0)
		xml_parser_fail(ud, STREAM_ERR_UNSUPPORTED_ENCODING,
		                "only UTF-8 is supported (RFC 6120 11.6)");
}

/* (Re)installs every handler: XML_ParserReset clears them. */
static void parser_setup(struct xml_parser *p)
{
	XML_SetUserData(p->xp, p);
	XML_SetParamEntityParsing(p->xp, XML_PARAM_ENTITY_PARSING_NEVER);
	XML_SetStartDoctypeDeclHandler(p->xp, on_doctype);
	XML_SetEntityDeclHandler(p->xp, on_entity_decl);
	XML_SetUnparsedEntityDeclHandler(p->xp, on_unparsed_entity);
	XML_SetNotationDeclHandler(p->xp, on_notation);
	XML_SetExternalEntityRefHandler(p->xp, on_external_entity);
	XML_SetSkippedEntityHandler(p->xp, on_skipped_entity);
	XML_SetCommentHandler(p->xp, on_comment);
	XML_SetProcessingInstructionHandler(p->xp, on_pi);
	XML_SetXmlDeclHandler(p->xp, on_xml_decl);
#ifdef IRIS_HAVE_XML_REPARSE_DEFERRAL
	/* Deferral would hold complete stanzas back; xml_gate.h replaces it. */
	XML_SetReparseDeferralEnabled(p->xp, XML_FALSE);
#endif
	xml_parser_tree_install(p);
}

/* Throws away everything about the current stream (not the error). */
static void parser_reset_state(struct xml_parser *p)
{
	if (!XML_ParserReset(p->xp, "UTF-8"))
		abort(); /* only fails for external-entity child parsers */
	parser_setup(p);
	xml_doc_free(&p->doc);
	p->cur = NULL;
	p->text_len = 0;
	p->depth = 0;
	p->ns_decls = 0;
	p->fed = 0;
	p->mark = 0;
	p->stanza_start = 0;
	p->halted = false;
	p->stop_requested = false;
	p->frame = FRAME_NONE;
	p->hold_len = 0;
	xml_gate_reset(&p->gate);
	xml_parser_clear_header(p);
}

struct xml_parser *xml_parser_new(const struct xml_parser_settings *settings,
                                  const struct xml_parser_callbacks *callbacks, void *ctx)
{
	struct xml_parser *p = xcalloc(1, sizeof(*p));
	const char sep[2] = {XML_PARSER_NS_SEP, '\0'};

	p->mode = settings != NULL ? settings->mode : XML_PARSER_STREAM;
	p->limits =
	    settings != NULL && settings->limits != NULL ? *settings->limits : xml_limits_default;
	p->content_ns =
	    xstrdup(settings != NULL && settings->content_ns != NULL ? settings->content_ns
	                                                             : XMPP_NS_CLIENT);
	p->cb = callbacks;
	p->ctx = ctx;
	p->text_at_depth = xcalloc((size_t)p->limits.depth + 2, sizeof(*p->text_at_depth));
	p->xp = XML_ParserCreateNS("UTF-8", sep[0]);
	if (p->xp == NULL)
		abort();
	XML_SetReturnNSTriplet(p->xp, 1);
	parser_setup(p);
	p->state = PARSER_WANT_HEADER;
	p->err.cond = STREAM_ERR_UNDEFINED_CONDITION;
	p->err.text = p->err_text;
	return p;
}

void xml_parser_free(struct xml_parser **parser_p)
{
	struct xml_parser *p = *parser_p;

	if (p == NULL)
		return;
	XML_ParserFree(p->xp);
	xml_doc_free(&p->doc);
	xml_parser_clear_header(p);
	free(p->text_at_depth);
	free(p->text);
	free(p->hold);
	free(p->content_ns);
	free(p);
	*parser_p = NULL;
}

void xml_parser_restart(struct xml_parser *p)
{
	assert(!p->in_parse);
	if (p->state == PARSER_FAILED)
		return;
	parser_reset_state(p);
	p->state = PARSER_WANT_HEADER;
}

const struct xml_parser_error *xml_parser_error(const struct xml_parser *p)
{
	return &p->err;
}

bool xml_parser_stream_open(const struct xml_parser *p)
{
	return p->state == PARSER_OPEN;
}

/* Maps an expat error our handlers did not raise to a stream error. */
static void fail_from_expat(struct xml_parser *p)
{
	enum XML_Error code = XML_GetErrorCode(p->xp);
	enum stream_error_cond cond = STREAM_ERR_NOT_WELL_FORMED;

	switch (code) {
	case XML_ERROR_UNBOUND_PREFIX:
	case XML_ERROR_RESERVED_PREFIX_XML:
	case XML_ERROR_RESERVED_PREFIX_XMLNS:
	case XML_ERROR_RESERVED_NAMESPACE_URI:
		cond = STREAM_ERR_BAD_NAMESPACE_PREFIX;
		break;
	case XML_ERROR_UNDEFINED_ENTITY:
	case XML_ERROR_RECURSIVE_ENTITY_REF:
	case XML_ERROR_BINARY_ENTITY_REF:
	case XML_ERROR_ATTRIBUTE_EXTERNAL_ENTITY_REF:
	case XML_ERROR_EXTERNAL_ENTITY_HANDLING:
	case XML_ERROR_ENTITY_DECLARED_IN_PE:
	case XML_ERROR_NOT_STANDALONE:
	case XML_ERROR_AMPLIFICATION_LIMIT_BREACH:
		cond = STREAM_ERR_RESTRICTED_XML;
		break;
	case XML_ERROR_UNKNOWN_ENCODING:
	case XML_ERROR_INCORRECT_ENCODING:
		cond = STREAM_ERR_UNSUPPORTED_ENCODING;
		break;
	case XML_ERROR_NO_MEMORY:
		cond = STREAM_ERR_RESOURCE_CONSTRAINT;
		break;
	default:
		break;
	}
	xml_parser_fail(p, cond, "XML error: %s", XML_ErrorString(code));
}

/* After each slice: refuses input that cannot fit the limits any more.
 * Inside a stanza every byte fed since its '<' belongs to it, so the test
 * is exact; between stanzas the pending bytes are at most whitespace expat
 * has not reported yet plus the next stanza's opening. */
static void check_pending(struct xml_parser *p)
{
	if (p->state == PARSER_WANT_HEADER && p->fed - p->mark > p->limits.header_bytes)
		xml_parser_fail(p, STREAM_ERR_POLICY_VIOLATION,
		                "stream header too large (limit %zu bytes)",
		                p->limits.header_bytes);
	else if (p->doc != NULL && p->fed - p->stanza_start > p->limits.stanza_bytes)
		xml_parser_fail(p, STREAM_ERR_POLICY_VIOLATION,
		                "stanza too large (limit %zu bytes)", p->limits.stanza_bytes);
	else if (p->doc == NULL && p->fed - p->mark > p->limits.stanza_bytes)
		xml_parser_fail(p, STREAM_ERR_POLICY_VIOLATION,
		                "stanza too large (limit %zu bytes)", p->limits.stanza_bytes);
}

/* One XML_Parse call; returns -1 when the stream failed. */
static int parse_slice(struct xml_parser *p, const char *data, size_t len, bool final)
{
	enum XML_Status st;

	p->fed += len;
	p->in_parse = true;
	st = XML_Parse(p->xp, data, (int)len, final);
	p->in_parse = false;
	if (p->state == PARSER_FAILED)
		return -1;
	if (st != XML_STATUS_OK && !p->stop_requested) {
		fail_from_expat(p);
		return -1;
	}
	return 0;
}

/* Gives len bytes to expat in slices, checking limits after each.
 * Returns -1 (failed), 0 (all parsed) or 1 (a callback stopped). */
static int feed_expat(struct xml_parser *p, const char *bytes, size_t len)
{
	size_t off = 0, n;

	while (off < len) {
		n = len - off < FEED_SLICE ? len - off : FEED_SLICE;
		if (parse_slice(p, bytes + off, n, false) < 0)
			return -1;
		if (p->stop_requested)
			return 1;
		check_pending(p);
		if (p->state == PARSER_FAILED)
			return -1;
		off += n;
	}
	return 0;
}

static void hold_append(struct xml_parser *p, const void *data, size_t len)
{
	if (len == 0)
		return;
	if (p->hold_cap < p->hold_len + len) {
		/* Grows by doubling: most holds are a few bytes of a tag. */
		p->hold_cap = p->hold_cap == 0 ? 64 : p->hold_cap;
		while (p->hold_cap < p->hold_len + len)
			p->hold_cap *= 2;
		p->hold = xrealloc(p->hold, p->hold_cap);
	}
	memcpy(p->hold + p->hold_len, data, len);
	p->hold_len += len;
}

int xml_parser_feed(struct xml_parser *p, const void *data, size_t len, size_t *consumed_r)
{
	uint64_t base = p->fed + p->hold_len; /* stream offset of data[0] */
	enum xml_gate_result gate;
	size_t held = p->hold_len;
	int rc = 0;

	assert(p->mode == XML_PARSER_STREAM && !p->in_parse);
	assert(p->state != PARSER_STOPPED);
	if (consumed_r != NULL)
		*consumed_r = 0;
	if (p->state == PARSER_FAILED)
		return -1;
	gate = xml_gate_scan(&p->gate, data, len);
	if (gate == GATE_COMMENT) {
		xml_parser_fail(p, STREAM_ERR_RESTRICTED_XML,
		                "comment not allowed (RFC 6120 11.1)");
		return -1;
	}
	if (gate == GATE_HOLD && held + len <= HOLD_MAX) {
		hold_append(p, data, len);
		if (consumed_r != NULL)
			*consumed_r = len;
		return 0;
	}
	p->hold_len = 0;
	if (held > 0)
		rc = feed_expat(p, p->hold, held);
	if (p->hold_cap > 1024) {
		/* Idle connections keep no large hold buffer. */
		free(p->hold);
		p->hold = NULL;
		p->hold_cap = 0;
	}
	if (rc == 0)
		rc = feed_expat(p, data, len);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		/* An event in bytes held from an earlier call (only possible on
		 * input the gate cannot follow) counts as consumed there. */
		p->state = PARSER_STOPPED;
		if (consumed_r != NULL)
			*consumed_r = p->stop_at > base ? (size_t)(p->stop_at - base) : 0;
		return 1;
	}
	if (consumed_r != NULL)
		*consumed_r = len;
	return 0;
}

/* Hands a framing message's element to the callbacks. */
static int dispatch_frame(struct xml_parser *p)
{
	struct xml_stream_header h = {0};
	enum xml_parser_action act = XML_PARSER_CONTINUE;
	struct xml_doc *doc;

	if (p->frame == FRAME_OPEN) {
		if (p->state != PARSER_WANT_HEADER) {
			xml_parser_fail(p, STREAM_ERR_BAD_FORMAT, "<open/> on an open stream");
			return -1;
		}
		h = (struct xml_stream_header){p->hdr[HDR_TO],
		                               p->hdr[HDR_FROM],
		                               p->hdr[HDR_ID],
		                               p->hdr[HDR_VERSION],
		                               p->hdr[HDR_LANG],
		                               NULL,
		                               true};
		p->state = PARSER_OPEN;
		if (p->cb->on_header != NULL)
			act = p->cb->on_header(p->ctx, &h);
	} else if (p->state != PARSER_OPEN) {
		xml_parser_fail(p,
		                p->state == PARSER_WANT_HEADER ? STREAM_ERR_INVALID_NAMESPACE
		                                               : STREAM_ERR_BAD_FORMAT,
		                "expected <open xmlns='" XMPP_NS_FRAMING "'/>");
		return -1;
	} else if (p->frame == FRAME_CLOSE) {
		p->state = PARSER_CLOSED;
		if (p->cb->on_close != NULL)
			act = p->cb->on_close(p->ctx);
	} else {
		doc = p->doc;
		p->doc = NULL;
		act = p->cb->on_stanza(p->ctx, doc);
	}
	if (act == XML_PARSER_STOP) {
		p->state = PARSER_STOPPED;
		return 1;
	}
	return 0;
}

/* Framing: a stanza message may take stanza_bytes, <open/> and <close/>
 * header_bytes; before parsing only the larger bound is known. */
static bool frame_size_ok(struct xml_parser *p, size_t len)
{
	size_t limit = p->frame == FRAME_STANZA ? p->limits.stanza_bytes : p->limits.header_bytes;

	if (p->frame == FRAME_NONE)
		limit = p->limits.stanza_bytes > p->limits.header_bytes ? p->limits.stanza_bytes
		                                                        : p->limits.header_bytes;
	if (len <= limit && len <= INT32_MAX)
		return true;
	xml_parser_fail(
	    p, STREAM_ERR_POLICY_VIOLATION, "%s too large (limit %zu bytes)",
	    p->frame == FRAME_STANZA || p->frame == FRAME_NONE ? "stanza" : "stream header", limit);
	return false;
}

int xml_parser_feed_message(struct xml_parser *p, const void *data, size_t len)
{
	enum xml_parser_state state = p->state;
	int ret = -1;

	assert(p->mode == XML_PARSER_FRAMING && !p->in_parse);
	assert(p->state != PARSER_STOPPED);
	if (p->state == PARSER_FAILED)
		return -1;
	/* Each message is a document of its own. */
	parser_reset_state(p);
	p->state = state;
	if (!frame_size_ok(p, len) || parse_slice(p, data, len, true) < 0 || !frame_size_ok(p, len))
		goto out;
	ret = dispatch_frame(p);
out:
	xml_parser_clear_header(p);
	xml_doc_free(&p->doc);
	return ret;
}
