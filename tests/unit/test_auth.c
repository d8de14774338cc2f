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

/* Moves every login event back by ms (time passes for the throttle). */
static void age_events(struct afx *f, int64_t ms)
{
	assert_int_equal(store_run(f->st, "UPDATE login_events SET at_ms = at_ms - ?", "i", ms),
	                 STORE_DONE);
}

static int try_login(struct afx *f, const char *user, const char *password, const char *addr,
                     struct login_result *r, const char **error)
{
	return auth_login(&f->app, f->st, user, password, addr, 0, r, error);
}

/* P-SEC-8: an address hammering an account is throttled for that account
 * only; the owner still logs in from another address with the right
 * password, and the throttled answer is the same for an unknown username. */
static void test_throttle_pair_not_account(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct login_result r, r_unknown;
	const char *error = NULL;
	afx_account(f, "", "ann", ROLE_USER, &a);
	for (int i = 0; i < 3; i++) { /* login_max_failures = 3 in the fixture */
		assert_int_equal(try_login(f, "ann", "bad-password", "203.0.113.66", &r, &error),
		                 -1);
		assert_string_equal(error, "unauthorized");
		assert_int_equal(try_login(f, "nobody", "bad-password", "203.0.113.66", &r, &error),
		                 -1);
		assert_string_equal(error, "unauthorized");
	}
	/* The attacker keeps going: throttled, even with the right password. */
	for (int i = 0; i < 20; i++) {
		assert_int_equal(try_login(f, "ann", "password-ann", "203.0.113.66", &r, &error),
		                 -1);
		assert_string_equal(error, "throttled");
	}
	/* An unknown username gets exactly the same answer (no enumeration). */
	assert_int_equal(try_login(f, "nobody", "password-ann", "203.0.113.66", &r_unknown, &error),
	                 -1);
	assert_string_equal(error, "throttled");
	assert_true(r_unknown.retry_after > 0 && abs(r_unknown.retry_after - r.retry_after) <= 1);
	/* The owner, elsewhere: in. */
	assert_int_equal(try_login(f, "ann", "password-ann", "198.51.100.5", &r, &error), 0);
	/* IPv6: a /64 is one address, so rotating inside it gains nothing. */
	for (int i = 0; i < 3; i++) {
		char addr[48];
		snprintf(addr, sizeof(addr), "2001:db8:5:5::%d", i + 1);
		assert_int_equal(try_login(f, "ann", "bad-password", addr, &r, &error), -1);
		assert_string_equal(error, "unauthorized");
	}
	assert_int_equal(try_login(f, "ann", "bad-password", "2001:db8:5:5::99", &r, &error), -1);
	assert_string_equal(error, "throttled");
	assert_int_equal(try_login(f, "ann", "password-ann", "2001:db8:5:6::1", &r, &error), 0);
}

/* P-SEC-8: the delay grows with each failure past the limit (backoff_s,
 * doubling, capped at backoff_max_s) and throttled attempts do not
 * prolong it; after the window the failures are forgotten. */
static void test_throttle_backoff(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct login_result r;
	const char *error = NULL;
	char *cerr = NULL;
	assert_int_equal(config_set(&f->cfg, "auth.login_backoff_s", "10", &cerr), 0);
	assert_int_equal(config_set(&f->cfg, "auth.login_backoff_max_s", "35", &cerr), 0);
	afx_account(f, "", "ann", ROLE_USER, &a);
	for (int i = 0; i < 3; i++)
		assert_int_equal(try_login(f, "ann", "bad-password", "203.0.113.7", &r, &error),
		                 -1);
	static const int delays[] = {10, 20, 35, 35};
	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		assert_int_equal(try_login(f, "ann", "bad-password", "203.0.113.7", &r, &error),
		                 -1);
		assert_string_equal(error, "throttled");
		assert_int_equal(r.retry_after, delays[i]);
		age_events(f, (int64_t)delays[i] * 1000 - 2000); /* not quite yet */
		assert_int_equal(try_login(f, "ann", "bad-password", "203.0.113.7", &r, &error),
		                 -1);
		assert_string_equal(error, "throttled");
		assert_int_equal(r.retry_after, 2); /* the refusal did not restart the delay */
		age_events(f, 2000);
		assert_int_equal(try_login(f, "ann", "bad-password", "203.0.113.7", &r, &error),
		                 -1);
		assert_string_equal(error, "unauthorized"); /* allowed, and wrong again */
	}
	age_events(f, ((int64_t)f->cfg.login_window_s + 1) * 1000);
	assert_int_equal(try_login(f, "ann", "bad-password", "203.0.113.7", &r, &error), -1);
	assert_string_equal(error, "unauthorized");
	assert_int_equal(try_login(f, "ann", "password-ann", "203.0.113.7", &r, &error), 0);
}

/* P-SEC-8: a success clears its own pair: the count starts again. */
static void test_success_clears_pair(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct login_result r;
	const char *error = NULL;
	afx_account(f, "", "ann", ROLE_USER, &a);
	for (int i = 0; i < 3; i++)
		assert_int_equal(try_login(f, "ann", "bad-password", "192.0.2.10", &r, &error), -1);
	assert_int_equal(try_login(f, "ann", "password-ann", "192.0.2.10", &r, &error), -1);
	assert_string_equal(error, "throttled");
	age_events(f, (int64_t)r.retry_after * 1000);
	assert_int_equal(try_login(f, "ann", "password-ann", "192.0.2.10", &r, &error), 0);
	/* Cleared: two more mistakes are fine, the third one too. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(try_login(f, "ann", "bad-password", "192.0.2.10", &r, &error), -1);
		assert_string_equal(error, "unauthorized");
	}
	assert_int_equal(try_login(f, "ann", "password-ann", "192.0.2.10", &r, &error), -1);
	assert_string_equal(error, "throttled");
}

/* P-SEC-8: many users behind one address (a NAT, a proxy), each with a few
 * failures, are not locked out; only an address failing past
 * auth.login_address_max_failures is slowed, and only that address. */
static void test_throttle_address_nat(void **state)
{
	struct afx *f = *state;
	struct account acc[12];
	struct login_result r;
	const char *error = NULL;
	char *cerr = NULL;
	char name[16], password[32];
	assert_int_equal(config_set(&f->cfg, "auth.login_address_max_failures", "30", &cerr), 0);
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "nat%d", i);
		afx_account(f, "", name, ROLE_USER, &acc[i]);
	}
	/* 12 users x 2 failures = 24 from the one address: nobody throttled. */
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "nat%d", i);
		for (int k = 0; k < 2; k++) {
			assert_int_equal(
			    try_login(f, name, "bad-password", "192.0.2.99", &r, &error), -1);
			assert_string_equal(error, "unauthorized");
		}
	}
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "nat%d", i);
		snprintf(password, sizeof(password), "password-%s", name);
		assert_int_equal(try_login(f, name, password, "192.0.2.99", &r, &error), 0);
	}
	/* Those failures were cleared by the successes: a guesser behind the
	 * same address now needs 30 failures of its own before it is slowed. */
	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "guess%d", i);
		assert_int_equal(try_login(f, name, "guess-guess", "192.0.2.99", &r, &error), -1);
		assert_string_equal(error, "unauthorized");
	}
	assert_int_equal(try_login(f, "nat0", "password-nat0", "192.0.2.99", &r, &error), -1);
	assert_string_equal(error, "throttled");
	assert_int_equal(try_login(f, "nat0", "password-nat0", "192.0.2.100", &r, &error), 0);
	assert_int_equal(
	    afx_count(f, "SELECT COUNT(*) FROM login_events WHERE result = 'throttled'", NULL), 1);
}

/* P-SEC-8: past auth.login_account_max_failures (guesses from many
 * addresses) the account is slowed, never locked: a new address gets one
 * attempt, and the owner with the right password gets in. */
static void test_account_cap_slows(void **state)
{
	struct afx *f = *state;
	struct account a;
	struct login_result r;
	const char *error = NULL;
	char *cerr = NULL, addr[32];
	assert_int_equal(config_set(&f->cfg, "auth.login_account_max_failures", "8", &cerr), 0);
	afx_account(f, "", "ann", ROLE_USER, &a);
	for (int i = 0; i < 8; i++) { /* one guess each from 8 addresses */
		snprintf(addr, sizeof(addr), "203.0.113.%d", 100 + i);
		assert_int_equal(try_login(f, "ann", "bad-password", addr, &r, &error), -1);
		assert_string_equal(error, "unauthorized");
	}
	/* Each of those addresses is now slowed after its one failure... */
	assert_int_equal(try_login(f, "ann", "bad-password", "203.0.113.100", &r, &error), -1);
	assert_string_equal(error, "throttled");
	/* ...a new one has one attempt, then it backs off too... */
	assert_int_equal(try_login(f, "ann", "bad-password", "203.0.113.200", &r, &error), -1);
	assert_string_equal(error, "unauthorized");
	assert_int_equal(try_login(f, "ann", "bad-password", "203.0.113.200", &r, &error), -1);
	assert_string_equal(error, "throttled");
	assert_true(r.retry_after <= f->cfg.login_backoff_s);
	/* ...and the owner, from an address of their own, is in at once. */
	assert_int_equal(try_login(f, "ann", "password-ann", "198.51.100.1", &r, &error), 0);
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
	/* XEP-0077: no current password only for an XMPP session (its SASL
	 * login proved it); REST (no session) must give it */
	assert_int_equal(
	    auth_change_password(&f->app, f->st, &p, NULL, "new-password-2", &r2, &error), -1);
	assert_string_equal(error, "unauthorized");
	snprintf(p.session, sizeof(p.session), "%s", "phone");
	assert_int_equal(
	    auth_change_password(&f->app, f->st, &p, NULL, "new-password-1", NULL, &error), -1);
	assert_string_equal(error, "weak_password"); /* the current one */
	assert_int_equal(
	    auth_change_password(&f->app, f->st, &p, NULL, "new-password-2", NULL, &error), 0);
	/* every token revoked, none issued */
	assert_int_equal(auth_authenticate(&f->app, f->st, r2.token, &p, &error), -1);
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
	    T(test_throttle_pair_not_account),
	    T(test_throttle_backoff),
	    T(test_success_clears_pair),
	    T(test_throttle_address_nat),
	    T(test_account_cap_slows),
	    T(test_password_change),
	    cmocka_unit_test(test_authorize_matrix),
	    T(test_disabled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
