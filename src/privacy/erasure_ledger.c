/* privacy/erasure_ledger: see erasure_ledger.h. */
#include "privacy/erasure_ledger.h"
#include "core/ids.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "privacy/catalog.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEDGER_MAGIC "iris-erasure-ledger 1"

static bool token_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

int erasure_ledger_record(struct store *st, const char *tenant_id, const char *subject_id)
{
	char id[IDS_UUID_LEN];
	if (tenant_id == NULL || subject_id == NULL || strlen(tenant_id) >= 40 ||
	    !token_ok(subject_id, ERASURE_SUBJECT_MAX))
		return -1;
	/* Once per subject: a replayed erasure must not add a second entry. */
	struct store_stmt *q =
	    store_query(st, "SELECT 1 FROM erasure_ledger WHERE tenant_id = ? AND subject_id = ?",
	                "ss", tenant_id, subject_id);
	int rc = q ? store_step(q) : STORE_ERROR;
	store_stmt_done(q);
	if (rc != STORE_DONE)
		return rc == STORE_ROW ? 0 : -1;
	ids_uuid4(id);
	return store_run(st,
	                 "INSERT INTO erasure_ledger (id, tenant_id, subject_id, erased_at) "
	                 "VALUES (?, ?, ?, ?)",
	                 "sssi", id, tenant_id, subject_id, (int64_t)time(NULL)) == STORE_DONE
	           ? 0
	           : -1;
}

static void list_add(struct erasure_list *list, const struct erasure_entry *e)
{
	if (list->n == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 16;
		list->v = xrealloc(list->v, list->cap * sizeof(*list->v));
	}
	list->v[list->n++] = *e;
}

void erasure_list_free(struct erasure_list *list)
{
	free(list->v);
	memset(list, 0, sizeof(*list));
}

int erasure_ledger_load(struct store *st, struct erasure_list *list)
{
	struct store_stmt *q = store_query(st,
	                                   "SELECT id, tenant_id, subject_id, erased_at FROM "
	                                   "erasure_ledger ORDER BY erased_at, id",
	                                   "");
	int rc;
	if (q == NULL)
		return -1;
	while ((rc = store_step(q)) == STORE_ROW) {
		struct erasure_entry e;
		memset(&e, 0, sizeof(e));
		snprintf(e.id, sizeof(e.id), "%s", store_col_text(q, 0));
		snprintf(e.tenant_id, sizeof(e.tenant_id), "%s", store_col_text(q, 1));
		snprintf(e.subject_id, sizeof(e.subject_id), "%s", store_col_text(q, 2));
		e.erased_at = store_col_int(q, 3);
		list_add(list, &e);
	}
	store_stmt_done(q);
	return rc == STORE_DONE ? 0 : -1;
}

int erasure_ledger_export(struct store *st, FILE *out)
{
	struct erasure_list list = {0};
	if (erasure_ledger_load(st, &list) < 0)
		return -1;
	fprintf(out, "%s\n", LEDGER_MAGIC);
	for (size_t i = 0; i < list.n; i++) {
		const struct erasure_entry *e = &list.v[i];
		fprintf(out, "%s %s %s %lld\n", e->id, e->tenant_id[0] ? e->tenant_id : "-",
		        e->subject_id, (long long)e->erased_at);
	}
	int n = (int)list.n;
	erasure_list_free(&list);
	return ferror(out) ? -1 : n;
}

int erasure_ledger_load_file(const char *path, struct erasure_list *list, const char **error_r)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int ret = -1;
	if (f == NULL)
		return *error_r = "cannot open the ledger file", -1;
	*error_r = "not an erasure ledger file";
	if (fgets(line, sizeof(line), f) == NULL || strcmp(line, LEDGER_MAGIC "\n") != 0)
		goto out;
	while (fgets(line, sizeof(line), f) != NULL) {
		struct erasure_entry e;
		char id[64], tenant[64], subject[ERASURE_SUBJECT_MAX + 2];
		long long at;
		char extra;
		memset(&e, 0, sizeof(e));
		if (strchr(line, '\n') == NULL ||
		    sscanf(line, "%63s %63s %129s %lld %c", id, tenant, subject, &at, &extra) !=
		        4 ||
		    !ids_is_uuid4(id) || (strcmp(tenant, "-") != 0 && !ids_is_uuid4(tenant)) ||
		    !token_ok(subject, ERASURE_SUBJECT_MAX) || at < 0) {
			*error_r = "malformed line in the ledger file";
			goto out;
		}
		/* both are UUIDs (checked above): the precision only says so */
		snprintf(e.id, sizeof(e.id), "%.*s", (int)sizeof(e.id) - 1, id);
		snprintf(e.tenant_id, sizeof(e.tenant_id), "%.*s", (int)sizeof(e.tenant_id) - 1,
		         strcmp(tenant, "-") ? tenant : "");
		snprintf(e.subject_id, sizeof(e.subject_id), "%s", subject);
		e.erased_at = at;
		list_add(list, &e);
	}
	ret = 0;
	*error_r = NULL;
out:
	fclose(f);
	return ret;
}

/* Tenants of st: "" (freemium) and every row of tenants. */
static int tenants_of(struct store *st, char (**ids_r)[40], size_t *n_r)
{
	struct store_stmt *q = store_query(st, "SELECT id FROM tenants ORDER BY id", "");
	size_t n = 1, cap = 16;
	char(*ids)[40] = xmalloc(cap * sizeof(*ids));
	int rc;
	ids[0][0] = '\0';
	if (q == NULL) {
		free(ids);
		return -1;
	}
	while ((rc = store_step(q)) == STORE_ROW) {
		if (n == cap) {
			cap *= 2;
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		snprintf(ids[n++], sizeof(ids[0]), "%s", store_col_text(q, 0));
	}
	store_stmt_done(q);
	if (rc != STORE_DONE) {
		free(ids);
		return -1;
	}
	*ids_r = ids;
	*n_r = n;
	return 0;
}

static int replay_one(struct keys *keys, struct store *st, const struct erasure_entry *e,
                      char (*tenants)[40], size_t n_tenants, erasure_rows_fn *rows, void *ctx,
                      bool *effective_r)
{
	*effective_r = false;
	/* The original entry first, so that an erasure the callback runs does
	 * not record a second one. */
	if (store_run(st,
	              "INSERT INTO erasure_ledger (id, tenant_id, subject_id, erased_at) "
	              "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
	              "sssi", e->id, e->tenant_id, e->subject_id, e->erased_at) != STORE_DONE)
		return -1;
	for (size_t t = 0; t < n_tenants; t++) {
		if (keys_subject_exists(keys, st, tenants[t], e->subject_id)) {
			*effective_r = true;
			if (keys_subject_destroy(keys, st, tenants[t], e->subject_id) < 0)
				return -1;
		}
	}
	if (rows != NULL) {
		int found = rows(ctx, st, e->tenant_id, e->subject_id);
		if (found < 0)
			return -1;
		if (found > 0)
			*effective_r = true;
	}
	return 0;
}

int erasure_ledger_replay(struct keys *keys, struct store *st, const struct erasure_list *list,
                          erasure_rows_fn *rows, void *ctx, int *effective_r, const char **error_r)
{
	char(*tenants)[40] = NULL;
	size_t n_tenants = 0;
	int effective = 0;
	if (tenants_of(st, &tenants, &n_tenants) < 0)
		return *error_r = "cannot list the tenants of the restored store", -1;
	for (size_t i = 0; i < list->n; i++) {
		bool eff = false;
		if (store_tx_begin(st) < 0)
			goto fail;
		if (replay_one(keys, st, &list->v[i], tenants, n_tenants, rows, ctx, &eff) < 0 ||
		    store_tx_commit(st) < 0) {
			store_tx_rollback(st);
			goto fail;
		}
		effective += eff;
	}
	free(tenants);
	if (effective_r != NULL)
		*effective_r = effective;
	*error_r = NULL;
	return 0;
fail:
	free(tenants);
	*error_r = "replaying an erasure failed";
	return -1;
}
