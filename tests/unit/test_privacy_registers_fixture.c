/* Fixture of the registers' unit tests (see the header). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "domain/jobs.h"
#include "domain/mail_catalog.h"
#include "domain/tenants.h"
#include "privacy/audit.h"
#include "compliance/register.h"
#include "compliance/retention.h"
#include "store/store.h"
#include "test_privacy_registers_fixture.h"

extern const struct catalog_column crypto_catalog[];
extern const struct catalog_column accounts_catalog[];

static void register_catalog(void)
{
	privacy_catalog_register(crypto_catalog);
	privacy_catalog_register(audit_catalog);
	privacy_catalog_register(mail_catalog);
	privacy_catalog_register(jobs_catalog);
	privacy_catalog_register(accounts_catalog);
	privacy_catalog_register(registers_catalog);
}

int rfx_setup(void **state)
{
	struct rfx *f = calloc(1, sizeof(*f));
	const char *error = NULL;
	char *cerr = NULL;
	char data[128];
	snprintf(f->dir, sizeof(f->dir), "/tmp/iris-registers-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	config_defaults(&f->cfg);
	assert_int_equal(config_set(&f->cfg, "auth.scram_iterations", "4096", &cerr), 0);
	/* No listener there: the TOM report's TLS probe must find nothing. */
	assert_int_equal(config_set(&f->cfg, "http.port", "9", &cerr), 0);
	snprintf(data, sizeof(data), "%s/data", f->dir);
	register_catalog();
	assert_int_equal(app_init(&f->app, &f->cfg, data, true, &error), 0);
	f->st = app_thread_store(&f->app);
	privacy_jobs_register();
	/* Jobs take the time of jobs_run_due; clock_action_fix fixes the time
	 * of the actions taken outside jobs (instructions, breach records). */
	f->now = (int64_t)time(NULL);
	clock_action_fix(f->now);
	rfx_tenant(f, "Acme", f->tenant);
	rfx_account(f, f->tenant, "admin", ROLE_TENANT_ADMIN, &f->admin);
	rfx_account(f, f->tenant, "alice", ROLE_USER, &f->user);
	actor_from_account(&f->admin_actor, &f->admin);
	actor_system(&f->op_actor, "operator-cli");
	*state = f;
	return 0;
}

int rfx_teardown(void **state)
{
	struct rfx *f = *state;
	char cmd[128];
	clock_action_fix(0);
	app_deinit(&f->app);
	config_free(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

void rfx_tenant(struct rfx *f, const char *name, char id_r[IDS_UUID_LEN])
{
	struct actor sys;
	const char *error = NULL;
	actor_system(&sys, "operator-cli");
	assert_int_equal(tenants_create(&f->app, f->st, &sys, name, id_r, &error), 0);
}

void rfx_account(struct rfx *f, const char *tenant_id, const char *username, enum account_role role,
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
	                         .role = role,
	                         .status = "active"};
	assert_int_equal(accounts_create(&f->app, f->st, &sys, &in, id, otp, &error), 0);
	assert_int_equal(accounts_get(f->st, id, out, &error), 0);
}

int rfx_run_at(struct rfx *f, int64_t t)
{
	return jobs_run_due(&f->app, f->st, t, 64);
}

long rfx_count(struct rfx *f, const char *sql, const char *param)
{
	struct store_stmt *q =
	    param ? store_query(f->st, sql, "s", param) : store_query(f->st, sql, "");
	assert_non_null(q);
	assert_int_equal(store_step(q), STORE_ROW);
	long n = (long)store_col_int(q, 0);
	store_stmt_done(q);
	return n;
}
