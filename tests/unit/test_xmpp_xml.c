/*
 * Unit tests for xmpp/xml_arena, xmpp/xml_elem and xmpp/xml_buf.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "xml/xml_arena.h"
#include "xml/xml_buf.h"
#include "xml/xml_elem.h"

static void test_arena_cap(void **state)
{
	struct xml_arena *a = xml_arena_new(4096);
	size_t got = 0;
	void *p;

	while ((p = xml_arena_alloc(a, 100)) != NULL) {
		memset(p, 0xAB, 100);
		got += 100;
	}
	assert_true(got > 2000);
	assert_true(xml_arena_used(a) <= 4096);
	assert_null(xml_arena_alloc(a, 5000));
	xml_arena_free(&a);
	assert_null(a);
	xml_arena_free(&a);

	a = xml_arena_new(0);
	for (int i = 0; i < 1000; i++)
		assert_non_null(xml_arena_alloc(a, 1000));
	assert_non_null(xml_arena_alloc(a, 1 << 20));
	assert_string_equal(xml_arena_strndup(a, "hello world", 5), "hello");
	xml_arena_free(&a);
}

static void test_elem_api(void **state)
{
	struct xml_doc *doc = xml_doc_new(0);
	struct xml_elem *iq = xml_elem_new(doc, NULL, "jabber:client", "iq");
	struct xml_elem *q, *item, *c;
	const struct xml_attr *a;
	size_t len, n = 0;

	assert_ptr_equal(xml_doc_root(doc), iq);
	assert_null(xml_elem_new(doc, NULL, NULL, "second-root"));
	assert_int_equal(xml_elem_set_attr(iq, "type", "get"), 0);
	assert_int_equal(xml_elem_set_attr(iq, "id", "1"), 0);
	assert_int_equal(xml_elem_set_attr(iq, "type", "set"), 0);
	assert_string_equal(xml_elem_attr(iq, "type"), "set");
	assert_int_equal(xml_elem_attr_count(iq), 2);
	assert_int_equal(
	    xml_elem_set_attr_ns(iq, "http://www.w3.org/XML/1998/namespace", "lang", "en"), 0);
	assert_null(xml_elem_attr(iq, "lang"));
	assert_string_equal(xml_elem_attr_ns(iq, "http://www.w3.org/XML/1998/namespace", "lang"),
	                    "en");
	for (a = xml_elem_attrs(iq); a != NULL; a = a->next)
		n++;
	assert_int_equal(n, 3);
	xml_elem_remove_attr(iq, "id");
	assert_null(xml_elem_attr(iq, "id"));
	assert_int_equal(xml_elem_attr_count(iq), 2);
	xml_elem_remove_attr(iq, "absent");

	q = xml_elem_new(doc, iq, "jabber:iq:roster", "query");
	item = xml_elem_new(doc, q, "jabber:iq:roster", "item");
	assert_non_null(xml_elem_add_child_text(item, "jabber:iq:roster", "group", "Friends"));
	assert_ptr_equal(xml_elem_find(iq, "jabber:iq:roster", "query"), q);
	assert_null(xml_elem_find(iq, "other", "query"));
	assert_ptr_equal(xml_elem_find(iq, NULL, "query"), q);
	assert_ptr_equal(xml_elem_parent(item), q);
	assert_true(xml_elem_is(q, "jabber:iq:roster", "query"));
	assert_string_equal(xml_elem_ns(q), "jabber:iq:roster");
	assert_string_equal(xml_elem_text(xml_elem_find(item, NULL, "group"), &len), "Friends");
	assert_int_equal(len, 7);
	assert_int_equal(xml_doc_elem_count(doc), 4);

	/* Mixed content: text around children joins in order. */
	c = xml_elem_new(doc, iq, "", "body");
	assert_string_equal(xml_elem_text(c, &len), "");
	assert_int_equal(len, 0);
	assert_int_equal(xml_elem_add_text(c, "Hello ", 6), 0);
	assert_int_equal(xml_elem_add_text(c, "big ", 4), 0);
	assert_non_null(xml_elem_new(doc, c, "", "b"));
	assert_int_equal(xml_elem_add_text(c, "world", 5), 0);
	assert_string_equal(xml_elem_text(c, &len), "Hello big world");
	assert_int_equal(len, 15);
	assert_int_equal(xml_elem_child_count(c), 1);
	assert_int_equal(xml_elem_add_text(c, "!", 1), 0);
	assert_string_equal(xml_elem_text(c, NULL), "Hello big world!");

	/* Iteration skips text; node walk sees it. */
	n = 0;
	for (struct xml_elem *e = xml_elem_first_child(iq); e != NULL; e = xml_elem_next_sibling(e))
		n++;
	assert_int_equal(n, 2);
	n = 0;
	for (const struct xml_node *node = xml_elem_next_node(c, NULL); node != NULL;
	     node = xml_elem_next_node(c, node))
		n++;
	assert_int_equal(n, 3);
	xml_doc_free(&doc);
	assert_null(doc);
}

static void test_copy_equal(void **state)
{
	struct xml_doc *a = xml_doc_new(0), *b = xml_doc_new(0);
	struct xml_elem *m = xml_elem_new(a, NULL, "jabber:client", "message");

	xml_elem_set_attr(m, "to", "x@y");
	xml_elem_add_child_text(m, "jabber:client", "body", "hi");
	assert_non_null(xml_elem_copy(b, NULL, m));
	assert_true(xml_elem_equal(xml_doc_root(a), xml_doc_root(b)));
	xml_elem_set_attr(xml_doc_root(b), "to", "x@z");
	assert_false(xml_elem_equal(xml_doc_root(a), xml_doc_root(b)));
	xml_doc_free(&a);
	xml_doc_free(&b);
}

static void test_doc_cap(void **state)
{
	struct xml_doc *doc = xml_doc_new(2048);
	struct xml_elem *root = xml_elem_new(doc, NULL, "", "r");
	int i, rc = 0;

	assert_non_null(root);
	for (i = 0; i < 1000 && rc == 0; i++) {
		struct xml_elem *c = xml_elem_new(doc, root, "", "c");

		rc = c == NULL ? -1 : xml_elem_set_attr(c, "a", "v");
	}
	assert_int_equal(rc, -1);
	assert_true(xml_doc_mem_used(doc) <= 2048);
	xml_doc_free(&doc);
}

static void test_escaping(void **state)
{
	struct xml_buf b = XML_BUF_INIT;

	assert_int_equal(xml_buf_append_text(&b, "a<b>&c]]>\"'\r\n\t", 14), 0);
	assert_string_equal(xml_buf_cstr(&b), "a&lt;b&gt;&amp;c]]&gt;\"'&#13;\n\t");
	xml_buf_reset(&b);
	assert_int_equal(xml_buf_append_attr(&b, "a<b>&c\"d'e\r\n\t", 13), 0);
	assert_string_equal(xml_buf_cstr(&b), "a&lt;b&gt;&amp;c&quot;d&apos;e&#13;&#10;&#9;");
	xml_buf_reset(&b);
	/* Invalid input leaves the buffer unchanged. */
	assert_int_equal(xml_buf_append_text(&b, "ok", 2), 0);
	assert_int_equal(xml_buf_append_text(&b, "\x01", 1), -1);
	assert_int_equal(xml_buf_append_attr(&b, "\xff", 1), -1);
	assert_int_equal(xml_buf_append_text(&b, "a\0b", 3), -1);
	assert_string_equal(xml_buf_cstr(&b), "ok");
	xml_buf_free(&b);
	assert_string_equal(xml_buf_cstr(&b), "");
	xml_buf_free(&b);
}

static void test_valid_chars(void **state)
{
	assert_true(xml_valid_chars("", 0));
	assert_true(xml_valid_chars("h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80", 15));
	assert_false(xml_valid_chars("\xc0\xaf", 2));         /* overlong */
	assert_false(xml_valid_chars("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(xml_valid_chars("\xef\xbf\xbe", 3));     /* U+FFFE */
	assert_false(xml_valid_chars("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(xml_valid_chars("\xe2\x9c", 2));         /* truncated */
	assert_false(xml_valid_chars("\x1f", 1));
	assert_true(xml_valid_chars("\t\r\n", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arena_cap),  cmocka_unit_test(test_elem_api),
	    cmocka_unit_test(test_copy_equal), cmocka_unit_test(test_doc_cap),
	    cmocka_unit_test(test_escaping),   cmocka_unit_test(test_valid_chars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
