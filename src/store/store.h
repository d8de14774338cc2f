/*
 * store: the one small database layer of Iris (DESIGN.md "Storage").
 *
 * Callers write portable SQL once, with `?` placeholders, and use only this
 * header; the backend (SQLite now, PostgreSQL later) is chosen by the URL
 * given to store_open(). Prepared statements only: values are always bound,
 * never pasted into SQL. A `struct store` is one connection and belongs to
 * one thread at a time; statements are cached per connection.
 *
 * Portable SQL subset used by Iris: TEXT, INTEGER (64-bit), BLOB; no
 * AUTOINCREMENT (ids are UUIDv4 text); `INSERT ... ON CONFLICT DO NOTHING`;
 * times are INTEGER Unix seconds (or milliseconds where named *_ms).
 */
#ifndef IRIS_STORE_STORE_H
#define IRIS_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_stmt;

/* store_step() results. */
enum store_step_result {
	STORE_ERROR = -1,
	STORE_DONE = 0,
	STORE_ROW = 1,
	STORE_CONSTRAINT = 2, /* unique/foreign-key/check violation */
};

/* Opens "sqlite:<path>" (or a bare path) and sets WAL, foreign keys and a
 * busy timeout. Returns 0, or -1 with a static or connection-owned message. */
int store_open(const char *url, struct store **store_r, const char **error_r);
/* Closes the connection and its cached statements; NULL is fine. */
void store_close(struct store **store);
/* Applies every numbered migration not yet applied, each in a transaction. */
int store_migrate(struct store *store, const char **error_r);
/* Highest applied migration number. */
int store_schema_version(struct store *store);

/* Transactions. Begin takes the write lock at once (BEGIN IMMEDIATE) so a
 * transaction never fails half-way on a lock upgrade. Nesting is an error. */
int store_tx_begin(struct store *store);
int store_tx_commit(struct store *store);
void store_tx_rollback(struct store *store);
bool store_in_tx(const struct store *store);

/* Prepares sql (cached: the same text returns the same statement, reset and
 * unbound). The statement stays owned by the store; call store_stmt_done()
 * when finished with it. NULL on error (see store_errmsg). */
struct store_stmt *store_prepare(struct store *store, const char *sql);
/* Binds by 1-based index. Text and blobs are copied. */
int store_bind_text(struct store_stmt *stmt, int idx, const char *value);
int store_bind_blob(struct store_stmt *stmt, int idx, const void *data, size_t len);
int store_bind_int(struct store_stmt *stmt, int idx, int64_t value);
int store_bind_null(struct store_stmt *stmt, int idx);
/* Advances; returns enum store_step_result. */
int store_step(struct store_stmt *stmt);
/* Column accessors for the current row (0-based). Pointers stay valid until
 * the next step or done. Text of a NULL column is NULL. */
const char *store_col_text(struct store_stmt *stmt, int col);
const void *store_col_blob(struct store_stmt *stmt, int col, size_t *len_r);
int64_t store_col_int(struct store_stmt *stmt, int col);
bool store_col_is_null(struct store_stmt *stmt, int col);
/* Resets and unbinds the statement, returning it to the cache. NULL ok. */
void store_stmt_done(struct store_stmt *stmt);

/*
 * Shorthands. fmt has one letter per `?`: 's' const char * (NULL binds
 * NULL), 'i' int64_t, 'd' int, 'b' const void * then size_t, 'n' NULL.
 * store_query() returns a prepared, bound statement ready for store_step();
 * store_run() runs a statement to completion and returns enum
 * store_step_result (STORE_DONE on success).
 */
struct store_stmt *store_query(struct store *store, const char *sql, const char *fmt, ...);
int store_run(struct store *store, const char *sql, const char *fmt, ...);
/* Runs sql with no parameters (schema changes, pragmas). */
int store_exec(struct store *store, const char *sql);
/* Rows changed by the last INSERT/UPDATE/DELETE. */
int64_t store_changes(struct store *store);
/* Message of the last error on this connection. */
const char *store_errmsg(struct store *store);

/* Column names of every table, for the privacy-catalog completeness test:
 * calls fn(table, column, ctx) for each, skipping store-internal tables. */
int store_each_column(struct store *store,
		      void (*fn)(const char *table, const char *column, void *ctx), void *ctx);

/* Consistent online copy of the database into path (backup). */
int store_backup_to(struct store *store, const char *path, const char **error_r);

#endif
