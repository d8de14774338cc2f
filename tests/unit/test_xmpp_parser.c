/*
 * Unit tests for xmpp/xml_parser: streams, chunking, restarts, framing,
 * and the refusal of restricted or malformed XML.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xml/xml_gate.h"
#include "xml/xml_parser.h"
#include "xml/xml_writer.h"

struct collect {
	int headers, closes, stanzas;
	char to[64], version[16], lang[16], content_ns[64];
	bool framing;
	struct xml_buf out;    /* each stanza serialised, then '\n' */
	int stop_after_stanza; /* > 0: STOP after that many stanzas */
	bool stop_on_header;
};

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "(null)");
}

static enum xml_parser_action on_header(void *ctx, const struct xml_stream_header *h)
{
	struct collect *c = ctx;

	c->headers++;
	copy_str(c->to, sizeof(c->to), h->to);
	copy_str(c->version, sizeof(c->version), h->version);
	copy_str(c->lang, sizeof(c->lang), h->lang);
	copy_str(c->content_ns, sizeof(c->content_ns), h->content_ns);
	c->framing = h->framing;
	return c->stop_on_header ? XML_PARSER_STOP : XML_PARSER_CONTINUE;
}

static enum xml_parser_action on_stanza(void *ctx, struct xml_doc *doc)
{
	struct collect *c = ctx;

	assert_int_equal(xml_writer_write(&c->out, xml_doc_root(doc), XMPP_NS_CLIENT, true), 0);
	xml_buf_append_str(&c->out, "\n");
	xml_doc_free(&doc);
	c->stanzas++;
	if (c->stop_after_stanza > 0 && c->stanzas == c->stop_after_stanza)
		return XML_PARSER_STOP;
	return XML_PARSER_CONTINUE;
}

static enum xml_parser_action on_close(void *ctx)
{
	((struct collect *)ctx)->closes++;
	return XML_PARSER_CONTINUE;
}

static const struct xml_parser_callbacks callbacks = {on_header, on_stanza, on_close};

#define HEADER                                                                                     \
	"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "                               \
	"xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0' "          \
	"xml:lang='en'>"

static const char sample[] =
    HEADER "\n  <message to='juliet@example.com/balcony' id='m1' type='chat'>"
           "<body>Art thou not R&#xF6;meo &amp; a Montague? &lt;3 \xe2\x9c\x93</body>"
           "<active xmlns='http://jabber.org/protocol/chatstates'/></message> "
           "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>"
           "<presence><show>away</show><status><![CDATA[a <b> & c]]></status></presence>"
           "<stream:features/>"
           "</stream:stream>";

static const char sample_expected[] =
    "<message to='juliet@example.com/balcony' id='m1' type='chat'><body>Art thou not "
    "R\xc3\xb6meo &amp; a Montague? &lt;3 \xe2\x9c\x93</body><active "
    "xmlns='http://jabber.org/protocol/chatstates'/></message>\n"
    "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>\n"
    "<presence><show>away</show><status>a &lt;b&gt; &amp; c</status></presence>\n"
    "<stream:features/>\n";

/* Feeds s in pieces of the given sizes (cycled), returns feed's result. */
static int feed_all(struct xml_parser *p, const char *s, size_t len, size_t chunk)
{
	size_t off = 0, n, used;

	while (off < len) {
		n = len - off < chunk ? len - off : chunk;
		if (xml_parser_feed(p, s + off, n, &used) < 0)
			return -1;
		assert_int_equal(used, n);
		off += n;
	}
	return 0;
}

static void test_sample_stream(void **state)
{
	struct collect c = {0};
	struct xml_parser *p = xml_parser_new(NULL, &callbacks, &c);

	assert_int_equal(feed_all(p, sample, strlen(sample), strlen(sample)), 0);
	assert_int_equal(c.headers, 1);
	assert_string_equal(c.to, "example.com");
	assert_string_equal(c.version, "1.0");
	assert_string_equal(c.lang, "en");
	assert_string_equal(c.content_ns, "jabber:client");
	assert_false(c.framing);
	assert_int_equal(c.stanzas, 4);
	assert_int_equal(c.closes, 1);
	assert_string_equal(xml_buf_cstr(&c.out), sample_expected);
	xml_parser_free(&p);
	assert_null(p);
	xml_buf_free(&c.out);
}

/* Every split point into two chunks, then every fixed chunk size from 1
 * (byte by byte) upward: always the same stanzas. */
static void test_chunked_every_split(void **state)
{
	size_t len = strlen(sample);

	for (size_t split = 0; split <= len; split++) {
		struct collect c = {0};
		struct xml_parser *p = xml_parser_new(NULL, &callbacks, &c);

		assert_int_equal(xml_parser_feed(p, sample, split, NULL), 0);
		assert_int_equal(xml_parser_feed(p, sample + split, len - split, NULL), 0);
		assert_int_equal(c.stanzas, 4);
		assert_int_equal(c.closes, 1);
		assert_string_equal(xml_buf_cstr(&c.out), sample_expected);
		xml_parser_free(&p);
		xml_buf_free(&c.out);
	}
	for (size_t chunk = 1; chunk <= 64; chunk++) {
		struct collect c = {0};
		struct xml_parser *p = xml_parser_new(NULL, &callbacks, &c);

		assert_int_equal(feed_all(p, sample, len, chunk), 0);
		assert_string_equal(xml_buf_cstr(&c.out), sample_expected);
		assert_int_equal(c.closes, 1);
		xml_parser_free(&p);
		xml_buf_free(&c.out);
	}
}

/* STARTTLS-style restart: the callback stops after <starttls/>; feed
 * reports how much it used, the rest is not parsed; after restart a new
 * header (with its own XML declaration) is accepted. */
static void test_restart(void **state)
{
	static const char first[] =
	    HEADER "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><injected/>";
	static const char second[] = HEADER "<iq type='set' id='b'/>";
	struct collect c = {.stop_after_stanza = 1};
	struct xml_parser *p = xml_parser_new(NULL, &callbacks, &c);
	size_t used = 0;

	assert_int_equal(xml_parser_feed(p, first, strlen(first), &used), 1);
	assert_int_equal(used, strlen(first) - strlen("<injected/>"));
	assert_int_equal(c.stanzas, 1);
	assert_false(xml_parser_stream_open(p));
	xml_parser_restart(p);
	c.stop_after_stanza = 0;
	assert_int_equal(xml_parser_feed(p, second, strlen(second), &used), 0);
	assert_int_equal(used, strlen(second));
	assert_int_equal(c.headers, 2);
	assert_int_equal(c.stanzas, 2);
	assert_true(xml_parser_stream_open(p));
	assert_string_equal(xml_buf_cstr(&c.out),
	                    "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\n"
	                    "<iq type='set' id='b'/>\n");
	xml_parser_free(&p);
	xml_buf_free(&c.out);
}

/* SASL-style restart in the middle of one buffer: stop, restart, feed the
 * remaining bytes. */
static void test_restart_refeed(void **state)
{
	static const char data[] =
	    HEADER "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" HEADER "<iq id='x'/>";
	struct collect c = {.stop_after_stanza = 1};
	struct xml_parser *p = xml_parser_new(NULL, &callbacks, &c);
	size_t used = 0, len = strlen(data);

	assert_int_equal(xml_parser_feed(p, data, len, &used), 1);
	xml_parser_restart(p);
	c.stop_after_stanza = 0;
	assert_int_equal(xml_parser_feed(p, data + used, len - used, NULL), 0);
	assert_int_equal(c.headers, 2);
	assert_int_equal(c.stanzas, 2);
	xml_parser_free(&p);
	xml_buf_free(&c.out);
}

/* A stop at the very end of the input is still reported as a stop. */
static void test_stop_at_chunk_end(void **state)
{
	struct collect c = {.stop_after_stanza = 1};
	struct xml_parser *p = xml_parser_new(NULL, &callbacks, &c);
	size_t used = 0;

	assert_int_equal(xml_parser_feed(p, HEADER, strlen(HEADER), NULL), 0);
	assert_int_equal(xml_parser_feed(p, "<iq/>", 5, &used), 1);
	assert_int_equal(used, 5);
	xml_parser_restart(p);
	assert_int_equal(xml_parser_feed(p, HEADER, strlen(HEADER), NULL), 0);
	assert_int_equal(c.headers, 2);
	xml_parser_free(&p);
	xml_buf_free(&c.out);
}

static void test_stop_on_header(void **state)
{
	struct collect c = {.stop_on_header = true};
	struct xml_parser *p = xml_parser_new(NULL, &callbacks, &c);
	size_t used;

	assert_int_equal(xml_parser_feed(p, HEADER "<iq/>", strlen(HEADER "<iq/>"), &used), 1);
	assert_int_equal(used, strlen(HEADER));
	assert_int_equal(c.stanzas, 0);
	xml_parser_free(&p);
	xml_buf_free(&c.out);
}

static void test_content_ns_server(void **state)
{
	static const char hdr[] = "<stream:stream xmlns='jabber:server' "
	                          "xmlns:stream='http://etherx.jabber.org/streams'>";
	struct xml_parser_settings s = {.mode = XML_PARSER_STREAM, .content_ns = "jabber:server"};
	struct collect c = {0};
	struct xml_parser *p = xml_parser_new(&s, &callbacks, &c);

	assert_int_equal(xml_parser_feed(p, hdr, strlen(hdr), NULL), 0);
	assert_int_equal(c.headers, 1);
	assert_string_equal(c.content_ns, "jabber:server");
	xml_parser_free(&p);
	/* The same header on a c2s parser is refused. */
	p = xml_parser_new(NULL, &callbacks, &c);
	assert_int_equal(xml_parser_feed(p, hdr, strlen(hdr), NULL), -1);
	assert_int_equal(xml_parser_error(p)->cond, STREAM_ERR_INVALID_NAMESPACE);
	xml_parser_free(&p);
	xml_buf_free(&c.out);
}

/* Feeds input to a fresh TCP parser byte by byte and whole; both must fail
 * with cond, and no stanza may have been reported after the bad point. */
static void expect_refused(const char *input, enum stream_error_cond cond)
{
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct collect c = {0};
		struct xml_parser *p = xml_parser_new(NULL, &callbacks, &c);
		size_t len = strlen(input);
		int rc = feed_all(p, input, len, bytewise ? 1 : len);

		if (rc != -1 || xml_parser_error(p)->cond != cond)
			fail_msg("input %s: rc %d cond %s (%s), want %s", input, rc,
			         stream_error_name(xml_parser_error(p)->cond),
			         xml_parser_error(p)->text, stream_error_name(cond));
		assert_non_null(xml_parser_error(p)->text);
		/* Dead for good. */
		assert_int_equal(xml_parser_feed(p, "<iq/>", 5, NULL), -1);
		assert_int_equal(xml_parser_error(p)->cond, cond);
		xml_parser_free(&p);
		xml_buf_free(&c.out);
	}
}

static void test_refuse_restricted(void **state)
{
	expect_refused("<?xml version='1.0'?><!DOCTYPE stream:stream>" HEADER,
	               STREAM_ERR_RESTRICTED_XML);
	expect_refused("<!DOCTYPE x [<!ENTITY a 'b'>]>" HEADER, STREAM_ERR_RESTRICTED_XML);
	expect_refused(HEADER "<!-- hi -->", STREAM_ERR_RESTRICTED_XML);
	expect_refused("<!-- before -->" HEADER, STREAM_ERR_RESTRICTED_XML);
	expect_refused(HEADER "<message><!-- in --></message>", STREAM_ERR_RESTRICTED_XML);
	expect_refused(HEADER "<?php echo 1; ?>", STREAM_ERR_RESTRICTED_XML);
	expect_refused("<?xml-stylesheet href='a'?>" HEADER, STREAM_ERR_RESTRICTED_XML);
	expect_refused(HEADER "<message><body>&foo;</body></message>", STREAM_ERR_RESTRICTED_XML);
	expect_refused(HEADER "<message id='&foo;'/>", STREAM_ERR_RESTRICTED_XML);
}

/* Billion laughs: refused at the DOCTYPE, before any entity is declared,
 * so nothing is expanded and no stanza text ever appears. */
static void test_billion_laughs(void **state)
{
	static const char lol[] =
	    "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
	    "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
	    "<!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>"
	    "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>"
	    "<!ENTITY lol9 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>]>"
	    "<stream:stream xmlns='jabber:client' "
	    "xmlns:stream='http://etherx.jabber.org/streams'><message><body>&lol9;</body>"
	    "</message>";
	struct collect c = {0};
	struct xml_parser *p = xml_parser_new(NULL, &callbacks, &c);

	assert_int_equal(xml_parser_feed(p, lol, strlen(lol), NULL), -1);
	assert_int_equal(xml_parser_error(p)->cond, STREAM_ERR_RESTRICTED_XML);
	assert_int_equal(c.headers, 0);
	assert_int_equal(c.stanzas, 0);
	xml_parser_free(&p);
	expect_refused(lol, STREAM_ERR_RESTRICTED_XML);
}

static void test_external_entity(void **state)
{
	static const char xxe[] =
	    "<?xml version='1.0'?><!DOCTYPE s [<!ENTITY x SYSTEM "
	    "'file:///etc/passwd'>]>" HEADER "<message><body>&x;</body></message>";
	static const char xxe_param[] =
	    "<!DOCTYPE s [<!ENTITY % p SYSTEM 'http://evil/x'>%p;]>" HEADER;
	static const char xxe_public[] = "<!DOCTYPE s PUBLIC 'x' 'http://evil/dtd'>" HEADER;

	expect_refused(xxe, STREAM_ERR_RESTRICTED_XML);
	expect_refused(xxe_param, STREAM_ERR_RESTRICTED_XML);
	expect_refused(xxe_public, STREAM_ERR_RESTRICTED_XML);
}

static void test_refuse_namespaces(void **state)
{
	/* Wrong streams namespace. */
	expect_refused("<stream:stream xmlns='jabber:client' xmlns:stream='urn:wrong'>",
	               STREAM_ERR_INVALID_NAMESPACE);
	/* Wrong or missing content namespace. */
	expect_refused("<stream:stream xmlns='jabber:other' "
	               "xmlns:stream='http://etherx.jabber.org/streams'>",
	               STREAM_ERR_INVALID_NAMESPACE);
	expect_refused("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>",
	               STREAM_ERR_INVALID_NAMESPACE);
	/* Not a stream at all. */
	expect_refused("<message xmlns='jabber:client'/>", STREAM_ERR_INVALID_NAMESPACE);
	/* Stream element without a prefix (RFC 6120 §4.9.3.2). */
	expect_refused("<stream xmlns='http://etherx.jabber.org/streams'>",
	               STREAM_ERR_BAD_NAMESPACE_PREFIX);
	/* Prefix never declared (the RFC's example for bad-namespace-prefix). */
	expect_refused("<stream:stream xmlns='jabber:client' to='example.com'>",
	               STREAM_ERR_BAD_NAMESPACE_PREFIX);
	expect_refused(HEADER "<foo:message/>", STREAM_ERR_BAD_NAMESPACE_PREFIX);
}

static void test_refuse_malformed(void **state)
{
	expect_refused(HEADER "<message></presence>", STREAM_ERR_NOT_WELL_FORMED);
	expect_refused(HEADER "<message a='1' a='2'/>", STREAM_ERR_NOT_WELL_FORMED);
	expect_refused(HEADER "<message><body>\xff</body></message>", STREAM_ERR_NOT_WELL_FORMED);
	/* Overlong '/' and a UTF-8-encoded surrogate. */
	expect_refused(HEADER "<message><body>\xc0\xaf</body></message>",
	               STREAM_ERR_NOT_WELL_FORMED);
	expect_refused(HEADER "<message><body>\xed\xa0\x80</body></message>",
	               STREAM_ERR_NOT_WELL_FORMED);
	expect_refused(HEADER "<message><body>&#0;</body></message>", STREAM_ERR_NOT_WELL_FORMED);
	expect_refused(HEADER "<message><body>\x01</body></message>", STREAM_ERR_NOT_WELL_FORMED);
	expect_refused(HEADER "</stream:stream><iq/>", STREAM_ERR_NOT_WELL_FORMED);
	expect_refused(HEADER "hello<iq/>", STREAM_ERR_BAD_FORMAT);
	expect_refused("<?xml version='1.0' encoding='ISO-8859-1'?>" HEADER,
	               STREAM_ERR_UNSUPPORTED_ENCODING);
}

/* Whitespace keepalives between stanzas are fine, in any amount over time. */
static void test_whitespace_keepalive(void **state)
{
	struct collect c = {0};
	struct xml_parser *p = xml_parser_new(NULL, &callbacks, &c);

	assert_int_equal(xml_parser_feed(p, HEADER, strlen(HEADER), NULL), 0);
	for (int i = 0; i < 300000; i++)
		assert_int_equal(xml_parser_feed(p, " ", 1, NULL), 0);
	assert_int_equal(xml_parser_feed(p, "<iq/>", 5, NULL), 0);
	assert_int_equal(c.stanzas, 1);
	xml_parser_free(&p);
	xml_buf_free(&c.out);
}

/* Byte by byte, each stanza is delivered as soon as its last byte is fed:
 * nothing waits for more input (expat's reparse deferral is off and the
 * gate feeds at every possible tag end). */
static void test_prompt_delivery(void **state)
{
	static const char *const stanzas[] = {
	    "<iq/>",
	    "<iq id='a>b' type=\"c'>d\"/>",
	    "<message><body><![CDATA[ <x a='> ]] > ]]></body></message>",
	    "<message><body>a > b ' \" c</body></message>",
	    "<presence\n\tid = 'x' ></presence >",
	    "<iq><q xmlns='urn:q'><![CDATA[]]></q></iq>",
	};
	struct collect c = {0};
	struct xml_parser *p = xml_parser_new(NULL, &callbacks, &c);
	int want = 0;

	assert_int_equal(xml_parser_feed(p, HEADER, strlen(HEADER), NULL), 0);
	assert_int_equal(c.headers, 1);
	for (size_t i = 0; i < sizeof(stanzas) / sizeof(stanzas[0]); i++) {
		const char *st = stanzas[i];
		size_t len = strlen(st);

		for (size_t k = 0; k < len; k++) {
			assert_int_equal(xml_parser_feed(p, st + k, 1, NULL), 0);
			if (k + 1 < len && c.stanzas != want)
				fail_msg("stanza %zu delivered early at byte %zu", i, k);
		}
		want++;
		if (c.stanzas != want)
			fail_msg("stanza %zu not delivered after its last byte", i);
		/* Whitespace keepalive in between. */
		assert_int_equal(xml_parser_feed(p, "\n", 1, NULL), 0);
	}
	assert_int_equal(xml_parser_feed(p, "</stream:stream>", 16, NULL), 0);
	assert_int_equal(c.closes, 1);
	xml_parser_free(&p);
	xml_buf_free(&c.out);
}

static enum xml_gate_result gate_run(const char *s)
{
	struct xml_gate g;

	xml_gate_reset(&g);
	return xml_gate_scan(&g, s, strlen(s));
}

static void test_gate(void **state)
{
	assert_int_equal(gate_run("text only"), GATE_HOLD);
	assert_int_equal(gate_run("text > still text"), GATE_HOLD);
	assert_int_equal(gate_run("<iq"), GATE_HOLD);
	assert_int_equal(gate_run("<iq>"), GATE_FEED);
	assert_int_equal(gate_run("<iq a='>>>>'"), GATE_HOLD);
	assert_int_equal(gate_run("<iq a=\">'>>\""), GATE_HOLD);
	assert_int_equal(gate_run("<iq a='>'>"), GATE_FEED);
	assert_int_equal(gate_run("<![CDATA[ > ]> ]]"), GATE_HOLD);
	assert_int_equal(gate_run("<![CDATA[ > ]]>"), GATE_FEED);
	assert_int_equal(gate_run("<![CDATA[ ]]]>"), GATE_FEED);
	assert_int_equal(gate_run("<?xml version='1.0'"), GATE_HOLD);
	assert_int_equal(gate_run("<?pi > >"), GATE_HOLD);
	assert_int_equal(gate_run("<?xml version='1.0'?>"), GATE_FEED);
	assert_int_equal(gate_run("<!DOCTYPE x>"), GATE_FEED);
	assert_int_equal(gate_run("<!-"), GATE_HOLD);
	assert_int_equal(gate_run("<!--"), GATE_COMMENT);
	assert_int_equal(gate_run("<a><!-- x"), GATE_COMMENT);
	/* State carries across calls. */
	{
		struct xml_gate g;

		xml_gate_reset(&g);
		assert_int_equal(xml_gate_scan(&g, "<iq a='", 7), GATE_HOLD);
		assert_int_equal(xml_gate_scan(&g, ">", 1), GATE_HOLD);
		assert_int_equal(xml_gate_scan(&g, "'", 1), GATE_HOLD);
		assert_int_equal(xml_gate_scan(&g, ">", 1), GATE_FEED);
	}
}

/* A comment is refused the moment "<!--" arrives, before it ends, so a
 * comment stuffed with '>' cannot force expat to re-scan it. */
static void test_comment_refused_early(void **state)
{
	struct collect c = {0};
	struct xml_parser *p = xml_parser_new(NULL, &callbacks, &c);

	assert_int_equal(xml_parser_feed(p, HEADER, strlen(HEADER), NULL), 0);
	assert_int_equal(xml_parser_feed(p, "<!-", 3, NULL), 0);
	assert_int_equal(xml_parser_feed(p, "-", 1, NULL), -1);
	assert_int_equal(xml_parser_error(p)->cond, STREAM_ERR_RESTRICTED_XML);
	xml_parser_free(&p);
	xml_buf_free(&c.out);
}

/* --- RFC 7395 framing --- */

static struct xml_parser *framing_parser(struct collect *c)
{
	struct xml_parser_settings s = {.mode = XML_PARSER_FRAMING};

	return xml_parser_new(&s, &callbacks, c);
}

static int msg(struct xml_parser *p, const char *s)
{
	return xml_parser_feed_message(p, s, strlen(s));
}

static void test_framing(void **state)
{
	struct collect c = {0};
	struct xml_parser *p = framing_parser(&c);

	assert_int_equal(msg(p, "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' "
	                        "to='example.com' version='1.0' xml:lang='de'/>"),
	                 0);
	assert_int_equal(c.headers, 1);
	assert_true(c.framing);
	assert_string_equal(c.to, "example.com");
	assert_string_equal(c.lang, "de");
	assert_string_equal(c.content_ns, "(null)");
	assert_int_equal(
	    msg(p, "<message xmlns='jabber:client' to='a@b'><body>hi</body></message>"), 0);
	assert_int_equal(msg(p, "<?xml version='1.0'?>\n<iq xmlns='jabber:client' id='1'/>\n"), 0);
	assert_int_equal(c.stanzas, 2);
	/* SASL success: restart, then a new <open/>. */
	xml_parser_restart(p);
	assert_int_equal(msg(p, "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='x'/>"), 0);
	assert_int_equal(c.headers, 2);
	assert_int_equal(msg(p, "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>"), 0);
	assert_int_equal(c.closes, 1);
	assert_string_equal(xml_buf_cstr(&c.out),
	                    "<message to='a@b'><body>hi</body></message>\n<iq id='1'/>\n");
	xml_parser_free(&p);
	xml_buf_free(&c.out);
}

static void expect_frame_refused(const char *open, const char *m, enum stream_error_cond cond)
{
	struct collect c = {0};
	struct xml_parser *p = framing_parser(&c);

	if (open != NULL)
		assert_int_equal(msg(p, open), 0);
	if (msg(p, m) != -1 || xml_parser_error(p)->cond != cond)
		fail_msg("message %s: cond %s, want %s", m,
		         stream_error_name(xml_parser_error(p)->cond), stream_error_name(cond));
	assert_int_equal(c.stanzas, 0);
	xml_parser_free(&p);
	xml_buf_free(&c.out);
}

static void test_framing_refusals(void **state)
{
	static const char open[] = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>";

	/* Stanza before <open/>; a TCP header over WebSocket. */
	expect_frame_refused(NULL, "<iq xmlns='jabber:client'/>", STREAM_ERR_INVALID_NAMESPACE);
	expect_frame_refused(NULL, HEADER, STREAM_ERR_NOT_WELL_FORMED);
	/* Two elements in one message; half an element; empty message. */
	expect_frame_refused(open, "<iq xmlns='jabber:client'/><iq xmlns='jabber:client'/>",
	                     STREAM_ERR_NOT_WELL_FORMED);
	expect_frame_refused(open, "<iq xmlns='jabber:client'>", STREAM_ERR_NOT_WELL_FORMED);
	expect_frame_refused(open, "", STREAM_ERR_NOT_WELL_FORMED);
	/* Restricted XML, as on TCP. */
	expect_frame_refused(open, "<!DOCTYPE iq><iq xmlns='jabber:client'/>",
	                     STREAM_ERR_RESTRICTED_XML);
	expect_frame_refused(open, "<iq xmlns='jabber:client'><!-- x --></iq>",
	                     STREAM_ERR_RESTRICTED_XML);
	/* <open/> again without restart; <open/> with content. */
	expect_frame_refused(open, open, STREAM_ERR_BAD_FORMAT);
	expect_frame_refused(NULL, "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'><x/></open>",
	                     STREAM_ERR_BAD_FORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sample_stream),
	    cmocka_unit_test(test_chunked_every_split),
	    cmocka_unit_test(test_restart),
	    cmocka_unit_test(test_restart_refeed),
	    cmocka_unit_test(test_stop_on_header),
	    cmocka_unit_test(test_stop_at_chunk_end),
	    cmocka_unit_test(test_content_ns_server),
	    cmocka_unit_test(test_refuse_restricted),
	    cmocka_unit_test(test_billion_laughs),
	    cmocka_unit_test(test_external_entity),
	    cmocka_unit_test(test_refuse_namespaces),
	    cmocka_unit_test(test_refuse_malformed),
	    cmocka_unit_test(test_whitespace_keepalive),
	    cmocka_unit_test(test_prompt_delivery),
	    cmocka_unit_test(test_gate),
	    cmocka_unit_test(test_comment_refused_early),
	    cmocka_unit_test(test_framing),
	    cmocka_unit_test(test_framing_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
