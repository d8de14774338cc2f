/* domain/tenants: see tenants.h. */
#include "domain/tenants.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "domain/accounts_internal.h"
#include "domain/app.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool tenants_name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	if (len == 0 || len > TENANTS_NAME_MAX || name[0] == ' ' || name[len - 1] == ' ')
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

static bool name_taken(struct store *st, const char *name)
{
	struct store_stmt *q = store_query(st, "SELECT 1 FROM tenants WHERE name = ?", "s", name);
	bool taken = q != NULL && store_step(q) == STORE_ROW;
	store_stmt_done(q);
	return taken;
}

int tenants_create_tx(struct app *app, struct store *st, const struct actor *actor,
                      const char *name, const char *plan, char id_r[IDS_UUID_LEN],
                      const char **error_r)
{
	*error_r = "internal";
	if (!tenants_name_valid(name))
		return *error_r = "invalid_field", -1;
	if (name_taken(st, name))
		return *error_r = "conflict", -1;
	ids_uuid4(id_r);
	int rc = store_run(st,
	                   "INSERT INTO tenants (id, name, plan, discoverable, created_at) "
	                   "VALUES (?, ?, ?, 1, ?)",
	                   "sssi", id_r, name, plan, acc_now());
	if (rc == STORE_CONSTRAINT)
		return *error_r = "conflict", -1;
	if (rc != STORE_DONE || keys_tenant_create(app->keys, st, id_r) < 0)
		return -1;
	/* The operator's action goes to the installation chain; the tenant's
	 * own chain starts with its creation too, so its auditor sees it. */
	if (acc_audit(app, st, actor, "", "tenant.create", "tenant", id_r, "name,plan", false) <
	        0 ||
	    acc_audit(app, st, actor, id_r, "tenant.create", "tenant", id_r, "name,plan", false) <
	        0)
		return -1;
	*error_r = NULL;
	return 0;
}

int tenants_create(struct app *app, struct store *st, const struct actor *actor, const char *name,
                   char id_r[IDS_UUID_LEN], const char **error_r)
{
	if (store_tx_begin(st) < 0)
		return *error_r = "internal", -1;
	if (tenants_create_tx(app, st, actor, name, "business", id_r, error_r) < 0 ||
	    store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		if (*error_r == NULL)
			*error_r = "internal";
		return -1;
	}
	return 0;
}

static void tenant_from_row(struct store_stmt *q, struct tenant *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", store_col_text(q, 0));
	snprintf(t->name, sizeof(t->name), "%s", store_col_text(q, 1));
	snprintf(t->plan, sizeof(t->plan), "%s", store_col_text(q, 2));
	t->discoverable = store_col_int(q, 3) != 0;
	t->created_at = store_col_int(q, 4);
}

int tenants_get(struct store *st, const char *id, struct tenant *out, const char **error_r)
{
	struct store_stmt *q = store_query(
	    st, "SELECT id, name, plan, discoverable, created_at FROM tenants WHERE id = ?", "s",
	    id);
	int rc = q ? store_step(q) : STORE_ERROR;
	if (rc == STORE_ROW)
		tenant_from_row(q, out);
	store_stmt_done(q);
	if (rc == STORE_ROW)
		return 0;
	*error_r = rc == STORE_DONE ? "not_found" : "internal";
	return -1;
}

int tenants_list(struct store *st, void (*fn)(const struct tenant *t, void *ctx), void *ctx)
{
	struct store_stmt *q = store_query(
	    st, "SELECT id, name, plan, discoverable, created_at FROM tenants ORDER BY name", "");
	int rc;
	if (q == NULL)
		return -1;
	while ((rc = store_step(q)) == STORE_ROW) {
		struct tenant t;
		tenant_from_row(q, &t);
		fn(&t, ctx);
	}
	store_stmt_done(q);
	return rc == STORE_DONE ? 0 : -1;
}

static int found_tx(struct app *app, struct store *st, const struct account *founder,
                    const char *name, char id_r[IDS_UUID_LEN], const char **error_r)
{
	struct actor actor;
	char agreement_id[IDS_UUID_LEN];
	actor_from_account(&actor, founder);
	if (tenants_create_tx(app, st, &actor, name, "company", id_r, error_r) < 0)
		return -1;
	*error_r = "internal";
	if (accounts_move_tenant_tx(app, st, founder->id, "", id_r, error_r) < 0)
		return -1;
	if (store_run(st,
	              "UPDATE accounts SET tenant_id = ?, role = 'tenant_admin', "
	              "updated_at = ? WHERE id = ?",
	              "sis", id_r, acc_now(), founder->id) != STORE_DONE)
		return -1;
	ids_uuid4(agreement_id);
	if (store_run(st,
	              "INSERT INTO tenant_agreements (id, tenant_id, accepted_by, "
	              "agreement_version, accepted_at) VALUES (?, ?, ?, ?, ?)",
	              "ssssi", agreement_id, id_r, founder->id, ACCOUNTS_DPA_VERSION,
	              acc_now()) != STORE_DONE)
		return -1;
	/* From now on the founder acts as the tenant's admin (P-INS-1). */
	actor.role = ROLE_TENANT_ADMIN;
	snprintf(actor.tenant_id, sizeof(actor.tenant_id), "%s", id_r);
	if (acc_audit(app, st, &actor, id_r, "tenant.agreement_accept", "tenant", id_r,
	              "agreement_version,accepted_by,accepted_at", true) < 0 ||
	    acc_audit(app, st, &actor, id_r, "account.update", "account", founder->id,
	              "tenant_id,role", true) < 0)
		return -1;
	*error_r = NULL;
	return 0;
}

int tenants_found_company(struct app *app, struct store *st, const struct account *founder,
                          const char *name, bool accept_dpa, char id_r[IDS_UUID_LEN],
                          const char **error_r)
{
	char pseudo[LOG_PSEUDONYM_LEN];
	if (!accept_dpa)
		return *error_r = "dpa_required", -1;
	if (founder->tenant_id[0] != '\0' || founder->role != ROLE_USER)
		return *error_r = "forbidden", -1;
	if (!tenants_name_valid(name))
		return *error_r = "invalid_field", -1;
	if (store_tx_begin(st) < 0)
		return *error_r = "internal", -1;
	if (found_tx(app, st, founder, name, id_r, error_r) < 0 || store_tx_commit(st) < 0) {
		store_tx_rollback(st);
		if (*error_r == NULL)
			*error_r = "internal";
		return -1;
	}
	log_info("event=company_founded account=%s", log_pseudonym(founder->id, pseudo));
	return 0;
}

int tenants_agreements(struct store *st, const char *tenant_id,
                       void (*fn)(const struct tenant_agreement *a, void *ctx), void *ctx)
{
	struct store_stmt *q =
	    store_query(st,
	                "SELECT accepted_by, agreement_version, accepted_at FROM "
	                "tenant_agreements WHERE tenant_id = ? ORDER BY accepted_at",
	                "s", tenant_id);
	int rc;
	if (q == NULL)
		return -1;
	while ((rc = store_step(q)) == STORE_ROW) {
		struct tenant_agreement a;
		memset(&a, 0, sizeof(a));
		const char *by = store_col_text(q, 0);
		snprintf(a.accepted_by, sizeof(a.accepted_by), "%s", by ? by : "");
		snprintf(a.version, sizeof(a.version), "%s", store_col_text(q, 1));
		a.accepted_at = store_col_int(q, 2);
		fn(&a, ctx);
	}
	store_stmt_done(q);
	return rc == STORE_DONE ? 0 : -1;
}
