/* Unit tests for contacts cleaning rules (P-HYG-2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts.h"

static void expect_name(const char *in, int is_last, const char *want)
{
	char *got = contacts_clean_name_part(in, is_last);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* P-HYG-2: capitalisation of tricky names; a name typed in mixed case is
 * trusted as is. */
static void test_name_capitalisation(void **state)
{
	expect_name("MCDONALD", 1, "McDonald");
	expect_name("mcdonald", 1, "McDonald");
	expect_name("o'neill", 1, "O'Neill");
	expect_name("VAN DER BERG", 1, "van der Berg");
	expect_name("jean-pierre", 0, "Jean-Pierre");
	expect_name("DUPONT", 1, "Dupont");
	expect_name("d'estaing", 1, "d'Estaing");
	expect_name("  ÉLODIE  ", 0, "Élodie");
	expect_name("MacArthur", 1, "MacArthur"); /* mixed case: kept */
	expect_name("DeVito", 1, "DeVito");
	expect_name("smith iii", 1, "Smith III");
	expect_name("van", 1, "Van"); /* a particle alone is the whole surname */
	assert_null(contacts_clean_name_part("   ", 0));
}

static void expect_split(const char *full, const char *civ, const char *first, const char *last)
{
	char *c, *f, *l;
	contacts_split_full_name(full, &c, &f, &l);
	if (civ)
		assert_string_equal(c, civ);
	else
		assert_null(c);
	if (first)
		assert_string_equal(f, first);
	else
		assert_null(f);
	if (last)
		assert_string_equal(l, last);
	else
		assert_null(l);
	free(c);
	free(f);
	free(l);
}

/* P-HYG-2: first/last split with civility, particles, "Last, First" and the
 * French capitalised-surname-first habit. */
static void test_full_name_split(void **state)
{
	expect_split("Dr. Jean-Pierre van der Berg", "Dr", "Jean-Pierre", "van der Berg");
	expect_split("DUPONT Marie", NULL, "Marie", "DUPONT");
	expect_split("O'Neill, Sean", NULL, "Sean", "O'Neill");
	expect_split("Mme Claire de la Tour", "Mme", "Claire", "de la Tour");
	expect_split("John Ronald Tolkien", NULL, "John Ronald", "Tolkien");
	expect_split("Cher", NULL, "Cher", NULL);
}

/* P-HYG-2: civility only when the first name makes the gender clear. */
static void test_civility_only_when_clear(void **state)
{
	assert_string_equal(contacts_civility_for("Marie", "fr"), "Mme");
	assert_string_equal(contacts_civility_for("Jean-Pierre", "fr"), "M.");
	assert_string_equal(contacts_civility_for("William", "en"), "Mr");
	assert_string_equal(contacts_civility_for("Sarah", NULL), "Ms");
	assert_string_equal(contacts_civility_for("Élodie", "fr"), "Mme");
	assert_null(contacts_civility_for("Dominique", "fr")); /* both genders */
	assert_null(contacts_civility_for("Camille", "fr"));
	assert_null(contacts_civility_for("Andrea", "en"));
	assert_null(contacts_civility_for("Zyxwv", "en")); /* unknown */
	assert_null(contacts_civility_for(NULL, "en"));
	assert_string_equal(contacts_gender_of("marie-claire"), "female");
}

static void expect_email(const char *in, const char *want)
{
	char *got = contacts_clean_email(in, NULL);
	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* P-HYG-2: syntax, normalisation, IDN, typo correction with a threshold. */
static void test_email_syntax_and_typos(void **state)
{
	const char *why = NULL;
	char *e = contacts_clean_email("John.Smith@GMIAL.COM", &why);
	assert_string_equal(e, "john.smith@gmail.com");
	assert_string_equal(why, "domain typo corrected");
	free(e);
	expect_email("a@hotmial.com", "a@hotmail.com");
	expect_email("a@gmail.con", "a@gmail.com");
	expect_email("a@mail.com", "a@mail.com");     /* a real provider, not gmail */
	expect_email("a@acme-corp.com", "a@acme-corp.com"); /* far from any: kept */
	expect_email("\"Ann\" <Ann@Example.ORG>", "ann@example.org");
	expect_email("mailto:bob@example.com", "bob@example.com");
	expect_email("bob@example,com", "bob@example.com");
	expect_email("jos\xC3\xA9@b\xC3\xBC" "cher.de", "jos\xC3\xA9@b\xC3\xBC" "cher.de");
	expect_email("no-at-sign.com", NULL);
	expect_email("a@@b.com", NULL);
	expect_email("a..b@c.com", NULL);
	expect_email(".a@c.com", NULL);
	expect_email("a@-c.com", NULL);
	expect_email("a@c", NULL);
	expect_email("a b@c.com", NULL);
	expect_email("a@c.123", NULL);
}

/* P-HYG-2: qualification like Dropcontact's. */
static void test_email_qualification(void **state)
{
	assert_string_equal(contacts_email_kind("jean.dupont@acme.fr", "Jean", "Dupont"),
			    "nominative@pro");
	assert_string_equal(contacts_email_kind("jdupont@gmail.com", "Jean", "Dupont"),
			    "nominative@free");
	assert_string_equal(contacts_email_kind("info@acme.fr", "Jean", "Dupont"), "role@pro");
	assert_string_equal(contacts_email_kind("contact+web@orange.fr", NULL, NULL), "role@free");
	assert_string_equal(contacts_email_kind("x7@yopmail.com", NULL, NULL), "disposable");
	assert_string_equal(contacts_email_kind("zz9@acme.fr", "Jean", "Dupont"), "other@pro");
	assert_string_equal(contacts_email_kind(NULL, NULL, NULL), "invalid");
}

/* P-HYG-2: phones to E.164 from a default country, with type. */
static void test_phone_e164(void **state)
{
	const char *type = NULL;
	char *p = contacts_clean_phone("06 12 34 56 78", "FR", &type);
	assert_string_equal(p, "+33612345678");
	assert_string_equal(type, "mobile");
	free(p);
	p = contacts_clean_phone("01.42.68.53.00", "FR", &type);
	assert_string_equal(p, "+33142685300");
	assert_string_equal(type, "fixed");
	free(p);
	p = contacts_clean_phone("+44 20 7946 0958", "FR", &type); /* + wins over default */
	assert_string_equal(p, "+442079460958");
	free(p);
	p = contacts_clean_phone("0033 6 12 34 56 78", "DE", &type);
	assert_string_equal(p, "+33612345678");
	free(p);
	p = contacts_clean_phone("(650) 253-0000", "US", &type);
	assert_string_equal(p, "+16502530000");
	free(p);
	p = contacts_clean_phone("Tel: +33 (0)6 12 34 56 78", "FR", &type);
	assert_string_equal(p, "+33612345678"); /* the full parser handles noise */
	free(p);
	assert_null(contacts_clean_phone("12", "FR", &type));
	assert_null(contacts_clean_phone("call me", "FR", &type));
	assert_null(contacts_clean_phone("06 12 34", "FR", &type));
}

/* P-HYG-2: company and website from a professional domain (via the public
 * suffix list), never from free-mail. */
static void test_company_and_website_from_domain(void **state)
{
	char *c = contacts_company_from_email("ann@mail.acme-corp.co.uk");
	assert_string_equal(c, "Acme Corp");
	free(c);
	assert_null(contacts_company_from_email("ann@gmail.com"));
	assert_null(contacts_company_from_email("ann@yopmail.com"));
	char *d = contacts_registrable_domain("mail.acme-corp.co.uk");
	assert_string_equal(d, "acme-corp.co.uk");
	free(d);
	char *w = contacts_clean_website("https://user@WWW.Acme.com:443/about?x=1");
	assert_string_equal(w, "acme.com");
	free(w);
	assert_null(contacts_clean_website("not a site"));
	char *t = contacts_clean_job_title("  chief executive officer and ceo ");
	assert_string_equal(t, "Chief Executive Officer and CEO");
	free(t);
	t = contacts_clean_job_title("Head of R&D");
	assert_string_equal(t, "Head of R&D");
	free(t);
}

/* P-HYG-2: a whole book, every change recorded with before/after/why. */
static void test_clean_book_reports_changes(void **state)
{
	struct contacts_book *b = contacts_book_new();
	struct contact *c = contacts_book_add(b);
	contacts_set(b, c, CF_ID, "r1");
	contacts_set(b, c, CF_FULL_NAME, "MARIE DUPONT");
	contacts_set(b, c, CF_EMAIL, "Marie.Dupont@GMIAL.com");
	contacts_set(b, c, CF_PHONE, "06 12 34 56 78");
	struct contact *d = contacts_book_add(b);
	contacts_set(b, d, CF_ID, "r2");
	contacts_set(b, d, CF_FIRST, "dominique");
	contacts_set(b, d, CF_LAST, "mcdonald");
	contacts_set(b, d, CF_EMAIL, "d.mcdonald@initech.com");
	contacts_set(b, d, CF_WEBSITE, "http://www.initech.com/");
	struct contacts_clean_opts o = {.default_country = "FR", .lang = "fr", .keep_changes = 1};
	struct contacts_clean_stats st;
	struct contacts_changes ch = {0};
	const char *err = NULL;
	assert_int_equal(contacts_clean(b, &o, &st, &ch, &err), 0);
	c = &b->recs[0];
	d = &b->recs[1];
	assert_string_equal(c->v[CF_FIRST], "Marie");
	assert_string_equal(c->v[CF_LAST], "Dupont");
	assert_string_equal(c->v[CF_CIVILITY], "Mme");
	assert_string_equal(c->v[CF_EMAIL], "marie.dupont@gmail.com");
	assert_string_equal(c->v[CF_EMAIL_KIND], "nominative@free");
	assert_string_equal(c->v[CF_PHONE], "+33612345678");
	assert_null(c->v[CF_COMPANY]); /* free-mail says nothing of the employer */
	assert_string_equal(d->v[CF_LAST], "McDonald");
	assert_null(d->v[CF_CIVILITY]); /* Dominique: not clear */
	assert_string_equal(d->v[CF_COMPANY], "Initech");
	assert_string_equal(d->v[CF_WEBSITE], "initech.com");
	assert_int_equal(st.email_typo_fixed, 1);
	assert_int_equal(st.names_split, 1);
	bool typo_logged = false;
	for (size_t i = 0; i < ch.n; i++)
		if (ch.v[i].field == CF_EMAIL && ch.v[i].rec == 0) {
			assert_string_equal(ch.v[i].before, "Marie.Dupont@GMIAL.com");
			assert_string_equal(ch.v[i].after, "marie.dupont@gmail.com");
			assert_string_equal(ch.v[i].why, "domain typo corrected");
			typo_logged = true;
		}
	assert_true(typo_logged);
	contacts_changes_free(&ch);
	contacts_book_free(&b);
}

/* P-HYG-2: the folded form used for search tokens (server blind indexes). */
static void test_fold_for_search(void **state)
{
	(void)state;
	char *f = contacts_fold("  Müller-LÜDENSCHEIDT, José ");
	assert_string_equal(f, "muller ludenscheidt jose");
	free(f);
	f = contacts_fold(NULL);
	assert_string_equal(f, "");
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_capitalisation),
		cmocka_unit_test(test_full_name_split),
		cmocka_unit_test(test_civility_only_when_clear),
		cmocka_unit_test(test_email_syntax_and_typos),
		cmocka_unit_test(test_email_qualification),
		cmocka_unit_test(test_phone_e164),
		cmocka_unit_test(test_company_and_website_from_domain),
		cmocka_unit_test(test_clean_book_reports_changes),
		cmocka_unit_test(test_fold_for_search),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
