/* Unit tests for privacy/catalog: registry, lookup, validation, schema check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privacy/audit.h"
#include "privacy/catalog.h"
#include "store/store.h"

#define NOTE(t, c, why)                                                                            \
	{                                                                                          \
		t, c, false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,           \
		    EXPORT_NONE, why                                                               \
	}

static const struct catalog_column people[] = {
    NOTE("people", "id", "random UUIDv4"),
    {"people", "email", true, true, "dpv-pd:EmailAddress", "end user", "account management",
     "GDPR Art. 6(1)(b) contract", "until account deletion", 0, ERASE_SHRED, EXPORT_VALUE, NULL},
    {0},
};

static const struct catalog_column people_rest[] = {
    NOTE("people", "created_at", "creation time"),
    {0},
};

static int reset(void **state)
{
	privacy_catalog_reset();
	return 0;
}

static void test_register_find_count(void **state)
{
	privacy_catalog_register(people);
	privacy_catalog_register(people); /* idempotent */
	assert_int_equal(privacy_catalog_count(), 2);
	assert_ptr_equal(privacy_catalog_find("people", "email"), &people[1]);
	assert_ptr_equal(privacy_catalog_find("people", "id"), &people[0]);
	assert_null(privacy_catalog_find("people", "created_at"));
	assert_null(privacy_catalog_find("peopl", "eemail"));
	privacy_catalog_register(people_rest);
	assert_int_equal(privacy_catalog_count(), 3);
	assert_ptr_equal(privacy_catalog_find("people", "created_at"), &people_rest[0]);
	assert_string_equal(privacy_catalog_erasure_name(ERASE_SHRED), "crypto-shred");
	assert_string_equal(privacy_catalog_erasure_name(ERASE_KEEP_LEGAL),
	                    "keep under legal duty");
}

static void collect(const struct catalog_column *e, void *ctx)
{
	const struct catalog_column ***cursor = ctx;
	*(*cursor)++ = e;
}

static void test_each_in_registration_order(void **state)
{
	const struct catalog_column *seen[3], **cursor = seen;
	privacy_catalog_register(people_rest);
	privacy_catalog_register(people);
	privacy_catalog_each(collect, &cursor);
	assert_int_equal(cursor - seen, 3);
	assert_ptr_equal(seen[0], &people_rest[0]);
	assert_ptr_equal(seen[1], &people[0]);
	assert_ptr_equal(seen[2], &people[1]);
}

/* Thousands of entries: every one is found, and misses stay misses. */
static void test_many_entries(void **state)
{
	enum { N = 5000 };
	struct catalog_column *big = calloc(N + 1, sizeof(*big));
	char(*names)[16] = calloc(N, sizeof(*names));
	char probe[16];
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "c%d", i);
		big[i] = (struct catalog_column)NOTE("wide", names[i], "generated");
	}
	privacy_catalog_register(big);
	assert_int_equal(privacy_catalog_count(), N);
	for (int i = 0; i < N; i++) {
		snprintf(probe, sizeof(probe), "c%d", i);
		assert_ptr_equal(privacy_catalog_find("wide", probe), &big[i]);
	}
	assert_null(privacy_catalog_find("wide", "c5000"));
	assert_null(privacy_catalog_find("narrow", "c1"));
	privacy_catalog_reset();
	free(names);
	free(big);
}

static void test_validate_complete(void **state)
{
	char *error = NULL;
	privacy_catalog_register(people);
	privacy_catalog_register(people_rest);
	assert_int_equal(privacy_catalog_validate(&error), 0);
	assert_null(error);
}

static const struct catalog_column incomplete[] = {
    {"bad", "no_basis", true, false, "dpv-pd:Name", "end user", "profile", NULL, "forever", 0,
     ERASE_DELETE, EXPORT_VALUE, NULL},
    {"bad", "no_erasure", true, false, "dpv-pd:Name", "end user", "profile", "contract", "forever",
     0, ERASE_NOT_PERSONAL, EXPORT_VALUE, NULL},
    {"bad", "no_note", false, false, NULL, NULL, NULL, NULL, NULL, 0, ERASE_NOT_PERSONAL,
     EXPORT_NONE, NULL},
    {"bad", "shred_unsealed", true, false, "dpv-pd:Name", "end user", "profile", "contract",
     "forever", 0, ERASE_SHRED, EXPORT_VALUE, NULL},
    {"bad", "not_dpv", true, false, "name", "end user", "profile", "contract", "forever", 0,
     ERASE_DELETE, EXPORT_VALUE, NULL},
    NOTE("people", "id", "declared twice"),
    {0},
};

/* An entry the registers cannot be generated from is named. */
/* P-REG-1 */
static void test_validate_names_every_gap(void **state)
{
	char *error = NULL;
	privacy_catalog_register(people);
	privacy_catalog_register(incomplete);
	assert_int_equal(privacy_catalog_validate(&error), -1);
	assert_non_null(error);
	assert_non_null(strstr(error, "bad.no_basis (personal: no legal basis)"));
	assert_non_null(strstr(error, "bad.no_erasure (personal: no erasure action)"));
	assert_non_null(strstr(error, "bad.no_note (not personal: no note saying why)"));
	assert_non_null(strstr(error, "bad.shred_unsealed"));
	assert_non_null(strstr(error, "bad.not_dpv"));
	assert_non_null(strstr(error, "people.id (declared more than once)"));
	free(error);
}

struct tmpdb {
	char dir[64];
	struct store *st;
};

static void tmpdb_open(struct tmpdb *db, bool migrate)
{
	char url[128];
	const char *error = NULL;
	snprintf(db->dir, sizeof(db->dir), "/tmp/iris-catalog-XXXXXX");
	assert_non_null(mkdtemp(db->dir));
	snprintf(url, sizeof(url), "sqlite:%s/iris.db", db->dir);
	assert_int_equal(store_open(url, &db->st, &error), 0);
	if (migrate)
		assert_int_equal(store_migrate(db->st, &error), 0);
}

static void tmpdb_close(struct tmpdb *db)
{
	char cmd[128];
	store_close(&db->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", db->dir);
	assert_int_equal(system(cmd), 0);
}

/* The schema check fails on a column without an entry, and names it. */
/* P-REG-1 */
static void test_check_schema_finds_missing_column(void **state)
{
	struct tmpdb db;
	char *missing = NULL;
	tmpdb_open(&db, false);
	assert_int_equal(store_exec(db.st, "CREATE TABLE people (id TEXT PRIMARY KEY, email BLOB, "
	                                   "created_at INTEGER, phone BLOB)"),
	                 0);
	privacy_catalog_register(people);
	assert_int_equal(privacy_catalog_check_schema(db.st, &missing), -1);
	assert_non_null(missing);
	assert_string_equal(missing, "people.created_at, people.phone");
	free(missing);

	privacy_catalog_register(people_rest);
	assert_int_equal(privacy_catalog_check_schema(db.st, &missing), -1);
	assert_string_equal(missing, "people.phone");
	free(missing);

	assert_int_equal(store_exec(db.st, "ALTER TABLE people DROP COLUMN phone"), 0);
	assert_int_equal(privacy_catalog_check_schema(db.st, &missing), 0);
	assert_null(missing);
	tmpdb_close(&db);
}

/* The audit tables of migration 003 are fully declared. */
/* P-AUD-1 */
static void test_audit_fragment_covers_its_tables(void **state)
{
	struct tmpdb db;
	char *missing = NULL, *error = NULL;
	tmpdb_open(&db, true);
	privacy_catalog_register(audit_catalog);
	assert_int_equal(privacy_catalog_validate(&error), 0);
	/* Other modules' tables are missing here; no audit column may be. */
	if (privacy_catalog_check_schema(db.st, &missing) < 0) {
		assert_null(strstr(missing, "audit_"));
		free(missing);
	}
	assert_non_null(privacy_catalog_find("audit_log", "actor_id"));
	assert_true(privacy_catalog_find("audit_log", "actor_id")->personal);
	assert_int_equal(privacy_catalog_find("audit_log", "actor_id")->erasure, ERASE_KEEP_LEGAL);
	tmpdb_close(&db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_register_find_count, reset, reset),
	    cmocka_unit_test_setup_teardown(test_each_in_registration_order, reset, reset),
	    cmocka_unit_test_setup_teardown(test_many_entries, reset, reset),
	    cmocka_unit_test_setup_teardown(test_validate_complete, reset, reset),
	    cmocka_unit_test_setup_teardown(test_validate_names_every_gap, reset, reset),
	    cmocka_unit_test_setup_teardown(test_check_schema_finds_missing_column, reset, reset),
	    cmocka_unit_test_setup_teardown(test_audit_fragment_covers_its_tables, reset, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
