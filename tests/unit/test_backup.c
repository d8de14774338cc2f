/*
 * Unit tests for privacy/backup and privacy/erasure_ledger: an encrypted,
 * consistent backup restores into an empty directory with the right master
 * key only; any edit, truncation, reordering or appended byte is refused;
 * and an erasure made after the backup is replayed on restore so the erased
 * subject's sealed data cannot be opened and its rows are gone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/keys.h"
#include "privacy/backup.h"
#include "privacy/erasure_ledger.h"
#include "store/store.h"

#define KEEP "2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
#define GONE "7d6c5b4a-3f2e-4d1c-9b0a-8f7e6d5c4b3a"
#define CANARY "canary-value-must-not-appear-in-clear"

struct fixture {
	char dir[64];
	char data[96];
	char key[128];
	char backup[128];
	struct store *st;
	struct keys *keys;
};

static struct seal_ad ad_of(const char *id)
{
	struct seal_ad ad = {"bk_items", id, "v"};
	return ad;
}

static void put_item(struct fixture *f, const char *id, const char *subject, const void *plain,
                     size_t len)
{
	struct seal_ad ad = ad_of(id);
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	assert_int_equal(
	    keys_seal(f->keys, f->st, "", subject, &ad, plain, len, &sealed, &sealed_len), 0);
	assert_int_equal(store_run(f->st, "INSERT INTO bk_items (id, subject, v) VALUES (?, ?, ?)",
	                           "ssb", id, subject, sealed, sealed_len),
	                 STORE_DONE);
	free(sealed);
}

/* 1: the row of subject exists and opens; 0: row there, does not open;
 * -1: no row. */
static int item_state(struct keys *keys, struct store *st, const char *subject)
{
	struct store_stmt *q =
	    store_query(st, "SELECT id, v FROM bk_items WHERE subject = ? LIMIT 1", "s", subject);
	int state = -1;
	if (store_step(q) == STORE_ROW) {
		size_t len = 0, plen = 0;
		char *plain = NULL;
		char id[64];
		snprintf(id, sizeof(id), "%s", store_col_text(q, 0));
		struct seal_ad ad = ad_of(id);
		const void *v = store_col_blob(q, 1, &len);
		state = keys_open_sealed(keys, st, "", subject, &ad, v, len, &plain, &plen) == 0;
		free(plain);
	}
	store_stmt_done(q);
	return state;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *error = NULL;
	snprintf(f->dir, sizeof(f->dir), "/tmp/iris-backup-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	assert_int_equal(mkdir(f->data, 0700), 0);
	snprintf(f->key, sizeof(f->key), "%s/master.key", f->data);
	snprintf(f->backup, sizeof(f->backup), "%s/iris.backup", f->dir);
	char db[128];
	snprintf(db, sizeof(db), "sqlite:%s/iris.db", f->data);
	assert_int_equal(store_open(db, &f->st, &error), 0);
	assert_int_equal(store_migrate(f->st, &error), 0);
	assert_int_equal(keys_open(f->key, true, &f->keys, &error), 0);
	assert_int_equal(store_tx_begin(f->st), 0);
	assert_int_equal(keys_tenant_create(f->keys, f->st, ""), 0);
	assert_int_equal(store_tx_commit(f->st), 0);
	assert_int_equal(
	    store_exec(f->st, "CREATE TABLE bk_items (id TEXT PRIMARY KEY, subject TEXT, v BLOB)"),
	    0);
	put_item(f, "k-0", KEEP, CANARY, strlen(CANARY));
	put_item(f, "g-0", GONE, CANARY, strlen(CANARY));
	/* Enough data for several chunks (reordering needs at least three). */
	unsigned char blob[1024];
	for (int i = 0; i < 300; i++) {
		char id[16];
		memset(blob, 'a' + i % 26, sizeof(blob));
		snprintf(id, sizeof(id), "k-%d", i + 1);
		put_item(f, id, KEEP, blob, sizeof(blob));
	}
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

static void take_backup(struct fixture *f)
{
	struct backup_info info;
	const char *error = NULL;
	assert_int_equal(backup_write(f->keys, f->st, f->data, f->backup, &info, &error), 0);
	assert_true(info.db_bytes > 3 * BACKUP_CHUNK_BYTES);
	assert_int_equal(strlen(info.db_sha256), 64);
	/* No temporary copy is left in the data directory. */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "ls %s | grep -q backup-", f->data);
	assert_int_not_equal(system(cmd), 0);
}

static unsigned char *slurp(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	unsigned char *buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len_r = (size_t)n;
	return buf;
}

static void spit(const char *path, const unsigned char *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	fclose(fp);
}

static bool contains(const unsigned char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return true;
	return false;
}

/* Opens a restored directory's store and keys. */
static void open_restored(const char *dir, struct store **st, struct keys **keys)
{
	char path[256];
	const char *error = NULL;
	snprintf(path, sizeof(path), "sqlite:%s/iris.db", dir);
	assert_int_equal(store_open(path, st, &error), 0);
	assert_int_equal(store_migrate(*st, &error), 0);
	snprintf(path, sizeof(path), "%s/master.key", dir);
	assert_int_equal(keys_open(path, false, keys, &error), 0);
}

static int delete_rows(void *ctx, struct store *st, const char *tenant, const char *subject)
{
	(void)tenant;
	int *calls = ctx;
	(*calls)++;
	if (store_run(st, "DELETE FROM bk_items WHERE subject = ?", "s", subject) != STORE_DONE)
		return -1;
	return store_changes(st) > 0;
}

/* P-AVL-1 */
static void test_backup_is_encrypted_and_restores(void **state)
{
	struct fixture *f = *state;
	struct backup_info info;
	const char *error = NULL;
	char dest[128];
	size_t len;
	take_backup(f);
	unsigned char *raw = slurp(f->backup, &len);
	struct stat sb;
	assert_int_equal(stat(f->backup, &sb), 0);
	assert_int_equal(sb.st_mode & 0077, 0);
	/* No plaintext: neither SQLite's header and schema nor any row id. */
	assert_false(contains(raw, len, "SQLite format"));
	assert_false(contains(raw, len, "CREATE TABLE"));
	assert_false(contains(raw, len, "bk_items"));
	assert_false(contains(raw, len, KEEP));
	free(raw);
	snprintf(dest, sizeof(dest), "%s/restored", f->dir);
	assert_int_equal(backup_restore(f->backup, f->key, dest, &info, &error), 0);
	struct store *st = NULL;
	struct keys *keys = NULL;
	open_restored(dest, &st, &keys);
	assert_int_equal(item_state(keys, st, KEEP), 1);
	assert_int_equal(item_state(keys, st, GONE), 1);
	keys_close(&keys);
	store_close(&st);
	/* A second restore into the now non-empty directory is refused. */
	assert_int_equal(backup_restore(f->backup, f->key, dest, &info, &error), -1);
	assert_non_null(strstr(error, "not empty"));
}

/* P-AVL-1 */
static void test_wrong_key_refused(void **state)
{
	struct fixture *f = *state;
	struct backup_info info;
	struct keys *other = NULL;
	const char *error = NULL;
	char key2[160], dest[128];
	take_backup(f);
	snprintf(key2, sizeof(key2), "%s/other.key", f->dir);
	assert_int_equal(keys_open(key2, true, &other, &error), 0);
	keys_close(&other);
	snprintf(dest, sizeof(dest), "%s/restored", f->dir);
	assert_int_equal(backup_restore(f->backup, key2, dest, &info, &error), -1);
	assert_string_equal(error, "the master key does not match this backup");
	assert_int_equal(access(dest, F_OK), -1); /* nothing left behind */
}

static void expect_refused(struct fixture *f, const unsigned char *buf, size_t len,
                           const char *what)
{
	struct backup_info info;
	const char *error = NULL;
	char path[160], dest[160];
	snprintf(path, sizeof(path), "%s/bad.backup", f->dir);
	snprintf(dest, sizeof(dest), "%s/restored-bad", f->dir);
	spit(path, buf, len);
	assert_int_equal(backup_restore(path, f->key, dest, &info, &error), -1);
	assert_non_null(strstr(error, what));
	assert_int_equal(access(dest, F_OK), -1);
}

/* P-AVL-1 */
static void test_tampering_refused(void **state)
{
	struct fixture *f = *state;
	size_t len;
	take_backup(f);
	unsigned char *raw = slurp(f->backup, &len);
	unsigned char *bad = malloc(len + 64);
	const size_t chunk = 5 + BACKUP_CHUNK_BYTES + 16;
	assert_true(len > 64 + 3 * chunk);

	/* One flipped bit in the middle of a chunk. */
	memcpy(bad, raw, len);
	bad[64 + chunk + 1000] ^= 0x01;
	expect_refused(f, bad, len, "tampered");
	/* A flipped bit in the header (salt, hence key and AD). */
	memcpy(bad, raw, len);
	bad[20] ^= 0x80;
	expect_refused(f, bad, len, "does not match");
	/* Truncated: the final chunk is missing. */
	expect_refused(f, raw, len - 30, "truncated");
	/* Truncated exactly at a chunk boundary. */
	expect_refused(f, raw, 64 + 2 * chunk, "truncated");
	/* Two chunks swapped. */
	memcpy(bad, raw, len);
	memcpy(bad + 64 + chunk, raw + 64 + 2 * chunk, chunk);
	memcpy(bad + 64 + 2 * chunk, raw + 64 + chunk, chunk);
	expect_refused(f, bad, len, "tampered");
	/* A chunk dropped. */
	memcpy(bad, raw, 64 + chunk);
	memcpy(bad + 64 + chunk, raw + 64 + 2 * chunk, len - 64 - 2 * chunk);
	expect_refused(f, bad, len - chunk, "tampered");
	/* Bytes appended after the final chunk. */
	memcpy(bad, raw, len);
	memset(bad + len, 0, 64);
	expect_refused(f, bad, len + 64, "tampered");
	free(bad);
	free(raw);
}

/* P-AVL-1 */
static void test_erasure_replayed_on_restore(void **state)
{
	struct fixture *f = *state;
	struct backup_info info;
	struct erasure_list ledger = {0}, from_file = {0};
	const char *error = NULL;
	char plain_dir[128], replay_dir[128], ledger_path[128];
	int calls = 0, effective = -1;
	take_backup(f);
	/* After the backup, GONE is erased in the live store. */
	assert_int_equal(store_tx_begin(f->st), 0);
	assert_int_equal(keys_subject_destroy(f->keys, f->st, "", GONE), 0);
	assert_int_equal(store_run(f->st, "DELETE FROM bk_items WHERE subject = ?", "s", GONE),
	                 STORE_DONE);
	assert_int_equal(erasure_ledger_record(f->st, "", GONE), 0);
	assert_int_equal(store_tx_commit(f->st), 0);
	assert_int_equal(item_state(f->keys, f->st, GONE), -1);

	/* Without replay, the old backup brings GONE back (what replay prevents). */
	snprintf(plain_dir, sizeof(plain_dir), "%s/restored-plain", f->dir);
	assert_int_equal(backup_restore(f->backup, f->key, plain_dir, &info, &error), 0);
	struct store *st = NULL;
	struct keys *keys = NULL;
	open_restored(plain_dir, &st, &keys);
	assert_int_equal(item_state(keys, st, GONE), 1);
	keys_close(&keys);
	store_close(&st);

	/* With the live ledger (exported to a file, as an operator would). */
	snprintf(ledger_path, sizeof(ledger_path), "%s/ledger.txt", f->dir);
	FILE *out = fopen(ledger_path, "w");
	assert_int_equal(erasure_ledger_export(f->st, out), 1);
	fclose(out);
	assert_int_equal(erasure_ledger_load_file(ledger_path, &from_file, &error), 0);
	assert_int_equal(erasure_ledger_load(f->st, &ledger), 0);
	assert_int_equal(from_file.n, 1);
	assert_string_equal(from_file.v[0].subject_id, GONE);
	assert_string_equal(from_file.v[0].id, ledger.v[0].id);

	snprintf(replay_dir, sizeof(replay_dir), "%s/restored-replay", f->dir);
	assert_int_equal(backup_restore(f->backup, f->key, replay_dir, &info, &error), 0);
	open_restored(replay_dir, &st, &keys);
	/* Before replay the sealed value still opens (the backup's old key). */
	assert_int_equal(item_state(keys, st, GONE), 1);
	assert_int_equal(
	    erasure_ledger_replay(keys, st, &from_file, delete_rows, &calls, &effective, &error),
	    0);
	assert_int_equal(calls, 1);
	assert_int_equal(effective, 1);
	assert_int_equal(item_state(keys, st, GONE), -1);
	assert_false(keys_subject_exists(keys, st, "", GONE));
	assert_int_equal(item_state(keys, st, KEEP), 1);
	/* The restored store's own ledger now lists the erasure; replay is idempotent. */
	struct erasure_list again = {0};
	assert_int_equal(erasure_ledger_load(st, &again), 0);
	assert_int_equal(again.n, 1);
	assert_int_equal(
	    erasure_ledger_replay(keys, st, &ledger, delete_rows, &calls, &effective, &error), 0);
	assert_int_equal(effective, 0);
	erasure_list_free(&again);
	keys_close(&keys);
	store_close(&st);
	erasure_list_free(&ledger);
	erasure_list_free(&from_file);
}

/* P-AVL-1 */
static void test_ledger_file_strict(void **state)
{
	struct fixture *f = *state;
	struct erasure_list list = {0};
	const char *error = NULL;
	char path[128];
	snprintf(path, sizeof(path), "%s/bad-ledger.txt", f->dir);
	FILE *out = fopen(path, "w");
	fprintf(out, "iris-erasure-ledger 1\nnot-a-uuid - x 12\n");
	fclose(out);
	assert_int_equal(erasure_ledger_load_file(path, &list, &error), -1);
	erasure_list_free(&list);
	out = fopen(path, "w");
	fprintf(out, "something else\n");
	fclose(out);
	assert_int_equal(erasure_ledger_load_file(path, &list, &error), -1);
	erasure_list_free(&list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_backup_is_encrypted_and_restores, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_key_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tampering_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_erasure_replayed_on_restore, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ledger_file_strict, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
