/* Unit tests for core/account_events and the domain functions that must
 * notify it: every change that refuses login tells the subscribers (the
 * XMPP server ends the live sessions on it), once, after the commit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/account_events.h"
#include "domain/accounts.h"
#include "domain/auth.h"
#include "privacy/dsr.h"
#include "privacy/restriction.h"
#include "store/store.h"
#include "test_accounts_fixture.h"

struct seen {
	int n;
	struct account_event last;
};

static void record(const struct account_event *ev, void *ctx)
{
	struct seen *s = ctx;
	s->n++;
	s->last = *ev;
}

static struct seen seen;

static int setup(void **state)
{
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(account_events_subscribe(record, &seen), 0);
	return afx_setup(state);
}

static int teardown(void **state)
{
	account_events_unsubscribe(record, &seen);
	return afx_teardown(state);
}

static void expect_event(enum account_change change, const char *account_id, const char *keep)
{
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.last.change, change);
	assert_string_equal(seen.last.account_id, account_id);
	assert_string_equal(seen.last.keep_session, keep);
	memset(&seen, 0, sizeof(seen));
}

/* The registry itself: bounded, unsubscribe stops delivery, long keys are
 * not truncated into another session's key. */
static void test_registry(void **state)
{
	struct seen other = {0};
	char long_key[ACCOUNT_EVENTS_KEEP_MAX + 10];
	memset(long_key, 'r', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	assert_int_equal(account_events_subscribe(record, &other), 0);
	account_events_notify(ACCOUNT_CHANGE_DISABLED, "acc", "ten", long_key);
	assert_int_equal(other.n, 1);
	assert_string_equal(other.last.tenant_id, "ten");
	assert_string_equal(other.last.keep_session, "");
	account_events_unsubscribe(record, &other);
	account_events_notify(ACCOUNT_CHANGE_ERASED, "acc", NULL, NULL);
	assert_int_equal(other.n, 1);
	assert_int_equal(seen.n, 2);
	assert_string_equal(account_change_name(ACCOUNT_CHANGE_RESTRICTED), "restricted");
}

/* P-DSR-4: restricting notifies (live sessions end); lifting does not. */
static void test_restriction_notifies(void **state)
{
	struct afx *f = *state;
	struct account a;
	const char *error = NULL;
	afx_account(f, "", "rita", ROLE_USER, &a);
	struct dsr_ctx cx = {f->app.keys, f->st, 100};
	struct dsr_actor self = {a.id, "user"};
	assert_int_equal(restriction_set(&cx, &self, "", a.id, true, &error), 0);
	expect_event(ACCOUNT_CHANGE_RESTRICTED, a.id, "");
	assert_int_equal(restriction_set(&cx, &self, "", a.id, true, &error), 0);
	assert_int_equal(seen.n, 0); /* already restricted: nothing changed */
	assert_int_equal(restriction_set(&cx, &self, "", a.id, false, &error), 0);
	assert_int_equal(seen.n, 0);
}

/* Disabling notifies; other updates (role) do not. */
static void test_disable_notifies(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct actor op;
	const char *error = NULL;
	char tid[IDS_UUID_LEN];
	afx_tenant(f, "Acme", tid);
	afx_account(f, tid, "dora", ROLE_USER, &a);
	actor_system(&op, "operator-cli");
	op.role = ROLE_OPERATOR;
	struct account_update role = {.role = "auditor"};
	assert_int_equal(accounts_update(&f->app, f->st, &op, a.id, &role, &error), 0);
	assert_int_equal(seen.n, 0);
	struct account_update off = {.status = "disabled"};
	assert_int_equal(accounts_update(&f->app, f->st, &op, a.id, &off, &error), 0);
	assert_string_equal(seen.last.tenant_id, tid);
	expect_event(ACCOUNT_CHANGE_DISABLED, a.id, "");
}

/* A password set by an admin or changed by the holder notifies; the
 * holder's own XMPP session (principal.session) is named to be kept. */
static void test_password_notifies(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct actor op;
	struct principal p;
	struct login_result r;
	const char *error = NULL;
	char otp[64];
	afx_account(f, "", "pat", ROLE_USER, &a);
	actor_system(&op, "operator-cli");
	assert_int_equal(accounts_set_password(&f->app, f->st, &op, a.id, "a new password 1", false,
	                                       otp, &error),
	                 0);
	expect_event(ACCOUNT_CHANGE_PASSWORD, a.id, "");
	assert_int_equal(
	    auth_login(&f->app, f->st, "pat", "a new password 1", "192.0.2.1", 0, &r, &error), 0);
	assert_int_equal(auth_authenticate(&f->app, f->st, r.token, &p, &error), 0);
	memset(&seen, 0, sizeof(seen));
	snprintf(p.session, sizeof(p.session), "phone");
	assert_int_equal(auth_change_password(&f->app, f->st, &p, "a new password 1",
	                                      "a new password 2", &r, &error),
	                 0);
	expect_event(ACCOUNT_CHANGE_PASSWORD, a.id, "phone");
	/* A refused change (wrong current password) changes nothing. */
	assert_int_equal(auth_change_password(&f->app, f->st, &p, "wrong password",
	                                      "a new password 3", &r, &error),
	                 -1);
	assert_int_equal(seen.n, 0);
}

/* Erasure notifies after the commit; a refused erasure does not. */
static void test_erase_notifies(void **state)
{
	struct afx *f = *state;
	struct account a, op_acc;
	struct actor op;
	const char *error = NULL;
	afx_account(f, "", "eve", ROLE_USER, &a);
	afx_account(f, "", "root", ROLE_OPERATOR, &op_acc);
	actor_system(&op, "operator-cli");
	op.role = ROLE_OPERATOR;
	assert_int_equal(accounts_erase(&f->app, f->st, &op, op_acc.id, &error), -1);
	assert_int_equal(seen.n, 0);
	assert_int_equal(accounts_erase(&f->app, f->st, &op, a.id, &error), 0);
	expect_event(ACCOUNT_CHANGE_ERASED, a.id, "");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_registry),          T(test_restriction_notifies), T(test_disable_notifies),
	    T(test_password_notifies), T(test_erase_notifies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
