/*
 * Unit tests for domain/directory: exact-match search through blind
 * indexes, tenant discoverability, suggestions by e-mail domain, index
 * upkeep on profile changes and erasure, and that no name is stored in
 * clear by the index.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/module.h"
#include "domain/directory.h"
#include "privacy/backup.h"
#include "domain/profile.h"
#include "store/store.h"
#include "test_accounts_fixture.h"

struct found {
	int n;
	char names[32][2 * ACCOUNTS_NAME_MAX + 2];
	char users[32][ACCOUNTS_USERNAME_MAX + 1];
};

static void collect(const struct directory_entry *e, void *ctx)
{
	struct found *f = ctx;
	if (f->n < 32) {
		snprintf(f->users[f->n], sizeof(f->users[0]), "%s", e->username);
		snprintf(f->names[f->n], sizeof(f->names[0]), "%s", e->display_name);
	}
	f->n++;
}

static void person(struct afx *f, const char *tenant, const char *username, const char *first,
                   const char *last, const char *email, struct account *out)
{
	char id[IDS_UUID_LEN], otp[64];
	const char *error = NULL;
	struct actor sys;
	actor_system(&sys, "system");
	struct account_new in = {.tenant_id = tenant,
	                         .username = username,
	                         .password = "password-123456",
	                         .email = email,
	                         .first_name = first,
	                         .last_name = last,
	                         .role = ROLE_USER,
	                         .status = "active"};
	assert_int_equal(accounts_create(&f->app, f->st, &sys, &in, id, otp, &error), 0);
	assert_int_equal(accounts_get(f->st, id, out, &error), 0);
}

static struct found search(struct afx *f, const struct account *caller, const char *q)
{
	struct found r;
	const char *error = NULL;
	memset(&r, 0, sizeof(r));
	assert_int_equal(directory_search(&f->app, f->st, caller, q, collect, &r, &error), 0);
	return r;
}

static bool has(const struct found *r, const char *username)
{
	for (int i = 0; i < r->n && i < 32; i++)
		if (strcmp(r->users[i], username) == 0)
			return true;
	return false;
}

/* P-DIR-1 */
static void test_search_freemium_and_tenants(void **state)
{
	struct afx *f = *state;
	struct account me, free1, mem1, hidden, other_hidden;
	char open_t[IDS_UUID_LEN], closed_t[IDS_UUID_LEN];
	const char *error = NULL;
	struct actor sys;
	actor_system(&sys, "operator-cli");
	afx_tenant(f, "open-org", open_t);
	afx_tenant(f, "closed-org", closed_t);
	person(f, "", "me", "Max", "Mustermann", "me@example.org", &me);
	person(f, "", "zoe", "Zoë", "Van der Berg", "zoe@mail.example", &free1);
	person(f, open_t, "otto", "Otto", "Berg", "otto@open.example", &mem1);
	person(f, closed_t, "hank", "Hank", "Berg", "hank@closed.example", &hidden);
	person(f, closed_t, "hilda", "Hilda", "Berg", "hilda@closed.example", &other_hidden);
	assert_int_equal(directory_tenant_set(&f->app, f->st, &sys, closed_t, false, &error), 0);

	struct found r = search(f, &me, "berg");
	assert_true(has(&r, "zoe"));
	assert_true(has(&r, "otto"));
	assert_false(has(&r, "hank")); /* tenant not discoverable */
	/* Names are shown, case-insensitive exact tokens, all must match. */
	r = search(f, &me, "VAN berg");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.users[0], "zoe");
	assert_string_equal(r.names[0], "Zoë Van der Berg");
	r = search(f, &me, "Zoë");
	assert_int_equal(r.n, 1);
	r = search(f, &me, "ber"); /* no prefix matching */
	assert_int_equal(r.n, 0);
	/* By e-mail address and by username. */
	r = search(f, &me, "OTTO@open.example");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.users[0], "otto");
	r = search(f, &me, "hank");
	assert_int_equal(r.n, 0);
	r = search(f, &me, "hank@closed.example");
	assert_int_equal(r.n, 0);
	/* Members of a hidden tenant still find each other. */
	r = search(f, &other_hidden, "hank");
	assert_int_equal(r.n, 1);
	/* Back to discoverable. */
	assert_int_equal(directory_tenant_set(&f->app, f->st, &sys, closed_t, true, &error), 0);
	r = search(f, &me, "berg");
	assert_true(has(&r, "hank"));
	/* Bad queries. */
	struct found x;
	memset(&x, 0, sizeof(x));
	assert_int_equal(directory_search(&f->app, f->st, &me, "", collect, &x, &error), -1);
	assert_int_equal(
	    directory_search(&f->app, f->st, &me, "a b c d e f g h", collect, &x, &error), 0);
	assert_int_equal(
	    directory_search(&f->app, f->st, &me, "aa bb cc dd ee", collect, &x, &error), -1);
	assert_string_equal(error, "invalid_field");
	/* The index holds no name in clear. */
	assert_int_equal(
	    afx_count(f, "SELECT COUNT(*) FROM directory_index WHERE token = ?", "mustermann"), 0);
	assert_true(
	    afx_count(f, "SELECT COUNT(*) FROM directory_index WHERE account_id = ?", me.id) >= 2);
}

/* P-DIR-1 */
static void test_index_follows_changes_and_erasure(void **state)
{
	struct afx *f = *state;
	struct account me, ann;
	const char *error = NULL, *field = NULL;
	struct actor sys;
	actor_system(&sys, "system");
	person(f, "", "me", "Max", "Muster", "me@example.org", &me);
	person(f, "", "ann", "Ann", "Smith", "ann@example.org", &ann);
	assert_int_equal(search(f, &me, "smith").n, 1);
	json_t *patch = json_pack("{s:s}", "last_name", "Jones");
	assert_int_equal(profile_patch(&f->app, f->st, &sys, &ann, patch, &error, &field), 0);
	json_decref(patch);
	assert_int_equal(search(f, &me, "smith").n, 0);
	assert_int_equal(search(f, &me, "ann jones").n, 1);
	/* Rows lost (or accounts from before migration 010): a reindex restores them. */
	assert_int_equal(store_run(f->st, "DELETE FROM directory_index", ""), STORE_DONE);
	assert_int_equal(search(f, &ann, "muster").n, 0);
	int n = 0;
	assert_int_equal(directory_reindex_all(&f->app, f->st, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(search(f, &ann, "muster").n, 1);
	/* the backups' module keeps the erasure ledger (as irisd composes it) */
	module_register(&backup_module);
	assert_int_equal(accounts_erase(&f->app, f->st, &sys, ann.id, &error), 0);
	module_reset();
	assert_int_equal(search(f, &me, "jones").n, 0);
	assert_int_equal(
	    afx_count(f, "SELECT COUNT(*) FROM directory_index WHERE account_id = ?", ann.id), 0);
	/* P-AVL-1: the erasure is in the ledger. */
	assert_int_equal(
	    afx_count(f, "SELECT COUNT(*) FROM erasure_ledger WHERE subject_id = ?", ann.id), 1);
}

/* P-DIR-2 */
static void test_suggestions_same_domain_same_tenant(void **state)
{
	struct afx *f = *state;
	struct account a, b, c, d, free1, free2;
	char t1[IDS_UUID_LEN], t2[IDS_UUID_LEN];
	const char *error = NULL;
	afx_tenant(f, "acme", t1);
	afx_tenant(f, "other", t2);
	person(f, t1, "alice", "Alice", "A", "alice@acme.example", &a);
	person(f, t1, "bob", "Bob", "B", "bob@ACME.example", &b);
	person(f, t1, "carol", "Carol", "C", "carol@elsewhere.example", &c);
	person(f, t2, "dave", "Dave", "D", "dave@acme.example", &d);
	person(f, "", "fred", "Fred", "F", "fred@gmail.example", &free1);
	person(f, "", "gina", "Gina", "G", "gina@gmail.example", &free2);
	struct found r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(directory_suggestions(&f->app, f->st, &a, collect, &r, &error), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.users[0], "bob");
	assert_string_equal(r.names[0], "Bob B");
	memset(&r, 0, sizeof(r));
	assert_int_equal(directory_suggestions(&f->app, f->st, &free1, collect, &r, &error), 0);
	assert_int_equal(r.n, 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(directory_suggestions(&f->app, f->st, &d, collect, &r, &error), 0);
	assert_int_equal(r.n, 0);
	(void)c;
	(void)free2;
}

static void test_tokens(void **state)
{
	(void)state;
	char t[8][65];
	int n = directory_tokens("  Jean-Pierre  O'Neill, JR. x", t, 8);
	assert_int_equal(n, 4); /* one-letter tokens are not indexed */
	assert_string_equal(t[0], "jean");
	assert_string_equal(t[1], "pierre");
	assert_string_equal(t[2], "neill");
	assert_string_equal(t[3], "jr");
	assert_int_equal(directory_tokens("Berg berg BERG", t, 8), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_search_freemium_and_tenants, afx_setup,
	                                    afx_teardown),
	    cmocka_unit_test_setup_teardown(test_index_follows_changes_and_erasure, afx_setup,
	                                    afx_teardown),
	    cmocka_unit_test_setup_teardown(test_suggestions_same_domain_same_tenant, afx_setup,
	                                    afx_teardown),
	    cmocka_unit_test(test_tokens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
