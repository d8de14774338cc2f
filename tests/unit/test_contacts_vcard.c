/* Unit tests for contacts vCard import/export (P-HYG-1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts.h"

static const char card3[] = "BEGIN:VCARD\r\n"
			    "VERSION:3.0\r\n"
			    "UID:crm-17\r\n"
			    "FN:Dr. Jean-Pierre van der Berg\r\n"
			    "N:van der Berg;Jean-Pierre;;Dr;\r\n"
			    "EMAIL;TYPE=INTERNET,WORK:jp@berg-consult\r\n"
			    " ing.nl\r\n"
			    "TEL;TYPE=CELL:+31 6 12345678\r\n"
			    "ORG:Berg\\, Consulting;Sales\r\n"
			    "NOTE:likes\\nsailing\r\n"
			    "ADR;TYPE=WORK:;;Keizersgracht 1;Amsterdam;;1015 CS;NL\r\n"
			    "END:VCARD\r\n"
			    "BEGIN:VCARD\r\n"
			    "VERSION:4.0\r\n"
			    "FN:Ann Lee\r\n"
			    "EMAIL:ann@x.com\r\n"
			    "END:VCARD\r\n";

/* P-HYG-1: vCard 3.0 and 4.0 read with folding, escapes and structured values;
 * unknown properties kept. */
static void test_import_vcard(void **state)
{
	struct contacts_book *b = contacts_book_new();
	const char *err = NULL;
	assert_int_equal(contacts_book_import_vcard(b, card3, sizeof(card3) - 1, &err), 0);
	assert_int_equal(b->n, 2);
	const struct contact *c = &b->recs[0];
	assert_string_equal(c->v[CF_ID], "crm-17");
	assert_string_equal(c->v[CF_LAST], "van der Berg");
	assert_string_equal(c->v[CF_FIRST], "Jean-Pierre");
	assert_string_equal(c->v[CF_CIVILITY], "Dr");
	assert_string_equal(c->v[CF_EMAIL], "jp@berg-consulting.nl");
	assert_string_equal(c->v[CF_COMPANY], "Berg, Consulting");
	assert_string_equal(c->v[CF_CITY], "Amsterdam");
	assert_string_equal(c->v[CF_POSTCODE], "1015 CS");
	assert_string_equal(c->v[CF_COUNTRY], "NL");
	assert_non_null(strstr(c->extra[b->n_extra - 1], "NOTE:likes\\nsailing"));
	/* FN kept as the full name only when N does not say the same */
	assert_string_equal(c->v[CF_FULL_NAME], "Dr. Jean-Pierre van der Berg");
	assert_string_equal(b->recs[1].v[CF_FULL_NAME], "Ann Lee");
	assert_non_null(b->recs[1].v[CF_ID]); /* an id is made for provenance */
	contacts_book_free(&b);
}

/* P-HYG-1: export to vCard 4.0 then import gives the same fields, ids and
 * extra columns (CSV -> vCard -> book). */
static void test_vcard_round_trip(void **state)
{
	const char csv[] = "id,first_name,last_name,email,phone,company,national_id,Segment\n"
			   "s1,Ann,\"Lee; Jr\",ann@x.com,+33611111111,\"A, B\",42,gold\n"
			   "s2,Zoë,Ø,,,,,\"two\nlines\"\n";
	struct contacts_book *a = contacts_book_new();
	const char *err = NULL;
	assert_int_equal(contacts_book_import_csv(a, csv, sizeof(csv) - 1, NULL, &err), 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(contacts_book_export_vcard(a, f, &err), 0);
	fclose(f);
	assert_non_null(strstr(buf, "VERSION:4.0\r\n"));
	struct contacts_book *b = contacts_book_new();
	assert_int_equal(contacts_book_import_vcard(b, buf, len, &err), 0);
	assert_int_equal(b->n, a->n);
	for (size_t i = 0; i < a->n; i++)
		for (int k = 0; k < CF_COUNT; k++) {
			if (a->recs[i].v[k] == NULL)
				assert_null(b->recs[i].v[k]);
			else
				assert_string_equal(a->recs[i].v[k], b->recs[i].v[k]);
		}
	assert_string_equal(b->extra_names[0], "Segment");
	assert_string_equal(b->recs[0].extra[0], "gold");
	assert_string_equal(b->recs[1].extra[0], "two\nlines");
	free(buf);
	contacts_book_free(&a);
	contacts_book_free(&b);
}

static void test_not_a_vcard(void **state)
{
	struct contacts_book *b = contacts_book_new();
	const char *err = NULL;
	assert_int_equal(contacts_book_import_vcard(b, "hello", 5, &err), -1);
	contacts_book_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_vcard),
		cmocka_unit_test(test_vcard_round_trip),
		cmocka_unit_test(test_not_a_vcard),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
