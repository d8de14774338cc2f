/*
 * domain/accounts_bootstrap: the first start. When no operator exists, one
 * transaction creates the operator account, the tenant "default" and its
 * first admin, each with a random one-time password that must be changed at
 * first login. Idempotent: with an operator present it does nothing.
 */
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/accounts_internal.h"
#include "domain/app.h"
#include "domain/tenants.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static bool operator_exists(struct store *st, int *rc_r)
{
	struct store_stmt *q =
	    store_query(st, "SELECT 1 FROM accounts WHERE role = 'operator' LIMIT 1", "");
	*rc_r = q ? store_step(q) : STORE_ERROR;
	store_stmt_done(q);
	return *rc_r == STORE_ROW;
}

static int bootstrap_tx(struct app *app, struct store *st, struct acc_prepared *op,
                        const struct account_new *op_in, struct acc_prepared *adm,
                        struct account_new *adm_in, struct accounts_bootstrap_result *out)
{
	struct actor sys;
	char id[IDS_UUID_LEN];
	const char *error = NULL;
	actor_system(&sys, "system");
	if (acc_insert_tx(app, st, &sys, op_in, op, id, &error) < 0 ||
	    tenants_create_tx(app, st, &sys, out->tenant_name, "business", out->tenant_id, &error) <
	        0)
		return -1;
	adm_in->tenant_id = out->tenant_id;
	return acc_insert_tx(app, st, &sys, adm_in, adm, id, &error);
}

int accounts_bootstrap(struct app *app, struct store *st, struct accounts_bootstrap_result *out)
{
	struct account_new op_in = {.tenant_id = "",
	                            .username = "operator",
	                            .role = ROLE_OPERATOR,
	                            .status = "active",
	                            .must_change_password = true};
	struct account_new adm_in = {.tenant_id = "",
	                             .username = "admin",
	                             .role = ROLE_TENANT_ADMIN,
	                             .status = "active",
	                             .must_change_password = true};
	struct acc_prepared op, adm;
	const char *error = NULL;
	int rc, ret = -1;
	memset(out, 0, sizeof(*out));
	memset(&op, 0, sizeof(op));
	memset(&adm, 0, sizeof(adm));
	if (operator_exists(st, &rc) || rc == STORE_ERROR)
		return rc == STORE_ERROR ? -1 : 0;
	snprintf(out->tenant_name, sizeof(out->tenant_name), "default");
	if (acc_prepare(app, &op_in, &op, &error) < 0 ||
	    acc_prepare(app, &adm_in, &adm, &error) < 0)
		goto out;
	if (store_tx_begin(st) < 0)
		goto out;
	if (bootstrap_tx(app, st, &op, &op_in, &adm, &adm_in, out) < 0 || store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		goto out;
	}
	out->created = true;
	snprintf(out->operator_username, sizeof(out->operator_username), "%s", op_in.username);
	snprintf(out->operator_password, sizeof(out->operator_password), "%s", op.password);
	snprintf(out->admin_username, sizeof(out->admin_username), "%s", adm_in.username);
	snprintf(out->admin_password, sizeof(out->admin_password), "%s", adm.password);
	log_info("event=bootstrap_done operator=created tenant=default");
	ret = 0;
out:
	if (ret < 0)
		log_error("event=bootstrap_failed error=%s", error ? error : "store");
	acc_prepared_free(&op);
	acc_prepared_free(&adm);
	return ret;
}

void accounts_bootstrap_result_wipe(struct accounts_bootstrap_result *out)
{
	secret_wipe(out->operator_password, sizeof(out->operator_password));
	secret_wipe(out->admin_password, sizeof(out->admin_password));
}
