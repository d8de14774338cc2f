/*
 * Unit tests for xmpp/xml_writer and xmpp/xml_stream: escaping, namespace
 * declarations, and parse -> write -> parse round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "xml/xml_parser.h"
#include "xml/xml_writer.h"

static void test_escaping_and_ns(void **state)
{
	struct xml_doc *doc = xml_doc_new(0);
	struct xml_elem *m = xml_elem_new(doc, NULL, "jabber:client", "message");
	struct xml_elem *x;
	struct xml_buf b = XML_BUF_INIT;

	xml_elem_set_attr(m, "id", "a'b\"c<d>&e\nf");
	xml_elem_add_child_text(m, "jabber:client", "body", "x]]>y <z> & \"q\" 'r'\r");
	x = xml_elem_new(doc, m, "urn:x", "x");
	xml_elem_new(doc, x, "", "none");
	xml_elem_set_attr_ns(x, "http://www.w3.org/XML/1998/namespace", "lang", "fr");
	xml_elem_set_attr_ns(x, "urn:attr", "flag", "1");
	assert_int_equal(xml_writer_write(&b, m, XMPP_NS_CLIENT, true), 0);
	assert_string_equal(xml_buf_cstr(&b),
	                    "<message id='a&apos;b&quot;c&lt;d&gt;&amp;e&#10;f'>"
	                    "<body>x]]&gt;y &lt;z&gt; &amp; \"q\" 'r'&#13;</body>"
	                    "<x xmlns='urn:x' xmlns:ns0='urn:attr' xml:lang='fr' ns0:flag='1'>"
	                    "<none xmlns=''/></x></message>");
	/* Outside a stream (framing) the stanza declares its namespace. */
	xml_buf_reset(&b);
	assert_int_equal(xml_writer_write(&b, xml_elem_find(m, NULL, "body"), NULL, false), 0);
	assert_string_equal(xml_buf_cstr(&b),
	                    "<body xmlns='jabber:client'>x]]&gt;y &lt;z&gt; &amp; \"q\" "
	                    "'r'&#13;</body>");
	xml_doc_free(&doc);

	/* Stream-namespace elements get the stream: prefix, declared if needed. */
	doc = xml_doc_new(0);
	m = xml_elem_new(doc, NULL, XMPP_NS_STREAMS, "features");
	xml_elem_new(doc, m, "urn:ietf:params:xml:ns:xmpp-bind", "bind");
	xml_buf_reset(&b);
	assert_int_equal(xml_writer_write(&b, m, XMPP_NS_CLIENT, true), 0);
	assert_string_equal(xml_buf_cstr(&b), "<stream:features><bind "
	                                      "xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
	                                      "</stream:features>");
	xml_buf_reset(&b);
	assert_int_equal(xml_writer_write(&b, m, NULL, false), 0);
	assert_string_equal(xml_buf_cstr(&b),
	                    "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"
	                    "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
	xml_doc_free(&doc);
	xml_buf_free(&b);
}

static void test_refuses_bad_trees(void **state)
{
	struct xml_doc *doc = xml_doc_new(0);
	struct xml_elem *m = xml_elem_new(doc, NULL, "", "m");
	struct xml_buf b = XML_BUF_INIT;

	xml_buf_append_str(&b, "keep");
	xml_elem_add_child_text(m, "", "body", "bad \x01 char");
	assert_int_equal(xml_writer_write(&b, m, NULL, false), -1);
	assert_string_equal(xml_buf_cstr(&b), "keep");
	xml_doc_free(&doc);
	doc = xml_doc_new(0);
	m = xml_elem_new(doc, NULL, "", "m x='1'");
	assert_int_equal(xml_writer_write(&b, m, NULL, false), -1);
	xml_doc_free(&doc);
	doc = xml_doc_new(0);
	m = xml_elem_new(doc, NULL, "", "m");
	xml_elem_set_attr(m, "a='1' b", "2");
	assert_int_equal(xml_writer_write(&b, m, NULL, false), -1);
	assert_string_equal(xml_buf_cstr(&b), "keep");
	xml_doc_free(&doc);
	xml_buf_free(&b);
}

static void test_stream_header(void **state)
{
	struct xml_buf b = XML_BUF_INIT;
	struct xml_stream_header h = {
	    .from = "example.com", .id = "abc'1", .version = "1.0", .lang = "en"};

	assert_int_equal(xml_stream_write_header(&b, &h), 0);
	assert_string_equal(xml_buf_cstr(&b),
	                    "<?xml version='1.0'?><stream:stream "
	                    "xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' "
	                    "id='abc&apos;1' from='example.com' version='1.0' xml:lang='en'>");
	xml_buf_reset(&b);
	xml_stream_write_close(&b, false);
	assert_string_equal(xml_buf_cstr(&b), "</stream:stream>");
	xml_buf_reset(&b);
	h.framing = true;
	h.id = "1";
	assert_int_equal(xml_stream_write_header(&b, &h), 0);
	assert_string_equal(xml_buf_cstr(&b),
	                    "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='1' "
	                    "from='example.com' version='1.0' xml:lang='en'/>");
	xml_buf_reset(&b);
	xml_stream_write_close(&b, true);
	assert_string_equal(xml_buf_cstr(&b),
	                    "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
	xml_buf_reset(&b);
	h.to = "\x02";
	assert_int_equal(xml_stream_write_header(&b, &h), -1);
	assert_int_equal(b.len, 0);
	xml_buf_free(&b);
}

/* --- round trips --- */

struct keep {
	struct xml_doc *docs[16];
	int n;
};

static enum xml_parser_action keep_stanza(void *ctx, struct xml_doc *doc)
{
	struct keep *k = ctx;

	assert_true(k->n < 16);
	k->docs[k->n++] = doc;
	return XML_PARSER_CONTINUE;
}

static const struct xml_parser_callbacks keep_cb = {NULL, keep_stanza, NULL};

#define HEADER                                                                                     \
	"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "    \
	"xmlns:db='jabber:server:dialback'>"

static void parse_into(struct keep *k, const char *data, size_t len)
{
	struct xml_parser *p = xml_parser_new(NULL, &keep_cb, k);

	if (xml_parser_feed(p, data, len, NULL) != 0)
		fail_msg("parse failed: %s", xml_parser_error(p)->text);
	xml_parser_free(&p);
}

static const char *const round_trip_inputs[] = {
    "<message to='a@b/c' type='chat' id='x&amp;y&apos;z&quot;'><body>line1\nline2\r\n"
    "tab\there &lt;&gt;&amp; ]]&gt; \xf0\x9f\x98\x80</body><thread>t</thread></message>",
    "<message><html xmlns='http://jabber.org/protocol/xhtml-im'><body "
    "xmlns='http://www.w3.org/1999/xhtml'><p>Hello <b>big</b> <i>world</i>!</p></body>"
    "</html></message>",
    "<iq type='result' id='r'><query xmlns='jabber:iq:roster' ver='1'><item jid='a@b' "
    "name='A &amp; B'><group>G</group></item><item jid='c@d'/></query></iq>",
    "<presence xml:lang='de'><status>  spaced  </status><x xmlns='urn:x' "
    "xmlns:p='urn:p' p:attr='v\t&#10;&#13;w' plain='1'><y xmlns=''/></x></presence>",
    "<db:result from='a' to='b'>key</db:result>",
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
    "</starttls></stream:features>",
    "<iq xmlns:foo='urn:foo' type='set'><foo:query><foo:item/></foo:query></iq>",
};

static void test_round_trip(void **state)
{
	for (size_t i = 0; i < sizeof(round_trip_inputs) / sizeof(round_trip_inputs[0]); i++) {
		struct keep first = {0}, second = {0};
		struct xml_buf in = XML_BUF_INIT, out = XML_BUF_INIT;

		xml_buf_append_str(&in, HEADER);
		xml_buf_append_str(&in, round_trip_inputs[i]);
		parse_into(&first, in.data, in.len);
		assert_int_equal(first.n, 1);
		xml_buf_append_str(&out, HEADER);
		assert_int_equal(
		    xml_writer_write(&out, xml_doc_root(first.docs[0]), XMPP_NS_CLIENT, true), 0);
		parse_into(&second, out.data, out.len);
		assert_int_equal(second.n, 1);
		if (!xml_elem_equal(xml_doc_root(first.docs[0]), xml_doc_root(second.docs[0])))
			fail_msg("round trip %zu differs: %s", i, out.data);
		/* Also through framing-style output (no scope). */
		xml_buf_reset(&out);
		assert_int_equal(xml_writer_write(&out, xml_doc_root(first.docs[0]), NULL, false),
		                 0);
		xml_doc_free(&second.docs[0]);
		second.n = 0;
		{
			struct xml_buf again = XML_BUF_INIT;

			xml_buf_append_str(&again, HEADER);
			xml_buf_append(&again, out.data, out.len);
			parse_into(&second, again.data, again.len);
			xml_buf_free(&again);
		}
		assert_true(
		    xml_elem_equal(xml_doc_root(first.docs[0]), xml_doc_root(second.docs[0])));
		xml_doc_free(&first.docs[0]);
		xml_doc_free(&second.docs[0]);
		xml_buf_free(&in);
		xml_buf_free(&out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escaping_and_ns),
	    cmocka_unit_test(test_refuses_bad_trees),
	    cmocka_unit_test(test_stream_header),
	    cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
