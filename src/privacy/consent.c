/* privacy/consent: see consent.h. */
#include "privacy/consent.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const consent_purposes[] = {CONSENT_MARKETING_EMAIL, "product_news", NULL};

bool consent_purpose_known(const char *purpose)
{
	for (size_t i = 0; purpose != NULL && consent_purposes[i] != NULL; i++)
		if (strcmp(consent_purposes[i], purpose) == 0)
			return true;
	return false;
}

bool objection_purpose_valid(const char *purpose)
{
	size_t n = purpose ? strlen(purpose) : 0;
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((purpose[i] >= 'a' && purpose[i] <= 'z') ||
		      (purpose[i] >= '0' && purpose[i] <= '9') || purpose[i] == '_'))
			return false;
	return true;
}

bool consent_current(struct store *st, const char *account_id, const char *purpose)
{
	struct store_stmt *q =
	    store_query(st,
	                "SELECT 1 FROM consents WHERE account_id = ? AND purpose = ? AND "
	                "withdrawn_at IS NULL",
	                "ss", account_id, purpose);
	bool yes = q != NULL && store_step(q) == STORE_ROW;
	store_stmt_done(q);
	return yes;
}

/* Withdraws inside the caller's transaction; *changed_r when something was current. */
static int withdraw_tx(struct store *st, const char *account_id, const char *purpose,
                       bool *changed_r)
{
	*changed_r = consent_current(st, account_id, purpose);
	if (!*changed_r)
		return 0;
	return store_run(
	           st,
	           "UPDATE consents SET withdrawn_at = ? WHERE account_id = ? AND purpose = ? "
	           "AND withdrawn_at IS NULL",
	           "iss", (int64_t)time(NULL), account_id, purpose) == STORE_DONE
	           ? 0
	           : -1;
}

int consent_set(const struct dsr_ctx *cx, const struct dsr_actor *actor, const char *tenant_id,
                const char *account_id, const char *purpose, bool given, const char **error_r)
{
	bool changed = false;
	char id[IDS_UUID_LEN];
	if (!consent_purpose_known(purpose))
		return *error_r = "invalid_field", -1;
	*error_r = "internal";
	if (store_tx_begin(cx->st) < 0)
		return -1;
	int rc = 0;
	if (given) {
		changed = !consent_current(cx->st, account_id, purpose);
		ids_uuid4(id);
		if (changed)
			rc = store_run(cx->st,
			               "INSERT INTO consents (id, tenant_id, account_id, purpose, "
			               "given_at) VALUES (?, ?, ?, ?, ?)",
			               "ssssi", id, tenant_id, account_id, purpose,
			               (int64_t)time(NULL)) == STORE_DONE
			         ? 0
			         : -1;
	} else {
		rc = withdraw_tx(cx->st, account_id, purpose, &changed);
	}
	if (rc < 0 ||
	    (changed &&
	     dsr_audit(cx, actor, tenant_id, given ? "consent.give" : "consent.withdraw", "account",
	               account_id, "consent", strcmp(actor->id, account_id) != 0) < 0) ||
	    store_tx_commit(cx->st) < 0) {
		store_tx_rollback(cx->st);
		return -1;
	}
	*error_r = NULL;
	return 0;
}

int consent_list(const struct dsr_ctx *cx, const char *account_id, json_t **out_r)
{
	struct store_stmt *q =
	    store_query(cx->st,
	                "SELECT id, purpose, given_at, withdrawn_at FROM consents "
	                "WHERE account_id = ? ORDER BY given_at DESC, id",
	                "s", account_id);
	int rc;
	json_t *list = json_array();
	if (q == NULL)
		return json_decref(list), -1;
	while ((rc = store_step(q)) == STORE_ROW) {
		bool withdrawn = !store_col_is_null(q, 3);
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:I, s:o, s:b}", "id", store_col_text(q, 0),
		                    "purpose", store_col_text(q, 1), "given_at",
		                    (json_int_t)store_col_int(q, 2), "withdrawn_at",
		                    withdrawn ? json_integer(store_col_int(q, 3)) : json_null(),
		                    "current", !withdrawn));
	}
	store_stmt_done(q);
	if (rc != STORE_DONE)
		return json_decref(list), -1;
	*out_r = list;
	return 0;
}

int objection_record(const struct dsr_ctx *cx, const struct dsr_actor *actor, const char *tenant_id,
                     const char *account_id, const char *purpose, const char *reason,
                     char id_r[IDS_UUID_LEN], const char **error_r)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	bool changed = false;
	if (!objection_purpose_valid(purpose) ||
	    (reason != NULL && (reason[0] == '\0' || strlen(reason) > OBJECTION_REASON_MAX)))
		return *error_r = "invalid_field", -1;
	*error_r = "internal";
	ids_uuid4(id_r);
	struct seal_ad ad = {"objections", id_r, "reason_sealed"};
	if (store_tx_begin(cx->st) < 0)
		return -1;
	if (reason != NULL && keys_seal(cx->keys, cx->st, tenant_id, account_id, &ad, reason,
	                                strlen(reason), &sealed, &sealed_len) < 0)
		goto fail;
	if (store_run(cx->st,
	              "INSERT INTO objections (id, tenant_id, account_id, purpose, reason_sealed, "
	              "created_at) VALUES (?, ?, ?, ?, ?, ?)",
	              "ssssbi", id_r, tenant_id, account_id, purpose, sealed, sealed_len,
	              (int64_t)time(NULL)) != STORE_DONE)
		goto fail;
	/* Art. 21(3): an objection to direct marketing ends it. */
	if (strncmp(purpose, "marketing", 9) == 0 &&
	    withdraw_tx(cx->st, account_id, CONSENT_MARKETING_EMAIL, &changed) < 0)
		goto fail;
	if (dsr_audit(cx, actor, tenant_id, "dsr.objection", "account", account_id,
	              changed ? "objection,consent" : "objection",
	              strcmp(actor->id, account_id) != 0) < 0 ||
	    store_tx_commit(cx->st) < 0)
		goto fail;
	free(sealed);
	*error_r = NULL;
	return 0;
fail:
	free(sealed);
	store_tx_rollback(cx->st);
	return -1;
}

int objection_list(const struct dsr_ctx *cx, const char *tenant_id, const char *account_id,
                   json_t **out_r)
{
	struct store_stmt *q =
	    store_query(cx->st,
	                "SELECT id, purpose, reason_sealed, created_at FROM "
	                "objections WHERE account_id = ? ORDER BY created_at, id",
	                "s", account_id);
	int rc;
	json_t *list = json_array();
	if (q == NULL)
		return json_decref(list), -1;
	while ((rc = store_step(q)) == STORE_ROW) {
		char *plain = NULL;
		size_t plen = 0, slen = 0;
		const void *sealed = store_col_blob(q, 2, &slen);
		struct seal_ad ad = {"objections", store_col_text(q, 0), "reason_sealed"};
		if (sealed != NULL && keys_open_sealed(cx->keys, cx->st, tenant_id, account_id, &ad,
		                                       sealed, slen, &plain, &plen) < 0)
			plain = NULL;
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:o, s:I}", "id", store_col_text(q, 0),
		                                "purpose", store_col_text(q, 1), "reason",
		                                plain ? json_stringn(plain, plen) : json_null(),
		                                "created_at", (json_int_t)store_col_int(q, 3)));
		if (plain != NULL)
			secret_free(plain, plen + 1);
	}
	store_stmt_done(q);
	if (rc != STORE_DONE)
		return json_decref(list), -1;
	*out_r = list;
	return 0;
}
