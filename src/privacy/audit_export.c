/*
 * privacy/audit_export: one tenant's extract for its auditor (P-AUD-2), as
 * JSON lines (docs/audit.md "Export format"). Every query is bound to the one
 * tenant id asked for, so no line of another tenant can appear.
 */
#include "privacy/audit.h"
#include "privacy/audit_internal.h"
#include "core/ids.h"
#include "store/store.h"

#include <jansson.h>
#include <string.h>

static json_t *json_text_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *json_hex(struct store_stmt *s, int col)
{
	char hex[2 * AUDIT_SIG_LEN + 1];
	size_t len = 0;
	const unsigned char *b = store_col_blob(s, col, &len);
	if (b == NULL || len > AUDIT_SIG_LEN)
		return json_null();
	ids_hex(b, len, hex);
	return json_string(hex);
}

/* Writes obj as one line and releases it. */
static int write_line(json_t *obj, FILE *out)
{
	int rc = obj != NULL && json_dumpf(obj, out, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0 &&
	                 fputc('\n', out) != EOF
	             ? 0
	             : -1;
	json_decref(obj);
	return rc;
}

static json_t *entry_json(struct store_stmt *s)
{
	struct audit_row row;
	json_t *o = json_object();
	audit_row_read(s, &row);
	json_object_set_new(o, "type", json_string("entry"));
	json_object_set_new(o, "tenant_id", json_string(row.tenant_id));
	json_object_set_new(o, "seq", json_integer(row.seq));
	json_object_set_new(o, "at_ms", json_integer(row.at_ms));
	json_object_set_new(o, "actor_id", json_text_or_null(row.actor_id));
	json_object_set_new(o, "actor_role", json_text_or_null(row.actor_role));
	json_object_set_new(o, "action", json_text_or_null(row.action));
	json_object_set_new(o, "target_type", json_text_or_null(row.target_type));
	json_object_set_new(o, "target_id", json_text_or_null(row.target_id));
	json_object_set_new(o, "fields", json_text_or_null(row.fields));
	json_object_set_new(o, "request_id", json_text_or_null(row.request_id));
	json_object_set_new(o, "instruction", json_boolean(row.instruction));
	json_object_set_new(o, "prev_hash", json_hex(s, 11));
	json_object_set_new(o, "entry_hash", json_hex(s, 12));
	return o;
}

static json_t *checkpoint_json(struct store_stmt *s, const char *tenant_id)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("checkpoint"));
	json_object_set_new(o, "tenant_id", json_string(tenant_id));
	json_object_set_new(o, "seq", json_integer(store_col_int(s, 0)));
	json_object_set_new(o, "at_ms", json_integer(store_col_int(s, 3)));
	json_object_set_new(o, "head_hash", json_hex(s, 1));
	json_object_set_new(o, "signature", json_hex(s, 2));
	return o;
}

static int export_entries(struct store *st, const char *tenant_id, int64_t from_seq, FILE *out)
{
	int rc;
	struct store_stmt *s = store_query(st,
	                                   "SELECT " AUDIT_ROW_COLUMNS " FROM audit_log "
	                                   "WHERE tenant_id = ? AND seq >= ? ORDER BY seq",
	                                   "si", tenant_id, from_seq);
	if (s == NULL)
		return -1;
	while ((rc = store_step(s)) == STORE_ROW) {
		if (write_line(entry_json(s), out) < 0) {
			rc = STORE_ERROR;
			break;
		}
	}
	store_stmt_done(s);
	return rc == STORE_DONE ? 0 : -1;
}

static int export_checkpoints(struct store *st, const char *tenant_id, int64_t from_seq, FILE *out)
{
	int rc;
	struct store_stmt *s =
	    store_query(st,
	                "SELECT seq, head_hash, signature, at_ms "
	                "FROM audit_checkpoints WHERE tenant_id = ? AND seq >= ? "
	                "ORDER BY seq",
	                "si", tenant_id, from_seq);
	if (s == NULL)
		return -1;
	while ((rc = store_step(s)) == STORE_ROW) {
		if (write_line(checkpoint_json(s, tenant_id), out) < 0) {
			rc = STORE_ERROR;
			break;
		}
	}
	store_stmt_done(s);
	return rc == STORE_DONE ? 0 : -1;
}

int audit_export(struct store *st, const char *tenant_id, int64_t from_seq, FILE *out)
{
	json_t *head;
	if (tenant_id == NULL)
		return -1;
	head = json_pack("{s:s, s:s, s:s, s:I, s:I}", "type", "header", "format",
	                 AUDIT_ENCODING_LABEL, "tenant_id", tenant_id, "from_seq",
	                 (json_int_t)from_seq, "exported_at_ms", (json_int_t)audit_now_ms());
	if (write_line(head, out) < 0 || export_entries(st, tenant_id, from_seq, out) < 0 ||
	    export_checkpoints(st, tenant_id, from_seq, out) < 0)
		return -1;
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
