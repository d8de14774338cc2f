/*
 * The whole schema against the privacy catalog: every column of every table
 * that the migrations create has exactly one catalog entry, and every entry
 * is complete (DESIGN.md "The privacy catalog").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/app.h"
#include "privacy/catalog.h"
#include "store/store.h"

/* P-REG-1: the catalog the registers are generated from covers the schema. */
static void test_every_column_has_a_catalog_entry(void **state)
{
	char dir[] = "/tmp/iris-schema-XXXXXX";
	char url[128], cmd[128];
	const char *error = NULL;
	struct store *st = NULL;
	char *missing = NULL;
	assert_non_null(mkdtemp(dir));
	snprintf(url, sizeof(url), "sqlite:%s/iris.db", dir);
	assert_int_equal(store_open(url, &st, &error), 0);
	assert_int_equal(store_migrate(st, &error), 0);
	app_register_catalog();
	int rc = privacy_catalog_check_schema(st, &missing);
	if (rc != 0)
		fprintf(stderr, "columns without a catalog entry: %s\n", missing);
	assert_int_equal(rc, 0);
	free(missing);
	store_close(&st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_every_entry_is_complete(void **state)
{
	char *error = NULL;
	app_register_catalog();
	int rc = privacy_catalog_validate(&error);
	if (rc != 0)
		fprintf(stderr, "incomplete catalog: %s\n", error);
	assert_int_equal(rc, 0);
	free(error);
	assert_true(privacy_catalog_count() > 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_column_has_a_catalog_entry),
		cmocka_unit_test(test_every_entry_is_complete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
