/* Unit tests for domain/accounts and domain/tenants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ids.h"
#include "crypto/keys.h"
#include "domain/accounts.h"
#include "domain/accounts_internal.h"
#include "domain/auth.h"
#include "domain/tenants.h"
#include "privacy/audit.h"
#include "store/store.h"
#include "test_accounts_fixture.h"

static const struct registration alice = {
    .username = "alice",
    .password = "correct horse battery",
    .email = "Alice.Canary@Example.org",
    .first_name = "Alicecanary",
    .last_name = "Liddellcanary",
};

/* Replaces the confirmation code of account_id by a known one. */
static void plant_code(struct afx *f, const char *account_id, const char *code, int64_t expires)
{
	char hash[65];
	acc_sha256_hex(code, strlen(code), hash);
	assert_int_equal(store_run(f->st,
	                           "UPDATE account_confirmations SET code_hash = ?, "
	                           "expires_at = ? WHERE account_id = ?",
	                           "sis", hash, expires, account_id),
	                 STORE_DONE);
}

/* P-ACC-1: registration makes a pending account, a hashed code and a queued
 * mail; login is refused until the code confirms it; the code is single-use. */
static void test_register_confirm(void **state)
{
	struct afx *f = *state;
	char id[IDS_UUID_LEN];
	const char *error = NULL;
	struct login_result r;
	struct account acc;
	assert_int_equal(accounts_register(&f->app, f->st, &alice, id, &error), 0);
	assert_true(ids_is_uuid4(id));
	assert_int_equal(accounts_get(f->st, id, &acc, &error), 0);
	assert_string_equal(acc.status, "pending");
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM account_confirmations WHERE "
	                           "account_id = ?",
	                           id),
	                 1);
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM mail_outbox WHERE subject_id = ? "
	                           "AND kind = 'confirm'",
	                           id),
	                 1);
	assert_int_equal(
	    auth_login(&f->app, f->st, "alice", alice.password, "192.0.2.1", 0, &r, &error), -1);
	assert_string_equal(error, "confirmation_required");

	plant_code(f, id, "known-code-1", acc_now() + 60);
	assert_int_equal(accounts_confirm(&f->app, f->st, "wrong-code", &error), -1);
	assert_string_equal(error, "invalid_code");
	assert_int_equal(accounts_confirm(&f->app, f->st, "known-code-1", &error), 0);
	assert_int_equal(accounts_confirm(&f->app, f->st, "known-code-1", &error), -1);
	assert_string_equal(error, "invalid_code");
	assert_int_equal(
	    auth_login(&f->app, f->st, "alice", alice.password, "192.0.2.1", 0, &r, &error), 0);
	assert_string_equal(r.account.status, "active");
}

/* P-ACC-1: an expired code does not activate. */
static void test_confirm_expired(void **state)
{
	struct afx *f = *state;
	char id[IDS_UUID_LEN];
	const char *error = NULL;
	assert_int_equal(accounts_register(&f->app, f->st, &alice, id, &error), 0);
	plant_code(f, id, "old-code", acc_now() - 1);
	assert_int_equal(accounts_confirm(&f->app, f->st, "old-code", &error), -1);
	assert_string_equal(error, "code_expired");
}

/* P-ACC-1: bad input is refused with stable codes and leaves nothing behind. */
static void test_register_bad_input(void **state)
{
	struct afx *f = *state;
	char id[IDS_UUID_LEN];
	const char *error = NULL;
	struct registration r = alice;
	static const char *const bad_names[] = {"A",      "Alice",  "al ice", "al@ice",
	                                        "-alice", "ä-user", ""};
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		r = alice;
		r.username = bad_names[i];
		assert_int_equal(accounts_register(&f->app, f->st, &r, id, &error), -1);
		assert_string_equal(error, "invalid_username");
	}
	r = alice;
	r.email = "not-an-address";
	assert_int_equal(accounts_register(&f->app, f->st, &r, id, &error), -1);
	assert_string_equal(error, "invalid_email");
	r = alice;
	r.password = "short";
	assert_int_equal(accounts_register(&f->app, f->st, &r, id, &error), -1);
	assert_string_equal(error, "weak_password");
	assert_int_equal(afx_count(f, "SELECT COUNT(*) FROM accounts", NULL), 0);

	assert_int_equal(accounts_register(&f->app, f->st, &alice, id, &error), 0);
	r = alice;
	r.email = "other@example.org";
	assert_int_equal(accounts_register(&f->app, f->st, &r, id, &error), -1);
	assert_string_equal(error, "username_taken");
	r = alice;
	r.username = "alice2";
	r.email = "ALICE.canary@example.ORG"; /* same address, other case */
	assert_int_equal(accounts_register(&f->app, f->st, &r, id, &error), -1);
	assert_string_equal(error, "email_taken");
	/* Nothing half-written: one account, one code, one mail. */
	assert_int_equal(afx_count(f, "SELECT COUNT(*) FROM accounts", NULL), 1);
	assert_int_equal(afx_count(f, "SELECT COUNT(*) FROM account_confirmations", NULL), 1);
	assert_int_equal(afx_count(f, "SELECT COUNT(*) FROM mail_outbox", NULL), 1);
}

/* P-ACC-1: the operator can switch self-registration off. */
static void test_register_disabled(void **state)
{
	struct afx *f = *state;
	char id[IDS_UUID_LEN];
	const char *error = NULL;
	f->cfg.self_registration = false;
	assert_int_equal(accounts_register(&f->app, f->st, &alice, id, &error), -1);
	assert_string_equal(error, "registration_disabled");
}

/* P-SEC-1, P-SEC-2: neither the password nor the e-mail or names are in the
 * database in clear; credentials are SCRAM-SHA-256 and SCRAM-SHA-1. */
static void test_nothing_in_clear(void **state)
{
	struct afx *f = *state;
	char id[IDS_UUID_LEN];
	const char *error = NULL;
	assert_int_equal(accounts_register(&f->app, f->st, &alice, id, &error), 0);
	assert_false(afx_db_contains(f, alice.password, strlen(alice.password)));
	assert_false(afx_db_contains(f, "Alice.Canary", 12));
	assert_false(afx_db_contains(f, "alice.canary", 12));
	assert_false(afx_db_contains(f, "Alicecanary", 11));
	assert_false(afx_db_contains(f, "Liddellcanary", 13));
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM accounts WHERE scram_sha256 LIKE "
	                           "'SCRAM-SHA-256$%' AND scram_sha1 LIKE 'SCRAM-SHA-1$%'",
	                           NULL),
	                 1);
}

/* P-SEC-7: ids are random UUIDv4. */
static void test_ids_uuid4(void **state)
{
	struct afx *f = *state;
	struct account a, b;
	char tid[IDS_UUID_LEN];
	afx_tenant(f, "Acme", tid);
	assert_true(ids_is_uuid4(tid));
	afx_account(f, tid, "ann", ROLE_USER, &a);
	afx_account(f, tid, "bob", ROLE_USER, &b);
	assert_true(ids_is_uuid4(a.id));
	assert_true(ids_is_uuid4(b.id));
	assert_string_not_equal(a.id, b.id);
}

/* First start: operator, tenant "default" and its admin, one-time passwords
 * that must be changed; a second call does nothing. */
static void test_bootstrap(void **state)
{
	struct afx *f = *state;
	struct accounts_bootstrap_result r;
	struct login_result lr;
	const char *error = NULL;
	assert_int_equal(accounts_bootstrap(&f->app, f->st, &r), 0);
	assert_true(r.created);
	assert_string_equal(r.operator_username, "operator");
	assert_string_equal(r.tenant_name, "default");
	assert_true(ids_is_uuid4(r.tenant_id));
	assert_true(strlen(r.operator_password) >= 16);
	assert_int_equal(auth_login(&f->app, f->st, r.admin_username, r.admin_password, "192.0.2.7",
	                            0, &lr, &error),
	                 0);
	assert_int_equal(lr.scope, TOKEN_PASSWORD_CHANGE);
	assert_string_equal(lr.account.tenant_id, r.tenant_id);
	assert_int_equal(lr.account.role, ROLE_TENANT_ADMIN);
	struct accounts_bootstrap_result again;
	assert_int_equal(accounts_bootstrap(&f->app, f->st, &again), 0);
	assert_false(again.created);
	assert_int_equal(afx_count(f, "SELECT COUNT(*) FROM accounts", NULL), 2);
	accounts_bootstrap_result_wipe(&r);
}

/* P-ACC-3: a freemium user founds a company: tenant with its key, the user
 * becomes admin, the agreement acceptance is recorded, their sealed data
 * moves under the new tenant's key. Without acceptance nothing happens. */
static void test_found_company(void **state)
{
	struct afx *f = *state;
	struct account u, after;
	char tid[IDS_UUID_LEN], *email = NULL;
	const char *error = NULL;
	afx_account(f, "", "fred", ROLE_USER, &u);
	assert_int_equal(tenants_found_company(&f->app, f->st, &u, "Fred Ltd", false, tid, &error),
	                 -1);
	assert_string_equal(error, "dpa_required");
	assert_int_equal(afx_count(f, "SELECT COUNT(*) FROM tenants", NULL), 0);

	assert_int_equal(tenants_found_company(&f->app, f->st, &u, "Fred Ltd", true, tid, &error),
	                 0);
	assert_int_equal(accounts_get(f->st, u.id, &after, &error), 0);
	assert_string_equal(after.tenant_id, tid);
	assert_int_equal(after.role, ROLE_TENANT_ADMIN);
	assert_int_equal(
	    afx_count(f, "SELECT COUNT(*) FROM tenant_agreements WHERE accepted_by = ?", u.id), 1);
	assert_int_equal(accounts_email(&f->app, f->st, &after, &email), 0);
	assert_string_equal(email, "fred@example.org");
	free(email);
	assert_false(keys_subject_exists(f->app.keys, f->st, "", u.id));
	assert_true(keys_subject_exists(f->app.keys, f->st, tid, u.id));
	/* Already in a tenant: no second company. */
	assert_int_equal(tenants_found_company(&f->app, f->st, &after, "Other", true, tid, &error),
	                 -1);
	assert_string_equal(error, "forbidden");
	/* P-INS-1: the acceptance is an audited instruction of the tenant. */
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM audit_log WHERE tenant_id = ? AND "
	                           "action = 'tenant.agreement_accept'",
	                           tid),
	                 1);
}

/* P-ACC-2: a member's deletion request lands in the admin's queue; the admin
 * erases the account and the request is done; the account's key is gone. */
static void test_deletion_request(void **state)
{
	struct afx *f = *state;
	struct account admin, m;
	struct actor act;
	char tid[IDS_UUID_LEN], rid[IDS_UUID_LEN], rid2[IDS_UUID_LEN];
	const char *error = NULL;
	afx_tenant(f, "Acme", tid);
	afx_account(f, tid, "boss", ROLE_TENANT_ADMIN, &admin);
	afx_account(f, tid, "mia", ROLE_USER, &m);
	assert_int_equal(accounts_deletion_request(&f->app, f->st, &m, rid, &error), 0);
	assert_int_equal(accounts_deletion_request(&f->app, f->st, &m, rid2, &error), 0);
	assert_string_equal(rid, rid2); /* one open request per account */
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM deletion_requests WHERE tenant_id = ? "
	                           "AND status = 'open'",
	                           tid),
	                 1);
	actor_from_account(&act, &admin);
	assert_int_equal(
	    accounts_deletion_request_decide(&f->app, f->st, &act, tid, rid, "done", &error), 0);
	assert_int_equal(accounts_get(f->st, m.id, &m, &error), -1);
	assert_false(keys_subject_exists(f->app.keys, f->st, tid, m.id));
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM deletion_requests WHERE id = ? AND "
	                           "status = 'done' AND account_id IS NULL",
	                           rid),
	                 1);
	assert_int_equal(
	    afx_count(f, "SELECT COUNT(*) FROM account_profiles WHERE account_id = ?", m.id), 0);
	/* Freemium users have no admin to ask. */
	struct account free_user;
	afx_account(f, "", "solo", ROLE_USER, &free_user);
	assert_int_equal(accounts_deletion_request(&f->app, f->st, &free_user, rid, &error), -1);
}

/* P-ACC-2, P-AUD-1: the tenant's last admin cannot be erased by an admin;
 * every change is in the audit chain, which verifies, and holds no values. */
static void test_erase_audited(void **state)
{
	struct afx *f = *state;
	struct account admin, m;
	struct actor act;
	char tid[IDS_UUID_LEN];
	const char *error = NULL;
	unsigned char pub[32];
	struct audit_verify_report rep;
	afx_tenant(f, "Acme", tid);
	afx_account(f, tid, "boss", ROLE_TENANT_ADMIN, &admin);
	afx_account(f, tid, "mia", ROLE_USER, &m);
	actor_from_account(&act, &admin);
	assert_int_equal(accounts_erase(&f->app, f->st, &act, admin.id, &error), -1);
	assert_string_equal(error, "last_admin");
	struct account_update upd = {.email = "mia.new@example.org"};
	assert_int_equal(accounts_update(&f->app, f->st, &act, m.id, &upd, &error), 0);
	assert_int_equal(accounts_erase(&f->app, f->st, &act, m.id, &error), 0);
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM audit_log WHERE tenant_id = ? AND "
	                           "action IN ('account.create', 'account.update', "
	                           "'account.erase')",
	                           tid),
	                 4);
	assert_false(afx_db_contains(f, "mia.new@example.org", 19));
	assert_int_equal(keys_sign_public(f->app.keys, f->st, pub), 0);
	assert_int_equal(audit_verify(f->st, pub, tid, &rep), 0);
	assert_true(rep.ok);
}

struct concurrent_admin {
	struct afx *f;
	const char *demote_id;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool holding;
};

/* Another request's transaction, on its own connection: it takes the write
 * lock, removes the other admin, lets the erasure start, then commits. */
static void *other_admin_tx(void *arg)
{
	struct concurrent_admin *c = arg;
	struct store *st2 = app_thread_store(&c->f->app);
	assert_int_equal(store_tx_begin(st2), 0);
	assert_int_equal(store_run(st2, "UPDATE accounts SET status = 'disabled' WHERE id = ?", "s",
	                           c->demote_id),
	                 STORE_DONE);
	pthread_mutex_lock(&c->mu);
	c->holding = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	usleep(300 * 1000); /* the erasure below runs meanwhile */
	assert_int_equal(store_tx_commit(st2), 0);
	app_thread_release();
	return NULL;
}

/* P-ACC-2 */
/* Two admins removing each other at the same time: the last-admin check is
 * made inside the erasure's transaction (BEGIN IMMEDIATE), after the other
 * writer committed, so the tenant is never left without an admin. Before
 * the fix the check read the committed state before taking the lock (two
 * admins), then waited for the lock and erased the last admin. */
static void test_erase_last_admin_race(void **state)
{
	struct afx *f = *state;
	struct account a, b;
	struct actor by_b;
	char tid[IDS_UUID_LEN];
	const char *error = NULL;
	pthread_t th;
	afx_tenant(f, "Acme", tid);
	afx_account(f, tid, "anna", ROLE_TENANT_ADMIN, &a);
	afx_account(f, tid, "bert", ROLE_TENANT_ADMIN, &b);
	actor_from_account(&by_b, &b);
	struct concurrent_admin c = {.f = f, .demote_id = b.id};
	pthread_mutex_init(&c.mu, NULL);
	pthread_cond_init(&c.cv, NULL);
	assert_int_equal(pthread_create(&th, NULL, other_admin_tx, &c), 0);
	pthread_mutex_lock(&c.mu);
	while (!c.holding)
		pthread_cond_wait(&c.cv, &c.mu);
	pthread_mutex_unlock(&c.mu);
	/* bert erases anna while the other transaction removes bert. */
	int rc = accounts_erase(&f->app, f->st, &by_b, a.id, &error);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(rc, -1);
	assert_string_equal(error, "last_admin");
	assert_int_equal(afx_count(f,
	                           "SELECT COUNT(*) FROM accounts WHERE tenant_id = ? AND "
	                           "role = 'tenant_admin' AND status = 'active'",
	                           tid),
	                 1);
	pthread_mutex_destroy(&c.mu);
	pthread_cond_destroy(&c.cv);
}

/* P-ACC-2: admin edits: role and status are checked; disabling revokes. */
static void test_update_checks(void **state)
{
	struct afx *f = *state;
	struct account m;
	struct actor sys;
	char tid[IDS_UUID_LEN];
	const char *error = NULL;
	afx_tenant(f, "Acme", tid);
	afx_account(f, tid, "mia", ROLE_USER, &m);
	actor_system(&sys, "operator-cli");
	struct account_update bad_role = {.role = "operator"};
	assert_int_equal(accounts_update(&f->app, f->st, &sys, m.id, &bad_role, &error), -1);
	assert_string_equal(error, "invalid_field");
	struct account_update bad_status = {.status = "gone"};
	assert_int_equal(accounts_update(&f->app, f->st, &sys, m.id, &bad_status, &error), -1);
	struct account_update ok = {.role = "auditor", .status = "disabled"};
	assert_int_equal(accounts_update(&f->app, f->st, &sys, m.id, &ok, &error), 0);
	assert_int_equal(accounts_get(f->st, m.id, &m, &error), 0);
	assert_int_equal(m.role, ROLE_AUDITOR);
	assert_string_equal(m.status, "disabled");
}

/* irisctl: reset password gives a one-time password that must be changed. */
static void test_reset_password(void **state)
{
	struct afx *f = *state;
	struct account m;
	struct login_result r;
	char tid[IDS_UUID_LEN], pw[64];
	const char *error = NULL;
	afx_tenant(f, "Acme", tid);
	afx_account(f, tid, "mia", ROLE_USER, &m);
	assert_int_equal(accounts_reset_password(&f->app, f->st, "mia", pw, &error), 0);
	assert_true(strlen(pw) >= 16);
	assert_int_equal(
	    auth_login(&f->app, f->st, "mia", "password-mia", "192.0.2.9", 0, &r, &error), -1);
	assert_int_equal(auth_login(&f->app, f->st, "mia", pw, "192.0.2.9", 0, &r, &error), 0);
	assert_int_equal(r.scope, TOKEN_PASSWORD_CHANGE);
	assert_int_equal(accounts_reset_password(&f->app, f->st, "nobody", pw, &error), -1);
	assert_string_equal(error, "not_found");
}

static void count_tenant(const struct tenant *t, void *ctx)
{
	(*(int *)ctx)++;
}

/* P-SEC-6: each tenant gets its own key; names are unique. */
static void test_tenants(void **state)
{
	struct afx *f = *state;
	struct actor sys;
	char a[IDS_UUID_LEN], b[IDS_UUID_LEN];
	const char *error = NULL;
	int n = 0;
	afx_tenant(f, "Acme", a);
	actor_system(&sys, "operator-cli");
	assert_int_equal(tenants_create(&f->app, f->st, &sys, "Acme", b, &error), -1);
	assert_string_equal(error, "conflict");
	assert_int_equal(tenants_create(&f->app, f->st, &sys, "", b, &error), -1);
	assert_string_equal(error, "invalid_field");
	afx_tenant(f, "Beta", b);
	assert_int_equal(tenants_list(f->st, count_tenant, &n), 0);
	assert_int_equal(n, 2);
	/* A value sealed for a subject of tenant a does not open under tenant b. */
	unsigned char *sealed = NULL;
	size_t sealed_len = 0, len = 0;
	char *plain = NULL;
	struct seal_ad ad = {"t", "r", "c"};
	assert_int_equal(
	    keys_seal(f->app.keys, f->st, a, "subj", &ad, "x", 1, &sealed, &sealed_len), 0);
	assert_int_equal(
	    keys_open_sealed(f->app.keys, f->st, b, "subj", &ad, sealed, sealed_len, &plain, &len),
	    -1);
	free(sealed);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, afx_setup, afx_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_register_confirm),  T(test_confirm_expired),  T(test_register_bad_input),
	    T(test_register_disabled), T(test_nothing_in_clear), T(test_ids_uuid4),
	    T(test_bootstrap),         T(test_found_company),    T(test_deletion_request),
	    T(test_erase_audited),     T(test_update_checks),    T(test_reset_password),
	    T(test_tenants),           T(test_erase_last_admin_race),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
