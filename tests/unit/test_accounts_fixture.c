/* Fixture of the accounts/auth/profile unit tests (see the header). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/tenants.h"
#include "store/store.h"
#include "test_accounts_fixture.h"


int afx_setup(void **state)
{
	struct afx *f = calloc(1, sizeof(*f));
	const char *error = NULL;
	char *cerr = NULL;
	char data[128];
	snprintf(f->dir, sizeof(f->dir), "/tmp/iris-accounts-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	config_defaults(&f->cfg);
	assert_int_equal(config_set(&f->cfg, "auth.scram_iterations", "4096", &cerr), 0);
	assert_int_equal(config_set(&f->cfg, "auth.login_max_failures", "3", &cerr), 0);
	snprintf(data, sizeof(data), "%s/data", f->dir);
	assert_int_equal(app_init(&f->app, &f->cfg, data, true, &error), 0);
	f->st = app_thread_store(&f->app);
	*state = f;
	return 0;
}

int afx_teardown(void **state)
{
	struct afx *f = *state;
	char cmd[128];
	app_deinit(&f->app);
	config_free(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

void afx_account(struct afx *f, const char *tenant_id, const char *username, enum account_role role,
                 struct account *out)
{
	char password[96], email[128], id[IDS_UUID_LEN], otp[64];
	const char *error = NULL;
	struct actor sys;
	actor_system(&sys, "system");
	snprintf(password, sizeof(password), "password-%s", username);
	snprintf(email, sizeof(email), "%s@example.org", username);
	struct account_new in = {.tenant_id = tenant_id,
	                         .username = username,
	                         .password = password,
	                         .email = email,
	                         .first_name = "First",
	                         .last_name = "Last",
	                         .role = role,
	                         .status = "active"};
	assert_int_equal(accounts_create(&f->app, f->st, &sys, &in, id, otp, &error), 0);
	assert_int_equal(accounts_get(f->st, id, out, &error), 0);
}

void afx_tenant(struct afx *f, const char *name, char id_r[IDS_UUID_LEN])
{
	struct actor sys;
	const char *error = NULL;
	actor_system(&sys, "operator-cli");
	assert_int_equal(tenants_create(&f->app, f->st, &sys, name, id_r, &error), 0);
}

static bool file_contains(const char *path, const void *needle, size_t nlen)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return false;
	size_t cap = 1 << 20, len = 0, n;
	char *buf = malloc(cap);
	while ((n = fread(buf + len, 1, cap - len, fp)) > 0) {
		len += n;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(fp);
	bool found = memmem(buf, len, needle, nlen) != NULL;
	free(buf);
	return found;
}

bool afx_db_contains(struct afx *f, const void *needle, size_t len)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/data/iris.db", f->dir);
	if (file_contains(path, needle, len))
		return true;
	snprintf(path, sizeof(path), "%s/data/iris.db-wal", f->dir);
	return file_contains(path, needle, len);
}

long afx_count(struct afx *f, const char *sql, const char *param)
{
	struct store_stmt *q =
	    param ? store_query(f->st, sql, "s", param) : store_query(f->st, sql, "");
	assert_non_null(q);
	assert_int_equal(store_step(q), STORE_ROW);
	long n = (long)store_col_int(q, 0);
	store_stmt_done(q);
	return n;
}
