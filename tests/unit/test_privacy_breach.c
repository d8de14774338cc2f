/* Breach register, 72-hour clock, unsuccessful attempts (issue 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"
#include "domain/auth.h"
#include "compliance/breach.h"
#include "compliance/retention.h"
#include "store/store.h"
#include "test_privacy_registers_fixture.h"

#define HOUR 3600

static const char *state_of(struct rfx *f, const char *id, int64_t now)
{
	static char s[16];
	json_t *b = breach_get_json(f->st, id, now);
	assert_non_null(b);
	snprintf(s, sizeof(s), "%s", json_string_value(json_object_get(b, "state")));
	json_decref(b);
	return s;
}

/* A relay configured (nothing listens: these tests only queue). */
static void set_relay(struct rfx *f, const char *url)
{
	char *cerr = NULL;
	assert_int_equal(config_set(&f->cfg, "smtp.url", url, &cerr), 0);
}

/* P-BRE-1 */
static void test_clock_reminders_overdue_and_notice(void **state)
{
	struct rfx *f = *state;
	const char *error = NULL;
	char id[IDS_UUID_LEN], other[IDS_UUID_LEN];
	rfx_tenant(f, "Other", other);
	json_t *users = json_pack("[s]", f->user.id);
	struct breach_new in = {"Backup disk lost",
	                        "an unencrypted disk was lost",
	                        "addresses may be exposed",
	                        "keys rotated",
	                        f->now,
	                        NULL,
	                        users};
	assert_int_equal(breach_create(&f->app, f->st, &f->op_actor, &in, id, &error), 0);
	in.detected_at = f->now + 10 * HOUR; /* in the future */
	char id2[IDS_UUID_LEN];
	assert_int_equal(breach_create(&f->app, f->st, &f->op_actor, &in, id2, &error), -1);
	json_decref(users);
	assert_string_equal(state_of(f, id, f->now), "open");
	rfx_run_at(f, f->now + 25 * HOUR);
	assert_int_equal(
	    rfx_count(f, "SELECT COUNT(*) FROM breaches WHERE reminded_24_at IS NOT NULL", NULL),
	    1);
	rfx_run_at(f, f->now + 61 * HOUR);
	assert_int_equal(
	    rfx_count(f, "SELECT COUNT(*) FROM breaches WHERE reminded_60_at IS NOT NULL", NULL),
	    1);
	rfx_run_at(f, f->now + 73 * HOUR);
	assert_int_equal(
	    rfx_count(f, "SELECT COUNT(*) FROM breaches WHERE overdue_at IS NOT NULL", NULL), 1);
	assert_string_equal(state_of(f, id, f->now + 73 * HOUR), "overdue");
	/* Notifying: the admins' mail carries the report for this tenant only.
	 * An operator's action, at the time of the action's clock. */
	clock_action_fix(f->now + 73 * HOUR);
	set_relay(f, "smtp://127.0.0.1:9");
	assert_int_equal(breach_notify(&f->app, f->st, &f->op_actor, id, NULL, true, NULL, &error),
	                 1);
	assert_int_equal(
	    rfx_count(f, "SELECT COUNT(*) FROM mail_outbox WHERE kind = 'breach_notice'", NULL), 1);
	assert_int_equal(rfx_count(f,
	                           "SELECT COUNT(*) FROM mail_outbox WHERE kind ="
	                           " 'breach_user_notice'",
	                           NULL),
	                 1);
	json_t *r = breach_report_json(f->st, id, f->tenant);
	assert_non_null(r);
	assert_int_equal(json_array_size(json_object_get(r, "affected_users")), 1);
	json_decref(r);
	assert_null(breach_report_json(f->st, id, other));
	json_t *notices = breach_notices_json(f->st, f->tenant);
	assert_int_equal(json_array_size(notices), 1);
	json_decref(notices);
	notices = breach_notices_json(f->st, other);
	assert_int_equal(json_array_size(notices), 0);
	json_decref(notices);
	/* Notified late: stays visibly overdue. */
	assert_string_equal(state_of(f, id, f->now + 74 * HOUR), "overdue");
}

/* P-BRE-1 */
static void test_notified_in_time(void **state)
{
	struct rfx *f = *state;
	const char *error = NULL;
	char id[IDS_UUID_LEN];
	json_t *tenants = json_pack("[s]", f->tenant);
	struct breach_new in = {"Mis-sent export",
	                        "an export went to the wrong admin",
	                        "one file",
	                        "recalled",
	                        f->now,
	                        tenants,
	                        NULL};
	assert_int_equal(breach_create(&f->app, f->st, &f->op_actor, &in, id, &error), 0);
	json_decref(tenants);
	clock_action_fix(f->now + 2 * HOUR);
	set_relay(f, "smtp://127.0.0.1:9");
	assert_int_equal(
	    breach_notify(&f->app, f->st, &f->op_actor, id, f->tenant, false, NULL, &error), 1);
	rfx_run_at(f, f->now + 80 * HOUR);
	assert_int_equal(
	    rfx_count(f, "SELECT COUNT(*) FROM breaches WHERE overdue_at IS NOT NULL", NULL), 0);
	assert_string_equal(state_of(f, id, f->now + 80 * HOUR), "notified");
}

/* Without an SMTP relay (smtp.url empty) the outbox holds every mail: the
 * notices are queued but nobody is recorded as told, the clock runs on, and
 * the answer says the mail is held. */
static void test_notice_held_without_relay(void **state)
{
	struct rfx *f = *state;
	const char *error = NULL;
	char id[IDS_UUID_LEN];
	json_t *users = json_pack("[s]", f->user.id), *res = NULL;
	struct breach_new in = {
	    "Lost token", "a token leaked", "sessions exposed", "revoked", f->now, NULL, users};
	assert_int_equal(breach_create(&f->app, f->st, &f->op_actor, &in, id, &error), 0);
	json_decref(users);
	clock_action_fix(f->now + HOUR);
	assert_int_equal(breach_notify(&f->app, f->st, &f->op_actor, id, NULL, true, &res, &error),
	                 0);
	assert_string_equal(json_string_value(json_object_get(res, "delivery")),
	                    "held: no smtp.url");
	assert_int_equal(json_array_size(json_object_get(res, "notified")), 0);
	json_t *u = json_array_get(json_object_get(res, "unreachable"), 0);
	assert_int_equal(json_integer_value(json_object_get(u, "admin_mails")), 1);
	assert_non_null(strstr(json_string_value(json_object_get(u, "reason")), "smtp.url"));
	json_decref(res);
	assert_int_equal(
	    rfx_count(f, "SELECT COUNT(*) FROM mail_outbox WHERE kind = 'breach_notice'", NULL), 1);
	assert_int_equal(
	    rfx_count(f, "SELECT COUNT(*) FROM breach_tenants WHERE notified_at IS NOT NULL", NULL),
	    0);
	assert_int_equal(
	    rfx_count(f, "SELECT COUNT(*) FROM breach_users WHERE notified_at IS NOT NULL", NULL),
	    0);
	assert_string_equal(state_of(f, id, f->now + HOUR), "open");
	/* The clock still reminds and marks the breach overdue. */
	rfx_run_at(f, f->now + 73 * HOUR);
	assert_string_equal(state_of(f, id, f->now + 73 * HOUR), "overdue");
	/* Once a relay is set, notifying again records the tenant and the user. */
	set_relay(f, "smtp://127.0.0.1:9");
	clock_action_fix(f->now + 74 * HOUR);
	assert_int_equal(breach_notify(&f->app, f->st, &f->op_actor, id, NULL, true, NULL, &error),
	                 1);
	assert_int_equal(
	    rfx_count(f, "SELECT COUNT(*) FROM breach_users WHERE notified_at IS NOT NULL", NULL),
	    1);
}

/* P-BRE-2 */
static void test_failed_logins_are_counted_not_breaches(void **state)
{
	struct rfx *f = *state;
	struct login_result out;
	const char *error = NULL;
	clock_action_fix(0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(auth_login(&f->app, f->st, "alice", "wrong-password", "192.0.2.7",
		                            0, &out, &error),
		                 -1);
	assert_int_equal(
	    auth_login(&f->app, f->st, "nobody", "wrong-password", "192.0.2.7", 0, &out, &error),
	    -1);
	json_t *u = breach_unsuccessful_json(f->st, NULL, 0);
	assert_true(json_integer_value(json_object_get(u, "unsuccessful_attempts")) >= 4);
	json_decref(u);
	assert_int_equal(rfx_count(f, "SELECT COUNT(*) FROM breaches", NULL), 0);
	json_t *list = breach_list_json(f->st, f->now);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_clock_reminders_overdue_and_notice, rfx_setup,
	                                    rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_notified_in_time, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_notice_held_without_relay, rfx_setup,
	                                    rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_failed_logins_are_counted_not_breaches, rfx_setup,
	                                    rfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
