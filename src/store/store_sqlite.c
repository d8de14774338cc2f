/*
 * store_sqlite: the SQLite backend of store.h.
 *
 * WAL journal, synchronous=FULL in transactions that acknowledge client
 * writes (P-AVL-2), foreign keys on, a busy timeout so worker threads with
 * their own connections wait for each other instead of failing. Statements
 * are cached per connection in a small open-addressed table keyed by the SQL
 * text pointer and content.
 */
#include "store/store.h"
#include "store/store_internal.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STMT_CACHE_SIZE 256

struct store_stmt {
	struct store *store;
	sqlite3_stmt *raw;
	char *sql;
};

struct store {
	sqlite3 *db;
	bool in_tx;
	char errbuf[512];
	struct store_stmt *cache[STMT_CACHE_SIZE];
};

static void store_set_error(struct store *store, const char *what)
{
	snprintf(store->errbuf, sizeof(store->errbuf), "%s: %s", what,
	         store->db != NULL ? sqlite3_errmsg(store->db) : "no database");
}

const char *store_errmsg(struct store *store)
{
	return store->errbuf;
}

int store_exec(struct store *store, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(store->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(store->errbuf, sizeof(store->errbuf), "%s", msg ? msg : "exec failed");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Makes the database file the owner's alone (0600) before SQLite opens it,
 * whatever the umask: SQLite creates -wal and -shm with the database's
 * mode, so they follow. An existing file is changed by path: closing any
 * descriptor of a file drops every POSIX lock this process holds on it,
 * SQLite's connections' locks included, and another process would then
 * take itself for the last user and delete the WAL under us. A new file is
 * created exclusively, before any connection of ours can have it open.
 * A failure here is left for SQLite to report. */
static void db_file_private(const char *path)
{
	struct stat sb;
	if (path[0] == '\0' || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
		return;
	if (lstat(path, &sb) == 0) {
		/* the WAL and shared memory left by an earlier version or a crash
		 * keep their own mode: narrow them too */
		static const char *const suffixes[] = {"", "-wal", "-shm"};
		for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
			char *p = xasprintf("%s%s", path, suffixes[i]);
			if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 0077) != 0)
				(void)chmod(p, 0600);
			free(p);
		}
		return;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
}

int store_open(const char *url, struct store **store_r, const char **error_r)
{
	static __thread char open_error[600];
	const char *path = url;
	if (strncmp(url, "sqlite:", 7) == 0)
		path = url + 7;
	else if (strstr(url, "://") != NULL) {
		*error_r = "unsupported store URL (this build has the sqlite backend)";
		return -1;
	}
	struct store *store = xcalloc(1, sizeof(*store));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	db_file_private(path);
	if (sqlite3_open_v2(path, &store->db, flags, NULL) != SQLITE_OK) {
		snprintf(open_error, sizeof(open_error), "cannot open database: %s",
		         store->db ? sqlite3_errmsg(store->db) : "out of memory");
		sqlite3_close(store->db);
		free(store);
		*error_r = open_error;
		return -1;
	}
	sqlite3_busy_timeout(store->db, 10000);
	sqlite3_extended_result_codes(store->db, 1);
	if (store_exec(store, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	                      "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"
	                      "PRAGMA trusted_schema=OFF;") < 0) {
		snprintf(open_error, sizeof(open_error), "%s", store->errbuf);
		store_close(&store);
		*error_r = open_error;
		return -1;
	}
	*store_r = store;
	return 0;
}

void store_close(struct store **storep)
{
	struct store *store = *storep;
	if (store == NULL)
		return;
	for (int i = 0; i < STMT_CACHE_SIZE; i++) {
		if (store->cache[i] != NULL) {
			sqlite3_finalize(store->cache[i]->raw);
			free(store->cache[i]->sql);
			free(store->cache[i]);
		}
	}
	sqlite3_close(store->db);
	free(store);
	*storep = NULL;
}

static unsigned sql_hash(const char *sql)
{
	unsigned h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)sql; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/* Returns the cached statement for sql, preparing it on first use. When the
 * cache is full the statement is still returned, uncached, and finalized by
 * store_stmt_done(). */
struct store_stmt *store_prepare(struct store *store, const char *sql)
{
	unsigned h = sql_hash(sql);
	int free_slot = -1;
	for (unsigned probe = 0; probe < STMT_CACHE_SIZE; probe++) {
		unsigned slot = (h + probe) % STMT_CACHE_SIZE;
		struct store_stmt *s = store->cache[slot];
		if (s == NULL) {
			free_slot = (int)slot;
			break;
		}
		if (strcmp(s->sql, sql) == 0)
			return s;
	}
	struct store_stmt *stmt = xcalloc(1, sizeof(*stmt));
	stmt->store = store;
	if (sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt->raw, NULL) !=
	    SQLITE_OK) {
		store_set_error(store, "prepare");
		free(stmt);
		return NULL;
	}
	stmt->sql = xstrdup(sql);
	if (free_slot >= 0)
		store->cache[free_slot] = stmt;
	return stmt;
}

static bool stmt_is_cached(struct store_stmt *stmt)
{
	for (unsigned i = 0; i < STMT_CACHE_SIZE; i++)
		if (stmt->store->cache[i] == stmt)
			return true;
	return false;
}

void store_stmt_done(struct store_stmt *stmt)
{
	if (stmt == NULL)
		return;
	sqlite3_reset(stmt->raw);
	sqlite3_clear_bindings(stmt->raw);
	if (!stmt_is_cached(stmt)) {
		sqlite3_finalize(stmt->raw);
		free(stmt->sql);
		free(stmt);
	}
}

static int bind_result(struct store_stmt *stmt, int rc)
{
	if (rc == SQLITE_OK)
		return 0;
	store_set_error(stmt->store, "bind");
	return -1;
}

int store_bind_text(struct store_stmt *stmt, int idx, const char *value)
{
	if (value == NULL)
		return store_bind_null(stmt, idx);
	return bind_result(stmt, sqlite3_bind_text(stmt->raw, idx, value, -1, SQLITE_TRANSIENT));
}

int store_bind_blob(struct store_stmt *stmt, int idx, const void *data, size_t len)
{
	if (data == NULL)
		return store_bind_null(stmt, idx);
	return bind_result(stmt, sqlite3_bind_blob64(stmt->raw, idx, data, len, SQLITE_TRANSIENT));
}

int store_bind_int(struct store_stmt *stmt, int idx, int64_t value)
{
	return bind_result(stmt, sqlite3_bind_int64(stmt->raw, idx, value));
}

int store_bind_null(struct store_stmt *stmt, int idx)
{
	return bind_result(stmt, sqlite3_bind_null(stmt->raw, idx));
}

int store_step(struct store_stmt *stmt)
{
	int rc = sqlite3_step(stmt->raw);
	if (rc == SQLITE_ROW)
		return STORE_ROW;
	if (rc == SQLITE_DONE)
		return STORE_DONE;
	store_set_error(stmt->store, "step");
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return STORE_CONSTRAINT;
	return STORE_ERROR;
}

const char *store_col_text(struct store_stmt *stmt, int col)
{
	return (const char *)sqlite3_column_text(stmt->raw, col);
}

const void *store_col_blob(struct store_stmt *stmt, int col, size_t *len_r)
{
	const void *p = sqlite3_column_blob(stmt->raw, col);
	*len_r = (size_t)sqlite3_column_bytes(stmt->raw, col);
	return p;
}

int64_t store_col_int(struct store_stmt *stmt, int col)
{
	return sqlite3_column_int64(stmt->raw, col);
}

bool store_col_is_null(struct store_stmt *stmt, int col)
{
	return sqlite3_column_type(stmt->raw, col) == SQLITE_NULL;
}

int64_t store_changes(struct store *store)
{
	return sqlite3_changes64(store->db);
}

int store_tx_begin(struct store *store)
{
	if (store->in_tx) {
		snprintf(store->errbuf, sizeof(store->errbuf), "nested transaction");
		return -1;
	}
	if (store_exec(store, "BEGIN IMMEDIATE") < 0)
		return -1;
	store->in_tx = true;
	return 0;
}

int store_tx_commit(struct store *store)
{
	if (!store->in_tx) {
		snprintf(store->errbuf, sizeof(store->errbuf), "commit outside a transaction");
		return -1;
	}
	if (store_exec(store, "COMMIT") < 0) {
		store_tx_rollback(store);
		return -1;
	}
	store->in_tx = false;
	return 0;
}

void store_tx_rollback(struct store *store)
{
	if (!store->in_tx)
		return;
	/* Rollback only fails when there is no transaction left to undo. */
	if (sqlite3_get_autocommit(store->db) == 0)
		(void)sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	store->in_tx = false;
}

bool store_in_tx(const struct store *store)
{
	return store->in_tx;
}

int store_schema_version(struct store *store)
{
	struct store_stmt *s = store_prepare(store, "SELECT COALESCE(MAX(number), 0) FROM "
	                                            "schema_migrations");
	int v = 0;
	if (s != NULL && store_step(s) == STORE_ROW)
		v = (int)store_col_int(s, 0);
	store_stmt_done(s);
	return v;
}

/* Applies one migration and records it, in one transaction. */
static int apply_migration(struct store *store, const struct store_migration *m)
{
	if (store_tx_begin(store) < 0)
		return -1;
	if (store_exec(store, m->sql) < 0 ||
	    store_run(store,
	              "INSERT INTO schema_migrations(number, name, applied_at) "
	              "VALUES (?, ?, strftime('%s','now'))",
	              "ds", m->number, m->name) != STORE_DONE) {
		store_tx_rollback(store);
		return -1;
	}
	return store_tx_commit(store);
}

int store_migrate(struct store *store, const char **error_r)
{
	if (store_exec(store, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	                      "number INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	                      " applied_at INTEGER NOT NULL)") < 0) {
		*error_r = store->errbuf;
		return -1;
	}
	int current = store_schema_version(store);
	for (const struct store_migration *m = store_migrations; m->name != NULL; m++) {
		if (m->number <= current)
			continue;
		if (apply_migration(store, m) < 0) {
			char detail[sizeof(store->errbuf)];
			memcpy(detail, store->errbuf, sizeof(detail));
			snprintf(store->errbuf, sizeof(store->errbuf),
			         "migration %03d_%.40s: %.400s", m->number, m->name, detail);
			*error_r = store->errbuf;
			return -1;
		}
		log_info("event=migration_applied number=%d name=%s", m->number, m->name);
	}
	return 0;
}

int store_each_column(struct store *store,
                      void (*fn)(const char *table, const char *column, void *ctx), void *ctx)
{
	struct store_stmt *t = store_prepare(
	    store, "SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p "
	           "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' "
	           "AND m.name <> 'schema_migrations' ORDER BY m.name, p.cid");
	if (t == NULL)
		return -1;
	int rc;
	while ((rc = store_step(t)) == STORE_ROW)
		fn(store_col_text(t, 0), store_col_text(t, 1), ctx);
	store_stmt_done(t);
	return rc == STORE_DONE ? 0 : -1;
}

int store_backup_to(struct store *store, const char *path, const char **error_r)
{
	sqlite3 *dest = NULL;
	if (sqlite3_open(path, &dest) != SQLITE_OK) {
		sqlite3_close(dest);
		*error_r = "cannot create backup file";
		return -1;
	}
	sqlite3_backup *b = sqlite3_backup_init(dest, "main", store->db, "main");
	int rc = SQLITE_ERROR;
	if (b != NULL) {
		rc = sqlite3_backup_step(b, -1);
		sqlite3_backup_finish(b);
	}
	sqlite3_close(dest);
	if (rc != SQLITE_DONE) {
		*error_r = "backup failed";
		return -1;
	}
	return 0;
}
