/*
 * Unit tests for the limits of xmpp/xml_parser: each limit passes at its
 * value and fails one past it, fed whole and byte by byte, with the
 * <policy-violation/> condition.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xml/xml_parser.h"

#define HEADER                                                                                     \
	"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"

static int stanzas;

static enum xml_parser_action on_stanza(void *ctx, struct xml_doc *doc)
{
	stanzas++;
	xml_doc_free(&doc);
	return XML_PARSER_CONTINUE;
}

static const struct xml_parser_callbacks callbacks = {NULL, on_stanza, NULL};

/* A growable string for building test input. */
struct str {
	char *s;
	size_t len;
};

static void add(struct str *b, const char *s)
{
	size_t n = strlen(s);

	b->s = realloc(b->s, b->len + n + 1);
	assert_non_null(b->s);
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

static void add_rep(struct str *b, const char *s, size_t times)
{
	size_t n = strlen(s);

	b->s = realloc(b->s, b->len + n * times + 1);
	assert_non_null(b->s);
	for (size_t i = 0; i < times; i++, b->len += n)
		memcpy(b->s + b->len, s, n);
	b->s[b->len] = '\0';
}

/*
 * Runs header + stanza through a TCP parser (whole, then byte by byte) and
 * through a framing parser (stanza as one message). Returns 0 when every
 * run delivered the stanza, -1 when every run refused it with
 * policy-violation; fails the test on a mixed or other outcome.
 */
static int run(const struct xml_limits *lim, const char *stanza)
{
	struct xml_parser_settings tcp = {.mode = XML_PARSER_STREAM, .limits = lim};
	struct xml_parser_settings ws = {.mode = XML_PARSER_FRAMING, .limits = lim};
	static const char open[] = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>";
	size_t len = strlen(stanza);
	int results[3];

	for (int mode = 0; mode < 3; mode++) {
		struct xml_parser *p = xml_parser_new(mode < 2 ? &tcp : &ws, &callbacks, NULL);
		int rc = 0;

		stanzas = 0;
		if (mode < 2) {
			assert_int_equal(xml_parser_feed(p, HEADER, strlen(HEADER), NULL), 0);
			for (size_t off = 0; off < len && rc == 0; off += mode == 0 ? len : 1)
				rc = xml_parser_feed(p, stanza + off, mode == 0 ? len : 1, NULL);
		} else {
			assert_int_equal(xml_parser_feed_message(p, open, strlen(open)), 0);
			rc = xml_parser_feed_message(p, stanza, len);
		}
		if (rc == 0)
			assert_int_equal(stanzas, 1);
		else if (xml_parser_error(p)->cond != STREAM_ERR_POLICY_VIOLATION)
			fail_msg("mode %d: %s (%s)", mode,
			         stream_error_name(xml_parser_error(p)->cond),
			         xml_parser_error(p)->text);
		results[mode] = rc;
		xml_parser_free(&p);
	}
	if (results[0] != results[1] || results[1] != results[2])
		fail_msg("modes disagree: %d %d %d", results[0], results[1], results[2]);
	return results[0];
}

/* Builds <message xmlns='jabber:client'><body>x*n</body></message>. */
static char *message_of(size_t n)
{
	struct str b = {0};

	add(&b, "<message xmlns='jabber:client'><body>");
	add_rep(&b, "x", n);
	add(&b, "</body></message>");
	return b.s;
}

static void test_stanza_bytes(void **state)
{
	struct xml_limits lim = xml_limits_default;
	char *m = message_of(100);

	lim.stanza_bytes = strlen(m);
	assert_int_equal(run(&lim, m), 0);
	lim.stanza_bytes = strlen(m) - 1;
	assert_int_equal(run(&lim, m), -1);
	free(m);
	/* Self-closing stanza: the size is the tag itself. */
	lim.stanza_bytes = strlen("<iq xmlns='jabber:client'/>");
	assert_int_equal(run(&lim, "<iq xmlns='jabber:client'/>"), 0);
	lim.stanza_bytes--;
	assert_int_equal(run(&lim, "<iq xmlns='jabber:client'/>"), -1);
	/* Defaults: 256 KiB exactly passes, one more byte fails. */
	lim = xml_limits_default;
	m = message_of(256 * 1024 -
	               strlen("<message xmlns='jabber:client'><body></body></message>"));
	assert_int_equal(strlen(m), 256 * 1024);
	assert_int_equal(run(&lim, m), 0);
	free(m);
	m = message_of(256 * 1024 + 1 -
	               strlen("<message xmlns='jabber:client'><body></body></message>"));
	assert_int_equal(run(&lim, m), -1);
	free(m);
}

/* An endless stanza is refused as soon as it passes the limit, long before
 * it ends: memory stays bounded. Also an endless start tag. */
static void test_unbounded_input(void **state)
{
	struct xml_parser *p = xml_parser_new(NULL, &callbacks, NULL);
	char chunk[4096];
	size_t fed = 0;
	int rc = 0;

	memset(chunk, 'a', sizeof(chunk));
	assert_int_equal(xml_parser_feed(p, HEADER "<message><body>", strlen(HEADER) + 15, NULL),
	                 0);
	while (rc == 0 && fed < 10 * 1024 * 1024) {
		rc = xml_parser_feed(p, chunk, sizeof(chunk), NULL);
		fed += sizeof(chunk);
	}
	assert_int_equal(rc, -1);
	assert_int_equal(xml_parser_error(p)->cond, STREAM_ERR_POLICY_VIOLATION);
	assert_true(fed <= 256 * 1024 + 2 * sizeof(chunk));
	xml_parser_free(&p);

	p = xml_parser_new(NULL, &callbacks, NULL);
	assert_int_equal(xml_parser_feed(p, HEADER "<message a='", strlen(HEADER) + 12, NULL), 0);
	for (rc = 0, fed = 0; rc == 0 && fed < 10 * 1024 * 1024; fed += sizeof(chunk))
		rc = xml_parser_feed(p, chunk, sizeof(chunk), NULL);
	assert_int_equal(rc, -1);
	assert_true(fed <= 256 * 1024 + 2 * sizeof(chunk));
	xml_parser_free(&p);

	/* Before the stream header: bounded by header_bytes. */
	p = xml_parser_new(NULL, &callbacks, NULL);
	assert_int_equal(xml_parser_feed(p, "<stream:stream a='", 18, NULL), 0);
	for (rc = 0, fed = 0; rc == 0 && fed < 1024 * 1024; fed += sizeof(chunk))
		rc = xml_parser_feed(p, chunk, sizeof(chunk), NULL);
	assert_int_equal(rc, -1);
	assert_int_equal(xml_parser_error(p)->cond, STREAM_ERR_POLICY_VIOLATION);
	assert_true(fed <= 2 * sizeof(chunk));
	xml_parser_free(&p);
}

static char *nested(unsigned depth)
{
	struct str b = {0};

	add(&b, "<message xmlns='jabber:client'>");
	add_rep(&b, "<a>", depth - 1);
	add_rep(&b, "</a>", depth - 1);
	add(&b, "</message>");
	return b.s;
}

static void test_depth(void **state)
{
	struct xml_limits lim = xml_limits_default;
	char *ok = nested(32), *bad = nested(33);

	assert_int_equal(run(&lim, ok), 0);
	assert_int_equal(run(&lim, bad), -1);
	free(ok);
	free(bad);
	lim.depth = 1;
	assert_int_equal(run(&lim, "<iq xmlns='jabber:client'/>"), 0);
	assert_int_equal(run(&lim, "<iq xmlns='jabber:client'><q/></iq>"), -1);
}

static char *with_attrs(unsigned n, unsigned decls)
{
	struct str b = {0};
	char tmp[64];

	/* The xmlns on the stanza counts as one declaration. */
	add(&b, "<message xmlns='jabber:client'");
	for (unsigned i = 1; i < decls; i++) {
		snprintf(tmp, sizeof(tmp), " xmlns:p%u='urn:x:%u'", i, i);
		add(&b, tmp);
	}
	for (unsigned i = 0; i < n; i++) {
		snprintf(tmp, sizeof(tmp), " a%u='v'", i);
		add(&b, tmp);
	}
	add(&b, "/>");
	return b.s;
}

static void test_attrs(void **state)
{
	struct xml_limits lim = xml_limits_default;
	char *s;

	s = with_attrs(63, 1);
	assert_int_equal(run(&lim, s), 0);
	free(s);
	s = with_attrs(64, 1);
	assert_int_equal(run(&lim, s), -1);
	free(s);
	/* Namespace declarations count too. */
	s = with_attrs(0, 64);
	assert_int_equal(run(&lim, s), 0);
	free(s);
	s = with_attrs(0, 65);
	assert_int_equal(run(&lim, s), -1);
	free(s);
}

static void test_name_and_ns_length(void **state)
{
	struct xml_limits lim = xml_limits_default;
	struct str ok = {0}, bad = {0};

	lim.name_bytes = 10;
	assert_int_equal(run(&lim, "<iq xmlns='jabber:client'><abcdefghij/></iq>"), 0);
	assert_int_equal(run(&lim, "<iq xmlns='jabber:client'><abcdefghijk/></iq>"), -1);
	assert_int_equal(run(&lim, "<iq xmlns='jabber:client' abcdefghij='1'/>"), 0);
	assert_int_equal(run(&lim, "<iq xmlns='jabber:client' abcdefghijk='1'/>"), -1);
	lim = xml_limits_default;
	lim.ns_bytes = 40; /* the stream header's namespaces are 32 bytes */
	add(&ok, "<iq xmlns='jabber:client'><q xmlns='urn:");
	add_rep(&ok, "x", 36);
	add(&ok, "'/></iq>");
	add(&bad, "<iq xmlns='jabber:client'><q xmlns='urn:");
	add_rep(&bad, "x", 37);
	add(&bad, "'/></iq>");
	assert_int_equal(run(&lim, ok.s), 0);
	assert_int_equal(run(&lim, bad.s), -1);
	free(ok.s);
	free(bad.s);
}

static void test_attr_value(void **state)
{
	struct xml_limits lim = xml_limits_default;

	lim.attr_value_bytes = 5;
	assert_int_equal(run(&lim, "<iq xmlns='jabber:client' id='12345'/>"), 0);
	assert_int_equal(run(&lim, "<iq xmlns='jabber:client' id='123456'/>"), -1);
	/* Measured after decoding: &amp; is one byte. */
	assert_int_equal(run(&lim, "<iq xmlns='jabber:client' id='&amp;&amp;&amp;&amp;&amp;'/>"),
	                 0);
}

static void test_text(void **state)
{
	struct xml_limits lim = xml_limits_default;

	lim.text_bytes = 6;
	assert_int_equal(run(&lim, "<message xmlns='jabber:client'><body>abcdef</body></message>"),
	                 0);
	assert_int_equal(run(&lim, "<message xmlns='jabber:client'><body>abcdefg</body></message>"),
	                 -1);
	/* Per element, summed around children. */
	assert_int_equal(run(&lim, "<message xmlns='jabber:client'>abc<x/>def</message>"), 0);
	assert_int_equal(run(&lim, "<message xmlns='jabber:client'>abc<x/>defg</message>"), -1);
	/* Decoded bytes: &lt; counts as one. */
	assert_int_equal(run(&lim, "<message xmlns='jabber:client'><b>&lt;&lt;&lt;&lt;&lt;&lt;</b>"
	                           "</message>"),
	                 0);
}

static char *with_children(unsigned n)
{
	struct str b = {0};

	add(&b, "<iq xmlns='jabber:client'><q>");
	add_rep(&b, "<i/>", n);
	add(&b, "</q></iq>");
	return b.s;
}

static void test_children_and_elements(void **state)
{
	struct xml_limits lim = xml_limits_default;
	char *s;

	lim.children = 10;
	s = with_children(10);
	assert_int_equal(run(&lim, s), 0);
	free(s);
	s = with_children(11);
	assert_int_equal(run(&lim, s), -1);
	free(s);
	/* elements: iq + q + n items. */
	lim = xml_limits_default;
	lim.elements = 12;
	s = with_children(10);
	assert_int_equal(run(&lim, s), 0);
	free(s);
	s = with_children(11);
	assert_int_equal(run(&lim, s), -1);
	free(s);
	/* Defaults: 1024 children pass, 1025 fail. */
	lim = xml_limits_default;
	s = with_children(1024);
	assert_int_equal(run(&lim, s), 0);
	free(s);
	s = with_children(1025);
	assert_int_equal(run(&lim, s), -1);
	free(s);
}

/* The arena cap: many small attributes fit the byte limit but not memory. */
static void test_stanza_memory(void **state)
{
	struct xml_limits lim = xml_limits_default;
	struct str b = {0};
	char tmp[32];

	add(&b, "<iq xmlns='jabber:client'>");
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(tmp, sizeof(tmp), "<i a='1' b='2' c='%u'/>", i);
		add(&b, tmp);
	}
	add(&b, "</iq>");
	assert_int_equal(run(&lim, b.s), 0);
	lim.stanza_memory = 16 * 1024;
	assert_int_equal(run(&lim, b.s), -1);
	free(b.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stanza_bytes),
	    cmocka_unit_test(test_unbounded_input),
	    cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_attrs),
	    cmocka_unit_test(test_name_and_ns_length),
	    cmocka_unit_test(test_attr_value),
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_children_and_elements),
	    cmocka_unit_test(test_stanza_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
