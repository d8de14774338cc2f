/* Unit tests of privacy/dsr, consent, restriction and archive (issue 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/module.h"
#include "crypto/keys.h"
#include "privacy/keys_catalog.h"
#include "domain/auth.h"
#include "domain/mail_catalog.h"
#include "domain/profile.h"
#include "privacy/archive.h"
#include "privacy/audit.h"
#include "privacy/catalog.h"
#include "privacy/consent.h"
#include "domain/consent_mail.h"
#include "privacy/deletion_log.h"
#include "privacy/dsr.h"
#include "privacy/restriction.h"
#include "store/store.h"
#include "test_accounts_fixture.h"

extern const struct catalog_column accounts_catalog[];
extern const struct catalog_table accounts_catalog_tables[];

static int setup(void **state)
{
	privacy_catalog_reset();
	privacy_catalog_register(crypto_catalog);
	privacy_catalog_register(audit_catalog);
	privacy_catalog_register(mail_catalog);
	privacy_catalog_register(jobs_catalog);
	privacy_catalog_register(accounts_catalog);
	privacy_catalog_register(dsr_catalog);
	privacy_catalog_register_tables(crypto_catalog_tables);
	privacy_catalog_register_tables(audit_catalog_tables);
	privacy_catalog_register_tables(mail_catalog_tables);
	privacy_catalog_register_tables(jobs_catalog_tables);
	privacy_catalog_register_tables(accounts_catalog_tables);
	privacy_catalog_register_tables(dsr_tables);
	return afx_setup(state);
}

static struct dsr_ctx cx_of(struct afx *f)
{
	struct dsr_ctx cx = {f->app.keys, f->st, 100};
	return cx;
}

static int marketing(struct afx *f, const struct account *a, const char **error)
{
	int rc;
	assert_int_equal(store_tx_begin(f->st), 0);
	rc = consent_mail_enqueue(&f->app, f->st, a->tenant_id, a->id, CONSENT_MAIL_MARKETING,
	                          "x@example.org", "News", "Hello", error);
	if (rc == 0)
		assert_int_equal(store_tx_commit(f->st), 0);
	else
		store_tx_rollback(f->st);
	return rc;
}

/* P-DSR-6 */
static void test_marketing_mail_needs_current_consent(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct dsr_ctx cx = cx_of(f);
	const char *error = NULL;
	char tid[IDS_UUID_LEN], oid[IDS_UUID_LEN];
	afx_tenant(f, "org-consent", tid);
	afx_account(f, tid, "carla", ROLE_USER, &a);
	struct dsr_actor self = {a.id, "user"};
	assert_int_equal(marketing(f, &a, &error), -1);
	assert_string_equal(error, "consent_required");
	assert_int_equal(consent_set(&cx, &self, tid, a.id, CONSENT_MARKETING_EMAIL, true, &error),
	                 0);
	assert_int_equal(marketing(f, &a, &error), 0);
	assert_int_equal(
	    afx_count(f, "SELECT COUNT(*) FROM mail_outbox WHERE kind = ?", "marketing"), 1);
	assert_int_equal(consent_set(&cx, &self, tid, a.id, CONSENT_MARKETING_EMAIL, false, &error),
	                 0);
	assert_int_equal(marketing(f, &a, &error), -1); /* withdrawal takes effect at once */
	assert_string_equal(error, "consent_required");
	/* given again, then an objection to marketing ends it (Art. 21(3)) */
	assert_int_equal(consent_set(&cx, &self, tid, a.id, CONSENT_MARKETING_EMAIL, true, &error),
	                 0);
	assert_int_equal(objection_record(&cx, &self, tid, a.id, "marketing", NULL, oid, &error),
	                 0);
	assert_false(consent_current(f->st, a.id, CONSENT_MARKETING_EMAIL));
	assert_int_equal(afx_count(f, "SELECT COUNT(*) FROM objections WHERE account_id = ?", a.id),
	                 1);
	assert_int_equal(consent_set(&cx, &self, tid, a.id, "unknown_purpose", true, &error), -1);
}

/* P-DSR-4 */
static void test_restriction_refuses_login_and_mail(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct dsr_ctx cx = cx_of(f);
	struct login_result r;
	const char *error = NULL;
	char tid[IDS_UUID_LEN];
	afx_tenant(f, "org-restrict", tid);
	afx_account(f, tid, "rita", ROLE_USER, &a);
	struct dsr_actor self = {a.id, "user"};
	assert_int_equal(consent_set(&cx, &self, tid, a.id, CONSENT_MARKETING_EMAIL, true, &error),
	                 0);
	assert_int_equal(restriction_set(&cx, &self, tid, a.id, true, &error), 0);
	assert_true(restriction_is_set(f->st, a.id, NULL));
	assert_int_equal(
	    auth_login(&f->app, f->st, "rita", "password-rita", "192.0.2.1", 0, &r, &error), -1);
	assert_string_equal(error, "account_restricted");
	assert_int_equal(marketing(f, &a, &error), -1);
	assert_string_equal(error, "account_restricted");
	assert_int_equal(restriction_set(&cx, &self, tid, a.id, false, &error), 0);
	assert_int_equal(
	    auth_login(&f->app, f->st, "rita", "password-rita", "192.0.2.1", 0, &r, &error), 0);
}

/* P-DSR-3 */
static void test_erasure_writes_deletion_log(void **state)
{
	struct afx *f = *state;
	struct account a, admin;
	struct actor act;
	struct dsr_ctx cx = cx_of(f);
	const char *error = NULL;
	char tid[IDS_UUID_LEN];
	json_t *log = NULL;
	afx_tenant(f, "org-erase", tid);
	afx_account(f, tid, "adam", ROLE_TENANT_ADMIN, &admin);
	afx_account(f, tid, "eve", ROLE_USER, &a);
	actor_from_account(&act, &admin);
	assert_int_equal(accounts_erase(&f->app, f->st, &act, a.id, &error), 0);
	assert_int_equal(accounts_erase(&f->app, f->st, &act, a.id, &error), -1);
	assert_string_equal(error, "not_found");
	assert_false(keys_subject_exists(f->app.keys, f->st, tid, a.id));
	assert_int_equal(deletion_log_list(&cx, tid, &log), 0);
	assert_int_equal(json_array_size(log), 1);
	json_t *e = json_array_get(log, 0);
	json_t *erased = json_object_get(json_object_get(e, "categories"), "erased");
	assert_int_equal(json_integer_value(json_object_get(erased, "dpv-pd:Username")), 1);
	assert_int_equal(json_integer_value(json_object_get(erased, "dpv-pd:FirstName")), 1);
	assert_string_equal(json_string_value(json_object_get(e, "instructed_by")), admin.id);
	char *text = json_dumps(log, 0);
	assert_null(strstr(text, a.id));
	assert_null(strstr(text, "eve"));
	free(text);
	json_decref(log);
	/* the pseudonym lets the holder of the id show it was erased */
	char ref[65];
	assert_int_equal(deletion_log_subject_ref(&cx, tid, a.id, ref), 0);
	assert_int_equal(
	    afx_count(f, "SELECT COUNT(*) FROM deletion_log WHERE subject_ref = ?", ref), 1);
}

static int refuse(struct store *st, const char *tenant_id, const char *subject_id,
                  const char **reason_r)
{
	*reason_r = "legal hold";
	return 1;
}

/* P-DSR-3: a guard (legal hold) refuses with no partial state. */
static void test_erasure_guard_refuses(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct actor sys;
	const char *error = NULL;
	actor_system(&sys, "operator-cli");
	afx_account(f, "", "held", ROLE_USER, &a);
	static const struct module holding = {.name = "test.holding",
	                                      .privacy = {.erase_guard = refuse}};
	module_register(&holding);
	assert_int_equal(accounts_erase(&f->app, f->st, &sys, a.id, &error), -1);
	module_reset();
	assert_string_equal(error, "legal_hold");
	assert_int_equal(accounts_get(f->st, a.id, &a, &error), 0);
	assert_true(keys_subject_exists(f->app.keys, f->st, "", a.id));
	assert_int_equal(afx_count(f, "SELECT COUNT(*) FROM deletion_log", NULL), 0);
}

/* P-DSR-1, P-DSR-5: every table with personal data declares its subject column. */
static void test_every_personal_table_declared(void **state)
{
	char *problems = NULL;
	(void)state;
	int rc = privacy_catalog_check_tables(&problems);
	if (rc != 0)
		fprintf(stderr, "%s\n", problems);
	assert_int_equal(rc, 0);
	static const struct catalog_column bad[] = {
	    {"ghost", "name", true, false, "dpv-pd:Name", "end user", "p", "b", "r", 0,
	     ERASE_DELETE, EXPORT_VALUE, NULL},
	    {0},
	};
	privacy_catalog_register(bad);
	assert_int_equal(privacy_catalog_check_tables(&problems), -1);
	assert_non_null(strstr(problems, "ghost"));
	free(problems);
}

struct count_ctx {
	int files;
	size_t bytes;
};

static int count_fn(const char *name, const unsigned char *data, size_t len, void *ctx)
{
	struct count_ctx *c = ctx;
	c->files++;
	c->bytes += len;
	return 0;
}

/* P-DSR-5: the archive writer and the strict reader. */
static void test_archive_round_trip_and_bad_input(void **state)
{
	struct archive_writer w = {NULL, 0, 0};
	struct count_ctx c = {0, 0};
	size_t n = 0;
	(void)state;
	assert_int_equal(archive_add(&w, "manifest.json", "{}", 2, 1), 0);
	assert_int_equal(archive_add(&w, "files/a.png", "12345", 5, 1), 0);
	assert_int_equal(archive_add(&w, "../evil", "x", 1, 1), -1);
	assert_int_equal(archive_add(&w, "/abs", "x", 1, 1), -1);
	archive_finish(&w);
	assert_int_equal(archive_each(w.buf, w.len, 10, count_fn, &c), 0);
	assert_int_equal(c.files, 2);
	assert_int_equal(c.bytes, 7);
	const unsigned char *d = archive_find(w.buf, w.len, "files/a.png", &n);
	assert_non_null(d);
	assert_memory_equal(d, "12345", 5);
	assert_int_equal(archive_each(w.buf, w.len, 1, count_fn, &c), -1); /* too many files */
	w.buf[130] ^= 1;                                                   /* size field */
	assert_int_equal(archive_each(w.buf, w.len, 10, count_fn, &c), -1);
	assert_int_equal(archive_each("junk", 4, 10, count_fn, &c), -1);
	archive_writer_free(&w);
}

/* P-DSR-1: the report opens sealed values and escapes them in HTML. */
static void test_report_html_escapes(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct actor self;
	struct dsr_ctx cx = cx_of(f);
	const char *error = NULL, *field = NULL;
	json_t *r = NULL;
	afx_account(f, "", "hugo", ROLE_USER, &a);
	actor_from_account(&self, &a);
	json_t *patch = json_pack("{s:s}", "nickname", "<b>&\"x'</b>");
	assert_int_equal(profile_patch(&f->app, f->st, &self, &a, patch, &error, &field), 0);
	json_decref(patch);
	assert_int_equal(dsr_report(&cx, "", a.id, &r), 0);
	char *html = dsr_report_html(r);
	assert_non_null(strstr(html, "&lt;b&gt;&amp;&quot;x&#39;&lt;/b&gt;"));
	assert_null(strstr(html, "<b>"));
	assert_non_null(strstr(html, "dpv-pd:Nickname"));
	free(html);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_marketing_mail_needs_current_consent, setup,
	                                    afx_teardown),
	    cmocka_unit_test_setup_teardown(test_restriction_refuses_login_and_mail, setup,
	                                    afx_teardown),
	    cmocka_unit_test_setup_teardown(test_erasure_writes_deletion_log, setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_erasure_guard_refuses, setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_report_html_escapes, setup, afx_teardown),
	    cmocka_unit_test_setup_teardown(test_every_personal_table_declared, setup,
	                                    afx_teardown),
	    cmocka_unit_test_setup_teardown(test_archive_round_trip_and_bad_input, setup,
	                                    afx_teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	privacy_catalog_reset();
	return rc;
}
