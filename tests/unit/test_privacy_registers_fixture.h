/* Fixture of the registers' unit tests (retention, registers, breaches,
 * sub-processors): a fresh data directory per test, the catalog registered,
 * the job kinds registered, and the privacy clock fixed. */
#ifndef IRIS_TEST_PRIVACY_REGISTERS_FIXTURE_H
#define IRIS_TEST_PRIVACY_REGISTERS_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "domain/accounts.h"
#include "domain/app.h"

struct rfx {
	char dir[64];
	struct config cfg;
	struct app app;
	struct store *st;
	int64_t now;
	char tenant[IDS_UUID_LEN];
	struct account admin, user;
	struct actor admin_actor, op_actor;
};

int rfx_setup(void **state);
int rfx_teardown(void **state);
void rfx_tenant(struct rfx *f, const char *name, char id_r[IDS_UUID_LEN]);
void rfx_account(struct rfx *f, const char *tenant_id, const char *username,
                 enum account_role role, struct account *out);
/* Moves the clock to t and runs every due job at t. Returns jobs run. */
int rfx_run_at(struct rfx *f, int64_t t);
long rfx_count(struct rfx *f, const char *sql, const char *param);

#endif
