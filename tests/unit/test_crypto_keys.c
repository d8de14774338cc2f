/*
 * Unit tests for crypto/keys: master key file, sealing, tenant separation,
 * crypto-shredding, blind indexes, derivation and signing. Each test that
 * proves a promise names it in the comment above it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "crypto/keys.h"
#include "privacy/keys_catalog.h"
#include "crypto/keys_internal.h"
#include "store/store.h"

#define TENANT_A "6f1c1b1e-2a4b-4c3d-8e5f-0a1b2c3d4e5f"
#define TENANT_B "7a2d2c2f-3b5c-4d4e-9f60-1b2c3d4e5f60"
#define SUBJECT "0d9e8f7a-6b5c-4d3e-a2f1-e0d9c8b7a695"

struct fixture {
	char dir[64];
	char key_path[128];
	char db_path[128];
	struct keys *keys;
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *error = NULL;
	snprintf(f->dir, sizeof(f->dir), "/tmp/iris-crypto-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->key_path, sizeof(f->key_path), "%s/master.key", f->dir);
	snprintf(f->db_path, sizeof(f->db_path), "%s/iris.db", f->dir);
	assert_int_equal(keys_open(f->key_path, true, &f->keys, &error), 0);
	assert_int_equal(store_open(f->db_path, &f->st, &error), 0);
	assert_int_equal(store_migrate(f->st, &error), 0);
	assert_int_equal(keys_tenant_create(f->keys, f->st, TENANT_A), 0);
	assert_int_equal(keys_tenant_create(f->keys, f->st, TENANT_B), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	store_close(&f->st);
	keys_close(&f->keys);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static const struct seal_ad ad_name = {"profiles", "row-1", "display_name"};

static void seal_ok(struct fixture *f, const char *tenant, const char *subject,
                    const struct seal_ad *ad, const char *text, unsigned char **out, size_t *len)
{
	assert_int_equal(
	    keys_seal(f->keys, f->st, tenant, subject, ad, text, strlen(text), out, len), 0);
}

static int open_value(struct fixture *f, const char *tenant, const char *subject,
                      const struct seal_ad *ad, const unsigned char *sealed, size_t len,
                      char **plain_r)
{
	size_t plain_len = 0;
	*plain_r = NULL;
	int rc =
	    keys_open_sealed(f->keys, f->st, tenant, subject, ad, sealed, len, plain_r, &plain_len);
	if (rc < 0)
		assert_null(*plain_r);
	return rc;
}

/* ---- master key file ---- */

static void test_key_file_created_0600(void **state)
{
	struct fixture *f = *state;
	struct stat sb;
	assert_int_equal(stat(f->key_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, 32);
}

/* The mode is 0600 whatever the umask: a permissive umask does not widen it. */
static void test_key_file_umask_safe(void **state)
{
	struct fixture *f = *state;
	char path[160];
	struct keys *k = NULL;
	const char *error = NULL;
	struct stat sb;
	snprintf(path, sizeof(path), "%s/other.key", f->dir);
	mode_t old = umask(0);
	assert_int_equal(keys_open(path, true, &k, &error), 0);
	umask(old);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	keys_close(&k);
	assert_null(k);
	keys_close(&k); /* NULL is fine */
}

static void test_key_file_0644_refused(void **state)
{
	struct fixture *f = *state;
	struct keys *k = NULL;
	const char *error = NULL;
	assert_int_equal(chmod(f->key_path, 0644), 0);
	assert_int_equal(keys_open(f->key_path, true, &k, &error), -1);
	assert_null(k);
	assert_non_null(error);
	assert_non_null(strstr(error, "group or others"));
	assert_int_equal(chmod(f->key_path, 0640), 0);
	assert_int_equal(keys_open(f->key_path, false, &k, &error), -1);
	assert_int_equal(chmod(f->key_path, 0600), 0);
	assert_int_equal(keys_open(f->key_path, false, &k, &error), 0);
	keys_close(&k);
}

static void write_key_file(const char *path, size_t len)
{
	unsigned char buf[64] = {0};
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static void test_key_file_wrong_size_refused(void **state)
{
	struct fixture *f = *state;
	char path[160];
	struct keys *k = NULL;
	const char *error = NULL;
	snprintf(path, sizeof(path), "%s/bad.key", f->dir);
	write_key_file(path, 31);
	assert_int_equal(keys_open(path, true, &k, &error), -1);
	assert_non_null(strstr(error, "wrong size"));
	write_key_file(path, 33);
	assert_int_equal(keys_open(path, true, &k, &error), -1);
	assert_non_null(strstr(error, "wrong size"));
	write_key_file(path, 0);
	assert_int_equal(keys_open(path, true, &k, &error), -1);
	assert_null(k);
}

static void test_key_file_missing_without_create(void **state)
{
	struct fixture *f = *state;
	char path[160];
	struct keys *k = NULL;
	const char *error = NULL;
	snprintf(path, sizeof(path), "%s/absent.key", f->dir);
	assert_int_equal(keys_open(path, false, &k, &error), -1);
	assert_non_null(error);
	assert_int_equal(access(path, F_OK), -1);
}

/* The key persists: a reopened key file derives the same keys and opens
 * what was sealed before. */
static void test_key_file_reopen_same_key(void **state)
{
	struct fixture *f = *state;
	unsigned char a[32], b[32], *sealed = NULL;
	size_t len = 0;
	char *plain = NULL;
	const char *error = NULL;
	assert_int_equal(keys_derive(f->keys, "log-pseudonym", a), 0);
	seal_ok(f, TENANT_A, SUBJECT, &ad_name, "Ada", &sealed, &len);
	keys_close(&f->keys);
	assert_int_equal(keys_open(f->key_path, false, &f->keys, &error), 0);
	assert_int_equal(keys_derive(f->keys, "log-pseudonym", b), 0);
	assert_memory_equal(a, b, 32);
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &ad_name, sealed, len, &plain), 0);
	assert_string_equal(plain, "Ada");
	secret_free(plain, 4);
	free(sealed);
}

/* A different master key opens nothing and does not replace the signing key. */
static void test_wrong_master_key_opens_nothing(void **state)
{
	struct fixture *f = *state;
	char path[160];
	unsigned char *sealed = NULL, sig[64], pub[32], pub2[32];
	size_t len = 0;
	char *plain = NULL;
	struct keys *other = NULL;
	const char *error = NULL;
	seal_ok(f, TENANT_A, SUBJECT, &ad_name, "Ada", &sealed, &len);
	assert_int_equal(keys_sign_public(f->keys, f->st, pub), 0);
	snprintf(path, sizeof(path), "%s/other.key", f->dir);
	assert_int_equal(keys_open(path, true, &other, &error), 0);
	assert_int_equal(
	    keys_open_sealed(other, f->st, TENANT_A, SUBJECT, &ad_name, sealed, len, &plain, &len),
	    -1);
	assert_int_equal(keys_sign(other, f->st, "m", 1, sig), -1);
	assert_int_equal(keys_sign_public(f->keys, f->st, pub2), 0);
	assert_memory_equal(pub, pub2, 32);
	keys_close(&other);
	free(sealed);
}

/* ---- sealing ---- */

/* P-SEC-2: round trip; the sealed form has the documented layout. */
static void test_seal_round_trip(void **state)
{
	struct fixture *f = *state;
	const char *text = "Grace Hopper <grace@example.org>";
	unsigned char *sealed = NULL;
	size_t len = 0, plain_len = 0;
	char *plain = NULL;
	seal_ok(f, TENANT_A, SUBJECT, &ad_name, text, &sealed, &len);
	assert_int_equal(len, strlen(text) + 1 + 12 + 16);
	assert_int_equal(sealed[0], 1);
	assert_int_equal(keys_open_sealed(f->keys, f->st, TENANT_A, SUBJECT, &ad_name, sealed, len,
	                                  &plain, &plain_len),
	                 0);
	assert_int_equal(plain_len, strlen(text));
	assert_string_equal(plain, text); /* NUL-terminated */
	secret_free(plain, plain_len + 1);
	free(sealed);
	/* An empty value seals too. */
	assert_int_equal(
	    keys_seal(f->keys, f->st, TENANT_A, SUBJECT, &ad_name, "", 0, &sealed, &len), 0);
	assert_int_equal(len, 29);
	assert_int_equal(keys_open_sealed(f->keys, f->st, TENANT_A, SUBJECT, &ad_name, sealed, len,
	                                  &plain, &plain_len),
	                 0);
	assert_int_equal(plain_len, 0);
	assert_string_equal(plain, "");
	secret_free(plain, 1);
	free(sealed);
}

/* P-SEC-2: the sealed bytes do not contain the plaintext, and two seals of
 * the same value differ (fresh random nonce). */
static void test_seal_hides_plaintext_and_nonce_differs(void **state)
{
	struct fixture *f = *state;
	const char *text = "canary-value-0123456789";
	unsigned char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	seal_ok(f, TENANT_A, SUBJECT, &ad_name, text, &a, &alen);
	seal_ok(f, TENANT_A, SUBJECT, &ad_name, text, &b, &blen);
	assert_null(memmem(a, alen, text, strlen(text)));
	assert_null(memmem(a, alen, "canary", 6));
	assert_int_equal(alen, blen);
	assert_memory_not_equal(a + 1, b + 1, 12);          /* nonces */
	assert_memory_not_equal(a + 13, b + 13, alen - 13); /* ciphertexts and tags */
	free(a);
	free(b);
}

/* P-SEC-2: changing any single byte of a sealed value makes it fail. */
static void test_seal_tamper_fails(void **state)
{
	struct fixture *f = *state;
	unsigned char *sealed = NULL;
	size_t len = 0;
	char *plain = NULL;
	seal_ok(f, TENANT_A, SUBJECT, &ad_name, "secret text", &sealed, &len);
	for (size_t i = 0; i < len; i++) {
		sealed[i] ^= 0x01;
		assert_int_equal(open_value(f, TENANT_A, SUBJECT, &ad_name, sealed, len, &plain),
		                 -1);
		sealed[i] ^= 0x01;
	}
	/* Truncated or short values fail too. */
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &ad_name, sealed, len - 1, &plain), -1);
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &ad_name, sealed, 28, &plain), -1);
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &ad_name, sealed, 0, &plain), -1);
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &ad_name, sealed, len, &plain), 0);
	secret_free(plain, strlen(plain) + 1);
	free(sealed);
}

/* P-SEC-2: a value moved to another row, column or table does not open. */
static void test_seal_moved_fails(void **state)
{
	struct fixture *f = *state;
	unsigned char *sealed = NULL;
	size_t len = 0;
	char *plain = NULL;
	const struct seal_ad other_row = {"profiles", "row-2", "display_name"};
	const struct seal_ad other_col = {"profiles", "row-1", "email"};
	const struct seal_ad other_table = {"contacts", "row-1", "display_name"};
	/* Same concatenation, other split: the encoding must tell them apart. */
	const struct seal_ad shifted = {"profilesrow-1", "", "display_name"};
	seal_ok(f, TENANT_A, SUBJECT, &ad_name, "Ada", &sealed, &len);
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &other_row, sealed, len, &plain), -1);
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &other_col, sealed, len, &plain), -1);
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &other_table, sealed, len, &plain), -1);
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &shifted, sealed, len, &plain), -1);
	/* Another subject of the same tenant has another key. */
	assert_int_equal(open_value(f, TENANT_A, "someone-else", &ad_name, sealed, len, &plain),
	                 -1);
	free(sealed);
}

static void test_seal_bad_arguments(void **state)
{
	struct fixture *f = *state;
	unsigned char *sealed = (unsigned char *)"x";
	size_t len = 1;
	const struct seal_ad no_col = {"t", "r", NULL};
	assert_int_equal(
	    keys_seal(f->keys, f->st, TENANT_A, SUBJECT, &no_col, "a", 1, &sealed, &len), -1);
	assert_null(sealed);
	assert_int_equal(len, 0);
	assert_int_equal(keys_seal(f->keys, f->st, TENANT_A, SUBJECT, NULL, "a", 1, &sealed, &len),
	                 -1);
	assert_int_equal(keys_seal(f->keys, f->st, NULL, SUBJECT, &ad_name, "a", 1, &sealed, &len),
	                 -1);
	/* A tenant without a key cannot seal (its key is made only with the tenant). */
	assert_int_equal(
	    keys_seal(f->keys, f->st, "no-such-tenant", SUBJECT, &ad_name, "a", 1, &sealed, &len),
	    -1);
	assert_false(keys_subject_exists(f->keys, f->st, "no-such-tenant", SUBJECT));
}

/* Opening for a subject that never had a key fails and creates none. */
static void test_open_unknown_subject_creates_nothing(void **state)
{
	struct fixture *f = *state;
	unsigned char *sealed = NULL;
	size_t len = 0;
	char *plain = NULL;
	seal_ok(f, TENANT_A, SUBJECT, &ad_name, "Ada", &sealed, &len);
	assert_int_equal(open_value(f, TENANT_A, "never-seen", &ad_name, sealed, len, &plain), -1);
	assert_false(keys_subject_exists(f->keys, f->st, TENANT_A, "never-seen"));
	assert_true(keys_subject_exists(f->keys, f->st, TENANT_A, SUBJECT));
	free(sealed);
}

/* ---- tenant separation ---- */

/* P-SEC-6: a value sealed for tenant A cannot be opened as tenant B's
 * subject of the same id; copying A's wrapped subject key into B's row does
 * not help either (the wrap is bound to tenant and subject). */
static void test_tenant_separation(void **state)
{
	struct fixture *f = *state;
	unsigned char *sealed = NULL, *b_sealed = NULL;
	size_t len = 0, b_len = 0;
	char *plain = NULL;
	seal_ok(f, TENANT_A, SUBJECT, &ad_name, "tenant A data", &sealed, &len);
	seal_ok(f, TENANT_B, SUBJECT, &ad_name, "tenant B data", &b_sealed, &b_len);
	assert_int_equal(open_value(f, TENANT_B, SUBJECT, &ad_name, sealed, len, &plain), -1);
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &ad_name, b_sealed, b_len, &plain), -1);
	assert_int_equal(
	    store_run(f->st,
	              "UPDATE subject_keys SET wrapped = (SELECT wrapped FROM subject_keys "
	              "WHERE tenant_id = ? AND subject_id = ?) WHERE tenant_id = ? AND "
	              "subject_id = ?",
	              "ssss", TENANT_A, SUBJECT, TENANT_B, SUBJECT),
	    STORE_DONE);
	assert_int_equal(open_value(f, TENANT_B, SUBJECT, &ad_name, sealed, len, &plain), -1);
	free(sealed);
	free(b_sealed);
}

/* P-SEC-6: each tenant has its own key: their wrapped keys differ, and a
 * tenant key row moved to another tenant does not unwrap. */
static void test_tenant_keys_differ(void **state)
{
	struct fixture *f = *state;
	unsigned char wa[WRAPPED_LEN], *sealed = NULL;
	size_t len = 0, wlen = 0;
	char *plain = NULL;
	struct store_stmt *s = store_query(
	    f->st, "SELECT wrapped FROM tenant_keys WHERE tenant_id = ?", "s", TENANT_A);
	assert_int_equal(store_step(s), STORE_ROW);
	memcpy(wa, store_col_blob(s, 0, &wlen), sizeof(wa));
	assert_int_equal(wlen, WRAPPED_LEN);
	store_stmt_done(s);
	s = store_query(f->st, "SELECT wrapped FROM tenant_keys WHERE tenant_id = ?", "s",
	                TENANT_B);
	assert_int_equal(store_step(s), STORE_ROW);
	assert_memory_not_equal(store_col_blob(s, 0, &wlen), wa, sizeof(wa));
	store_stmt_done(s);
	/* Idempotent create keeps the existing key. */
	assert_int_equal(keys_tenant_create(f->keys, f->st, TENANT_A), 0);
	s = store_query(f->st, "SELECT wrapped FROM tenant_keys WHERE tenant_id = ?", "s",
	                TENANT_A);
	assert_int_equal(store_step(s), STORE_ROW);
	assert_memory_equal(store_col_blob(s, 0, &wlen), wa, sizeof(wa));
	store_stmt_done(s);
	/* B's row given A's wrapped key: B can no longer unwrap anything (a
	 * fresh handle, so that no cached subject key is involved). */
	const char *error = NULL;
	seal_ok(f, TENANT_B, SUBJECT, &ad_name, "B", &sealed, &len);
	assert_int_equal(store_run(f->st, "UPDATE tenant_keys SET wrapped = ? WHERE tenant_id = ?",
	                           "bs", wa, sizeof(wa), TENANT_B),
	                 STORE_DONE);
	keys_close(&f->keys);
	assert_int_equal(keys_open(f->key_path, false, &f->keys, &error), 0);
	assert_int_equal(open_value(f, TENANT_B, SUBJECT, &ad_name, sealed, len, &plain), -1);
	free(sealed);
}

/* P-SEC-6: the blind index of a value is stable within a tenant and purpose,
 * and differs across tenants, purposes and the installation-wide index. */
static void test_blind_index(void **state)
{
	struct fixture *f = *state;
	char a1[65], a2[65], b[65], inst[65], purpose[65];
	assert_int_equal(keys_blind_index(f->keys, f->st, TENANT_A, "email", "ada@example.org", a1),
	                 0);
	assert_int_equal(keys_blind_index(f->keys, f->st, TENANT_A, "email", "ada@example.org", a2),
	                 0);
	assert_int_equal(keys_blind_index(f->keys, f->st, TENANT_B, "email", "ada@example.org", b),
	                 0);
	assert_int_equal(keys_blind_index(f->keys, f->st, "", "email", "ada@example.org", inst), 0);
	assert_int_equal(
	    keys_blind_index(f->keys, f->st, TENANT_A, "name", "ada@example.org", purpose), 0);
	assert_int_equal(strlen(a1), 64);
	assert_int_equal(strspn(a1, "0123456789abcdef"), 64);
	assert_string_equal(a1, a2);
	assert_string_not_equal(a1, b);
	assert_string_not_equal(a1, inst);
	assert_string_not_equal(a1, purpose);
	assert_null(strstr(a1, "ada"));
	assert_int_equal(keys_blind_index(f->keys, f->st, TENANT_A, "email", "bob@example.org", a2),
	                 0);
	assert_string_not_equal(a1, a2);
	assert_int_equal(keys_blind_index(f->keys, f->st, "no-such-tenant", "email", "x", a2), -1);
	assert_int_equal(keys_blind_index(f->keys, f->st, TENANT_A, "", "x", a2), -1);
}

/* ---- crypto-shredding ---- */

/* P-AVL-1: after keys_subject_destroy, a copy of the sealed value taken
 * before (as in a backup of the data) no longer opens, and a new key made
 * later for the same subject does not open it either. */
static void test_subject_destroy_shreds(void **state)
{
	struct fixture *f = *state;
	unsigned char *sealed = NULL, *copy;
	size_t len = 0;
	char *plain = NULL;
	seal_ok(f, TENANT_A, SUBJECT, &ad_name, "to be forgotten", &sealed, &len);
	copy = malloc(len);
	memcpy(copy, sealed, len);
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &ad_name, copy, len, &plain), 0);
	secret_free(plain, strlen(plain) + 1);
	assert_true(keys_subject_exists(f->keys, f->st, TENANT_A, SUBJECT));
	assert_int_equal(keys_subject_destroy(f->keys, f->st, TENANT_A, SUBJECT), 0);
	assert_false(keys_subject_exists(f->keys, f->st, TENANT_A, SUBJECT));
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &ad_name, copy, len, &plain), -1);
	assert_int_equal(keys_subject_destroy(f->keys, f->st, TENANT_A, SUBJECT),
	                 0); /* idempotent */
	free(sealed);
	seal_ok(f, TENANT_A, SUBJECT, &ad_name, "new life", &sealed, &len);
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &ad_name, copy, len, &plain), -1);
	free(sealed);
	free(copy);
}

static long file_find(const char *path, const unsigned char *needle, size_t n)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return 0; /* no file: nothing found */
	fseek(fp, 0, SEEK_END);
	long size = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	unsigned char *buf = malloc(size > 0 ? (size_t)size : 1);
	size_t got = fread(buf, 1, (size_t)size, fp);
	fclose(fp);
	long found = memmem(buf, got, needle, n) != NULL;
	free(buf);
	return found;
}

/* P-AVL-1: the destroyed wrapped key is gone from the database file itself
 * (secure_delete) once the WAL is checkpointed: a copy of the file made
 * after the erasure holds nothing that opens the subject's data. */
static void test_subject_destroy_leaves_no_key_in_file(void **state)
{
	struct fixture *f = *state;
	unsigned char *sealed = NULL, wrapped[WRAPPED_LEN];
	size_t len = 0, wlen = 0;
	char wal[160];
	seal_ok(f, TENANT_A, SUBJECT, &ad_name, "x", &sealed, &len);
	free(sealed);
	struct store_stmt *s = store_query(
	    f->st, "SELECT wrapped FROM subject_keys WHERE subject_id = ?", "s", SUBJECT);
	assert_int_equal(store_step(s), STORE_ROW);
	memcpy(wrapped, store_col_blob(s, 0, &wlen), sizeof(wrapped));
	store_stmt_done(s);
	assert_int_equal(store_exec(f->st, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
	assert_true(file_find(f->db_path, wrapped, sizeof(wrapped)));
	assert_int_equal(keys_subject_destroy(f->keys, f->st, TENANT_A, SUBJECT), 0);
	assert_int_equal(store_exec(f->st, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
	snprintf(wal, sizeof(wal), "%s-wal", f->db_path);
	assert_false(file_find(f->db_path, wrapped, sizeof(wrapped)));
	assert_false(file_find(wal, wrapped, sizeof(wrapped)));
}

/* P-AVL-1: destroying a tenant shreds every subject under it and nothing of
 * another tenant; the destroyed tenant can no longer seal. */
static void test_tenant_destroy_shreds_all_subjects(void **state)
{
	struct fixture *f = *state;
	unsigned char *s1 = NULL, *s2 = NULL, *sb = NULL, *tmp = NULL;
	size_t l1 = 0, l2 = 0, lb = 0, lt = 0;
	char *plain = NULL, idx[65];
	seal_ok(f, TENANT_A, "subject-1", &ad_name, "one", &s1, &l1);
	seal_ok(f, TENANT_A, "subject-2", &ad_name, "two", &s2, &l2);
	seal_ok(f, TENANT_B, "subject-1", &ad_name, "bee", &sb, &lb);
	assert_int_equal(keys_tenant_destroy(f->keys, f->st, TENANT_A), 0);
	assert_int_equal(open_value(f, TENANT_A, "subject-1", &ad_name, s1, l1, &plain), -1);
	assert_int_equal(open_value(f, TENANT_A, "subject-2", &ad_name, s2, l2, &plain), -1);
	assert_false(keys_subject_exists(f->keys, f->st, TENANT_A, "subject-1"));
	assert_int_equal(
	    keys_seal(f->keys, f->st, TENANT_A, "subject-3", &ad_name, "x", 1, &tmp, &lt), -1);
	assert_int_equal(keys_blind_index(f->keys, f->st, TENANT_A, "email", "x", idx), -1);
	assert_int_equal(open_value(f, TENANT_B, "subject-1", &ad_name, sb, lb, &plain), 0);
	assert_string_equal(plain, "bee");
	secret_free(plain, 4);
	assert_int_equal(keys_tenant_destroy(f->keys, f->st, TENANT_A), 0); /* idempotent */
	free(s1);
	free(s2);
	free(sb);
}

/* P-AVL-1: a key destroyed through another connection (another thread or
 * process, e.g. irisctl) is not used from this handle's cache. */
static void test_destroy_elsewhere_beats_cache(void **state)
{
	struct fixture *f = *state;
	unsigned char *sealed = NULL;
	size_t len = 0;
	char *plain = NULL;
	struct store *other = NULL;
	const char *error = NULL;
	seal_ok(f, TENANT_A, SUBJECT, &ad_name, "cached", &sealed, &len);
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &ad_name, sealed, len, &plain), 0);
	secret_free(plain, strlen(plain) + 1);
	assert_int_equal(store_open(f->db_path, &other, &error), 0);
	assert_int_equal(
	    store_run(other, "DELETE FROM subject_keys WHERE subject_id = ?", "s", SUBJECT),
	    STORE_DONE);
	store_close(&other);
	assert_int_equal(open_value(f, TENANT_A, SUBJECT, &ad_name, sealed, len, &plain), -1);
	free(sealed);
}

/* A tenant key made in a rolled-back transaction is not kept by the cache:
 * the tenant created again gets a working key. */
static void test_rollback_does_not_poison_cache(void **state)
{
	struct fixture *f = *state;
	unsigned char *lost = NULL, *sealed = NULL;
	size_t lost_len = 0, len = 0;
	char *plain = NULL;
	const char *tc = "8b3e3d30-4c6d-4e5f-a071-2c3d4e5f6071";
	assert_int_equal(store_tx_begin(f->st), 0);
	assert_int_equal(keys_tenant_create(f->keys, f->st, tc), 0);
	seal_ok(f, tc, SUBJECT, &ad_name, "rolled back", &lost, &lost_len);
	store_tx_rollback(f->st);
	assert_int_equal(keys_tenant_create(f->keys, f->st, tc), 0);
	seal_ok(f, tc, SUBJECT, &ad_name, "kept", &sealed, &len);
	assert_int_equal(open_value(f, tc, SUBJECT, &ad_name, sealed, len, &plain), 0);
	assert_string_equal(plain, "kept");
	secret_free(plain, 5);
	assert_int_equal(open_value(f, tc, SUBJECT, &ad_name, lost, lost_len, &plain), -1);
	free(lost);
	free(sealed);
}

/* ---- threads ---- */

struct worker {
	struct fixture *f;
	int index;
	int failures;
};

/* Each worker uses its own connection, as the worker pool does; all of
 * them race to create the same new subject key. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct store *st = NULL;
	const char *error = NULL;
	if (store_open(w->f->db_path, &st, &error) < 0) {
		w->failures++;
		return NULL;
	}
	for (int i = 0; i < 40; i++) {
		char text[32], *plain = NULL;
		unsigned char *sealed = NULL;
		size_t len = 0, plain_len = 0;
		snprintf(text, sizeof(text), "w%d-%d", w->index, i);
		const char *subject = i % 2 == 0 ? "shared-subject" : text;
		if (keys_seal(w->f->keys, st, TENANT_A, subject, &ad_name, text, strlen(text),
		              &sealed, &len) < 0 ||
		    keys_open_sealed(w->f->keys, st, TENANT_A, subject, &ad_name, sealed, len,
		                     &plain, &plain_len) < 0 ||
		    strcmp(plain, text) != 0)
			w->failures++;
		if (plain != NULL)
			secret_free(plain, plain_len + 1);
		free(sealed);
	}
	store_close(&st);
	return NULL;
}

static void test_threads_share_keys(void **state)
{
	struct fixture *f = *state;
	pthread_t th[6];
	struct worker w[6];
	for (int i = 0; i < 6; i++) {
		w[i] = (struct worker){f, i, 0};
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
}

/* ---- derivation and signing ---- */

static void test_derive(void **state)
{
	struct fixture *f = *state;
	unsigned char a[32], b[32], c[32];
	assert_int_equal(keys_derive(f->keys, "log-pseudonym", a), 0);
	assert_int_equal(keys_derive(f->keys, "log-pseudonym", b), 0);
	assert_int_equal(keys_derive(f->keys, "backup", c), 0);
	assert_memory_equal(a, b, 32);
	assert_memory_not_equal(a, c, 32);
	assert_int_equal(keys_derive(f->keys, "", c), -1);
}

/* HKDF-SHA-256 known answer: RFC 5869 appendix A, test case 1. */
static void test_hkdf_rfc5869(void **state)
{
	unsigned char ikm[22], salt[13], info[10], okm[42];
	static const unsigned char want[42] = {
	    0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f, 0x64, 0xd0, 0x36,
	    0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90, 0xcf, 0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56,
	    0xec, 0xc4, 0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18, 0x58, 0x65};
	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	for (int i = 0; i < 13; i++)
		salt[i] = (unsigned char)i;
	for (int i = 0; i < 10; i++)
		info[i] = (unsigned char)(0xf0 + i);
	assert_int_equal(
	    hkdf_sha256(salt, sizeof(salt), ikm, sizeof(ikm), info, sizeof(info), okm, sizeof(okm)),
	    0);
	assert_memory_equal(okm, want, sizeof(want));
}

static void test_sign_verify(void **state)
{
	struct fixture *f = *state;
	unsigned char sig[64], sig2[64], pub[32], pub2[32];
	const char *msg = "iris-audit-checkpoint|tenant|42|head";
	assert_int_equal(keys_sign(f->keys, f->st, msg, strlen(msg), sig), 0);
	assert_int_equal(keys_sign_public(f->keys, f->st, pub), 0);
	assert_true(keys_verify(pub, msg, strlen(msg), sig));
	assert_false(keys_verify(pub, "iris-audit-checkpoint|tenant|43|head", strlen(msg), sig));
	assert_false(keys_verify(pub, msg, strlen(msg) - 1, sig));
	memcpy(sig2, sig, 64);
	sig2[10] ^= 0x40;
	assert_false(keys_verify(pub, msg, strlen(msg), sig2));
	/* The key is stored: a reopened handle signs with the same key. */
	const char *error = NULL;
	keys_close(&f->keys);
	assert_int_equal(keys_open(f->key_path, false, &f->keys, &error), 0);
	assert_int_equal(keys_sign_public(f->keys, f->st, pub2), 0);
	assert_memory_equal(pub, pub2, 32);
	assert_int_equal(keys_sign(f->keys, f->st, "other", 5, sig2), 0);
	assert_true(keys_verify(pub, "other", 5, sig2));
	/* The private half is sealed: the stored row does not hold it in clear
	 * (it is not a valid 32-byte key next to the public one). */
	struct store_stmt *s = store_query(f->st, "SELECT sealed FROM install_keys", "");
	size_t len = 0;
	assert_int_equal(store_step(s), STORE_ROW);
	assert_int_equal((store_col_blob(s, 0, &len), len), 32 + 29);
	store_stmt_done(s);
}

/* Ed25519 known answer: RFC 8032 §7.1, test 1 (empty message). */
static void test_verify_rfc8032(void **state)
{
	static const unsigned char pub[32] = {0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7,
	                                      0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
	                                      0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25,
	                                      0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
	static const unsigned char sig[64] = {
	    0xe5, 0x56, 0x43, 0x00, 0xc3, 0x60, 0xac, 0x72, 0x90, 0x86, 0xe2, 0xcc, 0x80,
	    0x6e, 0x82, 0x8a, 0x84, 0x87, 0x7f, 0x1e, 0xb8, 0xe5, 0xd9, 0x74, 0xd8, 0x73,
	    0xe0, 0x65, 0x22, 0x49, 0x01, 0x55, 0x5f, 0xb8, 0x82, 0x15, 0x90, 0xa3, 0x3b,
	    0xac, 0xc6, 0x1e, 0x39, 0x70, 0x1c, 0xf9, 0xb4, 0x6b, 0xd2, 0x5b, 0xf5, 0xf0,
	    0x59, 0x5b, 0xbe, 0x24, 0x65, 0x51, 0x41, 0x43, 0x8e, 0x7a, 0x10, 0x0b};
	(void)state;
	assert_true(keys_verify(pub, "", 0, sig));
	assert_false(keys_verify(pub, "x", 1, sig));
}

/* ---- catalog ---- */

/* Every column of migration 002 has exactly one catalog entry. */
static void catalog_has(const char *table, const char *column, void *ctx)
{
	int *missing = ctx;
	if (strcmp(table, "tenant_keys") != 0 && strcmp(table, "subject_keys") != 0 &&
	    strcmp(table, "install_keys") != 0)
		return;
	int n = 0;
	for (const struct catalog_column *c = crypto_catalog; c->table != NULL; c++)
		n += strcmp(c->table, table) == 0 && strcmp(c->column, column) == 0;
	if (n != 1)
		(*missing)++;
}

static void test_catalog_covers_tables(void **state)
{
	struct fixture *f = *state;
	int missing = 0, count = 0;
	assert_int_equal(store_each_column(f->st, catalog_has, &missing), 0);
	assert_int_equal(missing, 0);
	for (const struct catalog_column *c = crypto_catalog; c->table != NULL; c++) {
		count++;
		assert_true(c->personal ? c->erasure != ERASE_NOT_PERSONAL : c->note != NULL);
	}
	assert_int_equal(count, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_key_file_created_0600, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_file_umask_safe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_file_0644_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_file_wrong_size_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_file_missing_without_create, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_file_reopen_same_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_master_key_opens_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_seal_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_seal_hides_plaintext_and_nonce_differs, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_seal_tamper_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_seal_moved_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_seal_bad_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_unknown_subject_creates_nothing, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_tenant_separation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tenant_keys_differ, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_blind_index, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_subject_destroy_shreds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_subject_destroy_leaves_no_key_in_file, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_tenant_destroy_shreds_all_subjects, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_destroy_elsewhere_beats_cache, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_does_not_poison_cache, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_threads_share_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_derive, setup, teardown),
	    cmocka_unit_test(test_hkdf_rfc5869),
	    cmocka_unit_test_setup_teardown(test_sign_verify, setup, teardown),
	    cmocka_unit_test(test_verify_rfc8032),
	    cmocka_unit_test_setup_teardown(test_catalog_covers_tables, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
