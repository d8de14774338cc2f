/* privacy/dsr_requests: see dsr_requests.h. */
#include "core/clock.h"
#include "compliance/dsr_requests.h"
#include "core/xalloc.h"
#include "crypto/keys.h"
#include "compliance/retention.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const dsr_request_kinds[] = {"access",      "rectification", "erasure", "restriction",
                                         "portability", "objection",     "other",   NULL};

bool dsr_request_kind_valid(const char *kind)
{
	for (size_t i = 0; kind != NULL && dsr_request_kinds[i] != NULL; i++)
		if (strcmp(dsr_request_kinds[i], kind) == 0)
			return true;
	return false;
}

static bool text_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > DSR_REQUEST_TEXT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
			return false;
	return true;
}

static int seal(const struct dsr_ctx *cx, const char *tenant_id, const char *account_id,
                const char *id, const char *column, const char *text, unsigned char **out,
                size_t *len)
{
	struct seal_ad ad = {"privacy_requests", id, column};
	return keys_seal(cx->keys, cx->st, tenant_id, account_id, &ad, text, strlen(text), out,
	                 len);
}

int dsr_request_file(const struct dsr_ctx *cx, const char *tenant_id, const char *account_id,
                     const char *kind, const char *message, char id_r[IDS_UUID_LEN], int64_t *due_r,
                     const char **error_r)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	int64_t now = clock_action_now();
	bool forward = tenant_id[0] != '\0';
	struct dsr_actor self = {account_id, "user"};
	if (!dsr_request_kind_valid(kind) || (message != NULL && !text_ok(message)))
		return *error_r = "invalid_field", -1;
	*error_r = "internal";
	*due_r = clock_add_month(now);
	ids_uuid4(id_r);
	if (store_tx_begin(cx->st) < 0)
		return -1;
	if (message != NULL && seal(cx, tenant_id, account_id, id_r, "message_sealed", message,
	                            &sealed, &sealed_len) < 0)
		goto fail;
	if (store_run(cx->st,
	              "INSERT INTO privacy_requests (id, tenant_id, account_id, kind, "
	              "message_sealed, status, received_at, due_at) VALUES "
	              "(?, ?, ?, ?, ?, ?, ?, ?)",
	              "ssssbsii", id_r, tenant_id, account_id, kind, sealed, sealed_len,
	              forward ? "forwarded" : "received", now, *due_r) != STORE_DONE)
		goto fail;
	/* Forwarded to the tenant admins' queue at once (P-DSR-7). */
	if (forward &&
	    store_run(cx->st, "UPDATE privacy_requests SET forwarded_at = ? WHERE id = ?", "is",
	              now, id_r) != STORE_DONE)
		goto fail;
	if (dsr_audit(cx, &self, tenant_id, "dsr.request", "privacy_request", id_r,
	              message ? "kind,message,status" : "kind,status", false) < 0 ||
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

static json_t *open_json(const struct dsr_ctx *cx, struct store_stmt *q, int col,
                         const char *tenant_id, const char *account_id, const char *id,
                         const char *column)
{
	size_t slen = 0, plen = 0;
	char *plain = NULL;
	const void *sealed = store_col_blob(q, col, &slen);
	struct seal_ad ad = {"privacy_requests", id, column};
	if (sealed == NULL || account_id == NULL ||
	    keys_open_sealed(cx->keys, cx->st, tenant_id, account_id, &ad, sealed, slen, &plain,
	                     &plen) < 0)
		return json_null();
	json_t *s = json_stringn(plain, plen);
	secret_free(plain, plen + 1);
	return s;
}

static json_t *int_or_null(struct store_stmt *q, int col)
{
	return store_col_is_null(q, col) ? json_null() : json_integer(store_col_int(q, col));
}

int dsr_request_list(const struct dsr_ctx *cx, const char *tenant_id, const char *account_id,
                     json_t **out_r)
{
	struct store_stmt *q =
	    store_query(cx->st,
	                "SELECT id, account_id, kind, message_sealed, status, received_at, "
	                "forwarded_at, due_at, answered_at, answered_by, answer_sealed FROM "
	                "privacy_requests WHERE tenant_id = ? AND (? IS NULL OR account_id = ?) "
	                "ORDER BY received_at, id",
	                "sss", tenant_id, account_id, account_id);
	int rc;
	int64_t now = clock_action_now();
	json_t *list = json_array();
	if (q == NULL)
		return json_decref(list), -1;
	while ((rc = store_step(q)) == STORE_ROW) {
		char id[IDS_UUID_LEN], acc[IDS_UUID_LEN] = "";
		snprintf(id, sizeof(id), "%s", store_col_text(q, 0));
		if (!store_col_is_null(q, 1))
			snprintf(acc, sizeof(acc), "%s", store_col_text(q, 1));
		const char *status = store_col_text(q, 4);
		bool answered = strcmp(status, "answered") == 0;
		int64_t due = store_col_int(q, 7);
		const char *by = store_col_text(q, 9);
		json_t *o = json_pack(
		    "{s:s, s:o, s:s, s:o, s:s, s:I, s:o, s:I, s:b, s:o, s:o, s:o}", "id", id,
		    "account_id", acc[0] ? json_string(acc) : json_null(), "kind",
		    store_col_text(q, 2), "message",
		    open_json(cx, q, 3, tenant_id, acc[0] ? acc : NULL, id, "message_sealed"),
		    "status", status, "received_at", (json_int_t)store_col_int(q, 5),
		    "forwarded_at", int_or_null(q, 6), "due_at", (json_int_t)due, "overdue",
		    !answered && now > due, "answered_at", int_or_null(q, 8), "answered_by",
		    by ? json_string(by) : json_null(), "answer",
		    open_json(cx, q, 10, tenant_id, acc[0] ? acc : NULL, id, "answer_sealed"));
		json_array_append_new(list, o);
	}
	store_stmt_done(q);
	if (rc != STORE_DONE)
		return json_decref(list), -1;
	*out_r = list;
	return 0;
}

int dsr_request_answer(const struct dsr_ctx *cx, const struct dsr_actor *actor,
                       const char *tenant_id, const char *request_id, const char *answer,
                       const char **error_r)
{
	char acc[IDS_UUID_LEN] = "";
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	if (!text_ok(answer))
		return *error_r = "invalid_field", -1;
	*error_r = "internal";
	if (store_tx_begin(cx->st) < 0)
		return -1;
	struct store_stmt *q = store_query(
	    cx->st,
	    "SELECT account_id, status FROM privacy_requests WHERE id = ? AND tenant_id = ?", "ss",
	    request_id, tenant_id);
	int rc = q ? store_step(q) : STORE_ERROR;
	bool answered = false;
	if (rc == STORE_ROW) {
		if (!store_col_is_null(q, 0))
			snprintf(acc, sizeof(acc), "%s", store_col_text(q, 0));
		answered = strcmp(store_col_text(q, 1), "answered") == 0;
	}
	store_stmt_done(q);
	if (rc != STORE_ROW || answered) {
		store_tx_rollback(cx->st);
		*error_r = rc == STORE_DONE ? "not_found" : answered ? "conflict" : "internal";
		return -1;
	}
	/* The requester may be erased meanwhile: then the answer is not kept. */
	if (acc[0] != '\0' &&
	    seal(cx, tenant_id, acc, request_id, "answer_sealed", answer, &sealed, &sealed_len) < 0)
		goto fail;
	if (store_run(cx->st,
	              "UPDATE privacy_requests SET status = 'answered', answered_at = ?, "
	              "answered_by = ?, answer_sealed = ? WHERE id = ?",
	              "isbs", clock_action_now(), actor->id, sealed, sealed_len,
	              request_id) != STORE_DONE ||
	    dsr_audit(cx, actor, tenant_id, "dsr.request_answer", "privacy_request", request_id,
	              "status,answer", true) < 0 ||
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
