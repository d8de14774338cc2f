/* A store with migrations applied and a key service in a temporary
 * directory, for the XMPP storage tests. */
#ifndef IRIS_TEST_XMPP_FIXTURE_H
#define IRIS_TEST_XMPP_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "crypto/keys.h"
#include "domain/app.h"
#include "store/store.h"

#define TENANT_A "6f0a7c1e-1d2b-4c3d-8e4f-5a6b7c8d9e0f"
#define TENANT_B "7f0a7c1e-1d2b-4c3d-8e4f-5a6b7c8d9e0f"

struct xfixture {
	char dir[64];
	char key_path[128];
	char db_path[128];
	struct config cfg;
	struct app app;
	struct store *st;
};

__attribute__((unused)) static int xfixture_setup(void **state)
{
	struct xfixture *f = calloc(1, sizeof(*f));
	const char *error = NULL;
	snprintf(f->dir, sizeof(f->dir), "/tmp/iris-xmpp-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->key_path, sizeof(f->key_path), "%s/master.key", f->dir);
	snprintf(f->db_path, sizeof(f->db_path), "%s/iris.db", f->dir);
	config_defaults(&f->cfg);
	f->app.cfg = &f->cfg;
	assert_int_equal(keys_open(f->key_path, true, &f->app.keys, &error), 0);
	assert_int_equal(store_open(f->db_path, &f->st, &error), 0);
	assert_int_equal(store_migrate(f->st, &error), 0);
	assert_int_equal(keys_tenant_create(f->app.keys, f->st, TENANT_A), 0);
	assert_int_equal(keys_tenant_create(f->app.keys, f->st, TENANT_B), 0);
	assert_int_equal(keys_tenant_create(f->app.keys, f->st, ""), 0);
	*state = f;
	return 0;
}

__attribute__((unused)) static int xfixture_teardown(void **state)
{
	struct xfixture *f = *state;
	char cmd[128];
	store_close(&f->st);
	keys_close(&f->app.keys);
	config_free(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Every byte of the database files, for at-rest scans. */
__attribute__((unused)) static size_t xfixture_contains(struct xfixture *f, const char *needle)
{
	size_t hits = 0;
	const char *suffix[] = {"", "-wal"};
	for (int i = 0; i < 2; i++) {
		char path[160];
		snprintf(path, sizeof(path), "%s%s", f->db_path, suffix[i]);
		FILE *fp = fopen(path, "rb");
		if (fp == NULL)
			continue;
		static char buf[1 << 22];
		size_t n = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		size_t nl = strlen(needle);
		for (size_t j = 0; j + nl <= n; j++)
			if (memcmp(buf + j, needle, nl) == 0)
				hits++;
	}
	return hits;
}

#endif
