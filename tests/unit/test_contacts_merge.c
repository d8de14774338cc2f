/* Unit tests for contacts merge and undo (P-HYG-3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts.h"

static const char book_csv[] =
	"id,first_name,last_name,email,email_kind,phone,company,Segment\r\n"
	"a1,Ann,Lee,ann.lee@acme.com,nominative@pro,+33611111111,Acme,gold\r\n"
	"b1,Bob,Stone,bob@x.org,other@pro,,,\r\n"
	"a2,Ann,Lee,info@acme.com,role@pro,+33622222222,Acme,silver\r\n"
	"c1,Cy,Young,,,,,\r\n"
	"a3,Anne,Lee,,,,Acme Inc,gold\r\n";

static struct contacts_book *import(const char *csv, size_t len)
{
	struct contacts_book *b = contacts_book_new();
	const char *err = NULL;
	assert_int_equal(contacts_book_import_csv(b, csv, len, NULL, &err), 0);
	return b;
}

static char *export(const struct contacts_book *b, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	const char *err = NULL;
	assert_int_equal(contacts_book_export_csv(b, f, ',', NULL, &err), 0);
	fclose(f);
	return buf;
}

/* P-HYG-3: the merge keeps the best value per field and every source value
 * with its source id; undo gives back the book byte for byte. */
static void test_merge_keeps_provenance_and_undo_is_exact(void **state)
{
	struct contacts_book *b = import(book_csv, sizeof(book_csv) - 1);
	uint32_t cl[5] = {0, 1, 0, 2, 0};
	struct contacts_book *m = NULL;
	char *journal = NULL;
	size_t jlen = 0, merges = 0;
	FILE *jf = open_memstream(&journal, &jlen);
	const char *err = NULL;
	assert_int_equal(contacts_merge(b, cl, &m, jf, &merges, &err), 0);
	fclose(jf);
	assert_int_equal(merges, 1);
	assert_int_equal(m->n, 3);
	const struct contact *a = &m->recs[0];
	assert_string_equal(a->v[CF_SOURCE_IDS], "a1;a2;a3");
	assert_string_equal(a->v[CF_ID], "a1");
	/* a nominative address beats a role address */
	assert_string_equal(a->v[CF_EMAIL], "ann.lee@acme.com");
	assert_string_equal(a->v[CF_FIRST], "Ann"); /* 2 votes against 1 */
	assert_string_equal(a->v[CF_COMPANY], "Acme");
	/* the losing values are listed with their source */
	const char *alt = a->extra[m->n_extra - 1];
	assert_non_null(strstr(alt, "email=info@acme.com [a2]"));
	assert_non_null(strstr(alt, "first_name=Anne [a3]"));
	assert_non_null(strstr(alt, "phone=+33622222222 [a2]"));
	assert_non_null(strstr(alt, "company=Acme Inc [a3]"));
	/* the journal holds every source record */
	assert_non_null(strstr(journal, "\"info@acme.com\""));
	assert_non_null(strstr(journal, "\"silver\""));

	/* undo from the merged book as written to and read back from CSV */
	size_t ml;
	char *mcsv = export(m, &ml);
	struct contacts_book *m2 = import(mcsv, ml);
	struct contacts_book *u = NULL;
	assert_int_equal(contacts_undo(m2, journal, jlen, NULL, &u, &err), 0);
	size_t ol, ul;
	char *orig = export(b, &ol), *undone = export(u, &ul);
	assert_string_equal(undone, orig);
	assert_string_equal(orig, book_csv);
	free(orig);
	free(undone);
	free(mcsv);
	free(journal);
	contacts_book_free(&u);
	contacts_book_free(&m2);
	contacts_book_free(&m);
	contacts_book_free(&b);
}

/* P-HYG-3: undo of one merge by its id leaves the others merged. */
static void test_undo_one_merge(void **state)
{
	struct contacts_book *b = import(book_csv, sizeof(book_csv) - 1);
	uint32_t cl[5] = {0, 1, 0, 1, 2};
	struct contacts_book *m = NULL, *u = NULL;
	char *journal = NULL;
	size_t jlen = 0;
	FILE *jf = open_memstream(&journal, &jlen);
	const char *err = NULL;
	assert_int_equal(contacts_merge(b, cl, &m, jf, NULL, &err), 0);
	fclose(jf);
	assert_int_equal(m->n, 3);
	assert_int_equal(contacts_undo(m, journal, jlen, "b1", &u, &err), 0);
	assert_int_equal(u->n, 4);
	assert_string_equal(u->recs[0].v[CF_SOURCE_IDS], "a1;a2");
	int seen_b = 0, seen_c = 0;
	for (size_t i = 0; i < u->n; i++) {
		seen_b += strcmp(u->recs[i].v[CF_ID], "b1") == 0;
		seen_c += strcmp(u->recs[i].v[CF_ID], "c1") == 0;
	}
	assert_int_equal(seen_b, 1);
	assert_int_equal(seen_c, 1);
	assert_int_equal(contacts_undo(m, journal, jlen, "nope", &u, &err), -1);
	assert_int_equal(contacts_undo(m, "{", 1, NULL, &u, &err), -1);
	free(journal);
	contacts_book_free(&u);
	contacts_book_free(&m);
	contacts_book_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_keeps_provenance_and_undo_is_exact),
		cmocka_unit_test(test_undo_one_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
