/* privacy/retention_log: see retention_log.h. */
#include "privacy/retention_log.h"
#include "core/ids.h"
#include "store/store.h"

int retention_log_write_tx(struct store *st, const char *tenant_id, const char *category,
                           const char *table, int64_t deleted, int64_t cutoff, int64_t now)
{
	char id[IDS_UUID_LEN];
	if (deleted <= 0)
		return 0;
	ids_uuid4(id);
	return store_run(st,
	                 "INSERT INTO retention_log (id, tenant_id, category, table_name, deleted,"
	                 " cutoff, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
	                 "ssssiii", id, tenant_id, category, table, deleted, cutoff,
	                 now) == STORE_DONE
	           ? 0
	           : -1;
}

json_t *retention_log_json(struct store *st, const char *tenant_id, int limit)
{
	json_t *list = json_array();
	struct store_stmt *q = store_query(st,
	                                   "SELECT id, category, table_name, deleted, cutoff, at"
	                                   " FROM retention_log WHERE tenant_id = ?"
	                                   " ORDER BY at DESC, id LIMIT ?",
	                                   "sd", tenant_id, limit);
	while (q != NULL && store_step(q) == STORE_ROW)
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "id", store_col_text(q, 0),
		                    "category", store_col_text(q, 1), "table", store_col_text(q, 2),
		                    "deleted", (json_int_t)store_col_int(q, 3), "cutoff",
		                    (json_int_t)store_col_int(q, 4), "at",
		                    (json_int_t)store_col_int(q, 5)));
	store_stmt_done(q);
	return list;
}
