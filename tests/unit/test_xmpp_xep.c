/* Unit tests of the pure helpers of src/xmpp/xep*.c: XEP-0082 dates and
 * re-parsing archived stanzas (for MAM results). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "xml/stanza.h"
#include "xmpp/xep_internal.h"

static void test_time(void **state)
{
	(void)state;
	char buf[32];
	assert_int_equal(xep_time_parse("1970-01-01T00:00:01Z"), 1000);
	assert_int_equal(xep_time_parse("1970-01-01T00:00:01.5Z"), 1500);
	assert_int_equal(xep_time_parse("1970-01-01T01:00:00+01:00"), 0);
	assert_int_equal(xep_time_parse("2024-02-30"), -1);
	assert_int_equal(xep_time_parse("1970-01-01T00:00:00"), -1);
	assert_int_equal(xep_time_parse("1970-01-01T00:00:00Zjunk"), -1);
	xep_time_format(1700000000123, buf);
	assert_string_equal(buf, "2023-11-14T22:13:20.123Z");
	assert_int_equal(xep_time_parse(buf), 1700000000123);
}

static void test_parse_stanza(void **state)
{
	(void)state;
	const char *s = "<message xmlns='jabber:client' to='b@x' id='m1' type='chat'>"
	                "<body>hi &amp; bye</body></message>";
	struct xml_doc *d = xep_parse_stanza(s, strlen(s));
	assert_non_null(d);
	assert_string_equal(stanza_id(xml_doc_root(d)), "m1");
	xml_doc_free(&d);
	const char *bad = "<message><body>unclosed";
	assert_null(xep_parse_stanza(bad, strlen(bad)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_time),
	    cmocka_unit_test(test_parse_stanza),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
