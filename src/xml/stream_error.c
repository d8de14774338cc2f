/*
 * xmpp/stream_error: see stream_error.h.
 */
#include "xml/stream_error.h"

#include <string.h>

#include "xml/xml_stream.h"

static const char *const cond_names[STREAM_ERR_COUNT] = {
    [STREAM_ERR_BAD_FORMAT] = "bad-format",
    [STREAM_ERR_BAD_NAMESPACE_PREFIX] = "bad-namespace-prefix",
    [STREAM_ERR_CONFLICT] = "conflict",
    [STREAM_ERR_CONNECTION_TIMEOUT] = "connection-timeout",
    [STREAM_ERR_HOST_GONE] = "host-gone",
    [STREAM_ERR_HOST_UNKNOWN] = "host-unknown",
    [STREAM_ERR_IMPROPER_ADDRESSING] = "improper-addressing",
    [STREAM_ERR_INTERNAL_SERVER_ERROR] = "internal-server-error",
    [STREAM_ERR_INVALID_FROM] = "invalid-from",
    [STREAM_ERR_INVALID_NAMESPACE] = "invalid-namespace",
    [STREAM_ERR_INVALID_XML] = "invalid-xml",
    [STREAM_ERR_NOT_AUTHORIZED] = "not-authorized",
    [STREAM_ERR_NOT_WELL_FORMED] = "not-well-formed",
    [STREAM_ERR_POLICY_VIOLATION] = "policy-violation",
    [STREAM_ERR_REMOTE_CONNECTION_FAILED] = "remote-connection-failed",
    [STREAM_ERR_RESET] = "reset",
    [STREAM_ERR_RESOURCE_CONSTRAINT] = "resource-constraint",
    [STREAM_ERR_RESTRICTED_XML] = "restricted-xml",
    [STREAM_ERR_SEE_OTHER_HOST] = "see-other-host",
    [STREAM_ERR_SYSTEM_SHUTDOWN] = "system-shutdown",
    [STREAM_ERR_UNDEFINED_CONDITION] = "undefined-condition",
    [STREAM_ERR_UNSUPPORTED_ENCODING] = "unsupported-encoding",
    [STREAM_ERR_UNSUPPORTED_FEATURE] = "unsupported-feature",
    [STREAM_ERR_UNSUPPORTED_STANZA_TYPE] = "unsupported-stanza-type",
    [STREAM_ERR_UNSUPPORTED_VERSION] = "unsupported-version",
};

const char *stream_error_name(enum stream_error_cond cond)
{
	if ((unsigned)cond >= STREAM_ERR_COUNT)
		return NULL;
	return cond_names[cond];
}

int stream_error_from_name(const char *name, enum stream_error_cond *cond_r)
{
	unsigned i;

	for (i = 0; i < STREAM_ERR_COUNT; i++) {
		if (strcmp(cond_names[i], name) == 0) {
			*cond_r = (enum stream_error_cond)i;
			return 0;
		}
	}
	return -1;
}

/* Writes the error with an optional condition content (see-other-host). */
static int write_error(struct xml_buf *buf, enum stream_error_cond cond, const char *content,
                       const char *text, bool declare_prefix)
{
	size_t start = buf->len;
	const char *name = stream_error_name(cond);

	if (name == NULL)
		return -1;
	xml_buf_append_str(buf, declare_prefix ? "<stream:error xmlns:stream='" XMPP_NS_STREAMS
	                                         "'><"
	                                       : "<stream:error><");
	xml_buf_append_str(buf, name);
	xml_buf_append_str(buf, " xmlns='" XMPP_NS_STREAM_ERRORS "'");
	if (content != NULL) {
		xml_buf_append_str(buf, ">");
		if (xml_buf_append_text(buf, content, strlen(content)) < 0)
			goto fail;
		xml_buf_append_str(buf, "</");
		xml_buf_append_str(buf, name);
		xml_buf_append_str(buf, ">");
	} else {
		xml_buf_append_str(buf, "/>");
	}
	if (text != NULL) {
		xml_buf_append_str(buf, "<text xmlns='" XMPP_NS_STREAM_ERRORS "' xml:lang='en'>");
		if (xml_buf_append_text(buf, text, strlen(text)) < 0)
			goto fail;
		xml_buf_append_str(buf, "</text>");
	}
	xml_buf_append_str(buf, "</stream:error>");
	return 0;
fail:
	xml_buf_truncate(buf, start);
	return -1;
}

int stream_error_write(struct xml_buf *buf, enum stream_error_cond cond, const char *text,
                       bool declare_prefix)
{
	return write_error(buf, cond, NULL, text, declare_prefix);
}

int stream_error_write_see_other_host(struct xml_buf *buf, const char *host, const char *text,
                                      bool declare_prefix)
{
	return write_error(buf, STREAM_ERR_SEE_OTHER_HOST, host, text, declare_prefix);
}
