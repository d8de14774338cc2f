/* Unit tests for contacts CSV import/export (P-HYG-1 and the "bad input" rules). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts_internal.h"

static struct contacts_book *import(const char *csv, size_t len)
{
	struct contacts_book *b = contacts_book_new();
	const char *err = NULL;
	assert_int_equal(contacts_book_import_csv(b, csv, len, NULL, &err), 0);
	return b;
}

static long extra_col(const struct contacts_book *b, const char *name)
{
	for (size_t k = 0; k < b->n_extra; k++)
		if (strcmp(b->extra_names[k], name) == 0)
			return (long)k;
	return -1;
}

static bool has_issue(const struct contacts_book *b, enum contacts_issue_code c)
{
	for (size_t i = 0; i < b->n_issues; i++)
		if (b->issues[i].code == c)
			return true;
	return false;
}

/* P-HYG-1: BOM, ';' delimiter detected, French headers mapped, unknown kept. */
static void test_bom_delimiter_and_header_mapping(void **state)
{
	const char csv[] = "\xEF\xBB\xBFPr\xC3\xA9nom;Nom;Courriel;T\xC3\xA9l\xC3\xA9phone;Segment\r\n"
			   "jean;dupont;j.dupont@acme.fr;06 12 34 56 78;VIP\r\n";
	struct contacts_book *b = import(csv, sizeof(csv) - 1);
	assert_int_equal(b->n, 1);
	assert_string_equal(b->recs[0].v[CF_FIRST], "jean");
	assert_string_equal(b->recs[0].v[CF_LAST], "dupont");
	assert_string_equal(b->recs[0].v[CF_EMAIL], "j.dupont@acme.fr");
	assert_string_equal(b->recs[0].v[CF_PHONE], "06 12 34 56 78");
	long seg = extra_col(b, "Segment");
	assert_true(seg >= 0);
	assert_string_equal(b->recs[0].extra[seg], "VIP");
	/* no id column: the source line becomes the id, so provenance works */
	assert_string_equal(b->recs[0].v[CF_ID], "r2");
	contacts_book_free(&b);
	assert_null(b);
}

/* P-HYG-1: RFC 4180 quoting: delimiter, doubled quote and newline inside. */
static void test_rfc4180_quoting(void **state)
{
	const char csv[] = "id,name,note\n"
			   "1,\"Smith, John\",\"said \"\"hi\"\"\nthen left\"\n"
			   "2,Ann Lee,plain\n";
	struct contacts_book *b = import(csv, sizeof(csv) - 1);
	assert_int_equal(b->n, 2);
	assert_string_equal(b->recs[0].v[CF_FULL_NAME], "Smith, John");
	assert_string_equal(b->recs[0].extra[extra_col(b, "note")], "said \"hi\"\nthen left");
	assert_string_equal(b->recs[1].v[CF_ID], "2");
	assert_int_equal(b->n_issues, 0);
	contacts_book_free(&b);
}

/* Bad input: a stray quote and an unterminated quote are repaired and
 * reported; the rows after them are not swallowed. */
static void test_broken_quoting_repaired(void **state)
{
	const char csv[] = "id,first_name,last_name\n"
			   "1,O\"Neill,Pat\n"
			   "2,\"Ann,Lee\n"
			   "3,Bob,Stone\n";
	struct contacts_book *b = import(csv, sizeof(csv) - 1);
	assert_int_equal(b->n, 3);
	assert_string_equal(b->recs[0].v[CF_FIRST], "O\"Neill");
	assert_string_equal(b->recs[1].v[CF_ID], "2");
	assert_string_equal(b->recs[2].v[CF_FIRST], "Bob");
	assert_true(has_issue(b, CI_QUOTE_REPAIRED));
	assert_int_equal(b->rows_repaired, 2);
	contacts_book_free(&b);
}

/* Bad input: a 10k-column row is rejected with its raw text kept in the
 * report; the import goes on. */
static void test_ten_thousand_columns_rejected_not_lost(void **state)
{
	struct cx_buf csv = {0};
	cx_buf_adds(&csv, "id,first_name\n1,Ann\n2");
	for (int i = 0; i < 10000; i++)
		cx_buf_adds(&csv, ",x");
	cx_buf_adds(&csv, "\n3,Bob\n");
	struct contacts_book *b = import(csv.p, csv.len);
	assert_int_equal(b->n, 2);
	assert_string_equal(b->recs[1].v[CF_FIRST], "Bob");
	assert_int_equal(b->rows_rejected, 1);
	assert_true(has_issue(b, CI_ROW_REJECTED));
	bool kept = false;
	for (size_t i = 0; i < b->n_issues; i++)
		if (b->issues[i].code == CI_ROW_REJECTED)
			kept = strlen(b->issues[i].raw) == 1 + 2 * 10000;
	assert_true(kept);
	contacts_book_free(&b);
	cx_buf_free(&csv);
}

/* Bad input: an absurdly long field is cut to the limit; the full row is
 * kept in the report. */
static void test_absurd_length_truncated_and_reported(void **state)
{
	struct cx_buf csv = {0};
	cx_buf_adds(&csv, "id,first_name\n1,");
	for (int i = 0; i < 200000; i++)
		cx_buf_addc(&csv, 'a');
	cx_buf_adds(&csv, "\n2,Bob\n");
	struct contacts_book *b = import(csv.p, csv.len);
	assert_int_equal(b->n, 2);
	assert_int_equal(strlen(b->recs[0].v[CF_FIRST]), 65536);
	assert_true(has_issue(b, CI_FIELD_TRUNCATED));
	for (size_t i = 0; i < b->n_issues; i++)
		if (b->issues[i].code == CI_FIELD_TRUNCATED)
			assert_true(strlen(b->issues[i].raw) > 200000);
	contacts_book_free(&b);
	cx_buf_free(&csv);
}

/* Bad input: mixed encodings (a Latin-1 byte), empty rows, extra cells. */
static void test_encoding_empty_rows_and_overflow(void **state)
{
	const char csv[] = "id,first_name\n1,Ren\xE9\n\n , \n2,Zo\xC3\xA9,extra1,extra2\n";
	struct contacts_book *b = import(csv, sizeof(csv) - 1);
	assert_int_equal(b->n, 2);
	assert_string_equal(b->recs[0].v[CF_FIRST], "Ren\xC3\xA9");
	assert_string_equal(b->recs[1].v[CF_FIRST], "Zo\xC3\xA9");
	assert_true(has_issue(b, CI_BAD_UTF8));
	assert_true(has_issue(b, CI_EMPTY_ROW));
	long ov = extra_col(b, "_overflow");
	assert_true(ov >= 0);
	assert_string_equal(b->recs[1].extra[ov], "extra1,extra2");
	contacts_book_free(&b);
}

/* P-HYG-1: export then import gives the same records, ids and extras. */
static void test_csv_round_trip(void **state)
{
	const char csv[] = "ID,First Name,Last Name,Email,Company,Notes\n"
			   "c-1,Ann,\"O'Neill, Jr\",ann@x.com,\"Acme \"\"Ltd\"\"\", lead \n"
			   "c-2,Bob,,bob@y.org,,\"multi\nline\"\n";
	struct contacts_book *a = import(csv, sizeof(csv) - 1);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *err = NULL;
	assert_int_equal(contacts_book_export_csv(a, f, ',', NULL, &err), 0);
	fclose(f);
	struct contacts_book *b = import(buf, len);
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		for (int k = 0; k < CF_COUNT; k++) {
			if (a->recs[i].v[k] == NULL)
				assert_null(b->recs[i].v[k]);
			else
				assert_string_equal(a->recs[i].v[k], b->recs[i].v[k]);
		}
		assert_string_equal(a->recs[i].extra[0] ? a->recs[i].extra[0] : "",
				    b->recs[i].extra[0] ? b->recs[i].extra[0] : "");
	}
	assert_string_equal(b->recs[0].v[CF_ID], "c-1");
	assert_string_equal(b->recs[0].v[CF_COMPANY], "Acme \"Ltd\"");
	free(buf);
	contacts_book_free(&a);
	contacts_book_free(&b);
}

/* P-HYG-1: a user mapping wins over the synonym table. */
static void test_user_mapping(void **state)
{
	const char csv[] = "Kunde,Wer\n42,Ann Lee\n";
	struct contacts_mapping map[] = {{"Kunde", CF_NATIONAL_ID}, {"Wer", CF_FULL_NAME}};
	struct contacts_import_opts o = {.map = map, .n_map = 2};
	struct contacts_book *b = contacts_book_new();
	const char *err = NULL;
	assert_int_equal(contacts_book_import_csv(b, csv, sizeof(csv) - 1, &o, &err), 0);
	assert_string_equal(b->recs[0].v[CF_NATIONAL_ID], "42");
	assert_string_equal(b->recs[0].v[CF_FULL_NAME], "Ann Lee");
	contacts_book_free(&b);
}

static void test_empty_input_is_an_error(void **state)
{
	struct contacts_book *b = contacts_book_new();
	const char *err = NULL;
	assert_int_equal(contacts_book_import_csv(b, "", 0, NULL, &err), -1);
	assert_non_null(err);
	contacts_book_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bom_delimiter_and_header_mapping),
		cmocka_unit_test(test_rfc4180_quoting),
		cmocka_unit_test(test_broken_quoting_repaired),
		cmocka_unit_test(test_ten_thousand_columns_rejected_not_lost),
		cmocka_unit_test(test_absurd_length_truncated_and_reported),
		cmocka_unit_test(test_encoding_empty_rows_and_overflow),
		cmocka_unit_test(test_csv_round_trip),
		cmocka_unit_test(test_user_mapping),
		cmocka_unit_test(test_empty_input_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
