/*
 * privacy/account_changes: the durable record of account-state changes that
 * a running irisd reads (issue 9 item 5). A change is written inside the
 * caller's transaction (a rollback leaves no row), read back in order past
 * a seq with its keep_session, and rows older than an hour are deleted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "privacy/account_changes.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *error = NULL;
	char path[128];
	snprintf(f->dir, sizeof(f->dir), "/tmp/iris-achg-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/iris.db", f->dir);
	assert_int_equal(store_open(path, &f->st, &error), 0);
	assert_int_equal(store_migrate(f->st, &error), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	store_close(&f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void test_recorded_in_the_callers_transaction(void **state)
{
	struct fixture *f = *state;
	struct account_event ev[4];
	size_t n = 9;
	int64_t last = -1;
	assert_int_equal(account_changes_last(f->st), 0);
	assert_int_equal(store_tx_begin(f->st), 0);
	assert_int_equal(
	    account_changes_record_tx(f->st, ACCOUNT_CHANGE_DISABLED, "acc-1", "t-1", NULL), 0);
	store_tx_rollback(f->st); /* the change did not happen: no row */
	assert_int_equal(account_changes_last(f->st), 0);
	assert_int_equal(store_tx_begin(f->st), 0);
	assert_int_equal(
	    account_changes_record_tx(f->st, ACCOUNT_CHANGE_PASSWORD, "acc-1", "t-1", "phone"), 0);
	assert_int_equal(
	    account_changes_record_tx(f->st, ACCOUNT_CHANGE_TENANT_DESTROYED, NULL, "t-2", ""), 0);
	assert_int_equal(store_tx_commit(f->st), 0);
	int64_t end = account_changes_last(f->st);
	assert_true(end >= 2);
	assert_int_equal(account_changes_since(f->st, 0, ev, 4, &n, &last), 0);
	assert_int_equal(n, 2);
	assert_int_equal(last, end);
	assert_int_equal(ev[0].change, ACCOUNT_CHANGE_PASSWORD);
	assert_string_equal(ev[0].account_id, "acc-1");
	assert_string_equal(ev[0].keep_session, "phone");
	assert_true(ev[0].seq < ev[1].seq);
	assert_int_equal(ev[1].change, ACCOUNT_CHANGE_TENANT_DESTROYED);
	assert_string_equal(ev[1].account_id, "");
	assert_string_equal(ev[1].tenant_id, "t-2");
	assert_string_equal(ev[1].keep_session, "");
	/* past the end: nothing, and the position stays */
	assert_int_equal(account_changes_since(f->st, end, ev, 4, &n, &last), 0);
	assert_int_equal(n, 0);
	assert_int_equal(last, end);
}

static void test_unknown_kind_passed_over_and_old_rows_pruned(void **state)
{
	struct fixture *f = *state;
	struct account_event ev[4];
	size_t n = 0;
	int64_t last = 0, now = (int64_t)time(NULL);
	assert_int_equal(store_run(f->st,
	                           "INSERT INTO account_state_changes (account_id, kind, at) "
	                           "VALUES ('a', 'from-the-future', ?), ('b', 'erased', ?)",
	                           "ii", now, now - ACCOUNT_CHANGES_KEEP_S - 1),
	                 STORE_DONE);
	assert_int_equal(account_changes_since(f->st, 0, ev, 4, &n, &last), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].account_id, "b");
	assert_int_equal(last, account_changes_last(f->st)); /* not read again */
	assert_int_equal(account_changes_prune(f->st, now), 0);
	assert_int_equal(account_changes_since(f->st, 0, ev, 4, &n, &last), 0);
	assert_int_equal(n, 0); /* "b" was older than an hour */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_recorded_in_the_callers_transaction, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_kind_passed_over_and_old_rows_pruned,
	                                    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
