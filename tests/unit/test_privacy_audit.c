/*
 * Unit tests for privacy/audit: the hash chain, signed checkpoints, tamper
 * detection, the per-tenant export and the shape of events (never values).
 *
 * Every tampering is done the way an attacker with the database file would:
 * a separate SQLite connection that drops the append-only triggers and edits
 * the rows with plain SQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/keys.h"
#include "privacy/audit.h"
#include "privacy/audit_internal.h"
#include "store/store.h"

#define TENANT_A "6f1c2a8e-0d4b-4c1e-9a55-1f2e3d4c5b6a"
#define TENANT_B "0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"
#define ACCOUNT "3c6f9e2a-7b1d-4e8a-9c0f-5d2b8a1e4f70"

struct fixture {
	char dir[64];
	char db_path[128];
	struct store *st;
	struct keys *keys;
	unsigned char pub[32];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128];
	const char *error = NULL;
	snprintf(f->dir, sizeof(f->dir), "/tmp/iris-audit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db_path, sizeof(f->db_path), "%s/iris.db", f->dir);
	assert_int_equal(store_open(f->db_path, &f->st, &error), 0);
	assert_int_equal(store_migrate(f->st, &error), 0);
	snprintf(path, sizeof(path), "%s/master.key", f->dir);
	assert_int_equal(keys_open(path, true, &f->keys, &error), 0);
	assert_int_equal(keys_sign_public(f->keys, f->st, f->pub), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	keys_close(&f->keys);
	store_close(&f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Appends n events to tenant's chain, checkpointing every `every`. */
static void append_n(struct fixture *f, const char *tenant, int n, unsigned every)
{
	for (int i = 0; i < n; i++) {
		struct audit_event ev = {
		    .tenant_id = tenant,
		    .actor_id = ACCOUNT,
		    .actor_role = "tenant_admin",
		    .action = i % 2 ? "profile.update" : "account.create",
		    .target_type = "account",
		    .target_id = ACCOUNT,
		    .fields = i % 2 ? "display_name,phone" : NULL,
		    .request_id = "req-42",
		    .instruction = i % 3 == 0,
		};
		assert_int_equal(audit_append(f->st, f->keys, &ev, every), 0);
	}
}

/* The attacker: drops the triggers on a connection of its own and runs sql. */
static void attacker_sql(struct fixture *f, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
	int rc = sqlite3_exec(db,
	                      "DROP TRIGGER IF EXISTS audit_log_no_update;"
	                      "DROP TRIGGER IF EXISTS audit_log_no_delete;"
	                      "DROP TRIGGER IF EXISTS audit_checkpoints_no_update;"
	                      "DROP TRIGGER IF EXISTS audit_checkpoints_no_delete;",
	                      NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("attacker sql failed: %s", msg);
	sqlite3_free(msg);
	sqlite3_close(db);
}

static void verify(struct fixture *f, const char *tenant, struct audit_verify_report *r)
{
	assert_int_equal(audit_verify(f->st, f->pub, tenant, r), 0);
}

static void expect_broken(struct fixture *f, const char *tenant, int64_t seq, const char *why)
{
	struct audit_verify_report r;
	verify(f, tenant, &r);
	if (r.ok || r.first_bad_seq != seq || strstr(r.reason, why) == NULL)
		fail_msg("expected a break at %lld (%s), got ok=%d seq=%lld reason=%s",
		         (long long)seq, why, r.ok, (long long)r.first_bad_seq, r.reason);
}

/* P-AUD-1 */
static void test_intact_chain_verifies(void **state)
{
	struct fixture *f = *state;
	struct audit_verify_report r;
	append_n(f, TENANT_A, 12, 5);
	verify(f, TENANT_A, &r);
	assert_true(r.ok);
	assert_int_equal(r.entries, 12);
	assert_int_equal(r.checkpoints, 2);
	assert_int_equal(r.first_bad_seq, -1);
	verify(f, NULL, &r);
	assert_true(r.ok);
	assert_int_equal(r.entries, 12);
}

/* Genesis link is 32 zero bytes, entry_hash = SHA-256(prev || encoding). */
/* P-AUD-1 */
static void test_hash_links(void **state)
{
	struct fixture *f = *state;
	unsigned char prev[AUDIT_HASH_LEN] = {0}, hash[AUDIT_HASH_LEN];
	struct audit_row row;
	int n = 0;
	append_n(f, TENANT_A, 3, 0);
	struct store_stmt *s = store_query(
	    f->st, "SELECT " AUDIT_ROW_COLUMNS " FROM audit_log WHERE tenant_id = ? ORDER BY seq",
	    "s", TENANT_A);
	while (store_step(s) == STORE_ROW) {
		size_t len;
		const void *stored_prev = store_col_blob(s, 11, &len);
		assert_int_equal(len, AUDIT_HASH_LEN);
		assert_memory_equal(stored_prev, prev, AUDIT_HASH_LEN);
		audit_row_read(s, &row);
		assert_int_equal(row.seq, ++n);
		assert_int_equal(audit_entry_hash(prev, &row, hash), 0);
		assert_memory_equal(store_col_blob(s, 12, &len), hash, AUDIT_HASH_LEN);
		memcpy(prev, hash, sizeof(prev));
	}
	store_stmt_done(s);
	assert_int_equal(n, 3);
}

/* The fields of an encoding cannot be shifted into each other. */
/* P-AUD-1 */
static void test_encoding_is_unambiguous(void **state)
{
	unsigned char zero[AUDIT_HASH_LEN] = {0}, h1[AUDIT_HASH_LEN], h2[AUDIT_HASH_LEN];
	struct audit_row a = {.tenant_id = "t",
	                      .seq = 1,
	                      .at_ms = 5,
	                      .actor_id = "ab",
	                      .actor_role = "c",
	                      .action = "x",
	                      .target_type = "y"};
	struct audit_row b = a;
	b.actor_id = "a";
	b.actor_role = "bc";
	assert_int_equal(audit_entry_hash(zero, &a, h1), 0);
	assert_int_equal(audit_entry_hash(zero, &b, h2), 0);
	assert_memory_not_equal(h1, h2, AUDIT_HASH_LEN);
	b = a;
	b.target_id = ""; /* empty is not NULL */
	assert_int_equal(audit_entry_hash(zero, &b, h2), 0);
	assert_memory_not_equal(h1, h2, AUDIT_HASH_LEN);
}

/* The database itself refuses updates and deletes. */
/* P-AUD-1 */
static void test_append_only_triggers(void **state)
{
	struct fixture *f = *state;
	struct audit_verify_report r;
	append_n(f, TENANT_A, 5, 5);
	assert_int_equal(store_exec(f->st, "UPDATE audit_log SET action = 'x' WHERE seq = 2"), -1);
	assert_non_null(strstr(store_errmsg(f->st), "append-only"));
	assert_int_equal(store_exec(f->st, "DELETE FROM audit_log WHERE seq = 5"), -1);
	assert_int_equal(store_exec(f->st, "DELETE FROM audit_checkpoints"), -1);
	assert_int_equal(store_exec(f->st, "UPDATE audit_checkpoints SET seq = 4"), -1);
	verify(f, TENANT_A, &r);
	assert_true(r.ok);
	assert_int_equal(r.entries, 5);
}

/* An edited entry. */
/* P-AUD-1 */
static void test_detects_edited_entry(void **state)
{
	struct fixture *f = *state;
	append_n(f, TENANT_A, 12, 5);
	attacker_sql(f, "UPDATE audit_log SET action = 'account.read' WHERE seq = 3");
	expect_broken(f, TENANT_A, 3, "edited");
}

/* One byte of a stored hash changed. */
/* P-AUD-1 */
static void test_detects_flipped_byte(void **state)
{
	struct fixture *f = *state;
	append_n(f, TENANT_A, 4, 0);
	attacker_sql(f, "UPDATE audit_log SET entry_hash = "
	                "substr(entry_hash, 1, 10) || x'00' || substr(entry_hash, 12) "
	                "WHERE seq = 2 AND substr(entry_hash, 11, 1) <> x'00';"
	                "UPDATE audit_log SET entry_hash = "
	                "substr(entry_hash, 1, 10) || x'01' || substr(entry_hash, 12) "
	                "WHERE seq = 2 AND substr(entry_hash, 11, 1) = x'00';");
	expect_broken(f, TENANT_A, 2, "edited");
}

/* Re-hashes every entry from seq `from` on, as an attacker without the
 * signing key would to hide an edit. */
static void attacker_rehash(struct fixture *f, int64_t from)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *sel = NULL, *upd = NULL;
	unsigned char prev[AUDIT_HASH_LEN], hash[AUDIT_HASH_LEN];
	attacker_sql(f, "SELECT 1");
	assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT " AUDIT_ROW_COLUMNS " FROM audit_log WHERE "
	                                    "tenant_id = ?1 AND seq >= ?2 - 1 ORDER BY seq",
	                                    -1, &sel, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "UPDATE audit_log SET prev_hash = ?1, entry_hash = ?2 "
	                                    "WHERE tenant_id = ?3 AND seq = ?4",
	                                    -1, &upd, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(sel, 1, TENANT_A, -1, SQLITE_STATIC);
	sqlite3_bind_int64(sel, 2, from);
	assert_int_equal(sqlite3_step(sel), SQLITE_ROW); /* entry from-1: the anchor */
	memcpy(prev, sqlite3_column_blob(sel, 12), AUDIT_HASH_LEN);
	while (sqlite3_step(sel) == SQLITE_ROW) {
		struct audit_row row = {
		    .tenant_id = (const char *)sqlite3_column_text(sel, 0),
		    .seq = sqlite3_column_int64(sel, 1),
		    .at_ms = sqlite3_column_int64(sel, 2),
		    .actor_id = (const char *)sqlite3_column_text(sel, 3),
		    .actor_role = (const char *)sqlite3_column_text(sel, 4),
		    .action = (const char *)sqlite3_column_text(sel, 5),
		    .target_type = (const char *)sqlite3_column_text(sel, 6),
		    .target_id = (const char *)sqlite3_column_text(sel, 7),
		    .fields = (const char *)sqlite3_column_text(sel, 8),
		    .request_id = (const char *)sqlite3_column_text(sel, 9),
		    .instruction = sqlite3_column_int(sel, 10) != 0,
		};
		assert_int_equal(audit_entry_hash(prev, &row, hash), 0);
		sqlite3_bind_blob(upd, 1, prev, AUDIT_HASH_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_blob(upd, 2, hash, AUDIT_HASH_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_text(upd, 3, TENANT_A, -1, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 4, row.seq);
		assert_int_equal(sqlite3_step(upd), SQLITE_DONE);
		sqlite3_reset(upd);
		memcpy(prev, hash, sizeof(prev));
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sqlite3_close(db);
}

/* An edit hidden by re-hashing the rest of the chain is caught by
 * the first signed checkpoint after it. */
/* P-AUD-1 */
static void test_detects_rehashed_edit(void **state)
{
	struct fixture *f = *state;
	append_n(f, TENANT_A, 12, 5);
	attacker_sql(f, "UPDATE audit_log SET fields = 'display_name' WHERE seq = 7");
	attacker_rehash(f, 7);
	/* The links are consistent again: only checkpoint 10 can tell, and
	 * everything after checkpoint 5 is suspect. */
	expect_broken(f, TENANT_A, 6, "signed checkpoint at seq 10");
}

/* A removed entry. */
/* P-AUD-1 */
static void test_detects_removed_entry(void **state)
{
	struct fixture *f = *state;
	append_n(f, TENANT_A, 12, 5);
	attacker_sql(f, "DELETE FROM audit_log WHERE seq = 4");
	expect_broken(f, TENANT_A, 4, "missing");
}

/* A removed entry hidden by renumbering the rest. */
/* P-AUD-1 */
static void test_detects_removed_and_renumbered(void **state)
{
	struct fixture *f = *state;
	append_n(f, TENANT_A, 8, 0);
	attacker_sql(f, "DELETE FROM audit_log WHERE seq = 4;"
	                "UPDATE audit_log SET seq = -seq WHERE seq > 4;"
	                "UPDATE audit_log SET seq = -seq - 1 WHERE seq < 0;");
	expect_broken(f, TENANT_A, 4, "link");
}

/* Two entries swapped. */
/* P-AUD-1 */
static void test_detects_reordered_entries(void **state)
{
	struct fixture *f = *state;
	append_n(f, TENANT_A, 12, 5);
	attacker_sql(f, "UPDATE audit_log SET seq = -1 WHERE seq = 4;"
	                "UPDATE audit_log SET seq = 4 WHERE seq = 5;"
	                "UPDATE audit_log SET seq = 5 WHERE seq = -1;");
	expect_broken(f, TENANT_A, 4, "does not link");
}

/* The tail cut off after a checkpoint. */
/* P-AUD-1 */
static void test_detects_removed_tail(void **state)
{
	struct fixture *f = *state;
	append_n(f, TENANT_A, 10, 5);
	attacker_sql(f, "DELETE FROM audit_log WHERE seq >= 8");
	expect_broken(f, TENANT_A, 8, "removed from the tail");
}

/* A forged or altered checkpoint. */
/* P-AUD-1 */
static void test_detects_forged_checkpoint(void **state)
{
	struct fixture *f = *state;
	append_n(f, TENANT_A, 12, 5);
	attacker_sql(f, "UPDATE audit_checkpoints SET signature = randomblob(64) WHERE seq = 10");
	expect_broken(f, TENANT_A, 10, "invalid signature");
}

/* A checkpoint moved to hide a cut tail still fails its signature. */
/* P-AUD-1 */
static void test_detects_moved_checkpoint(void **state)
{
	struct fixture *f = *state;
	append_n(f, TENANT_A, 10, 5);
	attacker_sql(f, "DELETE FROM audit_log WHERE seq >= 8;"
	                "UPDATE audit_checkpoints SET seq = 7 WHERE seq = 10");
	expect_broken(f, TENANT_A, 7, "invalid signature");
}

/* A broken chain of one tenant does not hide behind another's, and
 * each tenant can be verified on its own. */
/* P-AUD-2 */
static void test_chains_are_per_tenant(void **state)
{
	struct fixture *f = *state;
	struct audit_verify_report r;
	append_n(f, TENANT_A, 6, 5);
	append_n(f, TENANT_B, 6, 5);
	append_n(f, "", 2, 0);
	verify(f, NULL, &r);
	assert_true(r.ok);
	assert_int_equal(r.entries, 14);
	assert_int_equal(r.checkpoints, 2);
	attacker_sql(f, "UPDATE audit_log SET actor_role = 'operator' WHERE tenant_id = '" TENANT_B
	                "' AND seq = 2");
	verify(f, TENANT_A, &r);
	assert_true(r.ok);
	expect_broken(f, TENANT_B, 2, "edited");
	verify(f, NULL, &r);
	assert_false(r.ok);
	assert_int_equal(r.first_bad_seq, 2);
	assert_non_null(strstr(r.reason, TENANT_B));
}

/* An append inside the caller's transaction disappears with its rollback. */
static void test_append_is_transactional(void **state)
{
	struct fixture *f = *state;
	struct audit_verify_report r;
	append_n(f, TENANT_A, 2, 0);
	assert_int_equal(store_tx_begin(f->st), 0);
	append_n(f, TENANT_A, 3, 0);
	store_tx_rollback(f->st);
	append_n(f, TENANT_A, 1, 0);
	verify(f, TENANT_A, &r);
	assert_true(r.ok);
	assert_int_equal(r.entries, 3);
}

/* On-demand checkpoints; an empty chain has nothing to sign. */
static void test_checkpoint_on_demand(void **state)
{
	struct fixture *f = *state;
	struct audit_verify_report r;
	assert_int_equal(audit_checkpoint(f->st, f->keys, TENANT_A), 0);
	append_n(f, TENANT_A, 3, 0);
	assert_int_equal(audit_checkpoint(f->st, f->keys, TENANT_A), 0);
	assert_int_equal(audit_checkpoint(f->st, f->keys, TENANT_A), 0); /* same head: one */
	verify(f, TENANT_A, &r);
	assert_true(r.ok);
	assert_int_equal(r.checkpoints, 1);
	attacker_sql(f, "DELETE FROM audit_log WHERE seq = 3");
	expect_broken(f, TENANT_A, 3, "tail");
}

/* Captures an export into a malloc'd string. */
static char *export_text(struct fixture *f, const char *tenant, int64_t from)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(audit_export(f->st, tenant, from, out), 0);
	fclose(out);
	return buf;
}

/* A tenant's export holds its own chain and nothing of another.
 * The instruction flag is recorded and exported. */
/* P-AUD-2 P-INS-1 */
static void test_export_one_tenant(void **state)
{
	struct fixture *f = *state;
	append_n(f, TENANT_A, 6, 5);
	append_n(f, TENANT_B, 7, 5);
	char *text = export_text(f, TENANT_A, 0);
	int entries = 0, checkpoints = 0, instructions = 0;
	assert_null(strstr(text, TENANT_B));
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		json_error_t err;
		json_t *o = json_loads(line, 0, &err);
		assert_non_null(o);
		assert_string_equal(json_string_value(json_object_get(o, "tenant_id")), TENANT_A);
		const char *type = json_string_value(json_object_get(o, "type"));
		if (strcmp(type, "entry") == 0) {
			entries++;
			assert_int_equal(json_integer_value(json_object_get(o, "seq")), entries);
			assert_int_equal(
			    strlen(json_string_value(json_object_get(o, "entry_hash"))), 64);
			if (json_is_true(json_object_get(o, "instruction")))
				instructions++;
		} else if (strcmp(type, "checkpoint") == 0) {
			checkpoints++;
			assert_int_equal(strlen(json_string_value(json_object_get(o, "signature"))),
			                 128);
		} else {
			assert_string_equal(type, "header");
		}
		json_decref(o);
	}
	assert_int_equal(entries, 6);
	assert_int_equal(checkpoints, 1);
	assert_int_equal(instructions, 2); /* events 0 and 3 */
	free(text);
	text = export_text(f, TENANT_B, 6);
	assert_null(strstr(text, TENANT_A));
	assert_non_null(strstr(text, "\"seq\":6"));
	assert_non_null(strstr(text, "\"seq\":7"));
	assert_null(strstr(text, "\"seq\":5,"));
	free(text);
	assert_int_equal(audit_export(f->st, NULL, 0, stdout), -1);
}

/* Returns true when any column of any audit row contains needle. */
static bool audit_rows_contain(struct fixture *f, const char *needle)
{
	bool found = false;
	struct store_stmt *s =
	    store_query(f->st,
	                "SELECT count(*) FROM audit_log WHERE instr(tenant_id || actor_id || "
	                "actor_role || action || target_type || coalesce(target_id, '') || "
	                "coalesce(fields, '') || coalesce(request_id, ''), ?) > 0",
	                "s", needle);
	assert_int_equal(store_step(s), STORE_ROW);
	found = store_col_int(s, 0) > 0;
	store_stmt_done(s);
	return found;
}

/* Entries name the fields touched, never their values. The event of
 * a changed e-mail address carries the column name; the address is in
 * neither the row nor the export, and an event that tries to carry it is
 * refused without writing anything. */
/* P-AUD-1 */
static void test_never_values(void **state)
{
	struct fixture *f = *state;
	const char *address = "alice.secret@example.org";
	struct audit_event ev = {
	    .tenant_id = TENANT_A,
	    .actor_id = ACCOUNT,
	    .actor_role = "user",
	    .action = "profile.update",
	    .target_type = "account",
	    .target_id = ACCOUNT,
	    .fields = "email",
	};
	struct audit_verify_report r;
	assert_int_equal(audit_append(f->st, f->keys, &ev, 1), 0);
	assert_false(audit_rows_contain(f, address));
	assert_true(audit_rows_contain(f, "email"));
	char *text = export_text(f, TENANT_A, 0);
	assert_null(strstr(text, address));
	assert_null(strstr(text, "alice"));
	assert_non_null(strstr(text, "\"fields\":\"email\""));
	free(text);

	ev.fields = address; /* a value where names belong */
	assert_int_equal(audit_append(f->st, f->keys, &ev, 1), -1);
	ev.fields = "email=alice.secret@example.org";
	assert_int_equal(audit_append(f->st, f->keys, &ev, 1), -1);
	ev.fields = "email";
	ev.target_id = address; /* an address where an id belongs */
	assert_int_equal(audit_append(f->st, f->keys, &ev, 1), -1);
	ev.target_id = "Alice Secret";
	assert_int_equal(audit_append(f->st, f->keys, &ev, 1), -1);
	ev.target_id = ACCOUNT;
	ev.actor_id = address;
	assert_int_equal(audit_append(f->st, f->keys, &ev, 1), -1);
	assert_false(audit_rows_contain(f, "alice"));
	verify(f, TENANT_A, &r);
	assert_true(r.ok);
	assert_int_equal(r.entries, 1);
}

/* `irisctl audit verify` output and exit codes. */
/* P-AUD-1 */
static void test_cli_verify(void **state)
{
	struct fixture *f = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	append_n(f, TENANT_A, 6, 5);
	append_n(f, TENANT_B, 3, 0);
	assert_int_equal(audit_cli_verify(f->st, f->pub, NULL, out), 0);
	assert_int_equal(audit_cli_verify(f->st, f->pub, TENANT_A, out), 0);
	attacker_sql(f, "UPDATE audit_log SET action = 'x' WHERE tenant_id = '" TENANT_B
	                "' AND seq = 3");
	assert_int_equal(audit_cli_verify(f->st, f->pub, NULL, out), 1);
	assert_int_equal(audit_cli_verify(f->st, f->pub, TENANT_A, out), 0);
	fclose(out);
	fprintf(stderr, "%s", buf);
	assert_non_null(strstr(buf, "tenant " TENANT_A ": 6 entries, 1 checkpoints, chain intact"));
	assert_non_null(
	    strstr(buf, "tenant " TENANT_B ": 3 entries, 0 checkpoints, BROKEN at seq 3"));
	free(buf);
}

/* A purged tenant's chain is gone, the purge itself is recorded and
 * signed in the installation chain, other chains are untouched. */
/* P-END-1 */
static void test_purge_tenant(void **state)
{
	struct fixture *f = *state;
	struct audit_verify_report r;
	append_n(f, TENANT_A, 6, 5);
	append_n(f, TENANT_B, 2, 0);
	assert_int_equal(audit_purge_tenant(f->st, f->keys, "", "operator-cli", "operator"), -1);
	assert_int_equal(audit_purge_tenant(f->st, f->keys, TENANT_A, "operator-cli", "operator"),
	                 0);
	verify(f, TENANT_A, &r);
	assert_true(r.ok);
	assert_int_equal(r.entries, 0);
	assert_int_equal(r.checkpoints, 0);
	verify(f, "", &r);
	assert_true(r.ok);
	assert_int_equal(r.entries, 1);
	assert_int_equal(r.checkpoints, 1);
	verify(f, NULL, &r);
	assert_true(r.ok);
	assert_int_equal(r.entries, 3);
	/* B is still protected by the triggers. */
	assert_int_equal(
	    store_exec(f->st, "DELETE FROM audit_log WHERE tenant_id = '" TENANT_B "'"), -1);
	assert_int_equal(store_exec(f->st, "DELETE FROM audit_purges"), -1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_intact_chain_verifies),
	    T(test_hash_links),
	    cmocka_unit_test(test_encoding_is_unambiguous),
	    T(test_append_only_triggers),
	    T(test_detects_edited_entry),
	    T(test_detects_flipped_byte),
	    T(test_detects_rehashed_edit),
	    T(test_detects_removed_entry),
	    T(test_detects_removed_and_renumbered),
	    T(test_detects_reordered_entries),
	    T(test_detects_removed_tail),
	    T(test_detects_forged_checkpoint),
	    T(test_detects_moved_checkpoint),
	    T(test_chains_are_per_tenant),
	    T(test_append_is_transactional),
	    T(test_checkpoint_on_demand),
	    T(test_export_one_tenant),
	    T(test_never_values),
	    T(test_cli_verify),
	    T(test_purge_tenant),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
