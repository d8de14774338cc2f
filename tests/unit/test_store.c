/* Unit tests for the store layer (SQLite backend). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"

struct fixture {
	char dir[64];
	char path[128];
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *error = NULL;
	snprintf(f->dir, sizeof(f->dir), "/tmp/iris-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/iris.db", f->dir);
	assert_int_equal(store_open(f->path, &f->st, &error), 0);
	assert_int_equal(store_migrate(f->st, &error), 0);
	assert_int_equal(
	    store_exec(f->st, "CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER, b BLOB)"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[200];
	store_close(&f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void test_migrations_applied_once(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	int v = store_schema_version(f->st);
	assert_true(v >= 1);
	assert_int_equal(store_migrate(f->st, &error), 0);
	assert_int_equal(store_schema_version(f->st), v);
}

static void test_bind_and_read(void **state)
{
	struct fixture *f = *state;
	const unsigned char blob[] = {0, 1, 2, 0xff};
	assert_int_equal(store_run(f->st, "INSERT INTO t VALUES (?, ?, ?)", "sib", "a", (int64_t)42,
	                           blob, sizeof(blob)),
	                 STORE_DONE);
	struct store_stmt *s = store_query(f->st, "SELECT id, n, b FROM t WHERE id = ?", "s", "a");
	assert_non_null(s);
	assert_int_equal(store_step(s), STORE_ROW);
	assert_string_equal(store_col_text(s, 0), "a");
	assert_int_equal(store_col_int(s, 1), 42);
	size_t len = 0;
	const void *b = store_col_blob(s, 2, &len);
	assert_int_equal(len, sizeof(blob));
	assert_memory_equal(b, blob, sizeof(blob));
	assert_int_equal(store_step(s), STORE_DONE);
	store_stmt_done(s);
}

/* Parameters are bound, never pasted: a quote in a value is data. */
static void test_values_are_not_sql(void **state)
{
	struct fixture *f = *state;
	const char *evil = "x'); DROP TABLE t; --";
	assert_int_equal(store_run(f->st, "INSERT INTO t (id) VALUES (?)", "s", evil), STORE_DONE);
	struct store_stmt *s = store_query(f->st, "SELECT COUNT(*) FROM t WHERE id = ?", "s", evil);
	assert_int_equal(store_step(s), STORE_ROW);
	assert_int_equal(store_col_int(s, 0), 1);
	store_stmt_done(s);
}

static void test_constraint_reported(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_run(f->st, "INSERT INTO t (id) VALUES (?)", "s", "dup"), STORE_DONE);
	assert_int_equal(store_run(f->st, "INSERT INTO t (id) VALUES (?)", "s", "dup"),
	                 STORE_CONSTRAINT);
}

/* Nothing half-written stays: a rolled-back transaction leaves no row. */
static void test_rollback_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_tx_begin(f->st), 0);
	assert_int_equal(store_tx_begin(f->st), -1);
	assert_int_equal(store_run(f->st, "INSERT INTO t (id) VALUES (?)", "s", "r1"), STORE_DONE);
	store_tx_rollback(f->st);
	struct store_stmt *s = store_query(f->st, "SELECT COUNT(*) FROM t", "");
	assert_int_equal(store_step(s), STORE_ROW);
	assert_int_equal(store_col_int(s, 0), 0);
	store_stmt_done(s);
}

/* P-AVL-2: a committed write survives closing and reopening the database. */
static void test_commit_durable_across_reopen(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	assert_int_equal(store_tx_begin(f->st), 0);
	assert_int_equal(store_run(f->st, "INSERT INTO t (id, n) VALUES (?, ?)", "sd", "c1", 7),
	                 STORE_DONE);
	assert_int_equal(store_tx_commit(f->st), 0);
	struct store *other = NULL;
	assert_int_equal(store_open(f->path, &other, &error), 0);
	struct store_stmt *s = store_query(other, "SELECT n FROM t WHERE id = ?", "s", "c1");
	assert_int_equal(store_step(s), STORE_ROW);
	assert_int_equal(store_col_int(s, 0), 7);
	store_stmt_done(s);
	store_close(&other);
}

struct col_count {
	int t_columns;
};

static void count_col(const char *table, const char *column, void *ctx)
{
	struct col_count *c = ctx;
	if (strcmp(table, "t") == 0)
		c->t_columns++;
	assert_string_not_equal(table, "schema_migrations");
}

static void test_each_column(void **state)
{
	struct fixture *f = *state;
	struct col_count c = {0};
	assert_int_equal(store_each_column(f->st, count_col, &c), 0);
	assert_int_equal(c.t_columns, 3);
}

static void test_backup_is_consistent_copy(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	char copy[160];
	assert_int_equal(store_run(f->st, "INSERT INTO t (id) VALUES (?)", "s", "b1"), STORE_DONE);
	snprintf(copy, sizeof(copy), "%s/copy.db", f->dir);
	assert_int_equal(store_backup_to(f->st, copy, &error), 0);
	struct store *c = NULL;
	assert_int_equal(store_open(copy, &c, &error), 0);
	struct store_stmt *s = store_query(c, "SELECT COUNT(*) FROM t WHERE id = 'b1'", "");
	assert_int_equal(store_step(s), STORE_ROW);
	assert_int_equal(store_col_int(s, 0), 1);
	store_stmt_done(s);
	store_close(&c);
}

static int64_t count_rows(struct store *st)
{
	struct store_stmt *s = store_query(st, "SELECT count(*) FROM t", "");
	assert_int_equal(store_step(s), STORE_ROW);
	int64_t n = store_col_int(s, 0);
	store_stmt_done(s);
	return n;
}

/* Opening one more connection must not take away the locks the process's
 * open connections hold (closing any descriptor of a file drops them all):
 * otherwise another process (irisctl beside irisd; here Debian's sqlite3
 * shell) takes itself for the last user, checkpoints, deletes the WAL, and
 * later commits are lost. */
static void test_another_connection_keeps_the_wal(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	char wal[160];
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(store_run(f->st, "INSERT INTO t (id, n) VALUES (?, ?)", "sd", "w1", 1),
	                 STORE_DONE);
	struct store *second = NULL;
	assert_int_equal(store_open(f->path, &second, &error), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) { /* another program opens and closes the database */
		execlp("sqlite3", "sqlite3", f->path, "SELECT count(*) FROM t", (char *)NULL);
		_exit(127);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(access(wal, F_OK), 0);
	assert_int_equal(store_run(f->st, "INSERT INTO t (id, n) VALUES (?, ?)", "sd", "w2", 2),
	                 STORE_DONE);
	store_close(&second);
	store_close(&f->st);
	assert_int_equal(store_open(f->path, &f->st, &error), 0);
	assert_int_equal(count_rows(f->st), 2);
}

/* The database and its WAL are the owner's alone, whatever the umask, and
 * an existing database with wider permissions is narrowed on open. */
static void test_database_files_are_private(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	struct stat sb;
	char wal[160];
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(store_run(f->st, "INSERT INTO t (id, n) VALUES (?, ?)", "sd", "p1", 1),
	                 STORE_DONE);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	store_close(&f->st);
	assert_int_equal(chmod(f->path, 0644), 0);
	/* a WAL left behind (a crash, an earlier version) with a wider mode */
	FILE *left = fopen(wal, "w");
	assert_non_null(left);
	fclose(left);
	assert_int_equal(chmod(wal, 0644), 0);
	assert_int_equal(store_open(f->path, &f->st, &error), 0);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

static void test_bad_url_refused(void **state)
{
	struct store *st = NULL;
	const char *error = NULL;
	assert_int_equal(store_open("mysql://nowhere", &st, &error), -1);
	assert_non_null(strstr(error, "unsupported"));
	assert_int_equal(store_open("/nonexistent-dir/x/y.db", &st, &error), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_migrations_applied_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bind_and_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_values_are_not_sql, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_constraint_reported, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commit_durable_across_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_each_column, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backup_is_consistent_copy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_another_connection_keeps_the_wal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_database_files_are_private, setup, teardown),
	    cmocka_unit_test(test_bad_url_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
