/* Shared fixture of the accounts/auth/profile unit tests: a fresh data
 * directory with keys and a migrated database per test. */
#ifndef IRIS_TEST_ACCOUNTS_FIXTURE_H
#define IRIS_TEST_ACCOUNTS_FIXTURE_H

#include <stdbool.h>

#include "core/config.h"
#include "domain/accounts.h"
#include "domain/app.h"

struct afx {
	char dir[64];
	struct config cfg;
	struct app app;
	struct store *st;
};

int afx_setup(void **state);
int afx_teardown(void **state);
/* Creates an active account with password "password-<username>". */
void afx_account(struct afx *f, const char *tenant_id, const char *username, enum account_role role,
                 struct account *out);
/* Creates a business tenant; id_r receives its id. */
void afx_tenant(struct afx *f, const char *name, char id_r[IDS_UUID_LEN]);
/* True when the database file or its WAL holds needle (len bytes). */
bool afx_db_contains(struct afx *f, const void *needle, size_t len);
/* Number of rows of a one-value COUNT query with one text parameter (or none). */
long afx_count(struct afx *f, const char *sql, const char *param);

#endif
