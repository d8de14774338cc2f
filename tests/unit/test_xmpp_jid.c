/*
 * Unit tests for xmpp/jid: RFC 7622 splitting, limits, forbidden
 * characters, ASCII case folding and comparisons.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xml/jid.h"

/* Parses s and checks its full normalised form (NULL = must fail). */
static void check(const char *s, const char *want)
{
	struct jid j;
	const char *err = NULL;
	int rc = jid_parse_str(s, &j, &err);
	char *got;

	if (want == NULL) {
		if (rc != -1)
			fail_msg("'%s' accepted", s);
		assert_non_null(err);
		assert_null(j.buf);
		return;
	}
	if (rc != 0)
		fail_msg("'%s' refused: %s", s, err);
	got = jid_to_string(&j, true);
	if (strcmp(got, want) != 0)
		fail_msg("'%s' -> '%s', want '%s'", s, got, want);
	free(got);
	jid_free(&j);
	assert_null(j.buf);
}

static void test_split(void **state)
{
	struct jid j;

	assert_int_equal(jid_parse_str("Juliet@Example.COM/Balcony", &j, NULL), 0);
	assert_int_equal(j.local_len, 6);
	assert_memory_equal(j.local, "juliet", 6);
	assert_string_equal(j.domain, "example.com");
	assert_string_equal(j.resource, "Balcony");
	assert_false(jid_is_bare(&j));
	assert_false(jid_is_domain(&j));
	jid_free(&j);
	/* Resource may hold '@' and '/'. */
	assert_int_equal(jid_parse_str("a@b/c@d/e", &j, NULL), 0);
	assert_string_equal(j.domain, "b");
	assert_string_equal(j.resource, "c@d/e");
	jid_free(&j);
	/* '@' after the first '/' belongs to the resource: no localpart. */
	assert_int_equal(jid_parse_str("example.com/foo@bar", &j, NULL), 0);
	assert_null(j.local);
	assert_string_equal(j.resource, "foo@bar");
	jid_free(&j);
	assert_int_equal(jid_parse_str("example.com", &j, NULL), 0);
	assert_true(jid_is_domain(&j));
	assert_true(jid_is_bare(&j));
	jid_free(&j);
}

static void test_valid(void **state)
{
	check("juliet@example.com", "juliet@example.com");
	check("JULIET@EXAMPLE.COM/Res", "juliet@example.com/Res");
	check("example.com.", "example.com");
	check("juliet@example.com./r", "juliet@example.com/r");
	check("a@192.168.0.1", "a@192.168.0.1");
	check("a@[2001:DB8::1]/x", "a@[2001:db8::1]/x");
	check("user@sub-domain.example", "user@sub-domain.example");
	/* Non-ASCII: accepted as is (no PRECIS / IDNA). */
	check("J\xc3\xbcliet@m\xc3\xbcnchen.example/H\xc3\xa9",
	      "j\xc3\xbcliet@m\xc3\xbcnchen.example/H\xc3\xa9");
	check("a@b/with space", "a@b/with space");
	check("a.b+c_d-e@x", "a.b+c_d-e@x");
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
	    "",
	    "@example.com",
	    "juliet@",
	    "juliet@/r",
	    "example.com/",
	    "a@b/",
	    "ju liet@example.com",
	    "ju\"liet@example.com",
	    "ju&liet@example.com",
	    "ju'liet@example.com",
	    "ju:liet@example.com",
	    "ju<liet@example.com",
	    "ju>liet@example.com",
	    "a@b@c",
	    "exa mple.com",
	    "exa_mple.com",
	    "-a.com",
	    "a-.com",
	    "a..com",
	    ".com",
	    ".",
	    "a@[::1",
	    "a@[not-ip]",
	    "a@b/\x01",
	    "a@b/\x7f",
	    "a@b/x\xc2\x85y",
	    "a\xff@b",
	    "a@b/\xed\xa0\x80",
	    "a\xc2\x80@b",
	    "a@exa\tmple.com",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check(bad[i], NULL);
}

static void test_embedded_nul(void **state)
{
	struct jid j;

	assert_int_equal(jid_parse("a\0b@c", 5, &j, NULL), -1);
	assert_int_equal(jid_parse("a@c/x\0y", 7, &j, NULL), -1);
	/* Found by fuzz_xmpp_jid: a NUL inside an IPv6 literal. */
	assert_int_equal(jid_parse("a@[2001:db8::1\0c]/r", 19, &j, NULL), -1);
	assert_int_equal(jid_parse("a@c/xy", 6, &j, NULL), 0);
	jid_free(&j);
}

static char *repeat(char c, size_t n, const char *prefix, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	char *s = malloc(pl + n + sl + 1);

	assert_non_null(s);
	memcpy(s, prefix, pl);
	memset(s + pl, c, n);
	memcpy(s + pl + n, suffix, sl + 1);
	return s;
}

static void test_lengths(void **state)
{
	struct jid j;
	char *s;

	s = repeat('a', 1023, "", "@example.com");
	assert_int_equal(jid_parse_str(s, &j, NULL), 0);
	jid_free(&j);
	free(s);
	s = repeat('a', 1024, "", "@example.com");
	assert_int_equal(jid_parse_str(s, &j, NULL), -1);
	free(s);
	s = repeat('r', 1023, "a@b/", "");
	assert_int_equal(jid_parse_str(s, &j, NULL), 0);
	jid_free(&j);
	free(s);
	s = repeat('r', 1024, "a@b/", "");
	assert_int_equal(jid_parse_str(s, &j, NULL), -1);
	free(s);
	/* Domain: labels of 63 within 1023 bytes. */
	{
		char dom[1100];
		size_t off = 0;

		while (off + 64 <= 1023) {
			memset(dom + off, 'd', 63);
			dom[off + 63] = '.';
			off += 64;
		}
		memset(dom + off, 'e', 1023 - off);
		dom[1023] = '\0';
		assert_int_equal(jid_parse(dom, 1023, &j, NULL), 0);
		assert_int_equal(j.domain_len, 1023);
		jid_free(&j);
		dom[1023] = 'e';
		dom[1024] = '\0';
		assert_int_equal(jid_parse(dom, 1024, &j, NULL), -1);
	}
	s = repeat('l', 64, "a@", ".com");
	assert_int_equal(jid_parse_str(s, &j, NULL), -1);
	free(s);
	s = repeat('l', 63, "a@", ".com");
	assert_int_equal(jid_parse_str(s, &j, NULL), 0);
	jid_free(&j);
	free(s);
}

static void test_compare_and_format(void **state)
{
	struct jid a, b, c, bare;
	char buf[64];

	assert_int_equal(jid_parse_str("Romeo@Example.com/Phone", &a, NULL), 0);
	assert_int_equal(jid_parse_str("romeo@example.COM/Laptop", &b, NULL), 0);
	assert_int_equal(jid_parse_str("romeo@example.com/phone", &c, NULL), 0);
	assert_true(jid_bare_equal(&a, &b));
	assert_false(jid_full_equal(&a, &b));
	/* Resources keep their case. */
	assert_false(jid_full_equal(&a, &c));
	jid_bare(&bare, &a);
	assert_true(jid_is_bare(&bare));
	assert_true(jid_bare_equal(&bare, &a));
	assert_false(jid_full_equal(&bare, &a));
	assert_int_equal(jid_format(&a, true, buf, sizeof(buf)), 23);
	assert_string_equal(buf, "romeo@example.com/Phone");
	assert_int_equal(jid_format(&a, false, buf, sizeof(buf)), 17);
	assert_string_equal(buf, "romeo@example.com");
	assert_int_equal(jid_format(&a, true, buf, 23), -1);
	assert_string_equal(buf, "");
	assert_int_equal(jid_string_len(&a, true), 23);
	jid_free(&c);
	jid_copy(&c, &a);
	assert_true(jid_full_equal(&c, &a));
	jid_free(&a);
	jid_free(&b);
	jid_free(&c);
	jid_free(&bare);
	jid_free(&bare);
	/* Domain JIDs vs user JIDs. */
	assert_int_equal(jid_parse_str("example.com", &a, NULL), 0);
	assert_int_equal(jid_parse_str("x@example.com", &b, NULL), 0);
	assert_false(jid_bare_equal(&a, &b));
	jid_free(&a);
	jid_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split),   cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_invalid), cmocka_unit_test(test_embedded_nul),
	    cmocka_unit_test(test_lengths), cmocka_unit_test(test_compare_and_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
