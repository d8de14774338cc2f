/*
 * xmpp/stream_error: the stream error conditions of RFC 6120 §4.9.3 and
 * the exact XML that reports one before the stream is closed.
 *
 * A stream error ends the stream: the caller appends the error, then the
 * stream close (xml_stream_write_close), flushes and closes the transport.
 * If the error is about the peer's stream header, RFC 6120 §4.9.1.3 wants
 * our own stream header sent first; that is the connection code's job.
 */
#ifndef IRIS_XMPP_STREAM_ERROR_H
#define IRIS_XMPP_STREAM_ERROR_H

#include <stdbool.h>

#include "xml/xml_buf.h"

enum stream_error_cond {
	STREAM_ERR_BAD_FORMAT = 0,
	STREAM_ERR_BAD_NAMESPACE_PREFIX,
	STREAM_ERR_CONFLICT,
	STREAM_ERR_CONNECTION_TIMEOUT,
	STREAM_ERR_HOST_GONE,
	STREAM_ERR_HOST_UNKNOWN,
	STREAM_ERR_IMPROPER_ADDRESSING,
	STREAM_ERR_INTERNAL_SERVER_ERROR,
	STREAM_ERR_INVALID_FROM,
	STREAM_ERR_INVALID_NAMESPACE,
	STREAM_ERR_INVALID_XML,
	STREAM_ERR_NOT_AUTHORIZED,
	STREAM_ERR_NOT_WELL_FORMED,
	STREAM_ERR_POLICY_VIOLATION,
	STREAM_ERR_REMOTE_CONNECTION_FAILED,
	STREAM_ERR_RESET,
	STREAM_ERR_RESOURCE_CONSTRAINT,
	STREAM_ERR_RESTRICTED_XML,
	STREAM_ERR_SEE_OTHER_HOST,
	STREAM_ERR_SYSTEM_SHUTDOWN,
	STREAM_ERR_UNDEFINED_CONDITION,
	STREAM_ERR_UNSUPPORTED_ENCODING,
	STREAM_ERR_UNSUPPORTED_FEATURE,
	STREAM_ERR_UNSUPPORTED_STANZA_TYPE,
	STREAM_ERR_UNSUPPORTED_VERSION,
	STREAM_ERR_COUNT
};

/* The element name of a condition ("not-well-formed"); NULL if out of range. */
const char *stream_error_name(enum stream_error_cond cond);
/* Looks a condition up by element name; 0, or -1 when unknown. */
int stream_error_from_name(const char *name, enum stream_error_cond *cond_r);

/*
 * Appends <stream:error><COND xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>
 * [<text xmlns=... xml:lang='en'>TEXT</text>]</stream:error>.
 *
 * text may be NULL. declare_prefix adds xmlns:stream on the error element:
 * required with WebSocket framing (RFC 7395 §3.6), where no enclosing
 * <stream:stream> declares the prefix. For STREAM_ERR_SEE_OTHER_HOST use
 * stream_error_write_see_other_host(). Returns -1 (buffer unchanged) when
 * text is not valid XML characters or cond is out of range.
 */
int stream_error_write(struct xml_buf *buf, enum stream_error_cond cond, const char *text,
                       bool declare_prefix);

/* Appends a <see-other-host/> error whose content is host (a domain, an
 * IPv4 address or a bracketed IPv6 address, optionally with :port). */
int stream_error_write_see_other_host(struct xml_buf *buf, const char *host, const char *text,
                                      bool declare_prefix);

#endif
