/* Unit tests for core/ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/ids.h"

/* P-SEC-7: internal identifiers are random UUIDv4. */
static void test_uuid4_format_and_uniqueness(void **state)
{
	char a[IDS_UUID_LEN], b[IDS_UUID_LEN];
	ids_uuid4(a);
	ids_uuid4(b);
	assert_int_equal(strlen(a), 36);
	assert_true(ids_is_uuid4(a));
	assert_true(ids_is_uuid4(b));
	assert_string_not_equal(a, b);
	assert_int_equal(a[14], '4');
}

static void test_uuid4_rejects_other_forms(void **state)
{
	assert_false(ids_is_uuid4("00000000-0000-1000-8000-000000000000"));
	assert_false(ids_is_uuid4("0000000-00000-4000-8000-000000000000"));
	assert_false(ids_is_uuid4("00000000-0000-4000-c000-000000000000"));
	assert_false(ids_is_uuid4("00000000-0000-4000-8000-00000000000G"));
	assert_false(ids_is_uuid4(""));
	assert_false(ids_is_uuid4(NULL));
	assert_true(ids_is_uuid4("00000000-0000-4000-8000-000000000000"));
}

/* P-SEC-7: version bits are set on every id, the rest varies. */
static void test_uuid4_bits_vary(void **state)
{
	unsigned seen_or = 0, seen_and = 0xff;
	for (int i = 0; i < 200; i++) {
		char u[IDS_UUID_LEN];
		ids_uuid4(u);
		assert_true(ids_is_uuid4(u));
		seen_or |= (unsigned char)u[0];
		seen_and &= (unsigned char)u[0];
	}
	assert_int_not_equal(seen_or, seen_and);
}

static void test_hex(void **state)
{
	const unsigned char in[] = {0x00, 0xab, 0xff};
	char out[7];
	ids_hex(in, 3, out);
	assert_string_equal(out, "00abff");
	char r[33];
	ids_random_hex(r, 16);
	assert_int_equal(strlen(r), 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid4_format_and_uniqueness),
		cmocka_unit_test(test_uuid4_rejects_other_forms),
		cmocka_unit_test(test_uuid4_bits_vary),
		cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
