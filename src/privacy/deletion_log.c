/* privacy/deletion_log: see deletion_log.h. */
#include "privacy/deletion_log.h"
#include "crypto/keys.h"
#include "store/store.h"

#include <stdlib.h>
#include <time.h>

int deletion_log_subject_ref(const struct dsr_ctx *cx, const char *tenant_id,
                             const char *subject_id, char out[65])
{
	return keys_blind_index(cx->keys, cx->st, tenant_id, "deletion-log", subject_id, out);
}

int deletion_log_write_tx(const struct dsr_ctx *cx, const struct dsr_erasure *e,
                          const json_t *categories, int64_t items, char id_r[IDS_UUID_LEN])
{
	return deletion_log_write_at_tx(cx, e, categories, items, (int64_t)time(NULL), id_r);
}

int deletion_log_write_at_tx(const struct dsr_ctx *cx, const struct dsr_erasure *e,
                             const json_t *categories, int64_t items, int64_t at,
                             char id_r[IDS_UUID_LEN])
{
	char ref[65];
	if (deletion_log_subject_ref(cx, e->tenant_id, e->subject_id, ref) < 0)
		return -1;
	char *cats = json_dumps(categories, JSON_COMPACT | JSON_SORT_KEYS);
	if (cats == NULL)
		return -1;
	ids_uuid4(id_r);
	int rc =
	    store_run(cx->st,
	              "INSERT INTO deletion_log (id, tenant_id, subject_ref, categories, items, "
	              "erased_at, instructed_by, instructed_role, request_id, reason) VALUES "
	              "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	              "ssssiissss", id_r, e->tenant_id, ref, cats, items, at,
	              e->actor.id, e->actor.role, e->request_id, e->reason);
	free(cats);
	return rc == STORE_DONE ? 0 : -1;
}

int deletion_log_list(const struct dsr_ctx *cx, const char *tenant_id, json_t **out_r)
{
	struct store_stmt *q = store_query(
	    cx->st,
	    "SELECT id, subject_ref, categories, items, erased_at, instructed_by, instructed_role, "
	    "request_id, reason FROM deletion_log WHERE tenant_id = ? ORDER BY erased_at, id",
	    "s", tenant_id);
	int rc;
	json_t *list = json_array();
	if (q == NULL) {
		json_decref(list);
		return -1;
	}
	while ((rc = store_step(q)) == STORE_ROW) {
		json_t *cats = json_loads(store_col_text(q, 2), 0, NULL);
		const char *req = store_col_text(q, 7);
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:o, s:I, s:I, s:s, s:s, s:o, s:s}", "id",
		                    store_col_text(q, 0), "subject_ref", store_col_text(q, 1),
		                    "categories", cats ? cats : json_object(), "items",
		                    (json_int_t)store_col_int(q, 3), "erased_at",
		                    (json_int_t)store_col_int(q, 4), "instructed_by",
		                    store_col_text(q, 5), "instructed_role", store_col_text(q, 6),
		                    "request_id", req ? json_string(req) : json_null(), "reason",
		                    store_col_text(q, 8)));
	}
	store_stmt_done(q);
	if (rc != STORE_DONE) {
		json_decref(list);
		return -1;
	}
	*out_r = list;
	return 0;
}
