/* Art. 30 record, TOM report, end of contract (issue 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/ids.h"
#include "crypto/keys.h"
#include "domain/jobs.h"
#include "privacy/deletion_log.h"
#include "compliance/register.h"
#include "compliance/retention.h"
#include "compliance/subprocessors.h"
#include "compliance/termination.h"
#include "compliance/tom.h"
#include "store/store.h"
#include "test_privacy_registers_fixture.h"

#define DAY 86400

/* P-REG-1 */
static void test_ropa_from_catalog(void **state)
{
	struct rfx *f = *state;
	const char *error = NULL;
	char sp_id[IDS_UUID_LEN];
	struct subprocessor sp = {"Cloud <Inc>", "1 Main St, Boston", "backup storage",
	                          "encrypted backups", "US", NULL};
	assert_int_equal(subprocessors_put(&f->app, f->st, &f->op_actor, NULL, &sp, sp_id, &error),
	                 0);
	json_t *r = register_ropa_json(&f->app, f->st, f->tenant);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "controller"),
	                                                      "name")),
	                    "Acme");
	assert_true(json_array_size(json_object_get(r, "processing")) >= 3);
	char *dump = json_dumps(r, 0);
	assert_non_null(strstr(dump, "dpv-pd:EmailAddress"));
	assert_non_null(strstr(dump, "security of processing"));
	free(dump);
	assert_int_equal(json_array_size(json_object_get(json_object_get(r, "transfers"),
	                                                 "subprocessors_outside_eea")),
	                 1);
	char *html = register_ropa_html(r);
	assert_non_null(strstr(html, "Cloud &lt;Inc&gt;"));
	assert_null(strstr(html, "Cloud <Inc>"));
	free(html);
	json_decref(r);
	assert_null(register_ropa_json(&f->app, f->st, "00000000-0000-4000-8000-000000000000"));
}

static json_t *check(json_t *report, const char *id)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(report, "checks"), i, c) if (
	    strcmp(json_string_value(json_object_get(c, "id")), id) == 0) return c;
	fail_msg("no check %s", id);
	return NULL;
}

static bool passed(json_t *report, const char *id)
{
	return json_is_true(json_object_get(check(report, id), "ok"));
}

/* P-REG-2 */
static void test_tom_report_verifies_claims(void **state)
{
	struct rfx *f = *state;
	char path[160];
	json_t *r = tom_report_json(&f->app, f->st, f->tenant, f->now);
	assert_true(passed(r, "sealing"));
	assert_true(passed(r, "password_hashing"));
	assert_true(passed(r, "audit_chain"));
	assert_true(passed(r, "master_key_file"));
	assert_false(passed(r, "retention_jobs")); /* never ran yet */
	assert_false(passed(r, "tls"));            /* no listener in a unit test */
	assert_false(json_is_true(json_object_get(r, "ok")));
	assert_non_null(strstr(json_string_value(json_object_get(r, "summary")), "retention_jobs"));
	json_decref(r);
	/* After a sweep, the retention check passes; a loose key file fails. */
	assert_int_equal(jobs_ensure_recurring(f->st, f->now), 0);
	rfx_run_at(f, f->now);
	snprintf(path, sizeof(path), "%s/master.key", f->app.data_dir);
	assert_int_equal(chmod(path, 0644), 0);
	r = tom_report_json(&f->app, f->st, f->tenant, f->now + 60);
	assert_true(passed(r, "retention_jobs"));
	assert_false(passed(r, "master_key_file"));
	char *html = tom_report_html(r);
	assert_non_null(strstr(html, "FAILED"));
	free(html);
	json_decref(r);
	assert_int_equal(chmod(path, 0600), 0);
	/* Three hours later without a run, the retention check fails again. */
	r = tom_report_json(&f->app, f->st, f->tenant, f->now + 3 * 3600 + 120);
	assert_false(passed(r, "retention_jobs"));
	json_decref(r);
	/* A stored value that is not sealed is caught. */
	assert_int_equal(store_run(f->st, "UPDATE accounts SET email_sealed = ? WHERE id = ?", "bs",
	                           "alice@example.org", (size_t)17, f->user.id),
	                 STORE_DONE);
	r = tom_report_json(&f->app, f->st, f->tenant, f->now);
	assert_false(passed(r, "sealing"));
	assert_non_null(strstr(json_string_value(json_object_get(check(r, "sealing"), "detail")),
	                       "accounts.email_sealed"));
	json_decref(r);
}

/* P-END-1 */
static void test_termination_returns_and_destroys(void **state)
{
	struct rfx *f = *state;
	const char *error = NULL;
	char other[IDS_UUID_LEN];
	struct account bob;
	rfx_tenant(f, "Survivor", other);
	rfx_account(f, other, "bob", ROLE_USER, &bob);
	assert_int_equal(termination_schedule(&f->app, f->st, &f->op_actor, f->tenant, f->now + DAY,
	                                      45, &error),
	                 -1);
	assert_int_equal(termination_schedule(&f->app, f->st, &f->op_actor, f->tenant, f->now + DAY,
	                                      10, &error),
	                 0);
	rfx_run_at(f, f->now + 5 * DAY); /* not due yet */
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM accounts WHERE tenant_id = ?", f->tenant),
	                 2);
	rfx_run_at(f, f->now + 11 * DAY + 1);
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM accounts WHERE tenant_id = ?", f->tenant),
	                 0);
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM tenants WHERE id = ?", f->tenant), 0);
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM tenant_keys WHERE tenant_id = ?",
	                           f->tenant),
	                 0);
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM audit_log WHERE tenant_id = ?",
	                           f->tenant),
	                 0);
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM login_events WHERE tenant_id = ?",
	                           f->tenant),
	                 0);
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM subject_keys WHERE tenant_id = ?",
	                           f->tenant),
	                 0);
	/* The purge of the audit chain is itself recorded in the installation
	 * chain (tenant ""), with the tenant as its target. */
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM audit_purges WHERE tenant_id = ?",
	                           f->tenant),
	                 1);
	assert_int_equal(rfx_count(f,
	                           "SELECT COUNT(*) FROM audit_log WHERE tenant_id = '' AND"
	                           " action = 'tenant.audit_purge' AND target_id = ?",
	                           f->tenant),
	                 1);
	/* The deletion log (P-END-1): one entry for the destruction, at the run's
	 * time, with the categories and counts and never the data. */
	struct dsr_ctx cx = {f->app.keys, f->st, 0};
	json_t *log = NULL;
	assert_int_equal(deletion_log_list(&cx, f->tenant, &log), 0);
	assert_int_equal(json_array_size(log), 1);
	json_t *entry = json_array_get(log, 0);
	assert_int_equal(json_integer_value(json_object_get(entry, "erased_at")), f->now + 11 * DAY + 1);
	assert_string_equal(json_string_value(json_object_get(entry, "instructed_role")), "system");
	json_t *cats = json_object_get(entry, "categories");
	/* two accounts: their user names and (at least) their e-mail addresses */
	assert_int_equal(json_integer_value(json_object_get(cats, "dpv-pd:Username")), 2);
	assert_true(json_integer_value(json_object_get(cats, "dpv-pd:EmailAddress")) >= 2);
	assert_true(json_integer_value(json_object_get(entry, "items")) >= 2);
	char *log_text = json_dumps(log, 0);
	assert_null(strstr(log_text, "alice"));
	free(log_text);
	json_decref(log);
	/* The other tenant is untouched. */
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM accounts WHERE tenant_id = ?", other), 1);
	json_t *t = termination_get_json(f->st, f->tenant);
	assert_string_equal(json_string_value(json_object_get(t, "status")), "done");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(t, "deleted"),
	                                                    "accounts")),
	                 2);
	char path[256];
	snprintf(path, sizeof(path), "%s/exports/%s", f->app.data_dir,
	         json_string_value(json_object_get(t, "archive")));
	json_decref(t);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	json_t *archive = json_load_file(path, 0, NULL);
	assert_non_null(archive);
	char *dump = json_dumps(archive, 0);
	assert_non_null(strstr(dump, "alice@example.org")); /* the e-mail, opened */
	assert_non_null(strstr(dump, "\"alice\""));
	assert_null(strstr(dump, "\"bob\""));
	free(dump);
	json_decref(archive);
	assert_int_equal(termination_schedule(&f->app, f->st, &f->op_actor, f->tenant, f->now, 0,
	                                      &error),
	                 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ropa_from_catalog, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_tom_report_verifies_claims, rfx_setup,
	                                    rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_termination_returns_and_destroys, rfx_setup,
	                                    rfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
