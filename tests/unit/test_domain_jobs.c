/* Unit tests for domain/jobs: persistent, idempotent, recorded duties. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/jobs.h"
#include "store/store.h"

static int calls_ok, calls_fail;
static int64_t last_now;
static char last_arg[64];

static int job_ok(struct app *app, struct store *st, int64_t now, const char *tenant_id,
		  const char *arg, char *summary, size_t len)
{
	calls_ok++;
	last_now = now;
	snprintf(last_arg, sizeof(last_arg), "%s", arg);
	snprintf(summary, len, "did %s", arg);
	return 0;
}

static int job_fail(struct app *app, struct store *st, int64_t now, const char *tenant_id,
		    const char *arg, char *summary, size_t len)
{
	calls_fail++;
	snprintf(summary, len, "not yet");
	return -1;
}

static int setup(void **state)
{
	char dir[] = "/tmp/iris-jobs-XXXXXX", url[128];
	const char *error = NULL;
	struct store *st = NULL;
	assert_non_null(mkdtemp(dir));
	snprintf(url, sizeof(url), "sqlite:%s/iris.db", dir);
	assert_int_equal(store_open(url, &st, &error), 0);
	assert_int_equal(store_migrate(st, &error), 0);
	calls_ok = calls_fail = 0;
	jobs_register("test.ok", job_ok, 0);
	jobs_register("test.fail", job_fail, 0);
	jobs_register("test.recurring", job_ok, 3600);
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	struct store *st = *state;
	store_close(&st);
	return 0;
}

static int64_t count(struct store *st, const char *sql)
{
	struct store_stmt *s = store_query(st, sql, "");
	assert_int_equal(store_step(s), STORE_ROW);
	int64_t n = store_col_int(s, 0);
	store_stmt_done(s);
	return n;
}

/* P-RET-1: a duty runs when due and each run is recorded. */
static void test_due_job_runs_once_and_is_recorded(void **state)
{
	struct store *st = *state;
	assert_int_equal(jobs_schedule(st, "test.ok", "t1", "a1", 1000, NULL, NULL), 0);
	assert_int_equal(jobs_schedule(st, "test.ok", "t1", "later", 5000, NULL, NULL), 0);
	assert_int_equal(jobs_run_due(NULL, st, 999, 10), 0);
	assert_int_equal(jobs_run_due(NULL, st, 1000, 10), 1);
	assert_int_equal(calls_ok, 1);
	assert_string_equal(last_arg, "a1");
	assert_int_equal(jobs_run_due(NULL, st, 1000, 10), 0);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM job_runs WHERE ok = 1 AND summary = 'did a1'"),
			 1);
	assert_true(jobs_last_success(st, "test.ok") > 0);
}

static void test_dedupe_key_keeps_one_job(void **state)
{
	struct store *st = *state;
	char a[37], b[37];
	assert_int_equal(jobs_schedule(st, "test.ok", "t", "x", 2000, "k1", a), 0);
	assert_int_equal(jobs_schedule(st, "test.ok", "t", "x", 1500, "k1", b), 0);
	assert_string_equal(a, b);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM jobs WHERE dedupe_key = 'k1'"), 1);
	assert_int_equal(count(st, "SELECT due_at FROM jobs WHERE dedupe_key = 'k1'"), 1500);
	assert_int_equal(jobs_cancel(st, "k1"), 1);
	assert_int_equal(jobs_run_due(NULL, st, 9999, 10), 0);
}

static void test_failure_retried_not_lost(void **state)
{
	struct store *st = *state;
	assert_int_equal(jobs_schedule(st, "test.fail", "t", "", 100, NULL, NULL), 0);
	assert_int_equal(jobs_run_due(NULL, st, 100, 10), 1);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM jobs WHERE status = 'pending' AND due_at > 100"),
			 1);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM job_runs WHERE ok = 0"), 1);
}

static void test_unknown_kind_recorded_as_failed(void **state)
{
	struct store *st = *state;
	assert_int_equal(jobs_schedule(st, "no.such.kind", "t", "", 100, NULL, NULL), 0);
	assert_int_equal(jobs_run_due(NULL, st, 100, 10), 1);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM jobs WHERE status = 'failed'"), 1);
}

static void test_recurring_rescheduled(void **state)
{
	struct store *st = *state;
	assert_int_equal(jobs_ensure_recurring(st, 100), 0);
	assert_int_equal(jobs_ensure_recurring(st, 100), 0);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM jobs WHERE kind = 'test.recurring'"), 1);
	assert_int_equal(jobs_run_due(NULL, st, 100, 10), 1);
	assert_true(count(st, "SELECT MIN(due_at) FROM jobs WHERE kind = 'test.recurring'"
			      " AND status = 'pending'") >= 3600);
}

/* P-RET-1 */
/* The run's `now` is the only clock: the job is given it, the run is
 * recorded at it, and a recurring duty is next due exactly interval_s after
 * it, even when `now` is years away from the wall clock (test time). */
static void test_jobs_use_the_runs_now(void **state)
{
	struct store *st = *state;
	const int64_t far = 4102444800; /* 2100-01-01 */
	assert_int_equal(jobs_ensure_recurring(st, 100), 0);
	assert_int_equal(jobs_run_due(NULL, st, far, 10), 1);
	assert_true(last_now == far);
	assert_int_equal(count(st, "SELECT MIN(due_at) FROM jobs WHERE kind = 'test.recurring'"
				   " AND status = 'pending'"),
			 far + 3600);
	assert_int_equal(count(st, "SELECT MAX(finished_at) FROM job_runs"), far);
	assert_int_equal(jobs_last_success(st, "test.recurring"), far);
	/* A failed job is retried after a back-off from the run's now. */
	assert_int_equal(jobs_schedule(st, "test.fail", "t", "", far, NULL, NULL), 0);
	assert_int_equal(jobs_run_due(NULL, st, far, 10), 1);
	assert_int_equal(count(st, "SELECT due_at FROM jobs WHERE kind = 'test.fail'"), far + 120);
}

/* P-AVL-2, P-RET-1: the bookkeeping after a run is all or nothing. When the
 * successor of a recurring duty cannot be written, the run is not marked
 * done either: the duty stays pending and runs again, instead of silently
 * disappearing until the next restart. */
static void test_recurring_not_lost_when_reschedule_fails(void **state)
{
	struct store *st = *state;
	assert_int_equal(jobs_ensure_recurring(st, 100), 0);
	/* Fault injection: the INSERT of the successor fails. */
	assert_int_equal(store_exec(st, "CREATE TEMP TRIGGER jobs_fail_insert BEFORE INSERT ON "
					"jobs BEGIN SELECT RAISE(ABORT, 'injected'); END"),
			 0);
	assert_int_equal(jobs_run_due(NULL, st, 100, 10), 1);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM jobs WHERE kind = 'test.recurring'"
				   " AND status = 'pending'"),
			 1);
	assert_int_equal(store_exec(st, "DROP TRIGGER jobs_fail_insert"), 0);
	assert_int_equal(jobs_run_due(NULL, st, 100, 10), 1);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM jobs WHERE kind = 'test.recurring'"
				   " AND status = 'pending' AND due_at >= 3600"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_due_job_runs_once_and_is_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dedupe_key_keeps_one_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_retried_not_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_kind_recorded_as_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recurring_rescheduled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jobs_use_the_runs_now, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recurring_not_lost_when_reschedule_fails, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
