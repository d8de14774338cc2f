/* Unit tests for domain/auth: logins, tokens, throttling, authorisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ids.h"
#include "domain/accounts.h"
#include "domain/auth.h"
#include "domain/tenants.h"
#include "store/store.h"
#include "test_accounts_fixture.h"

/* P-SEC-4, P-SEC-1: a login gives a random token that authenticates; only
 * its hash is stored. */
static void test_login_token(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct login_result r;
	struct principal p;
	const char *error = NULL;
	afx_account(f, "", "ann", ROLE_USER, &a);
	assert_int_equal(
	    auth_login(&f->app, f->st, "ann", "password-ann", "192.0.2.1", 0, &r, &error), 0);
	assert_int_equal(strlen(r.token), 64);
	assert_int_equal(r.scope, TOKEN_FULL);
	assert_true(r.expires_at > 0);
	assert_int_equal(auth_authenticate(&f->app, f->st, r.token, &p, &error), 0);
	assert_string_equal(p.account.id, a.id);
	assert_false(afx_db_contains(f, r.token, 64));
	assert_false(afx_db_contains(f, "password-ann", 12));
	/* Garbage and unknown tokens are refused alike. */
	assert_int_equal(auth_authenticate(&f->app, f->st, "nope", &p, &error), -1);
	assert_string_equal(error, "unauthorized");
	char other[65];
	ids_random_hex(other, 32);
	assert_int_equal(auth_authenticate(&f->app, f->st, other, &p, &error), -1);
	assert_string_equal(error, "unauthorized");
}

/* P-SEC-4: tokens expire, can be shorter-lived on request, and are revocable. */
static void test_token_expiry_revocation(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct login_result r, r2;
	struct principal p;
	struct actor sys;
	const char *error = NULL;
	afx_account(f, "", "ann", ROLE_USER, &a);
	assert_int_equal(
	    auth_login(&f->app, f->st, "ann", "password-ann", "192.0.2.1", 60, &r, &error), 0);
	assert_true(r.expires_at <= (int64_t)time(NULL) + 60);
	assert_int_equal(store_run(f->st, "UPDATE auth_tokens SET expires_at = ?", "i", (int64_t)1),
	                 STORE_DONE);
	assert_int_equal(auth_authenticate(&f->app, f->st, r.token, &p, &error), -1);
	assert_string_equal(error, "token_expired");

	assert_int_equal(
	    auth_login(&f->app, f->st, "ann", "password-ann", "192.0.2.1", 0, &r, &error), 0);
	assert_int_equal(auth_authenticate(&f->app, f->st, r.token, &p, &error), 0);
	assert_int_equal(auth_logout(f->st, &p), 0);
	assert_int_equal(auth_authenticate(&f->app, f->st, r.token, &p, &error), -1);
	assert_string_equal(error, "unauthorized");

	assert_int_equal(
	    auth_login(&f->app, f->st, "ann", "password-ann", "192.0.2.1", 0, &r, &error), 0);
	assert_int_equal(
	    auth_login(&f->app, f->st, "ann", "password-ann", "192.0.2.1", 0, &r2, &error), 0);
	actor_system(&sys, "operator-cli");
	assert_int_equal(auth_revoke_all(&f->app, f->st, &sys, a.id, &error), 0);
	assert_int_equal(auth_authenticate(&f->app, f->st, r.token, &p, &error), -1);
	assert_int_equal(auth_authenticate(&f->app, f->st, r2.token, &p, &error), -1);
}

/* P-SEC-5: every attempt is logged per account with result and (sealed) address. */
static void test_login_events(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct login_result r;
	const char *error = NULL;
	afx_account(f, "", "ann", ROLE_USER, &a);
	assert_int_equal(
	    auth_login(&f->app, f->st, "ann", "wrong-password", "198.51.100.77", 0, &r, &error),
	    -1);
	assert_string_equal(error, "unauthorized");
	assert_int_equal(
	    auth_login(&f->app, f->st, "nobody", "wrong-password", "198.51.100.77", 0, &r, &error),
	    -1);
	assert_string_equal(error, "unauthorized"); /* same answer: no user enumeration */
	assert_int_equal(
	    auth_login(&f->app, f->st, "ann", "password-ann", "198.51.100.77", 0, &r, &error), 0);
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM login_events WHERE account_id = ? AND "
	                           "result = 'bad_password'",
	                           a.id),
	                 1);
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM login_events WHERE account_id = ? AND "
	                           "result = 'success'",
	                           a.id),
	                 1);
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM login_events WHERE account_id IS NULL "
	                           "AND result = 'unknown_user'",
	                           NULL),
	                 1);
	assert_false(afx_db_contains(f, "198.51.100.77", 13));
}

/* P-SEC-5: failures are throttled per account, whatever the address; the
 * right password does not get through while locked. */
static void test_throttle_account(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct login_result r;
	const char *error = NULL;
	char addr[32];
	afx_account(f, "", "ann", ROLE_USER, &a);
	for (int i = 0; i < 3; i++) { /* login_max_failures = 3 in the fixture */
		snprintf(addr, sizeof(addr), "203.0.113.%d", i + 1);
		assert_int_equal(
		    auth_login(&f->app, f->st, "ann", "bad-password", addr, 0, &r, &error), -1);
		assert_string_equal(error, "unauthorized");
	}
	assert_int_equal(
	    auth_login(&f->app, f->st, "ann", "password-ann", "203.0.113.99", 0, &r, &error), -1);
	assert_string_equal(error, "throttled");
	assert_true(r.retry_after > 0 && r.retry_after <= f->cfg.login_lockout_s);
	/* Another account from those addresses is not affected (per-address limit
	 * counts failures per address: one each here). */
	struct account b;
	afx_account(f, "", "bob", ROLE_USER, &b);
	assert_int_equal(
	    auth_login(&f->app, f->st, "bob", "password-bob", "203.0.113.1", 0, &r, &error), 0);
	/* After the window the account works again. */
	assert_int_equal(store_run(f->st, "UPDATE login_events SET at_ms = at_ms - ?", "i",
	                           ((int64_t)f->cfg.login_lockout_s + 1) * 1000),
	                 STORE_DONE);
	assert_int_equal(
	    auth_login(&f->app, f->st, "ann", "password-ann", "203.0.113.99", 0, &r, &error), 0);
}

/* P-SEC-5, P-SEC-8: failures are throttled per address (credential
 * stuffing across many usernames). */
static void test_throttle_address(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct login_result r;
	const char *error = NULL;
	afx_account(f, "", "ann", ROLE_USER, &a);
	static const char *const guesses[] = {"x1", "x2", "x3"};
	for (int i = 0; i < 3; i++)
		assert_int_equal(auth_login(&f->app, f->st, guesses[i], "guess-guess",
		                            "203.0.113.50", 0, &r, &error),
		                 -1);
	assert_int_equal(
	    auth_login(&f->app, f->st, "ann", "password-ann", "203.0.113.50", 0, &r, &error), -1);
	assert_string_equal(error, "throttled");
	assert_int_equal(
	    auth_login(&f->app, f->st, "ann", "password-ann", "203.0.113.51", 0, &r, &error), 0);
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM login_events WHERE result = "
	                           "'throttled'",
	                           NULL),
	                 1);
}

/* P-SEC-1: a must-change account gets a limited token; changing the
 * password needs the current one, revokes old tokens, gives a full token. */
static void test_password_change(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct login_result r, r2;
	struct principal p;
	struct actor sys;
	char otp[64];
	const char *error = NULL;
	afx_account(f, "", "ann", ROLE_USER, &a);
	actor_system(&sys, "operator-cli");
	assert_int_equal(accounts_set_password(&f->app, f->st, &sys, a.id, NULL, true, otp, &error),
	                 0);
	assert_int_equal(auth_login(&f->app, f->st, "ann", otp, "192.0.2.1", 0, &r, &error), 0);
	assert_int_equal(r.scope, TOKEN_PASSWORD_CHANGE);
	assert_int_equal(auth_authenticate(&f->app, f->st, r.token, &p, &error), 0);
	assert_int_equal(p.scope, TOKEN_PASSWORD_CHANGE);
	assert_int_equal(auth_authorize(&p, AZ_TENANT_READ, ""), 403);
	assert_int_equal(auth_change_password(&f->app, f->st, &p, "wrong-current", "new-password-1",
	                                      &r2, &error),
	                 -1);
	assert_string_equal(error, "unauthorized");
	assert_int_equal(auth_change_password(&f->app, f->st, &p, otp, "short", &r2, &error), -1);
	assert_string_equal(error, "weak_password");
	assert_int_equal(auth_change_password(&f->app, f->st, &p, otp, otp, &r2, &error), -1);
	assert_int_equal(
	    auth_change_password(&f->app, f->st, &p, otp, "new-password-1", &r2, &error), 0);
	assert_int_equal(r2.scope, TOKEN_FULL);
	assert_int_equal(auth_authenticate(&f->app, f->st, r.token, &p, &error), -1);
	assert_int_equal(auth_authenticate(&f->app, f->st, r2.token, &p, &error), 0);
	assert_false(p.account.must_change_password);
	assert_false(afx_db_contains(f, "new-password-1", 14));
}

static struct principal who(enum account_role role, const char *tenant)
{
	struct principal p;
	memset(&p, 0, sizeof(p));
	p.account.role = role;
	snprintf(p.account.tenant_id, sizeof(p.account.tenant_id), "%s", tenant);
	p.scope = TOKEN_FULL;
	return p;
}

/* P-SEC-4, P-SEC-6: the authorisation matrix; other tenants are 404, the
 * auditor is read-only, the operator reads no tenant's members. */
static void test_authorize_matrix(void **state)
{
	const char *A = "11111111-1111-4111-8111-111111111111";
	const char *B = "22222222-2222-4222-8222-222222222222";
	struct principal op = who(ROLE_OPERATOR, ""), adm = who(ROLE_TENANT_ADMIN, A),
	                 aud = who(ROLE_AUDITOR, A), usr = who(ROLE_USER, A),
	                 fre = who(ROLE_USER, "");
	static const enum authz_action all[] = {AZ_TENANT_READ, AZ_MEMBERS_READ, AZ_MEMBERS_CREATE,
	                                        AZ_MEMBERS_WRITE, AZ_TOKENS_REVOKE};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		/* Nobody but the operator reaches tenant B's resources; it is 404. */
		assert_int_equal(auth_authorize(&adm, all[i], B), 404);
		assert_int_equal(auth_authorize(&aud, all[i], B), 404);
		assert_int_equal(auth_authorize(&usr, all[i], B), 404);
		assert_int_equal(auth_authorize(&fre, all[i], B), 404);
		assert_int_equal(auth_authorize(&fre, all[i], ""), 404);
		assert_int_equal(auth_authorize(&adm, all[i], A), 0);
		assert_int_equal(auth_authorize(&usr, all[i], A), 403);
	}
	assert_int_equal(auth_authorize(&aud, AZ_TENANT_READ, A), 0);
	assert_int_equal(auth_authorize(&aud, AZ_MEMBERS_READ, A), 0);
	assert_int_equal(auth_authorize(&aud, AZ_MEMBERS_CREATE, A), 403);
	assert_int_equal(auth_authorize(&aud, AZ_MEMBERS_WRITE, A), 403);
	assert_int_equal(auth_authorize(&aud, AZ_TOKENS_REVOKE, A), 403);
	assert_int_equal(auth_authorize(&op, AZ_TENANTS_MANAGE, NULL), 0);
	assert_int_equal(auth_authorize(&op, AZ_MEMBERS_CREATE, B), 0);
	assert_int_equal(auth_authorize(&op, AZ_MEMBERS_READ, B), 403);
	assert_int_equal(auth_authorize(&op, AZ_MEMBERS_WRITE, B), 403);
	assert_int_equal(auth_authorize(&adm, AZ_TENANTS_MANAGE, NULL), 403);
	assert_int_equal(auth_authorize(&aud, AZ_TENANTS_MANAGE, NULL), 403);
	op.scope = TOKEN_PASSWORD_CHANGE;
	assert_int_equal(auth_authorize(&op, AZ_TENANTS_MANAGE, NULL), 403);
}

/* A disabled account can neither log in nor use its tokens. */
static void test_disabled(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct login_result r;
	struct principal p;
	struct actor sys;
	char tid[IDS_UUID_LEN];
	const char *error = NULL;
	afx_tenant(f, "Acme", tid);
	afx_account(f, tid, "ann", ROLE_USER, &a);
	assert_int_equal(
	    auth_login(&f->app, f->st, "ann", "password-ann", "192.0.2.1", 0, &r, &error), 0);
	actor_system(&sys, "operator-cli");
	struct account_update upd = {.status = "disabled"};
	assert_int_equal(accounts_update(&f->app, f->st, &sys, a.id, &upd, &error), 0);
	assert_int_equal(auth_authenticate(&f->app, f->st, r.token, &p, &error), -1);
	assert_int_equal(
	    auth_login(&f->app, f->st, "ann", "password-ann", "192.0.2.1", 0, &r, &error), -1);
	assert_string_equal(error, "account_disabled");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, afx_setup, afx_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_login_token),
	    T(test_token_expiry_revocation),
	    T(test_login_events),
	    T(test_throttle_account),
	    T(test_throttle_address),
	    T(test_password_change),
	    cmocka_unit_test(test_authorize_matrix),
	    T(test_disabled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
