/* Unit tests for contacts mailbox refresh (P-HYG-4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "contacts/contacts.h"

static struct contacts_book *book(void)
{
	static const char csv[] = "id,first_name,last_name,email,last_seen\n"
				  "1,Ann,Lee,ann@oldco.com,2025-01-01\n"
				  "2,Bob,Stone,bob@acme.com,2025-01-01\n"
				  "3,Cy,Young,cy@acme.com,\n";
	struct contacts_book *b = contacts_book_new();
	const char *err = NULL;
	assert_int_equal(contacts_book_import_csv(b, csv, sizeof(csv) - 1, NULL, &err), 0);
	return b;
}

/* P-HYG-4: refused unless the employees were informed (and agreed when the
 * tenant requires it); nothing is changed then. */
static void test_refused_without_information(void **state)
{
	struct contacts_book *b = book();
	const char ev[] = "email,date,type\nann@oldco.com,2026-01-02,bounce\n";
	struct contacts_refresh_opts o = {0};
	const char *err = NULL;
	assert_int_equal(contacts_refresh(b, ev, sizeof(ev) - 1, &o, NULL, NULL, &err), -1);
	assert_non_null(strstr(err, "informed"));
	o.employees_informed = 1;
	o.consent_required = 1;
	assert_int_equal(contacts_refresh(b, ev, sizeof(ev) - 1, &o, NULL, NULL, &err), -1);
	assert_non_null(strstr(err, "agreement"));
	assert_null(b->recs[0].v[CF_EMAIL_STATUS]);
	contacts_book_free(&b);
}

/* P-HYG-4: a bounce marks the address; a newer address from the same person
 * replaces it, the old value kept in the change list. */
static void test_bounce_then_new_address(void **state)
{
	struct contacts_book *b = book();
	const char ev[] = "email,date,type,name\n"
			  "ann@oldco.com,2026-01-02,bounce,\n"
			  "Ann Lee <ann.lee@newco.io>,2026-02-01,message,Ann Lee\n"
			  "bob@acme.com,2026-03-01,message,Bob Stone\n"
			  "eve@else.org,2026-03-01,message,Eve Else\n";
	struct contacts_refresh_opts o = {.employees_informed = 1};
	struct contacts_refresh_stats st;
	struct contacts_changes ch = {0};
	const char *err = NULL;
	assert_int_equal(contacts_refresh(b, ev, sizeof(ev) - 1, &o, &st, &ch, &err), 0);
	assert_string_equal(b->recs[0].v[CF_EMAIL], "ann.lee@newco.io");
	assert_string_equal(b->recs[0].v[CF_EMAIL_STATUS], "updated");
	assert_string_equal(b->recs[0].v[CF_LAST_SEEN], "2026-02-01");
	assert_string_equal(b->recs[1].v[CF_LAST_SEEN], "2026-03-01");
	assert_int_equal(st.bounces_marked, 1);
	assert_int_equal(st.addresses_updated, 1);
	assert_int_equal(st.ignored, 1);
	int found = 0;
	for (size_t i = 0; i < ch.n; i++)
		if (ch.v[i].field == CF_EMAIL) {
			assert_string_equal(ch.v[i].before, "ann@oldco.com");
			found++;
		}
	assert_int_equal(found, 1);
	contacts_changes_free(&ch);
	contacts_book_free(&b);
}

/* P-HYG-4: an mbox with a delivery-status report and a normal message. */
static void test_mbox(void **state)
{
	struct contacts_book *b = book();
	const char mbox[] = "From MAILER-DAEMON Tue Mar  3 10:00:00 2026\n"
			    "From: Mail Delivery System <MAILER-DAEMON@mx.acme.com>\n"
			    "Date: Tue, 3 Mar 2026 10:00:00 +0100\n"
			    "Content-Type: multipart/report; report-type=delivery-status\n"
			    "\n"
			    "Final-Recipient: rfc822; cy@acme.com\n"
			    "Status: 5.1.1\n"
			    "\n"
			    "From bob@acme.com Wed Mar  4 10:00:00 2026\n"
			    "From: \"Bob Stone\" <bob@acme.com>\n"
			    "Date: Wed, 4 Mar 2026 09:00:00 +0100\n"
			    "\n"
			    "hello\n";
	struct contacts_refresh_opts o = {.employees_informed = 1, .consent_required = 1,
					  .employees_agreed = 1};
	struct contacts_refresh_stats st;
	const char *err = NULL;
	assert_int_equal(contacts_refresh(b, mbox, sizeof(mbox) - 1, &o, &st, NULL, &err), 0);
	assert_string_equal(b->recs[2].v[CF_EMAIL_STATUS], "bounced");
	assert_string_equal(b->recs[1].v[CF_LAST_SEEN], "2026-03-04");
	assert_int_equal(st.events, 2);
	contacts_book_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_without_information),
		cmocka_unit_test(test_bounce_then_new_address),
		cmocka_unit_test(test_mbox),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
