/* Retention rules, sweeps, legal holds and instructions (issue 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/ids.h"
#include "domain/accounts.h"
#include "domain/contact_book.h"
#include "domain/jobs.h"
#include "compliance/instructions.h"
#include "compliance/legal_hold.h"
#include "compliance/retention.h"
#include "store/store.h"
#include "test_privacy_registers_fixture.h"

#define DAY 86400

static void login_event(struct rfx *f, const char *account_id, int64_t at)
{
	char id[IDS_UUID_LEN];
	ids_uuid4(id);
	assert_int_equal(store_run(f->st,
	                           "INSERT INTO login_events (id, account_id, tenant_id, at_ms,"
	                           " addr_hash, result) VALUES (?, ?, ?, ?, 'h', 'success')",
	                           "sssi", id, account_id, f->tenant, at * 1000),
	                 STORE_DONE);
}

static long events(struct rfx *f)
{
	return rfx_count(f, "SELECT COUNT(*) FROM login_events WHERE tenant_id = ?", f->tenant);
}

/* P-LOG-2 */
static void test_connection_logs_expire_after_one_year(void **state)
{
	struct rfx *f = *state;
	assert_int_equal(store_run(f->st, "DELETE FROM login_events", ""), STORE_DONE);
	login_event(f, f->user.id, f->now - 366 * DAY);
	login_event(f, f->user.id, f->now - 364 * DAY);
	assert_int_equal(jobs_ensure_recurring(f->st, f->now), 0);
	assert_true(rfx_run_at(f, f->now) >= 1);
	assert_int_equal(events(f), 1);
	assert_int_equal(rfx_count(f,
	                           "SELECT deleted FROM retention_log WHERE tenant_id = ? AND"
	                           " category = 'connection_logs'",
	                           f->tenant),
	                 1);
	assert_true(jobs_last_success(f->st, "retention.sweep") > 0);
	/* A day later (the hourly job runs again) the second one is gone too. */
	rfx_run_at(f, f->now + 2 * DAY);
	assert_int_equal(events(f), 0);
}

static void import_report(struct rfx *f, int64_t at)
{
	char id[IDS_UUID_LEN];
	static const unsigned char sealed[] = {1, 2, 3};
	ids_uuid4(id);
	assert_int_equal(store_run(f->st,
	                           "INSERT INTO contact_imports (id, tenant_id, format, rows_read,"
	                           " rows_imported, rows_repaired, rows_rejected, changes,"
	                           " report_sealed, created_at) VALUES (?, ?, 'csv', 3, 2, 0, 1, 0,"
	                           " ?, ?)",
	                           "ssbi", id, f->tenant, sealed, sizeof(sealed), at),
	                 STORE_DONE);
}

/* P-RET-1 */
/* The contact book's import reports (raw text of rejected rows) are kept 90
 * days by default, the tenant may shorten that, and each sweep that deletes
 * them is recorded in the retention log. */
static void test_contact_import_reports_expire(void **state)
{
	struct rfx *f = *state;
	const char *reason = NULL, *error = NULL;
	privacy_catalog_register(contact_book_catalog);
	const struct retention_decl *d = retention_find("contact_import_reports");
	assert_non_null(d);
	assert_int_equal(retention_default_days(d), 90);
	import_report(f, f->now - 91 * DAY);
	import_report(f, f->now - 89 * DAY);
	import_report(f, f->now - 10 * DAY);
	assert_int_equal(jobs_ensure_recurring(f->st, f->now), 0);
	assert_true(rfx_run_at(f, f->now) >= 1);
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM contact_imports WHERE tenant_id = ?",
	                           f->tenant),
	                 2);
	assert_int_equal(rfx_count(f,
	                           "SELECT deleted FROM retention_log WHERE tenant_id = ? AND"
	                           " category = 'contact_import_reports' AND table_name ="
	                           " 'contact_imports'",
	                           f->tenant),
	                 1);
	/* The tenant shortens it to 30 days: the next hourly sweep takes one more. */
	assert_int_equal(retention_set(&f->app, f->st, &f->admin_actor, f->tenant,
	                               "contact_import_reports", 30, &reason, &error),
	                 0);
	rfx_run_at(f, f->now + 2 * 3600);
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM contact_imports WHERE tenant_id = ?",
	                           f->tenant),
	                 1);
	assert_int_equal(rfx_count(f,
	                           "SELECT COUNT(*) FROM retention_log WHERE tenant_id = ? AND"
	                           " category = 'contact_import_reports'",
	                           f->tenant),
	                 2);
}

/* P-RET-1 P-ACC-1 */
/* A pending self-registration whose code expired is erased by the hourly
 * job, without waiting for the next registration, and recorded in the
 * retention log; a fresh one stays. */
static void test_expired_pending_registrations_purged(void **state)
{
	struct rfx *f = *state;
	const char *error = NULL;
	char stale[IDS_UUID_LEN], fresh[IDS_UUID_LEN], otp[64];
	struct actor sys;
	actor_system(&sys, "system");
	struct account_new a = {.tenant_id = "",
	                        .username = "stale",
	                        .password = "password-stale",
	                        .email = "stale@example.org",
	                        .role = ROLE_USER,
	                        .status = "pending"};
	assert_int_equal(accounts_create(&f->app, f->st, &sys, &a, stale, otp, &error), 0);
	struct account_new b = {.tenant_id = "",
	                        .username = "fresh",
	                        .password = "password-fresh",
	                        .email = "fresh@example.org",
	                        .role = ROLE_USER,
	                        .status = "pending"};
	assert_int_equal(accounts_create(&f->app, f->st, &sys, &b, fresh, otp, &error), 0);
	int64_t ttl = f->cfg.confirm_ttl_s;
	assert_int_equal(store_run(f->st, "UPDATE accounts SET created_at = ? WHERE id = ?", "is",
	                           f->now - ttl - 60, stale),
	                 STORE_DONE);
	assert_int_equal(store_run(f->st, "UPDATE accounts SET created_at = ? WHERE id = ?", "is",
	                           f->now - 60, fresh),
	                 STORE_DONE);
	assert_int_equal(jobs_ensure_recurring(f->st, f->now), 0);
	assert_true(rfx_run_at(f, f->now) >= 1);
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM accounts WHERE id = ?", stale), 0);
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM accounts WHERE id = ?", fresh), 1);
	assert_int_equal(rfx_count(f,
	                           "SELECT deleted FROM retention_log WHERE tenant_id = '' AND"
	                           " category = 'pending_registrations' AND table_name = ?",
	                           "accounts"),
	                 1);
	assert_true(jobs_last_success(f->st, "accounts.pending_purge") == f->now);
}

/* P-RET-1 P-LOG-2 */
static void test_rules_within_legal_limits(void **state)
{
	struct rfx *f = *state;
	const char *reason = NULL, *error = NULL;
	assert_int_equal(retention_set(&f->app, f->st, &f->admin_actor, f->tenant,
	                               "connection_logs", 30, &reason, &error),
	                 -1);
	assert_string_equal(error, "instruction_refused");
	assert_non_null(strstr(reason, "one year"));
	assert_int_equal(retention_set(&f->app, f->st, &f->admin_actor, f->tenant,
	                               "instruction_records", 5000, &reason, &error),
	                 -1);
	assert_string_equal(error, "instruction_refused");
	assert_int_equal(retention_set(&f->app, f->st, &f->admin_actor, f->tenant, "audit_log", 10,
	                               &reason, &error),
	                 -1);
	assert_int_equal(retention_set(&f->app, f->st, &f->admin_actor, f->tenant, "nope", 10,
	                               &reason, &error),
	                 -1);
	assert_string_equal(error, "not_found");
	assert_int_equal(retention_set(&f->app, f->st, &f->admin_actor, f->tenant,
	                               "instruction_records", 120, &reason, &error),
	                 0);
	assert_int_equal(retention_effective_days(f->st, f->tenant,
	                                          retention_find("instruction_records")),
	                 120);
	/* P-INS-1: the rule is an audited instruction. */
	assert_int_equal(rfx_count(f,
	                           "SELECT COUNT(*) FROM audit_log WHERE tenant_id = ? AND"
	                           " action = 'retention.set' AND instruction = 1",
	                           f->tenant),
	                 1);
	/* A decided instruction older than 120 days is swept, a newer one kept. */
	assert_int_equal(store_run(f->st,
	                           "INSERT INTO pending_instructions (id, tenant_id, actor_id, kind,"
	                           " payload, reason, status, created_at, decided_at) VALUES"
	                           " ('a', ?, 'x', 'settings', '{}', 'r', 'cancelled', 0, ?),"
	                           " ('b', ?, 'x', 'settings', '{}', 'r', 'cancelled', 0, ?)",
	                           "sisi", f->tenant, f->now - 121 * DAY, f->tenant,
	                           f->now - 100 * DAY),
	                 STORE_DONE);
	int64_t deleted = 0;
	assert_int_equal(retention_sweep(&f->app, f->st, f->now, &deleted), 0);
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM pending_instructions WHERE tenant_id = ?",
	                           f->tenant),
	                 1);
}

/* P-RET-2 */
static void test_legal_hold_suspends_deletion(void **state)
{
	struct rfx *f = *state;
	char hold[IDS_UUID_LEN];
	const char *error = NULL;
	int64_t deleted = 0;
	assert_int_equal(store_run(f->st, "DELETE FROM login_events", ""), STORE_DONE);
	login_event(f, f->user.id, f->now - 400 * DAY);
	login_event(f, f->admin.id, f->now - 400 * DAY);
	assert_int_equal(legal_hold_set(&f->app, f->st, &f->admin_actor, f->tenant, "user",
	                                f->user.id, hold, &error),
	                 0);
	assert_int_equal(legal_hold_set(&f->app, f->st, &f->admin_actor, f->tenant, "user",
	                                f->user.id, hold + 0, &error),
	                 -1);
	assert_string_equal(error, "conflict");
	assert_true(legal_hold_active(f->st, f->tenant, "user", f->user.id));
	assert_int_equal(retention_sweep(&f->app, f->st, f->now, &deleted), 0);
	assert_int_equal(events(f), 1); /* the held user's event stays */
	char held_id[IDS_UUID_LEN];
	struct store_stmt *q = store_query(f->st, "SELECT id FROM legal_holds WHERE subject_id = ?",
	                                   "s", f->user.id);
	assert_int_equal(store_step(q), STORE_ROW);
	snprintf(held_id, sizeof(held_id), "%s", store_col_text(q, 0));
	store_stmt_done(q);
	json_t *list = legal_hold_list_json(f->st, f->tenant);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	assert_int_equal(legal_hold_lift(&f->app, f->st, &f->admin_actor, f->tenant, held_id, &error),
	                 0);
	assert_int_equal(retention_sweep(&f->app, f->st, f->now, &deleted), 0);
	assert_int_equal(events(f), 0);
	assert_int_equal(rfx_count(f,
	                           "SELECT COUNT(*) FROM audit_log WHERE tenant_id = ? AND action IN"
	                           " ('legal_hold.set', 'legal_hold.lift') AND instruction = 1",
	                           f->tenant),
	                 2);
	/* Another tenant's user cannot be held here. */
	char other[IDS_UUID_LEN];
	struct account stranger;
	rfx_tenant(f, "Other", other);
	rfx_account(f, other, "bob", ROLE_USER, &stranger);
	assert_int_equal(legal_hold_set(&f->app, f->st, &f->admin_actor, f->tenant, "user",
	                                stranger.id, hold, &error),
	                 -1);
	assert_string_equal(error, "not_found");
}

/* P-INS-1 P-INS-2 */
static void test_instructions_refused_or_held(void **state)
{
	struct rfx *f = *state;
	const char *reason = NULL, *error = NULL;
	char held[IDS_UUID_LEN];
	json_t *bad = json_pack("{s:b, s:{s:i}}", "discoverable", 0, "retention", "connection_logs",
	                        10);
	assert_int_equal(instructions_apply(&f->app, f->st, &f->admin_actor, f->tenant, bad, held,
	                                    &reason, &error),
	                 -1);
	assert_string_equal(error, "instruction_refused");
	json_decref(bad);
	/* No partial state: discoverable unchanged. */
	assert_int_equal(rfx_count(f, "SELECT discoverable FROM tenants WHERE id = ?", f->tenant), 1);

	json_t *us = json_pack("{s:s}", "transfer_region", "US");
	assert_int_equal(instructions_apply(&f->app, f->st, &f->admin_actor, f->tenant, us, held,
	                                    &reason, &error),
	                 INSTRUCTION_HELD);
	json_decref(us);
	assert_non_null(strstr(reason, "outside the EU"));
	json_t *s = tenant_settings_json(f->st, f->tenant);
	assert_string_equal(json_string_value(json_object_get(s, "transfer_region")), "EU");
	json_decref(s);
	assert_int_equal(instructions_confirm(&f->app, f->st, &f->admin_actor, f->tenant, held,
	                                      false, &error),
	                 -1);
	assert_int_equal(instructions_confirm(&f->app, f->st, &f->admin_actor, f->tenant, held, true,
	                                      &error),
	                 0);
	s = tenant_settings_json(f->st, f->tenant);
	assert_string_equal(json_string_value(json_object_get(s, "transfer_region")), "US");
	assert_true(json_is_true(json_object_get(s, "transfer_consent")));
	json_decref(s);
	assert_int_equal(instructions_confirm(&f->app, f->st, &f->admin_actor, f->tenant, held, true,
	                                      &error),
	                 -1);
	assert_string_equal(error, "conflict");

	json_t *ok = json_pack("{s:b, s:i}", "discoverable", 0, "objection_window_days", 14);
	assert_int_equal(instructions_apply(&f->app, f->st, &f->admin_actor, f->tenant, ok, held,
	                                    &reason, &error),
	                 INSTRUCTION_DONE);
	json_decref(ok);
	assert_int_equal(tenant_settings_objection_window(f->st, f->tenant), 14);
	assert_int_equal(rfx_count(f,
	                           "SELECT COUNT(*) FROM audit_log WHERE tenant_id = ? AND action ="
	                           " 'tenant.settings.update' AND instruction = 1",
	                           f->tenant),
	                 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_connection_logs_expire_after_one_year, rfx_setup,
	                                    rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_rules_within_legal_limits, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_contact_import_reports_expire, rfx_setup,
	                                    rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_expired_pending_registrations_purged, rfx_setup,
	                                    rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_legal_hold_suspends_deletion, rfx_setup,
	                                    rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_instructions_refused_or_held, rfx_setup,
	                                    rfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
