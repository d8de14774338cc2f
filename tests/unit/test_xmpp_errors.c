/*
 * Unit tests for xmpp/stream_error, xmpp/stanza_error and xmpp/stanza.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "xml/stanza.h"
#include "xml/stanza_error.h"
#include "xml/stream_error.h"
#include "xml/xml_parser.h"
#include "xml/xml_writer.h"

static void test_stream_error_names(void **state)
{
	static const char *const all[] = {
	    "bad-format",
	    "bad-namespace-prefix",
	    "conflict",
	    "connection-timeout",
	    "host-gone",
	    "host-unknown",
	    "improper-addressing",
	    "internal-server-error",
	    "invalid-from",
	    "invalid-namespace",
	    "invalid-xml",
	    "not-authorized",
	    "not-well-formed",
	    "policy-violation",
	    "remote-connection-failed",
	    "reset",
	    "resource-constraint",
	    "restricted-xml",
	    "see-other-host",
	    "system-shutdown",
	    "undefined-condition",
	    "unsupported-encoding",
	    "unsupported-feature",
	    "unsupported-stanza-type",
	    "unsupported-version",
	};
	enum stream_error_cond c;

	assert_int_equal(sizeof(all) / sizeof(all[0]), STREAM_ERR_COUNT);
	for (unsigned i = 0; i < STREAM_ERR_COUNT; i++) {
		assert_string_equal(stream_error_name((enum stream_error_cond)i), all[i]);
		assert_int_equal(stream_error_from_name(all[i], &c), 0);
		assert_int_equal(c, i);
	}
	assert_null(stream_error_name(STREAM_ERR_COUNT));
	assert_int_equal(stream_error_from_name("nope", &c), -1);
}

static void test_stream_error_xml(void **state)
{
	struct xml_buf b = XML_BUF_INIT;

	assert_int_equal(stream_error_write(&b, STREAM_ERR_NOT_WELL_FORMED, NULL, false), 0);
	assert_string_equal(xml_buf_cstr(&b),
	                    "<stream:error><not-well-formed "
	                    "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
	xml_buf_reset(&b);
	assert_int_equal(stream_error_write(&b, STREAM_ERR_POLICY_VIOLATION,
	                                    "stanza too large (limit 262144 bytes) <&>", true),
	                 0);
	assert_string_equal(xml_buf_cstr(&b),
	                    "<stream:error xmlns:stream='http://etherx.jabber.org/streams'>"
	                    "<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
	                    "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>"
	                    "stanza too large (limit 262144 bytes) &lt;&amp;&gt;</text>"
	                    "</stream:error>");
	xml_buf_reset(&b);
	assert_int_equal(stream_error_write_see_other_host(&b, "[2001:db8::1]:5222", NULL, false),
	                 0);
	assert_string_equal(xml_buf_cstr(&b),
	                    "<stream:error><see-other-host "
	                    "xmlns='urn:ietf:params:xml:ns:xmpp-streams'>[2001:db8::1]:5222"
	                    "</see-other-host></stream:error>");
	xml_buf_reset(&b);
	assert_int_equal(stream_error_write(&b, STREAM_ERR_COUNT, NULL, false), -1);
	assert_int_equal(stream_error_write(&b, STREAM_ERR_RESET, "\x01", false), -1);
	assert_int_equal(b.len, 0);
	xml_buf_free(&b);
}

/* Every stream error we write parses as a stanza of a stream. */
static enum xml_parser_action count_stanza(void *ctx, struct xml_doc *doc)
{
	struct xml_elem *root = xml_doc_root(doc);

	assert_true(xml_elem_is(root, XMPP_NS_STREAMS, "error"));
	assert_non_null(xml_elem_find(root, XMPP_NS_STREAM_ERRORS, NULL));
	(*(int *)ctx)++;
	xml_doc_free(&doc);
	return XML_PARSER_CONTINUE;
}

static void test_stream_errors_parse(void **state)
{
	static const struct xml_parser_callbacks cb = {NULL, count_stanza, NULL};
	struct xml_buf b = XML_BUF_INIT;
	int n = 0;
	struct xml_parser *p = xml_parser_new(NULL, &cb, &n);

	xml_buf_append_str(&b, "<stream:stream xmlns='jabber:client' "
	                       "xmlns:stream='http://etherx.jabber.org/streams'>");
	for (unsigned i = 0; i < STREAM_ERR_COUNT; i++)
		assert_int_equal(stream_error_write(&b, (enum stream_error_cond)i, "why", false),
		                 0);
	assert_int_equal(xml_parser_feed(p, b.data, b.len, NULL), 0);
	assert_int_equal(n, STREAM_ERR_COUNT);
	xml_parser_free(&p);
	xml_buf_free(&b);
}

static void test_stanza_error_reply(void **state)
{
	struct xml_doc *orig =
	    stanza_new(STANZA_IQ, NULL, "get", "example.com", "juliet@example.com/balcony", "q1");
	struct stanza_error err = {STANZA_ERR_TYPE_CANCEL, STANZA_ERR_SERVICE_UNAVAILABLE,
	                           "not here", NULL, NULL};
	struct xml_doc *reply;
	struct xml_buf b = XML_BUF_INIT;

	xml_elem_new(orig, xml_doc_root(orig), "urn:secret", "payload");
	reply = stanza_error_reply(xml_doc_root(orig), &err);
	assert_non_null(reply);
	assert_int_equal(xml_writer_write(&b, xml_doc_root(reply), XMPP_NS_CLIENT, true), 0);
	assert_string_equal(xml_buf_cstr(&b),
	                    "<iq from='example.com' to='juliet@example.com/balcony' id='q1' "
	                    "type='error'><error type='cancel'><service-unavailable "
	                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
	                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>not here"
	                    "</text></error></iq>");
	assert_int_equal(stanza_kind(xml_doc_root(reply)), STANZA_IQ);
	assert_string_equal(stanza_type(xml_doc_root(reply)), "error");
	/* Never answer an error with an error. */
	assert_null(stanza_error_reply(xml_doc_root(reply), &err));
	xml_doc_free(&reply);
	xml_doc_free(&orig);

	/* Without from/to; with by and a redirect URI. */
	orig = stanza_new(STANZA_MESSAGE, NULL, NULL, NULL, NULL, NULL);
	err = (struct stanza_error){STANZA_ERR_TYPE_MODIFY, STANZA_ERR_REDIRECT, NULL,
	                            "example.com", "xmpp:other@example.com"};
	reply = stanza_error_reply(xml_doc_root(orig), &err);
	xml_buf_reset(&b);
	assert_int_equal(xml_writer_write(&b, xml_doc_root(reply), XMPP_NS_CLIENT, true), 0);
	assert_string_equal(xml_buf_cstr(&b),
	                    "<message type='error'><error type='modify' by='example.com'><redirect "
	                    "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:other@example.com"
	                    "</redirect></error></message>");
	xml_doc_free(&reply);
	err.cond = STANZA_ERR_COUNT;
	assert_null(stanza_error_reply(xml_doc_root(orig), &err));
	xml_doc_free(&orig);
	xml_buf_free(&b);
}

/* RFC 6120 §8.1.2.1: a result comes from the address the query was sent
 * to (the domain, a bare JID), and has no from when the query had no to. */
static void test_stanza_iq_result(void **state)
{
	struct xml_doc *orig =
	    stanza_new(STANZA_IQ, NULL, "get", "ada@example.com", "bob@example.com/pc", "v1");
	struct xml_doc *reply = stanza_iq_result(xml_doc_root(orig), "bob@example.com/pc");
	struct xml_buf b = XML_BUF_INIT;
	assert_int_equal(xml_writer_write(&b, xml_doc_root(reply), XMPP_NS_CLIENT, true), 0);
	assert_string_equal(xml_buf_cstr(&b), "<iq from='ada@example.com' "
	                                      "to='bob@example.com/pc' id='v1' type='result'/>");
	xml_doc_free(&reply);
	xml_doc_free(&orig);
	orig = stanza_new(STANZA_IQ, NULL, "get", NULL, "bob@example.com/pc", "v2");
	reply = stanza_iq_result(xml_doc_root(orig), NULL);
	xml_buf_reset(&b);
	assert_int_equal(xml_writer_write(&b, xml_doc_root(reply), XMPP_NS_CLIENT, true), 0);
	assert_string_equal(xml_buf_cstr(&b), "<iq id='v2' type='result'/>");
	xml_doc_free(&reply);
	xml_doc_free(&orig);
	xml_buf_free(&b);
}

static void test_stanza_error_tables(void **state)
{
	enum stanza_error_cond c;
	enum stanza_error_type t;

	for (unsigned i = 0; i < STANZA_ERR_COUNT; i++) {
		assert_non_null(stanza_error_cond_name((enum stanza_error_cond)i));
		assert_int_equal(stanza_error_cond_from_name(
		                     stanza_error_cond_name((enum stanza_error_cond)i), &c),
		                 0);
		assert_int_equal(c, i);
	}
	assert_int_equal(stanza_error_default_type(STANZA_ERR_FORBIDDEN), STANZA_ERR_TYPE_AUTH);
	assert_int_equal(stanza_error_default_type(STANZA_ERR_BAD_REQUEST), STANZA_ERR_TYPE_MODIFY);
	assert_int_equal(stanza_error_default_type(STANZA_ERR_RESOURCE_CONSTRAINT),
	                 STANZA_ERR_TYPE_WAIT);
	assert_int_equal(stanza_error_type_from_name("continue", &t), 0);
	assert_int_equal(t, STANZA_ERR_TYPE_CONTINUE);
	assert_int_equal(stanza_error_type_from_name("bogus", &t), -1);
	assert_int_equal(stanza_error_cond_from_name("bogus", &c), -1);
}

static void test_stanza_kind(void **state)
{
	struct xml_doc *d = xml_doc_new(0);

	xml_elem_new(d, NULL, "jabber:server", "presence");
	assert_int_equal(stanza_kind(xml_doc_root(d)), STANZA_PRESENCE);
	xml_doc_free(&d);
	d = xml_doc_new(0);
	xml_elem_new(d, NULL, "urn:xmpp:sm:3", "r");
	assert_int_equal(stanza_kind(xml_doc_root(d)), STANZA_OTHER);
	xml_doc_free(&d);
	d = xml_doc_new(0);
	xml_elem_new(d, NULL, "urn:other", "message");
	assert_int_equal(stanza_kind(xml_doc_root(d)), STANZA_OTHER);
	xml_doc_free(&d);
	assert_null(stanza_kind_name(STANZA_OTHER));
	assert_string_equal(stanza_kind_name(STANZA_MESSAGE), "message");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stream_error_names),  cmocka_unit_test(test_stream_error_xml),
	    cmocka_unit_test(test_stream_errors_parse), cmocka_unit_test(test_stanza_error_reply),
	    cmocka_unit_test(test_stanza_iq_result),    cmocka_unit_test(test_stanza_error_tables),
	    cmocka_unit_test(test_stanza_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
